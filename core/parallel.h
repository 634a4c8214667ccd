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

}  // namespace hearsay
