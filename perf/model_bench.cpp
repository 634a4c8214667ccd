// The forward floor every perturbation method is compared against: time per window of
// Model::window_logits on the default 4-block CNN (96 mels x 130 frames = 3 s, 10 classes), at
// batch 1 / 4 / 8 / 16 / 64 / 256, for
//   builtin      vgg_small built in C++ (random weights: speed does not depend on them);
//   torchscript  the same architecture exported by PyTorch (tests/data/models/vgg4);
// and each inference path:
//   eager   the structured network as built or loaded;
//   folded  batch-norm folded (built-in: a TorchScript copy; TorchScript: torch::jit::freeze);
//   frozen  folded, frozen and optimize_for_inference'd (the default).
// The counter "per_window" is wall-clock seconds per window (LibTorch works on other threads, so
// the main thread's CPU time would undercount). Threads follow --threads-like HEARSAY_THREADS
// (default: one per core); OpenMP waits as the hearsay executable sets it (core/parallel.h).
#include <cstdlib>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "core/parallel.h"
#include "core/random.h"
#include "models/load_model.h"

namespace {

using hearsay::models::InferenceOptions;
using hearsay::models::InferencePath;

constexpr int64_t kMels = 96;
constexpr int64_t kFrames = 130;

std::unique_ptr<hearsay::models::Model> make(const std::string& kind, InferencePath path, int64_t batch) {
  InferenceOptions options;
  options.path = path;
  options.batch = batch;
  if (kind == "torchscript") return hearsay::models::load_model(HEARSAY_MODEL_FIXTURES "/vgg4", options);
  return hearsay::models::create_model(
      "vgg_small", hearsay::FrontEndOptions{},
      {"blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"}, kFrames, 0,
      nlohmann::json::object(), options);
}

void window_logits(benchmark::State& state, const std::string& kind, InferencePath path) {
  const int64_t batch = state.range(0);
  std::unique_ptr<hearsay::models::Model> model;
  try {
    model = make(kind, path, batch);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  hearsay::Rng rng(1);
  std::vector<float> windows(static_cast<size_t>(batch * kMels * kFrames));
  for (auto& v : windows) v = static_cast<float>(rng.uniform(-80.0, 20.0));
  model->window_logits(windows.data(), batch);  // warm-up (oneDNN primitives, profiling runs)
  for (auto _ : state) benchmark::DoNotOptimize(model->window_logits(windows.data(), batch));
  state.counters["per_window"] = benchmark::Counter(static_cast<double>(state.iterations() * batch),
                                                    benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void register_all() {
  const std::pair<const char*, InferencePath> paths[] = {
      {"eager", InferencePath::eager}, {"folded", InferencePath::folded}, {"frozen", InferencePath::frozen}};
  for (const std::string kind : {"builtin", "torchscript"})
    for (const auto& [name, path] : paths)
      benchmark::RegisterBenchmark(("WindowLogits/" + kind + "/" + name).c_str(),
                                   [kind, p = path](benchmark::State& s) { window_logits(s, kind, p); })
          ->Arg(1)
          ->Arg(4)
          ->Arg(8)
          ->Arg(16)
          ->Arg(64)
          ->Arg(256)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond)
          ->MinTime(1.0);
}

}  // namespace

int main(int argc, char** argv) {
  hearsay::use_short_omp_spin(argv);  // OpenMP's waiting as the hearsay executable sets it
  const char* threads = std::getenv("HEARSAY_THREADS");
  hearsay::models::set_torch_threads(threads ? std::atoi(threads) : 0);
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
