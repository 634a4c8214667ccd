// `ground_truth_rank`: where a method puts the component that holds the planted cue (the
// "relevance rank" of Arras et al., 2022, for one cue). A component holds the cue when it covers at
// least `min_overlap` of the cue's time × band area (Factorization::overlap: matched by the
// factorization's geometry, never by component names). The value is the rank (0 = first) of the
// best-placed holder: the number of components that do not hold the cue and score at least as high
// as it (ties count against the method, so scoring everything alike earns no hit). With several
// regions, a component holding any of them counts. extra:
//   "components": the holders' names (factorization order), "overlaps": their overlap fractions,
//   "hit_at_1": 1 when the value is 0, else 0.
// Not applicable when the clip has no ground truth, or no component holds the cue (it lies outside
// the excerpt, or is spread thinner than min_overlap over every component).
#pragma once

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

struct GroundTruthRankOptions {
  double min_overlap = 0.25;  ///< a component holding at least this fraction of the cue counts as holding it

  template <class V>
  void visit(V& v) {
    v("min_overlap", min_overlap, "fraction of the cue's time x band area a component must cover to hold it",
      Range{0.0, 1.0, true, false});
  }
};

class GroundTruthRank : public Configured<Metric, GroundTruthRankOptions> {
 public:
  explicit GroundTruthRank(const nlohmann::json& options) : Configured("ground_truth_rank", options) {}
  MetricNeeds needs() const override { return {true, false}; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
