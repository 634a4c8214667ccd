#include "methods/kernel_shap.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <Eigen/Dense>

#include "core/error.h"
#include "core/random.h"
#include "methods/solvers.h"

namespace hearsay::methods {

Capabilities KernelShap::capabilities() const {
  Capabilities c;
  c.stochastic = true;
  return c;
}

namespace {

double binomial(int64_t n, int64_t k) {
  return std::exp(std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
                  std::lgamma(static_cast<double>(n - k) + 1));
}

// Calls f(indices) for every k-subset of {0..n-1} in lexicographic order.
template <class F>
void for_each_combination(int64_t n, int64_t k, F&& f) {
  std::vector<int64_t> idx(static_cast<size_t>(k));
  std::iota(idx.begin(), idx.end(), 0);
  for (;;) {
    f(idx);
    int64_t i = k - 1;
    while (i >= 0 && idx[static_cast<size_t>(i)] == n - k + i) --i;
    if (i < 0) return;
    ++idx[static_cast<size_t>(i)];
    for (int64_t j = i + 1; j < k; ++j) idx[static_cast<size_t>(j)] = idx[static_cast<size_t>(j - 1)] + 1;
  }
}

}  // namespace

Coalitions sample_coalitions(int64_t m, int64_t budget, uint64_t seed) {
  HEARSAY_CHECK_AS(ConfigError, m >= 2, "kernel_shap needs at least 2 components, got ", m);
  if (m <= 30) budget = std::min<int64_t>(budget, (int64_t{1} << m) - 2);
  Coalitions out;
  std::vector<std::vector<uint8_t>> rows;
  std::vector<double> weights;
  auto add = [&](const std::vector<uint8_t>& mask, double w) {
    rows.push_back(mask);
    weights.push_back(w);
  };

  const int64_t num_sizes = (m + 1) / 2;   // ceil((M - 1) / 2) sizes, each with its complement
  const int64_t num_paired = (m - 1) / 2;  // sizes whose complement is a different size
  std::vector<double> size_weight(static_cast<size_t>(num_sizes));
  for (int64_t s = 1; s <= num_sizes; ++s) size_weight[static_cast<size_t>(s - 1)] = (m - 1.0) / (s * (m - s));
  for (int64_t s = 1; s <= num_paired; ++s) size_weight[static_cast<size_t>(s - 1)] *= 2.0;
  const double total = std::accumulate(size_weight.begin(), size_weight.end(), 0.0);
  for (auto& v : size_weight) v /= total;

  // Enumerate whole sizes while the budget covers each one's share of the kernel weight.
  std::vector<double> remaining = size_weight;
  int64_t left = budget;
  std::vector<uint8_t> mask(static_cast<size_t>(m));
  for (int64_t s = 1; s <= num_sizes; ++s) {
    double subsets = binomial(m, s);
    if (s <= num_paired) subsets *= 2.0;
    if (static_cast<double>(left) * remaining[static_cast<size_t>(s - 1)] / subsets < 1.0 - 1e-8) break;
    ++out.full_sizes;
    left -= static_cast<int64_t>(std::llround(subsets));
    const double taken = remaining[static_cast<size_t>(s - 1)];
    if (taken < 1.0)
      for (auto& v : remaining) v /= (1.0 - taken);
    double w = size_weight[static_cast<size_t>(s - 1)] / binomial(m, s);
    if (s <= num_paired) w /= 2.0;
    for_each_combination(m, s, [&](const std::vector<int64_t>& idx) {
      std::fill(mask.begin(), mask.end(), 0);
      for (int64_t i : idx) mask[static_cast<size_t>(i)] = 1;
      add(mask, w);
      if (s <= num_paired) {
        for (auto& v : mask) v = static_cast<uint8_t>(1 - v);
        add(mask, w);
      }
    });
  }

  // Sample the rest: a size by the remaining kernel weight, a random coalition, and its complement.
  const auto fixed = static_cast<int64_t>(rows.size());
  std::vector<int64_t> unit(rows.size(), -1);
  if (out.full_sizes != num_sizes && left > 0) {
    std::vector<double> p(size_weight.begin() + out.full_sizes, size_weight.end());
    for (int64_t s = out.full_sizes + 1; s <= num_paired; ++s) p[static_cast<size_t>(s - 1 - out.full_sizes)] /= 2.0;
    Rng rng(seed);
    std::map<std::vector<uint8_t>, int64_t> seen;
    std::vector<int64_t> order(static_cast<size_t>(m));
    for (int64_t draw = 0; left > 0 && draw < 4 * budget; ++draw) {
      const int64_t s = static_cast<int64_t>(rng.categorical(p)) + out.full_sizes + 1;
      std::iota(order.begin(), order.end(), 0);
      rng.shuffle(order);
      std::fill(mask.begin(), mask.end(), 0);
      for (int64_t i = 0; i < s; ++i) mask[static_cast<size_t>(order[static_cast<size_t>(i)])] = 1;
      auto it = seen.find(mask);
      const bool fresh = it == seen.end();
      const int64_t first = fresh ? static_cast<int64_t>(rows.size()) : it->second;
      out.draws.push_back(first);
      if (fresh) {
        seen[mask] = first;
        add(mask, 1.0);
        unit.push_back(first);
        --left;
      } else {
        weights[static_cast<size_t>(first)] += 1.0;
      }
      if (left > 0 && s <= num_paired) {
        for (auto& v : mask) v = static_cast<uint8_t>(1 - v);
        if (fresh) {
          add(mask, 1.0);
          unit.push_back(first);
          --left;
        } else {
          weights[static_cast<size_t>(first + 1)] += 1.0;
        }
      }
    }
    const double weight_left = std::accumulate(size_weight.begin() + out.full_sizes, size_weight.end(), 0.0);
    const double drawn = std::accumulate(weights.begin() + fixed, weights.end(), 0.0);
    for (size_t r = static_cast<size_t>(fixed); r < weights.size(); ++r) weights[r] *= weight_left / drawn;
    out.sampled_weight = weight_left;
  }
  out.masks = Matrix<uint8_t>(static_cast<int64_t>(rows.size()), m);
  for (size_t r = 0; r < rows.size(); ++r)
    std::copy(rows[r].begin(), rows[r].end(), out.masks.row(static_cast<int64_t>(r)));
  out.weights = std::move(weights);
  out.unit = std::move(unit);
  return out;
}

namespace {

// shap's constrained weighted least squares on the columns `chosen`: the last chosen variable is
// eliminated (φ_last = Δ − Σ the others, so efficiency holds exactly) and the rest solved by LDLT, or
// by a complete orthogonal decomposition when the system is singular. φ of the others is 0.
struct ConstrainedFit {
  Eigen::VectorXd phi;
  bool singular = false;
};

ConstrainedFit solve_constrained(const Eigen::MatrixXd& z, const Eigen::VectorXd& w, const Eigen::VectorXd& y_adj,
                                 double delta, const std::vector<int>& chosen) {
  ConstrainedFit fit;
  fit.phi = Eigen::VectorXd::Zero(z.cols());
  if (chosen.empty()) return fit;
  const int last = chosen.back();
  const auto k = static_cast<Eigen::Index>(chosen.size()) - 1;
  Eigen::MatrixXd e(z.rows(), k);
  for (Eigen::Index j = 0; j < k; ++j) e.col(j) = z.col(chosen[static_cast<size_t>(j)]) - z.col(last);
  const Eigen::VectorXd y2 = y_adj - z.col(last) * delta;
  double sum = 0.0;
  if (k > 0) {
    const Eigen::MatrixXd ew = e.transpose() * w.asDiagonal();
    const Eigen::MatrixXd normal = ew * e;
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(normal);
    fit.singular = ldlt.info() != Eigen::Success || ldlt.vectorD().cwiseAbs().minCoeff() < 1e-12 * normal.norm();
    const Eigen::VectorXd phi = fit.singular ? Eigen::VectorXd(normal.completeOrthogonalDecomposition().solve(ew * y2))
                                             : Eigen::VectorXd(ldlt.solve(ew * y2));
    for (Eigen::Index j = 0; j < k; ++j) {
      fit.phi(chosen[static_cast<size_t>(j)]) = phi(j);
      sum += phi(j);
    }
  }
  fit.phi(last) = delta - sum;
  return fit;
}

// Bootstrap standard errors of φ (see kernel_shap.h): the sampled draws resampled with replacement,
// each replicate's sampled rows weighted by its draws as sample_coalitions weights them.
Eigen::VectorXd bootstrap_standard_errors(const Coalitions& c, const Eigen::MatrixXd& z, const Eigen::VectorXd& y_adj,
                                          double delta, const std::vector<int>& chosen, int replicates, uint64_t seed) {
  const auto n = static_cast<Eigen::Index>(c.weights.size());
  const auto draws = static_cast<int64_t>(c.draws.size());
  std::vector<double> unit_rows(c.unit.size(), 0.0);
  for (int64_t u : c.unit)
    if (u >= 0) unit_rows[static_cast<size_t>(u)] += 1.0;
  Rng rng(derive_seed(seed, 0x6b7368617020ULL));  // a stream of its own: the sampler's draws stay as they were
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(z.cols());
  Eigen::VectorXd square = Eigen::VectorXd::Zero(z.cols());
  std::vector<double> count(c.unit.size());
  Eigen::VectorXd w(n);
  for (int b = 0; b < replicates; ++b) {
    std::fill(count.begin(), count.end(), 0.0);
    for (int64_t d = 0; d < draws; ++d)
      count[static_cast<size_t>(c.draws[static_cast<size_t>(rng.uniform_int(0, draws - 1))])] += 1.0;
    double drawn = 0.0;
    for (size_t u = 0; u < count.size(); ++u) drawn += count[u] * unit_rows[u];
    for (Eigen::Index r = 0; r < n; ++r) {
      const int64_t u = c.unit[static_cast<size_t>(r)];
      w(r) = u < 0 ? c.weights[static_cast<size_t>(r)] : count[static_cast<size_t>(u)] * c.sampled_weight / drawn;
    }
    const Eigen::VectorXd phi = solve_constrained(z, w, y_adj, delta, chosen).phi;
    // Welford's update: one pass, stable, in replicate order.
    const Eigen::VectorXd diff = phi - mean;
    mean += diff / static_cast<double>(b + 1);
    square += diff.cwiseProduct(phi - mean);
  }
  return (square / static_cast<double>(std::max(replicates - 1, 1))).cwiseSqrt();
}

}  // namespace

void KernelShap::run(const ExplainRequest& request, int target, Explanation& out) const {
  const KernelShapOptions& o = settings();
  Evaluator& evaluator = *request.evaluator;
  const int64_t m = evaluator.components();
  const int64_t budget = o.num_samples > 0 ? o.num_samples : 2 * m + 2048;
  const Coalitions c = sample_coalitions(m, budget, request.seed);
  const std::vector<double> outputs = evaluator.outputs(c.masks, target, request.output);
  require_finite("kernel_shap", "the coalition outputs", outputs);
  require_finite("kernel_shap", "f(all) and f(none)", std::vector<double>{out.full_output, out.empty_output});
  const double f_none = out.empty_output;
  const double delta = out.full_output - f_none;
  const auto n = static_cast<Eigen::Index>(c.weights.size());

  Eigen::MatrixXd z(n, m);
  for (Eigen::Index r = 0; r < n; ++r)
    for (int64_t i = 0; i < m; ++i) z(r, i) = c.masks(r, i);
  const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(c.weights.data(), n);
  const Eigen::VectorXd y_adj = Eigen::Map<const Eigen::VectorXd>(outputs.data(), n).array() - f_none;

  // Optional L1 selection on shap's augmented problem (each row twice, weighted by M - |z| and |z|).
  std::vector<int> chosen(static_cast<size_t>(m));
  std::iota(chosen.begin(), chosen.end(), 0);
  if (o.l1 != L1Mode::none) {
    Eigen::MatrixXd aug(2 * n, m);
    Eigen::VectorXd y_aug(2 * n);
    for (Eigen::Index r = 0; r < n; ++r) {
      const double s = z.row(r).sum();
      const double w1 = std::sqrt(w(r) * (static_cast<double>(m) - s));
      const double w2 = std::sqrt(w(r) * s);
      aug.row(r) = w1 * z.row(r);
      aug.row(n + r) = w2 * (z.row(r).array() - 1.0).matrix();
      y_aug(r) = w1 * y_adj(r);
      y_aug(n + r) = w2 * (y_adj(r) - delta);
    }
    if (o.l1 == L1Mode::num_features) {
      chosen = lars_path(aug, y_aug, /*lasso=*/false, o.l1_features).active;
      std::sort(chosen.begin(), chosen.end());
    } else {
      const LinearFit fit = lasso(aug, y_aug, o.l1_alpha);
      chosen.clear();
      for (int i = 0; i < m; ++i)
        if (fit.coef(i) != 0.0) chosen.push_back(i);
    }
  }
  out.intercept = f_none;
  out.diagnostics["coalitions"] = n;
  out.diagnostics["sizes_enumerated"] = c.full_sizes;
  const ConstrainedFit fit = solve_constrained(z, w, y_adj, delta, chosen);
  out.scores.assign(fit.phi.data(), fit.phi.data() + m);
  if (chosen.empty()) return;
  if (chosen.size() > 1) out.diagnostics["singular_system"] = fit.singular;
  nlohmann::json names = nlohmann::json::array();
  for (int i : chosen) names.push_back(out.names[static_cast<size_t>(i)]);
  out.diagnostics["components_in_fit"] = names;
  report_convergence(c, z, y_adj, delta, chosen, request.seed, out);
}

void KernelShap::report_convergence(const Coalitions& c, const Eigen::MatrixXd& z, const Eigen::VectorXd& y_adj,
                                    double delta, const std::vector<int>& chosen, uint64_t seed,
                                    Explanation& out) const {
  const KernelShapOptions& o = settings();
  if (o.bootstrap_replicates == 0) return;
  const bool sampled = !c.draws.empty();
  const Eigen::VectorXd se = sampled
                                 ? bootstrap_standard_errors(c, z, y_adj, delta, chosen, o.bootstrap_replicates, seed)
                                 : Eigen::VectorXd(Eigen::VectorXd::Zero(z.cols()));
  const auto [lo, hi] = std::minmax_element(out.scores.begin(), out.scores.end());
  const double range = *hi - *lo;
  Eigen::Index worst = 0;
  const double largest = se.size() ? se.maxCoeff(&worst) : 0.0;
  const bool converged = largest <= o.convergence_threshold * range;
  out.diagnostics["standard_errors"] = std::vector<double>(se.data(), se.data() + se.size());
  out.diagnostics["convergence_ratio"] = range > 0.0 ? nlohmann::json(largest / range) : nlohmann::json(nullptr);
  out.diagnostics["converged"] = converged;
  out.diagnostics["bootstrap_replicates"] = sampled ? o.bootstrap_replicates : 0;
  if (!converged)
    out.warnings.push_back(
        message("kernel_shap has not converged: the largest bootstrap standard error (", largest, ", component '",
                out.names[static_cast<size_t>(worst)], "') is ",
                range > 0.0 ? message(largest / range) : std::string("infinite"), " times the range of the values (",
                range, "), above convergence_threshold = ", o.convergence_threshold,
                " (Covert & Lee 2021); raise num_samples (", z.rows(), " coalitions were evaluated)"));
}

}  // namespace hearsay::methods
