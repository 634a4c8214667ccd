#include "bench/run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "bench/file_lock.h"
#include "bench/global_effects.h"
#include "bench/html_report.h"
#include "bench/job.h"
#include "bench/mpi.h"
#include "bench/reporter.h"
#include "bench/study.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/parallel.h"
#include "core/version.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

namespace {

// Discards what it is given: the log of MPI ranks other than 0.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

// A run folder is held by one process: two runs appending to one records.jsonl would both run the
// jobs neither had finished and record them twice.
std::unique_ptr<FileLock> lock_run_folder(const std::string& dir) {
  auto lock = FileLock::try_lock((fs::path(dir) / ".lock").string());
  HEARSAY_CHECK_AS(ConfigError, lock, "--out '", dir,
                   "' is in use by another hearsay bench; wait for it to end, or give another --out (shards each "
                   "need their own folder)");
  return lock;
}

// Job folders are written as "<folder>.partial-<pid>" and renamed when complete; with the run folder
// locked, any such folder is what a killed run left behind.
void remove_unfinished_job_folders(const std::string& out_dir, std::ostream& log) {
  const fs::path jobs = fs::path(out_dir) / "jobs";
  std::error_code ec;
  if (!fs::is_directory(jobs, ec)) return;
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(jobs, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec) && it->path().filename().string().find(".partial-") != std::string::npos) {
      stale.push_back(it->path());
      it.disable_recursion_pending();
    }
  for (const auto& dir : stale) {
    fs::remove_all(dir, ec);
    log << "  note: removed the unfinished job folder '" << dir.string() << "' of an interrupted run\n";
  }
}

struct Prepared {
  std::vector<std::unique_ptr<PreparedStudy>> studies;  ///< null where preparation failed
  std::vector<Record> failures;                         ///< one record per study that could not be prepared
};

// A study that cannot be prepared (a missing dataset, a model that does not load) is one failed
// record, reported but never stored: the next run tries it again.
Record study_failure(const StudyConfig& study, size_t index, const std::exception& error) {
  Record r;
  r.job = "study-" + study.name;
  r.config = {{"study", study.name}, {"stage", "prepare"}, {"study_index", index}};
  r.ok = false;
  r.error_type = error_type_name(error);
  r.error = error.what();
  return r;
}

// A study's ModelSpec with ModelSpec::study resolved to the folder of that earlier study's model.
// BenchConfig::validate has checked that the name is an earlier study's.
ModelSpec borrowed_model(const BenchConfig& config, const Prepared& p, size_t index) {
  ModelSpec spec = config.studies[index].model;
  if (spec.study.empty()) return spec;
  for (size_t j = 0; j < index; ++j)
    if (config.studies[j].name == spec.study) {
      HEARSAY_CHECK_AS(ConfigError, p.studies[j], "studies[", index, "].model.study: study '", spec.study,
                       "' could not be prepared, so there is no model to borrow");
      spec.path = p.studies[j]->model_dir;
      spec.study.clear();
      return spec;
    }
  throw ConfigError(message("studies[", index, "].model.study: '", spec.study, "' is not an earlier study"));
}

Prepared prepare_all(const BenchConfig& config, const std::string& cache_dir, std::ostream& log) {
  Prepared p;
  for (size_t i = 0; i < config.studies.size(); ++i) {
    const StudyConfig& study = config.studies[i];
    log << "[" << i + 1 << "/" << config.studies.size() << "] study " << study.name << "\n";
    try {
      p.studies.push_back(
          std::make_unique<PreparedStudy>(prepare_study(study.dataset, borrowed_model(config, p, i), study.clips,
                                                        config.seed, cache_dir, log, message("studies[", i, "]"))));
      if (!study.model.study.empty()) {
        p.studies.back()->model_study = study.model.study;
        // test.json beside the model scores it on the other study's set, not on this one.
        p.studies.back()->test_accuracy.reset();
      }
    } catch (const IoError& error) {
      // A cache that cannot be written is the run's problem, not the study's.
      if (std::string(error.what()).find(cache_dir) != std::string::npos) throw;
      log << "  error: " << error.what() << "\n";
      p.studies.push_back(nullptr);
      p.failures.push_back(study_failure(study, i, error));
    } catch (const Error& error) {
      log << "  error: " << error.what() << "\n";
      p.studies.push_back(nullptr);
      p.failures.push_back(study_failure(study, i, error));
    }
  }
  return p;
}

// The configuration without the studies that failed, and their prepared halves, in the same order.
struct Planned {
  BenchConfig config;
  std::vector<const PreparedStudy*> studies;
  Plan plan;
};

Planned plan_prepared(const BenchConfig& config, const Prepared& prepared) {
  Planned p;
  p.config.seed = config.seed;
  for (size_t i = 0; i < config.studies.size(); ++i)
    if (prepared.studies[i]) {
      p.config.studies.push_back(config.studies[i]);
      p.studies.push_back(prepared.studies[i].get());
    }
  p.plan = make_plan(p.config, p.studies);
  return p;
}

// ALE of interpretable descriptors on each study's model (bench/global_effects.h), written to
// global_effects.json for the reports: a few model batches per study. Adversarial studies explain
// attacked inputs; their clean clips' effects are their model's study's. A study where the effects
// cannot be computed says why there, and the run goes on.
void write_global_effects(const Planned& planned, const std::string& out_dir, std::ostream& log) {
  nlohmann::json all = nlohmann::json::array();
  for (size_t i = 0; i < planned.studies.size(); ++i) {
    const StudyConfig& study = planned.config.studies[i];
    if (!study.adversarial.is_null()) continue;
    try {
      all.push_back(study_global_effects(*planned.studies[i], study, {}));
    } catch (const std::exception& error) {
      all.push_back({{"study", study.name}, {"error", error.what()}});
      log << "  note: no global effects for study '" << study.name << "': " << error.what() << "\n";
    }
  }
  write_json_file((fs::path(out_dir) / kGlobalEffectsFile).string(), all);
}

nlohmann::json studies_json(const BenchConfig& config, const Prepared& prepared) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < config.studies.size(); ++i) {
    nlohmann::json entry = prepared.studies[i] ? prepared.studies[i]->describe() : nlohmann::json::object();
    entry["name"] = config.studies[i].name;
    if (!prepared.studies[i]) entry["error"] = prepared.failures.empty() ? "" : "not prepared";
    out.push_back(entry);
  }
  return out;
}

void add_file_reporters(Reporters& reporters, const std::string& dir, const HtmlReportOptions& html = {}) {
  reporters.add(make_csv_reporter(dir));
  reporters.add(make_json_reporter(dir));
  reporters.add(make_markdown_reporter(dir));
  reporters.add(make_html_reporter(dir, html));
}

// The file views of records already stored (a merge, hearsay report), and the summary on `out`.
void write_stored_views(const RunInfo& info, const std::vector<Record>& records, const HtmlReportOptions& html,
                        std::ostream& out) {
  Reporters reporters;
  add_file_reporters(reporters, info.out_dir, html);
  reporters.begin(info);
  for (const Record& r : records) reporters.record(r, false);
  reporters.finish(records);
  make_console_reporter(out, false)->finish(records);
}

// The machine a run ran on, for the report's header: times mean little without it.
nlohmann::json machine_json() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string cpu;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; cpu.empty() && std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) cpu = line.substr(line.find(':') + 2);
  return {{"host", host}, {"cpu", cpu}, {"hardware_threads", hardware_threads()}, {"threads", num_threads()}};
}

// The slice's records in plan order (those that exist), then the study failures.
std::vector<Record> slice_records(const Plan& plan, const Shard& shard, const RecordStore& store,
                                  const std::vector<Record>& failures) {
  std::vector<Record> out;
  for (const Job& job : plan.jobs)
    if (in_shard(job, shard))
      if (const Record* r = store.find(job.id)) out.push_back(*r);
  out.insert(out.end(), failures.begin(), failures.end());
  return out;
}

RunResult result_of(std::vector<Record> records, size_t jobs) {
  RunResult result;
  result.jobs = jobs;
  for (const Record& r : records) result.failed += r.ok ? 0 : 1;
  result.records = std::move(records);
  return result;
}

}  // namespace

namespace {

// The groups of the slice that still have a job without a record.
std::vector<size_t> pending_groups(const Plan& plan, const std::vector<std::pair<size_t, size_t>>& ranges,
                                   const Shard& shard, const RecordStore& store) {
  std::vector<size_t> pending;
  for (size_t g = 0; g < ranges.size(); ++g) {
    if (!in_shard(plan.jobs[ranges[g].first], shard)) continue;
    for (size_t i = ranges[g].first; i < ranges[g].second; ++i)
      if (!store.has(plan.jobs[i].id)) {
        pending.push_back(g);
        break;
      }
  }
  return pending;
}

// The run on one process, or on one MPI rank of `session`.
RunResult run_ranked(const BenchConfig& config, const RunOptions& options, const mpi::Session* session) {
  const int rank = session ? session->rank() : 0;
  const int ranks = session ? session->size() : 1;
  const auto started = std::chrono::steady_clock::now();
  NullBuffer null_buffer;
  std::ostream null_stream(&null_buffer);
  std::ostream& log = rank == 0 ? *options.log : null_stream;

  // Checked before any work: a folder that cannot be written fails now, not after an hour of training.
  std::unique_ptr<FileLock> lock;
  if (rank == 0) {
    ensure_writable_directory(options.out_dir, "--out");
    ensure_writable_directory(options.cache_dir, "--cache");
    lock = lock_run_folder(options.out_dir);
    remove_unfinished_job_folders(options.out_dir, log);
  }
  // Rank 0 prepares first (synthesis, training); the other ranks then find every entry in the cache.
  Prepared prepared;
  if (rank == 0) prepared = prepare_all(config, options.cache_dir, log);
  if (session) session->barrier();
  if (rank != 0) prepared = prepare_all(config, options.cache_dir, log);
  const Planned planned = plan_prepared(config, prepared);
  const Plan& plan = planned.plan;
  const auto ranges = group_ranges(plan);
  RecordStore store(options.out_dir);
  const std::vector<size_t> pending = pending_groups(plan, ranges, options.shard, store);
  const auto run_group_at = [&](size_t g, const RecordLookup& lookup, const RecordSink& done) {
    const auto [first, last] = ranges.at(g);
    run_group(plan, first, last, planned.config, *planned.studies.at(plan.jobs[first].study), options.out_dir, lookup,
              done, options.stop);
  };

  if (rank != 0) {
    // A worker reads the store as it was when the run began (references done by an earlier run) and
    // keeps its own records for the rest.
    std::map<std::string, Record> mine;
    const RecordLookup lookup = [&](const std::string& id) -> const Record* {
      if (const Record* r = store.find(id)) return r;
      const auto it = mine.find(id);
      return it == mine.end() ? nullptr : &it->second;
    };
    mpi::work(*session, [&](size_t g, const RecordSink& send) {
      run_group_at(g, lookup, [&](const Record& r) {
        mine[r.job] = r;
        send(r);
      });
    });
    RunResult worker;
    worker.worker = true;
    return worker;
  }

  RunInfo info;
  info.out_dir = options.out_dir;
  info.planned = plan.jobs.size();
  info.config = write_options(config);
  info.studies = studies_json(config, prepared);
  for (const Job& job : plan.jobs)
    if (in_shard(job, options.shard)) {
      ++info.jobs;
      info.done_before += store.has(job.id) ? 1 : 0;
    }
  info.slice = session                 ? message("mpi ", ranks, " ranks")
               : options.shard.whole() ? ""
                                       : "shard " + options.shard.text();
  write_json_file((fs::path(options.out_dir) / "plan.json").string(), plan.to_json());
  const std::string run_file = (fs::path(options.out_dir) / "run.json").string();
  nlohmann::json run_json = {{"config", info.config}, {"studies", info.studies},   {"jobs", plan.jobs.size()},
                             {"hearsay", version()},  {"machine", machine_json()}, {"slice", info.slice}};
  write_json_file(run_file, run_json);
  for (const auto& problem : store.problems()) log << "  note: " << problem << "\n";
  Reporters reporters;
  reporters.add(make_console_reporter(*options.out, options.terminal));
  add_file_reporters(reporters, options.out_dir);
  reporters.begin(info);
  for (const Job& job : plan.jobs)
    if (in_shard(job, options.shard))
      if (const Record* r = store.find(job.id)) reporters.record(*r, false);
  for (const Record& failure : prepared.failures) reporters.record(failure, true);
  // Studies that could not be prepared have no job records; run.json keeps them for `hearsay report`.
  run_json["study_failures"] = nlohmann::json::array();
  for (const Record& failure : prepared.failures) run_json["study_failures"].push_back(failure.to_json());

  const RecordSink keep = [&](const Record& r) {
    store.append(r);
    reporters.record(r, true);
  };
  if (ranks == 1) {
    const RecordLookup lookup = [&store](const std::string& id) { return store.find(id); };
    for (size_t g : pending) {
      if (options.stop && *options.stop) break;
      run_group_at(g, lookup, keep);
    }
  } else {
    mpi::coordinate(*session, pending, keep, options.stop);  // rank 0 runs no jobs itself
  }
  std::vector<Record> records = slice_records(plan, options.shard, store, prepared.failures);
  const bool interrupted = records.size() - prepared.failures.size() < info.jobs;
  if (!interrupted && options.shard.whole()) write_global_effects(planned, options.out_dir, log);
  // This invocation's wall time, preparation included (a resumed run counts only its own part), read
  // by the reports from run.json like everything else they show.
  run_json["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  write_json_file(run_file, run_json);
  reporters.finish(records);
  RunResult result = result_of(std::move(records), info.jobs + prepared.failures.size());
  result.interrupted = interrupted;
  return result;
}

}  // namespace

RunResult run_bench(const BenchConfig& config, const RunOptions& options) {
  HEARSAY_CHECK(options.out && options.log, "run_bench: out and log streams are required");
  check_options(config, "bench");
  for (size_t i = 0; i < config.studies.size(); ++i) check_study(config.studies[i], message("studies[", i, "]"));
  if (!options.mpi) return run_ranked(config, options, nullptr);
  const mpi::Session session;
  try {
    return run_ranked(config, options, &session);
  } catch (const std::exception& error) {
    if (session.size() == 1) throw;
    // One rank that fails must take the others down: they would wait for it forever.
    std::fprintf(stderr, "hearsay: error on MPI rank %d of %d: %s\n", session.rank(), session.size(), error.what());
    session.abort();
  }
}

MergeResult merge_runs(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out) {
  HEARSAY_CHECK_AS(ConfigError, !dirs.empty(), "bench merge: name the run folders to merge");
  nlohmann::json plan;
  nlohmann::json run;
  std::vector<std::unique_ptr<RecordStore>> stores;
  for (const auto& dir : dirs) {
    const nlohmann::json this_plan = read_json_file((fs::path(dir) / "plan.json").string());
    if (plan.is_null()) {
      plan = this_plan;
      run = read_json_file((fs::path(dir) / "run.json").string());
    }
    HEARSAY_CHECK_AS(ConfigError, this_plan == plan, "bench merge: '", dir, "' holds another plan than '", dirs[0],
                     "' (other studies, methods or options); merge only slices of one configuration");
    stores.push_back(std::make_unique<RecordStore>(dir));
    for (const auto& problem : stores.back()->problems()) out << "note: " << problem << "\n";
  }
  std::error_code ec;
  HEARSAY_CHECK_AS(ConfigError, !fs::exists(fs::path(out_dir) / "records.jsonl", ec), "bench merge: --out '", out_dir,
                   "' already holds records; merge into a new folder");
  ensure_writable_directory(out_dir, "--out");
  const auto lock = lock_run_folder(out_dir);
  RecordStore merged(out_dir);
  MergeResult result;
  std::vector<Record> records;
  for (const auto& entry : plan.at("jobs")) {
    const std::string id = entry.at("id").get<std::string>();
    ++result.jobs;
    const Record* found = nullptr;
    for (const auto& store : stores)
      if (const Record* r = store->find(id)) {
        if (found)
          result.duplicates.push_back(id);
        else
          found = r;
      }
    if (!found) {
      result.missing.push_back(id);
      continue;
    }
    merged.append(*found);
    records.push_back(*found);
  }
  result.records = records.size();
  write_json_file((fs::path(out_dir) / "plan.json").string(), plan);
  write_json_file((fs::path(out_dir) / "run.json").string(), run);
  RunInfo info;
  info.out_dir = out_dir;
  info.jobs = info.planned = result.jobs;
  info.done_before = records.size();
  info.slice = message("merged from ", dirs.size(), " folders");
  info.config = run.value("config", nlohmann::json::object());
  info.studies = run.value("studies", nlohmann::json::array());
  write_stored_views(info, records, {}, out);
  return result;
}

std::vector<Record> read_run_records(const std::string& dir) {
  const nlohmann::json plan = read_json_file((fs::path(dir) / "plan.json").string());
  const nlohmann::json run = read_json_file((fs::path(dir) / "run.json").string());
  const RecordStore store(dir);
  std::vector<Record> records;
  for (const auto& entry : plan.at("jobs"))
    if (const Record* r = store.find(entry.at("id").get<std::string>())) records.push_back(*r);
  for (const auto& failure : run.value("study_failures", nlohmann::json::array()))
    records.push_back(Record::from_json(failure));
  return records;
}

size_t rebuild_reports(const std::string& dir, const HtmlReportOptions& html, std::ostream& out) {
  const nlohmann::json run = read_json_file((fs::path(dir) / "run.json").string());
  const std::vector<Record> records = read_run_records(dir);
  RunInfo info;
  info.out_dir = dir;
  info.planned = run.value("jobs", size_t{0});
  info.jobs = info.planned;
  info.done_before = records.size();
  info.slice = run.value("slice", std::string());
  info.config = run.value("config", nlohmann::json::object());
  info.studies = run.value("studies", nlohmann::json::array());
  write_stored_views(info, records, html, out);
  return records.size();
}

}  // namespace hearsay::bench
