// model.json: what a model directory holds besides the network's weights. hearsay writes it for the
// models it trains; users write it by hand to bring a TorchScript file exported from PyTorch:
//
//   {"architecture": "torchscript", "file": "genre.pt",
//    "front_end": {"sample_rate": 22050, "n_mels": 96},
//    "classes": ["blues", "classical", ...], "input_frames": 130}
//
// Unknown keys are refused by name (a typo must not silently fall back to a default), and so is a
// missing or empty class list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/front_end.h"

namespace hearsay::models {

/// The architecture name of a user's TorchScript network.
inline constexpr const char* kTorchScript = "torchscript";

struct ModelConfig {
  /// A built-in network ("vgg_small", "fcn", "short_chunk_cnn") or "torchscript".
  std::string architecture;
  /// Built-in networks only: the network's options (e.g. {"channels": [16, 32, 64, 64]}).
  nlohmann::json network_options = nlohmann::json::object();
  /// The weights (built-in; hearsay writes "weights.pt") or the TorchScript file, relative to the
  /// model directory unless absolute.
  std::string file;
  /// Hash of `file` ("fnv1a64:..."), written by hearsay and checked on load: LibTorch's reader does
  /// not notice corrupt tensor bytes. Optional for hand-written descriptions.
  std::string file_hash;
  /// TorchScript only: 4 feeds windows as [batch, 1, n_mels, frames] (default), 3 as [batch, n_mels, frames].
  int input_rank = 4;
  /// The front-end the network expects (defaults for keys left out).
  FrontEndOptions front_end;
  /// Class names, in the order of the network's outputs.
  std::vector<std::string> classes;
  /// Feature frames of one network input. model.json may give "input_seconds" instead (or both, when
  /// they agree).
  int64_t input_frames = 0;
  /// Windows per network call for black-box inference, measured for this network by `hearsay tune`
  /// (models/batch_tuning.h); 0 (absent): hearsay's default, 16. A window's logits depend on the batch
  /// in their last bits, so the batch is a property of the model, not chosen anew each run.
  int64_t batch = 0;
  /// Training summary (hearsay writes it; informational).
  nlohmann::json training = nlohmann::json::object();
  /// Fingerprint of the training data (hearsay writes it; informational).
  nlohmann::json data = nlohmann::json::object();

  bool is_torchscript() const { return architecture == kTorchScript; }
};

/// Feature frames the front-end gives a clip of `seconds` seconds.
int64_t frames_for_seconds(const FrontEndOptions& front_end, double seconds);
/// Seconds of audio that give `frames` frames.
double seconds_for_frames(const FrontEndOptions& front_end, int64_t frames);

/// The hash of a file's bytes as model.json records it; IoError when it cannot be read.
std::string file_hash(const std::string& path);

/// Parses and checks a model.json object; `context` (the file's path) starts every message.
/// ConfigError for unknown keys, a missing or empty class list, duplicate class names, a missing
/// input length, options that do not belong to the architecture.
ModelConfig model_config_from_json(const nlohmann::json& json, const std::string& context);
/// Reads a model.json file: IoError when it cannot be read or is not JSON, ConfigError as above.
ModelConfig read_model_config(const std::string& path);
/// The JSON hearsay writes (every front-end option spelled out, input length in frames and seconds).
nlohmann::json to_json(const ModelConfig& config);
void write_model_config(const ModelConfig& config, const std::string& path);

}  // namespace hearsay::models
