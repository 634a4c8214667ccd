// Backward passes that change how non-linearities pass the gradient: guided backpropagation
// (Springenberg et al. 2015) and DeepLIFT's Rescale rule (Shrikumar et al. 2017), over a layer chain.
//
// LibTorch header: include only from models/ .cpp files and torch-linked tests and benchmarks.
#pragma once

#include "models/layer_chain.h"
#include "models/white_box.h"

namespace hearsay::models {

/// The input "gradient" of `chain` on windows [count, ...input shape] when `start` [count, classes] is
/// the gradient put on the logits, with `rule` at the non-linearities; same shape as `windows`.
/// `baseline` (same shape as `windows`) is required for BackwardRule::rescale, ignored otherwise.
/// UnsupportedModelError naming the first layer whose type the rule cannot pass, before any work.
torch::Tensor modified_backward(const LayerChain& chain, const torch::Tensor& windows, const torch::Tensor& baseline,
                                const torch::Tensor& start, BackwardRule rule);

}  // namespace hearsay::models
