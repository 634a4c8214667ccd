// A bench study's data, model and clips: what they are in a config (DatasetSpec, ModelSpec,
// ClipSpec) and what they become once prepared (PreparedStudy). Preparing may synthesise a set and
// train a model; both are cache entries keyed by the options that make them and made through
// bench/cache_entry.h, so concurrent runs (shards, MPI ranks, two users) share them safely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/audio.h"
#include "core/options.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "models/model.h"

namespace hearsay::bench {

/// The data of a study: a folder, or a synthetic set made into the cache. Exactly one of path / synth.
struct DatasetSpec {
  std::string path;      ///< any folder open_dataset reads: a manifest, the GTZAN layout, one folder per class
  nlohmann::json synth;  ///< or hearsay synth's options (datasets::synth::SynthOptions) as an object; null: none
  /// Folder of train.txt / val.txt / test.txt. Empty: the dataset's own splits/ folder when it has
  /// one (hearsay synth and hearsay train write it), else a stratified split with the fractions below
  /// and the study seed.
  std::string splits;
  double val_fraction = 0.1;   ///< stratified split only: share of each class in val, [0, 1)
  double test_fraction = 0.2;  ///< stratified split only: share of each class in test, [0, 1)

  template <class V>
  void visit(V& v) {
    v("path", path,
      "dataset folder: a manifest (manifest.json / .csv), the GTZAN layout or one sub-folder per class (or give "
      "synth)");
    v("synth", synth,
      "synthetic set instead of a folder: hearsay synth's options as an object, e.g. {\"mode\": \"planted\", "
      "\"genres\": 4} (hearsay synth --help lists them); made once into the cache (null: not synthetic)");
    v("splits", splits,
      "folder of train.txt, val.txt, test.txt (empty: the dataset's splits/ folder when present, else a stratified "
      "split with val_fraction, test_fraction and the study seed)");
    v("val_fraction", val_fraction, "stratified split: share of each class for validation",
      Range{0.0, 1.0, false, true});
    v("test_fraction", test_fraction, "stratified split: share of each class for testing",
      Range{0.0, 1.0, false, true});
  }
  /// Checks what involves several keys (exactly one of path / synth; synth's own options; the
  /// fractions' sum): ConfigError naming "<context>.dataset.<key>".
  void check(const std::string& context) const;
};

/// The model of a study: a model folder, or one trained on the study's train split (cached).
/// Exactly one of path / train.
struct ModelSpec {
  std::string path;      ///< a model folder: hearsay train's output, or a TorchScript model with model.json
  nlohmann::json train;  ///< or models::TrainOptions as an object ({} for the defaults); null: none
  /// or the name of an earlier study in the same config whose model this study explains (a model
  /// trained on an easy set, explained on a harder one); resolved by the runner (bench/run.cpp)
  std::string study;

  template <class V>
  void visit(V& v) {
    v("path", path,
      "model folder: hearsay train's output or a TorchScript model folder with model.json (or give train)");
    v("train", train,
      "train a built-in network on the study's train split instead: hearsay train's options as an object, e.g. "
      "{\"model\": \"vgg_small\", \"epochs\": 10} (hearsay train --help lists them; seed defaults to the study seed); "
      "cached (null: no training)");
    v("study", study,
      "or use the model of an earlier study in this config, by its name: explain a harder set (a weaker cue, a cue "
      "split across stems) with the model trained on an easier one");
  }
  /// Exactly one of path / train / study, and train's own options: ConfigError naming
  /// "<context>.model.<key>". (Whether `study` names an earlier study is BenchConfig::validate's.)
  void check(const std::string& context) const;
};

/// Which clips of a study are explained.
struct ClipSpec {
  std::string split = "test";    ///< "train", "val", "test", "all", or a split file (one id per line)
  std::vector<std::string> ids;  ///< explicit ids, in this order (used instead of split when non-empty)
  /// only clips of these classes (names of the dataset's classes; empty: every class), e.g. the
  /// class whose clips carry a ground-truth cue; explicit ids are taken as given
  std::vector<std::string> classes;
  int per_class = 0;  ///< at most this many per class, >= 0 (0: no limit)
  int count = 3;      ///< at most this many in all, >= 0 (0: all)
  /// 0: each class's clips in dataset order; else each class's clips shuffled with this seed. Either
  /// way the classes take turns (the first of each class, then the second, ...), so a small count
  /// still covers the classes. Explicit ids keep their own order.
  uint64_t seed = 0;

  template <class V>
  void visit(V& v) {
    v("split", split, "clips from this split: train, val, test, all, or a split file with one id per line");
    v("ids", ids, "explicit clip ids, explained in this order (instead of split when non-empty)");
    v("classes", classes, "only clips of these classes (empty: every class; not applied to explicit ids)");
    v("per_class", per_class, "at most this many clips per class (0: no limit)", Range::at_least(0));
    v("count", count, "at most this many clips in all (0: all)", Range::at_least(0));
    v("seed", seed, "0: clips in dataset order; else shuffled within each class with this seed");
  }
  /// Refuses a split that is neither a split name nor a readable file, and duplicated ids:
  /// ConfigError naming "<context>.clips.<key>".
  void check(const std::string& context) const;
};

struct PreparedStudy {
  std::string dataset_dir;  ///< the dataset folder (the user's, or the synthetic cache entry)
  std::string dataset_key;  ///< 12 hex digits: the synthetic options, or the folder and its files (names, sizes)
  std::unique_ptr<datasets::Dataset> dataset;
  datasets::Split split;
  std::string split_source;  ///< where the split came from: a splits folder, or "stratified"
  std::unique_ptr<models::Model> model;
  std::string model_dir;
  std::string model_key;       ///< 12 hex digits: the trained model's cache key, or the model folder and its files
  bool model_trained = false;  ///< trained by the study (a cache entry), not the user's folder
  bool model_cached = false;   ///< trained earlier (another run or process) and reused from the cache
  std::string model_study;     ///< the study whose model this one borrowed (ModelSpec::study); "" for none
  std::optional<double> test_accuracy;  ///< when known: trained here, or test.json beside the model
  std::vector<size_t> clips;            ///< dataset indices to explain, in a deterministic order
  std::string cache_dir;                ///< where cache entries go (adversarial examples, bench/adversarial.h)
  std::vector<std::string> warnings;    ///< the warning lines also written to the log (no "warning: " prefix)

  /// {"dataset", "dataset_key", "dataset_classes", "split": {"source", "train", "val", "test"},
  ///  "model", "model_key", "model_name", "model_trained", "classes", "test_accuracy" (null when
  ///  unknown), "clips": [ids], "warnings"}.
  nlohmann::json describe() const;
};

/// Prepares a study: checks the specs (ConfigError naming "<context>.dataset.path" and so on, before
/// any work), opens or synthesises the dataset, reads or draws the split, loads or trains the model,
/// and selects the clips. The synthetic set goes to <cache_dir>/synth-<key>, a trained model to
/// <cache_dir>/model-<key>; concurrent callers share them (bench/cache_entry.h). Progress and
/// warnings go to `log`: a model whose classes differ from the dataset's (its explanations still
/// explain the predicted class), a model at chance level. `context` prefixes messages, e.g.
/// "bench: studies[0]".
PreparedStudy prepare_study(const DatasetSpec& dataset, const ModelSpec& model, const ClipSpec& clips, uint64_t seed,
                            const std::string& cache_dir, std::ostream& log, const std::string& context);

/// The clips a ClipSpec selects from a dataset and its split (see ClipSpec). ConfigError naming
/// "<context>.clips.<key>" for an id or split file the dataset lacks, or when nothing is selected.
std::vector<size_t> select_clips(const datasets::Dataset& dataset, const datasets::Split& split, const ClipSpec& clips,
                                 const std::string& context);

/// `audio` as a study's jobs explain it: the excerpt from `excerpt_start` lasting `excerpt_seconds` (0:
/// to the end), mixed to mono, at `sample_rate`.
Audio study_excerpt(const Audio& audio, double excerpt_start, double excerpt_seconds, int sample_rate);

/// 12 hex digits (48 bits of FNV-1a) of `j.dump()`: how cache entries and their keys are named.
std::string config_key(const nlohmann::json& j);

/// Whether a test accuracy cannot be told from guessing: it is not above chance (1/classes) by more
/// than one standard error of a guessing classifier on `test_examples` examples. False when there
/// are no test examples (nothing is known).
bool at_chance_level(double accuracy, size_t classes, size_t test_examples);

}  // namespace hearsay::bench
