// Models and factorizations whose true attributions are known in closed form, for the methods'
// conformance suite and correctness tests. All torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "factorizations/factorization.h"
#include "models/model.h"
#include "models/white_box.h"

namespace hearsay::testing {

/// A factorization whose model input is the keep-mask itself: one mel band, frame i = keep_i (0 or
/// 1). Pooling reads frame i back. Lets a toy model see exactly which components are kept.
class EchoFactorization : public factorizations::Factorization {
 public:
  explicit EchoFactorization(int64_t m);
  std::string domain() const override { return "echo"; }
  std::string baseline() const override { return "0"; }
  void compose(const uint8_t* keep, float* features) const override;
  using Factorization::compose;
  /// Frame i = g_i: the features are linear in the gains.
  void compose_gains(const double* gains, float* features) const override;
  using Factorization::compose_gains;
  std::vector<double> gains_vjp(const double* gains, const Matrix<float>& upstream) const override;
  Audio render(const std::vector<uint8_t>& keep) const override;
  std::vector<double> pool(const Matrix<float>& map) const override;
  factorizations::FrameSpan span(int64_t i) const override { return {i, i + 1}; }
  Matrix<float> indicator(int64_t i) const override;
};

/// Two classes. Class 0's logit is bias + Σ w_i x_i + Σ γ_ab x_a x_b over the frames x of one window;
/// class 1's logit is 0. With an EchoFactorization, class 0's logit is the set function
/// v(S) = bias + Σ_{i∈S} w_i + Σ_{a,b∈S} γ_ab, whose Shapley values are w_i + Σ_{pairs ∋ i} γ/2.
/// White-box: one layer "x" (the input, shape [1, 1, frames]) with exact gradients; its LRP gives each
/// linear term to its frame and splits each pair term evenly between its two frames (the bias is
/// absorbed); its modified backward passes are the gradient (it has no ReLU), and DeepLIFT's
/// multipliers are the gradient at the midpoint of input and baseline, exact for a quadratic.
class PolynomialToy : public models::Model, public models::WhiteBox {
 public:
  struct Pair {
    int a, b;
    double gamma;
  };
  PolynomialToy(std::vector<double> weights, std::vector<Pair> pairs, double bias = 0.0);

  std::string name() const override { return "polynomial toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return static_cast<int64_t>(weights_.size()); }
  Matrix<float> window_logits(const float* windows, int64_t count) const override;
  int64_t preferred_batch() const override { return 5; }
  const models::WhiteBox* white_box() const override { return this; }
  std::vector<models::LayerInfo> layers() const override;
  models::LayerGradient layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                       models::Output output) const override;
  models::Relevance lrp(const Matrix<float>& features, int target, const models::LrpSpec& spec) const override;
  Matrix<float> modified_gradient(const Matrix<float>& features, int target, models::Output output,
                                  models::BackwardRule rule, const Matrix<float>* baseline) const override;

  /// Exact Shapley values of class 0's logit.
  std::vector<double> shapley() const;
  /// Class 0's logit for a keep-mask.
  double value(const std::vector<uint8_t>& keep) const;

 private:
  std::vector<double> weights_;
  std::vector<Pair> pairs_;
  double bias_;
  FrontEnd front_end_;
  std::vector<std::string> classes_{"yes", "no"};
};

/// The PolynomialToy's outputs with the white-box layer Grad-CAM is designed for: "detectors"
/// (type Conv2d, shape [M, 1, M]) holds one channel per component, channel c firing at position c with
/// x_c and silent elsewhere, and class 0's logit reads channel c through its sum s_c = x_c. So the
/// gradient of a channel is the same at every position (α_c is the logit's slope in x_c) and Grad-CAM's
/// map at position i is ReLU(slope_i · x_i): on an additive toy with every component kept, the positive
/// weights. The PolynomialToy's own layer "x" (one channel over all positions) gives Grad-CAM one
/// channel weight, the mean slope, so its map is that number times the input and cannot rank anything.
class DetectorToy : public PolynomialToy {
 public:
  using PolynomialToy::PolynomialToy;
  std::string name() const override { return "detector toy"; }
  std::vector<models::LayerInfo> layers() const override;
  models::LayerGradient layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                       models::Output output) const override;
};

/// A black-box model (no layers) wrapping any other toy: for "white-box methods refuse" tests.
class BlackBox : public models::Model {
 public:
  explicit BlackBox(const models::Model& inner) : inner_(inner) {}
  std::string name() const override { return "black box"; }
  const FrontEnd& front_end() const override { return inner_.front_end(); }
  const std::vector<std::string>& class_names() const override { return inner_.class_names(); }
  int64_t input_frames() const override { return inner_.input_frames(); }
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    return inner_.window_logits(windows, count);
  }

 private:
  const models::Model& inner_;
};

/// A white-box model for Grad-CAM on real log-mel inputs. Layer "conv" has two channels over the
/// window's cells: A0 = max(x − s, 0) inside `region` (a [n_mels × frames] 0/1 map in window
/// coordinates, the same for every window) and A1 = max(x − s, 0) outside it, s the silence value.
/// Class 0's logit is (Σ A0 − ½ Σ A1) / cells, class 1's is 0; so Grad-CAM's map is A0.
class RegionToy : public models::Model, public models::WhiteBox {
 public:
  RegionToy(const FrontEndOptions& options, int64_t input_frames, Matrix<float> region);
  std::string name() const override { return "region toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return input_frames_; }
  Matrix<float> window_logits(const float* windows, int64_t count) const override;
  const models::WhiteBox* white_box() const override { return this; }
  std::vector<models::LayerInfo> layers() const override;
  models::LayerGradient layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                       models::Output output) const override;

 private:
  FrontEnd front_end_;
  int64_t input_frames_;
  Matrix<float> region_;
  std::vector<std::string> classes_{"region", "other"};
};

}  // namespace hearsay::testing
