// hearsay explain AUDIO --model DIR ...: explain one clip with several methods over one factorization
// and write, per method, a JSON document, a figure and the listenable top components; then print a
// table comparing the methods.
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bench/explain_run.h"
#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/audio_io.h"
#include "core/error.h"
#include "models/evaluation.h"
#include "models/load_model.h"

namespace hearsay::cli {

namespace fs = std::filesystem;

namespace {

struct ExplainArgs {
  std::string audio;
  std::string model;
  std::string methods = "lime,kernel_shap,occlusion,grad_cam";
  std::string factorization = "stems";
  std::string stems_dir;
  bool hpss = false;
  int segments = 10;
  int samples = 0;
  uint64_t seed = 0;
  std::string out = "hearsay-explain";
  std::string target;
  std::string output = "probability";
  int top_k = 3;
  int64_t batch = 0;
  std::string method_options;
  std::string factorization_options;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Every audio file in `dir` is a stem named after the file (drums.wav -> "drums"), mono at `rate`.
std::map<std::string, Audio> load_stems(const std::string& dir, int rate) {
  HEARSAY_CHECK_AS(IoError, fs::is_directory(dir), "--stems: '", dir, "' is not a directory of stem files");
  std::map<std::string, Audio> stems;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    LoadOptions o;
    o.mono = true;
    o.sample_rate = rate;
    stems[entry.path().stem().string()] = load_audio(entry.path().string(), o);
  }
  HEARSAY_CHECK_AS(IoError, !stems.empty(), "--stems: '", dir, "' holds no audio files");
  return stems;
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

int run_explain(const ExplainArgs& args) {
  const auto model = models::load_model(args.model);
  const int rate = model->front_end().sample_rate();
  factorizations::FactorizationInput input;
  {  // as the file holds it, so the notes can say what was changed on the way in
    const Audio original = load_audio(args.audio);
    models::InputNotes notes;
    notes.add(original, rate, model->input_samples());
    for (const auto& line : notes.lines()) std::cerr << "hearsay: note: " << args.audio << ": " << line << "\n";
    input.audio = original.to_mono().resampled(rate);
  }
  if (!args.stems_dir.empty()) input.stems = load_stems(args.stems_dir, rate);

  bench::ExplainSettings s;
  s.methods = split(args.methods);
  s.factorization = args.factorization;
  s.factorization_options = json_argument(args.factorization_options, "--factorization-options");
  if (!s.factorization_options.contains("segments") && !s.factorization_options.contains("time_segments")) {
    if (args.factorization == "tf_grid") s.factorization_options["time_segments"] = args.segments;
    if (args.factorization == "stems" || args.factorization == "segments")
      s.factorization_options["segments"] = args.segments;
  }
  if (args.hpss) s.factorization_options["source"] = "hpss";
  const nlohmann::json per_method = json_argument(args.method_options, "--method-options");
  for (const auto& m : s.methods) {
    nlohmann::json o = per_method.contains(m) ? per_method[m] : nlohmann::json::object();
    if (args.samples > 0 && (m == "lime" || m == "kernel_shap") && !o.contains("num_samples"))
      o["num_samples"] = args.samples;
    s.method_options[m] = o;
  }
  s.target = target_class(*model, args.target);
  HEARSAY_CHECK_AS(ConfigError, args.output == "probability" || args.output == "logit",
                   "--output must be probability or logit, got '", args.output, "'");
  s.output = args.output == "logit" ? models::Output::logits : models::Output::probabilities;
  s.seed = args.seed;
  s.top_k = args.top_k;
  s.batch_size = args.batch;
  s.out_dir = args.out;

  const bench::ClipOutcome outcome = bench::explain_clip(*model, input, s);
  std::cout << args.audio << " — " << model->name() << ", " << outcome.component_names.size() << " components ("
            << args.factorization << ")\n";
  bench::print_comparison(std::cout, outcome, args.top_k);
  std::cout << "wrote " << fs::absolute(args.out).string() << "\n";
  for (const auto& m : outcome.methods)
    if (!m.ok) return 1;
  return 0;
}

}  // namespace

void add_explain_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand("explain", "Explain one clip with several methods; write JSON, figures and audio");
  cmd->add_option("audio", args->audio, "The clip to explain")->required();
  cmd->add_option("--model", args->model, "Model directory (model.json + weights or TorchScript file)")->required();
  cmd->add_option("--methods", args->methods, "Comma-separated methods (hearsay list methods)")->capture_default_str();
  cmd->add_option("--factorization", args->factorization, "stems, segments, tf_grid or superpixels")
      ->capture_default_str();
  cmd->add_option("--stems", args->stems_dir, "Folder of stem files (one per source, e.g. from Demucs)");
  cmd->add_flag("--hpss", args->hpss, "Stems from harmonic/percussive separation instead of files");
  cmd->add_option("--segments", args->segments, "Time segments")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--samples", args->samples, "Perturbations for lime and kernel_shap (0: their defaults)");
  cmd->add_option("--seed", args->seed, "Seed of every random choice")->capture_default_str();
  cmd->add_option("--out", args->out, "Output folder")->capture_default_str();
  cmd->add_option("--target", args->target, "Class to explain, by name or index (default: the predicted one)");
  cmd->add_option("--output", args->output, "Explain the probability or the logit")->capture_default_str();
  cmd->add_option("--top-k", args->top_k, "Components in the listenable explanation")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args->batch, "Network windows per model call (0: the model's choice)");
  cmd->add_option("--method-options", args->method_options, "JSON: {\"lime\": {\"kernel_width\": 0.5}, ...}");
  cmd->add_option("--factorization-options", args->factorization_options, "JSON options of the factorization");
  cmd->callback([args] {
    const int code = run_explain(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
