// Thread settings for hearsay's own OpenMP loops. LibTorch's intra-op threads are set by models/
// from the same number. Both use GCC's libgomp, and hearsay never runs its parallel loops inside a
// LibTorch call (composition happens before the forward pass, not within it).
#pragma once

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

/// Sets GOMP_SPINCOUNT to kOmpSpinCount and runs the program again (libgomp reads its environment
/// once, when it loads, before main) unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is already set, which
/// is respected. Returns only when nothing had to change (or the re-run could not start).
void use_short_omp_spin(char** argv);

}  // namespace hearsay
