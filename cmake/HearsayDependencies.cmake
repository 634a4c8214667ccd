# Every dependency is a Debian package installed by scripts/install-deps.sh.
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3)
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(SAMPLERATE REQUIRED IMPORTED_TARGET samplerate)
pkg_check_modules(FLUIDSYNTH REQUIRED IMPORTED_TARGET fluidsynth)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)
# Chart.js (Debian's libjs-chart.js), inlined into every report.html so the page opens offline.
find_file(HEARSAY_CHARTJS chart.min.js PATHS /usr/share/javascript/chart.js NO_DEFAULT_PATH REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
# Built with -fopenmp, Eigen parallelises its matrix products, and its blocking (so the order of each
# sum) depends on the thread count: LIME's and KernelSHAP's solves differed by 2e-16 between --threads
# 1 and 2. hearsay parallelises over masks instead, so Eigen stays serial and results stay bit-identical.
set_property(TARGET Eigen3::Eigen APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS EIGEN_DONT_PARALLELIZE)
find_package(Armadillo REQUIRED)
find_package(PNG REQUIRED)
find_package(Threads REQUIRED)

if(HEARSAY_USE_OPENMP)
  find_package(OpenMP REQUIRED COMPONENTS CXX)
endif()

# LibTorch (Debian's libtorch-dev). Its config script is noisy about optional pieces; quiet it.
set(_hearsay_saved_log_level "${CMAKE_MESSAGE_LOG_LEVEL}")
set(CMAKE_MESSAGE_LOG_LEVEL ERROR)
find_package(Torch REQUIRED)
set(CMAKE_MESSAGE_LOG_LEVEL "${_hearsay_saved_log_level}")

if(NOT TARGET hearsay_armadillo)
  add_library(hearsay_armadillo INTERFACE)
  target_include_directories(hearsay_armadillo SYSTEM INTERFACE ${ARMADILLO_INCLUDE_DIRS})
  target_link_libraries(hearsay_armadillo INTERFACE ${ARMADILLO_LIBRARIES})
endif()

# OpenMPI (Debian's libopenmpi-dev) for `hearsay bench --mpi`; without it hearsay builds and says that
# --mpi needs it. HEARSAY_USE_MPI=OFF leaves it out even when it is installed.
if(HEARSAY_USE_MPI)
  find_package(MPI COMPONENTS C)
  if(NOT MPI_C_FOUND)
    message(STATUS "hearsay: MPI not found; hearsay bench --mpi is unavailable (install libopenmpi-dev)")
  endif()
endif()

if(HEARSAY_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(HEARSAY_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
