#!/usr/bin/env bash
# Long fuzzing run: the CI fuzz targets (tests tagged Category=Fuzz) for SECONDS each (default 120) with random seeds.
# Writes perf-results/fuzz-<stamp>.tsv (target, seed, inputs, regression inputs, seconds, slowest input's CPU ms) and
# saves any failing input under bench/fuzz/crashes/<target>/; once fixed, commit it to
# tests/RawTls.Tests/Fuzz/Regressions/<target>/ so CI replays it.
# Usage: bench/fuzz/run.sh [SECONDS] [SEED|random]
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-120}"
seed="${2:-random}"
stamp=$(date -u +%Y%m%d-%H%M)
report="$PWD/perf-results/fuzz-$stamp.tsv"
mkdir -p perf-results bench/fuzz/crashes
printf 'target\tseed\tinputs\tregression_inputs\tseconds\tslowest_cpu_ms\n' > "$report"
dotnet build -nologo -v quiet tests/RawTls.Tests >/dev/null || exit 1
RAWTLS_FUZZ_SECONDS="$seconds" RAWTLS_FUZZ_SEED="$seed" RAWTLS_FUZZ_REPORT="$report" \
RAWTLS_FUZZ_CRASH_DIR="$PWD/bench/fuzz/crashes" \
    dotnet test tests/RawTls.Tests --no-build --filter "Category=Fuzz" -- xUnit.ParallelizeTestCollections=false
status=$?
column -t -s $'\t' "$report"
echo "report: $report; crashes (if any): bench/fuzz/crashes/"
exit $status
