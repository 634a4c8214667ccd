#!/usr/bin/env bash
# The README's main command: installs dependencies, builds, and runs the main job, `hearsay bench` on
# its embedded defaults (synthetic genre and planted-cause sets, a model trained on each, every method
# compared). Sets and models are cached in hearsay-out/cache; results go to hearsay-out/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/cli/hearsay bench "$@"
