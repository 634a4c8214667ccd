// Front-end cost for one 30 s clip at 22050 Hz (n_fft 1024, hop 512, 96 mels): the STFT alone, the
// power → mel → dB stages alone, and the whole chain. Counters give clips per second and the
// real-time factor (seconds of audio per second of compute).
#include <benchmark/benchmark.h>

#include "core/front_end.h"
#include "core/random.h"

namespace {

using hearsay::FrontEnd;
using hearsay::FrontEndOptions;

constexpr int kRate = 22050;
constexpr double kSeconds = 30.0;

std::vector<float> clip() {
  hearsay::Rng rng(1);
  std::vector<float> x(static_cast<size_t>(kRate * kSeconds));
  for (auto& v : x) v = static_cast<float>(rng.uniform(-0.5, 0.5));
  return x;
}

FrontEndOptions options() {
  FrontEndOptions o;
  o.sample_rate = kRate;
  o.n_fft = 1024;
  o.hop_length = 512;
  o.n_mels = 96;
  return o;
}

void report(benchmark::State& state) {
  state.counters["clips/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["x_realtime"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kSeconds, benchmark::Counter::kIsRate);
}

void BM_Stft30s(benchmark::State& state) {
  const FrontEnd front_end(options());
  const auto x = clip();
  for (auto _ : state) benchmark::DoNotOptimize(front_end.stft().forward(x.data(), static_cast<int64_t>(x.size())));
  report(state);
}
BENCHMARK(BM_Stft30s)->Unit(benchmark::kMillisecond);

void BM_MelFromSpectrum30s(benchmark::State& state) {
  const FrontEnd front_end(options());
  const auto x = clip();
  const auto spectrum = front_end.stft().forward(x.data(), static_cast<int64_t>(x.size()));
  for (auto _ : state) benchmark::DoNotOptimize(front_end.features_from_spectrum(spectrum));
  report(state);
}
BENCHMARK(BM_MelFromSpectrum30s)->Unit(benchmark::kMillisecond);

void BM_StftMel30s(benchmark::State& state) {
  const FrontEnd front_end(options());
  const auto x = clip();
  for (auto _ : state) benchmark::DoNotOptimize(front_end.features(x.data(), static_cast<int64_t>(x.size())));
  report(state);
}
BENCHMARK(BM_StftMel30s)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
