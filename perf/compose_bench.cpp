// Cost of composing one perturbed model input, the per-mask work every perturbation method adds to
// the model's forward pass: 30 s clip at 22050 Hz, default front-end (1292 frames x 96 mels).
#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "core/random.h"
#include "factorizations/factorization.h"

namespace {

using namespace hearsay;

factorizations::FactorizationInput thirty_seconds() {
  const int rate = 22050;
  const auto n = static_cast<int64_t>(30 * rate);
  Rng rng(1);
  factorizations::FactorizationInput in;
  std::vector<float> mix(static_cast<size_t>(n), 0.0f);
  for (const char* name : {"drums", "bass", "harmony", "lead"}) {
    std::vector<float> s(static_cast<size_t>(n));
    for (auto& v : s) v = static_cast<float>(rng.uniform(-0.1, 0.1));
    for (int64_t i = 0; i < n; ++i) mix[static_cast<size_t>(i)] += s[static_cast<size_t>(i)];
    in.stems[name] = Audio::mono(std::move(s), rate);
  }
  in.audio = Audio::mono(std::move(mix), rate);
  return in;
}

void compose(benchmark::State& state, const char* name, const nlohmann::json& options) {
  const FrontEnd front_end{FrontEndOptions{}};
  const auto f = factorizations::factorizer_registry().create(name, options)->factorize(thirty_seconds(), front_end);
  Rng rng(2);
  // As many distinct masks as a method draws, so the frame cache is as warm as in real use.
  std::vector<std::vector<uint8_t>> masks(4096, std::vector<uint8_t>(static_cast<size_t>(f->size())));
  for (auto& m : masks)
    for (auto& v : m) v = rng.bernoulli(0.5);
  std::vector<float> out(static_cast<size_t>(f->n_mels() * f->frames()));
  size_t i = 0;
  for (auto _ : state) {
    f->compose(masks[i++ % masks.size()].data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["components"] = static_cast<double>(f->size());
}

void BM_ComposeStemsTimesTenSegments(benchmark::State& state) { compose(state, "stems", {{"segments", 10}}); }
BENCHMARK(BM_ComposeStemsTimesTenSegments)->Unit(benchmark::kMillisecond);

void BM_ComposeSegments(benchmark::State& state) { compose(state, "segments", {{"segments", 10}}); }
BENCHMARK(BM_ComposeSegments)->Unit(benchmark::kMillisecond);

void BM_ComposeTfGrid(benchmark::State& state) {
  compose(state, "tf_grid", {{"time_segments", 10}, {"frequency_bands", 4}});
}
BENCHMARK(BM_ComposeTfGrid)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
