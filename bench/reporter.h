// Reporters turn records into what people read, behind one interface (as google/benchmark's
// reporters do): begin(run) once, record(r) for every job of the plan as it completes (or as it is
// found done on a resumed run), finish(records) once with every record of the plan in plan order.
// Reporters read records only, so any report can be rebuilt from a run folder without rerunning.
//
// - console: a live progress line on a terminal (jobs done / total, failures, ETA), plain lines
//   otherwise, and the summary table at the end;
// - CSV (results.csv) and JSON (results.json): one row per job;
// - Markdown (summary.md): the summary table, ready to paste into a paper.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/record.h"
#include "bench/table.h"

namespace hearsay::bench {

/// What a run is about to do.
struct RunInfo {
  std::string out_dir;                               ///< the run folder
  size_t jobs = 0;                                   ///< jobs in this run's slice of the plan
  size_t planned = 0;                                ///< jobs in the whole plan (more than `jobs` for a shard)
  size_t done_before = 0;                            ///< jobs of the slice whose record already existed (resume)
  std::string slice;                                 ///< "" for the whole plan, "shard 2/3", "mpi 3 ranks"
  nlohmann::json config;                             ///< the bench configuration, defaults filled in
  nlohmann::json studies = nlohmann::json::array();  ///< what each study prepared (dataset, model, accuracy)

  /// Every field by its name ("out_dir", "jobs", ...): the "run" object of results.json.
  nlohmann::json to_json() const;
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void begin(const RunInfo& run) { (void)run; }
  /// One job's record; `fresh` is false for a record found in the store (a resumed run).
  virtual void record(const Record& record, bool fresh) {
    (void)record;
    (void)fresh;
  }
  /// Every record of the run's slice, in plan order.
  virtual void finish(const std::vector<Record>& records) { (void)records; }
};

/// Progress and the summary table on `out`; `terminal` gives one live line redrawn in place.
std::unique_ptr<Reporter> make_console_reporter(std::ostream& out, bool terminal);
/// results.csv in `dir`: one row per job (config columns, ok, error, cost, top components, metrics).
std::unique_ptr<Reporter> make_csv_reporter(const std::string& dir);
/// results.json in `dir`: {"run": RunInfo::to_json(), "records": [...], "summary": [...]}.
std::unique_ptr<Reporter> make_json_reporter(const std::string& dir);
/// summary.md in `dir`: the summary table in Markdown.
std::unique_ptr<Reporter> make_markdown_reporter(const std::string& dir);

/// Forwards every call to each reporter in turn.
class Reporters : public Reporter {
 public:
  void add(std::unique_ptr<Reporter> reporter) { list_.push_back(std::move(reporter)); }
  void begin(const RunInfo& run) override {
    for (auto& r : list_) r->begin(run);
  }
  void record(const Record& record, bool fresh) override {
    for (auto& r : list_) r->record(record, fresh);
  }
  void finish(const std::vector<Record>& records) override {
    for (auto& r : list_) r->finish(records);
  }

 private:
  std::vector<std::unique_ptr<Reporter>> list_;
};

/// One row of the summary table: the mean cost and metrics of one method over one study and
/// factorization.
struct SummaryRow {
  std::string study, factorization, method;
  size_t jobs = 0, failed = 0;
  double mean_seconds = 0.0, mean_evals = 0.0, mean_model_runs = 0.0;
  double mean_gradient_passes = 0.0;  ///< forward + backward passes of white-box methods (0 for the others)
  std::optional<double> mean_r2;
  std::optional<double> mean_r2_held_out;  ///< the surrogate's R² on fresh perturbations (LIME)
  /// metric name -> mean value over the jobs where it applies, and how many those were
  std::map<std::string, std::pair<double, size_t>> metrics;
  /// extra means shown in the table ("agreement.top1" -> share of jobs whose top component matches)
  std::map<std::string, std::pair<double, size_t>> extras;
  nlohmann::json to_json() const;
};
/// The summary rows of `records`, in the order their (study, factorization, method) first appears.
std::vector<SummaryRow> summarize(const std::vector<Record>& records);
/// The summary table of `rows` per (study, factorization), in first-appearance order: jobs, failures,
/// cost, R² (headed `r2_header`) and the mean of each metric and extra that applies to some job there.
std::vector<Table> summary_tables(const std::vector<SummaryRow>& rows, const std::string& r2_header);

}  // namespace hearsay::bench
