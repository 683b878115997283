#!/usr/bin/env bash
# Load comparison: rawtls serve vs a minimal Kestrel app vs nginx, each pinned to one core.
# Builds Release, installs nginx if missing, then runs bench/load/loadcmp.py with the given options
# (--quick for a smoke run, --help for the rest). Results go to perf-results/.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in hey wrk taskset openssl python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
if ! command -v nginx >/dev/null; then
    echo "== installing nginx-light"
    apt-get install -y nginx-light >/dev/null || { apt-get update >/dev/null && apt-get install -y nginx-light >/dev/null; }
fi
if [ "$(nproc)" -lt 2 ]; then
    echo "run.sh: needs two cores (server on core 0, load generator on core 1)" >&2
    exit 1
fi

echo "== building Release (rawtls, Kestrel peer)"
dotnet build -c Release -nologo -v quiet src/RawTls.Cli/RawTls.Cli.csproj
dotnet build -c Release -nologo -v quiet bench/RawTls.KestrelPeer/RawTls.KestrelPeer.csproj

# The driver kills every server it started, by PID, on exit or Ctrl+C.
exec python3 bench/load/loadcmp.py "$@"
