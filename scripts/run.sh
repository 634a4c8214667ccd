#!/usr/bin/env bash
# The README's main command: installs dependencies, builds, and runs the main job.
# Until `hearsay bench` lands, the main job describes a reference clip with `hearsay info`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/cli/hearsay info tests/data/front_end/signal.wav
