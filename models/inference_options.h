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

/// The batch when neither the options nor model.json give one.
inline constexpr int64_t kDefaultBatch = 16;

struct InferenceOptions {
  /// Windows per network call (Model::preferred_batch); 0: the model's own, model.json's "batch"
  /// (measured by `hearsay tune`, models/batch_tuning.h), else 16. window_logits always runs full
  /// batches of this size, padding the last with silence, so a window's logits never depend on how many
  /// other windows came with it. The best size depends on the network (2026-12-01, 2 threads): on the
  /// 130-frame default CNN 4-8 ran fastest, on the 87-frame networks of `hearsay bench --quick` 16 did,
  /// hence a measured value per model rather than one default.
  int64_t batch = 0;
  /// Default frozen.
  InferencePath path = InferencePath::frozen;

  template <class V>
  void visit(V& v) {
    v("batch", batch, "windows per network call (0: the model's, model.json's \"batch\" from hearsay tune, else 16)",
      Range::between(0, 4096));
    v.choice("path", path,
             {{"frozen", InferencePath::frozen}, {"folded", InferencePath::folded}, {"eager", InferencePath::eager}},
             "how window_logits runs the network (default frozen)");
  }
};

}  // namespace hearsay::models
