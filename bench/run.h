// hearsay bench: prepare the studies (synthesis, training: cached), plan the jobs, run the ones
// without a record (resume), and hand every record to the reporters. A run folder holds plan.json
// (every job of the plan), run.json (the configuration and what each study prepared), records.jsonl
// (the records), jobs/ (each job's explanation files) and the views (results.csv, results.json,
// summary.md). `--shard K/N` runs a disjoint slice; `merge` joins slices into one run; `--mpi` spreads
// the groups of jobs over MPI ranks with rank 0 keeping the records.
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "bench/config.h"
#include "bench/html_report.h"
#include "bench/plan.h"
#include "bench/record.h"

namespace hearsay::bench {

struct RunOptions {
  std::string out_dir = "hearsay-out/bench";
  std::string cache_dir = "hearsay-out/cache";
  Shard shard;                  ///< the slice of the plan to run (default: all of it)
  bool mpi = false;             ///< spread the jobs over MPI ranks (needs a build with MPI)
  bool terminal = false;        ///< the console redraws one progress line
  std::ostream* out = nullptr;  ///< progress and tables (required)
  std::ostream* log = nullptr;  ///< preparation notes and warnings (required)
  /// Set (by a SIGINT handler) to stop after the job in progress; the views are still written.
  const std::atomic<bool>* stop = nullptr;
};

struct RunResult {
  std::vector<Record> records;  ///< the slice's records, in plan order (done now or earlier)
  size_t jobs = 0;              ///< jobs in the slice
  size_t failed = 0;            ///< records with ok == false
  bool interrupted = false;     ///< stopped before every job of the slice had a record
  bool worker = false;          ///< an MPI rank other than 0: it ran jobs, rank 0 reports them
};

RunResult run_bench(const BenchConfig& config, const RunOptions& options);

struct MergeResult {
  size_t jobs = 0;                      ///< in the plan
  size_t records = 0;                   ///< merged
  std::vector<std::string> duplicates;  ///< job ids found in more than one folder (the first is kept)
  std::vector<std::string> missing;     ///< job ids of the plan with no record
};

/// Joins the records of run folders of one plan (shards) into `out_dir`, writing records.jsonl in plan
/// order, plan.json, run.json and the views. ConfigError when the folders hold different plans.
MergeResult merge_runs(const std::vector<std::string>& dirs, const std::string& out_dir, std::ostream& out);

/// A run folder's records in plan order (plan.json, records.jsonl), then the studies that could not be
/// prepared (run.json): what the run handed its reporters. IoError naming a file that is missing.
std::vector<Record> read_run_records(const std::string& dir);

/// `hearsay report`: writes a run folder's views again (results.csv, results.json, summary.md,
/// report.html) from its records alone, without running anything, and prints the summary on `out`.
/// Returns the number of records.
size_t rebuild_reports(const std::string& dir, const HtmlReportOptions& html, std::ostream& out);

}  // namespace hearsay::bench
