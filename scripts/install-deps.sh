#!/usr/bin/env bash
# Installs every build and run-time dependency of hearsay from Debian's archive.
# Idempotent; run as root (or with sudo available) on Debian 12 (bookworm).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libtorch-dev             # LibTorch 1.13 (models/)
  libeigen3-dev            # surrogate solvers (methods/)
  libarmadillo-dev         # k-means superpixels (factorizations/)
  libfftw3-dev             # STFT (core/)
  libsndfile1-dev          # audio I/O (core/)
  libsamplerate0-dev       # resampling (core/)
  libfluidsynth-dev        # synthetic music (datasets/)
  timgm6mb-soundfont       # the default General MIDI soundfont
  libpng-dev               # tests: read back the PNG figures (tests/bench/figures_test.cpp)
  libcairo2-dev            # figures: heatmaps as PNG and SVG with real fonts (bench/figures.cpp)
  fonts-dejavu-core        # the one font the figures ask fontconfig for, so they look the same everywhere
  libjs-chart.js           # the report's interactive charts: chart.min.js is inlined into report.html at build time
  nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3                  # tests: the CLI tests read hearsay's JSON output with python3's json module
  lame                     # tests: encode MP3 (tests/core/audio_io_test.cpp makes its MP3 files with it)
  libopenmpi-dev openmpi-bin  # hearsay bench --mpi: jobs spread over MPI ranks (optional in CMake, tested with mpirun)
  clang-14 libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer (clang's -fsanitize=fuzzer and its runtime)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
