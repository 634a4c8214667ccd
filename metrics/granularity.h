// `granularity`: does the explanation say the same when the clip is cut finer? (issue 13, item 5: the
// same clip in 4 and in 8 segments.) The input is factorized again with its time-segment option
// ("segments" of stems and segments, "time_segments" of tf_grid) multiplied by `factor`, explained again
// with the same method, options, target, output and seed on a fresh Evaluator of the same model, and
// the finer scores are pooled onto the explained (coarser) components: each fine component's score is
// shared among the coarse components by the fraction of its cells that lies in each (geometry(): same
// source, overlapping frames and mel bins). On an additive model exact Shapley or occlusion pooled this
// way gives the coarse scores back.
//   value: the Spearman correlation of the coarse scores and the pooled fine ones (1: the finer cut
//     ranks the coarse components alike); extra "top_k_jaccard" (of their top-`top_k` sets),
//     "fine_components", "evaluations" (of the re-explanation).
// Not applicable when the caller gives no source audio, when the factorizer has no time-segment option
// (or its segments are set by "boundaries"), when the finer factorization cannot be made (a clip too
// short for it), when the method refuses it (exact Shapley over more than 20 components), or when either
// side's scores are all equal (no ranking to compare).
#pragma once

#include <cstdint>
#include <vector>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

struct GranularityOptions {
  int factor = 2;     ///< the finer factorization has this many times the time segments
  int64_t top_k = 3;  ///< k of the top-k Jaccard index

  template <class V>
  void visit(V& v) {
    v("factor", factor, "time segments of the finer factorization per segment of the explained one",
      Range::between(2, 100));
    v("top_k", top_k, "k of the top-k Jaccard index", Range::at_least(1));
  }
};

class Granularity : public Configured<Metric, GranularityOptions> {
 public:
  explicit Granularity(const nlohmann::json& options) : Configured("granularity", options) {}
  MetricNeeds needs() const override { return {false, true}; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

/// `fine_scores` (one per component of `fine`) pooled onto the components of `coarse` (the same input's
/// grid): fine component i gives component j of coarse the share of its cells lying in j (same source,
/// or either one "mix"). A fine component that lies in no coarse component gives nothing.
std::vector<double> pool_scores(const factorizations::Factorization& fine, const std::vector<double>& fine_scores,
                                const factorizations::Factorization& coarse);

}  // namespace hearsay::metrics
