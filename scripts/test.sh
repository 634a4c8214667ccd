#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
OMP_WAIT_POLICY=PASSIVE ctest --output-on-failure -j "$(nproc)"
