// WhiteBox: the optional facet of a Model whose network can be opened (DESIGN.md, "Model facets").
// Model::white_box() returns null for black boxes (a TorchScript file that is not a chain of
// submodules, a toy without layers); otherwise this interface carries everything white-box methods
// and metrics need: the layers with their parameters, gradients of the clip's output with respect to
// any layer (batched over many inputs for integrated gradients and SmoothGrad), backward passes with
// per-layer rules (LRP, guided backpropagation, DeepLIFT), and copies with re-initialised layers (the
// sanity checks of Adebayo et al. 2018).
//
// Torch-free: methods/ and metrics/ see only this header; the LibTorch side lives in models/.
//
// The window rule (models/model.h) carries over: the clip's output is the mean of its windows'
// outputs, so every map here is per clip, [n_mels × frames] like the features: a cell's value is the
// sum of its values through every window that contains it (each window seen with its share, 1/count,
// of the clip's output); padding past the clip's end has no cell and is dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/matrix.h"
#include "models/model.h"

namespace hearsay::models {

/// Gradients of many clips at once (WhiteBox::input_gradients).
struct InputGradients {
  Matrix<float> gradients;  ///< [count × (n_mels · frames)]: ∂ output[target] / ∂ features of each clip
  Matrix<float> outputs;    ///< [count × classes]: each clip's output (logits or probabilities)
};

/// Gradients of many clips with respect to their samples (WhiteBox::waveform_gradients).
struct WaveformGradients {
  Matrix<float> gradients;  ///< [count × samples]: ∂ output[target] / ∂ samples of each clip
  Matrix<float> outputs;    ///< [count × classes]: each clip's output (logits or probabilities)
};

/// One layer's rule in an LRP backward pass (Bach et al. 2015; Montavon et al. 2019, "Layer-wise
/// relevance propagation: an overview"). Layers without parameters ignore it: ReLU and dropout pass
/// relevance on, pooling layers follow LrpSpec::max_pool or the z rule, flatten reshapes.
struct LrpRule {
  /// "epsilon" (z with ε stabiliser), "gamma" (w + γ w⁺), "alpha_beta" (α z⁺ − β z⁻), "zplus"
  /// (w⁺ only), "zbox" (zᴮ: inputs bounded by [low, high]), "flat" (w = 1), "wsquare" (w²).
  std::string name = "epsilon";
  double epsilon = 1e-6;
  double gamma = 0.25;
  double alpha = 1.0;
  double beta = 0.0;
  double low = 0.0;   ///< zbox: lowest input value
  double high = 0.0;  ///< zbox: highest input value
};

/// The rules of one LRP backward pass.
struct LrpSpec {
  std::vector<LrpRule> rules;  ///< one per layer of WhiteBox::layers(), in forward order
  /// Max pooling: "winner_takes_all" (all of an output's relevance to its largest input, ties split
  /// evenly) or "gradient" (where the gradient goes).
  std::string max_pool = "winner_takes_all";
};

/// The result of an LRP backward pass for one clip.
struct Relevance {
  Matrix<float> map;               ///< [n_mels × frames] relevance of each input cell
  double start = 0.0;              ///< relevance put on the output: the clip's target logit
  double absorbed = 0.0;           ///< relevance taken by biases and stabilisers: start − Σ map − padding
  double padding = 0.0;            ///< relevance on the padding past the clip's end (a short last window)
  std::vector<float> output;       ///< the clip's logits
  std::vector<double> layer_sums;  ///< total relevance entering each layer's input, in forward order
};

/// How a modified backward pass treats the network's non-linearities.
enum class BackwardRule {
  gradient,  ///< the plain gradient
  guided,    ///< guided backpropagation (Springenberg et al. 2015): ReLU passes only positive gradient
             ///< where its input is positive
  rescale,   ///< DeepLIFT's Rescale rule (Shrikumar et al. 2017): multipliers Δy/Δx against a baseline
};

class WhiteBox {
 public:
  explicit WhiteBox(const Model& model) : model_(model) {}
  virtual ~WhiteBox() = default;
  WhiteBox(const WhiteBox&) = delete;
  WhiteBox& operator=(const WhiteBox&) = delete;

  /// The model this facet opens.
  const Model& model() const { return model_; }

  /// Layers in forward order (never empty).
  virtual std::vector<LayerInfo> layers() const = 0;

  /// Activations of `layer` ("input" means the features) for each window of one clip's features
  /// [n_mels × frames], and the gradient of the clip's `output` for class `target` with respect to
  /// them. ConfigError for an unknown layer name or target.
  virtual LayerGradient layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                       Output output) const = 0;

  /// Gradients of `count` clips' output[target] with respect to their features, the clips given back
  /// to back, each [n_mels × frames]; windows of all clips share backward passes. The default calls
  /// layer_gradient("input") once per clip.
  virtual InputGradients input_gradients(const float* features, int64_t count, int64_t frames, int target,
                                         Output output) const;

  /// Gradients of `count` clips' output[target] with respect to their samples: the clips are given back
  /// to back, each `samples` long, mono at the front-end's rate. The front-end runs as a differentiable
  /// LibTorch twin of core/'s FrontEnd (models/torch_front_end.h: the same STFT, power, mel and log),
  /// so the gradient reaches the waveform (adversarial attacks, metrics/adversarial_attack.h); the
  /// outputs are the twin's, equal to Model::logits of the clip within float rounding. The default
  /// refuses (UnsupportedModelError).
  virtual WaveformGradients waveform_gradients(const float* waveforms, int64_t count, int64_t samples, int target,
                                               Output output) const;

  /// The network from its input up to and including `layer`, on `count` windows stored back to back
  /// (as for Model::window_logits): activations [count × prod(shape)], shape as layers() lists it.
  /// The default refuses (UnsupportedModelError).
  virtual Matrix<float> run_to_layer(const float* windows, int64_t count, const std::string& layer) const;
  /// The rest of the network after `layer`, on activations [count × prod(shape)] such as run_to_layer
  /// returns: logits [count × classes]. run_from_layer(run_to_layer(x, L), L) is the full forward.
  virtual Matrix<float> run_from_layer(const float* activations, int64_t count, const std::string& layer) const;

  /// LRP relevance of one clip's features for the logit of `target`, by `spec` (one rule per layer).
  /// UnsupportedModelError naming the first layer that has no LRP rule, before any work. The default
  /// refuses.
  virtual Relevance lrp(const Matrix<float>& features, int target, const LrpSpec& spec) const;

  /// A backward pass of one clip's output[target] with `rule` at the non-linearities, to the input:
  /// [n_mels × frames]. For rescale, `baseline` is the reference features (same shape), and the map is
  /// the multipliers m, so that Σ m ⊙ (features − baseline) = f(features) − f(baseline) for logits.
  /// The default refuses.
  virtual Matrix<float> modified_gradient(const Matrix<float>& features, int target, Output output, BackwardRule rule,
                                          const Matrix<float>* baseline = nullptr) const;

  /// A copy of the model whose `layers` (names from layers()) have their learnable parameters drawn
  /// afresh, as the layer's type initialises them, from `seed`; the other layers are shared values.
  /// The default refuses.
  virtual std::shared_ptr<const Model> randomized(const std::vector<std::string>& layers, uint64_t seed) const;

 protected:
  /// UnsupportedModelError: this model's white box does not offer `what`.
  [[noreturn]] void refuse(const std::string& what) const;

 private:
  const Model& model_;
};

/// The white box of `model`, or UnsupportedModelError naming `who` (a method or metric), the model
/// and why it is a black box (Model::black_box_reason) and what would work instead.
const WhiteBox& require_white_box(const Model& model, const std::string& who);

/// Sums per-window maps into one clip map: `windows` holds one [n_mels × window_frames] map per
/// window start, window-major; cells past `frames` (padding) are dropped.
Matrix<float> sum_windows(const float* windows, const std::vector<int64_t>& starts, int64_t n_mels,
                          int64_t window_frames, int64_t frames);

}  // namespace hearsay::models
