// The input the method benchmarks share (30 s unless asked): four stems of band-limited noise and tones at 22050 Hz,
// summing to the mix, so stems × segments has real separated sources to work on.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/random.h"
#include "factorizations/factorization.h"

namespace hearsay::perf {

constexpr int kRate = 22050;

inline factorizations::FactorizationInput synthetic_clip(double seconds = 30.0) {
  const auto n = static_cast<int64_t>(seconds * kRate);
  Rng rng(3);
  factorizations::FactorizationInput in;
  std::vector<float> mix(static_cast<size_t>(n), 0.0f);
  int k = 0;
  for (const char* name : {"drums", "bass", "harmony", "lead"}) {
    std::vector<float> s(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      s[static_cast<size_t>(i)] = static_cast<float>(0.05 * rng.uniform(-1, 1) + 0.1 * std::sin(0.01 * (k + 1) * i));
    for (int64_t i = 0; i < n; ++i) mix[static_cast<size_t>(i)] += s[static_cast<size_t>(i)];
    in.stems[name] = Audio::mono(std::move(s), kRate);
    ++k;
  }
  in.audio = Audio::mono(std::move(mix), kRate);
  return in;
}

}  // namespace hearsay::perf
