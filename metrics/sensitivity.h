// `sensitivity`: does the explanation stay the same when the input changes by a little noise? Max-
// sensitivity (Yeh et al. 2019, "On the (in)fidelity and sensitivity of explanations"), estimated by
// Monte Carlo over `samples` noisy copies: each adds seeded white Gaussian noise at `snr_db` (against
// the clip's RMS) to the audio that was factorized — to each stem of a stems input independent noise
// of 1/S of the noise power, so that the stems still sum to the mix — factorizes it again with the same
// factorizer and options, and explains it again with the same method, options, target, output and seed
// on a fresh Evaluator of the same model. A sample's sensitivity is ‖s′ − s‖ / ‖s‖ over the component
// scores s (relative, so methods whose scores live on different scales compare).
//   value: the largest over the samples (0: noise at this level changes nothing; 1: a change as large as
//     the explanation itself); extra "mean" (over the samples), "spearman" (mean Spearman correlation of
//     the original and the noisy scores), "evaluations" (of the re-explanations).
// Not applicable when the caller gives no source audio (MetricInput::source), when every original score
// is 0 (no relative change), when the noisy clip factorizes into other components, or when the
// re-explanations would cost more than `max_evaluations`.
#pragma once

#include <cstdint>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

struct SensitivityOptions {
  double snr_db = 20.0;  ///< clip RMS over noise RMS, in dB
  int samples = 3;       ///< noisy copies; the value is the largest change over them
  uint64_t seed = 1;     ///< the noise of sample k comes from derive_seed(seed, k)
  /// Not applicable when samples × the explanation's own evaluations exceed this (0: no limit): each
  /// noisy copy costs what the method cost once, 2^M evaluations for exact Shapley.
  int64_t max_evaluations = 0;

  template <class V>
  void visit(V& v) {
    v("snr_db", snr_db, "signal-to-noise ratio of the added noise (dB, against the clip's RMS)",
      Range::between(-20, 120));
    v("samples", samples, "noisy copies explained; the value is the largest change", Range::between(1, 1000));
    v("seed", seed, "seed of the noise");
    v("max_evaluations", max_evaluations,
      "not applicable when samples x the explanation's evaluations exceed this (0: no limit)", Range::at_least(0));
  }
};

class Sensitivity : public Configured<Metric, SensitivityOptions> {
 public:
  explicit Sensitivity(const nlohmann::json& options) : Configured("sensitivity", options) {}
  MetricNeeds needs() const override { return {false, true}; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

/// `input` with seeded white Gaussian noise at `snr_db` below the RMS of its audio: each stem gets noise
/// of its own with 1/S of the noise power and the mix their sum, so the stems still add up to the mix;
/// without stems the mix gets it all. A silent clip stays silent.
factorizations::FactorizationInput with_noise(const factorizations::FactorizationInput& input, double snr_db,
                                              uint64_t seed);

}  // namespace hearsay::metrics
