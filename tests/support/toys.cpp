#include "tests/support/toys.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hearsay::testing {

namespace {

std::vector<std::string> echo_names(int64_t m) {
  std::vector<std::string> names;
  for (int64_t i = 0; i < m; ++i) names.push_back("c" + factorizations::index_label(i, m));
  return names;
}

FrontEndOptions one_band() {
  FrontEndOptions o;
  o.n_mels = 1;
  return o;
}

// d output / d logit_0 for two classes with logit_1 = 0.
double output_slope(double logit0, models::Output output) {
  if (output == models::Output::logits) return 1.0;
  const double p = 1.0 / (1.0 + std::exp(-logit0));
  return p * (1.0 - p);
}

}  // namespace

EchoFactorization::EchoFactorization(int64_t m) : Factorization(echo_names(m), 1, m, nlohmann::json::object()) {}

void EchoFactorization::compose(const uint8_t* keep, float* features) const {
  for (int64_t i = 0; i < size(); ++i) features[i] = keep[i] ? 1.0f : 0.0f;
}

void EchoFactorization::compose_gains(const double* gains, float* features) const {
  for (int64_t i = 0; i < size(); ++i) features[i] = static_cast<float>(gains[i]);
}

std::vector<double> EchoFactorization::gains_vjp(const double*, const Matrix<float>& upstream) const {
  check_upstream(upstream);
  return std::vector<double>(upstream.data(), upstream.data() + size());
}

Audio EchoFactorization::render(const std::vector<uint8_t>&) const { return Audio::silence(22050, 1, 22050); }

std::vector<double> EchoFactorization::pool(const Matrix<float>& map) const {
  std::vector<double> out(static_cast<size_t>(size()));
  for (int64_t i = 0; i < size(); ++i) out[static_cast<size_t>(i)] = map(0, i);
  return out;
}

Matrix<float> EchoFactorization::indicator(int64_t i) const {
  Matrix<float> out(1, size(), 0.0f);
  out(0, i) = 1.0f;
  return out;
}

PolynomialToy::PolynomialToy(std::vector<double> weights, std::vector<Pair> pairs, double bias)
    : WhiteBox(static_cast<const models::Model&>(*this)),
      weights_(std::move(weights)),
      pairs_(std::move(pairs)),
      bias_(bias),
      front_end_(one_band()) {}

Matrix<float> PolynomialToy::window_logits(const float* windows, int64_t count) const {
  const auto m = static_cast<int64_t>(weights_.size());
  Matrix<float> out(count, 2, 0.0f);
  for (int64_t w = 0; w < count; ++w) {
    const float* x = windows + w * m;
    double logit = bias_;
    for (int64_t i = 0; i < m; ++i) logit += weights_[static_cast<size_t>(i)] * x[i];
    for (const Pair& p : pairs_) logit += p.gamma * x[p.a] * x[p.b];
    out(w, 0) = static_cast<float>(logit);
  }
  return out;
}

std::vector<models::LayerInfo> PolynomialToy::layers() const {
  return {{"x", "Identity", {1, 1, static_cast<int64_t>(weights_.size())}, {}}};
}

models::LayerGradient PolynomialToy::layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                                    models::Output output) const {
  HEARSAY_CHECK_AS(ConfigError, layer == "x" || layer == "input", "polynomial toy: no layer '", layer, "'; valid: x");
  const auto m = static_cast<int64_t>(weights_.size());
  HEARSAY_CHECK_AS(ShapeError, features.cols() == m, "polynomial toy: expects ", m, " frames");
  models::LayerGradient g;
  g.layer = layer;
  g.shape = {1, 1, m};
  g.window_starts = {0};
  g.window_frames = m;
  g.activations = features.values();
  const Matrix<float> logits = window_logits(features.data(), 1);
  const double slope = output_slope(logits(0, 0), output) * (target == 0 ? 1.0 : -1.0);
  g.gradients.resize(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    double d = weights_[static_cast<size_t>(i)];
    for (const Pair& p : pairs_) {
      if (p.a == i) d += p.gamma * features(0, p.b);
      if (p.b == i) d += p.gamma * features(0, p.a);
    }
    g.gradients[static_cast<size_t>(i)] =
        static_cast<float>(output == models::Output::logits && target == 1 ? 0.0 : slope * d);
  }
  g.output = {logits(0, 0), logits(0, 1)};
  return g;
}

models::Relevance PolynomialToy::lrp(const Matrix<float>& features, int target, const models::LrpSpec&) const {
  const auto m = static_cast<int64_t>(weights_.size());
  HEARSAY_CHECK_AS(ShapeError, features.cols() == m, "polynomial toy: expects ", m, " frames");
  models::Relevance r;
  r.map = Matrix<float>(1, m, 0.0f);
  const Matrix<float> logits = window_logits(features.data(), 1);
  r.output = {logits(0, 0), logits(0, 1)};
  r.start = logits(0, target);
  r.layer_sums = {r.start};
  if (target != 0) return r;
  std::vector<double> relevance(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) relevance[static_cast<size_t>(i)] = weights_[static_cast<size_t>(i)] * features(0, i);
  for (const Pair& p : pairs_) {
    const double term = p.gamma * features(0, p.a) * features(0, p.b);
    relevance[static_cast<size_t>(p.a)] += term / 2.0;
    relevance[static_cast<size_t>(p.b)] += term / 2.0;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < m; ++i) {
    r.map(0, i) = static_cast<float>(relevance[static_cast<size_t>(i)]);
    sum += r.map(0, i);
  }
  r.absorbed = r.start - sum;
  return r;
}

Matrix<float> PolynomialToy::modified_gradient(const Matrix<float>& features, int target, models::Output output,
                                               models::BackwardRule rule, const Matrix<float>* baseline) const {
  Matrix<float> at = features;
  if (rule == models::BackwardRule::rescale) {
    HEARSAY_CHECK_AS(ShapeError, baseline && baseline->rows() == features.rows() && baseline->cols() == features.cols(),
                     "polynomial toy: rescale needs a baseline shaped like the features");
    for (int64_t k = 0; k < at.size(); ++k) at.data()[k] = 0.5f * (features.data()[k] + baseline->data()[k]);
  }
  const models::LayerGradient g = layer_gradient(at, "input", target, output);
  return Matrix<float>(features.rows(), features.cols(), g.gradients);
}

std::vector<double> PolynomialToy::shapley() const {
  std::vector<double> phi(weights_);
  for (const Pair& p : pairs_) {
    phi[static_cast<size_t>(p.a)] += p.gamma / 2.0;
    phi[static_cast<size_t>(p.b)] += p.gamma / 2.0;
  }
  return phi;
}

double PolynomialToy::value(const std::vector<uint8_t>& keep) const {
  std::vector<float> x(keep.begin(), keep.end());
  return window_logits(x.data(), 1)(0, 0);
}

std::vector<models::LayerInfo> DetectorToy::layers() const {
  const int64_t m = input_frames();
  return {{"detectors", "Conv2d", {m, 1, m}, {}}};
}

models::LayerGradient DetectorToy::layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                                  models::Output output) const {
  // The input (the gradient family's layer) is the PolynomialToy's; "detectors" is Grad-CAM's.
  if (layer == "input" || layer == "x") return PolynomialToy::layer_gradient(features, layer, target, output);
  HEARSAY_CHECK_AS(ConfigError, layer == "detectors", "detector toy: no layer '", layer, "'; valid: detectors, x");
  // The slopes in x are the PolynomialToy's input gradients; each channel spreads its own over its row.
  const models::LayerGradient x = PolynomialToy::layer_gradient(features, "x", target, output);
  const int64_t m = input_frames();
  models::LayerGradient g = x;
  g.layer = layer;
  g.shape = {m, 1, m};
  g.activations.assign(static_cast<size_t>(m * m), 0.0f);
  g.gradients.assign(static_cast<size_t>(m * m), 0.0f);
  for (int64_t c = 0; c < m; ++c) {
    g.activations[static_cast<size_t>(c * m + c)] = features(0, c);
    for (int64_t p = 0; p < m; ++p) g.gradients[static_cast<size_t>(c * m + p)] = x.gradients[static_cast<size_t>(c)];
  }
  return g;
}

RegionToy::RegionToy(const FrontEndOptions& options, int64_t input_frames, Matrix<float> region)
    : WhiteBox(static_cast<const models::Model&>(*this)),
      front_end_(options),
      input_frames_(input_frames),
      region_(std::move(region)) {
  HEARSAY_CHECK_AS(ShapeError, region_.rows() == front_end_.n_mels() && region_.cols() == input_frames_,
                   "region toy: region must be n_mels x input_frames");
}

Matrix<float> RegionToy::window_logits(const float* windows, int64_t count) const {
  const int64_t cells = region_.size();
  const float s = silence_value();
  Matrix<float> out(count, 2, 0.0f);
  for (int64_t w = 0; w < count; ++w) {
    double sum = 0.0;
    for (int64_t c = 0; c < cells; ++c) {
      const double a = std::max(0.0f, windows[w * cells + c] - s);
      sum += region_.data()[c] > 0 ? a : -0.5 * a;
    }
    out(w, 0) = static_cast<float>(sum / static_cast<double>(cells));
  }
  return out;
}

std::vector<models::LayerInfo> RegionToy::layers() const {
  return {{"conv", "Conv2d", {2, region_.rows(), region_.cols()}, {}}, {"pool", "AdaptiveAvgPool2d", {2, 1, 1}, {}}};
}

models::LayerGradient RegionToy::layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                                models::Output output) const {
  HEARSAY_CHECK_AS(ConfigError, layer == "conv", "region toy: layer '", layer, "' has no gradient here; valid: conv");
  const int64_t cells = region_.size();
  const float s = silence_value();
  models::LayerGradient g;
  g.layer = layer;
  g.shape = {2, region_.rows(), region_.cols()};
  g.window_starts = models::window_starts(features.cols(), input_frames_);
  g.window_frames = input_frames_;
  const auto windows = static_cast<int64_t>(g.window_starts.size());
  std::vector<float> inputs(static_cast<size_t>(windows * cells));
  for (int64_t w = 0; w < windows; ++w)
    models::copy_window(features.data(), features.rows(), features.cols(), g.window_starts[static_cast<size_t>(w)],
                        input_frames_, s, inputs.data() + w * cells);
  const Matrix<float> logits = window_logits(inputs.data(), windows);
  double mean_logit = 0.0;
  for (int64_t w = 0; w < windows; ++w) mean_logit += logits(w, 0) / static_cast<double>(windows);
  const double slope = output_slope(mean_logit, output) * (target == 0 ? 1.0 : -1.0) / static_cast<double>(windows);
  g.activations.assign(static_cast<size_t>(windows * 2 * cells), 0.0f);
  g.gradients.assign(static_cast<size_t>(windows * 2 * cells), 0.0f);
  for (int64_t w = 0; w < windows; ++w)
    for (int64_t c = 0; c < cells; ++c) {
      const float a = std::max(0.0f, inputs[static_cast<size_t>(w * cells + c)] - s);
      const bool inside = region_.data()[c] > 0;
      const int64_t base = w * 2 * cells;
      g.activations[static_cast<size_t>(base + (inside ? 0 : cells) + c)] = a;
      g.gradients[static_cast<size_t>(base + c)] = static_cast<float>(slope / static_cast<double>(cells));
      g.gradients[static_cast<size_t>(base + cells + c)] =
          static_cast<float>(-0.5 * slope / static_cast<double>(cells));
    }
  g.output = {static_cast<float>(mean_logit), 0.0f};
  return g;
}

}  // namespace hearsay::testing
