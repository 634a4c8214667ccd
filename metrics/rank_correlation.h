// Correlations shared by the metrics: of orderings of components (Spearman) and of values (Pearson).
#pragma once

#include <optional>
#include <vector>

namespace hearsay::metrics {

/// Ranks of `values` from 1 (smallest) to n; tied values share the average of the ranks they span
/// ({3, 1, 3} → {2.5, 1, 2.5}).
std::vector<double> average_ranks(const std::vector<double>& values);

/// Pearson's correlation of a and b (equal sizes); absent when either side has fewer than two
/// distinct values (zero variance), where it is undefined.
std::optional<double> pearson(const std::vector<double>& a, const std::vector<double>& b);

/// Spearman's rank correlation of a and b (equal sizes): Pearson's correlation of their average
/// ranks, the tie-corrected form (scipy.stats.spearmanr). Absent when either side has fewer than two
/// distinct values, where the correlation is undefined.
std::optional<double> spearman(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace hearsay::metrics
