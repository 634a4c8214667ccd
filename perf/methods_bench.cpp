// Perturbation methods against the network's forward floor (issues #5 and #16), in one process, with
// hearsay's and LibTorch's threads and OpenMP's waiting set as the hearsay executable sets them.
//
// The floor: Model::window_logits per window at each batch size of models::kTuningBatches, measured
// as `hearsay tune` measures it (models::tune_batch: distinct windows, round robin over the batches,
// the median of five rounds). The fastest batch is the one the methods then run at (the tuned model
// itself), and the floor a method is held to is that model's time per window on composed windows of
// the case's clip, measured while the method runs (ProbedModel; the target: a method's
// time per window run <= 1.05 x the floor at the best batch, with the window cache off, so every
// evaluation runs all its windows and nothing is skipped).
//
// The ratio counts both sides with the same statistic: the floor is the median probe, so the
// method's network calls count at their median too (per window), and everything else the method
// spends (composing, the evaluator, sampling, solving: hearsay's own time) counts in full. `total`
// is the plain total over the windows against the same floor: a mean against a median, which on a
// shared machine charges the network's own skew to the method (the floor/ cases measure that skew,
// mean_over_median, on the network alone); `tot/mean` is the total against the mean probe.
//
// The acceptance table: {tf_grid 10 x 8, superpixels of 80 regions, stems x 10 segments, 10 segments}
// x {3 s, 30 s clip} x {builtin vgg_small (untrained: timing does not depend on the weights), the
// TorchScript fixture tests/data/models/vgg4 made by PyTorch} x {kernel_shap, lime} with 4096 samples, window cache
// off, each case repeated (repetitions()) on a fresh factorization with the floor probed during every repetition; the
// medians are reported. Counters:
// per_window_ms (the ratio's numerator, above); best_batch; floor_ms; floor_default_ms (the tuner's figure at
// hearsay's default batch, 16); ratio (per_window_ms / floor_ms, and its range over the repetitions);
// total_ratio and total_mean_ratio (above); compose_s and model_s (the Evaluator's split). The table
// is printed again at the end.
//
// The overhead table: the same methods and factorizations on a network that costs nothing
// (FreeModel), so what remains is hearsay's own time per window (composition, sampling, cache,
// solver), without the network's noise; 1 + own / floor estimates the ratio.
//
// The stems30/... cases keep issue #5's figures (window cache on, occlusion) on the builtin model at
// the default batch, with `ratio` over the floor per mask (all windows of a 30 s clip).
//
// Run: build/perf/methods_bench [--benchmark_filter=floor|accept|overhead] (about 10 minutes).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/batch_tuning.h"
#include "models/load_model.h"
#include "perf/synthetic_clip.h"

namespace {

using namespace hearsay;

constexpr int kMasks = 4096;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// CPU seconds of every thread of the process (LibTorch's and OpenMP's included). With
// OMP_WAIT_POLICY=PASSIVE idle threads sleep, so this is the work done, which other processes on a
// shared machine do not inflate the way they inflate wall-clock time.
double process_cpu() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Cost {
  double wall = 0.0;     // median
  double cpu = 0.0;      // median
  double fastest = 0.0;  // the fastest measurement's wall-clock time: what the network can do
  Cost per(double n) const { return {wall / n, cpu / n, fastest / n}; }
};

// Medians of five measurements of `work` (each repeated until it has run at least 0.1 s), per call,
// after one warm-up call: the first calls of a frozen module are slow (oneDNN primitives, profiling).
Cost median_per_call(const std::function<void()>& work) {
  work();
  std::vector<double> wall, cpu;
  for (int rep = 0; rep < 5; ++rep) {
    int calls = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu();
    do {
      work();
      ++calls;
    } while (since(t0) < 0.1);
    wall.push_back(since(t0) / calls);
    cpu.push_back((process_cpu() - c0) / calls);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[2], cpu[2], wall[0]};
}

std::unique_ptr<models::Model> make_model(const std::string& kind, int64_t batch = 0) {
  models::InferenceOptions options;
  if (batch > 0) options.batch = batch;
  if (kind == "torchscript") return models::load_model(HEARSAY_MODEL_FIXTURES "/vgg4", options);
  return models::create_model("vgg_small", FrontEndOptions{}, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, 130,
                              1, nlohmann::json::object(), options);
}

// The network's frozen forward per window at each batch size, as `hearsay tune` measures it
// (models::tune_batch: round robin over the batches, the median of five rounds); the best batch is the
// one the methods then run at (the tuned model itself), and the floor they are held to is measured
// again on that model, on composed windows of the case's clip, right before and after each case.
struct Floor {
  std::map<int64_t, double> per_window;  // batch → seconds per window (the tuner's medians)
  int64_t best_batch = 0;
  double best = 0.0;
  std::unique_ptr<models::Model> best_model;  // the tuned model: the methods run on it
  std::vector<float> best_windows;            // a full batch of composed windows for it
  /// The floor per window at the best batch measured again now (the load changes between cases).
  Cost now() const {
    return median_per_call(
               [&] { benchmark::DoNotOptimize(best_model->window_logits(best_windows.data(), best_batch)); })
        .per(static_cast<double>(best_batch));
  }
};

// The tuned model with floor probes: every kProbeEvery-th network call of a method, the floor's own
// batch runs twice right after it and the second run is timed (the first brings its windows and the
// network back into the caches, as in a hot loop). The floor is the median of those probes, taken at
// the same moments as the method's calls, so the machine's drift (several percent over seconds here)
// reaches both sides of the ratio alike; the probes' time is taken off the method's.
class ProbedModel : public models::Model {
 public:
  static constexpr int kProbeEvery = 16;
  ProbedModel(const models::Model& inner, const std::vector<float>& floor_windows, int64_t floor_batch)
      : inner_(inner), floor_windows_(floor_windows), floor_batch_(floor_batch) {}
  std::string name() const override { return inner_.name(); }
  const FrontEnd& front_end() const override { return inner_.front_end(); }
  const std::vector<std::string>& class_names() const override { return inner_.class_names(); }
  int64_t input_frames() const override { return inner_.input_frames(); }
  int64_t preferred_batch() const override { return inner_.preferred_batch(); }
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    const auto start = std::chrono::steady_clock::now();
    Matrix<float> out = inner_.window_logits(windows, count);
    calls_network_.push_back({since(start) / static_cast<double>(count), count});
    if (++calls_ % kProbeEvery == 0) {
      const auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(inner_.window_logits(floor_windows_.data(), floor_batch_));
      const auto t1 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(inner_.window_logits(floor_windows_.data(), floor_batch_));
      const double timed = since(t1);
      probes_.push_back(timed / static_cast<double>(floor_batch_));
      probe_wall_ += since(t0);
    }
    return out;
  }
  /// The floor per window: the median probe.
  double floor() const { return median(probes_); }
  /// The floor per window as the mean probe: the statistic of a method's total time.
  double floor_mean() const {
    double sum = 0.0;
    for (double p : probes_) sum += p;
    return probes_.empty() ? 0.0 : sum / static_cast<double>(probes_.size());
  }
  /// A method's time per window with its network calls counted as the floor counts its probes: the
  /// median call per window for the network, and everything else of `own` seconds (composing, the
  /// evaluator, sampling, solving: hearsay's own time) in full. A total over windows is a mean, and on
  /// a shared machine a mean of batch times lies above their median (the network alone on 512 distinct
  /// batches: by 1-5 %), so a median floor against a total charges that skew to the method.
  double per_window_like_floor(double own, int64_t windows) const {
    std::vector<double> per;
    double network = 0.0;
    int64_t network_windows = 0;
    for (const Call& c : calls_network_) {
      per.push_back(c.per_window);
      network += c.per_window * static_cast<double>(c.count);
      network_windows += c.count;
    }
    return (median(per) * static_cast<double>(network_windows) + own - network) / static_cast<double>(windows);
  }
  size_t probes() const { return probes_.size(); }
  double probe_wall() const { return probe_wall_; }
  void reset() {
    calls_ = 0;
    probes_.clear();
    calls_network_.clear();
    probe_wall_ = 0.0;
  }

 private:
  struct Call {
    double per_window;  // the network's seconds per window in one of the method's calls
    int64_t count;
  };
  const models::Model& inner_;
  const std::vector<float>& floor_windows_;
  int64_t floor_batch_;
  mutable int64_t calls_ = 0;
  mutable std::vector<double> probes_;
  mutable std::vector<Call> calls_network_;
  mutable double probe_wall_ = 0.0;
};

Floor& floor_of(const std::string& kind) {
  static std::map<std::string, Floor> floors;
  auto it = floors.find(kind);
  if (it != floors.end()) return it->second;
  Floor f;
  models::BatchTuning tuning = models::tune_batch([&](int64_t batch) { return make_model(kind, batch); });
  for (const auto& t : tuning.times) f.per_window[t.batch] = t.seconds_per_window;
  f.best_batch = tuning.best;
  f.best = f.per_window.at(tuning.best);
  f.best_model = std::move(tuning.best_model);
  const auto factorization = factorizations::factorizer_registry()
                                 .create("tf_grid", {{"time_segments", 10}, {"frequency_bands", 8}})
                                 ->factorize(perf::synthetic_clip(3.0), f.best_model->front_end());
  const Matrix<float> window =
      factorization->compose(std::vector<uint8_t>(static_cast<size_t>(factorization->size()), 1));
  for (int64_t b = 0; b < f.best_batch; ++b)
    f.best_windows.insert(f.best_windows.end(), window.values().begin(), window.values().end());
  return floors.emplace(kind, std::move(f)).first->second;
}

// The skew of the network's own call times: 4096 windows at the best batch, each call timed, on a
// cycle of distinct windows (copies of the floor's batch, 16 MB: past the caches, as composed inputs
// are), and the mean call over the median call. A method's total over its windows is a mean; the
// floor is a median of probes; this is how far apart the two statistics lie for the network alone.
double mean_over_median(const Floor& f) {
  const int64_t calls = 4096 / f.best_batch;
  const auto cells = static_cast<int64_t>(f.best_windows.size());
  std::vector<float> windows(static_cast<size_t>(std::max<int64_t>(1, (16 << 20) / 4 / cells) * cells));
  for (size_t i = 0; i < windows.size(); i += static_cast<size_t>(cells))
    std::copy(f.best_windows.begin(), f.best_windows.end(), windows.begin() + static_cast<std::ptrdiff_t>(i));
  const int64_t copies = static_cast<int64_t>(windows.size()) / cells;
  std::vector<double> seconds;
  for (int64_t c = 0; c < calls; ++c) {
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(f.best_model->window_logits(windows.data() + (c % copies) * cells, f.best_batch));
    seconds.push_back(since(t0));
  }
  double mean = 0.0;
  for (double v : seconds) mean += v / static_cast<double>(seconds.size());
  return mean / median(seconds);
}

void report_floor(benchmark::State& state, const std::string& kind) {
  const Floor& f = floor_of(kind);
  for (auto _ : state) state.SetIterationTime(f.best);
  for (const auto& [batch, seconds] : f.per_window) state.counters["ms_b" + std::to_string(batch)] = seconds * 1e3;
  state.counters["best_batch"] = static_cast<double>(f.best_batch);
  for (int rep = 0; rep < 3; ++rep) state.counters["mean_over_median_" + std::to_string(rep)] = mean_over_median(f);
}

struct Case {
  std::string kind;           // builtin | torchscript
  std::string factorization;  // one of kFactorizations
  double seconds;             // clip length
  bool tuned = true;          // on the model at the tuned batch (issue #5's cases: at the default)
};

struct Subject {
  const models::Model* model = nullptr;  // the tuned model of floor_of(kind), or the default-batch one
  std::unique_ptr<models::Model> own;
  std::unique_ptr<factorizations::Factorization> factorization;
};

// The factorizations of the tables: tf_grid 10 × 8 and superpixels of 80 regions over the
// spectrogram, stems × 10 segments (40 components) and 10 segments over the waveform.
const std::vector<std::string> kFactorizations = {"tf_grid", "superpixels", "stems", "segments"};

std::unique_ptr<factorizations::Factorization> factorize(const std::string& name, double seconds,
                                                         const models::Model& model) {
  nlohmann::json options = {{"segments", 10}};
  if (name == "tf_grid") options = {{"time_segments", 10}, {"frequency_bands", 8}};
  if (name == "superpixels") options = {{"count", 80}};
  return factorizations::factorizer_registry()
      .create(name, options)
      ->factorize(perf::synthetic_clip(seconds), model.front_end());
}

std::unique_ptr<factorizations::Factorization> factorize(const Case& c, const models::Model& model) {
  return factorize(c.factorization, c.seconds, model);
}

Subject& subject(const Case& c) {
  static std::map<std::string, Subject> subjects;
  const std::string key = c.kind + "/" + c.factorization + "/" + std::to_string(c.seconds) + (c.tuned ? "/tuned" : "");
  auto it = subjects.find(key);
  if (it != subjects.end()) return it->second;
  Subject s;
  if (c.tuned) {
    s.model = floor_of(c.kind).best_model.get();
  } else {
    s.own = make_model(c.kind);
    s.model = s.own.get();
  }
  s.factorization = factorize(c, *s.model);
  return subjects.emplace(key, std::move(s)).first->second;
}

struct Row {
  std::string name;
  double per_window_ms, floor_ms, floor_default_ms, ratio, ratio_min, ratio_max;
  int64_t best_batch, default_batch;
  double total_ratio, total_mean_ratio;  // the total over the median floor, and over the mean floor
};
std::vector<Row>& table() {
  static std::vector<Row> rows;
  return rows;
}
struct OverheadRow {
  std::string name;
  double overhead_ms, compose_ms, method_ms, floor_ms;
};
std::vector<OverheadRow>& overheads() {
  static std::vector<OverheadRow> rows;
  return rows;
}

struct Run {
  double seconds;
  double cpu_seconds;
  methods::Explanation explanation;
  int64_t windows_run;
  double compose_seconds, model_seconds;
  int64_t peak_inputs;
  int64_t page_faults;  // minor page faults during the method: memory the allocator gave back and took again
};

Run explain(const models::Model& model, const factorizations::Factorization& factorization, const std::string& method,
            const nlohmann::json& options, bool window_cache) {
  methods::EvaluatorOptions eo;
  eo.window_cache = window_cache;
  methods::Evaluator evaluator(model, factorization, eo);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.seed = 1;
  rusage u0{};
  getrusage(RUSAGE_SELF, &u0);
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = process_cpu();
  methods::Explanation e = methods::explainer_registry().create(method, options)->explain(request);
  const double seconds = since(t0);
  rusage u1{};
  getrusage(RUSAGE_SELF, &u1);
  return {seconds,
          process_cpu() - c0,
          std::move(e),
          evaluator.windows_run(),
          evaluator.compose_seconds(),
          evaluator.model_seconds(),
          evaluator.peak_inputs_held(),
          u1.ru_minflt - u0.ru_minflt};
}

nlohmann::json method_options(const std::string& method) {
  if (method == "lime") return {{"num_samples", kMasks}, {"held_out_fraction", 0}};
  if (method == "kernel_shap") return {{"num_samples", kMasks}};
  return nlohmann::json::object();
}

// Repetitions of each acceptance case: this machine's speed drifts by several percent from one second
// to the next (the floor alone moves 0.22-0.26 ms between cases), so one run of a case can land
// anywhere within that; the median of the repetitions' ratios cannot be moved by one slow stretch.
int repetitions(double clip_seconds) { return clip_seconds < 10.0 ? 5 : 3; }

void acceptance(benchmark::State& state, const Case& c, const std::string& method, const std::string& name) {
  Subject& s = subject(c);
  const Floor& f = floor_of(c.kind);
  ProbedModel probed(*s.model, f.best_windows, f.best_batch);
  for (auto _ : state) {
    std::vector<double> ratios, per_windows, floors, compose, model, seconds, totals, total_means;
    Run r;
    for (int rep = 0; rep < repetitions(c.seconds); ++rep) {
      probed.reset();
      // A fresh factorization each time, as one explanation meets it: composition caches per-frame
      // results, and a reused one would spare every repetition after the first their first computation.
      const auto fresh = factorize(c, *s.model);
      r = explain(probed, *fresh, method, method_options(method), /*window_cache=*/false);
      // The probes' floor, and the method's time without them: per window with its network calls
      // taken as the probes are (the median) and hearsay's own time in full, and as a plain total.
      const double floor = probed.floor();
      const double windows = static_cast<double>(r.windows_run);
      const double own = r.seconds - probed.probe_wall();
      const double per_window = probed.per_window_like_floor(own, r.windows_run);
      ratios.push_back(per_window / floor);
      totals.push_back(own / windows / floor);
      total_means.push_back(own / windows / probed.floor_mean());
      per_windows.push_back(per_window);
      floors.push_back(floor);
      compose.push_back(r.compose_seconds);
      model.push_back(r.model_seconds - probed.probe_wall());
      seconds.push_back(own);
    }
    state.SetIterationTime(median(seconds));
    const int64_t default_batch = models::kDefaultBatch;
    const double floor_default = f.per_window.count(default_batch) ? f.per_window.at(default_batch) : 0.0;
    state.counters["evals"] = static_cast<double>(r.explanation.evals);
    state.counters["windows_run"] = static_cast<double>(r.windows_run);
    state.counters["per_window_ms"] = median(per_windows) * 1e3;
    state.counters["floor_ms"] = median(floors) * 1e3;
    state.counters["best_batch"] = static_cast<double>(f.best_batch);
    state.counters["floor_default_ms"] = floor_default * 1e3;
    state.counters["ratio"] = median(ratios);
    state.counters["ratio_min"] = *std::min_element(ratios.begin(), ratios.end());
    state.counters["ratio_max"] = *std::max_element(ratios.begin(), ratios.end());
    state.counters["total_ratio"] = median(totals);
    state.counters["total_mean_ratio"] = median(total_means);
    state.counters["compose_s"] = median(compose);
    state.counters["model_s"] = median(model);
    state.counters["faults_per_window"] = static_cast<double>(r.page_faults) / static_cast<double>(r.windows_run);
    table().push_back({name, median(per_windows) * 1e3, median(floors) * 1e3, floor_default * 1e3, median(ratios),
                       *std::min_element(ratios.begin(), ratios.end()), *std::max_element(ratios.begin(), ratios.end()),
                       f.best_batch, default_batch, median(totals), median(total_means)});
  }
}

// Issue #5's cases: stems x 10 segments on the 30 s clip, builtin model, window cache on and off.
double floor_per_mask(Subject& s) {
  static double seconds = 0.0;
  if (seconds > 0.0) return seconds;
  const int64_t frames = s.factorization->frames();
  const int64_t cells = s.model->front_end().n_mels() * frames;
  // 8 clips of 10 windows fill 5 full batches of 16: no padded network inputs in the floor.
  const int64_t batch = 8;
  std::vector<float> inputs(static_cast<size_t>(batch * cells));
  for (int64_t b = 0; b < batch; ++b)
    s.factorization->compose(std::vector<uint8_t>(static_cast<size_t>(s.factorization->size()), 1).data(),
                             inputs.data() + b * cells);
  seconds = median_per_call([&] {
              benchmark::DoNotOptimize(s.model->logits_from_features(inputs.data(), batch, frames));
            }).wall /
            static_cast<double>(batch);
  return seconds;
}

void stems30(benchmark::State& state, const std::string& method, bool window_cache) {
  Subject& s = subject({"builtin", "stems", 30.0, false});
  const double floor = floor_per_mask(s);
  for (auto _ : state) {
    const Run r = explain(*s.model, *s.factorization, method, method_options(method), window_cache);
    state.SetIterationTime(r.seconds);
    state.counters["evals"] = static_cast<double>(r.explanation.evals);
    state.counters["windows_run"] = static_cast<double>(r.windows_run);
    state.counters["compose_s"] = r.compose_seconds;
    state.counters["model_s"] = r.model_seconds;
    state.counters["ratio"] = r.seconds / (floor * static_cast<double>(r.explanation.evals));
    // Time over the time of the method's own model calls: what sampling, composing and fitting add.
    state.counters["over_own_forward"] = r.seconds / r.model_seconds;
    state.counters["windows_held"] = static_cast<double>(r.peak_inputs);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    state.counters["peak_rss_MB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  }
}

// A network that costs nothing: each class's logit is one input cell (a different mel band at a
// different frame per class), so the outputs still move with the mask. A method on it spends only
// hearsay's own time, composition and cache included: the overhead per window, measured without the
// network's noise. Floor ratio estimate = 1 + overhead / floor.
class FreeModel : public models::Model {
 public:
  std::string name() const override { return "free"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return 130; }
  int64_t preferred_batch() const override { return batch_; }
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    const int64_t per = front_end_.n_mels() * input_frames();
    Matrix<float> out(count, 10);
    for (int64_t i = 0; i < count; ++i)
      for (int64_t c = 0; c < 10; ++c) out(i, c) = windows[i * per + (c * 9) * input_frames() + c * 13];
    return out;
  }
  int64_t batch_ = 16;

 private:
  FrontEnd front_end_{FrontEndOptions{}};
  std::vector<std::string> classes_ = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
};

void overhead(benchmark::State& state, const std::string& factorization, double clip_seconds, const std::string& method,
              const std::string& name) {
  static FreeModel model;
  model.batch_ = floor_of("builtin").best_batch;
  Subject s;
  s.model = &model;
  s.factorization = factorize(factorization, clip_seconds, model);
  const double floor = floor_of("builtin").now().wall;
  for (auto _ : state) {
    const Run r = explain(*s.model, *s.factorization, method, method_options(method), /*window_cache=*/false);
    state.SetIterationTime(r.seconds);
    const double windows = static_cast<double>(r.windows_run);
    state.counters["overhead_ms"] = r.seconds / windows * 1e3;
    state.counters["compose_ms"] = r.compose_seconds / windows * 1e3;
    state.counters["method_ms"] = (r.seconds - r.compose_seconds - r.model_seconds) / windows * 1e3;
    state.counters["floor_ms"] = floor * 1e3;
    state.counters["ratio_estimate"] = 1.0 + r.seconds / windows / floor;
    overheads().push_back({name, r.seconds / windows * 1e3, r.compose_seconds / windows * 1e3,
                           (r.seconds - r.compose_seconds - r.model_seconds) / windows * 1e3, floor * 1e3});
  }
}

template <class F>
void add(const std::string& name, F&& f) {
  benchmark::RegisterBenchmark(name.c_str(), std::forward<F>(f))
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
}

}  // namespace

int main(int argc, char** argv) {
  use_short_omp_spin(argv);  // OpenMP's waiting as the hearsay executable sets it (core/parallel.h)
  // As the CLI does (cli/main.cpp): hearsay's loops and LibTorch on one thread per core. Left alone,
  // LibTorch here starts with one intra-op thread (omp_get_max_threads() is 1 before anything sets it)
  // and every figure would describe a single-threaded network.
  set_num_threads(0);
  models::set_torch_threads(0);
  std::printf("threads: %d (hearsay and LibTorch)\n", num_threads());
  for (const std::string kind : {"builtin", "torchscript"})
    add("floor/" + kind, [kind](benchmark::State& s) { report_floor(s, kind); });
  for (const std::string kind : {"builtin", "torchscript"})
    for (const std::string& factorization : kFactorizations)
      for (const double seconds : {3.0, 30.0})
        for (const std::string method : {"kernel_shap", "lime"}) {
          const std::string name = "accept/" + kind + "/" + factorization + "/" +
                                   std::to_string(static_cast<int>(seconds)) + "s/" + method + "/4096";
          add(name, [c = Case{kind, factorization, seconds}, method, name](benchmark::State& s) {
            acceptance(s, c, method, name);
          });
        }
  for (const std::string& factorization : kFactorizations)
    for (const double seconds : {3.0, 30.0})
      for (const std::string method : {"kernel_shap", "lime"}) {
        const std::string name =
            "overhead/" + factorization + "/" + std::to_string(static_cast<int>(seconds)) + "s/" + method + "/4096";
        add(name, [factorization, seconds, method, name](benchmark::State& s) {
          overhead(s, factorization, seconds, method, name);
        });
      }
  for (const bool window_cache : {true, false})
    for (const std::string method : {"lime", "kernel_shap", "occlusion"}) {
      const std::string name =
          "stems30/" + method + (method == "occlusion" ? "" : "/4096") + (window_cache ? "" : "/no_window_cache");
      add(name, [method, window_cache](benchmark::State& s) { stems30(s, method, window_cache); });
    }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!table().empty()) {
    std::printf("\n%-46s %9s %9s %5s %9s %6s %13s %7s %7s\n", "case (window cache off; medians)", "ms/window",
                "floor_ms", "batch", "floor@16", "ratio", "ratio range", "total", "tot/mean");
    for (const Row& r : table())
      std::printf("%-46s %9.4f %9.4f %5lld %9.4f %6.3f %6.3f-%6.3f %7.3f %7.3f\n", r.name.c_str(), r.per_window_ms,
                  r.floor_ms, static_cast<long long>(r.best_batch), r.floor_default_ms, r.ratio, r.ratio_min,
                  r.ratio_max, r.total_ratio, r.total_mean_ratio);
  }
  if (!overheads().empty()) {
    std::printf("\n%-40s %11s %10s %9s %9s %14s\n", "hearsay's own time (free network)", "ms/window", "compose",
                "method", "floor_ms", "1 + own/floor");
    for (const OverheadRow& r : overheads())
      std::printf("%-40s %11.4f %10.4f %9.4f %9.4f %14.3f\n", r.name.c_str(), r.overhead_ms, r.compose_ms, r.method_ms,
                  r.floor_ms, 1.0 + r.overhead_ms / r.floor_ms);
  }
  return 0;
}
