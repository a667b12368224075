#!/usr/bin/env bash
# Runs Kist's whole test suite: installs and starts what the tests need, builds the Native AOT
# binary the end-to-end tests drive, runs every test project, and prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
export KIST_BINARY="$PWD/out/kist"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Kist.slnx -c Release -nologo 2>&1 | tee "$log" || status=$?
# dotnet test prints one summary line per test assembly: add them up into one closing line.
awk '/(Passed|Failed)! +- Failed: /{
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
