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
  /// windows came with it. 8 measured fastest per window on the default 4-block CNN, built-in and
  /// TorchScript (perf/model_bench.cpp, perf/methods_bench.cpp; 2026-12-01, 2 threads): 3-7 % under 16.
  int64_t batch = 8;
  /// Default frozen.
  InferencePath path = InferencePath::frozen;

  template <class V>
  void visit(V& v) {
    v("batch", batch, "windows per network call (default 8)", Range::between(1, 4096));
    v.choice("path", path,
             {{"frozen", InferencePath::frozen}, {"folded", InferencePath::folded}, {"eager", InferencePath::eager}},
             "how window_logits runs the network (default frozen)");
  }
};

}  // namespace hearsay::models
