#include "methods/evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"

namespace hearsay::methods {

namespace {
double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

double output_of(const float* logits, int classes, int target, models::Output output) {
  if (output == models::Output::logits) return logits[target];
  double top = logits[0];
  for (int c = 1; c < classes; ++c) top = std::max<double>(top, logits[c]);
  double sum = 0.0;
  for (int c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(logits[c]) - top);
  return std::exp(static_cast<double>(logits[target]) - top) / sum;
}

Evaluator::Evaluator(const models::Model& model, const factorizations::Factorization& factorization,
                     EvaluatorOptions options)
    : model_(model),
      factorization_(factorization),
      options_(options),
      batch_size_(options.batch_size > 0 ? options.batch_size : std::max<int64_t>(1, model.preferred_batch())) {
  HEARSAY_CHECK_AS(ShapeError, factorization.n_mels() == model.front_end().n_mels(), "the factorization composes ",
                   factorization.n_mels(), " mel bands, the model '", model.name(), "' expects ",
                   model.front_end().n_mels());
  HEARSAY_CHECK_AS(ConfigError, options.batch_size >= 0, "evaluator: batch_size must be >= 0, got ",
                   options.batch_size);
}

std::string Evaluator::key(const uint8_t* mask) const {
  const int64_t m = components();
  std::string k(static_cast<size_t>((m + 7) / 8), '\0');
  for (int64_t i = 0; i < m; ++i)
    if (mask[i]) k[static_cast<size_t>(i / 8)] = static_cast<char>(k[static_cast<size_t>(i / 8)] | (1 << (i % 8)));
  return k;
}

Matrix<float> Evaluator::logits(const Matrix<uint8_t>& masks) {
  const int64_t m = components();
  HEARSAY_CHECK_AS(ShapeError, masks.cols() == m, "evaluator: masks have ", masks.cols(),
                   " columns, the factorization ", m, " components");
  const int classes = model_.num_classes();
  const int64_t n = masks.rows();
  requests_ += n;
  Matrix<float> out(n, classes);

  // Which rows need the model: first occurrence of each mask not in the cache.
  std::vector<int64_t> todo;
  std::vector<std::string> keys(static_cast<size_t>(n));
  std::unordered_map<std::string, int64_t> first_in_call;
  for (int64_t r = 0; r < n; ++r) {
    keys[static_cast<size_t>(r)] = key(masks.row(r));
    const std::string& k = keys[static_cast<size_t>(r)];
    tally_.insert(k);
    if (options_.cache && cache_.count(k)) continue;
    if (first_in_call.emplace(k, r).second) todo.push_back(r);
  }

  const int64_t cells = factorization_.n_mels() * factorization_.frames();
  std::vector<float> computed(todo.size() * static_cast<size_t>(classes));
  for (size_t first = 0; first < todo.size(); first += static_cast<size_t>(batch_size_)) {
    const auto count = static_cast<int64_t>(std::min(todo.size() - first, static_cast<size_t>(batch_size_)));
    features_.resize(static_cast<size_t>(count * cells));
    peak_inputs_ = std::max(peak_inputs_, count);
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; ++i)
      factorization_.compose(masks.row(todo[first + static_cast<size_t>(i)]), features_.data() + i * cells);
    compose_seconds_ += since(t0);
    const auto t1 = std::chrono::steady_clock::now();
    const Matrix<float> batch = model_.logits_from_features(features_.data(), count, factorization_.frames());
    model_seconds_ += since(t1);
    forward_passes_ += count;
    std::copy(batch.values().begin(), batch.values().end(),
              computed.begin() + static_cast<std::ptrdiff_t>(first * classes));
  }

  std::unordered_map<std::string, const float*> fresh;
  for (size_t j = 0; j < todo.size(); ++j) {
    const float* row = computed.data() + j * static_cast<size_t>(classes);
    const std::string& k = keys[static_cast<size_t>(todo[j])];
    fresh[k] = row;
    if (options_.cache) cache_[k] = std::vector<float>(row, row + classes);
  }
  for (int64_t r = 0; r < n; ++r) {
    const std::string& k = keys[static_cast<size_t>(r)];
    auto it = fresh.find(k);
    const float* row = it != fresh.end() ? it->second : cache_.at(k).data();
    std::copy(row, row + classes, out.row(r));
  }
  return out;
}

std::vector<double> Evaluator::outputs(const Matrix<uint8_t>& masks, int target, models::Output output) {
  HEARSAY_CHECK_AS(ConfigError, target >= 0 && target < model_.num_classes(), "target class ", target,
                   " is not one of the model's ", model_.num_classes(), " classes");
  const Matrix<float> l = logits(masks);
  std::vector<double> out(static_cast<size_t>(l.rows()));
  for (int64_t r = 0; r < l.rows(); ++r)
    out[static_cast<size_t>(r)] = output_of(l.row(r), model_.num_classes(), target, output);
  return out;
}

double Evaluator::output(const std::vector<uint8_t>& mask, int target, models::Output output) {
  Matrix<uint8_t> one(1, components(), std::vector<uint8_t>(mask));
  return outputs(one, target, output)[0];
}

int Evaluator::predicted_class() {
  const Matrix<float> l = logits(Matrix<uint8_t>(1, components(), uint8_t{1}));
  return static_cast<int>(std::max_element(l.row(0), l.row(0) + l.cols()) - l.row(0));
}

}  // namespace hearsay::methods
