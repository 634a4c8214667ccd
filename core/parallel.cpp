#include "core/parallel.h"

#include <algorithm>
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

}  // namespace hearsay
