// hearsay bench: the whole comparison on embedded defaults. It synthesises a genre set and a
// planted-cause set (cached), trains the default model on each (cached), explains test clips with
// every registered method over stems × segments and a time-frequency grid, checks on the planted set
// whether each method ranks the true cause first, and writes everything under one folder: per clip
// and factorization the explain outputs (JSON, figures, audio), plus results.csv, results.json and the
// tables printed at the end. A run that is interrupted loses nothing: the sets resume track by track,
// a clip's outputs appear only once complete, and a rerun skips what is done.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/options.h"
#include "models/train.h"

namespace hearsay::bench {

struct BenchConfig {
  uint64_t seed = 1;                 ///< seed of the sets, the training and every method
  int genres = 10;                   ///< genre set: classes (GTZAN-like styles)
  int per_genre = 20;                ///< genre set: tracks per class
  double seconds = 6.0;              ///< track length of both sets
  int genre_clips = 3;               ///< genre set: test clips explained (spread over the classes)
  bool planted = true;               ///< also run the planted-cause set
  int planted_classes = 4;           ///< planted set: cue classes
  int planted_per_class = 100;       ///< planted set: tracks per class
  int planted_clips = 6;             ///< planted set: test clips explained
  std::vector<std::string> methods;  ///< methods to compare; empty: every registered one
  nlohmann::json method_options = {{"lime", {{"num_samples", 2048}}}, {"kernel_shap", {{"num_samples", 2048}}}};
  int stem_segments = 4;         ///< stems × segments factorization: segments per stem
  int grid_time = 4;             ///< tf_grid: time divisions
  int grid_bands = 4;            ///< tf_grid: mel bands
  double excerpt_start = 0.0;    ///< explain each clip from this time (seconds)
  double excerpt_seconds = 0.0;  ///< explain this many seconds of each clip; 0: to its end
  models::TrainOptions train;    ///< training of the model on each set

  template <class V>
  void visit(V& v) {
    v("seed", seed, "seed of the sets, the training and every method");
    v("genres", genres, "genre set: classes", Range::between(2, 10));
    v("per_genre", per_genre, "genre set: tracks per class", Range::between(5, 1000));
    v("seconds", seconds, "length of every track in seconds", Range::between(2, 60));
    v("genre_clips", genre_clips, "genre set: test clips explained", Range::between(0, 1000));
    v("planted", planted, "also run the planted-cause set");
    v("planted_classes", planted_classes, "planted set: cue classes", Range::between(2, 10));
    v("planted_per_class", planted_per_class, "planted set: tracks per class", Range::between(5, 1000));
    v("planted_clips", planted_clips, "planted set: test clips explained", Range::between(0, 1000));
    v("methods", methods, "methods to compare (empty: every registered one)");
    v("method_options", method_options, "options per method, e.g. {\"lime\": {\"num_samples\": 2048}}");
    v("stem_segments", stem_segments, "time segments per stem", Range::between(1, 100));
    // 64 x 96 cells is 6144 components: LIME's 2048 x 6144 design matrix is 100 MB; 1000 x 96 was 1.5 GB.
    v("grid_time", grid_time, "tf_grid time divisions", Range::between(1, 64));
    v("grid_bands", grid_bands, "tf_grid mel bands", Range::between(1, 96));
    v("excerpt_start", excerpt_start, "explain each clip from this time in seconds (ground truth moves with it)",
      Range::at_least(0));
    v("excerpt_seconds", excerpt_seconds, "explain this many seconds of each clip (0: to its end)", Range::at_least(0));
    v.nested("train", train, "training options of the model on each set");
  }
  /// method_options must map method names to objects ({"lime": {...}}); the names are checked
  /// against the registry when the bench runs.
  void validate() const {
    HEARSAY_CHECK_AS(ConfigError, method_options.is_object(),
                     "bench: method_options must be an object of options per method, e.g. {\"lime\": "
                     "{\"num_samples\": 2048}}, got ",
                     hearsay::detail::json_preview(method_options));
    for (auto it = method_options.begin(); it != method_options.end(); ++it)
      HEARSAY_CHECK_AS(ConfigError, it.value().is_object(), "bench: method_options.", it.key(),
                       " must be an object of that method's options, got ", hearsay::detail::json_preview(it.value()));
  }
};

/// Whether a test accuracy cannot be told from guessing: it is not above chance (1/classes) by more
/// than one standard error of a guessing classifier on `test_examples` examples. False when there
/// are no test examples (nothing is known).
bool at_chance_level(double accuracy, size_t classes, size_t test_examples);

/// Runs the benchmark; writes into out_dir and keeps the synthetic sets and models in cache_dir.
/// Progress goes to `log`, the final tables to `out`. Returns the results document.
nlohmann::json run_bench(const BenchConfig& config, const std::string& out_dir, const std::string& cache_dir,
                         std::ostream& out, std::ostream& log);

/// The stems × segments components that hold a planted cue: "<stem>.tNN" for every segment that
/// overlaps [start, end] seconds by at least a quarter of the cue's length (a cue across a segment
/// boundary lives in both), given the segment boundaries in seconds.
std::vector<std::string> planted_components(const std::string& stem, double start, double end,
                                            const std::vector<double>& boundaries);

}  // namespace hearsay::bench
