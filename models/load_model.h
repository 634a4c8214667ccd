// Making models: load a model directory (built-in weights or a user's TorchScript file, described
// by model.json), build an untrained built-in network in code, save a model directory.
// Torch-free header; the implementations live in hearsay::models (LibTorch).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/front_end.h"
#include "core/options.h"
#include "models/inference_options.h"
#include "models/model.h"

namespace hearsay::models {

/// Loads a model directory: model.json plus the weights (built-in) or TorchScript file it names.
/// IoError naming the file for a missing, corrupt or truncated file; ConfigError for model.json
/// problems (unknown keys, no class list, an unknown architecture) and for a TorchScript network
/// whose output size disagrees with the class list (naming both numbers); ShapeError when the network
/// cannot take windows of the configured shape.
std::unique_ptr<Model> load_model(const std::string& dir, const InferenceOptions& options = {});

/// An untrained built-in network with weights drawn from `seed` (tests, and the start of training).
std::unique_ptr<Model> create_model(const std::string& network, const FrontEndOptions& front_end,
                                    std::vector<std::string> classes, int64_t input_frames, uint64_t seed,
                                    const nlohmann::json& network_options = nlohmann::json::object(),
                                    const InferenceOptions& options = {});

/// Writes a model made by load_model, create_model or train_model into `dir` (created if needed):
/// model.json and the weights (built-in) or the TorchScript file. The model.json's training summary
/// and data fingerprint are kept.
void save_model(const Model& model, const std::string& dir);

/// Threads of LibTorch's intra-op pool; n <= 0 means one per core. The CLI's --threads sets it.
void set_torch_threads(int n);

}  // namespace hearsay::models
