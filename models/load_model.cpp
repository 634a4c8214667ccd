#include "models/load_model.h"

#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "core/parallel.h"
#include "core/hash.h"
#include "models/model_config.h"
#include "models/network_model.h"
#include "models/networks.h"

namespace hearsay::models {

namespace fs = std::filesystem;

namespace {

constexpr const char* kWeightsFile = "weights.pt";

std::string resolve(const fs::path& dir, const std::string& file) {
  const fs::path p(file);
  return (p.is_absolute() ? p : dir / p).string();
}

void read_tensor(torch::serialize::InputArchive& archive, const std::string& key, torch::Tensor& target, bool buffer,
                 const std::string& prefix, const std::string& file) {
  torch::Tensor stored;
  HEARSAY_CHECK_AS(IoError, archive.try_read(key, stored, buffer), "weights file '", file, "' lacks '", prefix, key,
                   "' (saved from another architecture?)");
  HEARSAY_CHECK_AS(IoError, stored.sizes() == target.sizes(), "weights file '", file, "': '", prefix, key,
                   "' has shape ", stored.sizes(), " but the network needs ", target.sizes(),
                   " (saved from other network options?)");
  target.copy_(stored);
}

// Module::load without its silent reshaping: every tensor must exist with the network's shape.
void read_module(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& prefix,
                 const std::string& file) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters(/*recurse=*/false))
    read_tensor(archive, p.key(), p.value(), false, prefix, file);
  for (auto& b : module.named_buffers(/*recurse=*/false)) read_tensor(archive, b.key(), b.value(), true, prefix, file);
  for (const auto& child : module.named_children()) {
    torch::serialize::InputArchive inner;
    HEARSAY_CHECK_AS(IoError, archive.try_read(child.key(), inner), "weights file '", file, "' lacks layer '", prefix,
                     child.key(), "' (saved from another architecture?)");
    read_module(*child.value(), inner, prefix + child.key() + ".", file);
  }
}

void load_weights(SequentialNetworkImpl& network, const std::string& file) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file);
    read_module(network, archive, "", file);
  } catch (const c10::Error& e) {
    throw IoError(message("weights file '", file, "' cannot be read (corrupt or truncated?): ", first_line(e)));
  }
}

SequentialNetwork build_network(const ModelConfig& config, const std::string& context) {
  try {
    const auto builder = network_registry().create(config.architecture, config.network_options);
    return builder->build({config.front_end.n_mels, config.input_frames, static_cast<int64_t>(config.classes.size())});
  } catch (const ConfigError& e) {
    throw ConfigError(message(context, ": ", e.what()));
  }
}

}  // namespace

std::unique_ptr<Model> load_model(const std::string& dir, const InferenceOptions& options) {
  HEARSAY_CHECK_AS(IoError, fs::is_directory(dir), "model directory '", dir, "' does not exist");
  const fs::path root(dir);
  const std::string json_path = (root / "model.json").string();
  HEARSAY_CHECK_AS(IoError, fs::is_regular_file(json_path), "model directory '", dir, "' has no model.json");
  ModelConfig config = read_model_config(json_path);
  // Configuration first (an unknown architecture or option), then the file.
  SequentialNetwork network = config.is_torchscript() ? nullptr : build_network(config, json_path);
  const std::string file = resolve(root, config.file);
  HEARSAY_CHECK_AS(IoError, fs::is_regular_file(file), config.is_torchscript() ? "TorchScript" : "weights", " file '",
                   file, "' (named in '", json_path, "') does not exist");
  HEARSAY_CHECK_AS(IoError, config.file_hash.empty() || file_hash(file) == config.file_hash, "'", file,
                   "' does not match the file_hash in '", json_path,
                   "' (corrupt, truncated, or changed since hearsay saved it)");
  if (config.is_torchscript()) {
    torch::jit::Module module;
    try {
      module = torch::jit::load(file);
    } catch (const c10::Error& e) {
      throw IoError(message("TorchScript file '", file, "' cannot be loaded (corrupt, truncated, or not saved by ",
                            "torch.jit.save?): ", first_line(e)));
    }
    return std::make_unique<NetworkModel>(std::move(config), std::move(module), file, options);
  }
  load_weights(*network, file);
  return std::make_unique<NetworkModel>(std::move(config), std::move(network), options);
}

std::unique_ptr<Model> create_model(const std::string& network, const FrontEndOptions& front_end,
                                    std::vector<std::string> classes, int64_t input_frames, uint64_t seed,
                                    const nlohmann::json& network_options, const InferenceOptions& options) {
  nlohmann::json json = {{"architecture", network},
                         {"front_end", write_options(front_end)},
                         {"classes", std::move(classes)},
                         {"input_frames", input_frames}};
  if (!network_options.empty()) json["network_options"] = network_options;
  ModelConfig config = model_config_from_json(json, "create_model");
  const auto builder = network_registry().create(config.architecture, config.network_options);
  config.network_options = builder->options();
  torch::manual_seed(seed);
  SequentialNetwork net =
      builder->build({front_end.n_mels, config.input_frames, static_cast<int64_t>(config.classes.size())});
  return std::make_unique<NetworkModel>(std::move(config), std::move(net), options);
}

void save_model(const Model& model, const std::string& dir) {
  const auto* network_model = dynamic_cast<const NetworkModel*>(&model);
  HEARSAY_CHECK_AS(UnsupportedModelError, network_model, "save_model: model '", model.name(),
                   "' is not a LibTorch network (models made by load_model, create_model or train_model can be saved)");
  std::error_code ec;
  fs::create_directories(dir, ec);
  HEARSAY_CHECK_AS(IoError, fs::is_directory(dir, ec), "cannot create model directory '", dir, "'",
                   ec ? ": " + io_error_text(ec.value()) : std::string());
  ModelConfig config = network_model->config();
  const fs::path root(dir);
  config.file = config.is_torchscript() ? fs::path(config.file).filename().string() : kWeightsFile;
  const std::string file = (root / config.file).string();
  // Serialised into memory first: LibTorch's file writer finalises the archive in a destructor, where a
  // write error (a full disk) can only call std::terminate. The bytes then go through
  // write_text_file, which checks every write and renames a complete file into place.
  std::ostringstream bytes;
  try {
    if (config.is_torchscript()) {
      network_model->script().save(bytes);
    } else {
      torch::serialize::OutputArchive archive;
      network_model->network()->save(archive);
      archive.save_to(bytes);
    }
  } catch (const c10::Error& e) {
    throw IoError(message("cannot write '", file, "': LibTorch could not serialise the network: ", first_line(e)));
  }
  const std::string data = bytes.str();
  HEARSAY_CHECK_AS(IoError, bytes.good(), "cannot write '", file, "': the network could not be serialised in memory");
  write_text_file(file, data);
  Fnv1a64 hash;
  hash.add(data.data(), data.size());
  config.file_hash = hash.text();
  write_model_config(config, (root / "model.json").string());
}

void set_torch_threads(int n) { torch::set_num_threads(n > 0 ? n : hardware_threads()); }

}  // namespace hearsay::models
