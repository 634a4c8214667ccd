// `deletion`: deletion and insertion curves (Petsiuk, Das & Saenko, "RISE", BMVC 2018) over the
// components in attribution order, each beside a random-order reference and the ideal order (issue 13,
// item 2), and for patch factorizations the ROAD variant (Rong et al. 2022, metrics/road_imputation.h).
//   Deletion (most relevant first, MoRF): from every component kept, remove the components one at a
//   time in decreasing score, tracking the explanation's target after each step as `output` says: its
//   probability (the default, as Petsiuk et al.: the curves follow only the ranking, so every method
//   is measured in the same units whatever output it explained), its logit, or the output the
//   explanation explained: M + 1 points. A faithful ranking makes the output fall fast: a low area
//   under the curve. extra "output" names the units.
//   Insertion: from none kept, add the components in the same order: a high area is faithful.
//   Areas by the trapezoid rule over x = k / M ∈ [0, 1], in the output's units.
// value: the deletion AUC. curve: the deletion curve. extra:
//   "insertion_auc", "insertion_curve";
//   "random_deletion_auc" / "random_insertion_auc": {"mean", "low", "high"} over `random_orders`
//   uniformly random orders (low and high the 2.5 % and 97.5 % quantiles: the interval a ranking
//   with no information falls in), and "random_deletion_curve" / "random_insertion_curve" (the mean);
//   the random orders come from `seed` alone, so every method on an input meets the same reference;
//   "ideal_deletion_auc", "ideal_insertion_auc", "ideal_deletion_curve", "ideal_insertion_curve": the
//   same curves in the order of the `ideal_reference` method's explanation of the input (by default
//   exact Shapley: on an additive model its order is the true one, whose deletion curve no order goes
//   below; the runners hand it over as the metric's reference, and exact Shapley explains M <= 20
//   components only). Without that explanation the deletion metric still applies: the ideal extras are
//   absent and "ideal_reason" says why;
//   "road_deletion_auc" (MoRF) and "road_lerf_auc" (least relevant first removed: a faithful ranking
//   keeps the output high), their curves "road_deletion_curve" and "road_lerf_curve" and the fraction
//   of the components removed at each point, "road_fractions": the removed components' cells are
//   imputed from their neighbours (noisy linear imputation) instead of taking the factorization's
//   baseline, at most `road_steps` points (fractions k / road_steps, k = 0 .. road_steps − 1, distinct
//   after rounding to whole components; never 100 %, where nothing is left to impute from; Rong et al.
//   stop at 90 % too), the model run directly on the imputed log-mel maps, all in one batched call.
//   The areas are trapezoids over those fractions divided by their range (the mean height). Where ROAD
//   does not apply, "road_reason" says why instead;
//   "evaluations": the masks this metric asked the evaluator for (shared cache: repeats are free) plus
//   the imputed inputs ROAD ran ("road_evaluations").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

/// The area under `curve` (points at x = k / (n − 1), k = 0..n − 1) by the trapezoid rule.
double normalized_auc(const std::vector<double>& curve);
/// The trapezoid area under `curve` at the increasing points `x`, divided by x.back() − x.front():
/// the curve's mean height over its range (normalized_auc for evenly spaced points on [0, 1]).
double mean_height(const std::vector<double>& x, const std::vector<double>& curve);

/// What the curves track of the explanation's target.
enum class CurveOutput { probability, logit, explained };

/// When the ROAD variant runs.
enum class RoadMode {
  automatic,  ///< for factorizations whose components are log-mel cells (domain "features": tf_grid, superpixels)
  on,         ///< for any factorization whose components do not share cells (also time segments of the mix)
  off,
};

struct DeletionOptions {
  CurveOutput output = CurveOutput::probability;  ///< the units of every curve
  int random_orders = 20;  ///< random orders of the reference (the interval is their 2.5–97.5 % range)
  uint64_t seed = 1;       ///< seeds the random orders and ROAD's noise
  std::string ideal_reference = "exact_shapley";  ///< a registered explainer, or "" for no ideal curve
  RoadMode road = RoadMode::automatic;            ///< when the ROAD variant runs
  int road_steps = 10;                            ///< ROAD curve points at most (fractions k / road_steps removed)
  /// Standard deviation of ROAD's noise on each imputed cell, relative to the standard deviation of the
  /// input's log-mel cells: Rong et al. add noise of 0.01 to images normalised to unit deviation.
  double road_noise = 0.01;

  template <class V>
  void visit(V& v) {
    v.choice("output", output,
             {{"probability", CurveOutput::probability},
              {"logit", CurveOutput::logit},
              {"explained", CurveOutput::explained}},
             "what the curves track of the target: its probability (the same units for every method), its logit, "
             "or the output the explanation explained");
    v("random_orders", random_orders, "random component orders in the reference", Range::between(2, 10000));
    v("seed", seed, "seed of the random orders and of ROAD's noise (the same for every method on an input)");
    v("ideal_reference", ideal_reference,
      "method whose order draws the ideal curve (a registered explainer; \"\" for none); exact Shapley "
      "explains at most 20 components");
    v.choice("road", road, {{"auto", RoadMode::automatic}, {"on", RoadMode::on}, {"off", RoadMode::off}},
             "ROAD (removed cells imputed from their neighbours): auto for patch factorizations (domain "
             "features), on for any whose components do not share cells, or off");
    v("road_steps", road_steps, "ROAD curve points at most (fractions k / road_steps of the components removed)",
      Range::between(2, 1000));
    v("road_noise", road_noise, "ROAD noise on imputed cells, relative to the deviation of the input's log-mel cells",
      Range::at_least(0));
  }
  void validate() const;
};

class Deletion : public Configured<Metric, DeletionOptions> {
 public:
  explicit Deletion(const nlohmann::json& options) : Configured("deletion", options) {}
  MetricNeeds needs() const override { return {false, true}; }
  std::string reference_method() const override { return settings().ideal_reference; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
