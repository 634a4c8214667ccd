#include "methods/evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace hearsay::methods {

namespace {
double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

std::string Evaluator::describe_mask(const uint8_t* mask) const {
  const auto& names = factorization_.names();
  std::vector<std::string> kept;
  std::vector<std::string> removed;
  for (int64_t i = 0; i < components(); ++i) (mask[i] ? kept : removed).push_back(names[static_cast<size_t>(i)]);
  if (removed.empty()) return "the mask keeping every component";
  if (kept.empty()) return message("the mask removing every component (the baseline: ", factorization_.baseline(), ")");
  // Name the shorter list, and at most a few of it: enough to reproduce the case by hand.
  const bool name_removed = removed.size() <= kept.size();
  const auto& list = name_removed ? removed : kept;
  constexpr size_t kShown = 6;
  std::string text = name_removed ? "the mask removing " : "the mask keeping only ";
  for (size_t i = 0; i < std::min(list.size(), kShown); ++i) text += (i ? ", " : "") + list[i];
  if (list.size() > kShown) text += message(" and ", list.size() - kShown, " more");
  return text;
}

template <class Where>
void Evaluator::check_finite(const Matrix<float>& logits, const float* inputs, int64_t frames, Where&& where) const {
  const int64_t n_mels = factorization_.n_mels();
  for (int64_t r = 0; r < logits.rows(); ++r) {
    const float* row = logits.row(r);
    const auto bad = std::find_if(row, row + logits.cols(), [](float v) { return !std::isfinite(v); });
    if (bad == row + logits.cols()) continue;
    // Whether the input was already non-finite tells the user where to look: the audio, or the network.
    const float* input = inputs + r * n_mels * frames;
    const auto cells = static_cast<size_t>(n_mels * frames);
    const auto first = std::find_if(input, input + cells, [](float v) { return !std::isfinite(v); });
    const std::string cause =
        first == input + cells
            ? std::string("; its log-mel input is finite, so the network produced the non-finite value")
            : message("; its log-mel input is already non-finite (", *first, " at mel band ", (first - input) / frames,
                      ", frame ", (first - input) % frames,
                      "): the audio is too loud for the front-end's float power spectrum (check its sample values)");
    throw Error(message("model '", model_.name(), "' returned ", std::isnan(*bad) ? "NaN" : "an infinite value",
                        " as the logit of class '", model_.class_names()[static_cast<size_t>(bad - row)], "' for ",
                        options_.input_name, " under ", where(r), cause));
  }
}

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
  starts_ = models::window_starts(factorization.frames(), model.input_frames());
  per_window_ = factorization.frame_local();
  window_mode_ = options.window_cache && per_window_;
  if (window_mode_) {
    const int64_t w = model.input_frames();
    for (int64_t start : starts_) {
      const int64_t end = std::min(start + w, factorization.frames());
      std::vector<int32_t> reach;
      for (int64_t i = 0; i < factorization.size(); ++i) {
        const factorizations::FrameSpan span = factorization.span(i);
        if (span.first < end && span.last > start) reach.push_back(static_cast<int32_t>(i));
      }
      reach_.push_back(std::move(reach));
    }
    window_cache_.resize(starts_.size());
  }
}

std::string Evaluator::window_key(const uint8_t* mask, size_t window) const {
  const auto& reach = reach_[window];
  std::string k((reach.size() + 7) / 8, '\0');
  for (size_t b = 0; b < reach.size(); ++b)
    if (mask[reach[b]]) k[b / 8] = static_cast<char>(k[b / 8] | (1 << (b % 8)));
  return k;
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

  std::vector<float> computed(todo.size() * static_cast<size_t>(classes));
  if (!todo.empty()) {
    if (per_window_) {
      run_windows(masks, todo, computed.data());
    } else {
      run_clips(masks, todo, computed.data());
    }
    forward_passes_ += static_cast<int64_t>(todo.size());
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

void Evaluator::run_clips(const Matrix<uint8_t>& masks, const std::vector<int64_t>& todo, float* out) {
  const int classes = model_.num_classes();
  const int64_t cells = factorization_.n_mels() * factorization_.frames();
  const auto per_clip = static_cast<int64_t>(starts_.size());
  // The model runs full batches of its preferred size (padding the last), so calls carry a whole
  // number of batches: lcm(windows per clip, batch) windows, capped to bound the memory held.
  const int64_t clips_per_call = std::clamp<int64_t>(std::lcm(per_clip, batch_size_) / per_clip, 1, 64);
  for (size_t first = 0; first < todo.size(); first += static_cast<size_t>(clips_per_call)) {
    const auto count = static_cast<int64_t>(std::min(todo.size() - first, static_cast<size_t>(clips_per_call)));
    features_.resize(static_cast<size_t>(count * cells));
    peak_inputs_ = std::max(peak_inputs_, count * per_clip);
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; ++i)
      factorization_.compose(masks.row(todo[first + static_cast<size_t>(i)]), features_.data() + i * cells);
    compose_seconds_ += since(t0);
    const auto t1 = std::chrono::steady_clock::now();
    const Matrix<float> batch = model_.logits_from_features(features_.data(), count, factorization_.frames());
    model_seconds_ += since(t1);
    check_finite(batch, features_.data(), factorization_.frames(),
                 [&](int64_t i) { return describe_mask(masks.row(todo[first + static_cast<size_t>(i)])); });
    windows_run_ += count * per_clip;
    std::copy(batch.values().begin(), batch.values().end(), out + first * static_cast<size_t>(classes));
  }
}

void Evaluator::run_windows(const Matrix<uint8_t>& masks, const std::vector<int64_t>& todo, float* out) {
  const int classes = model_.num_classes();
  const int64_t n_mels = factorization_.n_mels();
  const int64_t frames = factorization_.frames();
  const int64_t w = model_.input_frames();
  const int64_t window_cells = n_mels * w;
  const float pad = model_.silence_value();
  const size_t windows = starts_.size();

  // Where each (clip, window) finds its logits: an existing cache entry, or a job of this call.
  struct Job {
    int64_t row;
    size_t window;
  };
  std::vector<Job> jobs;
  std::vector<const float*> found(todo.size() * windows, nullptr);
  std::vector<int64_t> job_of(todo.size() * windows, -1);
  std::vector<std::unordered_map<std::string, int64_t>> scheduled(windows);
  std::vector<std::string> job_keys;
  for (size_t j = 0; j < todo.size(); ++j) {
    const uint8_t* mask = masks.row(todo[j]);
    for (size_t v = 0; v < windows; ++v) {
      if (!window_mode_) {  // no window cache: every window of every mask runs, no keys to build
        job_of[j * windows + v] = static_cast<int64_t>(jobs.size());
        jobs.push_back({todo[j], v});
        continue;
      }
      std::string k = window_key(mask, v);
      if (options_.cache) {
        auto it = window_cache_[v].find(k);
        if (it != window_cache_[v].end()) {
          found[j * windows + v] = it->second.data();
          continue;
        }
      }
      auto [slot, fresh] = scheduled[v].emplace(k, static_cast<int64_t>(jobs.size()));
      if (fresh) {
        jobs.push_back({todo[j], v});
        job_keys.push_back(std::move(k));
      }
      job_of[j * windows + v] = slot->second;
    }
  }

  // Jobs run window by window: a batch then composes one stretch of the clip for several masks, and
  // reads only that stretch of the factorization's data (a 30 s clip's stems keep megabytes of cached
  // mel columns, which the network's own traffic evicts between batches; one window's share stays in
  // the CPU's caches). A window's logits do not depend on the other windows of its batch, so the order
  // changes no result.
  std::vector<size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (windows > 1)
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return jobs[a].window < jobs[b].window; });
  std::vector<float> job_logits(jobs.size() * static_cast<size_t>(classes));
  for (size_t first = 0; first < jobs.size(); first += static_cast<size_t>(batch_size_)) {
    const auto count = static_cast<int64_t>(std::min(jobs.size() - first, static_cast<size_t>(batch_size_)));
    features_.resize(static_cast<size_t>(count * window_cells));
    peak_inputs_ = std::max(peak_inputs_, count);
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; ++i) {
      const Job& job = jobs[order[first + static_cast<size_t>(i)]];
      const int64_t start = starts_[job.window];
      const int64_t real = std::min(w, frames - start);
      float* dst = features_.data() + i * window_cells;
      factorization_.compose_frames(masks.row(job.row), start, real, dst);
      if (real < w) {  // a clip shorter than one window: spread the rows and pad with silence
        for (int64_t m = n_mels - 1; m >= 0; --m) {
          std::copy_backward(dst + m * real, dst + (m + 1) * real, dst + m * w + real);
          std::fill(dst + m * w + real, dst + (m + 1) * w, pad);
        }
      }
    }
    compose_seconds_ += since(t0);
    const auto t1 = std::chrono::steady_clock::now();
    const Matrix<float> logits = model_.window_logits(features_.data(), count);
    model_seconds_ += since(t1);
    HEARSAY_CHECK_AS(ShapeError, logits.rows() == count && logits.cols() == classes, "model '", model_.name(),
                     "' returned ", logits.rows(), " x ", logits.cols(), " logits for ", count, " windows");
    check_finite(logits, features_.data(), w, [&](int64_t i) {
      const Job& job = jobs[order[first + static_cast<size_t>(i)]];
      return message(describe_mask(masks.row(job.row)), ", in window ", job.window, " (frames ", starts_[job.window],
                     " to ", std::min(starts_[job.window] + w, frames) - 1, ")");
    });
    windows_run_ += count;
    for (int64_t i = 0; i < count; ++i)
      std::copy(logits.row(i), logits.row(i) + classes,
                job_logits.begin() + static_cast<std::ptrdiff_t>(order[first + static_cast<size_t>(i)] * classes));
  }
  if (window_mode_ && options_.cache)
    for (size_t i = 0; i < jobs.size(); ++i) {
      const float* row = job_logits.data() + i * static_cast<size_t>(classes);
      window_cache_[jobs[i].window][job_keys[i]] = std::vector<float>(row, row + classes);
    }

  // The window rule: a clip's logits are its windows' logits summed in window order, then scaled.
  const float inv = 1.0f / static_cast<float>(windows);
  for (size_t j = 0; j < todo.size(); ++j) {
    float* dst = out + j * static_cast<size_t>(classes);
    std::fill(dst, dst + classes, 0.0f);
    for (size_t v = 0; v < windows; ++v) {
      const int64_t job = job_of[j * windows + v];
      const float* row = job >= 0 ? job_logits.data() + static_cast<size_t>(job) * static_cast<size_t>(classes)
                                  : found[j * windows + v];
      for (int c = 0; c < classes; ++c) dst[c] += row[c];
    }
    for (int c = 0; c < classes; ++c) dst[c] *= inv;
  }
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
  Matrix<uint8_t> ends(options_.cache ? 2 : 1, components(), uint8_t{0});  // row 0 keeps everything
  std::fill(ends.row(0), ends.row(0) + components(), uint8_t{1});
  const Matrix<float> l = logits(ends);
  return static_cast<int>(std::max_element(l.row(0), l.row(0) + l.cols()) - l.row(0));
}

}  // namespace hearsay::methods
