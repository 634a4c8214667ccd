#include "models/network_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/random.h"
#include "models/fast_path.h"
#include "models/lrp.h"
#include "models/modified_backward.h"
#include "models/network_registry.h"

namespace hearsay::models {

namespace {

std::string shape_text(c10::IntArrayRef sizes) {
  std::string out = "[";
  for (size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

// "__torch__.torch.nn.modules.conv.___torch_mangle_3.Conv2d" → "Conv2d".
std::string script_type(const torch::jit::Module& module) {
  const auto name = module.type()->name();
  if (!name) return "Module";
  const std::string qualified = name->qualifiedName();
  const auto dot = qualified.rfind('.');
  return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

// The leaf submodules of a TorchScript module in order, looking inside nn.Sequential containers;
// `container` receives the first other submodule that has children of its own ("'block1' (ResBlock)"),
// whose forward() may do anything.
void collect_leaves(const torch::jit::Module& module, const std::string& prefix,
                    std::vector<std::pair<std::string, torch::jit::Module>>& out, std::string& container) {
  for (const auto& child : module.named_children()) {
    const std::string name = prefix.empty() ? child.name : prefix + "." + child.name;
    const std::string type = script_type(child.value);
    if (type == "Sequential") {
      collect_leaves(child.value, name, out, container);
    } else {
      if (container.empty() && child.value.children().size() > 0) container = "'" + name + "' (" + type + ")";
      out.emplace_back(name, child.value);
    }
  }
}

torch::Tensor call_script(torch::jit::Module& module, const torch::Tensor& x) { return module.forward({x}).toTensor(); }

// A layer's own parameters, then its buffers (not its children's), for a LibTorch or TorchScript
// module alike: both list (name, tensor) pairs, though under different member names.
template <class Parameters, class Buffers>
std::vector<LayerTensor> layer_tensors(const Parameters& parameters, const Buffers& buffers) {
  std::vector<LayerTensor> out;
  auto add = [&out](const std::string& name, const torch::Tensor& t, bool learnable) {
    out.push_back({name, std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), learnable});
  };
  for (const auto& p : parameters) add(p.name, p.value, true);
  for (const auto& b : buffers) add(b.name, b.value, false);
  return out;
}

std::vector<LayerTensor> layer_tensors(const torch::nn::Module& module) {
  std::vector<LayerTensor> out;
  for (const auto& p : module.named_parameters(/*recurse=*/false))
    out.push_back({p.key(), std::vector<int64_t>(p.value().sizes().begin(), p.value().sizes().end()), true});
  for (const auto& b : module.named_buffers(/*recurse=*/false))
    out.push_back({b.key(), std::vector<int64_t>(b.value().sizes().begin(), b.value().sizes().end()), false});
  return out;
}

// Largest |a − b| relative to the size of b.
double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  const double scale = 1.0 + b.abs().max().item<double>();
  return (a - b).abs().max().item<double>() / scale;
}

Matrix<float> to_matrix(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat).contiguous().reshape({t.size(0), -1});
  Matrix<float> out(c.size(0), c.size(1));
  std::copy(c.data_ptr<float>(), c.data_ptr<float>() + c.numel(), out.data());
  return out;
}

// The line of a LibTorch error that says what went wrong: the first, except for the TorchScript
// interpreter's, whose first line is a generic header and whose last is the raised error.
std::string error_summary(const std::exception& error) {
  std::string text = error.what();
  const std::string first = text.substr(0, text.find('\n'));
  if (first.find("TorchScript interpreter") == std::string::npos) return first;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

// Runs LibTorch work for `model`: a c10::Error (a TorchScript model that raises, a shape LibTorch
// refuses) becomes a hearsay error naming the model, what it was doing and the batch size, instead
// of a 40-line TorchScript traceback with no model named.
// TorchScript's own exceptions (raise in a scripted forward) are JITException, a std::runtime_error,
// not a c10::Error; both are caught, hearsay's own errors pass through.
template <class F>
auto guarded(const std::string& model, const char* what, int64_t windows, F&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw UnsupportedModelError(message("model '", model, "' failed ", what, " on a batch of ", windows,
                                        " windows: ", error_summary(e),
                                        " (a network that takes only small batches runs with --batch N, e.g. "
                                        "--batch 1, or \"batch\": N in its model.json)"));
  }
}

// The options with the batch resolved: the caller's, else model.json's (hearsay tune), else the default.
InferenceOptions resolved(InferenceOptions options, const ModelConfig& config) {
  check_options(options, "inference");
  if (options.batch == 0) options.batch = config.batch > 0 ? config.batch : kDefaultBatch;
  return options;
}

}  // namespace

std::string first_line(const std::exception& error) {
  const std::string text = error.what();
  return text.substr(0, text.find('\n'));
}

NetworkModel::NetworkModel(ModelConfig config, SequentialNetwork network, const InferenceOptions& options)
    : WhiteBox(static_cast<const Model&>(*this)),
      config_(std::move(config)),
      options_(resolved(options, config_)),
      front_end_(config_.front_end),
      twin_(front_end_),
      network_(std::move(network)) {
  HEARSAY_CHECK(network_ != nullptr, "NetworkModel: no network");
  const NetworkShape& shape = network_->shape();
  HEARSAY_CHECK_AS(ShapeError,
                   shape.n_mels == front_end_.n_mels() && shape.frames == config_.input_frames &&
                       shape.classes == static_cast<int64_t>(config_.classes.size()),
                   config_.architecture, ": network built for ", shape.n_mels, " mels x ", shape.frames, " frames and ",
                   shape.classes, " classes, but the model has ", front_end_.n_mels(), " mels x ", config_.input_frames,
                   " frames and ", config_.classes.size(), " classes");
  network_->eval();
  name_ = config_.architecture + " (built-in)";
  for (const NetworkLayer& layer : network_->layers())
    layers_.push_back({{layer.name, layer.type, {}, layer_tensors(*layer.module.ptr())},
                       [module = layer.module](const torch::Tensor& x) mutable { return module.forward(x); },
                       layer.module,
                       std::nullopt});
  if (options_.path != InferencePath::eager) {
    guarded(name_, "to compile its fast path", 0, [&] {
      fast_ = script_network(*network_, /*fold=*/true);
      if (options_.path == InferencePath::frozen) fast_ = freeze_for_inference(fast_, /*optimize=*/true);
    });
    has_fast_ = true;
  }
  set_up();
}

NetworkModel::NetworkModel(ModelConfig config, torch::jit::Module module, const std::string& source,
                           const InferenceOptions& options)
    : WhiteBox(static_cast<const Model&>(*this)),
      config_(std::move(config)),
      options_(resolved(options, config_)),
      front_end_(config_.front_end),
      twin_(front_end_),
      script_(std::move(module)),
      source_(source) {
  name_ = "torchscript: " + std::filesystem::path(source).filename().string();
  script_.eval();
  const int64_t classes = static_cast<int64_t>(config_.classes.size());
  const int64_t n_mels = front_end_.n_mels();
  // Dry forward on two windows: the input shape and the class count must agree with model.json.
  const std::vector<float> values = dry_run_windows();
  const torch::Tensor x = input_tensor(values.data(), 2);
  torch::jit::IValue result;
  try {
    torch::NoGradGuard no_grad;
    result = script_.forward({x});
  } catch (const std::exception& e) {
    throw ShapeError(message("TorchScript '", source, "' fails on windows shaped ", shape_text(x.sizes()),
                             " (model.json: front_end.n_mels ", n_mels, ", input_frames ", config_.input_frames,
                             ", input_rank ", config_.input_rank, "): ", first_line(e)));
  }
  HEARSAY_CHECK_AS(ShapeError, result.isTensor(), "TorchScript '", source, "' returns ", result.tagKind(),
                   ", not a tensor of logits [batch, classes]");
  const torch::Tensor y = result.toTensor();
  HEARSAY_CHECK_AS(ShapeError, y.dim() == 2 && y.size(0) == 2, "TorchScript '", source, "' returns shape ",
                   shape_text(y.sizes()), " for 2 windows; expected logits [2, ", classes, "]");
  HEARSAY_CHECK_AS(ConfigError, y.size(1) == classes, "TorchScript '", source, "' has ", y.size(1),
                   " outputs per window but model.json lists ", classes, " classes");

  // Sequential networks expose their layers: the leaf submodules, when running them one after the
  // other reproduces forward() on the dry input.
  std::vector<std::pair<std::string, torch::jit::Module>> leaves;
  std::string container;  // the first submodule that is a container other than nn.Sequential
  collect_leaves(script_, "", leaves, container);
  const std::string top = script_type(script_);
  if (!container.empty()) {
    black_box_reason_ = "its TorchScript module " + container +
                        " is a container other than nn.Sequential, whose forward() hearsay cannot follow";
  } else if (leaves.empty()) {
    black_box_reason_ = "its TorchScript module '" + top + "' has no submodules to follow";
  } else {
    LayerChain chain;
    for (auto& [name, leaf] : leaves)
      chain.push_back({{name,
                        script_type(leaf),
                        {},
                        layer_tensors(leaf.named_parameters(/*recurse=*/false), leaf.named_buffers(/*recurse=*/false))},
                       [leaf = leaf](const torch::Tensor& t) mutable { return call_script(leaf, t); },
                       {},
                       leaf});
    std::string failure;
    try {
      torch::NoGradGuard no_grad;
      torch::Tensor z = x;
      for (auto& layer : chain) {
        failure =
            "its submodule '" + layer.info.name + "' (" + layer.info.type + ") does not take " +
            (failure.empty() ? "the network's input as forward() receives it" : "the previous submodule's output");
        z = layer.run(z);
      }
      failure.clear();
      if (z.sizes() == y.sizes() && relative_difference(z, y) <= 1e-6) layers_ = std::move(chain);
    } catch (const std::exception&) {
      // Not a chain: the model stays a black box (perturbation methods only).
    }
    if (layers_.empty())
      black_box_reason_ = "its TorchScript module '" + top + "' is not a chain of submodules: " +
                          (failure.empty() ? "running them in order does not reproduce its forward()" : failure);
  }
  if (options_.path != InferencePath::eager) {
    try {
      fast_ = freeze_for_inference(script_, options_.path == InferencePath::frozen);
      has_fast_ = true;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hearsay: note: TorchScript '%s' cannot be frozen (%s); running it as loaded\n",
                   source.c_str(), first_line(e).c_str());
    }
  }
  set_up();
}

void NetworkModel::set_up() {
  const int64_t per_window = front_end_.n_mels() * config_.input_frames;
  padded_.assign(static_cast<size_t>(options_.batch * per_window), silence_value());
  // Output shapes of the layers, and a check that the fast path computes what the network computes.
  const std::vector<float> values = dry_run_windows();
  guarded(name_, "its check at loading", 2, [&] {
    torch::NoGradGuard no_grad;
    torch::Tensor x = input_tensor(values.data(), 2);
    for (auto& layer : layers_) {
      x = layer.run(x);
      layer.info.output_shape.assign(x.sizes().begin() + 1, x.sizes().end());
    }
    if (has_fast_) {
      const torch::Tensor windows = input_tensor(values.data(), 2);
      const double difference = relative_difference(forward_fast(windows), forward_eager(windows));
      HEARSAY_CHECK(difference <= 1e-4, "model '", name_, "': the fast path differs from the network by ", difference,
                    " (relative); use the eager path");
    }
  });
}

void NetworkModel::set_provenance(nlohmann::json training, nlohmann::json data) {
  config_.training = std::move(training);
  config_.data = std::move(data);
}

std::vector<float> NetworkModel::dry_run_windows() const {
  Rng rng(1);
  std::vector<float> values(static_cast<size_t>(2 * front_end_.n_mels() * config_.input_frames));
  for (auto& v : values) v = silence_value() + static_cast<float>(rng.uniform(0.0, 100.0));
  return values;
}

torch::Tensor NetworkModel::input_tensor(const float* windows, int64_t count) const {
  const int64_t n_mels = front_end_.n_mels();
  const int64_t frames = config_.input_frames;
  auto* data = const_cast<float*>(windows);  // read only: every path copies before writing
  if (config_.input_rank == 3) return torch::from_blob(data, {count, n_mels, frames}, torch::kFloat);
  return torch::from_blob(data, {count, 1, n_mels, frames}, torch::kFloat);
}

torch::Tensor NetworkModel::forward_eager(const torch::Tensor& windows) const {
  if (network_) return network_->forward(windows);
  return call_script(script_, windows);
}

torch::Tensor NetworkModel::forward_fast(const torch::Tensor& windows) const {
  return has_fast_ ? call_script(fast_, windows) : forward_eager(windows);
}

Matrix<float> NetworkModel::window_logits(const float* windows, int64_t count) const {
  HEARSAY_CHECK_AS(ShapeError, count >= 0, "model '", name_, "': negative window count ", count);
  const int64_t batch = options_.batch;
  const int64_t per_window = front_end_.n_mels() * config_.input_frames;
  const int64_t classes = num_classes();
  Matrix<float> out(count, classes);
  c10::InferenceMode inference;
  for (int64_t first = 0; first < count; first += batch) {
    const int64_t n = std::min(batch, count - first);
    const float* source = windows + first * per_window;
    if (n < batch) {
      // Always a full batch: a window's logits must not depend on how many came with it.
      std::copy(source, source + n * per_window, padded_.begin());
      std::fill(padded_.begin() + n * per_window, padded_.end(), silence_value());
      source = padded_.data();
    }
    const torch::Tensor logits = guarded(name_, "to compute logits", batch, [&] {
      return forward_fast(input_tensor(source, batch)).to(torch::kFloat).contiguous();
    });
    HEARSAY_CHECK_AS(ShapeError, logits.dim() == 2 && logits.size(0) == batch && logits.size(1) == classes, "model '",
                     name_, "' returned logits shaped ", shape_text(logits.sizes()), " for ", batch, " windows and ",
                     classes, " classes");
    std::copy(logits.data_ptr<float>(), logits.data_ptr<float>() + n * classes, out.row(first));
  }
  return out;
}

std::vector<LayerInfo> NetworkModel::layers() const {
  require_white_box(*this, "layers");
  std::vector<LayerInfo> out;
  for (const auto& layer : layers_) out.push_back(layer.info);
  return out;
}

int64_t NetworkModel::layer_index(const std::string& layer) const {
  if (layer == "input") return -1;
  std::string valid = "input";
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i].info.name == layer) return static_cast<int64_t>(i);
    valid += ", " + layers_[i].info.name;
  }
  throw ConfigError(message("model '", name_, "' has no layer '", layer, "'; its layers: ", valid));
}

torch::Tensor NetworkModel::run_layers(torch::Tensor x, int64_t after, int64_t last) const {
  for (int64_t i = after + 1; i <= last; ++i) x = layers_[static_cast<size_t>(i)].run(x);
  return x;
}

Matrix<float> NetworkModel::run_to_layer(const float* windows, int64_t count, const std::string& layer) const {
  require_white_box(*this, "run_to_layer");
  const int64_t index = layer_index(layer);
  c10::InferenceMode inference;
  return guarded(name_, message("to run up to layer '", layer, "'").c_str(), count,
                 [&] { return to_matrix(run_layers(input_tensor(windows, count), -1, index)); });
}

Matrix<float> NetworkModel::run_from_layer(const float* activations, int64_t count, const std::string& layer) const {
  require_white_box(*this, "run_from_layer");
  const int64_t index = layer_index(layer);
  const auto last = static_cast<int64_t>(layers_.size()) - 1;
  c10::InferenceMode inference;
  return guarded(name_, message("to run from layer '", layer, "'").c_str(), count, [&] {
    if (index < 0) return to_matrix(run_layers(input_tensor(activations, count), -1, last));
    std::vector<int64_t> shape = {count};
    const auto& per_window = layers_[static_cast<size_t>(index)].info.output_shape;
    shape.insert(shape.end(), per_window.begin(), per_window.end());
    const torch::Tensor a = torch::from_blob(const_cast<float*>(activations), shape, torch::kFloat);
    return to_matrix(run_layers(a, index, last));
  });
}

std::vector<float> NetworkModel::clip_windows(const float* features, int64_t clips, int64_t frames,
                                              std::vector<int64_t>& starts) const {
  const int64_t n_mels = front_end_.n_mels();
  const int64_t window = config_.input_frames;
  starts = window_starts(frames, window);
  const auto per_clip = static_cast<int64_t>(starts.size());
  std::vector<float> windows(static_cast<size_t>(clips * per_clip * n_mels * window));
  for (int64_t c = 0; c < clips; ++c)
    for (int64_t w = 0; w < per_clip; ++w)
      copy_window(features + c * n_mels * frames, n_mels, frames, starts[static_cast<size_t>(w)], window,
                  silence_value(), windows.data() + (c * per_clip + w) * n_mels * window);
  return windows;
}

void NetworkModel::check_clip(const Matrix<float>& features, int target, const char* what) const {
  HEARSAY_CHECK_AS(ShapeError, features.rows() == front_end_.n_mels() && features.cols() >= 1, "model '", name_,
                   "': ", what, " needs features [", front_end_.n_mels(), " x frames], got [", features.rows(), " x ",
                   features.cols(), "]");
  HEARSAY_CHECK_AS(ConfigError, target >= 0 && target < num_classes(), "model '", name_, "': target class ", target,
                   " is outside 0..", num_classes() - 1);
}

LayerGradient NetworkModel::layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                           Output output) const {
  require_white_box(*this, "layer_gradient");
  check_clip(features, target, "layer_gradient");
  const int64_t n_mels = front_end_.n_mels();
  const int64_t window = config_.input_frames;
  const int64_t index = layer_index(layer);
  const auto last = static_cast<int64_t>(layers_.size()) - 1;

  LayerGradient result;
  result.layer = layer;
  result.window_frames = window;
  std::vector<float> windows = clip_windows(features.data(), 1, features.cols(), result.window_starts);
  const auto count = static_cast<int64_t>(result.window_starts.size());

  guarded(name_, message("to compute gradients at layer '", layer, "'").c_str(), count, [&] {
    torch::AutoGradMode grad_mode(true);
    torch::Tensor activations;
    {
      torch::NoGradGuard no_grad;
      activations = run_layers(input_tensor(windows.data(), count).clone(), -1, index);
    }
    activations = activations.detach().contiguous().requires_grad_(true);
    // The clip's output by the window rule: mean of the windows' logits, then softmax if asked.
    torch::Tensor clip = run_layers(activations, index, last).mean(0);
    if (output == Output::probabilities) clip = torch::softmax(clip, 0);
    const torch::Tensor gradient = torch::autograd::grad({clip[target]}, {activations})[0].contiguous();
    const torch::Tensor a = activations.detach();
    result.activations.assign(a.data_ptr<float>(), a.data_ptr<float>() + a.numel());
    result.gradients.assign(gradient.data_ptr<float>(), gradient.data_ptr<float>() + gradient.numel());
    const torch::Tensor o = clip.detach().contiguous();
    result.output.assign(o.data_ptr<float>(), o.data_ptr<float>() + o.numel());
  });

  if (index < 0)
    result.shape = {1, n_mels, window};
  else
    result.shape = layers_[static_cast<size_t>(index)].info.output_shape;
  return result;
}

std::vector<float> NetworkModel::output_slopes(const float* windows, int64_t clips, int64_t per_clip, int target,
                                               Output output, Matrix<float>& outputs) const {
  const int64_t classes = num_classes();
  const int64_t total = clips * per_clip;
  std::vector<float> start(static_cast<size_t>(total * classes), 0.0f);
  if (output == Output::logits) {
    for (int64_t w = 0; w < total; ++w)
      start[static_cast<size_t>(w * classes + target)] = 1.0f / static_cast<float>(per_clip);
    return start;
  }
  const Matrix<float> logits = window_logits(windows, total);
  for (int64_t c = 0; c < clips; ++c) {
    std::vector<float> mean(static_cast<size_t>(classes), 0.0f);
    for (int64_t k = 0; k < classes; ++k) {
      double sum = 0.0;
      for (int64_t w = 0; w < per_clip; ++w) sum += logits(c * per_clip + w, k);
      mean[static_cast<size_t>(k)] = static_cast<float>(sum / static_cast<double>(per_clip));
    }
    const Matrix<float> p = softmax_rows(Matrix<float>(1, classes, mean));
    const double pt = p(0, target);
    for (int64_t k = 0; k < classes; ++k) {
      outputs(c, k) = p(0, k);
      const double slope = pt * ((k == target ? 1.0 : 0.0) - p(0, k)) / static_cast<double>(per_clip);
      for (int64_t w = 0; w < per_clip; ++w)
        start[static_cast<size_t>((c * per_clip + w) * classes + k)] = static_cast<float>(slope);
    }
  }
  return start;
}

InputGradients NetworkModel::input_gradients(const float* features, int64_t count, int64_t frames, int target,
                                             Output output) const {
  require_white_box(*this, "input_gradients");
  const int64_t n_mels = front_end_.n_mels();
  const int64_t window = config_.input_frames;
  const int64_t classes = num_classes();
  HEARSAY_CHECK_AS(ShapeError, count >= 0 && frames >= 1, "model '", name_, "': input_gradients needs count >= 0 ",
                   "clips of frames >= 1, got ", count, " clips of ", frames, " frames");
  HEARSAY_CHECK_AS(ConfigError, target >= 0 && target < classes, "model '", name_, "': target class ", target,
                   " is outside 0..", classes - 1);
  std::vector<int64_t> starts;
  const std::vector<float> windows = clip_windows(features, count, frames, starts);
  const auto per_clip = static_cast<int64_t>(starts.size());
  const int64_t total = count * per_clip;
  const int64_t per_window = n_mels * window;

  InputGradients out{Matrix<float>(count, n_mels * frames), Matrix<float>(count, classes)};
  const std::vector<float> start = output_slopes(windows.data(), count, per_clip, target, output, out.outputs);
  std::vector<double> window_sums(static_cast<size_t>(count * classes), 0.0);

  // Backward passes over full batches of windows, so a window's gradient does not depend on how many
  // windows came with it (as window_logits does).
  const int64_t batch = options_.batch;
  std::vector<float> gradients(static_cast<size_t>(total * per_window));
  std::vector<float> block(static_cast<size_t>(batch * per_window));
  std::vector<float> block_start(static_cast<size_t>(batch * classes));
  for (int64_t first = 0; first < total; first += batch) {
    const int64_t n = std::min(batch, total - first);
    std::fill(block.begin(), block.end(), silence_value());
    std::fill(block_start.begin(), block_start.end(), 0.0f);
    std::copy(windows.begin() + first * per_window, windows.begin() + (first + n) * per_window, block.begin());
    std::copy(start.begin() + first * classes, start.begin() + (first + n) * classes, block_start.begin());
    guarded(name_, "to compute input gradients", batch, [&] {
      torch::AutoGradMode grad_mode(true);
      const torch::Tensor x = input_tensor(block.data(), batch).clone().requires_grad_(true);
      const torch::Tensor y = run_layers(x, -1, static_cast<int64_t>(layers_.size()) - 1);
      const torch::Tensor seed = torch::from_blob(block_start.data(), {batch, classes}, torch::kFloat);
      const torch::Tensor g = torch::autograd::grad({y}, {x}, {seed})[0].contiguous();
      std::copy(g.data_ptr<float>(), g.data_ptr<float>() + n * per_window, gradients.begin() + first * per_window);
      const torch::Tensor logits = y.detach().to(torch::kFloat).contiguous();
      for (int64_t w = 0; w < n; ++w)
        for (int64_t k = 0; k < classes; ++k)
          window_sums[static_cast<size_t>(((first + w) / per_clip) * classes + k)] +=
              logits.data_ptr<float>()[w * classes + k];
    });
  }
  if (output == Output::logits)
    for (int64_t c = 0; c < count; ++c)
      for (int64_t k = 0; k < classes; ++k)
        out.outputs(c, k) =
            static_cast<float>(window_sums[static_cast<size_t>(c * classes + k)] / static_cast<double>(per_clip));
  for (int64_t c = 0; c < count; ++c) {
    const Matrix<float> sum = sum_windows(gradients.data() + c * per_clip * per_window, starts, n_mels, window, frames);
    std::copy(sum.data(), sum.data() + n_mels * frames, out.gradients.row(c));
  }
  return out;
}

WaveformGradients NetworkModel::waveform_gradients(const float* waveforms, int64_t count, int64_t samples, int target,
                                                   Output output) const {
  require_white_box(*this, "waveform_gradients");
  const int64_t classes = num_classes();
  HEARSAY_CHECK_AS(ShapeError, count >= 0 && samples >= 1, "model '", name_, "': waveform_gradients needs count >= 0 ",
                   "clips of samples >= 1, got ", count, " clips of ", samples, " samples");
  HEARSAY_CHECK_AS(ConfigError, target >= 0 && target < classes, "model '", name_, "': target class ", target,
                   " is outside 0..", classes - 1);
  int64_t frames = 0;
  try {
    frames = twin_.num_frames(samples);
  } catch (const ShapeError& e) {
    throw ShapeError(message("model '", name_, "': waveform_gradients on clips of ", samples, " samples: ", e.what()));
  }
  WaveformGradients out{Matrix<float>(count, samples), Matrix<float>(count, classes)};
  if (count == 0) return out;

  // The twin's features with autograd on the samples; the network's batched input gradients (windows
  // by the window rule, the clip's output the mean of its windows') seed the twin's backward pass.
  torch::AutoGradMode grad_mode(true);
  const torch::Tensor x =
      torch::from_blob(const_cast<float*>(waveforms), {count, samples}, torch::kFloat).clone().requires_grad_(true);
  const torch::Tensor features = twin_.features(x).contiguous();
  const InputGradients g = input_gradients(features.detach().data_ptr<float>(), count, frames, target, output);
  const int64_t n_mels = front_end_.n_mels();
  const torch::Tensor seed =
      torch::from_blob(const_cast<float*>(g.gradients.data()), {count, n_mels, frames}, torch::kFloat);
  const torch::Tensor gradient = torch::autograd::grad({features}, {x}, {seed})[0].contiguous();
  std::copy(gradient.data_ptr<float>(), gradient.data_ptr<float>() + count * samples, out.gradients.data());
  out.outputs = g.outputs;
  return out;
}

Relevance NetworkModel::lrp(const Matrix<float>& features, int target, const LrpSpec& spec) const {
  require_white_box(*this, "lrp");
  check_clip(features, target, "lrp");
  check_lrp(layers_, spec, name_);
  const int64_t n_mels = front_end_.n_mels();
  const int64_t window = config_.input_frames;
  const int64_t classes = num_classes();
  std::vector<int64_t> starts;
  std::vector<float> windows = clip_windows(features.data(), 1, features.cols(), starts);
  const auto count = static_cast<int64_t>(starts.size());
  Relevance r;
  guarded(name_, "to propagate LRP relevance", count, [&] {
    const torch::Tensor x = input_tensor(windows.data(), count).clone();
    torch::Tensor logits;
    {
      torch::NoGradGuard no_grad;
      logits = run_layers(x, -1, static_cast<int64_t>(layers_.size()) - 1).to(torch::kFloat).contiguous();
    }
    // Each window starts with its share of the clip's logit (the clip's logit is the windows' mean).
    torch::Tensor start = torch::zeros({count, classes}, torch::kFloat);
    start.index_put_({torch::indexing::Slice(), target},
                     logits.index({torch::indexing::Slice(), target}) / static_cast<double>(count));
    const torch::Tensor relevance = lrp_backward(layers_, x, start, spec, r.layer_sums).to(torch::kFloat).contiguous();
    r.map = sum_windows(relevance.data_ptr<float>(), starts, n_mels, window, features.cols());
    r.start = start.sum().item<double>();
    const double total = relevance.to(torch::kDouble).sum().item<double>();
    double in_clip = 0.0;
    for (const float v : r.map.values()) in_clip += v;
    r.padding = total - in_clip;
    r.absorbed = r.start - total;
    const torch::Tensor mean = logits.mean(0).contiguous();
    r.output.assign(mean.data_ptr<float>(), mean.data_ptr<float>() + classes);
  });
  return r;
}

Matrix<float> NetworkModel::modified_gradient(const Matrix<float>& features, int target, Output output,
                                              BackwardRule rule, const Matrix<float>* baseline) const {
  require_white_box(*this, "modified_gradient");
  check_clip(features, target, "modified_gradient");
  check_modified_backward(layers_, rule, name_);
  const int64_t n_mels = front_end_.n_mels();
  const int64_t window = config_.input_frames;
  const int64_t classes = num_classes();
  std::vector<int64_t> starts;
  std::vector<float> windows = clip_windows(features.data(), 1, features.cols(), starts);
  std::vector<float> base;
  if (rule == BackwardRule::rescale) {
    HEARSAY_CHECK_AS(ShapeError, baseline && baseline->rows() == features.rows() && baseline->cols() == features.cols(),
                     "model '", name_, "': DeepLIFT's rescale rule needs a baseline shaped like the features [",
                     features.rows(), " x ", features.cols(), "]");
    std::vector<int64_t> same;
    base = clip_windows(baseline->data(), 1, baseline->cols(), same);
  }
  const auto count = static_cast<int64_t>(starts.size());
  Matrix<float> outputs(1, classes);
  std::vector<float> slopes = output_slopes(windows.data(), 1, count, target, output, outputs);
  Matrix<float> map;
  guarded(name_, "to run a modified backward pass", count, [&] {
    const torch::Tensor x = input_tensor(windows.data(), count).clone();
    const torch::Tensor b = base.empty() ? torch::Tensor() : input_tensor(base.data(), count).clone();
    const torch::Tensor start = torch::from_blob(slopes.data(), {count, classes}, torch::kFloat);
    const torch::Tensor g = modified_backward(layers_, x, b, start, rule).to(torch::kFloat).contiguous();
    map = sum_windows(g.data_ptr<float>(), starts, n_mels, window, features.cols());
  });
  return map;
}

std::shared_ptr<const Model> NetworkModel::randomized(const std::vector<std::string>& layers, uint64_t seed) const {
  require_white_box(*this, "randomized");
  std::vector<int64_t> chosen;
  for (const std::string& layer : layers) {
    const int64_t index = layer_index(layer);
    HEARSAY_CHECK_AS(ConfigError, index >= 0, "model '", name_, "': 'input' has no weights to randomise");
    chosen.push_back(index);
  }
  // The copy's parameters: the chosen layers' learnable tensors drawn afresh as their types initialise
  // them (PyTorch's reset_parameters: weights and biases of convolutions and linear layers uniform in
  // ±1/√fan_in, batch-norm scale 1 and shift 0); everything else copied.
  Rng rng(seed);
  auto reinitialise = [&rng](const std::string& type, const std::string& tensor, torch::Tensor& t, int64_t fan_in) {
    torch::NoGradGuard no_grad;
    if (type.find("BatchNorm") != std::string::npos) {
      t.fill_(tensor == "weight" ? 1.0 : 0.0);
      return;
    }
    const double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fan_in, 1)));
    std::vector<float> values(static_cast<size_t>(t.numel()));
    for (auto& v : values) v = static_cast<float>(rng.uniform(-bound, bound));
    t.copy_(torch::from_blob(values.data(), t.sizes(), torch::kFloat).to(t.scalar_type()));
  };
  auto fan_in_of = [](const LayerInfo& info) -> int64_t {
    for (const auto& t : info.tensors)
      if (t.name == "weight" && t.shape.size() >= 2) {
        int64_t fan = 1;
        for (size_t d = 1; d < t.shape.size(); ++d) fan *= t.shape[d];
        return fan;
      }
    return 1;
  };

  std::shared_ptr<NetworkModel> copy;
  if (network_) {
    const auto builder = network_registry().create(config_.architecture, config_.network_options);
    SequentialNetwork network = builder->build(network_->shape());
    auto source = network_->named_parameters(/*recurse=*/true);
    auto source_buffers = network_->named_buffers(/*recurse=*/true);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : network->named_parameters(/*recurse=*/true)) p.value().copy_(source[p.key()]);
      for (auto& b : network->named_buffers(/*recurse=*/true)) b.value().copy_(source_buffers[b.key()]);
    }
    for (const int64_t index : chosen) {
      const LayerInfo& info = layers_[static_cast<size_t>(index)].info;
      const auto& module = network->layers()[static_cast<size_t>(index)].module.ptr();
      for (auto& p : module->named_parameters(/*recurse=*/false))
        reinitialise(info.type, p.key(), p.value(), fan_in_of(info));
    }
    copy = std::make_shared<NetworkModel>(config_, network, options_);
  } else {
    torch::jit::Module clone = script_.clone();
    for (const int64_t index : chosen) {
      const LayerInfo& info = layers_[static_cast<size_t>(index)].info;
      torch::jit::Module module = clone;
      std::string path = info.name;
      for (size_t dot; (dot = path.find('.')) != std::string::npos; path = path.substr(dot + 1))
        module = module.attr(path.substr(0, dot)).toModule();
      module = module.attr(path).toModule();
      for (const auto& p : module.named_parameters(/*recurse=*/false)) {
        torch::Tensor t = p.value;
        reinitialise(info.type, p.name, t, fan_in_of(info));
      }
    }
    copy = std::make_shared<NetworkModel>(config_, clone, source_, options_);
  }
  std::string names;
  for (const std::string& layer : layers) names += (names.empty() ? "" : ", ") + layer;
  copy->name_ = name_ + " randomised [" + names + "] seed " + std::to_string(seed);
  return copy;
}

}  // namespace hearsay::models
