// hearsay explain AUDIO --model DIR ...: explain one clip (or an excerpt of a long track, or a dataset
// example) with several methods over one factorization and write, per method, a JSON document, a figure
// and the listenable top components; then print a table comparing the methods.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bench/explain_run.h"
#include "cli/commands.h"
#include "cli/option_flags.h"
#include "cli/progress.h"
#include "core/audio_io.h"
#include "core/error.h"
#include "core/file_io.h"
#include "datasets/dataset.h"
#include "datasets/manifest.h"
#include "datasets/stem_folder.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "metrics/cue_regions.h"
#include "metrics/metric.h"
#include "models/evaluation.h"
#include "models/load_model.h"

namespace hearsay::cli {

namespace fs = std::filesystem;

namespace {

struct ExplainArgs {
  std::string audio;
  std::string data;
  std::string id;
  std::string model;
  std::string methods = "lime,kernel_shap,occlusion,grad_cam";
  std::string factorization = "stems";
  std::string stems_dir;
  bool hpss = false;
  bool allow_residual = false;
  int segments = 10;
  bool segments_given = false;
  std::string samples;  // a count, 0 (the methods' defaults) or "auto"
  uint64_t seed = 0;
  std::string out = "hearsay-explain";
  std::string target;
  std::string output;
  int top_k = 3;
  int64_t batch = 0;
  bool independent = false;
  std::string audio_out = "top";
  double start = 0.0;
  double duration = -1.0;
  double max_seconds = 600.0;
  std::string method_options;
  std::string factorization_options;
  std::string metrics;
  std::string metric_options;
};

void note(const std::string& text) { std::cerr << "hearsay: note: " << text << "\n"; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Settings that reach every plug-in declaring them among its options (Registry::declared_option), so
// that a new method or factorization takes them without an edit here.
const std::vector<std::string> kTimeSegmentKeys{"segments", "time_segments"};  // --segments
const std::string kSamplesKey = "num_samples";                                 // --samples
const std::string kStemSourceKey = "source";                                   // --stems, --hpss
const std::string kResidualKey = "max_residual_db";                            // --allow-residual

// --methods, --metrics: names registered in `registry`, each once (`what`: "method", "metric").
template <class T>
std::vector<std::string> name_list(const std::string& text, const Registry<T>& registry, const std::string& option,
                                   const std::string& what) {
  const std::string valid = joined(registry.names());
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    HEARSAY_CHECK_AS(ConfigError, registry.contains(item), option, ": unknown ", what, " '", item, "'; valid: ", valid);
    HEARSAY_CHECK_AS(ConfigError, std::find(out.begin(), out.end(), item) == out.end(), option, ": '", item,
                     "' is named twice");
    out.push_back(item);
  }
  return out;
}

std::vector<std::string> method_list(const std::string& text) {
  std::vector<std::string> out = name_list(text, methods::explainer_registry(), "--methods", "method");
  HEARSAY_CHECK_AS(ConfigError, !out.empty(),
                   "--methods: no method given; valid: ", joined(methods::explainer_registry().names()));
  return out;
}

// --target: a class index or a class name.
int target_class(const models::Model& model, const std::string& target) {
  if (target.empty()) return -1;
  if (target.find_first_not_of("0123456789") != std::string::npos) return model.class_index(target);
  HEARSAY_CHECK_AS(ConfigError, target.size() <= 6 && std::stoi(target) < model.num_classes(), "--target ", target,
                   ": model '", model.name(), "' has ", model.num_classes(), " classes (0 to ", model.num_classes() - 1,
                   ")");
  return std::stoi(target);
}

// Checks the options that need no file: every mistake is found before the model is loaded.
bench::ExplainSettings settings_from(const ExplainArgs& args) {
  bench::ExplainSettings s;
  s.methods = method_list(args.methods);
  const auto& factorizers = factorizations::factorizer_registry();
  HEARSAY_CHECK_AS(ConfigError, factorizers.contains(args.factorization), "--factorization: unknown factorization '",
                   args.factorization, "'; valid: ", joined(factorizers.names()));
  s.factorization = args.factorization;
  HEARSAY_CHECK_AS(ConfigError, args.stems_dir.empty() || !args.hpss,
                   "--stems and --hpss both say where the stems come from; give one");
  HEARSAY_CHECK_AS(
      ConfigError, (args.stems_dir.empty() && !args.hpss) || factorizers.declares(s.factorization, kStemSourceKey),
      args.hpss ? "--hpss" : "--stems", " gives sources for --factorization ",
      joined(factorizers.names_declaring({kStemSourceKey})), ", not for '", s.factorization, "' (which ignores stems)");
  HEARSAY_CHECK_AS(ConfigError, !args.allow_residual || factorizers.declares(s.factorization, kResidualKey),
                   "--allow-residual: the '", s.factorization, "' factorization has no stems to add up (it applies to ",
                   joined(factorizers.names_declaring({kResidualKey})), ")");
  s.factorization_options = json_argument(args.factorization_options, "--factorization-options");
  const std::string segments_key = factorizers.declared_option(s.factorization, kTimeSegmentKeys);
  HEARSAY_CHECK_AS(ConfigError, !args.segments_given || !segments_key.empty(), "--segments: the '", s.factorization,
                   "' factorization has no time segments (--segments applies to ",
                   joined(factorizers.names_declaring(kTimeSegmentKeys)),
                   "; set its own options with --factorization-options)");
  if (!segments_key.empty() && !s.factorization_options.contains(segments_key))
    s.factorization_options[segments_key] = args.segments;
  if (args.hpss) s.factorization_options[kStemSourceKey] = "hpss";
  if (args.allow_residual) s.factorization_options[kResidualKey] = 0.0;

  const nlohmann::json per_method = json_argument(args.method_options, "--method-options");
  for (const auto& [name, options] : per_method.items()) {
    HEARSAY_CHECK_AS(ConfigError, std::find(s.methods.begin(), s.methods.end(), name) != s.methods.end(),
                     "--method-options: '", name, "' is not one of the methods to run (--methods ", joined(s.methods),
                     ")");
    HEARSAY_CHECK_AS(ConfigError, options.is_object(), "--method-options: the options of '", name,
                     "' must be a JSON object, got ", options.dump());
  }
  const auto& explainers = methods::explainer_registry();
  const nlohmann::json samples = samples_argument(args.samples, /*zero_means_default=*/true);
  HEARSAY_CHECK_AS(
      ConfigError,
      samples.is_null() || std::any_of(s.methods.begin(), s.methods.end(),
                                       [&](const std::string& m) { return explainers.declares(m, kSamplesKey); }),
      "--samples: none of the methods to run (", joined(s.methods), ") draws samples; it applies to ",
      joined(explainers.names_declaring({kSamplesKey})));
  for (const auto& m : s.methods) {
    nlohmann::json o = per_method.contains(m) ? per_method[m] : nlohmann::json::object();
    if (!samples.is_null() && explainers.declares(m, kSamplesKey) && !o.contains(kSamplesKey)) o[kSamplesKey] = samples;
    // A misspelled or out-of-range option is a mistake to refuse now, not a method that "cannot run".
    nlohmann::json checked = o;
    checked.erase("output");
    methods::explainer_registry().create(m, checked);
    s.method_options[m] = o;
  }
  if (!args.output.empty()) {
    HEARSAY_CHECK_AS(ConfigError, args.output == "probability" || args.output == "logit", "--output: unknown value '",
                     args.output, "'; valid: probability, logit");
    s.output = args.output == "logit" ? models::Output::logits : models::Output::probabilities;
  }
  const nlohmann::json per_metric = json_argument(args.metric_options, "--metric-options");
  const std::vector<std::string> metric_names =
      name_list(args.metrics, metrics::metric_registry(), "--metrics", "metric");
  for (const auto& [name, options] : per_metric.items())
    HEARSAY_CHECK_AS(ConfigError, std::find(metric_names.begin(), metric_names.end(), name) != metric_names.end(),
                     "--metric-options: '", name, "' is not one of the metrics to compute (--metrics ",
                     args.metrics.empty() ? "not given" : args.metrics, ")");
  for (const auto& name : metric_names) {
    const nlohmann::json options = per_metric.contains(name) ? per_metric[name] : nlohmann::json::object();
    metrics::metric_registry().create(name, options);  // a misspelled option is refused now
    s.metrics[name] = options;
  }
  s.audio_out = bench::audio_out_from_name(args.audio_out, "--audio-out");
  s.seed = args.seed;
  s.top_k = args.top_k;
  s.batch_size = args.batch;
  s.share_evaluations = !args.independent;
  s.out_dir = args.out;
  s.figure_svg = true;
  return s;
}

// The clip and its stems, as explain feeds them to the model: mono, at the model's rate.
struct Clip {
  factorizations::FactorizationInput input;
  std::string name;
  nlohmann::json context = nlohmann::json::object();
  std::vector<factorizations::Region> ground_truth;  ///< planted cues in the excerpt's time (dataset examples)
};

// Checks the excerpt of a clip `length` seconds long (`what` names it): --start inside it, and no more
// than --max-seconds to explain, refused before any audio is read.
void check_excerpt(const ExplainArgs& args, const std::string& what, double length) {
  HEARSAY_CHECK_AS(ConfigError, args.start < length, "--start ", args.start, ": ", what, " is only ", length,
                   " s long");
  const double seconds = args.duration > 0.0 ? std::min(args.duration, length - args.start) : length - args.start;
  char text[64];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  HEARSAY_CHECK_AS(ConfigError, seconds <= args.max_seconds, what, ": ", text, " to explain, more than --max-seconds ",
                   args.max_seconds,
                   " (every component's spectrum is held in memory, up to 3.5 MB per second of audio with four "
                   "stems): pick an excerpt with --start SECONDS --duration SECONDS, or raise --max-seconds");
}

// The part of `file` to explain.
LoadOptions excerpt_options(const ExplainArgs& args, const std::string& file) {
  check_excerpt(args, "'" + file + "'", probe_audio(file).duration());
  LoadOptions o;
  o.offset_seconds = args.start;
  o.duration_seconds = args.duration;
  return o;
}

Clip clip_from_file(const ExplainArgs& args, const models::Model& model, Progress& progress) {
  const int rate = model.front_end().sample_rate();
  Clip clip;
  clip.name = args.audio;
  LoadOptions load = excerpt_options(args, args.audio);
  progress.begin(message("loading '", args.audio, "'"));
  {  // as the file holds it, so the notes can say what was changed on the way in
    const Audio original = load_audio(args.audio, load);
    models::InputNotes notes;
    notes.add(original, rate, model.input_samples());
    for (const auto& line : notes.lines()) note(args.audio + ": " + line);
    clip.input.audio = original.to_mono().resampled(rate);
  }
  if (!args.stems_dir.empty()) {
    const datasets::StemFiles files = datasets::find_stem_files(args.stems_dir, fs::path(args.audio).stem().string());
    for (const auto& skipped : files.skipped) note("--stems: skipped '" + skipped + "' (not an audio file)");
    load.mono = true;
    load.sample_rate = rate;
    clip.input.stems = datasets::load_stems(files, load);
  }
  progress.end();
  clip.context["clip"] = {{"path", args.audio}, {"start_seconds", args.start}};
  if (args.duration > 0.0) clip.context["clip"]["duration_seconds"] = args.duration;
  return clip;
}

Clip clip_from_dataset(const ExplainArgs& args, const models::Model& model) {
  const auto dataset = datasets::open_dataset(args.data);
  size_t index = dataset->size();
  for (size_t i = 0; i < dataset->size() && index == dataset->size(); ++i)
    if (dataset->info(i).id == args.id) index = i;
  if (index == dataset->size()) {
    std::string some;
    for (size_t i = 0; i < std::min<size_t>(dataset->size(), 3); ++i) some += (i ? ", " : "") + dataset->info(i).id;
    throw ConfigError(message("--id: no example '", args.id, "' in '", args.data, "' (", dataset->size(),
                              " examples, e.g. ", some.empty() ? "none" : some, ")"));
  }
  check_excerpt(args, "example '" + args.id + "'", dataset->duration(index));
  const datasets::Example example = dataset->get(index);
  const int rate = model.front_end().sample_rate();
  auto cut = [&](const Audio& a) { return a.excerpt(args.start, args.duration).to_mono().resampled(rate); };
  Clip clip;
  clip.name = args.id;
  clip.input.audio = cut(example.audio);
  for (const auto& [name, stem] : example.stems) clip.input.stems[name] = cut(stem);
  nlohmann::json truth = nlohmann::json::array();
  for (const auto& g : example.ground_truth) truth.push_back(datasets::ground_truth_to_json(g));
  clip.context["clip"] = {{"dataset", args.data},
                          {"id", args.id},
                          {"label", example.label_name},
                          {"path", example.info.path},
                          {"start_seconds", args.start}};
  if (args.duration > 0.0) clip.context["clip"]["duration_seconds"] = args.duration;
  clip.context["ground_truth"] = truth;
  clip.ground_truth = metrics::cue_regions(example.ground_truth, args.start, "");  // every kind: planted, shortcut
  return clip;
}

int run_explain(const ExplainArgs& args) {
  HEARSAY_CHECK_AS(ConfigError, args.audio.empty() != args.data.empty(),
                   args.audio.empty() ? "give the clip to explain (AUDIO), or a dataset example (--data DIR --id ID)"
                                      : "give either AUDIO or --data DIR --id ID, not both");
  HEARSAY_CHECK_AS(ConfigError, args.data.empty() == args.id.empty(), "--data and --id go together");
  HEARSAY_CHECK_AS(ConfigError, args.data.empty() || args.stems_dir.empty(),
                   "--stems with --data: a dataset example brings its own stems");
  bench::ExplainSettings s = settings_from(args);
  Progress progress;
  progress.begin(message("loading the model '", args.model, "'"));
  const auto model = models::load_model(args.model);
  progress.end();
  Clip clip = args.data.empty() ? clip_from_file(args, *model, progress) : clip_from_dataset(args, *model);
  if (factorizations::factorizer_registry().declares(s.factorization, kStemSourceKey) && clip.input.stems.empty() &&
      !args.hpss && !s.factorization_options.contains(kStemSourceKey)) {
    note("no stems given (--stems DIR): the stems are the harmonic and percussive parts (HPSS) of the clip");
    s.factorization_options[kStemSourceKey] = "hpss";
  }
  ensure_writable_directory(args.out, "--out");  // once the inputs are known to be usable
  s.target = target_class(*model, args.target);
  s.input_name = clip.name;
  s.context = clip.context;
  s.ground_truth = clip.ground_truth;
  s.progress = [&progress](const std::string& step) {
    if (step.empty())
      progress.end();
    else
      progress.begin(step);
  };

  const bench::ClipOutcome outcome = bench::explain_clip(*model, clip.input, s);
  std::cout << clip.name << " — " << model->name() << ", " << outcome.component_names.size() << " components ("
            << args.factorization << ")\n";
  bench::print_comparison(std::cout, outcome, args.top_k);
  std::cout << "wrote " << fs::absolute(args.out).string() << "\n";
  size_t failed = 0;
  for (const auto& m : outcome.methods) {
    if (m.ok) continue;
    ++failed;
    std::cerr << "hearsay: warning: " << m.method << " failed: " << m.error << "\n";
  }
  return failed == outcome.methods.size() ? 1 : 0;
}

}  // namespace

void add_explain_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand("explain", "Explain one clip with several methods; write JSON, figures and audio");
  cmd->add_option("audio", args->audio, "The clip to explain (or --data DIR --id ID)");
  cmd->add_option("--data", args->data, "A dataset folder: explain its example --id (with its stems and ground truth)");
  cmd->add_option("--id", args->id, "The dataset example to explain (with --data)");
  cmd->add_option("--model", args->model, "Model directory (model.json + weights or TorchScript file)")->required();
  cmd->add_option("--methods", args->methods, "Comma-separated methods (hearsay list methods)")->capture_default_str();
  cmd->add_option("--factorization", args->factorization,
                  "One of " + joined(factorizations::factorizer_registry().names()))
      ->capture_default_str();
  cmd->add_option("--stems", args->stems_dir,
                  "Folder of stem files, one per source (drums.wav, ...; e.g. from Demucs); without it, "
                  "--factorization stems separates harmonic and percussive parts (HPSS)");
  cmd->add_flag("--hpss", args->hpss, "Stems from harmonic/percussive separation (the default without --stems)");
  cmd->add_flag("--allow-residual", args->allow_residual,
                "Explain stems that do not add up to the mix (refused when mix minus stems is above -20 dB)");
  auto* segments = cmd->add_option("--segments", args->segments,
                                   "Time segments of a factorization that has them (its segments or time_segments)")
                       ->capture_default_str()
                       ->check(CLI::PositiveNumber);
  cmd->add_option("--samples", args->samples,
                  "Perturbations of every method that draws them (num_samples; 0: their defaults; auto: until the "
                  "top-k components are stable)");
  cmd->add_option("--seed", args->seed, "Seed of every random choice")->capture_default_str();
  cmd->add_option("--out", args->out, "Output folder")->capture_default_str();
  cmd->add_option("--target", args->target, "Class to explain, by name or index (default: the predicted one)");
  cmd->add_option(
      "--output", args->output,
      "Explain the probability or the logit (default: each method's own: the logit for dense-map gradient methods, "
      "the probability for perturbation methods and component_ig; per method: --method-options '{\"lime\": "
      "{\"output\": "
      "\"logit\"}}')");
  cmd->add_option("--top-k", args->top_k, "Components in the listenable explanation")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args->batch, "Network windows per model call (0: the model's choice)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--independent", args->independent,
                "Give each method its own cache of model evaluations, so its seconds and runs are its own cost");
  cmd->add_option("--audio-out", args->audio_out,
                  "Listenable explanations written per method: none, top (the top-k components) or all (top and "
                  "the rest); FLAC")
      ->capture_default_str();
  cmd->add_option("--start", args->start, "Explain from this time in the clip (seconds)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--duration", args->duration, "Explain this many seconds (default: to the end)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-seconds", args->max_seconds,
                  "Longest excerpt explained (memory grows with the length; use --start/--duration)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--method-options", args->method_options,
                  "JSON: {\"lime\": {\"kernel_width\": 0.5}, \"grad_cam\": {\"output\": \"probability\"}}");
  cmd->add_option("--factorization-options", args->factorization_options, "JSON options of the factorization");
  cmd->add_option("--metrics", args->metrics,
                  "Comma-separated metrics computed for every method, into its JSON (hearsay list metrics; "
                  "ground-truth metrics need --data/--id)");
  cmd->add_option("--metric-options", args->metric_options, "JSON: {\"deletion\": {\"random_orders\": 50}}");
  cmd->footer(
      "Exit codes: 0 when at least one method explained the clip (a method that cannot run, e.g. exact_shapley on "
      "40 components, is a warning); 1 when every method failed or a file could not be read; 2 for a wrong option.");
  cmd->callback([args, segments] {
    args->segments_given = segments->count() > 0;
    const int code = run_explain(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
