#include "methods/lime.h"

#include <algorithm>
#include <cmath>
#include <numeric>

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

// Rows [begin, end) of the Bernoulli(1/2) stream drawn from `rng`; row 0 of the stream keeps
// everything when `first_all_ones`. Drawing rows [0, a) and then [a, b) gives the rows [0, b) would,
// so a larger sample extends a smaller one.
Matrix<uint8_t> bernoulli_masks(int64_t begin, int64_t end, int64_t m, Rng& rng, bool first_all_ones) {
  Matrix<uint8_t> masks(end - begin, m);
  for (int64_t r = begin; r < end; ++r)
    for (int64_t i = 0; i < m; ++i)
      masks(r - begin, i) = (r == 0 && first_all_ones) ? 1 : static_cast<uint8_t>(rng.next_u64() >> 63);
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
  for (int64_t i = 0; i < masks.cols(); ++i) {  // column by column: x is column-major
    double* column = x.col(i).data();
    for (int64_t r = 0; r < masks.rows(); ++r) column[r] = masks(r, i);
  }
  return x;
}

// The surrogate of one sample of perturbations: the masks, their outputs and kernel weights, the
// components the selection chose and the ridge fit on them.
struct Surrogate {
  Matrix<uint8_t> masks;
  Eigen::VectorXd y;
  Eigen::VectorXd w;
  Eigen::MatrixXd xu;  // the masks' columns of the used components
  std::vector<int> used;
  LinearFit fit;
};

std::vector<int> select_components(const LimeOptions& o, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                   const Eigen::VectorXd& w) {
  const auto m = static_cast<int>(x.cols());
  const int k = std::min<int>(o.num_features, m);
  FeatureSelection selection = o.feature_selection;
  if (selection == FeatureSelection::automatic)
    selection = k <= 6 ? FeatureSelection::forward_selection : FeatureSelection::highest_weights;
  // Keeping every component (num_features at its default), highest_weights could only reorder them:
  // its unpenalised fit over all of them (a sixth of LIME's own time on 80 components) is skipped.
  if (selection == FeatureSelection::highest_weights && k == m) selection = FeatureSelection::none;
  switch (selection) {
    case FeatureSelection::forward_selection:
      return forward_selection(x, y, w, k);
    case FeatureSelection::highest_weights:
      return highest_weights(x, y, w, k);
    case FeatureSelection::lasso_path:
      return lasso_path_selection(x, y, w, k);
    case FeatureSelection::none:
    case FeatureSelection::automatic:
      break;
  }
  std::vector<int> all(static_cast<size_t>(m));
  std::iota(all.begin(), all.end(), 0);
  return all;
}

void fit_surrogate(const LimeOptions& o, Surrogate& s) {
  s.w = kernel_weights(s.masks, o.kernel_width);
  const Eigen::MatrixXd x = as_matrix(s.masks);
  s.used = select_components(o, x, s.y, s.w);
  s.xu = take_columns(x, s.used);
  s.fit = weighted_ridge(s.xu, s.y, s.w, o.alpha);
}

// Per-component scores of a fit on the used components (0 for the others).
std::vector<double> component_scores(const LinearFit& fit, const std::vector<int>& used, int64_t m) {
  std::vector<double> scores(static_cast<size_t>(m), 0.0);
  for (size_t j = 0; j < used.size(); ++j)
    scores[static_cast<size_t>(used[j])] = fit.coef(static_cast<Eigen::Index>(j));
  return scores;
}

// Extends s.masks and s.y to the first `rows` rows of the Bernoulli stream, evaluating only the new rows.
void extend_sample(Surrogate& s, int64_t rows, Rng& rng, Evaluator& evaluator, int target, models::Output output) {
  const int64_t have = s.masks.rows();
  const int64_t m = evaluator.components();
  const Matrix<uint8_t> fresh = bernoulli_masks(have, rows, m, rng, /*first_all_ones=*/true);
  const std::vector<double> outputs = evaluator.outputs(fresh, target, output);
  std::vector<uint8_t> values = s.masks.values();
  values.insert(values.end(), fresh.values().begin(), fresh.values().end());
  s.masks = Matrix<uint8_t>(rows, m, std::move(values));
  s.y.conservativeResize(rows);
  for (int64_t r = have; r < rows; ++r) s.y(r) = outputs[static_cast<size_t>(r - have)];
}

// Seeds the bootstrap refits apart from the perturbation stream, so that num_samples "auto" draws
// exactly the perturbations of a fixed run with the same count.
constexpr uint64_t kBootstrapStream = 0x6c696d65;  // "lime"

}  // namespace

void Lime::run(const ExplainRequest& request, int target, Explanation& out) const {
  const LimeOptions& o = settings();
  Evaluator& evaluator = *request.evaluator;
  const int64_t m = evaluator.components();
  Rng rng(request.seed);
  Surrogate s;
  s.masks = Matrix<uint8_t>(0, m);
  if (o.sampling == LimeSampling::exhaustive) {
    HEARSAY_CHECK_AS(ConfigError, m <= 20, "lime: exhaustive sampling of ", m, " components needs 2^", m,
                     " evaluations; use it for at most 20 components");
    s.masks = all_masks(m);
    const std::vector<double> outputs = evaluator.outputs(s.masks, target, request.output);
    s.y = Eigen::Map<const Eigen::VectorXd>(outputs.data(), static_cast<Eigen::Index>(outputs.size()));
    fit_surrogate(o, s);
  } else if (!o.num_samples.automatic) {
    extend_sample(s, o.num_samples.count, rng, evaluator, target, request.output);
    fit_surrogate(o, s);
  } else {
    const uint64_t bootstrap_seed = derive_seed(request.seed, kBootstrapStream);
    sample_until_stable(
        o.auto_sampling, m, name(),
        [&](int64_t rows) {
          extend_sample(s, rows, rng, evaluator, target, request.output);
          fit_surrogate(o, s);
          AutoFit round{component_scores(s.fit, s.used, m), {}};
          round.replicates = bootstrap_replicates(
              rows, kAutoReplicates, derive_seed(bootstrap_seed, static_cast<uint64_t>(rows)),
              [&](const std::vector<double>& multiplicities) {
                const Eigen::VectorXd wr =
                    s.w.cwiseProduct(Eigen::Map<const Eigen::VectorXd>(multiplicities.data(), rows));
                return component_scores(weighted_ridge(s.xu, s.y, wr, o.alpha), s.used, m);
              });
          return round;
        },
        out);
  }

  out.scores = component_scores(s.fit, s.used, m);
  nlohmann::json used_names = nlohmann::json::array();
  for (int i : s.used) used_names.push_back(out.names[static_cast<size_t>(i)]);
  out.intercept = s.fit.intercept;
  out.r2 = weighted_r2(s.y, s.fit.predict(s.xu), s.w);
  if (*out.r2 < o.min_r2)
    out.warnings.push_back(message("poor surrogate fit: lime's weighted R^2 is ", *out.r2,
                                   ", below min_r2 = ", o.min_r2,
                                   "; the linear surrogate explains little of the model's outputs, so its "
                                   "coefficients are not a reliable description (more num_samples, or fewer "
                                   "components, may help)"));
  out.diagnostics["used_components"] = used_names;
  out.diagnostics["local_prediction"] = s.fit.intercept + s.fit.coef.sum();  // the surrogate at all ones
  out.diagnostics["kernel_weight_sum"] = s.w.sum();

  const auto held_out = static_cast<int64_t>(std::ceil(o.held_out_fraction * static_cast<double>(s.masks.rows())));
  if (held_out > 0) {
    const Matrix<uint8_t> fresh = bernoulli_masks(0, held_out, m, rng, /*first_all_ones=*/false);
    const std::vector<double> fresh_outputs = evaluator.outputs(fresh, target, request.output);
    const Eigen::VectorXd yf =
        Eigen::Map<const Eigen::VectorXd>(fresh_outputs.data(), static_cast<Eigen::Index>(fresh_outputs.size()));
    out.r2_held_out =
        weighted_r2(yf, s.fit.predict(take_columns(as_matrix(fresh), s.used)), kernel_weights(fresh, o.kernel_width));
    out.diagnostics["held_out_samples"] = held_out;
  }
}

}  // namespace hearsay::methods
