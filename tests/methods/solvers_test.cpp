#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <Eigen/Dense>

#include "core/random.h"
#include "methods/exact_shapley.h"
#include "methods/solvers.h"
#include "tests/support/test_support.h"

namespace hearsay::methods {
namespace {

Eigen::MatrixXd random_matrix(int rows, int cols, uint64_t seed) {
  Rng rng(seed);
  Eigen::MatrixXd m(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) m(r, c) = rng.normal();
  return m;
}

TEST(WeightedRidge, SolvesTheWeightedNormalEquationsWithAnUnpenalisedIntercept) {
  const Eigen::MatrixXd x = random_matrix(40, 5, 1);
  Rng rng(2);
  Eigen::VectorXd y(40), w(40);
  for (int i = 0; i < 40; ++i) {
    y(i) = rng.normal();
    w(i) = rng.uniform(0.1, 2.0);
  }
  const LinearFit fit = weighted_ridge(x, y, w, 1.5);
  // Stationarity of Σ w (y − b − xβ)² + α‖β‖²: the gradient in b and in β vanishes.
  const Eigen::VectorXd r = y - fit.predict(x);
  EXPECT_NEAR(w.dot(r), 0.0, 1e-9);
  const Eigen::VectorXd g = -x.transpose() * (w.asDiagonal() * r) + 1.5 * fit.coef;
  EXPECT_LT(g.cwiseAbs().maxCoeff(), 1e-9);
  // α = 0 on an exactly linear target recovers it.
  const Eigen::VectorXd beta = (Eigen::VectorXd(5) << 1, -2, 0.5, 0, 3).finished();
  const LinearFit exact = weighted_ridge(x, (x * beta).array() + 0.7, w, 0.0);
  EXPECT_LT((exact.coef - beta).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_NEAR(exact.intercept, 0.7, 1e-10);
}

TEST(WeightedR2, FollowsSklearn) {
  Eigen::VectorXd y(4), p(4), w(4);
  y << 1, 2, 3, 4;
  p << 1, 2, 3, 5;
  w << 1, 1, 1, 3;
  // ȳ_w = (1+2+3+12)/6 = 3; Σw(y−ȳ)² = 4+1+0+3 = 8; Σw(y−p)² = 3.
  EXPECT_DOUBLE_EQ(weighted_r2(y, p, w), 1.0 - 3.0 / 8.0);
  const Eigen::VectorXd flat = Eigen::VectorXd::Constant(4, 2.0);
  EXPECT_EQ(weighted_r2(flat, flat, w), 1.0);
  EXPECT_EQ(weighted_r2(flat, p, w), 0.0);
}

TEST(Lars, EveryBreakpointSatisfiesTheLassoOptimalityConditions) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const Eigen::MatrixXd x = random_matrix(30, 8, seed);
    const Eigen::VectorXd y = random_matrix(30, 1, seed + 100).col(0) + x.col(2) * 2.0 - x.col(5);
    const LarsPath path = lars_path(x, y, /*lasso=*/true, 100);
    ASSERT_GE(path.alphas.size(), 3u);
    for (size_t s = 0; s < path.alphas.size(); ++s) {
      const double lambda = path.alphas[s] * 30.0;
      const Eigen::VectorXd c = x.transpose() * (y - x * path.coefs[s]);
      for (int j = 0; j < 8; ++j) {
        const double beta = path.coefs[s](j);
        if (beta != 0.0) {
          EXPECT_NEAR(c(j), lambda * (beta > 0 ? 1.0 : -1.0), 1e-8 * std::max(1.0, lambda)) << "seed " << seed;
        } else {
          EXPECT_LE(std::abs(c(j)), lambda + 1e-8 * std::max(1.0, lambda)) << "seed " << seed;
        }
      }
      if (s > 0) {
        EXPECT_LE(path.alphas[s], path.alphas[s - 1] + 1e-12);
      }
    }
    // The end of the path is the least-squares fit.
    const Eigen::VectorXd ls = x.colPivHouseholderQr().solve(y);
    EXPECT_LT((path.coefs.back() - ls).cwiseAbs().maxCoeff(), 1e-8);
  }
}

TEST(Lasso, AtAFixedPenaltyMeetsItsConditionsWithTheIntercept) {
  const Eigen::MatrixXd x = random_matrix(50, 6, 9);
  const Eigen::VectorXd y = (x.col(0) * 3.0 - x.col(3)).array() + 2.0;
  const double alpha = 0.2;
  const LinearFit fit = lasso(x, y, alpha);
  const Eigen::VectorXd r = y - fit.predict(x);
  EXPECT_NEAR(r.sum(), 0.0, 1e-8);
  const Eigen::VectorXd c = x.transpose() * r / 50.0;
  for (int j = 0; j < 6; ++j) {
    if (fit.coef(j) != 0.0) {
      EXPECT_NEAR(c(j), alpha * (fit.coef(j) > 0 ? 1 : -1), 1e-8);
    } else {
      EXPECT_LE(std::abs(c(j)), alpha + 1e-8);
    }
  }
  EXPECT_GT(fit.coef(0), 2.0);
  EXPECT_LT(fit.coef(3), -0.5);
}

TEST(FeatureSelection, FindsTheInformativeColumns) {
  Rng rng(4);
  Eigen::MatrixXd x(200, 6);
  for (int r = 0; r < 200; ++r)
    for (int c = 0; c < 6; ++c) x(r, c) = static_cast<double>(rng.next_u64() >> 63);
  const Eigen::VectorXd y = x.col(1) * 2.0 - x.col(4) * 3.0 + x.col(0) * 0.01;
  const Eigen::VectorXd w = Eigen::VectorXd::Ones(200);
  for (auto select : {forward_selection, highest_weights, lasso_path_selection}) {
    std::vector<int> chosen = select(x, y, w, 2);
    std::sort(chosen.begin(), chosen.end());
    EXPECT_EQ(chosen, (std::vector<int>{1, 4}));
  }
}

// Every solver refuses NaN and Inf by its name and the entry; none returns an index or a value built
// on them (forward selection once returned column -1, which its caller used as a column).
TEST(NonFiniteInputs, EverySolverRefusesThemByName) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Eigen::MatrixXd x = random_matrix(30, 4, 5);
  const Eigen::VectorXd y = random_matrix(30, 1, 6).col(0);
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(30, 0.5);
  Eigen::VectorXd y_nan = y;
  y_nan(3) = nan;
  Eigen::MatrixXd x_inf = x;
  x_inf(7, 2) = inf;
  Eigen::VectorXd w_inf = w;
  w_inf(0) = -inf;
  EXPECT_THROW_WITH(weighted_ridge(x, y_nan, w, 1.0), Error, "ridge: NaN in the targets y at row 3");
  EXPECT_THROW_WITH(weighted_ridge(x_inf, y, w, 1.0), Error, "ridge: +Inf in the design matrix x at row 7, column 2");
  EXPECT_THROW_WITH(weighted_ridge(x, y, w_inf, 1.0), Error, "ridge: -Inf in the sample weights w at row 0");
  EXPECT_THROW_WITH(weighted_ridge(x, y, w, nan), Error, "ridge: the penalty alpha");
  EXPECT_THROW_WITH(weighted_r2(y, y_nan, w), Error, "weighted R^2: NaN in the predictions at row 3");
  EXPECT_THROW_WITH(forward_selection(x, y_nan, w, 2), Error, "forward_selection: NaN in the targets y");
  EXPECT_THROW_WITH(highest_weights(x_inf, y, w, 2), Error, "highest_weights: +Inf in the design matrix x");
  EXPECT_THROW_WITH(lasso_path_selection(x, y_nan, w, 2), Error, "lasso_path: NaN in the targets y");
  EXPECT_THROW_WITH(lars_path(x_inf, y, true, 10), Error, "lars_path (lasso): +Inf in the design matrix x");
  EXPECT_THROW_WITH(lars_path(x, y_nan, false, 10), Error, "lars_path: NaN in the targets y");
  EXPECT_THROW_WITH(lasso(x, y_nan, 0.1), Error, "lasso: NaN in the targets y");
  EXPECT_THROW_WITH(lasso(x, y, inf), Error, "lasso: the penalty alpha");
  std::vector<double> values(16, 0.5);
  values[5] = inf;
  EXPECT_THROW_WITH(shapley_from_values(values, 4), Error, "exact_shapley: +Inf in the coalition values at row 5");
}

TEST(NonFiniteInputs, ForwardSelectionReturnsValidColumnsOnFiniteInput) {
  // A constant target: every R² ties (sklearn's 1 for a perfect fit), and a column is still chosen.
  const Eigen::MatrixXd x = random_matrix(20, 5, 8);
  const Eigen::VectorXd y = Eigen::VectorXd::Constant(20, 2.0);
  const Eigen::VectorXd w = Eigen::VectorXd::Ones(20);
  const std::vector<int> used = forward_selection(x, y, w, 3);
  ASSERT_EQ(used.size(), 3u);
  for (int c : used) {
    EXPECT_GE(c, 0);
    EXPECT_LT(c, 5);
  }
}

}  // namespace
}  // namespace hearsay::methods
