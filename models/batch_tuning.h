// Choosing a model's windows per network call by measurement. For small networks the batch size moves
// the time per window more than anything else (on the 2-core reference machine the default CNN runs
// 0.34 ms per window at 8, 0.41 at 1 and 0.75 at 64), and the best size depends on the network, so it
// is measured per model. A window's logits depend on the batch in their last bits (the convolutions
// block their work by it), so the result is stored in model.json ("batch", read by load_model) and
// used from then on, never re-chosen during a run: the same model folder gives the same results.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "models/model.h"

namespace hearsay::models {

/// The batch sizes `hearsay tune` tries.
inline const std::vector<int64_t> kTuningBatches = {1, 2, 4, 8, 16, 32, 64};

struct BatchTime {
  int64_t batch = 0;
  double seconds_per_window = 0.0;  ///< median over the rounds; 0 when the network refused the batch
  std::string error;                ///< why the batch could not run (empty when it ran)
};

struct BatchTuning {
  std::vector<BatchTime> times;       ///< one per batch tried, in the order given
  int64_t best = 0;                   ///< the batch with the lowest median time per window
  std::unique_ptr<Model> best_model;  ///< the model made for `best`, already warm
};

/// Makes the model once per batch (`make(batch)`: a model whose window_logits runs that batch), then
/// times window_logits on full batches of distinct windows (the model's own front-end on seeded noise;
/// the time does not depend on the values) in `rounds` round-robin passes over the batches, each
/// measurement running at least `seconds`: the machine's drift then reaches every batch alike. The
/// best batch has the lowest median time per window. A batch the network refuses (an
/// UnsupportedModelError, e.g. a network that takes one window at a time) is recorded with its error
/// and skipped; when every batch is refused the first error is thrown. ConfigError for an empty list,
/// a batch outside 1..4096, rounds < 1 or seconds <= 0.
BatchTuning tune_batch(const std::function<std::unique_ptr<Model>(int64_t batch)>& make,
                       const std::vector<int64_t>& batches = kTuningBatches, int rounds = 5, double seconds = 0.05);

}  // namespace hearsay::models
