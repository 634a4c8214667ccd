#include "bench/explain_run.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "bench/figures.h"
#include "core/audio_io.h"
#include "core/error.h"
#include "core/file_io.h"
#include "metrics/metric.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

namespace {

// Below this peak (-100 dBFS) a listenable explanation is silence and is not written.
constexpr float kSilentPeak = 1e-5f;

// The "output" key of one method's options: "logit" or "probability".
models::Output output_from_json(const nlohmann::json& value, const std::string& method) {
  if (value == "logit") return models::Output::logits;
  if (value == "probability") return models::Output::probabilities;
  throw ConfigError(
      message("options of '", method, "': \"output\" is ", value.dump(), "; valid: \"logit\", \"probability\""));
}

// The top-k components with a positive score (by score).
std::vector<uint8_t> top_mask(const methods::Explanation& e, int k) {
  std::vector<uint8_t> top(e.scores.size(), 0);
  int taken = 0;
  for (int64_t i : e.ranking()) {
    if (taken == k || e.scores[static_cast<size_t>(i)] <= 0.0) break;
    top[static_cast<size_t>(i)] = 1;
    ++taken;
  }
  return top;
}

// Writes `audio` as 16-bit FLAC (a tenth of float WAV's size), or as float WAV when it exceeds full
// scale, which PCM would clip. Returns the file name written.
std::string save_listenable(const fs::path& dir, const std::string& stem, const Audio& audio) {
  const bool fits = audio.peak() <= 1.0f;
  const std::string file = stem + (fits ? ".flac" : ".wav");
  save_audio((dir / file).string(), audio, fits ? SampleFormat::pcm16 : SampleFormat::float32);
  return file;
}

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

// The method's listenable explanation (and the rest, with AudioOut::all); records what was written
// or why not in doc["audio"] and adds a warning when the explanation has nothing to play.
void write_audio(const methods::Explanation& e, const factorizations::Factorization& f, const ExplainSettings& s,
                 nlohmann::json& doc) {
  const std::vector<uint8_t> top = top_mask(e, s.top_k);
  nlohmann::json audio = nlohmann::json::object();
  bool any = false;
  for (uint8_t bit : top) any = any || bit;
  const Audio top_audio = any ? f.render(top) : Audio();
  if (!any) {
    audio["top"] = "not written: no component has a positive score";
  } else if (top_audio.peak() < kSilentPeak) {
    audio["top"] = "not written: the top components are silent";
  } else {
    audio["top"] = save_listenable(s.out_dir, e.method + ".top", top_audio);
    if (s.audio_out == AudioOut::all) {
      std::vector<uint8_t> rest(top.size());
      for (size_t i = 0; i < top.size(); ++i) rest[i] = static_cast<uint8_t>(1 - top[i]);
      const Audio rest_audio = f.render(rest);
      audio["rest"] = rest_audio.peak() < kSilentPeak
                          ? nlohmann::json("not written: the rest is silent")
                          : nlohmann::json(save_listenable(s.out_dir, e.method + ".rest", rest_audio));
    }
  }
  doc["audio"] = audio;
}

// Where the explained input starts in the clip: the bench's excerpt, or hearsay explain's --start.
double start_seconds(const nlohmann::json& context) {
  for (const char* key : {"excerpt", "clip"}) {
    const auto it = context.find(key);
    if (it != context.end() && it->is_object() && it->contains("start_seconds") && (*it)["start_seconds"].is_number())
      return (*it)["start_seconds"].get<double>();
  }
  return 0.0;
}

// The figure of one method's explanation: title "<method>: <class> (p = …)", then the clip and the top
// components, then the warnings.
FigureSpec figure_spec(const methods::Explanation& e, const factorizations::Factorization& f,
                       const models::Model& model, const Matrix<float>& features, const ExplainSettings& s) {
  FigureSpec spec;
  spec.features = features;
  spec.map = attribution_map(e, f);
  spec.front_end = model.front_end().options();
  spec.start_seconds = start_seconds(s.context);
  spec.regions = component_regions(f);
  spec.title = e.method + ": " + e.target_name + " (" + (e.output == models::Output::logits ? "logit " : "p = ") +
               fixed(e.full_output, 3) + ")";
  const std::string clip = fs::path(s.input_name).filename().string();
  spec.subtitle = (clip.empty() ? "" : clip + "    ") + "top: " + top_components(e, s.top_k);
  spec.warnings = e.warnings;
  return spec;
}

void write_method_files(const methods::Explanation& e, const nlohmann::json& metrics,
                        const factorizations::Factorization& f, const models::Model& model,
                        const Matrix<float>& features, const ExplainSettings& s) {
  const fs::path dir(s.out_dir);
  nlohmann::json doc = e.to_json();
  if (!metrics.empty()) doc["metrics"] = metrics;
  doc["factorization"] = {
      {"name", s.factorization}, {"options", f.options()}, {"domain", f.domain()}, {"baseline", f.baseline()}};
  doc["model"] = model.name();
  doc["input"] = s.input_name;
  if (s.audio_out != AudioOut::none) write_audio(e, f, s, doc);
  const FigureSpec figure = figure_spec(e, f, model, features, s);
  write_attribution_png((dir / (e.method + ".png")).string(), figure);
  if (s.figure_svg) write_attribution_svg((dir / (e.method + ".svg")).string(), figure);
  write_json_file((dir / (e.method + ".json")).string(), doc);
}

// The settings' metrics for every method that succeeded, into its outcome: each metric's result, or the
// error that stopped it (a metric that fails is that metric's record, not the method's failure).
void add_metrics(std::vector<MethodOutcome>& outcomes, const factorizations::Factorization& factorization,
                 const factorizations::FactorizationInput* source, const ExplainSettings& settings,
                 methods::Evaluator& evaluator) {
  for (const auto& [name, options] : settings.metrics) {
    if (settings.progress) settings.progress(message("metric ", name));
    const auto metric = metrics::metric_registry().create(name, options);
    const methods::Explanation* reference = nullptr;
    for (const MethodOutcome& m : outcomes)
      if (m.ok && m.method == metric->reference_method()) reference = &m.explanation;
    for (MethodOutcome& m : outcomes) {
      if (!m.ok) continue;
      try {
        metrics::MetricInput input;
        input.explanation = &m.explanation;
        input.factorization = &factorization;
        input.ground_truth = settings.ground_truth;
        input.reference = reference;
        input.evaluator = &evaluator;
        input.source = source;
        input.factorizer = settings.factorization;
        const metrics::MetricResult r = metric->evaluate(input);
        m.metrics[name] = {{"value", r.value ? nlohmann::json(*r.value) : nlohmann::json(nullptr)},
                           {"curve", r.curve},
                           {"extra", r.extra},
                           {"reason", r.reason}};
      } catch (const Error& error) {
        m.metrics[name] = {{"error", error.what()}, {"error_type", error_type_name(error)}};
      }
    }
    if (settings.progress) settings.progress({});
  }
}

}  // namespace

std::string output_name(models::Output output) { return output == models::Output::logits ? "logit" : "probability"; }

AudioOut audio_out_from_name(const std::string& name, const std::string& option) {
  if (name == "none") return AudioOut::none;
  if (name == "top") return AudioOut::top;
  if (name == "all") return AudioOut::all;
  throw ConfigError(message(option, ": unknown value '", name, "'; valid: none, top, all"));
}

std::string top_components(const methods::Explanation& e, int k) {
  std::string s;
  int taken = 0;
  for (int64_t i : e.ranking()) {
    const double score = e.scores[static_cast<size_t>(i)];
    if (taken == k || score <= 0.0) break;
    s += (taken++ ? ", " : "") + e.names[static_cast<size_t>(i)] + " (" + fixed(score, 3) + ")";
  }
  return s.empty() ? "none" : s;
}

ClipOutcome explain_clip(const models::Model& model, const factorizations::FactorizationInput& input,
                         const ExplainSettings& settings) {
  const auto factorizer =
      factorizations::factorizer_registry().create(settings.factorization, settings.factorization_options);
  if (settings.progress) settings.progress(message("factorizing (", settings.factorization, ")"));
  const auto factorization = factorizer->factorize(input, model.front_end());
  if (settings.progress) settings.progress({});
  return explain_factorized(model, *factorization, settings, &input);
}

ClipOutcome explain_factorized(const models::Model& model, const factorizations::Factorization& factorization,
                               const ExplainSettings& settings, const factorizations::FactorizationInput* source) {
  methods::EvaluatorOptions eo;
  eo.batch_size = settings.batch_size;
  if (!settings.input_name.empty()) eo.input_name = settings.input_name;
  auto shared = std::make_unique<methods::Evaluator>(model, factorization, eo);
  int64_t model_runs = 0;
  const bool write = !settings.out_dir.empty();
  if (write) ensure_writable_directory(settings.out_dir, "output folder");
  const Matrix<float> features =
      factorization.compose(std::vector<uint8_t>(static_cast<size_t>(factorization.size()), 1));

  ClipOutcome outcome;
  outcome.component_names = factorization.names();
  outcome.shared_evaluations = settings.share_evaluations;
  {
    const int predicted = shared->predicted_class();
    outcome.predicted = model.class_names()[static_cast<size_t>(predicted)];
    outcome.predicted_probability = shared->output(std::vector<uint8_t>(static_cast<size_t>(factorization.size()), 1),
                                                   predicted, models::Output::probabilities);
  }
  nlohmann::json methods_json = nlohmann::json::array();
  const size_t count = settings.methods.size();
  for (size_t index = 0; index < count; ++index) {
    const std::string& name = settings.methods[index];
    const std::string step = message(name, " (method ", index + 1, " of ", count, ")");
    if (settings.progress) settings.progress(step);
    MethodOutcome m;
    m.method = name;
    try {
      auto it = settings.method_options.find(name);
      nlohmann::json options = it == settings.method_options.end() ? nlohmann::json::object() : it->second;
      std::optional<models::Output> output = settings.output;
      if (options.is_object() && options.contains("output")) {
        output = output_from_json(options["output"], name);
        options.erase("output");
      }
      const auto explainer = methods::explainer_registry().create(name, options);
      if (!settings.share_evaluations) {  // not even the prediction's evaluation is shared
        model_runs += shared->forward_passes();
        shared = std::make_unique<methods::Evaluator>(model, factorization, eo);
      }
      methods::ExplainRequest request;
      request.evaluator = shared.get();
      request.target = settings.target;
      request.output = output.value_or(explainer->capabilities().default_output);
      request.seed = settings.seed;
      m.explanation = explainer->explain(request);
      m.ok = true;
    } catch (const Error& error) {
      m.ok = false;
      m.error = error.what();
      m.error_type = error_type_name(error);
    }
    if (settings.progress) settings.progress({});
    outcome.methods.push_back(std::move(m));
  }
  add_metrics(outcome.methods, factorization, source, settings, *shared);
  for (const MethodOutcome& m : outcome.methods) {
    // Outside the method's try: a file that cannot be written (a full disk) is not the method's
    // failure, and a caller that records failures must not record it as one.
    if (m.ok && write) write_method_files(m.explanation, m.metrics, factorization, model, features, settings);
    nlohmann::json entry{{"method", m.method}, {"ok", m.ok}};
    if (m.ok) {
      const auto& e = m.explanation;
      entry.update({{"output", output_name(e.output)},
                    {"full_output", e.full_output},
                    {"empty_output", e.empty_output},
                    {"top", top_components(e, settings.top_k)},
                    {"evals", e.evals},
                    {"model_runs", e.model_runs},
                    {"seconds", e.seconds},
                    {"warnings", e.warnings}});
      if (!m.metrics.empty()) entry["metrics"] = m.metrics;
    } else {
      entry["error"] = m.error;
    }
    methods_json.push_back(entry);
  }
  outcome.model_runs = model_runs + shared->forward_passes();
  outcome.peak_inputs_held = shared->peak_inputs_held();
  outcome.summary = {{"model", model.name()},
                     {"input", settings.input_name},
                     {"predicted", outcome.predicted},
                     {"predicted_probability", outcome.predicted_probability},
                     {"factorization", settings.factorization},
                     {"components", factorization.names()},
                     {"seed", settings.seed},
                     {"methods", methods_json},
                     {"model_runs", outcome.model_runs},
                     {"shared_evaluations", settings.share_evaluations},
                     {"peak_inputs_held", outcome.peak_inputs_held}};
  outcome.summary.update(settings.context);
  if (write) write_json_file((fs::path(settings.out_dir) / "summary.json").string(), outcome.summary);
  return outcome;
}

namespace {

// `text` cut at `separator` into lines of at most `width` characters after `first`, each further line
// starting with `indent`; a piece longer than a line gets a line of its own, never cut.
std::string wrapped(const std::string& first, const std::string& text, const std::string& indent, size_t width,
                    const std::string& separator = " ") {
  std::string out = first;
  size_t column = first.size();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(separator, start), text.size());
    const std::string piece = text.substr(start, end - start) + (end < text.size() ? separator : "");
    if (column + piece.size() > width + (end < text.size() ? separator.size() : 0) && column > indent.size()) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += "\n" + indent;
      column = indent.size();
    }
    out += piece;
    column += piece.size();
    start = end + separator.size();
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

void print_comparison(std::ostream& out, const ClipOutcome& outcome, int top) {
  constexpr size_t kWidth = 100;
  out << "predicted: " << outcome.predicted << " (p = " << fixed(outcome.predicted_probability, 3) << ")\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-16s %-11s %9s %9s %8s %8s %9s %7s\n", "method", "output", "f(all)", "f(none)",
                "evals", "runs", outcome.shared_evaluations ? "seconds*" : "seconds", "R2");
  out << line;
  for (const auto& m : outcome.methods) {
    if (!m.ok) {
      out << wrapped(message(m.method, std::string(m.method.size() < 16 ? 16 - m.method.size() : 0, ' '), " failed: "),
                     m.error, std::string(17, ' '), kWidth)
          << "\n";
      continue;
    }
    const auto& e = m.explanation;
    std::snprintf(line, sizeof line, "%-16s %-11s %9.4g %9.4g %8lld %8lld %9.3f %7s\n", m.method.c_str(),
                  output_name(e.output).c_str(), e.full_output, e.empty_output, static_cast<long long>(e.evals),
                  static_cast<long long>(e.model_runs), e.seconds, e.r2 ? fixed(*e.r2, 3).c_str() : "-");
    out << line;
    out << wrapped("  top: ", top_components(e, top), "       ", kWidth, ", ") << "\n";
    for (const auto& w : e.warnings) out << wrapped("  warning: ", w, "           ", kWidth) << "\n";
  }
  if (outcome.shared_evaluations)
    out << "* methods share one cache of model evaluations: a later method's seconds leave out what an earlier one\n"
           "  already evaluated (runs < evals); --independent gives each method its own cost.\n";
}

}  // namespace hearsay::bench
