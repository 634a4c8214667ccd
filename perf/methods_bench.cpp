// Perturbation methods against the network's forward floor (issues #5 and #16), in one process.
//
// The floor: Model::window_logits on already-composed windows, per window, for each batch size of
// kBatches (the fastest of five measurements: load spikes on a shared machine only slow a run down);
// the best batch gives the floor a method is held to (the target: a method's time per window
// run <= 1.05 x the floor at the best batch, with the window cache off, so every evaluation runs all
// its windows and nothing is skipped).
//
// The acceptance table: {tf_grid 10 x 8, stems x 10 segments} x {3 s, 30 s clip} x {builtin vgg_small
// (untrained: timing does not depend on the weights), the TorchScript fixture tests/data/models/vgg4
// made by PyTorch} x {kernel_shap, lime} with 4096 samples, window cache off, at the model's default
// batch. Counters: per_window_ms (seconds / windows run); best_batch (chosen once per model); floor_ms
// (the floor at best_batch measured again right before and right after the case, averaged: on a
// shared machine the load moves between cases, and both sides of the ratio must see the same);
// floor_default_ms (the first floor at the model's default batch); ratio (per_window_ms / floor_ms);
// cpu_ratio (the same with the process's CPU seconds, all threads: the work per window over the
// floor's, which a busy shared machine distorts far less than wall-clock time); compose_s and model_s
// (the Evaluator's split). The table is printed again at the end.
//
// The stems30/... cases keep issue #5's figures (window cache on, occlusion) on the builtin model,
// with `ratio` over the floor per mask (all windows of a 30 s clip), for before/after comparisons.
//
// Run: OMP_WAIT_POLICY=PASSIVE build/perf/methods_bench [--benchmark_filter=...]; each case runs once.
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

#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/load_model.h"
#include "perf/synthetic_clip.h"

namespace {

using namespace hearsay;

constexpr int kMasks = 4096;
constexpr int64_t kBatches[] = {1, 4, 8, 16, 32, 64};

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

// The network's frozen forward per window at each batch size, on a real composed window.
struct Floor {
  std::map<int64_t, double> per_window;  // batch → seconds per window
  int64_t best_batch = 0;
  double best = 0.0;
  std::unique_ptr<models::Model> best_model;  // the model at best_batch, and a full batch of windows for it
  std::vector<float> best_windows;
  /// The floor per window at the best batch measured again now (the load changes between cases).
  Cost now() const {
    return median_per_call(
               [&] { benchmark::DoNotOptimize(best_model->window_logits(best_windows.data(), best_batch)); })
        .per(static_cast<double>(best_batch));
  }
};

const Floor& floor_of(const std::string& kind) {
  static std::map<std::string, Floor> floors;
  auto it = floors.find(kind);
  if (it != floors.end()) return it->second;
  Floor f;
  for (int64_t batch : kBatches) {
    const auto model = make_model(kind, batch);
    const auto factorization = factorizations::factorizer_registry()
                                   .create("tf_grid", {{"time_segments", 10}, {"frequency_bands", 8}})
                                   ->factorize(perf::synthetic_clip(3.0), model->front_end());
    const Matrix<float> window =
        factorization->compose(std::vector<uint8_t>(static_cast<size_t>(factorization->size()), 1));
    std::vector<float> windows;
    for (int64_t b = 0; b < batch; ++b) windows.insert(windows.end(), window.values().begin(), window.values().end());
    const double seconds =
        median_per_call([&] { benchmark::DoNotOptimize(model->window_logits(windows.data(), batch)); }).fastest /
        static_cast<double>(batch);
    f.per_window[batch] = seconds;
    if (f.best_batch == 0 || seconds < f.best) {
      f.best = seconds;
      f.best_batch = batch;
      f.best_model = make_model(kind, batch);
      f.best_windows = std::move(windows);
    }
  }
  return floors.emplace(kind, std::move(f)).first->second;
}

void report_floor(benchmark::State& state, const std::string& kind) {
  const Floor& f = floor_of(kind);
  for (auto _ : state) state.SetIterationTime(f.best);
  for (const auto& [batch, seconds] : f.per_window) state.counters["ms_b" + std::to_string(batch)] = seconds * 1e3;
  state.counters["best_batch"] = static_cast<double>(f.best_batch);
}

struct Case {
  std::string kind;           // builtin | torchscript
  std::string factorization;  // tf_grid | stems
  double seconds;             // clip length
};

struct Subject {
  std::unique_ptr<models::Model> model;
  std::unique_ptr<factorizations::Factorization> factorization;
};

Subject& subject(const Case& c) {
  static std::map<std::string, Subject> subjects;
  const std::string key = c.kind + "/" + c.factorization + "/" + std::to_string(c.seconds);
  auto it = subjects.find(key);
  if (it != subjects.end()) return it->second;
  Subject s;
  s.model = make_model(c.kind);
  const nlohmann::json options = c.factorization == "tf_grid"
                                     ? nlohmann::json{{"time_segments", 10}, {"frequency_bands", 8}}
                                     : nlohmann::json{{"segments", 10}};
  s.factorization = factorizations::factorizer_registry()
                        .create(c.factorization, options)
                        ->factorize(perf::synthetic_clip(c.seconds), s.model->front_end());
  return subjects.emplace(key, std::move(s)).first->second;
}

struct Row {
  std::string name;
  double per_window_ms, floor_ms, floor_default_ms, ratio, cpu_ratio;
  int64_t best_batch, default_batch;
};
std::vector<Row>& table() {
  static std::vector<Row> rows;
  return rows;
}

struct Run {
  double seconds;
  double cpu_seconds;
  methods::Explanation explanation;
  int64_t windows_run;
  double compose_seconds, model_seconds;
  int64_t peak_inputs;
};

Run explain(Subject& s, const std::string& method, const nlohmann::json& options, bool window_cache) {
  methods::EvaluatorOptions eo;
  eo.window_cache = window_cache;
  methods::Evaluator evaluator(*s.model, *s.factorization, eo);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.seed = 1;
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = process_cpu();
  methods::Explanation e = methods::explainer_registry().create(method, options)->explain(request);
  const double seconds = since(t0);
  return {seconds,
          process_cpu() - c0,
          std::move(e),
          evaluator.windows_run(),
          evaluator.compose_seconds(),
          evaluator.model_seconds(),
          evaluator.peak_inputs_held()};
}

nlohmann::json method_options(const std::string& method) {
  if (method == "lime") return {{"num_samples", kMasks}, {"held_out_fraction", 0}};
  if (method == "kernel_shap") return {{"num_samples", kMasks}};
  return nlohmann::json::object();
}

void acceptance(benchmark::State& state, const Case& c, const std::string& method, const std::string& name) {
  Subject& s = subject(c);
  const Floor& f = floor_of(c.kind);
  for (auto _ : state) {
    // The floor at the best batch right before and right after the method, so that both sides of the
    // ratio see the same load.
    const Cost before = f.now();
    const Run r = explain(s, method, method_options(method), /*window_cache=*/false);
    const Cost after = f.now();
    const double floor = 0.5 * (before.wall + after.wall);
    const double cpu_floor = 0.5 * (before.cpu + after.cpu);
    state.SetIterationTime(r.seconds);
    const double per_window = r.seconds / static_cast<double>(r.windows_run);
    const double cpu_per_window = r.cpu_seconds / static_cast<double>(r.windows_run);
    const int64_t default_batch = s.model->preferred_batch();
    const double floor_default = f.per_window.count(default_batch) ? f.per_window.at(default_batch) : 0.0;
    state.counters["evals"] = static_cast<double>(r.explanation.evals);
    state.counters["windows_run"] = static_cast<double>(r.windows_run);
    state.counters["per_window_ms"] = per_window * 1e3;
    state.counters["floor_ms"] = floor * 1e3;
    state.counters["best_batch"] = static_cast<double>(f.best_batch);
    state.counters["floor_default_ms"] = floor_default * 1e3;
    state.counters["ratio"] = per_window / floor;
    state.counters["cpu_ratio"] = cpu_per_window / cpu_floor;
    state.counters["compose_s"] = r.compose_seconds;
    state.counters["model_s"] = r.model_seconds;
    table().push_back({name, per_window * 1e3, floor * 1e3, floor_default * 1e3, per_window / floor,
                       cpu_per_window / cpu_floor, f.best_batch, default_batch});
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
  Subject& s = subject({"builtin", "stems", 30.0});
  const double floor = floor_per_mask(s);
  for (auto _ : state) {
    const Run r = explain(s, method, method_options(method), window_cache);
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

template <class F>
void add(const std::string& name, F&& f) {
  benchmark::RegisterBenchmark(name.c_str(), std::forward<F>(f))
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
}

}  // namespace

int main(int argc, char** argv) {
  for (const std::string kind : {"builtin", "torchscript"})
    add("floor/" + kind, [kind](benchmark::State& s) { report_floor(s, kind); });
  for (const std::string kind : {"builtin", "torchscript"})
    for (const std::string factorization : {"tf_grid", "stems"})
      for (const double seconds : {3.0, 30.0})
        for (const std::string method : {"kernel_shap", "lime"}) {
          const std::string name = "accept/" + kind + "/" + factorization + "/" +
                                   std::to_string(static_cast<int>(seconds)) + "s/" + method + "/4096";
          add(name, [c = Case{kind, factorization, seconds}, method, name](benchmark::State& s) {
            acceptance(s, c, method, name);
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
    std::printf("\n%-46s %9s %9s %5s %9s %5s %6s %9s\n", "case (window cache off)", "ms/window", "floor_ms", "best",
                "floor@def", "def", "ratio", "cpu_ratio");
    for (const Row& r : table())
      std::printf("%-46s %9.4f %9.4f %5lld %9.4f %5lld %6.3f %9.3f\n", r.name.c_str(), r.per_window_ms, r.floor_ms,
                  static_cast<long long>(r.best_batch), r.floor_default_ms, static_cast<long long>(r.default_batch),
                  r.ratio, r.cpu_ratio);
  }
  return 0;
}
