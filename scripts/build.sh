#!/usr/bin/env bash
# Builds the kist command with Native AOT into out/kist (the binary the demo, tests and benchmarks use), and beside it
# out/kist-registry, which `kist registry` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish src/Kist.Cli -c Release -o out -nologo -v quiet -p:DebugType=none
dotnet publish src/Kist.Registry.Cli -c Release -o out -nologo -v quiet -p:DebugType=none
echo "build: $(pwd)/out/kist"
