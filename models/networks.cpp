#include "models/networks.h"

#include <cmath>

#include "core/error.h"

namespace hearsay::models {

namespace nn = torch::nn;

namespace {

// "torch::nn::Conv2dImpl" → "Conv2d".
std::string layer_type(const nn::Module& module) {
  std::string name = module.name();
  const auto colon = name.rfind("::");
  if (colon != std::string::npos) name = name.substr(colon + 2);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0) name.resize(name.size() - 4);
  return name;
}

void check_shape(const NetworkShape& shape, const char* network) {
  HEARSAY_CHECK_AS(ConfigError, shape.n_mels >= 1 && shape.frames >= 1 && shape.classes >= 1, network,
                   ": needs n_mels, frames and classes >= 1 (got ", shape.n_mels, ", ", shape.frames, ", ",
                   shape.classes, ")");
}

// Pool sizes that shrink `size` to 1 over `blocks` blocks: round(s^(1/k)) for the k blocks left, the
// last block pooling what remains (Choi et al.'s FCN pools the whole input away).
std::vector<int64_t> shrinking_pools(int64_t size, int blocks) {
  std::vector<int64_t> pools;
  for (int k = blocks; k >= 1; --k) {
    const int64_t pool =
        k == 1 ? size : std::max<int64_t>(1, std::llround(std::pow(static_cast<double>(size), 1.0 / k)));
    pools.push_back(pool);
    size /= pool;
  }
  return pools;
}

constexpr char kFcn[] = "fcn";
constexpr char kShortChunkCnn[] = "short_chunk_cnn";
constexpr char kVggSmall[] = "vgg_small";

template <class Options, class Network, const char* Name>
class Builder : public NetworkBuilder {
 public:
  using Settings = Options;  // (the registry documents the options)
  explicit Builder(const nlohmann::json& json) : options_(read_options<Options>(json, Name)) {}
  SequentialNetwork build(const NetworkShape& shape) const override { return Network(options_, shape).ptr(); }
  nlohmann::json options() const override { return write_options(options_); }

 private:
  Options options_;
};

}  // namespace

SequentialNetworkImpl::SequentialNetworkImpl(const NetworkShape& shape) : shape_(shape) {}

torch::Tensor SequentialNetworkImpl::forward_range(torch::Tensor x, size_t first, size_t last) {
  for (size_t i = first; i < last && i < layers_.size(); ++i) x = layers_[i].module.forward(x);
  return x;
}

void SequentialNetworkImpl::add_layer(const std::string& name, nn::AnyModule module) {
  register_module(name, module.ptr());
  layers_.push_back({name, layer_type(*module.ptr()), std::move(module)});
}

void SequentialNetworkImpl::add_block(const std::string& block,
                                      const std::vector<std::pair<std::string, nn::AnyModule>>& modules) {
  auto holder = std::make_shared<nn::Module>(block);
  for (const auto& [name, module] : modules) {
    holder->register_module(name, module.ptr());
    layers_.push_back({block + "." + name, layer_type(*module.ptr()), module});
  }
  register_module(block, holder);
}

void SequentialNetworkImpl::add_conv_block(const std::string& name, int64_t in_channels, int64_t out_channels,
                                           std::pair<int64_t, int64_t> pool) {
  add_block(name, {{"conv", nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 3).padding(1)))},
                   {"bn", nn::AnyModule(nn::BatchNorm2d(out_channels))},
                   {"relu", nn::AnyModule(nn::ReLU())},
                   {"pool", nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions({pool.first, pool.second})))}});
}

void VggSmallOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, channels_.size() == 4, "vgg_small: option 'channels' must list 4 widths, got ",
                   channels_.size());
}

VggSmallImpl::VggSmallImpl(const VggSmallOptions& o, const NetworkShape& shape)
    : SequentialNetworkImpl(shape), options(o) {
  check_shape(shape, "vgg_small");
  options.validate();
  int64_t mels = shape.n_mels;
  int64_t frames = shape.frames;
  HEARSAY_CHECK_AS(ConfigError, mels >= 16 && frames >= 16, "vgg_small: four 2x2 max-pools need at least 16 mels and ",
                   "16 frames, got ", mels, " x ", frames);
  add_layer("spec_bn", nn::AnyModule(nn::BatchNorm2d(1)));
  int64_t in = 1;
  for (size_t b = 0; b < 4; ++b) {
    add_conv_block("block" + std::to_string(b + 1), in, options.channels()[b], {2, 2});
    in = options.channels()[b];
  }
  add_layer("global_pool", nn::AnyModule(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1}))));
  add_layer("flatten", nn::AnyModule(nn::Flatten()));
  add_layer("dropout", nn::AnyModule(nn::Dropout(options.dropout())));
  add_layer("fc", nn::AnyModule(nn::Linear(in, shape.classes)));
}

void FcnOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, channels_.size() == 5, "fcn: option 'channels' must list 5 widths, got ",
                   channels_.size());
}

FcnImpl::FcnImpl(const FcnOptions& o, const NetworkShape& shape) : SequentialNetworkImpl(shape), options(o) {
  check_shape(shape, "fcn");
  options.validate();
  const auto freq_pools = shrinking_pools(shape.n_mels, 5);
  const auto time_pools = shrinking_pools(shape.frames, 5);
  add_layer("spec_bn", nn::AnyModule(nn::BatchNorm2d(1)));
  int64_t in = 1;
  for (size_t b = 0; b < 5; ++b) {
    add_conv_block("block" + std::to_string(b + 1), in, options.channels()[b], {freq_pools[b], time_pools[b]});
    in = options.channels()[b];
  }
  add_layer("flatten", nn::AnyModule(nn::Flatten()));
  add_layer("dropout", nn::AnyModule(nn::Dropout(options.dropout())));
  add_layer("fc", nn::AnyModule(nn::Linear(in, shape.classes)));
}

ShortChunkCnnImpl::ShortChunkCnnImpl(const ShortChunkCnnOptions& o, const NetworkShape& shape)
    : SequentialNetworkImpl(shape), options(o) {
  check_shape(shape, "short_chunk_cnn");
  const int64_t n = options.width();
  const std::vector<int64_t> widths = {n, n, 2 * n, 2 * n, 2 * n, 2 * n, 4 * n};
  add_layer("spec_bn", nn::AnyModule(nn::BatchNorm2d(1)));
  int64_t mels = shape.n_mels;
  int64_t frames = shape.frames;
  int64_t in = 1;
  for (size_t b = 0; b < widths.size(); ++b) {
    const int64_t pool_f = mels >= 2 ? 2 : 1;
    const int64_t pool_t = frames >= 2 ? 2 : 1;
    add_conv_block("block" + std::to_string(b + 1), in, widths[b], {pool_f, pool_t});
    mels /= pool_f;
    frames /= pool_t;
    in = widths[b];
  }
  add_layer("global_pool", nn::AnyModule(nn::AdaptiveMaxPool2d(nn::AdaptiveMaxPool2dOptions({1, 1}))));
  add_layer("flatten", nn::AnyModule(nn::Flatten()));
  add_layer("dense1", nn::AnyModule(nn::Linear(in, in)));
  add_layer("bn", nn::AnyModule(nn::BatchNorm1d(in)));
  add_layer("relu", nn::AnyModule(nn::ReLU()));
  add_layer("dropout", nn::AnyModule(nn::Dropout(options.dropout())));
  add_layer("dense2", nn::AnyModule(nn::Linear(in, shape.classes)));
}

const Registry<NetworkBuilder>& network_registry() {
  static const Registry<NetworkBuilder> registry = [] {
    Registry<NetworkBuilder> r("network");
    r.add<Builder<FcnOptions, Fcn, kFcn>>(
        kFcn, "Choi et al. 2016 fully convolutional network (5 conv blocks), pools sized for the input");
    r.add<Builder<ShortChunkCnnOptions, ShortChunkCnn, kShortChunkCnn>>(
        kShortChunkCnn,
        "Won et al. 2020 short-chunk CNN (7 conv blocks, global max pooling, 2 dense layers), width 32");
    r.add<Builder<VggSmallOptions, VggSmall, kVggSmall>>(
        kVggSmall, "4-block CNN with global average pooling; trains in minutes on 2 cores (the default)");
    return r;
  }();
  return registry;
}

}  // namespace hearsay::models
