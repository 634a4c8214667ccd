// num_samples: "auto" for the sampling methods (LIME, KernelSHAP; issue 16): instead of a fixed number
// of perturbations, sample in rounds until the k highest-scoring components are stable with a stated
// confidence, never beyond a cap, and report the samples used and the confidence reached.
//
// The idea is S-LIME's (Zhou, Hooker & Wang, "S-LIME: Stabilized-LIME for model explanation", KDD
// 2021): grow the perturbation sample until the explanation's top features would not change with
// another sample of the same size. S-LIME decides it with an asymptotic test (a central-limit
// comparison of LARS's entry statistics at each step of its forward selection), which is specific to
// one surrogate and one selection. Here the test statistic is the bootstrap: refit the same surrogate,
// with the same selected components, on the round's perturbations resampled with replacement, and
// count how often the resampled fit's top-k set is the estimate's. It applies unchanged to every
// surrogate a method uses (LIME's ridge after any feature selection, KernelSHAP's constrained fit),
// needs no new model evaluations, and measures the variability that comes from the perturbation
// sample, which is the only randomness the seed controls.
//
// Rounds: the first has first_round_samples(M) = max(8·M, 64) perturbations (at least eight rows per
// coefficient of an M-component surrogate, so that resampled fits are not dominated by the rows
// that happened to be drawn twice), capped by auto_max_samples; each later round doubles the last,
// up to the cap. Doubling keeps the total work within twice the last round's, and a method extends
// one deterministic stream of perturbations, so earlier rounds' evaluations are reused (the
// Evaluator's cache makes re-asking free).
//
// Stopping rule and its calibration: a round is confident when its bootstrap confidence is at least
// auto_confidence. Stopping at the first confident round is optimistic: a run looks at many rounds
// and stops at the one that happens to look stable (a sequential test), and the bootstrap centres its
// replicates on the estimate, not on the limit. Measured with LIME on the near-tied toy of
// tests/methods/known_answers.h (top 1, auto_confidence 0.95, cap 16384, seeds 1-600), it was
// over-confident: mean reported confidence 0.978, but only 0.942 of the runs found the limit's top-1
// (exhaustive sampling's). So a run stops only after two consecutive confident rounds that agree on
// the top-k set, and reports the last round's confidence: then 0.991 reported, 0.982 found (mean
// 7968 samples, 38 runs capped). The test LimeAuto.ConfidenceHoldsOverSeeds keeps it so.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/options.h"
#include "methods/explainer.h"

namespace hearsay::methods {

/// The options of num_samples: "auto", declared flat beside the method's own (auto_top_k, ...); a
/// method names its cap's default when it declares them. Ignored unless num_samples is "auto".
struct AutoSampling {
  int top_k = 5;             ///< components whose top-k set must be stable; clipped to M − 1
  double confidence = 0.95;  ///< bootstrap share of replicates agreeing on the top-k set; in (0, 1)
  int max_samples = 0;       ///< the cap on perturbations; the method gives the default

  AutoSampling() = default;
  explicit AutoSampling(int max_samples_default) : max_samples(max_samples_default) {}

  template <class V>
  void visit(V& v) {
    v("auto_top_k", top_k,
      "num_samples \"auto\": the number of highest-scoring components whose set must be stable (clipped to the "
      "components - 1)",
      Range::at_least(1));
    v("auto_confidence", confidence,
      "num_samples \"auto\": the share of bootstrap refits that must agree on the top-k set before sampling stops",
      Range{0.0, 1.0, true, true});
    v("auto_max_samples", max_samples, "num_samples \"auto\": never more perturbations than this",
      Range::between(2, 10000000));
  }
};

/// Bootstrap replicates per round. The confidence is a share of them: with 200, its Monte Carlo
/// standard error near 0.95 is 0.015, small beside the gap between rounds.
constexpr int kAutoReplicates = 200;

/// The first round's perturbations for M components: max(8·M, 64).
int64_t first_round_samples(int64_t components);

/// The components with the k highest scores (signed, descending; ties by lower index), sorted by
/// index: a set, as the top-k of Explanation::ranking() is.
std::vector<int64_t> top_k_set(const std::vector<double>& scores, int64_t k);

/// The share of `replicates` whose k highest-scoring components are the same set as `estimate`'s.
/// A set, not an order: what a user takes from the top k is which components matter (the listenable
/// explanation plays them together, deletion and ground-truth metrics use them as a set), and the
/// order inside the set can flip between near-equal components without changing that answer;
/// demanding it would spend samples on ties that do not matter. 1 when k <= 0 or k >= M (every
/// replicate has the same set), and when there are no replicates (nothing says otherwise; callers
/// always pass some).
double top_k_confidence(const std::vector<double>& estimate, const std::vector<std::vector<double>>& replicates,
                        int64_t k);

/// Multiplicities of n rows drawn n times with replacement (a bootstrap resample), from `seed` only.
/// Refitting with the rows' weights times these is refitting on the resampled rows.
std::vector<double> bootstrap_multiplicities(int64_t rows, uint64_t seed);

/// `replicates` bootstrap refits: refit(multiplicities) for resample r drawn from derive_seed(seed, r),
/// on hearsay's threads; the result does not depend on their number. `refit` must be safe to call
/// concurrently; the first exception (by replicate) is rethrown.
std::vector<std::vector<double>> bootstrap_replicates(
    int64_t rows, int replicates, uint64_t seed,
    const std::function<std::vector<double>(const std::vector<double>& multiplicities)>& refit);

/// What a method's fit of one round gives the driver: its scores on the round's first n samples and
/// kAutoReplicates bootstrap replicates of them.
struct AutoFit {
  std::vector<double> estimate;
  std::vector<std::vector<double>> replicates;
};

struct AutoRound {
  int64_t samples = 0;
  double confidence = 0.0;
};

struct AutoOutcome {
  std::vector<double> estimate;  ///< the last round's
  int64_t samples = 0;           ///< the last round's sample count
  double confidence = 0.0;       ///< the last round's bootstrap confidence
  bool confident = false;        ///< stopped by the rule, not by the cap
  std::vector<AutoRound> rounds;
};

/// Runs rounds of fit(n) (first_round_samples(M) capped, then doubling, capped) until the stopping
/// rule above holds or the cap is reached; the last call of fit is the round returned, so a method
/// may keep that round's details (intercept, R²) in the callback's state. Writes to out.diagnostics
/// samples_used, achieved_confidence, auto_top_k (the k after clipping), auto_rounds [{samples,
/// confidence}] and auto_stopped ("confident" or "cap"), and a warning naming `method` when the cap
/// stopped it unconfident.
AutoOutcome sample_until_stable(const AutoSampling& settings, int64_t components, const std::string& method,
                                const std::function<AutoFit(int64_t samples)>& fit, Explanation& out);

}  // namespace hearsay::methods
