// How a model runs its network for black-box calls (window_logits): batch size and fast path.
// Torch-free; shared by load_model.h and the LibTorch NetworkModel.
#pragma once

#include <cstdint>

#include "core/options.h"

namespace hearsay::models {

/// How window_logits runs the network. White-box access (layers, layer_gradient, run_to_layer /
/// run_from_layer) always uses the structured network as built or loaded.
enum class InferencePath {
  frozen,  ///< batch-norm folded, TorchScript frozen and optimize_for_inference'd (the fastest)
  folded,  ///< batch-norm folded (built-ins: a TorchScript copy; TorchScript files: torch::jit::freeze alone)
  eager,   ///< the structured network as it is
};

struct InferenceOptions {
  /// Windows per network call (Model::preferred_batch). window_logits always runs full batches of
  /// this size, padding the last with silence, so a window's logits never depend on how many other
  /// windows came with it. The best size depends on the network and the workload (2026-12-01, 2 threads):
  /// on the 130-frame default CNN without the window cache 8 ran 5-10 % faster per window than 16
  /// (perf/methods_bench.cpp), but on the 87-frame networks of `hearsay bench --quick`, with the cache,
  /// 8 made LIME, KernelSHAP and exact Shapley 10-18 % slower, so 16 stays the default.
  int64_t batch = 16;
  /// Default frozen.
  InferencePath path = InferencePath::frozen;

  template <class V>
  void visit(V& v) {
    v("batch", batch, "windows per network call (default 16)", Range::between(1, 4096));
    v.choice("path", path,
             {{"frozen", InferencePath::frozen}, {"folded", InferencePath::folded}, {"eager", InferencePath::eager}},
             "how window_logits runs the network (default frozen)");
  }
};

}  // namespace hearsay::models
