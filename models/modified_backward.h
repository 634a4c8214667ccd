// Backward passes that change how non-linearities pass the gradient: guided backpropagation
// (Springenberg et al. 2015) and DeepLIFT's Rescale rule (Shrikumar et al. 2017), over a layer chain.
//
// The chain runs forward once (twice for rescale: on the windows and on the baseline) keeping each
// layer's input; the backward pass then goes layer by layer from `start`:
//  - ReLU. gradient: g·1[x > 0]. guided: relu(g)·1[x > 0] (only positive gradient, only where the
//    unit was on; Captum's GuidedBackprop). rescale: g·(relu(x) − relu(x′))/(x − x′) where
//    |x − x′| > 1e-6, else the gradient g·1[x > 0] (Captum's DeepLift does the same).
//  - MaxPool2d, AdaptiveMaxPool2d. gradient and guided: the gradient (to the winner of each window).
//    rescale: for an output whose window has winner w at x and w′ at x′, its change Δy lies between
//    the input changes at the two winners, Δx_w′ ≤ Δy ≤ Δx_w (max y ≥ x_w′ and max y′ ≥ x′_w). So
//    Δy = λ Δx_w + (1 − λ) Δx_w′ for one λ in [0, 1], and the output's multiplier g goes λ·g to w and
//    (1 − λ)·g to w′: Σ m·Δx over the window is exactly g·Δy (summation-to-delta), every multiplier
//    is finite and between 0 and g, and when the winner does not change it is the gradient. Captum
//    routes half of g·Δy through each winner divided by that winner's Δx, which also sums to delta
//    but blows up where a winner barely changes, and falls back to the gradient there (breaking the
//    sum); the convex split needs no fallback (λ = ½ only when Δx_w = Δx_w′, where Δy equals both).
//  - Conv2d, Linear, BatchNorm1d/2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Dropout, Identity: the
//    plain vector-Jacobian product at the layer's input. In eval mode these are affine (batch-norm
//    scales and shifts, dropout is the identity), so the product is the same at every input and is
//    DeepLIFT's linear rule exactly.
// Summation-to-delta for rescale: Σ m ⊙ (windows − baseline) = Σ start ⊙ (logits(windows) −
// logits(baseline)), layer by layer, up to float rounding.
//
// LibTorch header: include only from models/ .cpp files and torch-linked tests and benchmarks.
#pragma once

#include <string>

#include "models/layer_chain.h"
#include "models/white_box.h"

namespace hearsay::models {

/// Before any work: UnsupportedModelError naming `model` (when not empty), the first layer of `chain`
/// whose type `rule` cannot pass (its name and type), and the types it can.
void check_modified_backward(const LayerChain& chain, BackwardRule rule, const std::string& model);

/// The input "gradient" of `chain` on windows [count, ...input shape] when `start` [count, classes] is
/// the gradient put on the logits, with `rule` at the non-linearities; same shape as `windows`.
/// `baseline` (same shape as `windows`) is required for BackwardRule::rescale, ignored otherwise
/// (ShapeError when it is missing or shaped otherwise). UnsupportedModelError naming the first layer
/// whose type the rule cannot pass, before any work (check_modified_backward without a model name).
/// The layers must be in eval mode, as NetworkModel keeps them.
torch::Tensor modified_backward(const LayerChain& chain, const torch::Tensor& windows, const torch::Tensor& baseline,
                                const torch::Tensor& start, BackwardRule rule);

}  // namespace hearsay::models
