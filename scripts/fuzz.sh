#!/usr/bin/env bash
# Fuzzes every parser of untrusted input (fuzz/: audio files, JSON options, dataset manifests,
# model.json) with libFuzzer under AddressSanitizer and UBSan, each for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS]
#
# Configures build-fuzz/ with clang (libFuzzer needs it), builds the four targets, runs each from its
# seed corpus (fuzz/corpus/<target>/, left untouched: new inputs go to build-fuzz/corpus/<target>/),
# prints the executions per target, and fails on any finding: a crash, a sanitizer report, a leak,
# an exception other than hearsay::Error, a timeout or running out of memory. A finding's input is
# saved as build-fuzz/findings/<target>-crash-<hash> (replay: build-fuzz/fuzz/fuzz_<target> FILE);
# fix it and add the file to tests/data/bad/ as a regression test. CI runs it after sanitize.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=(audio options manifest model_config)
# Inputs larger than a few seed files are slow to mutate and find nothing new: audio seeds are up to
# 8 KB, JSON ones up to 11 KB.
declare -A max_len=([audio]=16384 [options]=4096 [manifest]=8192 [model_config]=16384)

launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# OpenMP is off: clang would need its own runtime (libomp), and the parsers do not use it.
mkdir -p build-fuzz
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DHEARSAY_BUILD_FUZZERS=ON -DHEARSAY_BUILD_TESTS=OFF \
  -DHEARSAY_BUILD_BENCHMARKS=OFF -DHEARSAY_USE_OPENMP=OFF "${launcher[@]}" > build-fuzz/configure.log ||
  { cat build-fuzz/configure.log; exit 1; }
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build build-fuzz -j "$(nproc)" --target "${build_targets[@]}"

mkdir -p build-fuzz/findings
failed=()
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/fuzz_$t.log"
  echo "fuzz: $t for ${seconds} s"
  status=0
  # -rss_limit_mb: the loaders must stay far below it on inputs of at most max_len bytes.
  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=fuzz/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 \
    "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=60 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$t-" \
    "build-fuzz/corpus/$t" "fuzz/corpus/$t" > "$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "fuzz: $t: ${runs:-?} executions, exit status $status"
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in build-fuzz/findings/, logs in build-fuzz/fuzz_<target>.log)"
  exit 1
fi
echo "fuzz: no findings"
