#include "metrics/granularity.h"

#include <algorithm>

#include "core/error.h"
#include "metrics/rank_correlation.h"
#include "metrics/reexplain.h"

namespace hearsay::metrics {

namespace {

// The options that set the number of time segments, as `hearsay explain --segments` knows them.
const std::vector<std::string> kTimeSegmentKeys{"segments", "time_segments"};

bool same_source(const factorizations::ComponentGeometry& a, const factorizations::ComponentGeometry& b) {
  return a.source == b.source || a.source == "mix" || b.source == "mix";
}

// Cells that components a and b both occupy.
int64_t shared_cells(const factorizations::ComponentGeometry& a, const factorizations::ComponentGeometry& b) {
  const int64_t t0 = std::max(a.frames.first, b.frames.first), t1 = std::min(a.frames.last, b.frames.last);
  const int64_t m0 = std::max(a.mel_low, b.mel_low), m1 = std::min(a.mel_high, b.mel_high);
  if (t1 <= t0 || m1 <= m0) return 0;
  if (!a.cells && !b.cells) return (t1 - t0) * (m1 - m0);
  int64_t count = 0;
  for (int64_t m = m0; m < m1; ++m)
    for (int64_t t = t0; t < t1; ++t)
      if ((!a.cells || (*a.cells)(m, t)) && (!b.cells || (*b.cells)(m, t))) ++count;
  return count;
}

}  // namespace

std::vector<double> pool_scores(const factorizations::Factorization& fine, const std::vector<double>& fine_scores,
                                const factorizations::Factorization& coarse) {
  HEARSAY_CHECK_AS(ShapeError, fine.n_mels() == coarse.n_mels() && fine.frames() == coarse.frames(),
                   "granularity: the finer factorization's input is ", fine.n_mels(), " x ", fine.frames(),
                   ", the explained one's ", coarse.n_mels(), " x ", coarse.frames());
  HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(fine_scores.size()) == fine.size(),
                   "granularity: ", fine_scores.size(), " scores for ", fine.size(), " fine components");
  std::vector<factorizations::ComponentGeometry> targets;
  for (int64_t j = 0; j < coarse.size(); ++j) targets.push_back(coarse.geometry(j));
  std::vector<double> pooled(static_cast<size_t>(coarse.size()), 0.0);
  std::vector<int64_t> shared(targets.size());
  for (int64_t i = 0; i < fine.size(); ++i) {
    const factorizations::ComponentGeometry g = fine.geometry(i);
    int64_t total = 0;
    for (size_t j = 0; j < targets.size(); ++j) {
      shared[j] = same_source(g, targets[j]) ? shared_cells(g, targets[j]) : 0;
      total += shared[j];
    }
    for (size_t j = 0; j < targets.size() && total > 0; ++j)
      pooled[j] += fine_scores[static_cast<size_t>(i)] * static_cast<double>(shared[j]) / static_cast<double>(total);
  }
  return pooled;
}

MetricResult Granularity::run(const MetricInput& input) const {
  if (!input.source || input.factorizer.empty())
    return MetricResult::not_applicable(
        "granularity factorizes the clip again more finely, but no source audio (or factorizer) was given");
  const std::string key = factorizations::factorizer_registry().declared_option(input.factorizer, kTimeSegmentKeys);
  if (key.empty())
    return MetricResult::not_applicable(message("factorization '", input.factorizer,
                                                "' has no time-segment option (granularity varies \"segments\" or "
                                                "\"time_segments\")"));
  nlohmann::json options = factorizer_options(input.factorizer, *input.factorization);
  if (!options.value("boundaries", nlohmann::json::array()).empty())
    return MetricResult::not_applicable(message("factorization '", input.factorizer,
                                                "' cuts its segments at given \"boundaries\", not into \"", key,
                                                "\" equal ones"));
  options[key] = options.at(key).get<int64_t>() * settings().factor;

  const methods::Explanation& e = *input.explanation;
  const models::Model& model = input.evaluator->model();
  // A finer cut the clip does not allow (segments shorter than a hop, past the option's range).
  const auto cannot = [&](const Error& error) {
    return MetricResult::not_applicable(
        message("the finer factorization (", key, " ", options[key].dump(), ") cannot be made: ", error.what()));
  };
  std::unique_ptr<factorizations::Factorization> fine;
  try {
    fine = factorize(input.factorizer, options, *input.source, model);
  } catch (const ConfigError& error) {
    return cannot(error);
  } catch (const ShapeError& error) {
    return cannot(error);
  }
  methods::Explanation finer;
  try {
    finer = reexplain(e, model, *fine);
  } catch (const ConfigError& error) {
    return MetricResult::not_applicable(message("method '", e.method, "' refuses the finer factorization (",
                                                fine->size(), " components): ", error.what()));
  }
  const std::vector<double> pooled = pool_scores(*fine, finer.scores, *input.factorization);
  const auto rho = spearman(e.scores, pooled);
  if (!rho)
    return MetricResult::not_applicable(
        "the explained or the pooled finer scores are all equal: there is no ranking to compare");
  MetricResult result;
  result.value = *rho;
  result.extra = {{"top_k_jaccard", top_k_jaccard(e.ranking(), methods::ranking_of(pooled), settings().top_k)},
                  {"fine_components", fine->size()},
                  {"evaluations", evaluations(finer)}};
  return result;
}

}  // namespace hearsay::metrics
