#include "methods/lime.h"

#include <cmath>

#include <Eigen/Core>

#include "core/error.h"
#include "core/random.h"
#include "methods/solvers.h"

namespace hearsay::methods {

Capabilities Lime::capabilities() const {
  Capabilities c;
  c.stochastic = settings().sampling == LimeSampling::bernoulli;
  return c;
}

namespace {

// Bernoulli(1/2) masks; the first row keeps everything when `first_all_ones`.
Matrix<uint8_t> bernoulli_masks(int64_t rows, int64_t m, Rng& rng, bool first_all_ones) {
  Matrix<uint8_t> masks(rows, m);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < m; ++i)
      masks(r, i) = (r == 0 && first_all_ones) ? 1 : static_cast<uint8_t>(rng.next_u64() >> 63);
  return masks;
}

// Cosine distance to the all-ones row: 1 − k / sqrt(k · M) for k kept components; 1 for the empty
// mask (sklearn's convention for a zero vector).
Eigen::VectorXd kernel_weights(const Matrix<uint8_t>& masks, double width) {
  const auto m = static_cast<double>(masks.cols());
  Eigen::VectorXd w(masks.rows());
  for (int64_t r = 0; r < masks.rows(); ++r) {
    double kept = 0.0;
    for (int64_t i = 0; i < masks.cols(); ++i) kept += masks(r, i);
    const double d = kept > 0.0 ? 1.0 - kept / std::sqrt(kept * m) : 1.0;
    w(r) = std::sqrt(std::exp(-(d * d) / (width * width)));
  }
  return w;
}

Eigen::MatrixXd as_matrix(const Matrix<uint8_t>& masks) {
  Eigen::MatrixXd x(masks.rows(), masks.cols());
  for (int64_t r = 0; r < masks.rows(); ++r)
    for (int64_t i = 0; i < masks.cols(); ++i) x(r, i) = masks(r, i);
  return x;
}

}  // namespace

void Lime::run(const ExplainRequest& request, int target, Explanation& out) const {
  const LimeOptions& o = settings();
  Evaluator& evaluator = *request.evaluator;
  const int64_t m = evaluator.components();
  Rng rng(request.seed);
  Matrix<uint8_t> masks;
  if (o.sampling == LimeSampling::exhaustive) {
    HEARSAY_CHECK_AS(ConfigError, m <= 20, "lime: exhaustive sampling of ", m, " components needs 2^", m,
                     " evaluations; use it for at most 20 components");
    masks = all_masks(m);
  } else {
    masks = bernoulli_masks(o.num_samples, m, rng, /*first_all_ones=*/true);
  }
  const std::vector<double> outputs = evaluator.outputs(masks, target, request.output);
  const Eigen::MatrixXd x = as_matrix(masks);
  const Eigen::VectorXd y =
      Eigen::Map<const Eigen::VectorXd>(outputs.data(), static_cast<Eigen::Index>(outputs.size()));
  const Eigen::VectorXd w = kernel_weights(masks, o.kernel_width);

  const int k = std::min<int>(o.num_features, static_cast<int>(m));
  std::vector<int> used;
  FeatureSelection selection = o.feature_selection;
  if (selection == FeatureSelection::automatic)
    selection = k <= 6 ? FeatureSelection::forward_selection : FeatureSelection::highest_weights;
  switch (selection) {
    case FeatureSelection::forward_selection:
      used = forward_selection(x, y, w, k);
      break;
    case FeatureSelection::highest_weights:
      used = highest_weights(x, y, w, k);
      break;
    case FeatureSelection::lasso_path:
      used = lasso_path_selection(x, y, w, k);
      break;
    case FeatureSelection::none:
    case FeatureSelection::automatic:
      for (int i = 0; i < m; ++i) used.push_back(i);
      break;
  }
  const Eigen::MatrixXd xu = take_columns(x, used);
  const LinearFit fit = weighted_ridge(xu, y, w, o.alpha);
  out.scores.assign(static_cast<size_t>(m), 0.0);
  nlohmann::json used_names = nlohmann::json::array();
  for (size_t j = 0; j < used.size(); ++j) {
    out.scores[static_cast<size_t>(used[j])] = fit.coef(static_cast<Eigen::Index>(j));
    used_names.push_back(out.names[static_cast<size_t>(used[j])]);
  }
  out.intercept = fit.intercept;
  out.r2 = weighted_r2(y, fit.predict(xu), w);
  if (*out.r2 < o.min_r2)
    out.warnings.push_back(message("poor surrogate fit: lime's weighted R^2 is ", *out.r2,
                                   ", below min_r2 = ", o.min_r2,
                                   "; the linear surrogate explains little of the model's outputs, so its "
                                   "coefficients are not a reliable description (more num_samples, or fewer "
                                   "components, may help)"));
  out.diagnostics["used_components"] = used_names;
  out.diagnostics["local_prediction"] = fit.intercept + fit.coef.sum();  // the surrogate at all ones
  out.diagnostics["kernel_weight_sum"] = w.sum();

  const auto held_out = static_cast<int64_t>(std::ceil(o.held_out_fraction * static_cast<double>(masks.rows())));
  if (held_out > 0) {
    const Matrix<uint8_t> fresh = bernoulli_masks(held_out, m, rng, /*first_all_ones=*/false);
    const std::vector<double> fresh_outputs = evaluator.outputs(fresh, target, request.output);
    const Eigen::VectorXd yf =
        Eigen::Map<const Eigen::VectorXd>(fresh_outputs.data(), static_cast<Eigen::Index>(fresh_outputs.size()));
    out.r2_held_out =
        weighted_r2(yf, fit.predict(take_columns(as_matrix(fresh), used)), kernel_weights(fresh, o.kernel_width));
    out.diagnostics["held_out_samples"] = held_out;
  }
}

}  // namespace hearsay::methods
