#include "metrics/cue_regions.h"

#include <algorithm>
#include <limits>

namespace hearsay::metrics {

std::vector<factorizations::Region> cue_regions(const std::vector<datasets::GroundTruth>& truth, double excerpt_start,
                                                const std::string& kind) {
  std::vector<factorizations::Region> out;
  for (const auto& cue : truth) {
    if (!kind.empty() && cue.kind != kind) continue;
    factorizations::Region r;
    r.source = cue.stem;
    r.start_seconds = cue.start_seconds - excerpt_start;
    r.end_seconds = cue.end_seconds - excerpt_start;
    r.low_hz = cue.low_hz;
    r.high_hz = cue.high_hz > 0.0 ? cue.high_hz : std::numeric_limits<double>::infinity();
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<double> cue_overlaps(const factorizations::Factorization& factorization,
                                 const std::vector<factorizations::Region>& regions) {
  std::vector<double> best(static_cast<size_t>(factorization.size()), 0.0);
  for (const auto& region : regions) {
    const std::vector<double> o = factorization.overlaps(region);
    for (size_t i = 0; i < best.size(); ++i) best[i] = std::max(best[i], o[i]);
  }
  return best;
}

}  // namespace hearsay::metrics
