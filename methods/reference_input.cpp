#include "methods/reference_input.h"

#include <algorithm>
#include <numeric>

#include <cmath>

#include "core/error.h"
#include "core/random.h"

namespace hearsay::methods {

const std::vector<std::pair<const char*, ReferenceInput>>& reference_input_choices() {
  static const std::vector<std::pair<const char*, ReferenceInput>> choices = {
      {"factorization", ReferenceInput::factorization},
      {"zero", ReferenceInput::zero},
      {"mean", ReferenceInput::mean},
      {"noise", ReferenceInput::noise}};
  return choices;
}

Matrix<float> reference_input(ReferenceInput kind, const factorizations::Factorization& factorization,
                              const Matrix<float>& x, uint64_t seed) {
  const Matrix<float> removed =
      factorization.compose(std::vector<uint8_t>(static_cast<size_t>(factorization.size()), 0));
  if (kind == ReferenceInput::factorization) return removed;
  if (kind == ReferenceInput::zero) return Matrix<float>(x.rows(), x.cols(), 0.0f);
  if (kind == ReferenceInput::mean) {
    const double sum = std::accumulate(x.values().begin(), x.values().end(), 0.0);
    return Matrix<float>(x.rows(), x.cols(), static_cast<float>(sum / static_cast<double>(x.values().size())));
  }
  // Noise over the values a path from x′ to x could visit: from the lowest to the highest cell of the
  // clip and of its all-removed input (in log-mel terms, from silence to the loudest cell).
  const auto [x_lo, x_hi] = std::minmax_element(x.values().begin(), x.values().end());
  const auto [r_lo, r_hi] = std::minmax_element(removed.values().begin(), removed.values().end());
  const double lo = std::min(*x_lo, *r_lo);
  const double hi = std::max(*x_hi, *r_hi);
  Rng rng(seed);
  Matrix<float> out(x.rows(), x.cols());
  for (auto& v : out.values()) v = static_cast<float>(rng.uniform(lo, hi));
  return out;
}

double clip_output(const models::Model& model, const Matrix<float>& features, int target, models::Output output) {
  const Matrix<float> logits = model.logits_from_features(features.data(), 1, features.cols());
  if (output == models::Output::logits) return logits(0, target);
  return models::softmax_rows(logits)(0, target);
}

void report_sum_error(const std::string& key, const std::string& property, const std::string& summed,
                      const std::string& change_name, double total, double change, double max_relative,
                      const std::string& advice, Explanation& out) {
  const double error = total - change;
  out.diagnostics[key] = error;
  if (std::abs(change) <= 1e-12) {
    out.diagnostics["relative_" + key] = nullptr;
    return;
  }
  const double relative = std::abs(error) / std::abs(change);
  out.diagnostics["relative_" + key] = relative;
  if (relative > max_relative)
    out.warnings.push_back(message(out.method, ": ", summed, " ", total, " but ", change_name, " = ", change, " (",
                                   100.0 * relative, " % off; ", property, ")", advice));
}

}  // namespace hearsay::methods
