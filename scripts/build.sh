#!/usr/bin/env bash
# Configures and builds hearsay in build/ (Release). Extra arguments go to CMake's configure step.
# HEARSAY_WARNINGS_AS_ERRORS=ON in the environment turns warnings into errors (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
  -DHEARSAY_WARNINGS_AS_ERRORS="${HEARSAY_WARNINGS_AS_ERRORS:-OFF}" "$@" > build-configure.log \
  || { cat build-configure.log; exit 1; }
cmake --build build -j "$(nproc)"
