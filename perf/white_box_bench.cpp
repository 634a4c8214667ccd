// White-box methods against the network's own passes (issue #12): for the default CNN (vgg_small,
// 96 mels x 130 frames, 10 classes, untrained: timing does not depend on the weights) on a 30 s clip
// at 22050 Hz (10 windows) factorized into stems x 10 segments, every registered method that needs
// the white box runs at its defaults, and the benchmark reports its seconds against three floors,
// each the median of five measurements:
//   forward          the clip's windows through Model::logits_from_features (the fast path);
//   forward_backward one clip's input gradient (WhiteBox::input_gradients, 1 clip);
//   batched          the same per clip when 16 clips share the call (what IG's steps do).
// Counters: x_forward and x_forward_backward (seconds over those floors); per_pass (seconds over
// gradient_passes batched floors: integrated gradients' target is <= 1.1, LRP's x_forward_backward
// <= 3); gradient_passes as the method reports them.
//
// Run: build/perf/white_box_bench [--benchmark_filter=...]; each case runs once.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/load_model.h"
#include "models/white_box.h"
#include "perf/synthetic_clip.h"

namespace {

using namespace hearsay;

// Median seconds of five measurements of `work`, after one warm-up call.
double median_seconds(const std::function<void()>& work) {
  work();
  std::vector<double> seconds;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    work();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[2];
}

struct Setup {
  std::unique_ptr<models::Model> model;
  std::unique_ptr<factorizations::Factorization> factorization;
  double forward = 0.0;
  double forward_backward = 0.0;
  double batched = 0.0;
};

Setup& setup() {
  static Setup s = [] {
    Setup out;
    out.model = models::create_model("vgg_small", FrontEndOptions{}, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"},
                                     130, 1);
    out.factorization = factorizations::factorizer_registry()
                            .create("stems", {{"segments", 10}})
                            ->factorize(perf::synthetic_clip(), out.model->front_end());
    const int64_t frames = out.factorization->frames();
    const Matrix<float> x =
        out.factorization->compose(std::vector<uint8_t>(static_cast<size_t>(out.factorization->size()), 1));
    const models::WhiteBox& box = *out.model->white_box();
    out.forward =
        median_seconds([&] { benchmark::DoNotOptimize(out.model->logits_from_features(x.data(), 1, frames)); });
    out.forward_backward = median_seconds(
        [&] { benchmark::DoNotOptimize(box.input_gradients(x.data(), 1, frames, 0, models::Output::logits)); });
    std::vector<float> sixteen;
    for (int k = 0; k < 16; ++k) sixteen.insert(sixteen.end(), x.values().begin(), x.values().end());
    out.batched =
        median_seconds([&] {
          benchmark::DoNotOptimize(box.input_gradients(sixteen.data(), 16, frames, 0, models::Output::logits));
        }) /
        16.0;
    return out;
  }();
  return s;
}

void floors(benchmark::State& state) {
  Setup& s = setup();
  for (auto _ : state) state.SetIterationTime(s.forward);
  state.counters["forward_ms"] = s.forward * 1e3;
  state.counters["forward_backward_ms"] = s.forward_backward * 1e3;
  state.counters["batched_forward_backward_ms"] = s.batched * 1e3;
  state.counters["windows"] =
      static_cast<double>(models::window_starts(s.factorization->frames(), s.model->input_frames()).size());
}

void method(benchmark::State& state, const std::string& name) {
  Setup& s = setup();
  for (auto _ : state) {
    methods::Evaluator evaluator(*s.model, *s.factorization, methods::EvaluatorOptions{});
    methods::ExplainRequest request;
    request.evaluator = &evaluator;
    request.seed = 1;
    const auto explainer = methods::explainer_registry().create(name);
    request.output = explainer->capabilities().default_output;
    const auto t0 = std::chrono::steady_clock::now();
    const methods::Explanation e = explainer->explain(request);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(seconds);
    state.counters["gradient_passes"] = static_cast<double>(e.gradient_passes);
    state.counters["x_forward"] = seconds / s.forward;
    state.counters["x_forward_backward"] = seconds / s.forward_backward;
    state.counters["per_pass"] = seconds / (static_cast<double>(std::max<int64_t>(e.gradient_passes, 1)) * s.batched);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("floors", floors)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
  // Every method that needs the white box, found through the registry: a new one is measured too.
  for (const std::string& name : methods::explainer_registry().names())
    if (methods::explainer_registry().create(name)->capabilities().needs_gradients)
      benchmark::RegisterBenchmark(name.c_str(), [name](benchmark::State& s) { method(s, name); })
          ->UseManualTime()
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
