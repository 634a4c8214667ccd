// Layer-wise relevance propagation over a layer chain (Bach et al. 2015; Montavon et al. 2019):
// relevance put on the logits flows back layer by layer, each layer by its rule (models/white_box.h,
// LrpRule), to the input.
//
// LibTorch header: include only from models/ .cpp files and torch-linked tests and benchmarks.
#pragma once

#include <string>
#include <vector>

#include "models/layer_chain.h"
#include "models/white_box.h"

namespace hearsay::models {

/// Before any work: UnsupportedModelError naming `model` and the first layer of `chain` (name and
/// type) that LRP has no rule for, with the types it supports; ConfigError when `spec` does not give
/// one rule per layer or a rule's settings are invalid.
void check_lrp(const LayerChain& chain, const LrpSpec& spec, const std::string& model);

/// Relevance at the input of `chain` for windows [count, ...input shape] when `start` [count, classes]
/// is put on the logits; same shape as `windows`. `layer_sums` receives, per layer in forward order,
/// the relevance entering its input summed over the windows.
torch::Tensor lrp_backward(const LayerChain& chain, const torch::Tensor& windows, const torch::Tensor& start,
                           const LrpSpec& spec, std::vector<double>& layer_sums);

}  // namespace hearsay::models
