// `fidelity`: do the scores predict what removing components does to the output? (issue 13, item 1)
// Over `subsets` random sets S of components (each of `subset_size` components, or of a size drawn
// uniformly from 1..M − 1 when it is 0), with Δ(S) = f(x) − f(x without S) the explained output's drop
// (its target, logit or probability as it explained) and Φ(S) = Σ_{i∈S} φ_i:
//   value: faithfulness correlation (Bhatt, Weller & Moura, IJCAI 2020): Pearson's correlation of Φ(S)
//     and Δ(S) over the subsets (1 when the scores add up to what removal does, as exact Shapley on an
//     additive model);
//   extra "infidelity" (Yeh et al., NeurIPS 2019, with removal perturbations I = 1_S): the mean of
//     (Φ(S) − Δ(S))² (0 for the exact attribution of a linear model), in the output's units squared;
//   extra "comprehensiveness" and "sufficiency" at each k of `top_k` (DeYoung et al. 2020, ERASER):
//     f(x) − f(x without the top-k components) and f(x) − f(only the top-k kept) (high
//     comprehensiveness, low sufficiency: the top components carry the decision);
//   extra "evaluations": the masks asked of the clip's evaluator (shared cache: repeats are free).
// The subsets come from `seed` alone, so every method on an input meets the same ones.
#pragma once

#include <cstdint>
#include <vector>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

struct FidelityOptions {
  int subsets = 64;                     ///< random subsets S
  int subset_size = 0;                  ///< components per subset; 0: uniform in 1..M − 1 per subset
  std::vector<int64_t> top_k = {1, 3};  ///< k of comprehensiveness and sufficiency
  uint64_t seed = 1;                    ///< seeds the subsets

  template <class V>
  void visit(V& v) {
    v("subsets", subsets, "random component subsets removed", Range::between(3, 100000));
    v("subset_size", subset_size, "components per subset (0: a size uniform in 1..M-1 per subset)", Range::at_least(0));
    v("top_k", top_k, "k of comprehensiveness and sufficiency", Range::at_least(1));
    v("seed", seed, "seed of the subsets (the same for every method on an input)");
  }
};

class Fidelity : public Configured<Metric, FidelityOptions> {
 public:
  explicit Fidelity(const nlohmann::json& options) : Configured("fidelity", options) {}
  MetricNeeds needs() const override { return {false, true}; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
