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
//
// Samplers (option `sampler`):
//  - shap: the sampler above, shap's KernelExplainer's (the results of hearsay before issue 16).
//  - leverage: Leverage SHAP (Musco & Witter, "Provably accurate Shapley value estimation via leverage
//    score sampling", ICLR 2025, arXiv 2410.01917). The rows of the Shapley regression (weighted by the
//    kernel, with the efficiency constraint projected out) have leverage score 1/C(M, s) for a
//    coalition of size s, so every size holds the same total leverage: coalitions are drawn without
//    replacement, an equal number of each size where a size has that many (min(C(M, s), c) of size s),
//    each with its complement (paired sampling), and a row of size s is weighted by the kernel weight
//    of the whole size over the rows of that size drawn (the importance weight 1/p of the paper). The
//    paper draws each size's count from a binomial around that expectation; here the counts are the
//    expectation itself, rounded by giving each next pair to the size class furthest below its share
//    (ties to the smaller size). That rule never takes a pair back as the budget grows, and each class
//    draws its pairs from a stream of its own (a seed derived from the request's seed and the class),
//    so a budget's coalitions are the first rows of any larger budget's: an estimate can be refined by
//    asking for more without re-evaluating anything (the Evaluator's cache). A size class whose
//    coalitions are all drawn is enumerated (fixed weights, no sampling error). An odd budget's last
//    coalition comes without its complement. Its bootstrap resamples the pairs within their size class
//    (a stratified bootstrap: the class counts stay as drawn), each size's weight spread over its
//    resampled rows as above; σ then measures the sampling error of that design. Paired rows with
//    symmetric weights fitted the tests' quadratic toys (no interaction of more than two components)
//    exactly (σ ~ 1e-9): a network's game is not such a game.
//    leverage is the default sampler (the option's description gives the measurement behind it).
//
// num_samples "auto" (methods/auto_samples.h): rounds of growing budgets, each the fit above on that
// budget's coalitions, until the top auto_top_k components are stable across auto_confidence of
// kAutoReplicates bootstrap refits (the bootstrap above, from a stream of its own per round). With the
// leverage sampler a round's coalitions extend the last round's, so the evaluations are those of the
// last round and never exceed auto_max_samples; shap's sampler enumerates different sizes at different
// budgets, so its rounds overlap only in part and the evaluations (the union) can exceed the last
// round's count. A round whose budget covers every coalition is exact: confidence 1.
#pragma once

#include <Eigen/Core>

#include "core/configured.h"
#include "core/options.h"
#include "methods/auto_samples.h"
#include "methods/explainer.h"

namespace hearsay::methods {

enum class L1Mode { none, num_features, lasso };
enum class Sampler { shap, leverage };

struct KernelShapOptions {
  /// coalitions to evaluate (0: shap's default, 2M + 2048), or "auto": rounds until the top-k is stable
  SampleCount num_samples = SampleCount::fixed(0);
  Sampler sampler = Sampler::leverage;  ///< how coalitions are chosen (see above)
  L1Mode l1 = L1Mode::none;             ///< optional L1 selection before the solve (shap's l1_reg)
  int l1_features = 10;                 ///< num_features: keep the first r variables LARS picks
  double l1_alpha = 0.01;               ///< lasso: the L1 penalty
  double convergence_threshold = 0.01;  ///< t of the convergence rule (max σ / range of φ); in (0, 1]
  int bootstrap_replicates = 32;        ///< replicates for σ; 0: no convergence check
  /// num_samples "auto": auto_top_k, auto_confidence, and the cap auto_max_samples (default 4096: twice
  /// the 2048 sampled coalitions of the fixed default).
  AutoSampling auto_sampling{4096};

  template <class V>
  void visit(V& v) {
    v("num_samples", num_samples,
      "coalitions to evaluate (0: 2M + 2048), or \"auto\": rounds of coalitions until the top auto_top_k "
      "components are stable",
      Range::between(0, 100000000));
    v.choice("sampler", sampler, {{"shap", Sampler::shap}, {"leverage", Sampler::leverage}},
             "how coalitions are chosen: leverage (Musco & Witter 2025: equal counts per coalition size, without "
             "replacement, each with its complement) or shap (shap's KernelExplainer sampler, hearsay's results "
             "before issue 16). leverage is the default for every M: with a budget for all 2^M - 2 coalitions both "
             "are exact, and below it leverage was closer to exact Shapley at every budget from 64 to 2048 on "
             "perf/sampler_bench's 16-component stems clips (normalised L2 0.087 against 0.106 at 256)");
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
    auto_sampling.visit(v);
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

/// Coalitions chosen by a sampler: masks [n × M] and their kernel weights (summing to 1), with what the
/// bootstrap needs to resample them. Exposed for tests.
struct Coalitions {
  Matrix<uint8_t> masks;
  std::vector<double> weights;
  int full_sizes = 0;  ///< subset sizes (and their complements) enumerated completely
  /// Per row: the first row of the sampled draw it belongs to (a coalition and its complement share
  /// one); -1 for rows of enumerated sizes.
  std::vector<int64_t> unit;
  std::vector<int64_t> draws;  ///< the unit of every draw, in order (repeats included)
  /// Per draw: its stratum; the bootstrap resamples draws within their stratum (shap: one stratum;
  /// leverage: the size class).
  std::vector<int> stratum;
  /// Per row: its weight group (-1 for enumerated rows); group g's total weight group_weight[g] is
  /// spread over its rows in proportion to their units' draws (shap: one group, every sampled row;
  /// leverage: one group per coalition size).
  std::vector<int> group;
  std::vector<double> group_weight;
};
/// The coalitions `sampler` chooses for M = m components within `budget` evaluations (distinct
/// coalitions; every one when the budget covers all 2^M − 2).
Coalitions sample_coalitions(int64_t m, int64_t budget, uint64_t seed, Sampler sampler = Sampler::shap);

/// The normal equations of the constrained fit on `chosen` (the last chosen component eliminated) as
/// the bootstrap refits build them, from each coalition and its complement together: the lower
/// triangle of E'WE in `lower` and E'W y2 in `rhs`, where row r of E is the mask's chosen components
/// but the last, minus its last (a dense product's terms, summed in another order). Exposed for tests.
void paired_normal_equations(const Matrix<uint8_t>& masks, const std::vector<int>& chosen, const Eigen::VectorXd& w,
                             const Eigen::VectorXd& y2, Eigen::MatrixXd& lower, Eigen::VectorXd& rhs);

}  // namespace hearsay::methods
