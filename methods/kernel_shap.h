// KernelSHAP (Lundberg & Lee, NeurIPS 2017) as shap's KernelExplainer computes it: coalition sizes
// are enumerated completely, from the smallest and largest inwards, while the budget allows each
// size's share of the Shapley kernel weight; the rest of the budget samples a size from the remaining
// kernel weight, a random coalition of that size and its complement; a coalition drawn twice adds
// weight instead of an evaluation. The weighted least-squares fit eliminates one variable so that
// Σφ = f(all) − f(none) holds exactly. With the budget for every coalition it gives exact Shapley
// values. f(none) is the model on the factorization's baseline ("removed" = baseline).
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

enum class L1Mode { none, num_features, lasso };

struct KernelShapOptions {
  int num_samples = 0;       ///< coalitions to evaluate; 0: shap's "auto", 2M + 2048
  L1Mode l1 = L1Mode::none;  ///< optional L1 selection before the solve (shap's l1_reg)
  int l1_features = 10;      ///< num_features: keep the first r variables LARS picks
  double l1_alpha = 0.01;    ///< lasso: the L1 penalty

  template <class V>
  void visit(V& v) {
    v("num_samples", num_samples, "coalitions to evaluate (0: 2M + 2048)", Range::between(0, 100000000));
    v.choice("l1", l1, {{"none", L1Mode::none}, {"num_features", L1Mode::num_features}, {"lasso", L1Mode::lasso}},
             "L1 feature selection before the constrained fit");
    v("l1_features", l1_features, "components kept by l1 = num_features", Range::at_least(1));
    v("l1_alpha", l1_alpha, "penalty of l1 = lasso", Range::greater_than(0));
  }
};

class KernelShap : public Configured<Explainer, KernelShapOptions> {
 public:
  explicit KernelShap(const nlohmann::json& options) : Configured("kernel_shap", options) {}
  Capabilities capabilities() const override;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

/// shap's coalition sampler: masks [n × M] and their kernel weights (summing to 1). Exposed for tests.
struct Coalitions {
  Matrix<uint8_t> masks;
  std::vector<double> weights;
  int full_sizes = 0;  ///< subset sizes (and their complements) enumerated completely
};
Coalitions sample_coalitions(int64_t m, int64_t budget, uint64_t seed);

}  // namespace hearsay::methods
