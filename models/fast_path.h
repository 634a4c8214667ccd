// The fastest forward a network allows, for black-box evaluation (every perturbation method calls
// the network thousands of times), while white-box methods keep the structured network:
//  - batch-norm folded into the convolution (or linear layer) right before it;
//  - the network as a TorchScript module, frozen (weights become constants) and passed through
//    torch::jit::optimize_for_inference, which keeps activations in oneDNN's blocked layout between
//    layers and fuses convolution with ReLU.
// Measured by perf/model_bench.cpp.
//
// LibTorch header: include only from models/ .cpp files and torch-linked tests and benchmarks.
#pragma once

#include <torch/script.h>
#include <torch/torch.h>

#include "models/networks.h"

namespace hearsay::models {

/// A convolution's (or linear layer's) weight and bias.
struct AffineWeights {
  torch::Tensor weight;
  torch::Tensor bias;
};

/// Folds an eval-mode batch-norm (γ, β, running mean μ and variance σ², ε) into the layer before it:
/// w' = w·s and b' = (b − μ)·s + β with s = γ / √(σ² + ε), scaling output channel c by s_c. `bias`
/// may be undefined (no bias).
AffineWeights fold_batch_norm(const torch::Tensor& weight, const torch::Tensor& bias, const torch::Tensor& gamma,
                              const torch::Tensor& beta, const torch::Tensor& running_mean,
                              const torch::Tensor& running_var, double eps);

/// A built-in network written as a TorchScript module (eval mode, not frozen) over copies of its
/// weights; with `fold`, each batch-norm that follows a convolution or linear layer is folded into it.
torch::jit::Module script_network(const SequentialNetworkImpl& network, bool fold);

/// torch::jit::freeze (on a copy; needs eval mode) and, with `optimize`, optimize_for_inference.
torch::jit::Module freeze_for_inference(const torch::jit::Module& module, bool optimize);

}  // namespace hearsay::models
