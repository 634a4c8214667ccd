// `localisation`: does the explanation point at the planted cause? (Arras, Osman & Samek, "CLEVR-XAI",
// Information Fusion 2022; the pointing game of Zhang et al. 2018; issue 13, item 3). A component
// holds the cue when it covers at least `min_overlap` of the cue's time × band area
// (Factorization::overlap, through the factorization's geometry); with several regions, any counts.
//   value: relevance rank accuracy: with K holders, the share of the K highest-scored components that
//     hold the cue (1: the cue's components come first);
//   extra "mass_accuracy": the share of the positive scores Σ φ⁺ that falls on holders;
//   extra "top_k_hit": 1 when some holder is among the top `top_k`;
//   for methods with a dense map (white-box methods), over the map's cells, each weighted by how much
//   of it lies inside a cue's span and band (cells of any source: the map is over the mix):
//     "map_mass_accuracy": Σ R⁺ · w / Σ R⁺ (1 for a map that is positive exactly on the cue), and
//     "pointing_game": 1 when the map's largest cell lies at least half inside a cue.
// Not applicable without ground truth, or when no component holds the cue.
#pragma once

#include <cstdint>
#include <vector>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

/// The weight of each cell of `grid` [n_mels × frames] inside `regions`: the largest over the regions of
/// (share of the cell's frame in the region's span) × (share of its mel bin in the region's band).
Matrix<float> region_cells(const factorizations::InputGrid& grid, const std::vector<factorizations::Region>& regions);

struct LocalisationOptions {
  double min_overlap = 0.25;  ///< a component holding at least this fraction of the cue holds it
  int64_t top_k = 3;          ///< k of top_k_hit

  template <class V>
  void visit(V& v) {
    v("min_overlap", min_overlap, "fraction of the cue's time x band area a component must cover to hold it",
      Range{0.0, 1.0, true, false});
    v("top_k", top_k, "k of top_k_hit", Range::at_least(1));
  }
};

class Localisation : public Configured<Metric, LocalisationOptions> {
 public:
  explicit Localisation(const nlohmann::json& options) : Configured("localisation", options) {}
  MetricNeeds needs() const override { return {true, false}; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
