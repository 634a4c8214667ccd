#include "bench/adversarial.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "bench/cache_entry.h"
#include "bench/study.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/hash.h"
#include "core/random.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

AdversarialSpec read_adversarial(const nlohmann::json& j, const std::string& context) {
  return read_options<AdversarialSpec>(j, context);
}

metrics::AttackOptions clip_attack_options(const AdversarialSpec& spec, const std::string& clip_id, uint64_t seed) {
  metrics::AttackOptions o = spec.attack;
  Fnv1a64 id;
  id.add(clip_id.data(), clip_id.size());
  const uint64_t clip_seed = derive_seed(seed, id.value());
  o.seed = clip_seed;
  if (spec.partial_segments > 0) {
    Rng rng(derive_seed(clip_seed, 0x9a47));
    std::vector<int> all(static_cast<size_t>(spec.partial_segments));
    for (int i = 0; i < spec.partial_segments; ++i) all[static_cast<size_t>(i)] = i;
    rng.shuffle(all);
    o.segments = spec.partial_segments;
    o.perturb.assign(all.begin(), all.begin() + spec.partial_count);
    std::sort(o.perturb.begin(), o.perturb.end());
  }
  return o;
}

nlohmann::json attack_summary(const metrics::AttackResult& a, const models::Model& model) {
  auto name = [&](int c) {
    return c >= 0 ? nlohmann::json(model.class_names()[static_cast<size_t>(c)]) : nlohmann::json(nullptr);
  };
  nlohmann::json spans = nlohmann::json::array();
  for (const auto& [s, e] : a.perturbed_seconds) spans.push_back({s, e});
  return {{"domain", metrics::domain_name(a.domain)},
          {"success", a.success},
          {"clean_class", name(a.clean_class)},
          {"target", name(a.target)},
          {"adversarial_class", name(a.adversarial_class)},
          {"clean_probability",
           a.clean_probabilities.empty() ? 0.0 : a.clean_probabilities[static_cast<size_t>(a.clean_class)]},
          {"adversarial_probability", a.adversarial_probabilities.empty()
                                          ? 0.0
                                          : a.adversarial_probabilities[static_cast<size_t>(a.adversarial_class)]},
          {"iterations", a.iterations},
          {"epsilon", a.epsilon},
          {"linf", a.linf},
          {"snr_db", a.snr_db},
          {"perturbed_seconds", spans}};
}

namespace {

nlohmann::json stored(const metrics::AttackResult& a) {
  nlohmann::json spans = nlohmann::json::array();
  for (const auto& [s, e] : a.perturbed_seconds) spans.push_back({s, e});
  return {{"domain", metrics::domain_name(a.domain)},
          {"success", a.success},
          {"clean_class", a.clean_class},
          {"target", a.target},
          {"adversarial_class", a.adversarial_class},
          {"iterations", a.iterations},
          {"epsilon", a.epsilon},
          {"linf", a.linf},
          {"snr_db", a.snr_db},
          {"clean_probabilities", a.clean_probabilities},
          {"adversarial_probabilities", a.adversarial_probabilities},
          {"perturbed_seconds", spans},
          {"values", a.domain == metrics::AttackDomain::waveform ? static_cast<int64_t>(a.delta.size())
                                                                 : a.delta_features.size()}};
}

void write_values(const std::string& path, const float* values, int64_t count) {
  write_file_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values), static_cast<std::streamsize>(count * sizeof(float)));
    out.close();
    HEARSAY_CHECK_AS(IoError, out.good(), "cannot write '", path, "'");
  });
}

std::vector<float> read_values(const std::string& path, int64_t count) {
  std::ifstream in(path, std::ios::binary);
  std::vector<float> values(static_cast<size_t>(count));
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(float)));
  HEARSAY_CHECK_AS(IoError, in.gcount() == static_cast<std::streamsize>(count * sizeof(float)), "'", path,
                   "' holds fewer than ", count, " values");
  return values;
}

}  // namespace

metrics::AttackResult cached_attack(const models::Model& model, const Audio& clip,
                                    const metrics::AttackOptions& options, const nlohmann::json& identity,
                                    const std::string& cache_dir, std::ostream& log) {
  if (cache_dir.empty()) return metrics::attack(model, clip, options);
  nlohmann::json key = identity;
  key["attack"] = write_options(options);
  key["samples"] = clip.frames();
  const fs::path entry = fs::path(cache_dir) / ("attack-" + config_key(key));
  std::optional<metrics::AttackResult> loaded;
  CacheEntryBuild how;
  how.what = "adversarial example";
  how.check = [&](const std::string& dir) -> std::string {
    const fs::path json = fs::path(dir) / "attack.json";
    const fs::path values = fs::path(dir) / "delta.f32";
    if (!fs::exists(json) || !fs::exists(values)) return "no attack.json or delta.f32";
    try {
      const nlohmann::json j = read_json_file(json.string());
      metrics::AttackResult a;
      a.domain = j.at("domain") == "waveform" ? metrics::AttackDomain::waveform : metrics::AttackDomain::spectrogram;
      a.success = j.at("success");
      a.clean_class = j.at("clean_class");
      a.target = j.at("target");
      a.adversarial_class = j.at("adversarial_class");
      a.iterations = j.at("iterations");
      a.epsilon = j.at("epsilon");
      a.linf = j.at("linf");
      a.snr_db = j.at("snr_db");
      a.clean_probabilities = j.at("clean_probabilities").get<std::vector<double>>();
      a.adversarial_probabilities = j.at("adversarial_probabilities").get<std::vector<double>>();
      for (const auto& s : j.at("perturbed_seconds")) a.perturbed_seconds.push_back({s.at(0), s.at(1)});
      a.clean_features = model.features(clip);
      const int64_t count = j.at("values");
      std::vector<float> v = read_values(values.string(), count);
      if (a.domain == metrics::AttackDomain::waveform) {
        if (count != clip.frames()) return "the stored perturbation has another length than the clip";
        a.delta = std::move(v);
      } else {
        if (count != a.clean_features.size()) return "the stored perturbation has another shape than the features";
        a.delta_features = Matrix<float>(a.clean_features.rows(), a.clean_features.cols());
        std::copy(v.begin(), v.end(), a.delta_features.data());
      }
      loaded = std::move(a);
      return {};
    } catch (const std::exception& e) {
      return e.what();
    }
  };
  how.build = [&](const std::string& dir) {
    const auto t0 = std::chrono::steady_clock::now();
    const metrics::AttackResult a = metrics::attack(model, clip, options);
    if (a.domain == metrics::AttackDomain::waveform)
      write_values((fs::path(dir) / "delta.f32").string(), a.delta.data(), static_cast<int64_t>(a.delta.size()));
    else
      write_values((fs::path(dir) / "delta.f32").string(), a.delta_features.data(), a.delta_features.size());
    write_json_file((fs::path(dir) / "attack.json").string(), stored(a));
    log << "  attacked " << identity.value("clip", std::string("a clip")) << " (" << metrics::domain_name(a.domain)
        << "): " << (a.success ? "label changed" : "label kept") << " after " << a.iterations << " steps, "
        << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
  };
  ensure_cache_entry(entry.string(), how, log);
  HEARSAY_CHECK_AS(IoError, loaded, "the adversarial example in '", entry.string(), "' could not be read");
  return std::move(*loaded);
}

}  // namespace hearsay::bench
