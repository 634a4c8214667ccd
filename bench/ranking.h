// Which method to trust, per metric family: the methods of each (study, factorization) ranked by a
// family's headline metric, with percentile-bootstrap 95 % intervals over the clips, so that a reader
// sees at once whether two methods differ by more than the clips' spread (issue 13, items 7 and 8).
// Like the other views, these read records only: a run folder's records.jsonl rebuilds them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/record.h"
#include "bench/table.h"

namespace hearsay::bench {

/// A mean over clips and its 95 % interval.
struct Interval {
  double mean = 0.0;
  double low = 0.0;   ///< 2.5 % quantile of the bootstrap means
  double high = 0.0;  ///< 97.5 % quantile of the bootstrap means
  size_t n = 0;       ///< values (clips)
  /// Whether the two intervals share no point: a difference the clips' spread does not explain.
  bool disjoint(const Interval& other) const { return high < other.low || other.high < low; }
};

/// The mean of `values` and its percentile-bootstrap 95 % interval over `resamples` resamples with
/// replacement drawn from `seed` (Efron & Tibshirani 1993, ch. 13). One value: the interval is that
/// value. Empty `values`: n = 0.
Interval bootstrap_mean(const std::vector<double>& values, uint64_t seed, int resamples = 2000);

/// One method's place in a ranking.
struct RankedMethod {
  std::string method;
  Interval headline;    ///< the family's headline metric over the clips
  std::string verdict;  ///< "best", "≈ best", "worse", "?" (fewer than 2 clips) or "-" (no value)
};

/// The methods of one (study, factorization) ranked by one family's headline metric, best first, and
/// the table that shows it (ranking_tables).
struct Ranking {
  std::string study, factorization, family;
  std::string metric;  ///< the headline's label, e.g. "rank accuracy"
  bool higher_is_better = true;
  std::vector<RankedMethod> methods;
  Table table;
};

/// The metric families, in the order below: "localisation", "faithfulness", ...
std::vector<std::string> family_names();
/// The rankings behind ranking_tables, in the same order: for views that draw them (the HTML report).
std::vector<Ranking> rankings(const std::vector<Record>& records);

/// One table per (study, factorization) and metric family with values there, in first-appearance
/// order. The families and their metrics, each with the direction that is better:
///   localisation: localisation (relevance rank accuracy) ↑, its mass_accuracy ↑ and pointing_game ↑,
///     ground_truth_rank's hit_at_1 ↑;
///   faithfulness: fidelity (faithfulness correlation) ↑, deletion AUC ↓, insertion AUC ↑, ROAD deletion
///     AUC ↓ (infidelity is in each method's own score units, so it is left to results.csv);
///   agreement: agreement (Spearman to the reference) ↑, its top1 ↑;
///   sanity: sanity (similarity after randomisation) ↓, random_logit ↓;
///   stability: sensitivity (max-sensitivity) ↓, stability (across seeds) ↑, granularity ↑;
///   complexity: complexity (Gini) ↑, effective_components ↓.
/// (Cost is in the summary table.)
/// A family's headline is its first metric with values in the group; methods are ranked by its mean
/// (methods without a value last, in record order), shown with the interval; the last column says
/// "best", "≈ best" (intervals overlap), "worse" (disjoint from the best's interval) or "?" (fewer than
/// two clips on either side: no spread to compare).
std::vector<Table> ranking_tables(const std::vector<Record>& records);

/// Per (study, factorization), the clips the model got wrong that carry a known cue (on the shortcut
/// set: the clips the tone fooled), and per method how often its top component holds the cue
/// (ground_truth_rank's hit_at_1) and the cue's mean rank. No table where there are none.
std::vector<Table> misled_tables(const std::vector<Record>& records);

/// Per study: "planted_0db: the model is right on 7 of 8 explained clips" (clips counted once however
/// many jobs explain them). The only accuracy a study has on a set its model was not trained on.
std::vector<std::string> clip_accuracy_lines(const std::vector<Record>& records);

}  // namespace hearsay::bench
