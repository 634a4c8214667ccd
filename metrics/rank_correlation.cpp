#include "metrics/rank_correlation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "core/error.h"

namespace hearsay::metrics {

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    // Positions start..end-1 hold equal values: each gets the mean of ranks start+1..end.
    const double shared = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2.0;
    for (size_t k = start; k < end; ++k) ranks[order[k]] = shared;
    start = end;
  }
  return ranks;
}

std::optional<double> pearson(const std::vector<double>& a, const std::vector<double>& b) {
  HEARSAY_CHECK_AS(ShapeError, a.size() == b.size(), "correlation: ", a.size(), " values against ", b.size());
  // A constant side has no correlation; tested exactly, since its computed variance may round above 0.
  auto constant = [](const std::vector<double>& v) {
    return std::adjacent_find(v.begin(), v.end(), std::not_equal_to<>()) == v.end();
  };
  if (constant(a) || constant(b)) return std::nullopt;
  const double n = static_cast<double>(a.size());
  double mean_a = 0.0, mean_b = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    mean_a += a[i] / n;
    mean_b += b[i] / n;
  }
  double cov = 0.0, va = 0.0, vb = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    cov += (a[i] - mean_a) * (b[i] - mean_b);
    va += (a[i] - mean_a) * (a[i] - mean_a);
    vb += (b[i] - mean_b) * (b[i] - mean_b);
  }
  if (va <= 0.0 || vb <= 0.0) return std::nullopt;
  return std::clamp(cov / std::sqrt(va * vb), -1.0, 1.0);
}

std::optional<double> spearman(const std::vector<double>& a, const std::vector<double>& b) {
  HEARSAY_CHECK_AS(ShapeError, a.size() == b.size(), "spearman: ", a.size(), " values against ", b.size());
  return pearson(average_ranks(a), average_ranks(b));
}

}  // namespace hearsay::metrics
