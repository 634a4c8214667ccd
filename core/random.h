// Seeded random numbers. Every random choice in hearsay flows from an explicit seed through these
// helpers. The distributions are implemented here rather than taken from <random>, whose
// distributions differ between standard libraries: the same seed gives the same numbers anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace hearsay {

/// SplitMix64 step: advances `state` and returns a well-mixed 64-bit value.
uint64_t splitmix64(uint64_t& state);

/// A seed for an independent stream `stream` derived from `seed`. Parallel work seeds each item from
/// (seed, item index), so results do not depend on how items are spread over threads.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

/// xoshiro256** generator with portable distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi);
  /// Uniform integer in [lo, hi] (inclusive), without modulo bias.
  int64_t uniform_int(int64_t lo, int64_t hi);
  /// Standard normal (Box–Muller; the second value of each pair is kept for the next call).
  double normal();
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  bool bernoulli(double p) { return uniform() < p; }

  /// Fisher–Yates shuffle.
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) {
      const auto j = static_cast<size_t>(uniform_int(0, static_cast<int64_t>(i) - 1));
      std::swap(items[i - 1], items[j]);
    }
  }

  /// Index drawn with probability proportional to `weights` (non-negative, not all zero).
  size_t categorical(const std::vector<double>& weights);

 private:
  uint64_t s_[4];
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace hearsay
