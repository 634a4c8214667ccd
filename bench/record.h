// Records: what one bench job leaves behind, and the store that keeps them. A record holds the job's
// configuration (what was run), the explanation summary (scores per component, target, outputs,
// warnings), the metric values, the cost, and, for a job that failed, its error type and message.
// One run keeps its records in one JSON-lines file (records.jsonl): a record is appended with a single
// write once its job is complete, so an interrupted run leaves whole records and at most one torn last
// line, which is named and ignored (its job runs again). CSV, JSON and Markdown are views of it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearsay::bench {

struct Record {
  std::string job;                                   ///< the job's id (hash of its full configuration)
  nlohmann::json config = nlohmann::json::object();  ///< study, dataset, model, clip, factorization, method, ...
  bool ok = false;
  std::string error_type;  ///< "ConfigError", "ShapeError", "IoError", "UnsupportedModelError", "Error", ...
  std::string error;       ///< the message (ok == false)
  /// method, target, output, full_output, empty_output, names, scores, r2, warnings, top (ok == true)
  nlohmann::json explanation = nlohmann::json::object();
  /// name -> {"value": number or null, "reason", "extra", "curve"}
  nlohmann::json metrics = nlohmann::json::object();
  /// seconds, evals, model_runs, gradient_passes
  nlohmann::json cost = nlohmann::json::object();
  std::string files;  ///< folder of the job's files (explanation JSON, figure, audio), relative to the run

  nlohmann::json to_json() const;
  /// Throws nlohmann::json::exception or IoError when a key is missing or has the wrong type.
  static Record from_json(const nlohmann::json& j);
  /// The record without what varies between identical runs (wall times): for comparing runs.
  nlohmann::json without_times() const;
  /// A shorthand for config["method"], config["study"] ...
  std::string field(const char* key) const;
  /// metrics[name]["value"] when present and a number.
  std::optional<double> metric(const std::string& name) const;
  /// metrics[name]["extra"][extra] as json_number reads it.
  std::optional<double> metric_extra(const std::string& name, const char* extra) const;
};

/// `object[key]` when it is a finite number (JSON has no NaN, but a record made in memory may), or a
/// boolean as 1 or 0: a metric may state a yes/no extra either way.
std::optional<double> json_number(const nlohmann::json& object, const char* key);

/// The records of one run folder (records.jsonl), by job id, in the order they were written.
class RecordStore {
 public:
  /// Reads `dir`/records.jsonl when it exists (append creates it). Damaged lines (a torn
  /// last line after a kill, an edited line) are skipped and described in problems(); a second record
  /// of a job already read is a duplicate: the first is kept and it is counted in duplicates().
  explicit RecordStore(const std::string& dir);

  const std::string& path() const { return path_; }
  bool has(const std::string& job) const { return index_.count(job) != 0; }
  const Record* find(const std::string& job) const;
  const std::vector<Record>& records() const { return records_; }
  const std::vector<std::string>& problems() const { return problems_; }
  const std::vector<std::string>& duplicates() const { return duplicates_; }

  /// Appends `record` as one line with a single write and flushes it to disk; IoError naming the
  /// file when it cannot (a full disk). A record of a job already stored is a programming error.
  void append(const Record& record);

 private:
  std::string path_;
  std::vector<Record> records_;
  std::map<std::string, size_t> index_;
  std::vector<std::string> problems_;
  std::vector<std::string> duplicates_;
};

}  // namespace hearsay::bench
