#include "tests/support/signals.h"

#include <cmath>

#include "core/random.h"

namespace hearsay::testing {

namespace {
float on_16_bit_grid(double x) { return static_cast<float>(std::round(x * 32768.0) / 32768.0); }
}  // namespace

StemClip stem_clip(double seconds, int rate, uint64_t seed) {
  const auto n = static_cast<int64_t>(seconds * rate);
  Rng rng(seed);
  std::vector<float> tones(static_cast<size_t>(n)), bursts(static_cast<size_t>(n)), sweep(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double f = t < seconds / 2 ? 440.0 : 1760.0;
    tones[static_cast<size_t>(i)] = on_16_bit_grid(0.3 * std::sin(2 * M_PI * f * t));
    const double phase = std::fmod(t, 0.5);
    bursts[static_cast<size_t>(i)] = phase < 0.08 ? on_16_bit_grid(0.4 * rng.uniform(-1.0, 1.0)) : 0.0f;
    sweep[static_cast<size_t>(i)] =
        on_16_bit_grid(0.05 * std::sin(2 * M_PI * (200.0 * t + 0.5 * (4000.0 / seconds) * t * t)));
  }
  StemClip clip;
  std::vector<float> mix(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    mix[static_cast<size_t>(i)] =
        tones[static_cast<size_t>(i)] + bursts[static_cast<size_t>(i)] + sweep[static_cast<size_t>(i)];
  clip.mix = Audio::mono(std::move(mix), rate);
  clip.stems["tones"] = Audio::mono(std::move(tones), rate);
  clip.stems["bursts"] = Audio::mono(std::move(bursts), rate);
  clip.stems["sweep"] = Audio::mono(std::move(sweep), rate);
  return clip;
}

}  // namespace hearsay::testing
