// Ground truth of a dataset example as regions of the factorized input, for metrics that need it.
#pragma once

#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "factorizations/factorization.h"
#include "factorizations/geometry.h"

namespace hearsay::metrics {

/// The cues of `kind` ("planted", "shortcut"; "" for every kind) as regions in the time of an
/// excerpt that starts `excerpt_start` seconds into the clip (0 for the whole clip): spans move by
/// -excerpt_start (the part outside the excerpt then covers no cell), a cue with no stem matches any
/// source, and a band with high_hz 0 (not recorded) becomes every frequency.
std::vector<factorizations::Region> cue_regions(const std::vector<datasets::GroundTruth>& truth,
                                                double excerpt_start = 0.0, const std::string& kind = "planted");

/// Each component's largest overlap (Factorization::overlap) with any of `regions`: how much of a cue
/// it holds.
std::vector<double> cue_overlaps(const factorizations::Factorization& factorization,
                                 const std::vector<factorizations::Region>& regions);

}  // namespace hearsay::metrics
