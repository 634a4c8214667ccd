// The LibTorch side of a white box: a network as a chain of layers, each with its module (a built-in
// LibTorch module or a TorchScript submodule) so backward passes with rules (models/lrp.h,
// models/modified_backward.h) can read its parameters and settings.
//
// LibTorch header: include only from models/ .cpp files and torch-linked tests and benchmarks.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

#include "models/model.h"

namespace hearsay::models {

/// One layer of a model's structured network: what layers() lists, and how to run it.
struct ModelLayer {
  LayerInfo info;
  std::function<torch::Tensor(const torch::Tensor&)> run;
  torch::nn::AnyModule module;               ///< built-in networks (empty for TorchScript)
  std::optional<torch::jit::Module> script;  ///< TorchScript submodules (empty for built-in networks)
};

using LayerChain = std::vector<ModelLayer>;

}  // namespace hearsay::models
