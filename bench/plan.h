// The plan: a bench configuration and its prepared studies as an ordered list of jobs. A job is one
// method explaining one clip over one factorization, scored by the study's metrics; its id is a hash
// of its full configuration (dataset and model identity, clip, excerpt, factorization and method with
// every default filled in, metrics with theirs, seed, and the ids of the jobs whose explanations its
// metrics compare against), so a changed configuration never reuses an old record.
//
// Jobs of one (study, clip, factorization) form a group: the clip is loaded and factorized once for
// them, a reference method (exact_shapley for "agreement") runs first, and shards and MPI ranks take
// whole groups, so every job finds its reference's record where it runs.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/config.h"
#include "bench/study.h"

namespace hearsay::bench {

struct Job {
  std::string id;    ///< stable: a hash of `config`
  size_t study = 0;  ///< index into BenchConfig::studies
  size_t clip = 0;   ///< dataset index of the clip
  std::string factorization;
  nlohmann::json factorization_options;  ///< every default filled in
  std::string method;  ///< the registered explainer that runs (a variant's method; config["method"] names the variant)
  nlohmann::json method_options;                      ///< every default filled in ("output" kept when given)
  nlohmann::json metrics = nlohmann::json::object();  ///< name -> options, defaults filled in
  /// Reference method -> id of its job on the same group, for the metrics that compare with one (a
  /// job is never its own reference).
  std::map<std::string, std::string> references;
  bool reference_only = false;  ///< run only because a metric needs its explanation (not in `methods`)
  size_t group = 0;
  nlohmann::json config;  ///< what the record names and the id hashes
};

struct Plan {
  std::vector<Job> jobs;  ///< in run order; a group's jobs are contiguous, references first
  size_t groups = 0;
  /// The job ids in order, with each job's group and name (plan.json of a run folder).
  nlohmann::json to_json() const;
};

/// The plan of `config` over its prepared studies (studies[i] prepared from config.studies[i]).
Plan make_plan(const BenchConfig& config, const std::vector<const PreparedStudy*>& studies);

/// A slice of the plan: the K-th of N (1-based) disjoint slices takes the groups g with g % N == K - 1.
struct Shard {
  int index = 1;
  int count = 1;
  bool whole() const { return count == 1; }
  std::string text() const;  ///< "2/3"
};
/// Parses "K/N" (1 <= K <= N); ConfigError naming `option` otherwise.
Shard parse_shard(const std::string& text, const std::string& option);
bool in_shard(const Job& job, const Shard& shard);

}  // namespace hearsay::bench
