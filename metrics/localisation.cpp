#include "metrics/localisation.h"

#include <algorithm>

#include "core/error.h"
#include "metrics/cue_regions.h"

namespace hearsay::metrics {

Matrix<float> region_cells(const factorizations::InputGrid& grid, const std::vector<factorizations::Region>& regions) {
  HEARSAY_CHECK(grid.known(), "localisation: the input has no time/frequency grid");
  Matrix<float> cells(grid.n_mels(), grid.frames, 0.0f);
  for (const auto& region : regions) {
    const std::vector<double> time = factorizations::frame_weights(grid, region.start_seconds, region.end_seconds);
    const std::vector<double> band = factorizations::band_weights(grid, region.low_hz, region.high_hz);
    for (int64_t m = 0; m < cells.rows(); ++m)
      for (int64_t t = 0; t < cells.cols(); ++t)
        cells(m, t) =
            std::max(cells(m, t), static_cast<float>(band[static_cast<size_t>(m)] * time[static_cast<size_t>(t)]));
  }
  return cells;
}

MetricResult Localisation::run(const MetricInput& input) const {
  const factorizations::Factorization& f = *input.factorization;
  const methods::Explanation& e = *input.explanation;
  const std::vector<double> best = cue_overlaps(f, input.ground_truth);
  std::vector<bool> holds(best.size());
  int64_t holders = 0;
  for (size_t i = 0; i < best.size(); ++i) holders += (holds[i] = best[i] >= settings().min_overlap);
  if (holders == 0)
    return MetricResult::not_applicable(message("no component holds at least ", settings().min_overlap, " of the cue"));

  const std::vector<int64_t> ranking = e.ranking();
  int64_t in_top = 0;
  for (int64_t k = 0; k < holders; ++k) in_top += holds[static_cast<size_t>(ranking[static_cast<size_t>(k)])];
  bool hit = false;
  for (int64_t k = 0; k < std::min<int64_t>(settings().top_k, f.size()); ++k)
    hit = hit || holds[static_cast<size_t>(ranking[static_cast<size_t>(k)])];
  double positive = 0.0, on_cue = 0.0;
  for (size_t i = 0; i < e.scores.size(); ++i) {
    const double p = std::max(e.scores[i], 0.0);
    positive += p;
    if (holds[i]) on_cue += p;
  }

  MetricResult result;
  result.value = static_cast<double>(in_top) / static_cast<double>(holders);
  result.extra["holders"] = holders;
  result.extra["mass_accuracy"] = positive > 0.0 ? nlohmann::json(on_cue / positive) : nlohmann::json(nullptr);
  result.extra["top_k_hit"] = hit ? 1 : 0;
  if (e.map && f.grid().known() && e.map->rows() == f.n_mels() && e.map->cols() == f.frames()) {
    const Matrix<float> cells = region_cells(f.grid(), input.ground_truth);
    double mass = 0.0, inside = 0.0;
    int64_t top = 0;
    for (int64_t c = 0; c < e.map->size(); ++c) {
      const double r = std::max(static_cast<double>(e.map->data()[c]), 0.0);
      mass += r;
      inside += r * cells.data()[c];
      if (e.map->data()[c] > e.map->data()[top]) top = c;
    }
    result.extra["map_mass_accuracy"] = mass > 0.0 ? nlohmann::json(inside / mass) : nlohmann::json(nullptr);
    result.extra["pointing_game"] = cells.data()[top] >= 0.5f ? 1 : 0;
  }
  return result;
}

}  // namespace hearsay::metrics
