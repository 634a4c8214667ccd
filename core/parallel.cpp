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

std::pair<std::string, std::string> omp_wait_setting(const std::function<const char*(const char*)>& env) {
  if (env("OMP_WAIT_POLICY") || env("GOMP_SPINCOUNT")) return {};
  const char* ranks = env("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (ranks && std::atoi(ranks) > 1) return {"OMP_WAIT_POLICY", "PASSIVE"};
  return {"GOMP_SPINCOUNT", kOmpSpinCount};
}

void use_short_omp_spin(char** argv) {
  const auto [name, value] = omp_wait_setting([](const char* n) { return std::getenv(n); });
  if (!name.empty() && ::setenv(name.c_str(), value.c_str(), 1) == 0) ::execv("/proc/self/exe", argv);
}

}  // namespace hearsay
