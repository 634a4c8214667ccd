#include "bench/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "bench/explain_run.h"
#include "core/error.h"
#include "core/file_io.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "datasets/synth/synth.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "core/hash.h"
#include "models/load_model.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

namespace {

std::string hash_of(const nlohmann::json& j) {
  Fnv1a64 h;
  const std::string text = j.dump();
  h.add(text.data(), text.size());
  return h.text().substr(8, 12);  // 48 bits of the hex digest name a cache entry
}

std::string seconds_text(std::chrono::steady_clock::time_point since) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
  return buf;
}

void remove_folder(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot remove '", dir.string(), "': ", io_error_text(ec.value()));
}

// Replaces `to` by the complete folder `from` (a record appears whole or not at all).
void move_folder(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  remove_folder(to);
  fs::rename(from, to, ec);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot move '", from.string(), "' to '", to.string(),
                   "': ", io_error_text(ec.value()));
}

// The cached model and its test accuracy; null when there is none, or when it is damaged (a 0-byte or
// unparsable model.json or test.json, truncated weights): that is reported by name and the caller
// trains it again instead of failing on every later run.
std::unique_ptr<models::Model> load_cached_model(const fs::path& dir, double& accuracy, std::ostream& log) {
  std::error_code ec;
  if (!fs::exists(dir / "model.json", ec)) return nullptr;
  try {
    auto model = models::load_model(dir.string());
    const std::string test_path = (dir / "test.json").string();
    const nlohmann::json test = read_json_file(test_path);
    HEARSAY_CHECK_AS(IoError, test.is_object() && test.contains("accuracy") && test["accuracy"].is_number(), "'",
                     test_path, "' has no accuracy");
    accuracy = test["accuracy"].get<double>();
    return model;
  } catch (const Error& e) {
    log << "  note: the cached model is damaged (" << e.what() << "); training it again\n";
    return nullptr;
  }
}

// One synthetic set and the model trained on it, both cached by the options that make them.
struct Prepared {
  std::string name;
  fs::path data_dir;
  std::unique_ptr<datasets::Dataset> dataset;
  datasets::Split split;
  std::unique_ptr<models::Model> model;
  double test_accuracy = 0.0;
};

Prepared prepare(const std::string& name, const datasets::synth::SynthOptions& synth, const BenchConfig& config,
                 const fs::path& cache, std::ostream& log) {
  Prepared p;
  p.name = name;
  const nlohmann::json synth_json = write_options(synth);
  p.data_dir = cache / (name + "-" + hash_of(synth_json));
  const auto t0 = std::chrono::steady_clock::now();
  const auto summary = datasets::synth::write_synthetic_dataset(synth, p.data_dir.string());
  char text[512];
  std::snprintf(text, sizeof text, "  %s set: %zu tracks in %s (%s)\n", name.c_str(), summary.tracks,
                p.data_dir.string().c_str(),
                summary.rendered ? message(summary.rendered, " rendered in ", seconds_text(t0)).c_str() : "cached");
  log << text;
  for (const auto& note : summary.repaired) log << "  note: " << note << "\n";
  p.dataset = datasets::open_dataset(p.data_dir.string());
  p.split = datasets::read_split_dir((p.data_dir / "splits").string(), *p.dataset);

  models::TrainOptions train = config.train;
  train.seed = static_cast<int64_t>(config.seed);
  const fs::path model_dir = cache / (name + "-model-" + hash_of({synth_json, write_options(train)}));
  p.model = load_cached_model(model_dir, p.test_accuracy, log);
  if (!p.model) {
    log << "  training " << train.model << " on the " << name << " set ..." << std::flush;
    const auto t1 = std::chrono::steady_clock::now();
    const models::TrainResult result =
        models::train_model(*p.dataset, p.split, FrontEndOptions{}, nlohmann::json::object(), train);
    // Written beside the final folder and renamed, so an interrupted run never leaves half a model.
    const fs::path partial = model_dir.string() + ".partial";
    remove_folder(partial);
    models::save_model(*result.model, partial.string());
    write_json_file((partial / "test.json").string(), result.test.to_json());
    move_folder(partial, model_dir);
    log << " " << seconds_text(t1) << "\n";
    p.model = load_cached_model(model_dir, p.test_accuracy, log);
    HEARSAY_CHECK_AS(IoError, p.model, "the model just saved in '", model_dir.string(), "' cannot be read back");
  }
  std::snprintf(text, sizeof text, "  model: %s, test accuracy %.1f %% (%s)\n", p.model->name().c_str(),
                100.0 * p.test_accuracy, model_dir.string().c_str());
  log << text;
  const size_t classes = p.dataset->classes().size();
  if (at_chance_level(p.test_accuracy, classes, p.split.test.size())) {
    std::snprintf(text, sizeof text,
                  "  warning: model %s is at chance level (%.1f %%, chance = 1/%zu): its explanations explain "
                  "noise\n",
                  name.c_str(), 100.0 * p.test_accuracy, classes);
    log << text;
  }
  return p;
}

// Test clips spread over the classes: the first unused test clip of each class in turn.
std::vector<size_t> pick_clips(const Prepared& p, int count) {
  std::map<int, std::vector<size_t>> by_class;
  for (size_t i : p.split.test) by_class[p.dataset->info(i).label].push_back(i);
  std::vector<size_t> picked;
  for (size_t round = 0; static_cast<int>(picked.size()) < count; ++round) {
    bool any = false;
    for (auto& [label, list] : by_class) {
      if (round < list.size() && static_cast<int>(picked.size()) < count) {
        picked.push_back(list[round]);
        any = true;
      }
    }
    if (!any) break;
  }
  return picked;
}

struct Row {
  std::string set, clip, label, factorization, method;
  bool ok = false;
  std::string error, predicted, top;
  int64_t evals = 0, model_runs = 0;
  double seconds = 0.0;
  std::optional<double> r2;
  int planted_rank = -1;  // rank of the planted component (stems factorization of the planted set)
  nlohmann::json to_json() const {
    nlohmann::json j{{"set", set},
                     {"clip", clip},
                     {"label", label},
                     {"factorization", factorization},
                     {"method", method},
                     {"ok", ok},
                     {"predicted", predicted},
                     {"top", top},
                     {"evals", evals},
                     {"model_runs", model_runs},
                     {"seconds", seconds},
                     {"planted_rank", planted_rank}};
    j["r2"] = r2 ? nlohmann::json(*r2) : nlohmann::json(nullptr);
    if (!ok) j["error"] = error;
    return j;
  }
  static Row from_json(const nlohmann::json& j) {
    Row r;
    r.set = j.at("set");
    r.clip = j.at("clip");
    r.label = j.at("label");
    r.factorization = j.at("factorization");
    r.method = j.at("method");
    r.ok = j.at("ok");
    r.predicted = j.at("predicted");
    r.top = j.at("top");
    r.evals = j.at("evals");
    r.model_runs = j.at("model_runs");
    r.seconds = j.at("seconds");
    r.planted_rank = j.at("planted_rank");
    if (!j.at("r2").is_null()) r.r2 = j.at("r2").get<double>();
    if (j.contains("error")) r.error = j.at("error");
    return r;
  }
};

std::vector<Row> explain_one(const Prepared& p, size_t index, const std::string& factorization,
                             const nlohmann::json& factorization_options, const BenchConfig& config,
                             const std::vector<std::string>& method_names, const fs::path& out_dir, std::ostream& log) {
  const datasets::Example example = p.dataset->get(index);
  const bool excerpt = config.excerpt_start > 0.0 || config.excerpt_seconds > 0.0;
  // An excerpt is another job than the whole clip: its records live apart, so neither is mistaken for the other.
  const fs::path dir = out_dir / p.name / example.info.id /
                       (excerpt ? message(factorization, "-excerpt-", config.excerpt_start, "-", config.excerpt_seconds)
                                : factorization);
  std::error_code ec;
  if (fs::exists(dir / "rows.json", ec)) {
    // A damaged record (0 bytes from a full disk, or edited) is named and recomputed, never fatal.
    const std::string path = (dir / "rows.json").string();
    try {
      std::vector<Row> rows;
      const nlohmann::json stored = read_json_file(path);
      HEARSAY_CHECK_AS(IoError, stored.is_array(), "'", path, "' does not hold an array of rows");
      for (const auto& j : stored) rows.push_back(Row::from_json(j));
      return rows;
    } catch (const Error& e) {
      log << "  note: " << e.what() << "; explaining the clip again\n";
    } catch (const nlohmann::json::exception& e) {
      log << "  note: '" << path << "' has a damaged row (" << e.what() << "); explaining the clip again\n";
    }
  }
  const fs::path partial = dir.string() + ".partial";
  remove_folder(partial);
  ExplainSettings s;
  s.methods = method_names;
  for (const auto& m : method_names)
    if (config.method_options.contains(m)) s.method_options[m] = config.method_options[m];
  s.factorization = factorization;
  s.factorization_options = factorization_options;
  s.seed = config.seed;
  s.share_evaluations = false;  // each method's time and model runs are its own cost
  s.out_dir = partial.string();
  const int rate = p.model->front_end().sample_rate();
  factorizations::FactorizationInput input;
  const double length = config.excerpt_seconds > 0.0 ? config.excerpt_seconds : -1.0;
  HEARSAY_CHECK_AS(ConfigError, config.excerpt_start < example.audio.duration(), "bench: excerpt_start ",
                   config.excerpt_start, " s is past the end of '", example.info.id, "' (", example.audio.duration(),
                   " s)");
  auto cut = [&](const Audio& a) { return a.excerpt(config.excerpt_start, length).to_mono().resampled(rate); };
  input.audio = cut(example.audio);
  for (const auto& [stem, audio] : example.stems) input.stems[stem] = cut(audio);
  if (excerpt) s.context["excerpt"] = {{"start_seconds", config.excerpt_start}, {"seconds", input.audio.duration()}};
  const ClipOutcome outcome = explain_clip(*p.model, input, s);

  // The planted component, for the stems factorization of a clip with a planted cue.
  std::vector<std::string> planted;
  if (factorization == "stems")
    for (const auto& g : example.ground_truth)
      if (g.kind == "planted") {
        std::vector<double> bounds;
        const double duration = input.audio.duration();
        for (int j = 0; j <= config.stem_segments; ++j)
          bounds.push_back(j == config.stem_segments
                               ? duration
                               : static_cast<double>(j * (input.audio.frames() / config.stem_segments)) / rate);
        // The cue's span in the excerpt's time (a cue outside the excerpt has no component to find).
        const double start = std::max(0.0, g.start_seconds - config.excerpt_start);
        const double end = std::min(duration, g.end_seconds - config.excerpt_start);
        if (end > start) planted = planted_components(g.stem, start, end, bounds);
      }
  std::vector<Row> rows;
  nlohmann::json rows_json = nlohmann::json::array();
  for (const auto& m : outcome.methods) {
    Row r;
    r.set = p.name;
    r.clip = example.info.id;
    r.label = example.label_name;
    r.factorization = factorization;
    r.method = m.method;
    r.ok = m.ok;
    r.error = m.error;
    if (m.ok) {
      const auto& e = m.explanation;
      const auto ranking = e.ranking();
      r.predicted = e.target_name;
      r.top = e.names[static_cast<size_t>(ranking[0])];
      r.evals = e.evals;
      r.model_runs = e.model_runs;
      r.seconds = e.seconds;
      r.r2 = e.r2;
      // The rank of the best-placed planted component (0: the method's top component holds the cue).
      for (size_t k = 0; k < ranking.size() && r.planted_rank < 0; ++k)
        if (std::find(planted.begin(), planted.end(), e.names[static_cast<size_t>(ranking[k])]) != planted.end())
          r.planted_rank = static_cast<int>(k);
    }
    rows_json.push_back(r.to_json());
    rows.push_back(std::move(r));
  }
  write_json_file((partial / "rows.json").string(), rows_json);
  move_folder(partial, dir);
  return rows;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

bool at_chance_level(double accuracy, size_t classes, size_t test_examples) {
  if (classes < 2 || test_examples == 0) return false;
  const double chance = 1.0 / static_cast<double>(classes);
  const double standard_error = std::sqrt(chance * (1.0 - chance) / static_cast<double>(test_examples));
  return accuracy <= chance + standard_error;
}

std::vector<std::string> planted_components(const std::string& stem, double start, double end,
                                            const std::vector<double>& boundaries) {
  HEARSAY_CHECK_AS(ShapeError, boundaries.size() >= 2, "planted_components: needs segment boundaries");
  const auto segments = static_cast<int64_t>(boundaries.size() - 1);
  std::vector<std::string> out;
  for (int64_t j = 0; j < segments; ++j) {
    const double overlap =
        std::min(end, boundaries[static_cast<size_t>(j + 1)]) - std::max(start, boundaries[static_cast<size_t>(j)]);
    if (overlap >= 0.25 * (end - start)) out.push_back(stem + ".t" + factorizations::index_label(j, segments));
  }
  return out;
}

nlohmann::json run_bench(const BenchConfig& config, const std::string& out_dir, const std::string& cache_dir,
                         std::ostream& out, std::ostream& log) {
  const fs::path out_path(out_dir);
  const fs::path cache(cache_dir);
  // Checked before any work: a folder that cannot be written fails now, not after an hour of training.
  ensure_writable_directory(out_dir, "--out");
  ensure_writable_directory(cache_dir, "--cache");
  check_options(config, "bench");
  const std::vector<std::string> registered = methods::explainer_registry().names();
  auto check_registered = [&registered](const std::string& name, const char* option) {
    HEARSAY_CHECK_AS(ConfigError, std::find(registered.begin(), registered.end(), name) != registered.end(),
                     "bench: ", option, " names the unknown method '", name,
                     "'; valid methods: ", hearsay::detail::join_names(registered));
  };
  for (auto it = config.method_options.begin(); it != config.method_options.end(); ++it)
    check_registered(it.key(), "method_options");
  for (const auto& m : config.methods) check_registered(m, "methods");
  const std::vector<std::string> method_names = config.methods.empty() ? registered : config.methods;
  for (const auto& m : method_names)
    methods::explainer_registry().create(m, config.method_options.value(m, nlohmann::json::object()));
  const std::vector<std::pair<std::string, nlohmann::json>> factorizations_to_run = {
      {"stems", {{"segments", config.stem_segments}}},
      {"tf_grid", {{"time_segments", config.grid_time}, {"frequency_bands", config.grid_bands}}}};

  std::vector<Prepared> sets;
  {
    datasets::synth::SynthOptions genres;
    genres.genres = config.genres;
    genres.per_genre = config.per_genre;
    genres.seconds = config.seconds;
    genres.seed = config.seed;
    log << "[1] genre set and model\n";
    sets.push_back(prepare("genres", genres, config, cache, log));
  }
  if (config.planted) {
    datasets::synth::SynthOptions planted;
    planted.mode = datasets::synth::SynthMode::planted;
    planted.genres = config.planted_classes;
    planted.per_genre = config.planted_per_class;
    planted.seconds = config.seconds;
    planted.seed = config.seed;
    log << "[2] planted-cause set and model\n";
    sets.push_back(prepare("planted", planted, config, cache, log));
  }

  std::vector<Row> rows;
  for (const Prepared& p : sets) {
    const auto clips = pick_clips(p, p.name == "planted" ? config.planted_clips : config.genre_clips);
    for (size_t c = 0; c < clips.size(); ++c)
      for (const auto& [name, options] : factorizations_to_run) {
        log << "  explaining " << p.name << " clip " << c + 1 << "/" << clips.size() << " ("
            << p.dataset->info(clips[c]).id << ") over " << name << "\n";
        auto clip_rows = explain_one(p, clips[c], name, options, config, method_names, out_path, log);
        rows.insert(rows.end(), clip_rows.begin(), clip_rows.end());
      }
  }

  // results.csv / results.json: one row per (set, clip, factorization, method).
  {
    std::ostringstream csv;
    csv << "set,clip,label,factorization,method,ok,predicted,top,evals,model_runs,seconds,r2,planted_rank,error\n";
    for (const Row& r : rows)
      csv << r.set << "," << r.clip << "," << r.label << "," << r.factorization << "," << r.method << ","
          << (r.ok ? 1 : 0) << "," << r.predicted << "," << r.top << "," << r.evals << "," << r.model_runs << ","
          << r.seconds << "," << (r.r2 ? std::to_string(*r.r2) : "") << "," << r.planted_rank << ","
          << csv_field(r.error) << "\n";
    write_text_file((out_path / "results.csv").string(), csv.str());
  }
  nlohmann::json doc{
      {"config", write_options(config)}, {"rows", nlohmann::json::array()}, {"sets", nlohmann::json::array()}};
  for (const Row& r : rows) doc["rows"].push_back(r.to_json());
  for (const Prepared& p : sets)
    doc["sets"].push_back({{"name", p.name},
                           {"data", p.data_dir.string()},
                           {"model", p.model->name()},
                           {"test_accuracy", p.test_accuracy},
                           {"classes", p.dataset->classes()}});

  // Tables: cost per method, agreement of each method's top component with exact Shapley's, and
  // how often the planted (stem, segment) comes first.
  char line[256];
  out << "\nhearsay bench: " << rows.size() << " explanations\n";
  for (const Prepared& p : sets) {
    std::snprintf(line, sizeof line, "  %-8s set: %zu classes, test accuracy of the model %.1f %%\n", p.name.c_str(),
                  p.dataset->classes().size(), 100.0 * p.test_accuracy);
    out << line;
  }
  out << "\n";
  std::snprintf(line, sizeof line, "%-14s %10s %10s %10s %8s %14s %12s\n", "method", "mean s", "mean evals",
                "mean runs", "mean R2", "top = exact's", "planted 1st");
  out << line;
  nlohmann::json per_method = nlohmann::json::object();
  for (const auto& m : method_names) {
    double seconds = 0, evals = 0, runs = 0, r2 = 0;
    int n = 0, n_r2 = 0, agree = 0, compared = 0, planted_first = 0, planted_n = 0, failures = 0;
    for (const Row& r : rows) {
      if (r.method != m) continue;
      if (!r.ok) {
        ++failures;
        continue;
      }
      ++n;
      seconds += r.seconds;
      evals += static_cast<double>(r.evals);
      runs += static_cast<double>(r.model_runs);
      if (r.r2) {
        r2 += *r.r2;
        ++n_r2;
      }
      for (const Row& e : rows)
        if (e.method == "exact_shapley" && e.ok && e.set == r.set && e.clip == r.clip &&
            e.factorization == r.factorization) {
          ++compared;
          agree += e.top == r.top;
        }
      if (r.set == "planted" && r.factorization == "stems" && r.planted_rank >= 0) {
        ++planted_n;
        planted_first += r.planted_rank == 0;
      }
    }
    const double k = std::max(1, n);
    const std::string agree_text = compared ? message(agree, "/", compared) : "-";
    const std::string planted_text = planted_n ? message(planted_first, "/", planted_n) : "-";
    const std::string r2_text = n_r2 ? message(std::round(r2 / n_r2 * 1000) / 1000) : "-";
    std::snprintf(line, sizeof line, "%-14s %10.3f %10.0f %10.0f %8s %14s %12s%s\n", m.c_str(), seconds / k, evals / k,
                  runs / k, r2_text.c_str(), agree_text.c_str(), planted_text.c_str(),
                  failures ? message("  (", failures, " failed)").c_str() : "");
    out << line;
    per_method[m] = {{"mean_seconds", seconds / k},     {"mean_evals", evals / k},
                     {"mean_model_runs", runs / k},     {"top_agrees_with_exact", agree},
                     {"compared_with_exact", compared}, {"planted_first", planted_first},
                     {"planted_clips", planted_n},      {"failures", failures}};
  }
  doc["methods"] = per_method;
  write_json_file((out_path / "results.json").string(), doc);
  out << "\nwrote " << fs::absolute(out_path).string() << "\n";
  return doc;
}

}  // namespace hearsay::bench
