#include "bench/explain_run.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "bench/figures.h"
#include "core/audio_io.h"
#include "core/error.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

namespace {

void write_json(const fs::path& path, const nlohmann::json& j) {
  std::ofstream out(path);
  HEARSAY_CHECK_AS(IoError, out, "cannot write '", path.string(), "'");
  out << j.dump(2) << "\n";
}

// The top-k components with a positive score (by score), and the rest.
std::pair<std::vector<uint8_t>, std::vector<uint8_t>> listenable(const methods::Explanation& e, int k) {
  std::vector<uint8_t> top(e.scores.size(), 0);
  int taken = 0;
  for (int64_t i : e.ranking()) {
    if (taken == k || e.scores[static_cast<size_t>(i)] <= 0.0) break;
    top[static_cast<size_t>(i)] = 1;
    ++taken;
  }
  std::vector<uint8_t> rest(top.size());
  for (size_t i = 0; i < top.size(); ++i) rest[i] = static_cast<uint8_t>(1 - top[i]);
  return {top, rest};
}

std::string top_names(const methods::Explanation& e, int k) {
  std::string s;
  const auto order = e.ranking();
  for (int i = 0; i < k && i < static_cast<int>(order.size()); ++i)
    s += (i ? ", " : "") + e.names[static_cast<size_t>(order[static_cast<size_t>(i)])];
  return s;
}

}  // namespace

ClipOutcome explain_clip(const models::Model& model, const factorizations::FactorizationInput& input,
                         const ExplainSettings& settings) {
  const auto factorizer =
      factorizations::factorizer_registry().create(settings.factorization, settings.factorization_options);
  const auto factorization = factorizer->factorize(input, model.front_end());
  methods::EvaluatorOptions eo;
  eo.batch_size = settings.batch_size;
  auto shared = std::make_unique<methods::Evaluator>(model, *factorization, eo);
  int64_t model_runs = 0;
  const bool write = !settings.out_dir.empty();
  if (write) fs::create_directories(settings.out_dir);
  const fs::path dir(settings.out_dir);
  const Matrix<float> features =
      factorization->compose(std::vector<uint8_t>(static_cast<size_t>(factorization->size()), 1));
  const double hop_seconds =
      static_cast<double>(model.front_end().options().hop_length) / model.front_end().sample_rate();

  ClipOutcome outcome;
  outcome.component_names = factorization->names();
  nlohmann::json methods_json = nlohmann::json::array();
  for (const auto& name : settings.methods) {
    MethodOutcome m;
    m.method = name;
    try {
      auto it = settings.method_options.find(name);
      const auto explainer = methods::explainer_registry().create(
          name, it == settings.method_options.end() ? nlohmann::json::object() : it->second);
      if (!settings.share_evaluations) {
        model_runs += shared->forward_passes();
        shared = std::make_unique<methods::Evaluator>(model, *factorization, eo);
      }
      methods::ExplainRequest request;
      request.evaluator = shared.get();
      request.target = settings.target;
      request.output = settings.output;
      request.seed = settings.seed;
      m.explanation = explainer->explain(request);
      m.ok = true;
      if (write) {
        const auto& e = m.explanation;
        nlohmann::json doc = e.to_json();
        doc["factorization"] = {{"name", settings.factorization},
                                {"options", factorization->options()},
                                {"domain", factorization->domain()},
                                {"baseline", factorization->baseline()}};
        doc["model"] = model.name();
        write_json(dir / (name + ".json"), doc);
        char title[256];
        std::snprintf(title, sizeof title, "%s: %s (%s %.3f)", name.c_str(), e.target_name.c_str(),
                      e.output == models::Output::logits ? "logit" : "p =", e.full_output);
        write_attribution_png((dir / (name + ".png")).string(), features, attribution_map(e, *factorization),
                              hop_seconds, {title, "top: " + top_names(e, settings.top_k)});
        const auto [top, rest] = listenable(e, settings.top_k);
        save_audio((dir / (name + ".top.wav")).string(), factorization->render(top), SampleFormat::float32);
        save_audio((dir / (name + ".rest.wav")).string(), factorization->render(rest), SampleFormat::float32);
      }
    } catch (const Error& error) {
      m.ok = false;
      m.error = error.what();
    }
    nlohmann::json entry{{"method", name}, {"ok", m.ok}};
    if (m.ok) {
      entry["top"] = top_names(m.explanation, settings.top_k);
      entry["evals"] = m.explanation.evals;
      entry["model_runs"] = m.explanation.model_runs;
      entry["seconds"] = m.explanation.seconds;
    } else {
      entry["error"] = m.error;
    }
    methods_json.push_back(entry);
    outcome.methods.push_back(std::move(m));
  }
  outcome.model_runs = model_runs + shared->forward_passes();
  outcome.peak_inputs_held = shared->peak_inputs_held();
  outcome.summary = {{"model", model.name()},
                     {"factorization", settings.factorization},
                     {"components", factorization->names()},
                     {"seed", settings.seed},
                     {"methods", methods_json},
                     {"model_runs", outcome.model_runs},
                     {"shared_evaluations", settings.share_evaluations},
                     {"peak_inputs_held", outcome.peak_inputs_held}};
  if (write) write_json(dir / "summary.json", outcome.summary);
  return outcome;
}

void print_comparison(std::ostream& out, const ClipOutcome& outcome, int top) {
  char line[512];
  std::snprintf(line, sizeof line, "%-14s %-44s %8s %8s %9s %7s\n", "method", "top components", "evals", "runs",
                "seconds", "R2");
  out << line;
  for (const auto& m : outcome.methods) {
    if (!m.ok) {
      std::snprintf(line, sizeof line, "%-14s failed: %s\n", m.method.c_str(), m.error.c_str());
      out << line;
      continue;
    }
    const auto& e = m.explanation;
    std::string r2 = e.r2 ? std::to_string(*e.r2).substr(0, 5) : "-";
    std::snprintf(line, sizeof line, "%-14s %-44s %8lld %8lld %9.3f %7s\n", m.method.c_str(),
                  top_names(e, top).substr(0, 44).c_str(), static_cast<long long>(e.evals),
                  static_cast<long long>(e.model_runs), e.seconds, r2.c_str());
    out << line;
  }
}

}  // namespace hearsay::bench
