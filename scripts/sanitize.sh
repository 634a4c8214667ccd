#!/usr/bin/env bash
# The torch-free test suites (core, datasets, factorizations, methods, the Model contract) built with
# AddressSanitizer and UndefinedBehaviorSanitizer in build-sanitize/, and run. A use after free or an
# overflow in a test that still "passes" (a loop over a destroyed temporary ran zero times and checked
# nothing, once) fails here. LibTorch's tests are left out: its Debian build is not instrumented.
# CI runs it after the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
suites=(core datasets factorizations methods models_api)
targets=()
for s in "${suites[@]}"; do targets+=("hearsay_${s}_tests"); done
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DHEARSAY_SANITIZE=address,undefined \
  -DHEARSAY_WARNINGS_AS_ERRORS=ON > build-sanitize-configure.log || { cat build-sanitize-configure.log; exit 1; }
cmake --build build-sanitize -j "$(nproc)" --target "${targets[@]}"
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMP_WAIT_POLICY=PASSIVE
for s in "${suites[@]}"; do
  dir=${s%_api}
  echo "sanitize: hearsay_${s}_tests"
  "build-sanitize/tests/${dir}/hearsay_${s}_tests" --gtest_brief=1
done
echo "sanitize: all suites clean"
