// NetworkModel: the Model of a LibTorch network, built-in (SequentialNetwork) or a user's TorchScript
// module. Black-box calls (window_logits) take the fast path chosen by InferenceOptions; the white
// box (models/white_box.h: layers, gradients, LRP and modified backward passes, randomised copies)
// runs the structured network layer by layer in eval mode. A TorchScript module is a white box when
// it is a chain of submodules (nested nn.Sequential included): running its leaves in order
// reproduces its forward(); otherwise it is a black box and black_box_reason() says why.
//
// LibTorch header: include only from models/ .cpp files and torch-linked tests and benchmarks.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

#include "models/inference_options.h"
#include "models/layer_chain.h"
#include "models/model.h"
#include "models/model_config.h"
#include "models/networks.h"
#include "models/torch_front_end.h"
#include "models/white_box.h"

namespace hearsay::models {

/// The first line of a LibTorch error (the rest is a C++ or TorchScript backtrace).
std::string first_line(const std::exception& error);

class NetworkModel final : public Model, public WhiteBox {
 public:
  /// A built-in network (switched to eval mode). The model shares the network; its fast path is a
  /// copy made here, so retrain, then make a new model.
  NetworkModel(ModelConfig config, SequentialNetwork network, const InferenceOptions& options);
  /// A TorchScript module, checked with a dry forward on two windows of the configured shape.
  /// `source` names the file in messages.
  NetworkModel(ModelConfig config, torch::jit::Module module, const std::string& source,
               const InferenceOptions& options);

  std::string name() const override { return name_; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return config_.classes; }
  int64_t input_frames() const override { return config_.input_frames; }
  Matrix<float> window_logits(const float* windows, int64_t count) const override;
  int64_t preferred_batch() const override { return options_.batch; }
  const WhiteBox* white_box() const override { return layers_.empty() ? nullptr : this; }
  std::string black_box_reason() const override { return black_box_reason_; }

  // ---- WhiteBox ----
  std::vector<LayerInfo> layers() const override;
  LayerGradient layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                               Output output) const override;
  InputGradients input_gradients(const float* features, int64_t count, int64_t frames, int target,
                                 Output output) const override;
  WaveformGradients waveform_gradients(const float* waveforms, int64_t count, int64_t samples, int target,
                                       Output output) const override;
  Matrix<float> run_to_layer(const float* windows, int64_t count, const std::string& layer) const override;
  Matrix<float> run_from_layer(const float* activations, int64_t count, const std::string& layer) const override;
  Relevance lrp(const Matrix<float>& features, int target, const LrpSpec& spec) const override;
  Matrix<float> modified_gradient(const Matrix<float>& features, int target, Output output, BackwardRule rule,
                                  const Matrix<float>* baseline) const override;
  std::shared_ptr<const Model> randomized(const std::vector<std::string>& layers, uint64_t seed) const override;

  const ModelConfig& config() const { return config_; }
  /// Records the training summary and data fingerprint that save_model writes into model.json.
  void set_provenance(nlohmann::json training, nlohmann::json data);
  /// The built-in network (null for TorchScript models).
  const SequentialNetwork& network() const { return network_; }
  /// The TorchScript module as loaded (TorchScript models only).
  const torch::jit::Module& script() const { return script_; }

  /// The network on windows [count, 1, n_mels, frames]: the structured network, or the fast path.
  torch::Tensor forward_eager(const torch::Tensor& windows) const;
  torch::Tensor forward_fast(const torch::Tensor& windows) const;

 private:
  /// Layer output shapes, the padding buffer, and a check of the fast path against the network.
  void set_up();
  /// Two seeded windows of values between silence and 100 dB above it, for checks at construction.
  std::vector<float> dry_run_windows() const;
  /// Windows [count, 1, n_mels, frames] (or [count, n_mels, frames] for input_rank 3) over `windows`.
  torch::Tensor input_tensor(const float* windows, int64_t count) const;
  /// Windows [count × n_mels × input_frames] of `clips` clips of `frames` frames back to back, by the
  /// window rule; `starts` receives each clip's window starts.
  std::vector<float> clip_windows(const float* features, int64_t clips, int64_t frames,
                                  std::vector<int64_t>& starts) const;
  /// ShapeError unless `features` are [n_mels × frames >= 1]; ConfigError for a target outside the classes.
  void check_clip(const Matrix<float>& features, int target, const char* what) const;
  /// The gradient of each clip's output[target] w.r.t. each of its windows' logits, [clips × per_clip ×
  /// classes]: 1/per_clip at the target for logits; for probabilities the softmax's Jacobian row over
  /// the windows, from the clips' logits (one forward on the fast path), whose softmax goes to
  /// `outputs` [clips × classes] (left alone for logits).
  std::vector<float> output_slopes(const float* windows, int64_t clips, int64_t per_clip, int target, Output output,
                                   Matrix<float>& outputs) const;
  /// Index into layers_ of `layer`; -1 for "input". ConfigError listing the layers otherwise.
  int64_t layer_index(const std::string& layer) const;
  /// Layers (first, last] of the structured network; first = -1 starts from the input.
  torch::Tensor run_layers(torch::Tensor x, int64_t after, int64_t last) const;

  ModelConfig config_;
  InferenceOptions options_;
  FrontEnd front_end_;
  TorchFrontEnd twin_;  // front_end_'s differentiable twin, for waveform_gradients
  std::string name_;
  SequentialNetwork network_;
  mutable torch::jit::Module script_;
  std::string source_;  // the TorchScript file (TorchScript models)
  LayerChain layers_;   // empty for black boxes
  std::string black_box_reason_ = "it exposes no layers";
  mutable torch::jit::Module fast_;
  bool has_fast_ = false;
  mutable std::vector<float> padded_;  // one full batch, for calls with fewer windows
};

}  // namespace hearsay::models
