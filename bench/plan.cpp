#include "bench/plan.h"

#include <algorithm>
#include <cstdlib>

#include "bench/adversarial.h"
#include "core/error.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "metrics/metric.h"

namespace hearsay::bench {

namespace {

// A method's options with every default filled in; "output" (which output it explains) is the
// bench's, not the method's, and is kept beside them.
// A variant's options are its own, over the options its method has in method_options.
nlohmann::json method_options(const StudyConfig& study, const std::string& method) {
  const std::string explainer = study_explainer(study, method);
  nlohmann::json given = study.method_options.value(explainer, nlohmann::json::object());
  if (explainer != method) given.update(study.variants[method].value("options", nlohmann::json::object()));
  nlohmann::json output;
  if (given.contains("output")) {
    output = given["output"];
    given.erase("output");
  }
  nlohmann::json filled = methods::explainer_registry().create(explainer, given)->options();
  if (!output.is_null()) filled["output"] = output;
  return filled;
}

}  // namespace

nlohmann::json Plan::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Job& job : jobs)
    list.push_back({{"id", job.id},
                    {"group", job.group},
                    {"study", job.config.at("study")},
                    {"clip", job.config.at("clip")},
                    {"factorization", job.factorization},
                    {"method", job.config.at("method")}});
  return {{"groups", groups}, {"jobs", list}};
}

Plan make_plan(const BenchConfig& config, const std::vector<const PreparedStudy*>& studies) {
  HEARSAY_CHECK(studies.size() == config.studies.size(), "make_plan: ", studies.size(), " prepared studies for ",
                config.studies.size(), " in the configuration");
  Plan plan;
  for (size_t s = 0; s < studies.size(); ++s) {
    const StudyConfig& study = config.studies[s];
    const PreparedStudy& prepared = *studies[s];
    const std::vector<std::string> methods = study_methods(study);

    nlohmann::json metric_options = nlohmann::json::object();
    std::vector<std::string> references;  // reference methods, in the order the metrics name them
    for (const auto& [name, options] : study.metrics.items()) {
      const auto metric = metrics::metric_registry().create(name, options);
      metric_options[name] = metric->options();
      const std::string reference = metric->reference_method();
      if (!reference.empty() && std::find(references.begin(), references.end(), reference) == references.end())
        references.push_back(reference);
    }
    // The adversarial experiment scores every method with adversarial_flip (unless the study sets its options).
    nlohmann::json adversarial = nullptr;
    if (!study.adversarial.is_null()) {
      const AdversarialSpec spec = read_adversarial(study.adversarial, "adversarial");
      adversarial = write_options(spec);
      if (!metric_options.contains("adversarial_flip"))
        metric_options["adversarial_flip"] =
            metrics::metric_registry()
                .create("adversarial_flip", {{"k_max", spec.k_max}, {"top_k", spec.top_k}})
                ->options();
    }
    // The references run first in each group; then the methods in the configuration's order.
    std::vector<std::string> order = references;
    for (const auto& m : methods)
      if (std::find(order.begin(), order.end(), m) == order.end()) order.push_back(m);

    std::map<std::string, nlohmann::json> filled_methods;
    for (const auto& m : order) filled_methods[m] = method_options(study, m);

    for (size_t clip : prepared.clips) {
      const datasets::ExampleInfo info = prepared.dataset->info(clip);
      const std::string label =
          info.label >= 0 ? prepared.dataset->classes()[static_cast<size_t>(info.label)] : std::string();
      for (const auto& [factorization, given] : study.factorizations.items()) {
        const nlohmann::json factorization_options =
            factorizations::factorizer_registry().create(factorization, given)->options();
        std::map<std::string, std::string> reference_ids;
        for (const auto& method : order) {
          Job job;
          job.study = s;
          job.clip = clip;
          job.factorization = factorization;
          job.factorization_options = factorization_options;
          job.method = study_explainer(study, method);  // what runs; the config names the variant
          job.method_options = filled_methods[method];
          job.metrics = metric_options;
          job.reference_only = std::find(methods.begin(), methods.end(), method) == methods.end();
          job.group = plan.groups;
          for (const auto& [reference, id] : reference_ids)
            if (reference != method) job.references[reference] = id;
          job.config = {{"study", study.name},
                        {"dataset", prepared.dataset_dir},
                        {"dataset_key", prepared.dataset_key},
                        {"model", prepared.model_dir},
                        {"model_name", prepared.model->name()},
                        {"model_key", prepared.model_key},
                        {"clip", info.id},
                        {"label", label},
                        {"excerpt", {{"start_seconds", study.excerpt_start}, {"seconds", study.excerpt_seconds}}},
                        {"factorization", factorization},
                        {"factorization_options", factorization_options},
                        {"method", method},
                        {"method_options", job.method_options},
                        {"metrics", metric_options},
                        {"references", job.references},
                        {"seed", config.seed}};
          if (job.reference_only) job.config["reference_only"] = true;
          if (!adversarial.is_null()) job.config["adversarial"] = adversarial;
          if (job.method != method) job.config["explainer"] = job.method;
          // The id names the data and the model by their keys (what they are), not by the folders they
          // sit in, so runs with other cache folders (shards on other machines) share ids.
          nlohmann::json identity = job.config;
          identity.erase("dataset");
          identity.erase("model");
          identity.erase("model_name");
          job.id = config_key(identity);
          if (std::find(references.begin(), references.end(), method) != references.end())
            reference_ids[method] = job.id;
          plan.jobs.push_back(std::move(job));
        }
        ++plan.groups;
      }
    }
  }
  return plan;
}

std::string Shard::text() const { return message(index, "/", count); }

Shard parse_shard(const std::string& text, const std::string& option) {
  const auto slash = text.find('/');
  Shard shard;
  bool valid = slash != std::string::npos && slash > 0 && slash + 1 < text.size();
  if (valid) {
    const std::string k = text.substr(0, slash), n = text.substr(slash + 1);
    valid = k.find_first_not_of("0123456789") == std::string::npos &&
            n.find_first_not_of("0123456789") == std::string::npos && k.size() < 7 && n.size() < 7;
    if (valid) {
      shard.index = std::atoi(k.c_str());
      shard.count = std::atoi(n.c_str());
      valid = shard.index >= 1 && shard.count >= 1 && shard.index <= shard.count;
    }
  }
  HEARSAY_CHECK_AS(ConfigError, valid, option, ": '", text, "' is not a shard; write K/N with 1 <= K <= N, e.g. 2/3");
  return shard;
}

bool in_shard(const Job& job, const Shard& shard) {
  return job.group % static_cast<size_t>(shard.count) == static_cast<size_t>(shard.index - 1);
}

}  // namespace hearsay::bench
