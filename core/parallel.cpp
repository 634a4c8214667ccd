#include "core/parallel.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#ifdef HEARSAY_HAVE_OPENMP
#include <omp.h>
#endif

namespace hearsay {

int hardware_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

void set_num_threads(int n) {
#ifdef HEARSAY_HAVE_OPENMP
  omp_set_num_threads(n > 0 ? n : hardware_threads());
#else
  (void)n;
#endif
}

int num_threads() {
#ifdef HEARSAY_HAVE_OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void use_short_omp_spin(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  if (::setenv("GOMP_SPINCOUNT", kOmpSpinCount, 1) == 0) ::execv("/proc/self/exe", argv);
}

}  // namespace hearsay
