#include "methods/solvers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <Eigen/Dense>

#include "core/error.h"

namespace hearsay::methods {

using Eigen::MatrixXd;
using Eigen::VectorXd;

void require_finite(const std::string& who, const std::string& what, const Eigen::Ref<const MatrixXd>& values) {
  for (Eigen::Index c = 0; c < values.cols(); ++c)
    for (Eigen::Index r = 0; r < values.rows(); ++r) {
      const double v = values(r, c);
      if (std::isfinite(v)) continue;
      throw Error(message(who, ": ", std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf"), " in ", what, " at row ", r,
                          values.cols() > 1 ? message(", column ", c) : std::string(), "; a fit needs finite values"));
    }
}

void require_finite(const std::string& who, const std::string& what, const std::vector<double>& values) {
  require_finite(who, what, Eigen::Map<const VectorXd>(values.data(), static_cast<Eigen::Index>(values.size())));
}

namespace {
// The inputs every weighted solver takes, checked in one place.
void require_finite_problem(const char* who, const MatrixXd& x, const VectorXd& y, const VectorXd* w = nullptr) {
  require_finite(who, "the design matrix x", x);
  require_finite(who, "the targets y", y);
  if (w) require_finite(who, "the sample weights w", *w);
}
}  // namespace

Eigen::VectorXd LinearFit::predict(const MatrixXd& x) const { return (x * coef).array() + intercept; }

LinearFit weighted_ridge(const MatrixXd& x, const VectorXd& y, const VectorXd& w, double alpha) {
  HEARSAY_CHECK_AS(ShapeError, x.rows() == y.size() && y.size() == w.size(), "ridge: ", x.rows(), " rows, ", y.size(),
                   " targets, ", w.size(), " weights");
  require_finite_problem("ridge", x, y, &w);
  HEARSAY_CHECK(std::isfinite(alpha) && alpha >= 0.0, "ridge: the penalty alpha must be finite and >= 0, got ", alpha);
  const double total = w.sum();
  HEARSAY_CHECK(total > 0.0, "ridge: the sample weights sum to zero");
  const VectorXd x_mean = (x.transpose() * w) / total;
  const double y_mean = w.dot(y) / total;
  const VectorXd root = w.array().sqrt();
  const MatrixXd xs = (x.rowwise() - x_mean.transpose()).array().colwise() * root.array();
  const VectorXd ys = (y.array() - y_mean) * root.array();
  LinearFit fit;
  if (x.cols() == 0) {
    fit.coef = VectorXd(0);
  } else if (alpha > 0.0) {
    MatrixXd normal = xs.transpose() * xs;
    normal.diagonal().array() += alpha;
    fit.coef = normal.ldlt().solve(xs.transpose() * ys);
  } else {
    fit.coef = xs.completeOrthogonalDecomposition().solve(ys);
  }
  fit.intercept = y_mean - x_mean.dot(fit.coef);
  return fit;
}

double weighted_r2(const VectorXd& y, const VectorXd& prediction, const VectorXd& w) {
  require_finite("weighted R^2", "the targets y", y);
  require_finite("weighted R^2", "the predictions", prediction);
  require_finite("weighted R^2", "the sample weights w", w);
  const double y_mean = w.dot(y) / w.sum();
  const double numerator = (w.array() * (y - prediction).array().square()).sum();
  const double denominator = (w.array() * (y.array() - y_mean).square()).sum();
  if (denominator == 0.0) return numerator == 0.0 ? 1.0 : 0.0;
  return 1.0 - numerator / denominator;
}

MatrixXd take_columns(const MatrixXd& x, const std::vector<int>& columns) {
  MatrixXd out(x.rows(), static_cast<Eigen::Index>(columns.size()));
  for (size_t j = 0; j < columns.size(); ++j) out.col(static_cast<Eigen::Index>(j)) = x.col(columns[j]);
  return out;
}

LarsPath lars_path(const MatrixXd& x, const VectorXd& y, bool lasso, int max_steps) {
  require_finite_problem(lasso ? "lars_path (lasso)" : "lars_path", x, y);
  const auto n = static_cast<double>(x.rows());
  const Eigen::Index p = x.cols();
  constexpr double kTiny = 1e-12;
  VectorXd beta = VectorXd::Zero(p);
  VectorXd c = x.transpose() * y;
  LarsPath path;
  std::vector<int> active;
  std::vector<bool> is_active(static_cast<size_t>(p), false);
  auto record = [&](double big_c) {
    path.coefs.push_back(beta);
    path.alphas.push_back(big_c / n);
  };
  Eigen::Index first = 0;
  double big_c = p > 0 ? c.cwiseAbs().maxCoeff(&first) : 0.0;
  record(big_c);
  if (p == 0 || big_c < kTiny) return path;
  active.push_back(static_cast<int>(first));
  is_active[static_cast<size_t>(first)] = true;

  const Eigen::Index max_active = std::min<Eigen::Index>(p, x.rows());
  for (int step = 0; step < max_steps && !active.empty(); ++step) {
    const auto k = static_cast<Eigen::Index>(active.size());
    VectorXd signs(k);
    MatrixXd xa(x.rows(), k);
    for (Eigen::Index i = 0; i < k; ++i) {
      signs(i) = c(active[static_cast<size_t>(i)]) >= 0.0 ? 1.0 : -1.0;
      xa.col(i) = x.col(active[static_cast<size_t>(i)]) * signs(i);
    }
    const MatrixXd gram = xa.transpose() * xa;
    const VectorXd g1 = gram.completeOrthogonalDecomposition().solve(VectorXd::Ones(k));
    const double aa = 1.0 / std::sqrt(std::max(g1.sum(), kTiny));
    const VectorXd wa = aa * g1;
    const VectorXd u = xa * wa;
    const VectorXd a = x.transpose() * u;

    // Step until an inactive variable's correlation ties with the active ones (or to the LS fit).
    double gamma = big_c / aa;
    int entering = -1;
    if (k < max_active) {
      for (Eigen::Index j = 0; j < p; ++j) {
        if (is_active[static_cast<size_t>(j)]) continue;
        for (double g : {(big_c - c(j)) / (aa - a(j)), (big_c + c(j)) / (aa + a(j))}) {
          if (g > kTiny && g < gamma) {
            gamma = g;
            entering = static_cast<int>(j);
          }
        }
      }
    }
    // Lasso modification: stop where an active coefficient would cross zero, and drop it.
    int dropping = -1;
    if (lasso) {
      for (Eigen::Index i = 0; i < k; ++i) {
        const int j = active[static_cast<size_t>(i)];
        const double direction = signs(i) * wa(i);
        const double g = -beta(j) / direction;
        if (g > kTiny && g < gamma) {
          gamma = g;
          dropping = j;
          entering = -1;
        }
      }
    }
    for (Eigen::Index i = 0; i < k; ++i) beta(active[static_cast<size_t>(i)]) += gamma * signs(i) * wa(i);
    if (dropping >= 0) beta(dropping) = 0.0;
    c = x.transpose() * (y - x * beta);
    big_c = std::max(0.0, big_c - gamma * aa);
    record(big_c);
    if (dropping >= 0) {
      active.erase(std::find(active.begin(), active.end(), dropping));
      is_active[static_cast<size_t>(dropping)] = false;
    } else if (entering >= 0) {
      active.push_back(entering);
      is_active[static_cast<size_t>(entering)] = true;
    } else {
      break;  // reached the least-squares fit of the active set
    }
    if (big_c < kTiny * std::max(1.0, path.alphas.front() * n)) break;
  }
  path.active = active;
  return path;
}

LinearFit lasso(const MatrixXd& x, const VectorXd& y, double alpha) {
  require_finite_problem("lasso", x, y);
  HEARSAY_CHECK(std::isfinite(alpha) && alpha >= 0.0, "lasso: the penalty alpha must be finite and >= 0, got ", alpha);
  const VectorXd x_mean = x.colwise().mean();
  const double y_mean = y.mean();
  const MatrixXd xc = x.rowwise() - x_mean.transpose();
  const VectorXd yc = y.array() - y_mean;
  const LarsPath path = lars_path(xc, yc, /*lasso=*/true, static_cast<int>(8 * std::max<Eigen::Index>(x.cols(), 1)));
  LinearFit fit;
  fit.coef = path.coefs.back();
  // Alphas decrease along the path; the solution is linear between breakpoints.
  for (size_t s = 0; s + 1 < path.alphas.size(); ++s) {
    if (alpha >= path.alphas[s + 1]) {
      if (alpha >= path.alphas[s]) {
        fit.coef = path.coefs[s];
      } else {
        const double t = (path.alphas[s] - alpha) / (path.alphas[s] - path.alphas[s + 1]);
        fit.coef = (1.0 - t) * path.coefs[s] + t * path.coefs[s + 1];
      }
      break;
    }
  }
  fit.intercept = y_mean - x_mean.dot(fit.coef);
  return fit;
}

std::vector<int> forward_selection(const MatrixXd& x, const VectorXd& y, const VectorXd& w, int k) {
  require_finite_problem("forward_selection", x, y, &w);
  std::vector<int> used;
  const int limit = std::min<int>(k, static_cast<int>(x.cols()));
  for (int round = 0; round < limit; ++round) {
    double best_score = -std::numeric_limits<double>::infinity();
    int best = -1;
    for (int f = 0; f < x.cols(); ++f) {
      if (std::find(used.begin(), used.end(), f) != used.end()) continue;
      std::vector<int> trial = used;
      trial.push_back(f);
      const MatrixXd xt = take_columns(x, trial);
      const LinearFit fit = weighted_ridge(xt, y, w, 0.0);
      const double score = weighted_r2(y, fit.predict(xt), w);
      if (score > best_score) {
        best_score = score;
        best = f;
      }
    }
    // Finite inputs give finite scores; this guards the index the caller will use, whatever happens.
    HEARSAY_CHECK(best >= 0, "forward_selection: no remaining column gave a finite R^2 in round ", round + 1);
    used.push_back(best);
  }
  return used;
}

std::vector<int> highest_weights(const MatrixXd& x, const VectorXd& y, const VectorXd& w, int k) {
  require_finite_problem("highest_weights", x, y, &w);
  // lime weighs each coefficient by the explained instance's value; here that row is all ones.
  const LinearFit fit = weighted_ridge(x, y, w, 0.0);
  std::vector<int> order(static_cast<size_t>(x.cols()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return std::abs(fit.coef(a)) > std::abs(fit.coef(b)); });
  order.resize(static_cast<size_t>(std::min<int>(k, static_cast<int>(order.size()))));
  return order;
}

std::vector<int> lasso_path_selection(const MatrixXd& x, const VectorXd& y, const VectorXd& w, int k) {
  require_finite_problem("lasso_path", x, y, &w);
  const double total = w.sum();
  const VectorXd x_mean = (x.transpose() * w) / total;
  const double y_mean = w.dot(y) / total;
  const VectorXd root = w.array().sqrt();
  const MatrixXd xw = (x.rowwise() - x_mean.transpose()).array().colwise() * root.array();
  const VectorXd yw = (y.array() - y_mean) * root.array();
  const LarsPath path = lars_path(xw, yw, /*lasso=*/true, static_cast<int>(8 * std::max<Eigen::Index>(x.cols(), 1)));
  // The last point on the path with at most k non-zero coefficients (lime walks back from the end).
  std::vector<int> chosen;
  for (size_t s = path.coefs.size(); s-- > 1;) {
    chosen.clear();
    for (Eigen::Index j = 0; j < path.coefs[s].size(); ++j)
      if (path.coefs[s](j) != 0.0) chosen.push_back(static_cast<int>(j));
    if (static_cast<int>(chosen.size()) <= k) break;
  }
  return chosen;
}

}  // namespace hearsay::methods
