// Model: a configured front-end (core/) plus a network, seen through a torch-free interface so that
// methods/, metrics/ and their tests never load LibTorch. Implementations (built-in LibTorch CNNs,
// users' TorchScript files, toy models in tests) override the network part.
//
// The window rule (also used to explain long clips): the network sees windows of exactly
// input_frames() feature frames. A clip of T frames is covered by windows starting at 0, W, 2W, ...
// (W = input_frames()) plus, when T is not a multiple of W, one last window ending at T; a clip with
// T < W is padded at the end with the front-end's value for silence. The clip's logits are the mean
// of its windows' logits; probabilities are the softmax of that mean.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/audio.h"
#include "core/front_end.h"
#include "core/matrix.h"
#include "models/inference_options.h"

namespace hearsay::models {

class WhiteBox;

/// Which output an attribution explains.
enum class Output { logits, probabilities };

/// A tensor a layer holds itself: a learnable parameter ("weight", "bias") or a buffer
/// ("running_mean", "running_var", "num_batches_tracked").
struct LayerTensor {
  std::string name;
  std::vector<int64_t> shape;  ///< e.g. [out, in, kh, kw] for a convolution's weight; [] for a scalar
  bool learnable = true;       ///< false: a buffer
};

/// One named layer of a structured network, in forward order.
struct LayerInfo {
  std::string name;                   ///< unique, e.g. "features.3" or "block2.conv"
  std::string type;                   ///< "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "AvgPool2d", "Linear", ...
  std::vector<int64_t> output_shape;  ///< per window, without the batch dimension: [C, H, W] or [F]
  std::vector<LayerTensor> tensors;   ///< its own parameters, then its buffers, in declaration order
};

/// A layer's activations for every window of one clip, and the gradient of the clip's output for
/// one class with respect to them (through the window-averaging rule).
struct LayerGradient {
  std::string layer;
  std::vector<int64_t> shape;          ///< per window: [C, H, W] (or [F]); "input" gives [1, n_mels, frames]
  std::vector<int64_t> window_starts;  ///< first feature frame of each window
  int64_t window_frames = 0;
  std::vector<float> activations;  ///< windows × prod(shape), window-major
  std::vector<float> gradients;    ///< same layout as activations
  std::vector<float> output;       ///< the clip's output (logits or probabilities), one per class
};

class Model {
 public:
  virtual ~Model() = default;

  /// Short description, e.g. "vgg_small (built-in)" or "torchscript: genre.pt".
  virtual std::string name() const = 0;
  virtual const FrontEnd& front_end() const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;
  /// Feature frames of one network input.
  virtual int64_t input_frames() const = 0;

  /// The network on `count` windows stored back to back, each [n_mels × input_frames()] row-major:
  /// logits [count × classes]. One call at a time per model object.
  virtual Matrix<float> window_logits(const float* windows, int64_t count) const = 0;

  /// How many windows one window_logits call handles best (callers batch by this).
  virtual int64_t preferred_batch() const { return kDefaultBatch; }

  /// The white-box facet (models/white_box.h): null for black boxes, whose only access is
  /// window_logits. The default: a black box.
  virtual const WhiteBox* white_box() const { return nullptr; }
  /// Why white_box() is null, for messages (e.g. "its TorchScript module 'SkipNet' is not a chain of
  /// submodules"). The default: it exposes no layers.
  virtual std::string black_box_reason() const { return "it exposes no layers"; }

  // ---- derived helpers (not virtual) ----
  int num_classes() const { return static_cast<int>(class_names().size()); }
  /// Class index by name; ConfigError listing the valid names.
  int class_index(const std::string& name) const;
  /// Samples that give input_frames() frames under the front-end.
  int64_t input_samples() const;
  /// Log-mel value the front-end gives silence (used to pad short clips).
  float silence_value() const { return front_end().compress_value(0.0f); }

  /// Logits [batch × classes] for `batch` feature maps back to back, each [n_mels × frames], by the
  /// window rule.
  Matrix<float> logits_from_features(const float* features, int64_t batch, int64_t frames) const;
  /// Softmax of logits_from_features.
  Matrix<float> probabilities_from_features(const float* features, int64_t batch, int64_t frames) const;
  /// Front-end then logits for one clip; other rates are resampled and channels averaged.
  Matrix<float> logits(const Audio& clip) const;
  /// Logits [clips × classes] for clips of any lengths, each by the window rule; the windows of all
  /// clips share network calls of preferred_batch() windows.
  Matrix<float> logits(const std::vector<Audio>& clips) const;
  /// Softmax of logits(clips).
  Matrix<float> probabilities(const std::vector<Audio>& clips) const;
  /// Features of a clip as this model's front-end computes them (after resampling and mix-down).
  Matrix<float> features(const Audio& clip) const;
};

/// Features of a clip under `front_end`: channels averaged, other rates resampled (Model::features).
Matrix<float> clip_features(const FrontEnd& front_end, const Audio& clip);

/// Row-wise softmax (numerically stable).
Matrix<float> softmax_rows(const Matrix<float>& logits);

/// Start frames of the windows that cover `frames` frames with windows of `window` frames (the rule
/// above); a single start 0 when frames <= window.
std::vector<int64_t> window_starts(int64_t frames, int64_t window);

/// Copies `count` frames of window `start` out of features [n_mels × frames] into out [n_mels × count],
/// padding past the end with `pad_value`.
void copy_window(const float* features, int64_t n_mels, int64_t frames, int64_t start, int64_t count, float pad_value,
                 float* out);

}  // namespace hearsay::models
