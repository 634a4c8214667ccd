// Layer-wise relevance propagation over a layer chain (Bach et al. 2015; Montavon et al. 2019):
// relevance put on the logits flows back layer by layer, each layer by its rule (models/white_box.h,
// LrpRule), to the input.
//
// Conv2d and Linear layers take their rule by the "gradient trick" (Montavon et al. 2019, 10.2): the
// layer applied with modified weights to a (modified) input, z, then s = R / stab(z), c = Wᵀs (a
// vector-Jacobian product by autograd), R_in = x ⊙ c; stab(z) = z + ε·sign(z) with sign(0) = 1. The
// rules are zennit's (chr5tphr/zennit, rules.py): ε; the generalised γ (w + γw⁺ where z > 0, w + γw⁻
// where z < 0, inputs of both signs); α-β with α − β = 1 (positive part x⁺w⁺ + x⁻w⁻ + b⁺, negative
// part x⁺w⁻ + x⁻w⁺ + b⁻, each normalised on its own; z⁺ is α1β0); zᴮ (x·w − low·w⁺ − high·w⁻, where
// the bias cancels); flat (every weight 1, input 1, no bias) and w² (squared weights, input 1, no bias:
// Montavon et al. 2017; zennit adds b² by default, which would absorb relevance in the first layer).
//
// Other layers:
//  - a BatchNorm right after a Conv2d or Linear is folded into it (models/fast_path.h,
//    fold_batch_norm) and passes relevance on unchanged: the affine layer's rule sees the folded
//    weights. A BatchNorm with no such layer before it (vgg_small's input "spec_bn") is the diagonal
//    affine layer y = s·x + t and takes the ε rule with its LrpRule's ε: R_in = s·x / stab(s·x + t) · R.
//  - MaxPool2d / AdaptiveMaxPool2d: LrpSpec::max_pool, winner-takes-all (ties split evenly) or the
//    gradient (torch's choice of one winner).
//  - AvgPool2d / AdaptiveAvgPool2d: the z rule (fixed non-negative weights), its LrpRule's ε as the
//    stabiliser.
//  - ReLU, Dropout (identity in eval mode), Flatten, Identity: relevance passes on, reshaped.
// The pass runs in the windows' precision (double windows: double throughout, the parameters cast),
// so tests can check the rules to 1e-6 against a float64 reference.
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
/// is put on the logits; same shape and type as `windows`. `layer_sums` receives, per layer in forward
/// order, the relevance at its input summed over the windows (a folded BatchNorm's is its output's).
/// Call check_lrp first: this assumes a valid chain and spec.
torch::Tensor lrp_backward(const LayerChain& chain, const torch::Tensor& windows, const torch::Tensor& start,
                           const LrpSpec& spec, std::vector<double>& layer_sums);

}  // namespace hearsay::models
