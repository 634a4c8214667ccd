// Linear surrogate solvers shared by LIME and KernelSHAP, in double precision with Eigen. They follow
// the definitions of the reference libraries: sklearn's Ridge with sample weights and intercept,
// sklearn's weighted R² (r2_score), lime's feature selections (lime_base.py), and least-angle
// regression with the lasso modification (Efron, Hastie, Johnstone & Tibshirani, "Least angle
// regression", Annals of Statistics 2004; sklearn's lars_path).
//
// Every solver refuses non-finite inputs with an Error naming itself and the entry: a least-squares
// problem with a NaN has no meaningful answer, and comparisons with NaN select nothing (forward
// selection once returned column -1 and the caller corrupted the heap with it).
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

namespace hearsay::methods {

struct LinearFit {
  Eigen::VectorXd coef;
  double intercept = 0.0;
  Eigen::VectorXd predict(const Eigen::MatrixXd& x) const;
};

/// argmin Σ w_i (y_i − b − x_i·β)² + α‖β‖² with an unpenalised intercept (sklearn Ridge with
/// sample_weight). α = 0 gives the minimum-norm weighted least-squares solution.
LinearFit weighted_ridge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& w, double alpha);

/// 1 − Σ w (y − ŷ)² / Σ w (y − ȳ_w)²; 1 when both vanish, 0 when only the denominator does (sklearn).
double weighted_r2(const Eigen::VectorXd& y, const Eigen::VectorXd& prediction, const Eigen::VectorXd& w);

/// The regularisation path of LARS on (x, y) (no centring, as sklearn's lars_path): coefficients at
/// each breakpoint, alphas = max |xᵀ r| / n_samples there, and the active set at the end.
struct LarsPath {
  std::vector<double> alphas;
  std::vector<Eigen::VectorXd> coefs;
  std::vector<int> active;
};
LarsPath lars_path(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, bool lasso, int max_steps);

/// Lasso solution argmin (1/2n)‖y − b − Xβ‖² + α‖β‖₁ (sklearn Lasso with intercept), read off the path.
LinearFit lasso(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double alpha);

/// lime's feature selections (lime_base.LimeBase.feature_selection): indices of the chosen columns.
std::vector<int> forward_selection(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& w, int k);
std::vector<int> highest_weights(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& w, int k);
std::vector<int> lasso_path_selection(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& w,
                                      int k);

/// Throws Error "<who>: NaN in <what> at row r, column c" at the first non-finite entry.
void require_finite(const std::string& who, const std::string& what, const Eigen::Ref<const Eigen::MatrixXd>& values);
/// Same for a vector of values.
void require_finite(const std::string& who, const std::string& what, const std::vector<double>& values);

/// Columns `columns` of x.
Eigen::MatrixXd take_columns(const Eigen::MatrixXd& x, const std::vector<int>& columns);

}  // namespace hearsay::methods
