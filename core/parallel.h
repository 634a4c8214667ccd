// Thread settings for hearsay's own OpenMP loops. LibTorch's intra-op threads are set by models/
// from the same number. Both use GCC's libgomp, and hearsay never runs its parallel loops inside a
// LibTorch call (composition happens before the forward pass, not within it).
#pragma once

#include <functional>
#include <string>
#include <utility>

namespace hearsay {

/// Cores available to this process (at least 1).
int hardware_threads();
/// Sets the threads of hearsay's parallel loops; n <= 0 means hardware_threads().
void set_num_threads(int n);
/// Threads the next parallel loop will use.
int num_threads();

/// How long an idle OpenMP thread spins before it sleeps, in libgomp's spins (GOMP_SPINCOUNT), when the
/// user set neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT. libgomp's default (300000 spins, about a
/// millisecond) let threads take the cores other work needs: on the shared 2-core machine inference ran
/// 3.6-10x slower under load. PASSIVE (no spin) pays a futex wake-up at each of the dozens of parallel
/// regions of a forward pass: the default CNN ran 0.24 ms per window at its best batch and 1.19 ms at
/// batch 1. A short spin catches the hand-offs between regions, microseconds apart, and sleeps through
/// anything longer (2026-12-01, vgg4 fixture, hearsay tune, ms per window at batch 1 / best):
/// PASSIVE 1.19 / 0.24, 100 spins 0.98 / 0.24, 1000 spins 0.29 / 0.19, 10000 spins 0.29 / 0.19 alone;
/// with two processes sharing the two cores, 0.57 / 0.38, 0.64 / 0.43, 1.25 / 0.47 and 7.7 / 0.68.
inline constexpr const char* kOmpSpinCount = "1000";

/// The variable to set before libgomp loads, and its value: GOMP_SPINCOUNT = kOmpSpinCount; or
/// OMP_WAIT_POLICY = PASSIVE when Open MPI says several ranks share this machine
/// (OMPI_COMM_WORLD_LOCAL_SIZE > 1), since spinning threads of one rank take the cores of the others;
/// or nothing ({"", ""}) when the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT, which is respected.
/// `env` reads a variable (std::getenv; nullptr when unset).
std::pair<std::string, std::string> omp_wait_setting(const std::function<const char*(const char*)>& env);

/// Sets omp_wait_setting(std::getenv) and runs the program again (libgomp reads its environment once,
/// when it loads, before main). Returns only when nothing had to change (or the re-run could not start).
void use_short_omp_spin(char** argv);

}  // namespace hearsay
