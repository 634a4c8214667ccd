// Synthetic music speed on ONE core (hearsay's threads are set to 1): the issue asks for at least 20x
// real time. x_realtime counts seconds of mix per second of compute (each 6 s track also renders four
// stems, and in planted mode a cue and two distractors on synths of their own).
//   BM_SoundfontLoad          a fresh synth loading TimGM6mb.sf2 (what lending the soundfont saves)
//   BM_ComposeTrack           the score of a 6 s genre track, no audio
//   BM_RenderTrack/<mode>     compose + render + scale + quantise one 6 s track (0: genres, 1: planted)
//   BM_WriteSet/<format>      hearsay synth end to end, ten 6 s tracks (one per genre) to disk (0: flac, 1: wav)
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "core/parallel.h"
#include "datasets/synth/synth.h"

namespace {

using namespace hearsay::datasets::synth;

constexpr double kSeconds = 6.0;

SynthOptions options(SynthMode mode) {
  SynthOptions o;
  o.mode = mode;
  o.seconds = kSeconds;
  o.per_genre = 1;
  return o;
}

void realtime(benchmark::State& state, double seconds_per_iteration) {
  state.counters["x_realtime"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * seconds_per_iteration, benchmark::Counter::kIsRate);
}

void BM_SoundfontLoad(benchmark::State& state) {
  for (auto _ : state) {
    const FluidRenderer renderer(kDefaultSoundfont, 22050);
    benchmark::DoNotOptimize(&renderer);
  }
}
BENCHMARK(BM_SoundfontLoad)->Unit(benchmark::kMillisecond);

void BM_ComposeTrack(benchmark::State& state) {
  const SynthOptions o = options(SynthMode::genres);
  const auto plans = plan_tracks(o);
  size_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(compose_track(o, plans[k++ % plans.size()]));
  realtime(state, kSeconds);
}
BENCHMARK(BM_ComposeTrack)->Unit(benchmark::kMillisecond);

void BM_RenderTrack(benchmark::State& state) {
  const SynthOptions o = options(state.range(0) ? SynthMode::planted : SynthMode::genres);
  const auto plans = plan_tracks(o);
  const FluidRenderer renderer(o.soundfont, o.sample_rate);
  size_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(render_track(o, compose_track(o, plans[k++ % plans.size()]), renderer));
  realtime(state, kSeconds);
}
BENCHMARK(BM_RenderTrack)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_WriteSet(benchmark::State& state) {
  SynthOptions o = options(SynthMode::genres);
  o.format = state.range(0) ? SynthFormat::wav : SynthFormat::flac;
  const auto dir = std::filesystem::temp_directory_path() / "hearsay-synth-bench";
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
    write_synthetic_dataset(o, dir.string());
  }
  std::filesystem::remove_all(dir);
  realtime(state, kSeconds * o.genres);
}
BENCHMARK(BM_WriteSet)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  hearsay::set_num_threads(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
