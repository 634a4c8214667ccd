// Helpers for the LibTorch model tests: a small front-end, seeded windows, networks with non-trivial
// batch-norm statistics.
#pragma once

#include <torch/torch.h>

#include "core/random.h"
#include "models/model_config.h"
#include "models/network_model.h"
#include "models/networks.h"

namespace hearsay::models::testing {

/// 32 mels at 8 kHz (n_fft 256, hop 128).
inline FrontEndOptions small_front_end() {
  FrontEndOptions o;
  o.sample_rate = 8000;
  o.n_fft = 256;
  o.hop_length = 128;
  o.n_mels = 32;
  return o;
}

/// `count` windows of log-mel-like values (-80..+20 dB), seeded.
inline std::vector<float> random_windows(int64_t count, int64_t per_window, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> out(static_cast<size_t>(count * per_window));
  for (auto& v : out) v = static_cast<float>(rng.uniform(-80.0, 20.0));
  return out;
}

/// Gives every batch-norm of `network` seeded statistics and affine weights, so folding them is
/// tested on more than the identity.
inline void randomize_batch_norms(torch::nn::Module& network, uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (const auto& m : network.modules(/*include_self=*/false)) {
    auto set = [](auto* bn) {
      bn->running_mean.uniform_(-1.0, 1.0);
      bn->running_var.uniform_(0.5, 2.0);
      bn->weight.uniform_(0.5, 1.5);
      bn->bias.uniform_(-0.5, 0.5);
    };
    if (auto* bn2 = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) set(bn2);
    if (auto* bn1 = dynamic_cast<torch::nn::BatchNorm1dImpl*>(m.get())) set(bn1);
  }
}

/// A built-in network for the small front-end, `frames` wide, with randomized batch-norms.
inline std::pair<ModelConfig, SequentialNetwork> small_network(const std::string& architecture,
                                                               const nlohmann::json& options, int64_t frames,
                                                               uint64_t seed) {
  ModelConfig config;
  config.architecture = architecture;
  config.front_end = small_front_end();
  config.classes = {"a", "b", "c"};
  config.input_frames = frames;
  const auto builder = network_registry().create(architecture, options);
  config.network_options = builder->options();
  torch::manual_seed(seed);
  SequentialNetwork network = builder->build({config.front_end.n_mels, frames, 3});
  randomize_batch_norms(*network, seed + 1);
  // The input batch-norm sees dB values.
  auto* spec_bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(network->layers().front().module.ptr().get());
  if (spec_bn) {
    torch::NoGradGuard no_grad;
    spec_bn->running_mean.fill_(-30.0);
    spec_bn->running_var.fill_(900.0);
  }
  return {config, network};
}

inline InferenceOptions path(InferencePath p, int64_t batch = 16) {
  InferenceOptions o;
  o.path = p;
  o.batch = batch;
  return o;
}

/// Largest |a − b|.
inline float max_difference(const Matrix<float>& a, const Matrix<float>& b) {
  float worst = 0.0f;
  for (size_t i = 0; i < a.values().size(); ++i) worst = std::max(worst, std::abs(a.values()[i] - b.values()[i]));
  return worst;
}

}  // namespace hearsay::models::testing
