// The built-in genre networks (LibTorch). Each is a plain sequence of named layers: an input
// batch-norm, conv / batch-norm / ReLU / max-pool blocks, global pooling and linear layers. Being
// plain sequences, every layer can be reached by name ("block3.relu"), the network can be run up to
// a layer and on from it, and batch-norm folds into the convolution before it.
//
// Networks take windows [batch, 1, n_mels, frames] of log-mel features and return logits
// [batch, classes]. Options follow LibTorch's Options + Impl + TORCH_MODULE style; the part a user
// may set in model.json ("network_options") is listed by each Options' visit().
//
// LibTorch header: include only from models/ .cpp files and torch-linked tests and benchmarks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "core/options.h"
#include "core/registry.h"
#include "models/network_registry.h"

namespace hearsay::models {

/// The input and output sizes a network is built for.
struct NetworkShape {
  int64_t n_mels = 96;
  int64_t frames = 130;
  int64_t classes = 10;
};

/// One layer of a sequential network.
struct NetworkLayer {
  std::string name;  ///< "spec_bn", "block1.conv", "fc", ...
  std::string type;  ///< "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "AdaptiveAvgPool2d", "Linear", ...
  torch::nn::AnyModule module;
};

/// Base of the built-in networks: named layers run in order.
class SequentialNetworkImpl : public torch::nn::Module {
 public:
  /// Windows [batch, 1, n_mels, frames] → logits [batch, classes].
  torch::Tensor forward(torch::Tensor x) { return forward_range(std::move(x), 0, layers_.size()); }
  /// Layers [first, last) on x.
  torch::Tensor forward_range(torch::Tensor x, size_t first, size_t last);
  const std::vector<NetworkLayer>& layers() const { return layers_; }
  /// The shape the network was built for.
  const NetworkShape& shape() const { return shape_; }

 protected:
  explicit SequentialNetworkImpl(const NetworkShape& shape);
  /// Appends one layer, registered under `name`.
  void add_layer(const std::string& name, torch::nn::AnyModule module);
  /// Appends the layers of a block, registered together as the submodule `block` (so the layer
  /// "block1.conv" owns the parameters "block1.conv.weight", ...).
  void add_block(const std::string& block, const std::vector<std::pair<std::string, torch::nn::AnyModule>>& modules);
  /// conv 3×3 (same padding) → batch-norm → ReLU → max-pool `pool`, as block `name`.
  void add_conv_block(const std::string& name, int64_t in_channels, int64_t out_channels,
                      std::pair<int64_t, int64_t> pool);

 private:
  NetworkShape shape_;
  std::vector<NetworkLayer> layers_;
};

/// A network of any built-in architecture (the holder of SequentialNetworkImpl).
using SequentialNetwork = std::shared_ptr<SequentialNetworkImpl>;

/// vgg_small: the default. Four conv blocks with 2×2 max-pooling, global average pooling, dropout
/// and one linear layer; about 60 k parameters at the default widths, small enough to train in
/// minutes on two cores.
struct VggSmallOptions {
  TORCH_ARG(std::vector<int64_t>, channels) = {16, 32, 64, 64};
  TORCH_ARG(double, dropout) = 0.3;

 public:
  template <class V>
  void visit(V& v) {
    v("channels", channels_, "output channels of the 4 conv blocks (default [16, 32, 64, 64])", Range::at_least(1));
    v("dropout", dropout_, "dropout before the linear layer (default 0.3)", Range::between(0, 0.9));
  }
  void validate() const;
};

class VggSmallImpl : public SequentialNetworkImpl {
 public:
  VggSmallImpl(const VggSmallOptions& options, const NetworkShape& shape);
  VggSmallOptions options;
};
TORCH_MODULE(VggSmall);

/// fcn: the fully convolutional network of Choi, Fazekas & Sandler, "Automatic tagging using deep
/// convolutional neural networks" (ISMIR 2016), as in minzwon/sota-music-tagging-models: an input
/// batch-norm, five conv blocks whose max-pools shrink the whole input to 1×1, dropout and a linear
/// layer. The original pools (2,4), (2,4), (2,4), (3,5), (4,4) fit 96 mels × 1366 frames; here each
/// block's pool is sized for the chosen input: with r dimensions of size s left over k blocks, the
/// pool is round(s^(1/k)) and the last block pools what remains.
struct FcnOptions {
  TORCH_ARG(std::vector<int64_t>, channels) = {64, 128, 128, 128, 64};
  TORCH_ARG(double, dropout) = 0.5;

 public:
  template <class V>
  void visit(V& v) {
    v("channels", channels_, "output channels of the 5 conv blocks (default [64, 128, 128, 128, 64])",
      Range::at_least(1));
    v("dropout", dropout_, "dropout before the linear layer (default 0.5)", Range::between(0, 0.9));
  }
  void validate() const;
};

class FcnImpl : public SequentialNetworkImpl {
 public:
  FcnImpl(const FcnOptions& options, const NetworkShape& shape);
  FcnOptions options;
};
TORCH_MODULE(Fcn);

/// short_chunk_cnn: the short-chunk CNN of Won, Ferraro, Bogdanov & Serra, "Evaluation of CNN-based
/// automatic music tagging models" (SMC 2020): an input batch-norm, seven conv blocks with 2×2
/// max-pooling (a dimension already down to 1 is no longer pooled), global max pooling, then
/// linear → batch-norm → ReLU → dropout → linear. Block widths are n, n, 2n, 2n, 2n, 2n, 4n; the
/// paper's n = 128 is slow on a CPU, so the default here is the narrower n = 32.
struct ShortChunkCnnOptions {
  TORCH_ARG(int64_t, width) = 32;
  TORCH_ARG(double, dropout) = 0.5;

 public:
  template <class V>
  void visit(V& v) {
    v("width", width_, "channels of the first block, n (default 32; the paper uses 128)", Range::at_least(1));
    v("dropout", dropout_, "dropout before the last linear layer (default 0.5)", Range::between(0, 0.9));
  }
};

class ShortChunkCnnImpl : public SequentialNetworkImpl {
 public:
  ShortChunkCnnImpl(const ShortChunkCnnOptions& options, const NetworkShape& shape);
  ShortChunkCnnOptions options;
};
TORCH_MODULE(ShortChunkCnn);

/// A built-in architecture with validated options, ready to build networks for any input shape.
class NetworkBuilder {
 public:
  virtual ~NetworkBuilder() = default;
  virtual SequentialNetwork build(const NetworkShape& shape) const = 0;
  /// Every option, defaults included (what model.json records as "network_options").
  virtual nlohmann::json options() const = 0;
};

}  // namespace hearsay::models
