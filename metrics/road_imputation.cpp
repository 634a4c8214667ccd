#include "metrics/road_imputation.h"

#include <algorithm>

#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>

#include "core/error.h"
#include "core/random.h"

namespace hearsay::metrics {

namespace {

struct Neighbour {
  int64_t dr, dc;
  double weight;
};

// Rong et al.'s weights: the four edge neighbours 1/6, the four diagonal ones 1/12 (they sum to 1).
constexpr Neighbour kNeighbours[] = {{-1, 0, 1.0 / 6},   {1, 0, 1.0 / 6},   {0, -1, 1.0 / 6},  {0, 1, 1.0 / 6},
                                     {-1, -1, 1.0 / 12}, {-1, 1, 1.0 / 12}, {1, -1, 1.0 / 12}, {1, 1, 1.0 / 12}};

}  // namespace

Matrix<float> impute_from_neighbours(const Matrix<float>& features, const std::vector<uint8_t>& removed,
                                     double noise_sd, uint64_t seed) {
  const int64_t rows = features.rows();
  const int64_t cols = features.cols();
  HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(removed.size()) == features.size(), "ROAD imputation: a mask of ",
                   removed.size(), " cells for a ", rows, " x ", cols, " map");
  // Unknown j is the j-th removed cell in row-major order.
  std::vector<int64_t> unknown(removed.size(), -1);
  int64_t n = 0;
  for (size_t c = 0; c < removed.size(); ++c)
    if (removed[c]) unknown[c] = n++;
  Matrix<float> out = features;
  if (n == 0) return out;
  HEARSAY_CHECK_AS(ShapeError, n < features.size(), "ROAD imputation: every cell of the ", rows, " x ", cols,
                   " map is removed, so there is nothing to impute from");

  // Row j: W_j x_j − Σ_{removed neighbours} w x_n = Σ_{kept neighbours} w v_n, W_j the weight of the
  // neighbours inside the map. The matrix is symmetric (the weights are symmetric in the offset) and
  // diagonally dominant, strictly where a removed cell touches a kept one; every 8-connected group of
  // removed cells touches one unless all are removed, so it is positive definite: Cholesky (LDLᵀ).
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(static_cast<size_t>(9 * n));
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t j = unknown[static_cast<size_t>(r * cols + c)];
      if (j < 0) continue;
      double diagonal = 0.0;
      for (const Neighbour& nb : kNeighbours) {
        const int64_t rr = r + nb.dr;
        const int64_t cc = c + nb.dc;
        if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
        diagonal += nb.weight;
        const int64_t k = unknown[static_cast<size_t>(rr * cols + cc)];
        if (k >= 0) {
          entries.emplace_back(j, k, -nb.weight);
        } else {
          rhs[j] += nb.weight * features(rr, cc);
        }
      }
      entries.emplace_back(j, j, diagonal);
    }
  Eigen::SparseMatrix<double> system(n, n);
  system.setFromTriplets(entries.begin(), entries.end());
  const Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(system);
  HEARSAY_CHECK(solver.info() == Eigen::Success, "ROAD imputation: the neighbour system of ", n,
                " removed cells could not be factorized");
  const Eigen::VectorXd solution = solver.solve(rhs);

  Rng rng(seed);
  for (size_t c = 0; c < removed.size(); ++c) {
    const double noise = noise_sd > 0.0 ? noise_sd * rng.normal() : 0.0;
    if (unknown[c] >= 0) out.data()[c] = static_cast<float>(solution[unknown[c]] + noise);
  }
  return out;
}

}  // namespace hearsay::metrics
