// Armadillo's k-means accumulates per-thread partial sums when OpenMP is on, which makes the result
// depend on the thread count; hearsay promises the same result for any thread count.
#define ARMA_DONT_USE_OPENMP
#include "factorizations/superpixels.h"

#include <algorithm>
#include <armadillo>
#include <cmath>
#include <limits>
#include <numeric>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "factorizations/segments.h"

namespace hearsay::factorizations {

std::unique_ptr<Factorization> SuperpixelsFactorizer::factorize(const FactorizationInput& input,
                                                                const FrontEnd& front_end) const {
  Matrix<float> features = input_features(input, front_end, "superpixels");
  const int64_t rows = features.rows();
  const int64_t cols = features.cols();
  const int64_t cells = rows * cols;
  HEARSAY_CHECK_AS(ShapeError, settings().count <= cells / 4, "superpixels: ", settings().count, " regions for ", cells,
                   " cells; use at most ", cells / 4);
  const float lo = *std::min_element(features.values().begin(), features.values().end());
  const float hi = *std::max_element(features.values().begin(), features.values().end());
  const double range = hi > lo ? hi - lo : 1.0;
  // Positions in units of one region's side, so level_weight compares level with one region's extent.
  const double side = std::sqrt(static_cast<double>(cells) / settings().count);
  arma::mat data(3, static_cast<arma::uword>(cells));
  for (int64_t m = 0; m < rows; ++m)
    for (int64_t t = 0; t < cols; ++t) {
      const auto c = static_cast<arma::uword>(m * cols + t);
      data(0, c) = static_cast<double>(t) / side;
      data(1, c) = static_cast<double>(m) / side;
      data(2, c) = settings().level_weight * (features(m, t) - lo) / range;
    }
  arma::mat means;
  const bool ok = arma::kmeans(means, data, static_cast<arma::uword>(settings().count), arma::static_spread,
                               static_cast<arma::uword>(settings().iterations), false);
  HEARSAY_CHECK(ok, "superpixels: k-means failed on a ", rows, " x ", cols, " input");

  std::vector<int32_t> nearest(static_cast<size_t>(cells));
  std::vector<int64_t> population(means.n_cols, 0);
  for (arma::uword c = 0; c < data.n_cols; ++c) {
    double best = std::numeric_limits<double>::infinity();
    arma::uword which = 0;
    for (arma::uword k = 0; k < means.n_cols; ++k) {
      double d = 0.0;
      for (arma::uword r = 0; r < 3; ++r) d += (data(r, c) - means(r, k)) * (data(r, c) - means(r, k));
      if (d < best) {
        best = d;
        which = k;
      }
    }
    nearest[c] = static_cast<int32_t>(which);
    ++population[which];
  }
  // Keep non-empty clusters, numbered by where they start in time, then by band.
  std::vector<arma::uword> order;
  for (arma::uword k = 0; k < means.n_cols; ++k)
    if (population[k] > 0) order.push_back(k);
  std::sort(order.begin(), order.end(), [&](arma::uword a, arma::uword b) {
    return std::make_pair(means(0, a), means(1, a)) < std::make_pair(means(0, b), means(1, b));
  });
  std::vector<int32_t> renumber(means.n_cols, -1);
  std::vector<std::string> names;
  for (size_t i = 0; i < order.size(); ++i) {
    renumber[order[i]] = static_cast<int32_t>(i);
    names.push_back("sp" + index_label(static_cast<int64_t>(i), static_cast<int64_t>(order.size())));
  }
  Matrix<int32_t> labels(rows, cols);
  for (int64_t c = 0; c < cells; ++c) labels.data()[c] = renumber[static_cast<size_t>(nearest[static_cast<size_t>(c)])];
  nlohmann::json used = options();
  used["regions_found"] = names.size();
  return std::make_unique<LabelMapFactorization>(front_end, input.audio, std::move(features), std::move(labels),
                                                 std::move(names), settings().fill, std::move(used));
}

}  // namespace hearsay::factorizations
