// Global explanations from local ones (issue 15): per class, which stem, which time segment and which
// mel band the explanations of many clips credit, as MusicLIME aggregates its local explanations per
// class (Sotirou et al. 2024, "MusicLIME", §3.3). From records only, like the other views: a run
// folder's records.jsonl rebuilds them.
//
// Each ok record's scores are first normalised by their sum of absolute values, so every clip weighs
// the same however large the model's output (a clip explained with logits of ±20 would otherwise
// outvote ten clips near the decision boundary) and the numbers are shares of the clip's attribution
// (signed: a negative entry pushed away from the explained class). A clip's entry on an axis is the sum
// of the normalised scores of its components there: a stem's score sums its segments, a segment's sums
// its stems or bands. Clips whose scores are all zero carry no attribution and are left out.
//
// The axes come from the component names the factorizations give (factorizations/): "tNN" (segments),
// "<stem>.tNN" (stems; "residual" is mix minus stems), "tNN.fNN" (tf_grid). A factorization whose
// names have no position (superpixels' "spNN") gives no group. Records of attacked clips (config
// "adversarial") explain another input and are left out.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/record.h"
#include "bench/table.h"

namespace hearsay::bench {

/// One stem, segment or band of a group, over the clips that have it.
struct GlobalEntry {
  std::string name;        ///< "drums", "t03", "f05"
  double mean = 0.0;       ///< mean normalised score over the clips that have the entry
  double sd = 0.0;         ///< sample standard deviation (n − 1 in the denominator); 0 for one clip
  size_t n = 0;            ///< clips that have the entry
  double top_share = 0.0;  ///< share of the group's clips whose largest entry (first on ties) is this one
  /// {"name", "mean", "sd", "n", "top_share"}
  nlohmann::json to_json() const;
};

/// The explanations of one method for one class, on one axis.
struct GlobalGroup {
  std::string study, factorization, method;
  std::string target;  ///< the explained class (the explanation's target_name)
  std::string axis;    ///< "stem", "segment" or "band"
  size_t clips = 0;    ///< clips aggregated (records with a nonzero attribution)
  /// stems in first-appearance order, segments and bands by index
  std::vector<GlobalEntry> entries;
  /// {"study", "factorization", "method", "target", "axis", "clips", "entries": [GlobalEntry::to_json()]}:
  /// the data of a chart.
  nlohmann::json to_json() const;
};

/// The groups of `records` (failed records ignored), ordered by (study, factorization, method) as they
/// first appear, then class as it first appears there, then axis (stem, segment, band).
std::vector<GlobalGroup> global_groups(const std::vector<Record>& records);

/// One table per (study, factorization, axis) for summary.md: a row per (method, class) with the clips,
/// each entry's "mean ± sd", and the entry most often largest with its share of the clips. No table
/// where no group exists.
std::vector<Table> global_tables(const std::vector<Record>& records);

}  // namespace hearsay::bench
