// KernelSHAP (Lundberg & Lee, NeurIPS 2017) as shap's KernelExplainer computes it: coalition sizes
// are enumerated completely, from the smallest and largest inwards, while the budget allows each
// size's share of the Shapley kernel weight; the rest of the budget samples a size from the remaining
// kernel weight, a random coalition of that size and its complement; a coalition drawn twice adds
// weight instead of an evaluation. The weighted least-squares fit eliminates one variable so that
// Σφ = f(all) − f(none) holds exactly. With the budget for every coalition it gives exact Shapley
// values. f(none) is the model on the factorization's baseline ("removed" = baseline).
//
// Convergence (Covert & Lee, "Improving KernelSHAP: Practical Shapley Value Estimation via Linear
// Regression", AISTATS 2021): an estimate has converged when max_i σ_i / (max_i φ_i − min_i φ_i) is at
// most a threshold t (they use t = 0.01), σ_i the standard error of φ_i. shap's estimator is not the
// unbiased one whose covariance they derive in closed form, so σ comes from the bootstrap (Efron &
// Tibshirani, "An Introduction to the Bootstrap", 1993): the sampled draws (a coalition with its
// complement is one draw; a coalition drawn twice is two) are resampled with replacement, the
// enumerated sizes stay fixed, the weights are renormalised as the sampler does, and the constrained
// fit is solved again on the chosen components; σ_i is the standard deviation of φ_i over the
// replicates. When every coalition is enumerated the values are exact and σ = 0. A run that has not
// converged adds a warning; the numbers are in the diagnostics (standard_errors, convergence_ratio,
// converged).
#pragma once

#include <Eigen/Core>

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

enum class L1Mode { none, num_features, lasso };

struct KernelShapOptions {
  int num_samples = 0;                  ///< coalitions to evaluate; 0: shap's "auto", 2M + 2048
  L1Mode l1 = L1Mode::none;             ///< optional L1 selection before the solve (shap's l1_reg)
  int l1_features = 10;                 ///< num_features: keep the first r variables LARS picks
  double l1_alpha = 0.01;               ///< lasso: the L1 penalty
  double convergence_threshold = 0.01;  ///< t of the convergence rule (max σ / range of φ); in (0, 1]
  int bootstrap_replicates = 32;        ///< replicates for σ; 0: no convergence check

  template <class V>
  void visit(V& v) {
    v("num_samples", num_samples, "coalitions to evaluate (0: 2M + 2048)", Range::between(0, 100000000));
    v.choice("l1", l1, {{"none", L1Mode::none}, {"num_features", L1Mode::num_features}, {"lasso", L1Mode::lasso}},
             "L1 feature selection before the constrained fit");
    v("l1_features", l1_features, "components kept by l1 = num_features", Range::at_least(1));
    v("l1_alpha", l1_alpha, "penalty of l1 = lasso", Range::greater_than(0));
    v("convergence_threshold", convergence_threshold,
      "not converged (a warning) when the largest bootstrap standard error of a value exceeds this share of "
      "their range (Covert & Lee 2021)",
      Range{0.0, 1.0, /*min_open=*/true, /*max_open=*/false});
    v("bootstrap_replicates", bootstrap_replicates, "bootstrap replicates for the standard errors (0: no check)",
      Range::between(0, 10000));
  }
};

struct Coalitions;

class KernelShap : public Configured<Explainer, KernelShapOptions> {
 public:
  explicit KernelShap(const nlohmann::json& options) : Configured("kernel_shap", options) {}
  Capabilities capabilities() const override;
  /// 120 coalitions instead of 2M + 2048: an additive game is fitted exactly by any set of coalitions,
  /// and 120 leave the sampler part of a 12-component toy's 4094 coalitions to draw (so the sampled
  /// path runs too), at a twentieth of the time.
  TestProfile test_profile() const override { return {nlohmann::json{{"num_samples", 120}}}; }

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;

 private:
  // The convergence rule above: standard errors, ratio and flag in the diagnostics, a warning if not.
  void report_convergence(const Coalitions& c, const Eigen::MatrixXd& z, const Eigen::VectorXd& y_adj, double delta,
                          const std::vector<int>& chosen, uint64_t seed, Explanation& out) const;
};

/// shap's coalition sampler: masks [n × M] and their kernel weights (summing to 1). Exposed for tests.
struct Coalitions {
  Matrix<uint8_t> masks;
  std::vector<double> weights;
  int full_sizes = 0;  ///< subset sizes (and their complements) enumerated completely
  /// Per row: the first row of the sampled draw it belongs to (a coalition and its complement share
  /// one); -1 for rows of enumerated sizes.
  std::vector<int64_t> unit;
  std::vector<int64_t> draws;   ///< the unit of every draw, in order (repeats included)
  double sampled_weight = 0.0;  ///< kernel weight spread over the sampled rows in proportion to their draws
};
Coalitions sample_coalitions(int64_t m, int64_t budget, uint64_t seed);

}  // namespace hearsay::methods
