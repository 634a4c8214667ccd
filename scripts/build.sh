#!/usr/bin/env bash
# Configures and builds hearsay in build/ (Release). Extra arguments go to CMake's configure step.
# HEARSAY_WARNINGS_AS_ERRORS=ON in the environment turns warnings into errors (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
# The warnings option is passed only when set, so a later plain build keeps CI's setting instead of
# changing the flags (which would recompile everything).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
  ${HEARSAY_WARNINGS_AS_ERRORS:+-DHEARSAY_WARNINGS_AS_ERRORS="$HEARSAY_WARNINGS_AS_ERRORS"} "$@" > build-configure.log \
  || { cat build-configure.log; exit 1; }
cmake --build build -j "$(nproc)"
