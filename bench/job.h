// Running the jobs of one group (one study, clip and factorization): the clip is loaded, cut to the
// study's excerpt and factorized once; then each job explains it with its method, on an evaluator of
// its own (so its time and model runs are its own cost), is scored by its metrics, and leaves its
// files and its record. Every job is isolated: a failure anywhere (loading, factorizing, the method,
// a metric) becomes that job's failed record with its error type and message, and the next job runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "bench/config.h"
#include "bench/plan.h"
#include "bench/record.h"
#include "bench/study.h"

namespace hearsay::bench {

/// Finds the record of a job (done earlier in this run, or in an earlier run); null when there is none.
using RecordLookup = std::function<const Record*(const std::string& job)>;
/// Receives each record as soon as its job is complete (files in place).
using RecordSink = std::function<void(const Record&)>;

/// Runs plan.jobs[first, last) (one group), skipping the jobs `lookup` already has a record of. Stops
/// before the next job when `stop` becomes true. Job files go to `out_dir`/jobs/...; a job's folder
/// is written aside and renamed into place before its record is given to `done`.
void run_group(const Plan& plan, size_t first, size_t last, const BenchConfig& config, const PreparedStudy& study,
               const std::string& out_dir, const RecordLookup& lookup, const RecordSink& done,
               const std::atomic<bool>* stop = nullptr);

/// The record of a job that did not run because `error` stopped it (a study that could not be
/// prepared, a clip that could not be loaded or factorized).
Record failed_record(const Job& job, const std::exception& error, const std::string& stage);

/// [first, last) of every group of the plan, in order.
std::vector<std::pair<size_t, size_t>> group_ranges(const Plan& plan);

}  // namespace hearsay::bench
