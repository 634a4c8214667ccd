#include "metrics/ground_truth_rank.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "metrics/cue_regions.h"

namespace hearsay::metrics {

MetricResult GroundTruthRank::run(const MetricInput& input) const {
  const factorizations::Factorization& f = *input.factorization;
  const std::vector<double>& scores = input.explanation->scores;
  const std::vector<double> best = cue_overlaps(f, input.ground_truth);
  std::vector<size_t> holders;
  for (size_t i = 0; i < best.size(); ++i)
    if (best[i] >= settings().min_overlap) holders.push_back(i);
  if (holders.empty()) {
    const auto top = static_cast<size_t>(std::max_element(best.begin(), best.end()) - best.begin());
    char largest[32];
    std::snprintf(largest, sizeof largest, "%.3g", best[top]);
    return MetricResult::not_applicable(
        best[top] > 0.0 ? message("no component holds at least ", settings().min_overlap, " of the cue (the most is ",
                                  largest, ", by '", f.names()[top], "')")
                        : std::string("no component holds the cue (it lies outside the factorized input, or in "
                                      "another source)"));
  }
  double top_score = scores[holders.front()];
  for (size_t i : holders) top_score = std::max(top_score, scores[i]);
  int64_t rank = 0;
  for (size_t j = 0; j < scores.size(); ++j)
    if (best[j] < settings().min_overlap && scores[j] >= top_score) ++rank;
  MetricResult result;
  result.value = static_cast<double>(rank);
  nlohmann::json names = nlohmann::json::array();
  nlohmann::json overlaps = nlohmann::json::array();
  for (size_t i : holders) {
    names.push_back(f.names()[i]);
    overlaps.push_back(best[i]);
  }
  result.extra = {{"components", names}, {"overlaps", overlaps}, {"hit_at_1", rank == 0 ? 1 : 0}};
  return result;
}

}  // namespace hearsay::metrics
