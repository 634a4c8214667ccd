#include "methods/kernel_shap.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <unordered_map>

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

// Copies the rows into out.masks.
void store_masks(const std::vector<std::vector<uint8_t>>& rows, int64_t m, Coalitions& out) {
  out.masks = Matrix<uint8_t>(static_cast<int64_t>(rows.size()), m);
  for (size_t r = 0; r < rows.size(); ++r)
    std::copy(rows[r].begin(), rows[r].end(), out.masks.row(static_cast<int64_t>(r)));
}

// shap's sampler (see kernel_shap.h).
Coalitions sample_shap(int64_t m, int64_t budget, uint64_t seed) {
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
    out.group_weight = {weight_left};
  }
  store_masks(rows, m, out);
  out.weights = std::move(weights);
  out.group.assign(out.weights.size(), 0);
  std::fill(out.group.begin(), out.group.begin() + fixed, -1);
  out.stratum.assign(out.draws.size(), 0);
  out.unit = std::move(unit);
  return out;
}

// Leverage SHAP's sampler (see kernel_shap.h). Size class j holds the coalitions of sizes j and M − j
// as pairs (a coalition and its complement); for j = M/2 both have that size, and a pair is counted
// once. Each size gets the same number of rows where it has that many: a pair adds a row to each of
// the class's two sizes, so the next pair goes to the class with the fewest pairs, counting the middle
// class's pairs twice (its pairs add two rows to one size).
Coalitions sample_leverage(int64_t m, int64_t budget, uint64_t seed) {
  const int64_t classes = m / 2;
  std::vector<double> capacity(static_cast<size_t>(classes));  // pairs in each class
  for (int64_t j = 1; j <= classes; ++j)
    capacity[static_cast<size_t>(j - 1)] = 2 * j == m ? binomial(m, j) / 2.0 : binomial(m, j);
  std::vector<int64_t> pairs(static_cast<size_t>(classes), 0);
  std::vector<std::set<std::vector<uint8_t>>> seen(static_cast<size_t>(classes));
  std::vector<Rng> rngs;
  for (int64_t j = 1; j <= classes; ++j)
    rngs.emplace_back(derive_seed(seed, 0x6c65765f00ULL + static_cast<uint64_t>(j)));

  Coalitions out;
  std::vector<std::vector<uint8_t>> rows;
  std::vector<uint8_t> mask(static_cast<size_t>(m));
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::vector<int64_t> size_rows(static_cast<size_t>(m + 1), 0);
  auto add = [&](const std::vector<uint8_t>& row, int64_t size, int64_t unit) {
    rows.push_back(row);
    out.unit.push_back(unit);
    out.group.push_back(static_cast<int>(size - 1));
    ++size_rows[static_cast<size_t>(size)];
  };
  for (int64_t left = budget; left > 0;) {
    int64_t best = -1;
    double best_key = 0.0;
    for (int64_t j = 1; j <= classes; ++j) {
      const auto k = static_cast<size_t>(j - 1);
      if (static_cast<double>(pairs[k]) >= capacity[k] - 0.5) continue;
      const double key = static_cast<double>(pairs[k] + 1) * (2 * j == m ? 2.0 : 1.0);
      if (best < 0 || key < best_key) {
        best = j;
        best_key = key;
      }
    }
    if (best < 0) break;
    const auto k = static_cast<size_t>(best - 1);
    // A fresh pair of the class: a uniform random coalition of size `best` (partial Fisher–Yates),
    // drawn again while the class has already given it (the middle class: it or its complement).
    for (;;) {
      std::iota(order.begin(), order.end(), 0);
      std::fill(mask.begin(), mask.end(), 0);
      for (int64_t i = 0; i < best; ++i) {
        std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rngs[k].uniform_int(i, m - 1))]);
        mask[static_cast<size_t>(order[static_cast<size_t>(i)])] = 1;
      }
      std::vector<uint8_t> key = mask;
      if (2 * best == m && key[0] == 0)
        for (auto& v : key) v = static_cast<uint8_t>(1 - v);
      if (seen[k].insert(std::move(key)).second) break;
    }
    ++pairs[k];
    const auto unit = static_cast<int64_t>(rows.size());
    out.draws.push_back(unit);
    out.stratum.push_back(static_cast<int>(k));
    add(mask, best, unit);
    --left;
    if (left > 0) {
      for (auto& v : mask) v = static_cast<uint8_t>(1 - v);
      add(mask, m - best, unit);
      --left;
    }
  }

  // Each size's share of the kernel weight, (M − 1) / (s (M − s)) normalised, spread evenly over its rows.
  std::vector<double> size_weight(static_cast<size_t>(m - 1));
  for (int64_t s = 1; s < m; ++s) size_weight[static_cast<size_t>(s - 1)] = (m - 1.0) / (s * (m - s));
  const double total = std::accumulate(size_weight.begin(), size_weight.end(), 0.0);
  for (auto& v : size_weight) v /= total;
  out.group_weight = size_weight;
  out.weights.resize(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto g = static_cast<size_t>(out.group[r]);
    out.weights[r] = size_weight[g] / static_cast<double>(size_rows[g + 1]);
  }
  // A class with every pair drawn is enumerated: its rows are fixed, its draws not resampled.
  std::vector<bool> complete(static_cast<size_t>(classes));
  for (int64_t j = 1; j <= classes; ++j) {
    const auto k = static_cast<size_t>(j - 1);
    complete[k] = static_cast<double>(pairs[k]) >= capacity[k] - 0.5 &&
                  size_rows[static_cast<size_t>(j)] + (2 * j == m ? 0 : size_rows[static_cast<size_t>(m - j)]) ==
                      std::llround(2.0 * capacity[k]);
    out.full_sizes += complete[k] ? 1 : 0;
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    int64_t size = 0;
    for (uint8_t v : rows[r]) size += v;
    if (complete[static_cast<size_t>(std::min(size, m - size) - 1)]) {
      out.unit[r] = -1;
      out.group[r] = -1;
    }
  }
  std::vector<int64_t> draws;
  std::vector<int> stratum;
  for (size_t d = 0; d < out.draws.size(); ++d)
    if (!complete[static_cast<size_t>(out.stratum[d])]) {
      draws.push_back(out.draws[d]);
      stratum.push_back(out.stratum[d]);
    }
  out.draws = std::move(draws);
  out.stratum = std::move(stratum);
  store_masks(rows, m, out);
  return out;
}

}  // namespace

Coalitions sample_coalitions(int64_t m, int64_t budget, uint64_t seed, Sampler sampler) {
  HEARSAY_CHECK_AS(ConfigError, m >= 2, "kernel_shap needs at least 2 components, got ", m);
  if (m <= 30) budget = std::min<int64_t>(budget, (int64_t{1} << m) - 2);
  return sampler == Sampler::shap ? sample_shap(m, budget, seed) : sample_leverage(m, budget, seed);
}

namespace {

// shap's constrained weighted least squares on the columns `chosen`: the last chosen variable is
// eliminated (φ_last = Δ − Σ the others, so efficiency holds exactly) and the rest solved by LDLT, or
// by a complete orthogonal decomposition when the system is singular. φ of the others is 0.
struct ConstrainedFit {
  Eigen::VectorXd phi;
  bool singular = false;
};

// The design of the constrained fit on `chosen`, which only the weights change between refits: the
// columns of the others minus the last, and the output with the last's share of Δ taken out.
struct ConstrainedDesign {
  std::vector<int> chosen;
  Eigen::MatrixXd e;
  Eigen::VectorXd y2;
  double delta = 0.0;
  Eigen::Index m = 0;
};

// The right-hand side of the constrained fit on `chosen` without the design's columns (e stays empty):
// all the bootstrap refits need besides the coalitions (solve_pairs).
ConstrainedDesign constrained_target(const Eigen::MatrixXd& z, const Eigen::VectorXd& y_adj, double delta,
                                     const std::vector<int>& chosen) {
  ConstrainedDesign d{chosen, {}, {}, delta, z.cols()};
  if (!chosen.empty()) d.y2 = y_adj - z.col(chosen.back()) * delta;
  return d;
}

ConstrainedDesign constrained_design(const Eigen::MatrixXd& z, const Eigen::VectorXd& y_adj, double delta,
                                     const std::vector<int>& chosen) {
  ConstrainedDesign d = constrained_target(z, y_adj, delta, chosen);
  if (chosen.empty()) return d;
  const int last = chosen.back();
  const auto k = static_cast<Eigen::Index>(chosen.size()) - 1;
  d.e.resize(z.rows(), k);
  for (Eigen::Index j = 0; j < k; ++j) d.e.col(j) = z.col(chosen[static_cast<size_t>(j)]) - z.col(last);
  return d;
}

// Solves the normal equations `normal` φ = `rhs` of a constrained design (LDLT, or a complete
// orthogonal decomposition when the system is singular) and puts the eliminated component back.
ConstrainedFit solve_normal(const ConstrainedDesign& d, Eigen::MatrixXd& normal, const Eigen::VectorXd& rhs) {
  ConstrainedFit fit;
  fit.phi = Eigen::VectorXd::Zero(d.m);
  const auto k = static_cast<Eigen::Index>(d.chosen.size()) - 1;  // the columns of e
  double sum = 0.0;
  if (k > 0) {
    normal.triangularView<Eigen::StrictlyUpper>() = normal.transpose();
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(normal);
    fit.singular = ldlt.info() != Eigen::Success || ldlt.vectorD().cwiseAbs().minCoeff() < 1e-12 * normal.norm();
    const Eigen::VectorXd phi = fit.singular ? Eigen::VectorXd(normal.completeOrthogonalDecomposition().solve(rhs))
                                             : Eigen::VectorXd(ldlt.solve(rhs));
    for (Eigen::Index j = 0; j < k; ++j) {
      fit.phi(d.chosen[static_cast<size_t>(j)]) = phi(j);
      sum += phi(j);
    }
  }
  fit.phi(d.chosen.back()) = d.delta - sum;
  return fit;
}

// The lower triangle of Σ_i scale_i² e_{row_i} e_{row_i}': the rows gathered column by column (the
// design is column-major: a row is strided, a column is contiguous), then one symmetric rank update,
// half a product's work.
Eigen::MatrixXd lower_normal(const Eigen::MatrixXd& e, const std::vector<Eigen::Index>& rows,
                             const std::vector<double>& scale) {
  const auto k = e.cols();
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd scaled(n, k);
  for (Eigen::Index j = 0; j < k; ++j) {
    const double* column = e.col(j).data();
    double* out = scaled.col(j).data();
    for (Eigen::Index i = 0; i < n; ++i) out[i] = scale[static_cast<size_t>(i)] * column[rows[static_cast<size_t>(i)]];
  }
  Eigen::MatrixXd normal = Eigen::MatrixXd::Zero(k, k);
  normal.selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
  return normal;
}

// The normal equations over the rows `gather` lists with their scale (√ of their weight), and the
// right-hand side it fills: the part the estimate and the bootstrap refits share.
template <class Gather>
ConstrainedFit solve_rows(const ConstrainedDesign& d, const Gather& gather) {
  if (d.chosen.empty()) return {Eigen::VectorXd::Zero(d.m), false};
  const auto k = d.e.cols();
  Eigen::MatrixXd normal;
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(k);
  if (k > 0) {
    std::vector<Eigen::Index> rows;
    std::vector<double> scale;
    gather(rows, scale, rhs);
    normal = lower_normal(d.e, rows, scale);
  }
  return solve_normal(d, normal, rhs);
}

ConstrainedFit solve_constrained(const ConstrainedDesign& d, const Eigen::VectorXd& w) {
  // The normal equations E'WE φ = E'W y2 over the rows of non-zero weight.
  return solve_rows(d, [&](std::vector<Eigen::Index>& rows, std::vector<double>& scale, Eigen::VectorXd& rhs) {
    for (Eigen::Index r = 0; r < w.size(); ++r)
      if (w(r) != 0.0) {
        rows.push_back(r);
        scale.push_back(std::sqrt(w(r)));
      }
    // Each entry summed over the rows in order, as a row-by-row accumulation would.
    for (Eigen::Index j = 0; j < rhs.size(); ++j) {
      const double* column = d.e.col(j).data();
      double acc = 0.0;
      for (const Eigen::Index r : rows) acc += (w(r) * d.y2(r)) * column[r];
      rhs(j) = acc;
    }
  });
}

ConstrainedFit solve_constrained(const Eigen::MatrixXd& z, const Eigen::VectorXd& w, const Eigen::VectorXd& y_adj,
                                 double delta, const std::vector<int>& chosen) {
  return solve_constrained(constrained_design(z, y_adj, delta, chosen), w);
}

// A coalition and its complement have opposite rows in the constrained design (e' = -e: each column
// is a difference of two 0/1 entries, both flipped), so their terms of the normal equations merge:
// (w + w') e e' in the matrix and (w y2 - w' y2') e in the right-hand side, half the rows to update.
// And either side of a pair can stand for it: the refits take the side holding fewer of the chosen
// components, whose row is e = σ (a - c 1), with a the indicator of its chosen components other than
// the last (a few indices), c whether it holds the last, and σ = +1 for the pair's first row, -1 for
// its complement. Then Σ W e e' = H - u 1' - 1 u' + t 1 1', where H = Σ W a a' is a sparse update of
// min(s, M - s)² / 2 cells for a coalition of size s, u = Σ W c a and t = Σ W c. The leverage
// sampler draws every size class alike, so this is about a tenth of the dense update's arithmetic,
// with no gathered copy of the design. The bootstrap refits use this; the estimate itself keeps its
// row-by-row arithmetic.
struct PairPatterns {
  std::vector<Eigen::Index> first;   // a row of each merged pair (or a row without its complement)
  std::vector<Eigen::Index> second;  // its complement's row, or -1
  std::vector<int32_t> start;        // pair p's positions are index[start[p], start[p + 1])
  std::vector<int32_t> index;        // positions j < k (in `chosen`) its standing side holds, ascending
  std::vector<uint8_t> last;         // c: whether the standing side holds the last chosen component
  std::vector<int8_t> sign;          // σ
};

PairPatterns pair_patterns(const Matrix<uint8_t>& masks, const std::vector<int>& chosen) {
  const int64_t m = masks.cols();
  std::unordered_map<std::string, Eigen::Index> row_of;
  row_of.reserve(static_cast<size_t>(masks.rows()));
  for (int64_t r = 0; r < masks.rows(); ++r)
    row_of.emplace(std::string(reinterpret_cast<const char*>(masks.row(r)), static_cast<size_t>(m)), r);
  PairPatterns pairs;
  std::vector<bool> used(static_cast<size_t>(masks.rows()), false);
  std::string complement(static_cast<size_t>(m), '\0');
  const size_t k = chosen.size() - 1;
  pairs.start.push_back(0);
  for (int64_t r = 0; r < masks.rows(); ++r) {
    if (used[static_cast<size_t>(r)]) continue;
    used[static_cast<size_t>(r)] = true;
    for (int64_t i = 0; i < m; ++i) complement[static_cast<size_t>(i)] = static_cast<char>(masks(r, i) ? 0 : 1);
    auto it = row_of.find(complement);
    Eigen::Index other = -1;
    if (it != row_of.end() && !used[static_cast<size_t>(it->second)]) {
      other = it->second;
      used[static_cast<size_t>(other)] = true;
    }
    pairs.first.push_back(r);
    pairs.second.push_back(other);
    const uint8_t* row = masks.row(r);
    size_t held = 0;
    for (const int j : chosen) held += row[j] ? 1 : 0;
    const uint8_t flip = 2 * held > chosen.size() ? 1 : 0;
    for (size_t j = 0; j < k; ++j)
      if ((row[chosen[j]] ? 1 : 0) != flip) pairs.index.push_back(static_cast<int32_t>(j));
    pairs.start.push_back(static_cast<int32_t>(pairs.index.size()));
    pairs.last.push_back(static_cast<uint8_t>((row[chosen.back()] ? 1 : 0) != flip));
    pairs.sign.push_back(static_cast<int8_t>(flip ? -1 : 1));
  }
  return pairs;
}

// The lower triangle of Σ W e e' and Σ (w y2 - w' y2') e over the pairs, for weights w and outputs y2.
void pair_normal(const PairPatterns& pairs, const Eigen::VectorXd& w, const Eigen::VectorXd& y2, Eigen::Index k,
                 Eigen::MatrixXd& normal, Eigen::VectorXd& rhs) {
  normal = Eigen::MatrixXd::Zero(k, k);  // H, then the lower triangle of Σ W e e'
  rhs = Eigen::VectorXd::Zero(k);
  Eigen::VectorXd u = Eigen::VectorXd::Zero(k);
  double t = 0.0;
  double rhs_last = 0.0;  // Σ σ v c, taken off every entry of the right-hand side
  for (size_t p = 0; p < pairs.first.size(); ++p) {
    const Eigen::Index a = pairs.first[p];
    const Eigen::Index b = pairs.second[p];
    const double wa = w(a);
    const double wb = b >= 0 ? w(b) : 0.0;
    const double weight = wa + wb;
    if (weight == 0.0) continue;
    const double v = pairs.sign[p] * (wa * y2(a) - (b >= 0 ? wb * y2(b) : 0.0));
    const int32_t* first = pairs.index.data() + pairs.start[p];
    const int32_t* end = pairs.index.data() + pairs.start[p + 1];
    for (const int32_t* i = first; i != end; ++i) {
      double* row = normal.data() + *i;  // row *i of the column-major matrix, at columns j <= *i
      for (const int32_t* j = first; j <= i; ++j) row[static_cast<Eigen::Index>(*j) * k] += weight;
      rhs(*i) += v;
    }
    if (pairs.last[p]) {
      for (const int32_t* i = first; i != end; ++i) u(*i) += weight;
      t += weight;
      rhs_last += v;
    }
  }
  for (Eigen::Index j = 0; j < k; ++j) {
    for (Eigen::Index i = j; i < k; ++i) normal(i, j) += t - u(i) - u(j);
    rhs(j) -= rhs_last;
  }
}

ConstrainedFit solve_pairs(const ConstrainedDesign& d, const PairPatterns& pairs, const Eigen::VectorXd& w) {
  if (d.chosen.empty()) return {Eigen::VectorXd::Zero(d.m), false};
  Eigen::MatrixXd normal;
  Eigen::VectorXd rhs;
  pair_normal(pairs, w, d.y2, static_cast<Eigen::Index>(d.chosen.size()) - 1, normal, rhs);
  return solve_normal(d, normal, rhs);
}

// Bootstrap replicates of φ (see kernel_shap.h), one per row: the sampled draws resampled with
// replacement within their strata, each weight group's total spread over its rows in proportion to
// their units' resampled draws, as the sampler spreads it over the draws. A group none of whose rows
// was resampled (a size class's one unpaired coalition drawn alone) keeps the sampler's weights.
Eigen::MatrixXd resampled_fits(const Coalitions& c, const Eigen::MatrixXd& z, const Eigen::VectorXd& y_adj,
                               double delta, const std::vector<int>& chosen, int replicates, uint64_t seed) {
  const auto n = static_cast<Eigen::Index>(c.weights.size());
  std::vector<std::vector<int64_t>> strata;
  for (size_t d = 0; d < c.draws.size(); ++d) {
    const auto k = static_cast<size_t>(c.stratum[d]);
    if (strata.size() <= k) strata.resize(k + 1);
    strata[k].push_back(c.draws[d]);
  }
  Rng rng(derive_seed(seed, 0x6b7368617020ULL));  // a stream of its own: the sampler's draws stay as they were
  // The replicates' weights are drawn in order from one stream; their fits are independent and run
  // on hearsay's threads (each writes its own row), so the result does not depend on the thread count.
  Eigen::MatrixXd weights(n, replicates);
  std::vector<double> count(c.unit.size());
  std::vector<double> drawn(c.group_weight.size());
  for (int b = 0; b < replicates; ++b) {
    auto w = weights.col(b);
    std::fill(count.begin(), count.end(), 0.0);
    for (const auto& units : strata) {
      const auto size = static_cast<int64_t>(units.size());
      for (int64_t d = 0; d < size; ++d)
        count[static_cast<size_t>(units[static_cast<size_t>(rng.uniform_int(0, size - 1))])] += 1.0;
    }
    std::fill(drawn.begin(), drawn.end(), 0.0);
    for (Eigen::Index r = 0; r < n; ++r) {
      const int g = c.group[static_cast<size_t>(r)];
      if (g >= 0) drawn[static_cast<size_t>(g)] += count[static_cast<size_t>(c.unit[static_cast<size_t>(r)])];
    }
    for (Eigen::Index r = 0; r < n; ++r) {
      const int g = c.group[static_cast<size_t>(r)];
      w(r) = g < 0 || drawn[static_cast<size_t>(g)] == 0.0
                 ? c.weights[static_cast<size_t>(r)]
                 : count[static_cast<size_t>(c.unit[static_cast<size_t>(r)])] * c.group_weight[static_cast<size_t>(g)] /
                       drawn[static_cast<size_t>(g)];
    }
  }
  const ConstrainedDesign design = constrained_target(z, y_adj, delta, chosen);
  const PairPatterns pairs = chosen.empty() ? PairPatterns{} : pair_patterns(c.masks, chosen);
  Eigen::MatrixXd out(replicates, z.cols());
#pragma omp parallel for schedule(static)
  for (int b = 0; b < replicates; ++b) out.row(b) = solve_pairs(design, pairs, weights.col(b)).phi.transpose();
  return out;
}

// The standard deviation of each column over the rows (Welford's update: one pass, stable, in order).
Eigen::VectorXd column_standard_deviations(const Eigen::MatrixXd& replicates) {
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(replicates.cols());
  Eigen::VectorXd square = Eigen::VectorXd::Zero(replicates.cols());
  for (Eigen::Index b = 0; b < replicates.rows(); ++b) {
    const Eigen::VectorXd phi = replicates.row(b).transpose();
    const Eigen::VectorXd diff = phi - mean;
    mean += diff / static_cast<double>(b + 1);
    square += diff.cwiseProduct(phi - mean);
  }
  return (square / static_cast<double>(std::max<Eigen::Index>(replicates.rows() - 1, 1))).cwiseSqrt();
}

// Seeds the bootstrap refits of num_samples "auto" apart from the sampler's and the convergence
// check's streams.
constexpr uint64_t kAutoBootstrapStream = 0x6b73686175746fULL;  // "kshauto"

// One estimate: the coalitions a budget buys, their outputs, and the constrained fit on the components
// the optional L1 selection keeps.
struct Round {
  Coalitions c;
  Eigen::MatrixXd z;
  Eigen::VectorXd y_adj;
  std::vector<int> chosen;
  ConstrainedFit fit;
};

// Optional L1 selection on shap's augmented problem (each row twice, weighted by M - |z| and |z|).
std::vector<int> select_components(const KernelShapOptions& o, const Eigen::MatrixXd& z, const Eigen::VectorXd& w,
                                   const Eigen::VectorXd& y_adj, double delta) {
  const auto n = z.rows();
  const auto m = static_cast<int>(z.cols());
  std::vector<int> chosen(static_cast<size_t>(m));
  std::iota(chosen.begin(), chosen.end(), 0);
  if (o.l1 == L1Mode::none) return chosen;
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
  return chosen;
}

Round fit_round(const KernelShapOptions& o, Evaluator& evaluator, int64_t budget, int target, models::Output output,
                uint64_t seed, double f_none, double delta) {
  const int64_t m = evaluator.components();
  Round r;
  r.c = sample_coalitions(m, budget, seed, o.sampler);
  const std::vector<double> outputs = evaluator.outputs(r.c.masks, target, output);
  require_finite("kernel_shap", "the coalition outputs", outputs);
  const auto n = static_cast<Eigen::Index>(r.c.weights.size());
  r.z.resize(n, m);
  for (int64_t i = 0; i < m; ++i) {  // column by column: z is column-major (a row-major fill strides every write)
    double* column = r.z.col(i).data();
    for (Eigen::Index row = 0; row < n; ++row) column[row] = r.c.masks(row, i);
  }
  const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(r.c.weights.data(), n);
  r.y_adj = Eigen::Map<const Eigen::VectorXd>(outputs.data(), n).array() - f_none;
  r.chosen = select_components(o, r.z, w, r.y_adj, delta);
  r.fit = solve_constrained(r.z, w, r.y_adj, delta, r.chosen);
  return r;
}

}  // namespace

void KernelShap::run(const ExplainRequest& request, int target, Explanation& out) const {
  const KernelShapOptions& o = settings();
  Evaluator& evaluator = *request.evaluator;
  const int64_t m = evaluator.components();
  require_finite("kernel_shap", "f(all) and f(none)", std::vector<double>{out.full_output, out.empty_output});
  const double f_none = out.empty_output;
  const double delta = out.full_output - f_none;
  Round r;
  if (!o.num_samples.automatic) {
    const int64_t budget = o.num_samples.count > 0 ? o.num_samples.count : 2 * m + 2048;
    r = fit_round(o, evaluator, budget, target, request.output, request.seed, f_none, delta);
  } else {
    const uint64_t bootstrap_seed = derive_seed(request.seed, kAutoBootstrapStream);
    sample_until_stable(
        o.auto_sampling, m, name(),
        [&](int64_t budget) {
          r = fit_round(o, evaluator, budget, target, request.output, request.seed, f_none, delta);
          AutoFit round{std::vector<double>(r.fit.phi.data(), r.fit.phi.data() + m), {}};
          if (r.c.draws.empty()) return round;  // every coalition: exact, no replicates, confidence 1
          const Eigen::MatrixXd replicates = resampled_fits(r.c, r.z, r.y_adj, delta, r.chosen, kAutoReplicates,
                                                            derive_seed(bootstrap_seed, static_cast<uint64_t>(budget)));
          for (Eigen::Index b = 0; b < replicates.rows(); ++b) {
            const Eigen::VectorXd phi = replicates.row(b).transpose();  // a row of a column-major matrix is strided
            round.replicates.emplace_back(phi.data(), phi.data() + m);
          }
          return round;
        },
        out);
  }

  out.intercept = f_none;
  out.diagnostics["coalitions"] = r.c.masks.rows();
  out.diagnostics["sizes_enumerated"] = r.c.full_sizes;
  out.diagnostics["sampler"] = o.sampler == Sampler::shap ? "shap" : "leverage";
  out.scores.assign(r.fit.phi.data(), r.fit.phi.data() + m);
  if (r.chosen.empty()) return;
  if (r.chosen.size() > 1) out.diagnostics["singular_system"] = r.fit.singular;
  nlohmann::json names = nlohmann::json::array();
  for (int i : r.chosen) names.push_back(out.names[static_cast<size_t>(i)]);
  out.diagnostics["components_in_fit"] = names;
  report_convergence(r.c, r.z, r.y_adj, delta, r.chosen, request.seed, out);
}

void paired_normal_equations(const Matrix<uint8_t>& masks, const std::vector<int>& chosen, const Eigen::VectorXd& w,
                             const Eigen::VectorXd& y2, Eigen::MatrixXd& lower, Eigen::VectorXd& rhs) {
  HEARSAY_CHECK_AS(ShapeError, !chosen.empty() && w.size() == masks.rows() && y2.size() == masks.rows(),
                   "paired_normal_equations: ", chosen.size(), " chosen components, ", masks.rows(), " masks, ",
                   w.size(), " weights and ", y2.size(), " outputs");
  pair_normal(pair_patterns(masks, chosen), w, y2, static_cast<Eigen::Index>(chosen.size()) - 1, lower, rhs);
}

void KernelShap::report_convergence(const Coalitions& c, const Eigen::MatrixXd& z, const Eigen::VectorXd& y_adj,
                                    double delta, const std::vector<int>& chosen, uint64_t seed,
                                    Explanation& out) const {
  const KernelShapOptions& o = settings();
  if (o.bootstrap_replicates == 0) return;
  const bool sampled = !c.draws.empty();
  const Eigen::VectorXd se =
      sampled ? column_standard_deviations(resampled_fits(c, z, y_adj, delta, chosen, o.bootstrap_replicates, seed))
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
