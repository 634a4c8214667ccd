// Adaptive sample counts (num_samples: "auto"); see auto_samples.h.
#include "methods/auto_samples.h"

#include <algorithm>
#include <exception>

#include "core/error.h"
#include "core/random.h"

namespace hearsay::methods {

namespace {

// Confident rounds in a row, agreeing on the top-k set, before a run stops (see the header).
constexpr int kConfidentRoundsToStop = 2;

}  // namespace

int64_t first_round_samples(int64_t components) { return std::max<int64_t>(8 * components, 64); }

std::vector<int64_t> top_k_set(const std::vector<double>& scores, int64_t k) {
  std::vector<int64_t> order = ranking_of(scores);
  order.resize(static_cast<size_t>(std::clamp<int64_t>(k, 0, static_cast<int64_t>(scores.size()))));
  std::sort(order.begin(), order.end());
  return order;
}

double top_k_confidence(const std::vector<double>& estimate, const std::vector<std::vector<double>>& replicates,
                        int64_t k) {
  const auto m = static_cast<int64_t>(estimate.size());
  if (k <= 0 || k >= m || replicates.empty()) return 1.0;
  const std::vector<int64_t> reference = top_k_set(estimate, k);
  int64_t agree = 0;
  for (const auto& replicate : replicates) {
    HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(replicate.size()) == m, "top_k_confidence: a replicate has ",
                     replicate.size(), " scores, the estimate ", m);
    agree += top_k_set(replicate, k) == reference ? 1 : 0;
  }
  return static_cast<double>(agree) / static_cast<double>(replicates.size());
}

double confidence_from_agreement(double agreement) { return std::max(0.0, 2.0 * agreement - 1.0); }

std::vector<double> bootstrap_multiplicities(int64_t rows, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> counts(static_cast<size_t>(rows), 0.0);
  for (int64_t draw = 0; draw < rows; ++draw) counts[static_cast<size_t>(rng.uniform_int(0, rows - 1))] += 1.0;
  return counts;
}

std::vector<std::vector<double>> bootstrap_replicates(
    int64_t rows, int replicates, uint64_t seed,
    const std::function<std::vector<double>(const std::vector<double>& multiplicities)>& refit) {
  std::vector<std::vector<double>> out(static_cast<size_t>(replicates));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(replicates));
  // An exception may not leave an OpenMP region: each is kept and the first rethrown after the loop.
#pragma omp parallel for schedule(dynamic)
  for (int r = 0; r < replicates; ++r) {
    try {
      out[static_cast<size_t>(r)] = refit(bootstrap_multiplicities(rows, derive_seed(seed, static_cast<uint64_t>(r))));
    } catch (...) {
      errors[static_cast<size_t>(r)] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

AutoOutcome sample_until_stable(const AutoSampling& settings, int64_t components, const std::string& method,
                                const std::function<AutoFit(int64_t samples)>& fit, Explanation& out) {
  const int64_t cap = settings.max_samples;
  HEARSAY_CHECK_AS(ConfigError, cap >= 2, method, ": auto_max_samples must be at least 2, got ", cap);
  const int64_t k = std::min<int64_t>(settings.top_k, components - 1);
  AutoOutcome outcome;
  int confident_in_a_row = 0;
  std::vector<int64_t> last_set;
  for (int64_t n = std::min(first_round_samples(components), cap);; n = std::min(2 * n, cap)) {
    AutoFit round = fit(n);
    const double agreement = top_k_confidence(round.estimate, round.replicates, k);
    const double confidence = confidence_from_agreement(agreement);
    std::vector<int64_t> set = top_k_set(round.estimate, k);
    const bool confident = confidence >= settings.confidence;
    confident_in_a_row = confident ? (confident_in_a_row > 0 && set == last_set ? confident_in_a_row + 1 : 1) : 0;
    last_set = std::move(set);
    outcome.rounds.push_back({n, agreement, confidence});
    outcome.estimate = std::move(round.estimate);
    outcome.samples = n;
    outcome.confidence = confidence;
    outcome.confident = confident_in_a_row >= kConfidentRoundsToStop;
    if (outcome.confident || n >= cap) break;
  }

  nlohmann::json rounds = nlohmann::json::array();
  for (const AutoRound& r : outcome.rounds)
    rounds.push_back({{"samples", r.samples}, {"agreement", r.agreement}, {"confidence", r.confidence}});
  out.diagnostics["samples_used"] = outcome.samples;
  out.diagnostics["achieved_confidence"] = outcome.confidence;
  out.diagnostics["auto_top_k"] = std::max<int64_t>(k, 0);
  out.diagnostics["auto_rounds"] = std::move(rounds);
  out.diagnostics["auto_stopped"] = outcome.confident ? "confident" : "cap";
  if (!outcome.confident && outcome.confidence < settings.confidence)
    out.warnings.push_back(
        message(method, ": num_samples \"auto\" reached auto_max_samples = ", cap, " with confidence ",
                outcome.confidence, " in the top ", k, " components (the same set in ", outcome.rounds.back().agreement,
                " of bootstrap refits), below auto_confidence = ", settings.confidence, "; the top-", k,
                " set is not stable at this budget (raise auto_max_samples, or lower auto_top_k)"));
  return outcome;
}

}  // namespace hearsay::methods
