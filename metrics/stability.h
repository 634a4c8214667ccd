// `stability`: does the explanation stay the same when only the method's own randomness changes?
// (issue 13, item 5, across seeds; LIME's instability is the known case: Zhang et al. 2019, "Why should
// you trust my explanation?"). The same method with the same options, target and output explains the
// same input with `seeds` − 1 other seeds (derived from `seed`); with the original that makes `seeds`
// explanations.
//   value: the mean pairwise Spearman correlation of their component scores (1: the seed changes
//     nothing); extra "top_k_jaccard": the mean pairwise Jaccard index of their top-`top_k` sets,
//     "min_spearman", "evaluations" (of the re-explanations).
// A method that declares no randomness (Capabilities::stochastic false) is not re-run: value 1,
// extra "deterministic": true (the conformance suite checks that the same seed gives the same result).
#pragma once

#include <cstdint>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

struct StabilityOptions {
  int seeds = 5;      ///< explanations compared, the original included
  int64_t top_k = 3;  ///< k of the top-k Jaccard index
  uint64_t seed = 1;  ///< the other seeds are derived from it

  template <class V>
  void visit(V& v) {
    v("seeds", seeds, "explanations compared, the original included", Range::between(2, 1000));
    v("top_k", top_k, "k of the top-k Jaccard index", Range::at_least(1));
    v("seed", seed, "the seeds of the re-explanations derive from it");
  }
};

class Stability : public Configured<Metric, StabilityOptions> {
 public:
  explicit Stability(const nlohmann::json& options) : Configured("stability", options) {}
  MetricNeeds needs() const override { return {false, true}; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
