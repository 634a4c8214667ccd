#include "bench/study.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "bench/cache_entry.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/hash.h"
#include "core/random.h"
#include "datasets/synth/synth.h"
#include "models/load_model.h"
#include "models/train.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

namespace {

using hearsay::detail::join_names;
using hearsay::detail::json_preview;

std::string seconds_since(std::chrono::steady_clock::time_point since) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
  return text;
}

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %%", 100.0 * fraction);
  return text;
}

// What a folder given by the user is, for a key: where it is and its files' names and sizes. Sizes
// and not contents: hashing gigabytes of audio on every run would cost more than it protects.
nlohmann::json folder_identity(const std::string& dir, const std::vector<std::string>& files) {
  std::error_code ec;
  nlohmann::json sized = nlohmann::json::array();
  for (const auto& f : files) {
    const auto size = fs::file_size(f, ec);
    sized.push_back({fs::path(f).lexically_relative(dir).generic_string(), ec ? -1 : static_cast<int64_t>(size)});
  }
  return {{"path", fs::weakly_canonical(dir, ec).string()}, {"files", sized}};
}

nlohmann::json split_ids(const datasets::Dataset& dataset, const datasets::Split& split) {
  auto ids = [&](const std::vector<size_t>& indices) {
    nlohmann::json list = nlohmann::json::array();
    for (size_t i : indices) list.push_back(dataset.info(i).id);
    return list;
  };
  return {{"train", ids(split.train)}, {"val", ids(split.val)}, {"test", ids(split.test)}};
}

// Adds a warning to the study and the log.
void warn(PreparedStudy& p, std::ostream& log, const std::string& line) {
  log << "  warning: " << line << "\n";
  p.warnings.push_back(line);
}

void open_synthetic(PreparedStudy& p, const DatasetSpec& spec, const std::string& where, const fs::path& cache,
                    std::ostream& log) {
  const auto options = read_options<datasets::synth::SynthOptions>(spec.synth, where + ".synth");
  ensure_writable_directory(cache.string(), "--cache");
  p.dataset_key = config_key(write_options(options));
  const fs::path entry = cache / ("synth-" + p.dataset_key);
  const size_t planned = datasets::synth::plan_tracks(options).size();
  std::unique_ptr<datasets::Dataset> opened;
  CacheEntryBuild how;
  how.what = "synthetic set";
  // The generator keeps the finished tracks of an interrupted attempt: only the rest is rendered.
  how.resume = true;
  how.check = [&](const std::string& dir) -> std::string {
    if (!fs::is_regular_file(fs::path(dir) / "manifest.json")) return "no manifest.json";
    datasets::OpenOptions strict;
    strict.strict = true;
    auto d = datasets::open_dataset(dir, strict);
    if (d->size() != planned) return message("it holds ", d->size(), " of ", planned, " tracks");
    opened = std::move(d);
    return {};
  };
  how.build = [&](const std::string& dir) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto summary = datasets::synth::write_synthetic_dataset(options, dir);
    for (const auto& note : summary.repaired) log << "  note: " << note << "\n";
    log << "  synthetic set: " << summary.rendered << " tracks rendered"
        << (summary.kept ? message(", ", summary.kept, " kept from an interrupted attempt") : std::string()) << " in "
        << seconds_since(t0) << "\n";
  };
  const bool built = ensure_cache_entry(entry.string(), how, log);
  HEARSAY_CHECK_AS(IoError, opened, "the synthetic set in '", entry.string(), "' could not be opened");
  p.dataset_dir = entry.string();
  p.dataset = std::move(opened);
  log << "  synthetic set: " << p.dataset->size() << " tracks in " << p.dataset_dir << (built ? "" : " (cached)")
      << "\n";
}

void open_folder(PreparedStudy& p, const DatasetSpec& spec, const std::string& where, std::ostream& log) {
  datasets::OpenOptions open;
  open.warn = [&](const std::string& line) { warn(p, log, line); };
  try {
    p.dataset = datasets::open_dataset(spec.path, open);
  } catch (const Error& e) {
    throw ConfigError(message(where, ".path: '", spec.path, "' is not a dataset folder (", e.what(), ")"));
  }
  HEARSAY_CHECK_AS(ConfigError, p.dataset->size() > 0, where, ".path: '", spec.path,
                   "' is not a dataset folder (no readable audio in it)");
  p.dataset_dir = spec.path;
  std::vector<std::string> files;
  for (size_t i = 0; i < p.dataset->size(); ++i) files.push_back(p.dataset->info(i).path);
  nlohmann::json identity = folder_identity(spec.path, files);
  identity["classes"] = p.dataset->classes();
  p.dataset_key = config_key(identity);
  log << "  dataset: " << p.dataset->size() << " clips in " << p.dataset_dir << "\n";
}

void read_split(PreparedStudy& p, const DatasetSpec& spec, uint64_t seed, const std::string& where) {
  const fs::path own = fs::path(p.dataset_dir) / "splits";
  const std::string dir = !spec.splits.empty()                     ? spec.splits
                          : fs::is_regular_file(own / "train.txt") ? own.string()
                                                                   : "";
  if (dir.empty()) {
    p.split = datasets::stratified_split(*p.dataset, spec.val_fraction, spec.test_fraction, seed);
    p.split_source = "stratified";
    return;
  }
  try {
    p.split = datasets::read_split_dir(dir, *p.dataset);
  } catch (const IoError& e) {
    throw ConfigError(message(where, spec.splits.empty() ? ": the dataset's splits: " : ".splits: ", e.what()));
  }
  p.split_source = dir;
}

void load_model_folder(PreparedStudy& p, const ModelSpec& spec, const std::string& where, std::ostream& log) {
  try {
    p.model = models::load_model(spec.path);
  } catch (const Error& e) {
    throw ConfigError(message(where, ".path: '", spec.path, "' is not a model folder (", e.what(), ")"));
  }
  p.model_dir = spec.path;
  std::vector<std::string> files;
  for (const auto& f : fs::directory_iterator(spec.path))
    if (f.is_regular_file()) files.push_back(f.path().string());
  std::sort(files.begin(), files.end());
  p.model_key = config_key(folder_identity(spec.path, files));
  // hearsay train writes the test score beside the model; a model from elsewhere may have none.
  const fs::path test = fs::path(spec.path) / "test.json";
  if (!fs::exists(test)) return;
  try {
    const nlohmann::json score = read_json_file(test.string());
    if (score.is_object() && score.contains("accuracy") && score["accuracy"].is_number())
      p.test_accuracy = score["accuracy"].get<double>();
  } catch (const IoError& e) {
    warn(p, log, message(e.what(), "; the model's test accuracy is unknown"));
  }
}

// The test score of a trained-model entry: its accuracy, or null when the split had no test clips.
std::optional<double> read_test_accuracy(const fs::path& file) {
  const nlohmann::json score = read_json_file(file.string());
  HEARSAY_CHECK_AS(
      IoError,
      score.is_object() && score.contains("accuracy") && (score["accuracy"].is_number() || score["accuracy"].is_null()),
      "'", file.string(), "' has no accuracy");
  if (score["accuracy"].is_null()) return std::nullopt;
  return score["accuracy"].get<double>();
}

void train_cached(PreparedStudy& p, const ModelSpec& spec, uint64_t seed, const std::string& where,
                  const fs::path& cache, std::ostream& log) {
  auto options = read_options<models::TrainOptions>(spec.train, where + ".train");
  // TrainOptions' seed is an int64 of at least 0: the study seed is taken modulo 2^63.
  if (!spec.train.contains("seed")) options.seed = static_cast<int64_t>(seed & static_cast<uint64_t>(INT64_MAX));
  HEARSAY_CHECK_AS(ConfigError, !p.split.train.empty(), where, ".train: the study's train split (", p.split_source,
                   ") is empty; there is nothing to train on");
  p.model_key = config_key(
      {{"dataset", p.dataset_key}, {"split", split_ids(*p.dataset, p.split)}, {"train", write_options(options)}});
  ensure_writable_directory(cache.string(), "--cache");
  const fs::path entry = cache / ("model-" + p.model_key);
  std::unique_ptr<models::Model> loaded;
  std::optional<double> accuracy;
  CacheEntryBuild how;
  how.what = "model";
  how.check = [&](const std::string& dir) -> std::string {
    if (!fs::exists(fs::path(dir) / "model.json")) return "no model.json";
    auto model = models::load_model(dir);
    accuracy = read_test_accuracy(fs::path(dir) / "test.json");
    loaded = std::move(model);
    return {};
  };
  how.build = [&](const std::string& dir) {
    log << "  training " << options.model << " on " << p.split.train.size() << " clips ..." << std::flush;
    const auto t0 = std::chrono::steady_clock::now();
    const models::TrainResult result =
        models::train_model(*p.dataset, p.split, FrontEndOptions{}, nlohmann::json::object(), options);
    models::save_model(*result.model, dir);
    write_json_file((fs::path(dir) / "test.json").string(), result.test.to_json());
    log << " " << seconds_since(t0) << "\n";
  };
  const bool built = ensure_cache_entry(entry.string(), how, log);
  HEARSAY_CHECK_AS(IoError, loaded, "the model in '", entry.string(), "' could not be loaded");
  p.model = std::move(loaded);
  p.model_dir = entry.string();
  p.model_trained = true;
  p.test_accuracy = accuracy;
  p.model_cached = !built;
}

// The test examples behind a known accuracy, for the chance-level check.
size_t test_examples(const PreparedStudy& p) {
  if (p.model_trained) return p.split.test.size();
  try {
    const nlohmann::json score = read_json_file((fs::path(p.model_dir) / "test.json").string());
    return score.value("examples", size_t{0});
  } catch (const std::exception&) {
    return 0;  // unknown: no claim
  }
}

}  // namespace

namespace {

// A spec names a folder or the options that make one, never both. `alternative` names the key and
// the tool whose options it holds; the options are read as O so a wrong one is named now.
template <class O>
void check_path_or_options(const std::string& where, const std::string& path, const nlohmann::json& options,
                           const std::string& folder, const std::string& alternative, const std::string& tool,
                           const std::string& example) {
  HEARSAY_CHECK_AS(ConfigError, path.empty() != options.is_null(), where, ": give exactly one of 'path' (", folder,
                   ") or '", alternative, "' (", tool, "'s options, {} for the defaults), got ",
                   path.empty() ? "neither" : "both");
  if (options.is_null()) return;
  HEARSAY_CHECK_AS(ConfigError, options.is_object(), where, ".", alternative, ": must be an object of ", tool,
                   "'s options, e.g. ", example, ", got ", json_preview(options));
  read_options<O>(options, where + "." + alternative);
}

}  // namespace

void DatasetSpec::check(const std::string& context) const {
  const std::string where = context + ".dataset";
  check_path_or_options<datasets::synth::SynthOptions>(where, path, synth, "a dataset folder", "synth", "hearsay synth",
                                                       "{\"genres\": 4}");
  HEARSAY_CHECK_AS(ConfigError, val_fraction + test_fraction < 1.0, where,
                   ": val_fraction + test_fraction must be < 1, got ", val_fraction, " + ", test_fraction);
}

void ModelSpec::check(const std::string& context) const {
  if (!study.empty()) {
    HEARSAY_CHECK_AS(ConfigError, path.empty() && train.is_null(), context,
                     ".model: give exactly one of 'path', 'train' or 'study', got 'study' and ",
                     path.empty() ? "'train'" : "'path'");
    return;
  }
  check_path_or_options<models::TrainOptions>(context + ".model", path, train, "a model folder", "train",
                                              "hearsay train", "{\"epochs\": 10}");
}

void ClipSpec::check(const std::string& context) const {
  const std::string where = context + ".clips";
  const std::vector<std::string> names{"train", "val", "test", "all"};
  HEARSAY_CHECK_AS(
      ConfigError,
      !ids.empty() || std::find(names.begin(), names.end(), split) != names.end() || fs::is_regular_file(split), where,
      ".split: '", split, "' is neither one of ", join_names(names), " nor a split file (one id per line)");
  std::set<std::string> seen;
  for (const auto& id : ids)
    HEARSAY_CHECK_AS(ConfigError, seen.insert(id).second, where, ".ids: '", id, "' is listed twice");
}

std::vector<size_t> select_clips(const datasets::Dataset& dataset, const datasets::Split& split, const ClipSpec& clips,
                                 const std::string& context) {
  const std::string where = context + ".clips";
  const auto limit = [](int n) { return n > 0 ? static_cast<size_t>(n) : SIZE_MAX; };
  std::vector<size_t> picked;
  if (!clips.ids.empty()) {
    std::map<std::string, size_t> by_id;
    for (size_t i = 0; i < dataset.size(); ++i) by_id[dataset.info(i).id] = i;
    std::map<int, size_t> per_class;
    for (const auto& id : clips.ids) {
      const auto it = by_id.find(id);
      HEARSAY_CHECK_AS(ConfigError, it != by_id.end(), where, ".ids: '", id, "' is not in the dataset (",
                       dataset.size(), " clips, the first '", dataset.info(0).id, "')");
      if (picked.size() < limit(clips.count) && ++per_class[dataset.info(it->second).label] <= limit(clips.per_class))
        picked.push_back(it->second);
    }
    return picked;
  }

  std::vector<size_t> candidates;
  if (clips.split == "train") {
    candidates = split.train;
  } else if (clips.split == "val") {
    candidates = split.val;
  } else if (clips.split == "test") {
    candidates = split.test;
  } else if (clips.split == "all") {
    for (size_t i = 0; i < dataset.size(); ++i) candidates.push_back(i);
  } else {
    try {
      candidates = datasets::read_split_file(clips.split, dataset);
    } catch (const IoError& e) {
      throw ConfigError(message(where, ".split: ", e.what()));
    }
  }
  std::set<int> wanted;
  for (const auto& name : clips.classes) {
    const auto& names = dataset.classes();
    const auto it = std::find(names.begin(), names.end(), name);
    HEARSAY_CHECK_AS(ConfigError, it != names.end(), where, ".classes: '", name, "' is not a class of the dataset (",
                     join_names(names), ")");
    wanted.insert(static_cast<int>(it - names.begin()));
  }
  // Each class's candidates (unlabelled clips last), in order or shuffled, then the classes take turns.
  std::map<int, std::vector<size_t>> by_class;
  for (size_t i : candidates) {
    const int label = dataset.info(i).label;
    if (!wanted.empty() && !wanted.count(label)) continue;
    by_class[label < 0 ? INT_MAX : label].push_back(i);
  }
  for (auto& [label, list] : by_class) {
    if (clips.seed != 0) Rng(derive_seed(clips.seed, static_cast<uint64_t>(label))).shuffle(list);
    if (list.size() > limit(clips.per_class)) list.resize(limit(clips.per_class));
  }
  for (size_t round = 0; picked.size() < limit(clips.count); ++round) {
    bool any = false;
    for (const auto& [label, list] : by_class)
      if (round < list.size() && picked.size() < limit(clips.count)) {
        picked.push_back(list[round]);
        any = true;
      }
    if (!any) break;
  }
  HEARSAY_CHECK_AS(ConfigError, !picked.empty(), where, ".split: '", clips.split, "' selects no clips (",
                   candidates.size(), " in that split)");
  return picked;
}

PreparedStudy prepare_study(const DatasetSpec& dataset, const ModelSpec& model, const ClipSpec& clips, uint64_t seed,
                            const std::string& cache_dir, std::ostream& log, const std::string& context) {
  // Everything that can be checked is checked before any synthesis or training.
  dataset.check(context);
  model.check(context);
  clips.check(context);
  const auto folder_problem = [](const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec) ? std::string() : fs::exists(path, ec) ? "it is a file" : "no such folder";
  };
  const std::string data_where = context + ".dataset", model_where = context + ".model";
  if (!dataset.path.empty()) {
    const std::string problem = folder_problem(dataset.path);
    HEARSAY_CHECK_AS(ConfigError, problem.empty(), data_where, ".path: '", dataset.path, "' is not a dataset folder (",
                     problem, ")");
  }
  if (!dataset.splits.empty()) {
    const std::string problem = folder_problem(dataset.splits);
    HEARSAY_CHECK_AS(ConfigError, problem.empty(), data_where, ".splits: '", dataset.splits,
                     "' is not a folder of split files (", problem, ")");
  }
  if (!model.path.empty()) {
    const std::string problem = folder_problem(model.path);
    HEARSAY_CHECK_AS(ConfigError, problem.empty(), model_where, ".path: '", model.path, "' is not a model folder (",
                     problem, ")");
  }

  PreparedStudy p;
  p.cache_dir = cache_dir;
  if (dataset.synth.is_null())
    open_folder(p, dataset, data_where, log);
  else
    open_synthetic(p, dataset, data_where, cache_dir, log);
  read_split(p, dataset, seed, data_where);
  log << "  split (" << p.split_source << "): " << p.split.train.size() << " train, " << p.split.val.size() << " val, "
      << p.split.test.size() << " test\n";
  if (model.train.is_null())
    load_model_folder(p, model, model_where, log);
  else
    train_cached(p, model, seed, model_where, cache_dir, log);
  log << "  model: " << p.model->name() << ", test accuracy "
      << (p.test_accuracy ? percent(*p.test_accuracy) : std::string("unknown")) << " (" << p.model_dir
      << (p.model_cached ? ", cached)\n" : ")\n");

  if (p.model->class_names() != p.dataset->classes())
    warn(p, log,
         message("the model's classes (", join_names(p.model->class_names()), ") differ from the dataset's (",
                 join_names(p.dataset->classes()),
                 "): explanations explain the model's predicted class, which need not be a clip's label"));
  const size_t classes = p.model->class_names().size();
  if (p.test_accuracy && at_chance_level(*p.test_accuracy, classes, test_examples(p)))
    warn(p, log,
         message("model ", p.model_dir, " is at chance level (", percent(*p.test_accuracy), ", chance = 1/", classes,
                 "): its explanations explain noise"));

  p.clips = select_clips(*p.dataset, p.split, clips, context);
  return p;
}

nlohmann::json PreparedStudy::describe() const {
  nlohmann::json clip_ids = nlohmann::json::array();
  for (size_t i : clips) clip_ids.push_back(dataset->info(i).id);
  return {{"dataset", dataset_dir},
          {"dataset_key", dataset_key},
          {"dataset_classes", dataset->classes()},
          {"split",
           {{"source", split_source},
            {"train", split.train.size()},
            {"val", split.val.size()},
            {"test", split.test.size()}}},
          {"model", model_dir},
          {"model_key", model_key},
          {"model_name", model->name()},
          {"model_trained", model_trained},
          {"model_study", model_study},
          {"classes", model->class_names()},
          {"test_accuracy", test_accuracy ? nlohmann::json(*test_accuracy) : nlohmann::json(nullptr)},
          {"clips", clip_ids},
          {"warnings", warnings}};
}

Audio study_excerpt(const Audio& audio, double excerpt_start, double excerpt_seconds, int sample_rate) {
  return audio.excerpt(excerpt_start, excerpt_seconds > 0.0 ? excerpt_seconds : -1.0).to_mono().resampled(sample_rate);
}

std::string config_key(const nlohmann::json& j) {
  Fnv1a64 h;
  const std::string text = j.dump();
  h.add(text.data(), text.size());
  return h.text().substr(8, 12);  // 48 bits of the hex digest
}

bool at_chance_level(double accuracy, size_t classes, size_t test_examples) {
  if (classes < 2 || test_examples == 0) return false;
  const double chance = 1.0 / static_cast<double>(classes);
  const double standard_error = std::sqrt(chance * (1.0 - chance) / static_cast<double>(test_examples));
  return accuracy <= chance + standard_error;
}

}  // namespace hearsay::bench
