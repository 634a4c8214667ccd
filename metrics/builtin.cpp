// The built-in metrics: one registration line each.
#include "metrics/adversarial_flip.h"
#include "metrics/agreement.h"
#include "metrics/complexity.h"
#include "metrics/deletion.h"
#include "metrics/fidelity.h"
#include "metrics/granularity.h"
#include "metrics/ground_truth_rank.h"
#include "metrics/localisation.h"
#include "metrics/metric.h"
#include "metrics/sanity.h"
#include "metrics/sensitivity.h"
#include "metrics/stability.h"

namespace hearsay::metrics {

const Registry<Metric>& metric_registry() {
  static const Registry<Metric> registry = [] {
    Registry<Metric> r("metric");
    r.add<AdversarialFlip>("adversarial_flip",
                           "adding an adversarial perturbation back on the top-k components: does the label flip "
                           "(Praher et al. 2021), beside the norm oracle and random components");
    r.add<Agreement>("agreement", "Spearman rank correlation and top-1 agreement with a reference method");
    r.add<Complexity>("complexity", "Gini sparseness, entropy and effective number of the absolute scores");
    r.add<Deletion>("deletion",
                    "deletion and insertion curves in attribution order beside random orders, the ideal (exact "
                    "Shapley) order and ROAD for patches");
    r.add<Fidelity>("fidelity",
                    "faithfulness correlation, infidelity, comprehensiveness and sufficiency under removal");
    r.add<Granularity>("granularity",
                       "rank agreement with the same method over finer time segments, pooled back (4 vs 8)");
    r.add<GroundTruthRank>("ground_truth_rank", "rank of the best-placed component holding the planted cue");
    r.add<Localisation>("localisation",
                        "relevance rank and mass accuracy, top-k hit and pointing game on the planted cue");
    r.add<Sanity>("sanity", "model-parameter randomisation and random-logit tests (Adebayo et al. 2018)");
    r.add<Sensitivity>("sensitivity", "largest change of the scores under input noise at a set SNR (Yeh et al. 2019)");
    r.add<Stability>("stability", "agreement of a method with itself across seeds (Spearman, top-k Jaccard)");
    return r;
  }();
  return registry;
}

}  // namespace hearsay::metrics
