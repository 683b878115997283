#!/usr/bin/env bash
# Soak: rawtls serve under mixed, bounded load on 127.0.0.1 (default 10 minutes; --help for options).
# Builds Release, then runs bench/soak/soak.py; the report, chart and samples go to perf-results/.
# GC heap, GC committed memory and collection counts are sampled with dotnet-counters when it is on PATH or named by
# DOTNET_COUNTERS (dotnet tool install --tool-path DIR dotnet-counters); without it the chart leaves that panel empty.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in hey wrk openssl python3; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
echo "== building Release (rawtls)"
dotnet build -c Release -nologo -v quiet src/RawTls.Cli/RawTls.Cli.csproj
exec python3 bench/soak/soak.py "$@"
