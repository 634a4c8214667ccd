// `deletion`: deletion and insertion curves (Petsiuk, Das & Saenko, "RISE", BMVC 2018) over the
// components in attribution order, each beside a random-order reference (issue 13, item 2).
//   Deletion (most relevant first, MoRF): from every component kept, remove the components one at a
//   time in decreasing score, tracking the explained output (the explanation's target, logit or
//   probability as it explained) after each step: M + 1 points. A faithful ranking makes the output
//   fall fast: a low area under the curve.
//   Insertion: from none kept, add the components in the same order: a high area is faithful.
//   Areas by the trapezoid rule over x = k / M ∈ [0, 1], in the output's units.
// value: the deletion AUC. curve: the deletion curve. extra:
//   "insertion_auc", "insertion_curve";
//   "random_deletion_auc" / "random_insertion_auc": {"mean", "low", "high"} over `random_orders`
//   uniformly random orders (low and high the 2.5 % and 97.5 % quantiles: the interval a ranking
//   with no information falls in), and "random_deletion_curve" / "random_insertion_curve" (the mean);
//   the random orders come from `seed` alone, so every method on an input meets the same reference;
//   "evaluations": the masks this metric asked the evaluator for (shared cache: repeats are free).
#pragma once

#include <cstdint>
#include <vector>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

/// The area under `curve` (points at x = k / (n − 1), k = 0..n − 1) by the trapezoid rule.
double normalized_auc(const std::vector<double>& curve);

struct DeletionOptions {
  int random_orders = 20;  ///< random orders of the reference (the interval is their 2.5–97.5 % range)
  uint64_t seed = 1;       ///< seeds the random orders

  template <class V>
  void visit(V& v) {
    v("random_orders", random_orders, "random component orders in the reference", Range::between(2, 10000));
    v("seed", seed, "seed of the random orders (the same for every method on an input)");
  }
};

class Deletion : public Configured<Metric, DeletionOptions> {
 public:
  explicit Deletion(const nlohmann::json& options) : Configured("deletion", options) {}
  MetricNeeds needs() const override { return {false, true}; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
