// Training a built-in network on a dataset split: random excerpts cut from features cached once per
// track (models/training_data.h), Adam with a cosine learning-rate schedule, early stopping on
// validation accuracy (the best epoch's weights are kept), optional gain augmentation, and a final
// score on the test tracks. Deterministic given the seed and the thread count: torch's generator is
// seeded for the initial weights and dropout, hearsay's Rng for the order, the crops and the gains.
// Torch-free header; the implementation lives in hearsay::models (LibTorch).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/front_end.h"
#include "core/options.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "models/evaluation.h"
#include "models/load_model.h"
#include "models/model.h"

namespace hearsay::models {

enum class LrSchedule { cosine, constant };

struct TrainOptions {
  /// Built-in network to train (vgg_small, fcn, short_chunk_cnn). Default vgg_small.
  std::string model = "vgg_small";
  /// Network input length in seconds (converted to feature frames), in (0, 60]. Default 3.
  double seconds = 3.0;
  /// Most epochs; early stopping may end sooner. Default 30.
  int epochs = 30;
  /// Stop after this many epochs without a better validation accuracy (0: never). Default 8.
  int patience = 8;
  /// Windows per optimisation step, 1..4096. Default 32.
  int batch_size = 32;
  /// Adam's learning rate at the start. Default 2e-3.
  double learning_rate = 2e-3;
  /// Adam's L2 weight decay. Default 1e-4.
  double weight_decay = 1e-4;
  /// cosine: the rate falls to 1 % of learning_rate over `epochs` (default); constant.
  LrSchedule schedule = LrSchedule::cosine;
  /// Random windows cut from each training track per epoch, 1..1000. Default 4.
  int crops_per_track = 4;
  /// Gain augmentation: each training window gets a gain uniform in ±gain_db dB (0: off). Default 6.
  double gain_db = 6.0;
  /// Seed of the initial weights, dropout, data order, crops and gains. Default 0.
  int64_t seed = 0;

  template <class V>
  void visit(V& v) {
    v("model", model, "built-in network to train: vgg_small, fcn or short_chunk_cnn (default vgg_small)");
    // Upper bounds keep a typo (1e9 s, a batch of 1e9 windows) from becoming an allocation of terabytes.
    v("seconds", seconds, "network input length in seconds (default 3)", Range{0.0, 60.0, true, false});
    v("epochs", epochs, "most epochs (default 30)", Range::at_least(1));
    v("patience", patience, "epochs without better validation accuracy before stopping; 0: never (default 8)",
      Range::at_least(0));
    v("batch_size", batch_size, "windows per optimisation step (default 32)", Range::between(1, 4096));
    v("learning_rate", learning_rate, "Adam's initial learning rate (default 2e-3)", Range::greater_than(0));
    v("weight_decay", weight_decay, "Adam's L2 weight decay (default 1e-4)", Range::at_least(0));
    v.choice("schedule", schedule, {{"cosine", LrSchedule::cosine}, {"constant", LrSchedule::constant}},
             "learning-rate schedule (default cosine: down to 1 % over the epochs)");
    v("crops_per_track", crops_per_track, "random windows per training track per epoch (default 4)",
      Range::between(1, 1000));
    v("gain_db", gain_db, "gain augmentation range in dB, uniform in +-gain_db; 0: off (default 6)",
      Range::between(0, 40));
    v("seed", seed, "seed of weights, dropout, order, crops and gains (default 0)", Range::at_least(0));
  }
};

/// What the progress callback sees: after every step, and once more at the end of each epoch.
struct TrainProgress {
  int epoch = 0;  ///< 1-based
  int epochs = 0;
  int64_t step = 0;  ///< steps done in this epoch
  int64_t steps = 0;
  double loss = 0.0;      ///< mean training loss so far this epoch
  double accuracy = 0.0;  ///< training accuracy so far this epoch (on augmented crops)
  double learning_rate = 0.0;
  double elapsed_seconds = 0.0;  ///< since training started (feature caching included)
  double eta_seconds = 0.0;      ///< to the last epoch, at the mean pace so far (early stopping may come sooner)
  bool epoch_done = false;
  double val_accuracy = 0.0;  ///< whole validation tracks by the window rule (epoch_done only)
  double val_loss = 0.0;
  bool improved = false;  ///< the epoch beat the best validation accuracy so far (epoch_done only)
};

using ProgressCallback = std::function<void(const TrainProgress&)>;

struct TrainResult {
  /// The trained model (the best epoch's weights), ready to save with save_model; its model.json
  /// carries the training summary and the data fingerprint.
  std::unique_ptr<Model> model;
  /// Options, epochs run, best epoch, per-epoch history, timing, threads, notes, test score.
  nlohmann::json summary;
  /// Scores on the split's test tracks (empty when the split has none).
  Evaluation test;
};

/// Trains `options.model` on split.train, validating on split.val (or on the training tracks when
/// val is empty, which the summary notes) and scoring split.test.
TrainResult train_model(const datasets::Dataset& dataset, const datasets::Split& split,
                        const FrontEndOptions& front_end, const nlohmann::json& network_options,
                        const TrainOptions& options, const ProgressCallback& progress = {},
                        const InferenceOptions& inference = {});

}  // namespace hearsay::models
