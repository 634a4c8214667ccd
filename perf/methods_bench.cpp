// Attribution methods against the model-forward floor (issue #5): stems x 10 segments on a 30 s clip
// at 22050 Hz with N = 4096 perturbations, on an untrained vgg_small (timing does not depend on the
// weights). For each method the benchmark reports its seconds, the masks it evaluated, the network
// windows it ran, and `ratio`: its seconds over the floor for the same number of masks, where the
// floor is the time of bare forward passes on already-composed inputs (measured once, per mask).
// The window cache lets a method skip windows whose input it has seen (exact, see methods/evaluator.h);
// the no_window_cache variants show the overhead when every window runs.
//
// Run: build/bench/methods_bench [--benchmark_filter=...]; each case runs once (minutes).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "core/random.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/load_model.h"
#include "perf/synthetic_clip.h"

namespace {

using namespace hearsay;

constexpr int kMasks = 4096;

struct Setup {
  std::unique_ptr<models::Model> model;
  std::unique_ptr<factorizations::Factorization> factorization;
  double floor_seconds_per_mask = 0.0;
};

using perf::synthetic_clip;

Setup& setup() {
  static Setup s = [] {
    Setup out;
    const FrontEndOptions fe;
    out.model = models::create_model("vgg_small", fe, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, 130, 1);
    out.factorization = factorizations::factorizer_registry()
                            .create("stems", {{"segments", 10}})
                            ->factorize(synthetic_clip(), out.model->front_end());
    // The floor: bare forward passes of composed 30 s inputs (all windows, no cache), per mask.
    const int64_t frames = out.factorization->frames();
    const int64_t cells = out.model->front_end().n_mels() * frames;
    // 8 clips of 10 windows fill 5 full batches of 16: no padded network inputs in the floor.
    const int64_t batch = 8;
    std::vector<float> inputs(static_cast<size_t>(batch * cells));
    for (int64_t b = 0; b < batch; ++b)
      out.factorization->compose(std::vector<uint8_t>(static_cast<size_t>(out.factorization->size()), 1).data(),
                                 inputs.data() + b * cells);
    // The first calls of a frozen module are slow (the graph executor profiles them): warm up, then
    // take the median of five measurements of 8 calls each, so one noisy moment does not move it.
    for (int r = 0; r < 3; ++r) benchmark::DoNotOptimize(out.model->logits_from_features(inputs.data(), batch, frames));
    std::vector<double> per_clip;
    for (int rep = 0; rep < 5; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int r = 0; r < 8; ++r)
        benchmark::DoNotOptimize(out.model->logits_from_features(inputs.data(), batch, frames));
      per_clip.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / (8 * batch));
    }
    std::sort(per_clip.begin(), per_clip.end());
    out.floor_seconds_per_mask = per_clip[2];
    return out;
  }();
  return s;
}

void report_floor(benchmark::State& state) {
  Setup& s = setup();
  for (auto _ : state) {
    state.SetIterationTime(s.floor_seconds_per_mask * kMasks);
  }
  state.counters["masks"] = kMasks;
  state.counters["windows_per_mask"] =
      static_cast<double>(models::window_starts(s.factorization->frames(), s.model->input_frames()).size());
  state.counters["ms_per_mask"] = s.floor_seconds_per_mask * 1e3;
}
BENCHMARK(report_floor)->Name("floor/4096_forward_passes")->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

void method(benchmark::State& state, const std::string& name, const nlohmann::json& options, bool window_cache = true) {
  Setup& s = setup();
  for (auto _ : state) {
    methods::EvaluatorOptions eo;
    eo.window_cache = window_cache;
    methods::Evaluator evaluator(*s.model, *s.factorization, eo);
    methods::ExplainRequest request;
    request.evaluator = &evaluator;
    request.seed = 1;
    const auto t0 = std::chrono::steady_clock::now();
    const methods::Explanation e = methods::explainer_registry().create(name, options)->explain(request);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(seconds);
    state.counters["evals"] = static_cast<double>(e.evals);
    state.counters["windows_run"] = static_cast<double>(evaluator.windows_run());
    state.counters["compose_s"] = evaluator.compose_seconds();
    state.counters["model_s"] = evaluator.model_seconds();
    state.counters["ratio"] = seconds / (s.floor_seconds_per_mask * static_cast<double>(e.evals));
    // Time over the time of the method's own model calls: what sampling, composing and fitting add to
    // the forward passes it makes (immune to the floor's run-to-run noise).
    state.counters["over_own_forward"] = seconds / evaluator.model_seconds();
    state.counters["windows_held"] = static_cast<double>(evaluator.peak_inputs_held());
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    state.counters["peak_rss_MB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  }
}

void BM_Lime(benchmark::State& state) { method(state, "lime", {{"num_samples", kMasks}, {"held_out_fraction", 0}}); }
BENCHMARK(BM_Lime)->Name("lime/4096")->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

void BM_KernelShap(benchmark::State& state) { method(state, "kernel_shap", {{"num_samples", kMasks}}); }
BENCHMARK(BM_KernelShap)->Name("kernel_shap/4096")->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

void BM_Occlusion(benchmark::State& state) { method(state, "occlusion", nlohmann::json::object()); }
BENCHMARK(BM_Occlusion)->Name("occlusion")->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

// Without the window cache every mask runs all its windows: the ratio is then the overhead of
// sampling, composing and fitting over bare forward passes.
void BM_LimeNoWindowCache(benchmark::State& state) {
  method(state, "lime", {{"num_samples", kMasks}, {"held_out_fraction", 0}}, false);
}
BENCHMARK(BM_LimeNoWindowCache)
    ->Name("lime/4096/no_window_cache")
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

void BM_KernelShapNoWindowCache(benchmark::State& state) {
  method(state, "kernel_shap", {{"num_samples", kMasks}}, false);
}
BENCHMARK(BM_KernelShapNoWindowCache)
    ->Name("kernel_shap/4096/no_window_cache")
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

void BM_OcclusionNoWindowCache(benchmark::State& state) { method(state, "occlusion", nlohmann::json::object(), false); }
BENCHMARK(BM_OcclusionNoWindowCache)
    ->Name("occlusion/no_window_cache")
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
