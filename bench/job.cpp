#include "bench/job.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

#include "bench/adversarial.h"
#include "bench/explain_run.h"
#include "core/audio_io.h"
#include "core/error.h"
#include "core/file_io.h"
#include "factorizations/factorization.h"
#include "methods/evaluator.h"
#include "metrics/adversarial_flip.h"
#include "metrics/cue_regions.h"
#include "metrics/metric.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

namespace {

// A clip id as one folder name: ids of folder datasets may hold '/'.
std::string folder_name(std::string id) {
  for (char& c : id)
    if (c == '/' || c == '\\' || c == ':') c = '_';
  return id.empty() || id[0] == '.' ? "_" + id : id;
}

// The folder of a clip's jobs, relative to the run folder.
fs::path clip_folder(const Job& job) {
  return fs::path("jobs") / job.config.at("study").get<std::string>() /
         folder_name(job.config.at("clip").get<std::string>());
}

// The job's files, relative to the run folder.
std::string job_folder(const Job& job) {
  return (clip_folder(job) / (job.factorization + "." + job.method + "." + job.id.substr(0, 8))).string();
}

// The input every job of the clip explained (the excerpt, mono, at the model's rate; the adversarial
// example in an adversarial study), once per clip, so the report can play it beside the explanations.
// Written under a temporary name and renamed, so groups of one clip on two MPI ranks cannot tear it.
void write_clip_audio(const fs::path& out_dir, const Job& job, const Audio& audio) {
  const fs::path dir = out_dir / clip_folder(job);
  const bool fits = audio.peak() <= 1.0f;
  const fs::path file = dir / (fits ? "clip.flac" : "clip.wav");
  std::error_code ec;
  if (fs::exists(file, ec)) return;
  fs::create_directories(dir, ec);
  save_audio(file.string(), audio, fits ? SampleFormat::pcm16 : SampleFormat::float32);
}

Record base_record(const Job& job) {
  Record r;
  r.job = job.id;
  r.config = job.config;
  return r;
}

nlohmann::json explanation_summary(const methods::Explanation& e, const std::string& predicted) {
  nlohmann::json top = nlohmann::json::array();
  for (int64_t i : e.ranking()) {
    if (top.size() == 3 || e.scores[static_cast<size_t>(i)] <= 0.0) break;
    top.push_back(e.names[static_cast<size_t>(i)]);
  }
  return {{"method", e.method},
          {"target", e.target},
          {"target_name", e.target_name},
          {"predicted", predicted},
          {"output", output_name(e.output)},
          {"full_output", e.full_output},
          {"empty_output", e.empty_output},
          {"names", e.names},
          {"scores", e.scores},
          {"r2", e.r2 ? nlohmann::json(*e.r2) : nlohmann::json(nullptr)},
          {"r2_held_out", e.r2_held_out ? nlohmann::json(*e.r2_held_out) : nlohmann::json(nullptr)},
          {"warnings", e.warnings},
          {"top", top}};
}

// The explanation a stored record summarises, as much of it as metrics compare (names, scores, target).
methods::Explanation explanation_of(const Record& r) {
  methods::Explanation e;
  e.method = r.explanation.at("method").get<std::string>();
  e.names = r.explanation.at("names").get<std::vector<std::string>>();
  e.scores = r.explanation.at("scores").get<std::vector<double>>();
  e.target = r.explanation.at("target").get<int>();
  e.target_name = r.explanation.at("target_name").get<std::string>();
  return e;
}

// Replaces `to` by the complete folder `from`.
void move_folder(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::remove_all(to, ec);
  fs::rename(from, to, ec);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot move '", from.string(), "' to '", to.string(),
                   "': ", io_error_text(ec.value()));
}

struct Clip {
  datasets::Example example;
  factorizations::FactorizationInput input;
  std::unique_ptr<factorizations::Factorization> factorization;
  std::vector<factorizations::Region> truth;
  /// The metrics' evaluator, shared by every job of the group: the metrics ask the same masks of every
  /// method (deletion's random orders, fidelity's subsets), so the clip pays for them once. A metric
  /// counts the masks it asks for, cached or not, so its values and counts do not depend on which jobs
  /// ran before it (a resumed run, a shard). The methods' own evaluators stay per job: their cost is theirs.
  mutable std::unique_ptr<methods::Evaluator> metric_evaluator;
  // The adversarial experiment (bench/adversarial.h): `input` is then the adversarial example, `clean`
  // the excerpt it was made from, `flips` the clean excerpt plus parts of the perturbation.
  std::optional<metrics::AttackResult> attack;
  factorizations::FactorizationInput clean;
  std::unique_ptr<factorizations::Factorization> flips;
  std::unique_ptr<methods::Evaluator> flip_evaluator;
  metrics::AdversarialContext adversarial;
  nlohmann::json attack_summary;
};

// Discards what is written to it (the attack's cache log inside a job).
struct NullStream : std::ostream {
  NullStream() : std::ostream(nullptr) {}
};

// Replaces the clip's input by its adversarial example (cached), and builds what adversarial_flip reads.
void make_adversarial(Clip& c, const Job& job, const StudyConfig& study, const PreparedStudy& prepared, uint64_t seed) {
  const AdversarialSpec spec = read_adversarial(study.adversarial, "adversarial");
  const std::string id = job.config.at("clip").get<std::string>();
  const metrics::AttackOptions options = clip_attack_options(spec, id, seed);
  const nlohmann::json identity = {{"model_key", prepared.model_key},
                                   {"dataset_key", prepared.dataset_key},
                                   {"clip", id},
                                   {"excerpt", job.config.at("excerpt")}};
  NullStream quiet;
  c.attack = cached_attack(*prepared.model, c.input.audio, options, identity, prepared.cache_dir, quiet);
  c.attack_summary = attack_summary(*c.attack, *prepared.model);
  c.clean = c.input;
  if (c.attack->domain == metrics::AttackDomain::waveform)
    c.input.audio = c.attack->adversarial_audio(c.clean.audio);
  else
    c.input.features = c.attack->adversarial_features(*prepared.model, c.clean.audio);
}

void make_flips(Clip& c, const Job& job, const PreparedStudy& prepared) {
  c.flips = metrics::flip_factorization(*c.factorization, job.factorization, c.clean, *c.attack,
                                        prepared.model->front_end(), c.adversarial.delta_energy);
  c.flip_evaluator = std::make_unique<methods::Evaluator>(*prepared.model, *c.flips);
  c.adversarial.clean_class = c.attack->clean_class;
  c.adversarial.adversarial_class = c.attack->adversarial_class;
  c.adversarial.attack_succeeded = c.attack->success;
  c.adversarial.flips = c.flips.get();
  c.adversarial.evaluator = c.flip_evaluator.get();
  c.adversarial.perturbed = metrics::perturbed_components(*c.factorization, *c.attack, c.clean.audio.duration());
}

Clip load_clip(const Job& job, const StudyConfig& study, const PreparedStudy& prepared, uint64_t seed) {
  Clip c;
  c.example = prepared.dataset->get(job.clip);
  const double duration = c.example.audio.duration();
  HEARSAY_CHECK_AS(ConfigError, study.excerpt_start < duration, "excerpt_start ", study.excerpt_start,
                   " s is past the end of '", c.example.info.id, "' (", duration, " s)");
  const int rate = prepared.model->front_end().sample_rate();
  const auto cut = [&](const Audio& a) { return study_excerpt(a, study.excerpt_start, study.excerpt_seconds, rate); };
  c.input.audio = cut(c.example.audio);
  for (const auto& [stem, audio] : c.example.stems) c.input.stems[stem] = cut(audio);
  // Every kind of cue ("planted", "shortcut"): the shortcut set's tone is ground truth to compare with.
  c.truth = metrics::cue_regions(c.example.ground_truth, study.excerpt_start, "");
  if (!study.adversarial.is_null()) make_adversarial(c, job, study, prepared, seed);
  c.factorization = factorizations::factorizer_registry()
                        .create(job.factorization, job.factorization_options)
                        ->factorize(c.input, prepared.model->front_end());
  if (c.attack) make_flips(c, job, prepared);
  return c;
}

// The job itself; its failures are thrown and recorded by the caller.
void run_job(const Job& job, const Clip& clip, const PreparedStudy& prepared, uint64_t seed, const fs::path& out_dir,
             const RecordLookup& lookup, Record& r) {
  ExplainSettings s;
  s.methods = {job.method};
  s.method_options[job.method] = job.method_options;
  s.factorization = job.factorization;
  s.factorization_options = job.factorization_options;
  s.seed = seed;
  s.share_evaluations = false;
  s.audio_out = AudioOut::all;  // the top components and the rest: the report plays both
  s.input_name = r.field("clip");
  s.context = {{"job", job.id}, {"study", r.field("study")}, {"excerpt", job.config.at("excerpt")}};
  const fs::path final_dir = out_dir / job_folder(job);
  const fs::path partial = final_dir.string() + ".partial-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(partial, ec);
  s.out_dir = partial.string();
  const ClipOutcome outcome = explain_factorized(*prepared.model, *clip.factorization, s);
  const MethodOutcome& m = outcome.methods.at(0);
  if (!m.ok) {
    r.ok = false;
    r.error_type = m.error_type.empty() ? "Error" : m.error_type;
    r.error = m.error;
  } else {
    const methods::Explanation& e = m.explanation;
    r.explanation = explanation_summary(e, outcome.predicted);
    r.explanation["input_seconds"] = clip.input.audio.duration();  // the excerpt explained
    if (clip.attack) r.explanation["attack"] = clip.attack_summary;
    r.cost = {{"seconds", e.seconds},
              {"evals", e.evals},
              {"model_runs", e.model_runs},
              {"gradient_passes", e.gradient_passes}};
    std::map<std::string, methods::Explanation> references;
    for (const auto& [method, id] : job.references) {
      const Record* stored = lookup(id);
      if (stored && stored->ok) references[method] = explanation_of(*stored);
    }
    r.ok = true;
    for (const auto& [name, options] : job.metrics.items()) {
      const auto metric = metrics::metric_registry().create(name, options);
      metrics::MetricInput input;
      input.explanation = &e;
      input.factorization = clip.factorization.get();
      input.ground_truth = clip.truth;
      input.source = &clip.input;
      input.factorizer = job.factorization;
      if (clip.attack) input.adversarial = &clip.adversarial;
      const auto reference = references.find(metric->reference_method());
      if (reference != references.end()) input.reference = &reference->second;
      if (metric->needs().model) {
        if (!clip.metric_evaluator)
          clip.metric_evaluator = std::make_unique<methods::Evaluator>(*prepared.model, *clip.factorization);
        input.evaluator = clip.metric_evaluator.get();
      }
      const auto t0 = std::chrono::steady_clock::now();
      try {
        const metrics::MetricResult result = metric->evaluate(input);
        r.metrics[name] = {{"value", result.value ? nlohmann::json(*result.value) : nlohmann::json(nullptr)},
                           {"reason", result.reason},
                           {"extra", result.extra},
                           {"curve", result.curve},
                           {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
      } catch (const std::exception& error) {
        // The explanation stands; the job failed in this metric, and says so.
        r.ok = false;
        r.error_type = error_type_name(error);
        r.error = message("metric ", name, ": ", error.what());
        break;
      }
    }
  }
  if (fs::exists(partial, ec)) {
    move_folder(partial, final_dir);
    r.files = job_folder(job);
  }
}

}  // namespace

Record failed_record(const Job& job, const std::exception& error, const std::string& stage) {
  Record r = base_record(job);
  r.ok = false;
  r.error_type = error_type_name(error);
  r.error = stage.empty() ? std::string(error.what()) : message(stage, ": ", error.what());
  return r;
}

std::vector<std::pair<size_t, size_t>> group_ranges(const Plan& plan) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < plan.jobs.size(); ++i) {
    if (out.empty() || plan.jobs[i].group != plan.jobs[out.back().first].group) out.push_back({i, i});
    out.back().second = i + 1;
  }
  return out;
}

void run_group(const Plan& plan, size_t first, size_t last, const BenchConfig& config, const PreparedStudy& study,
               const std::string& out_dir, const RecordLookup& lookup, const RecordSink& done,
               const std::atomic<bool>* stop) {
  std::vector<const Job*> pending;
  for (size_t i = first; i < last; ++i)
    if (!lookup(plan.jobs[i].id)) pending.push_back(&plan.jobs[i]);
  if (pending.empty()) return;
  const StudyConfig& study_config = config.studies.at(pending.front()->study);
  std::optional<Clip> clip;
  try {
    clip = load_clip(*pending.front(), study_config, study, config.seed);
  } catch (const std::exception& error) {
    for (const Job* job : pending) {
      if (stop && *stop) return;
      done(failed_record(*job, error, "loading and factorizing the clip"));
    }
    return;
  }
  // An IoError here is the run folder's (a full disk): fatal to the run, as in run_job.
  if (clip->input.audio.frames() > 0) write_clip_audio(out_dir, *pending.front(), clip->input.audio);
  for (const Job* job : pending) {
    if (stop && *stop) return;
    Record r = base_record(*job);
    try {
      run_job(*job, *clip, study, config.seed, fs::path(out_dir), lookup, r);
    } catch (const IoError&) {
      throw;  // the run folder cannot be written (a full disk): not the job's failure, and fatal to the run
    } catch (const std::exception& error) {
      r = failed_record(*job, error, "");
    }
    done(r);
  }
}

}  // namespace hearsay::bench
