// A folder in a cache that several processes may fill at once (two `hearsay bench` runs, MPI ranks,
// shards on one machine): a synthetic set, a trained model. An entry appears whole or not at all.
//
// The protocol, per entry folder E:
//  - E complete (the caller's check passes): used as it is, without locking.
//  - otherwise take flock(2) on E.lock (blocking: a process that finds another building the entry
//    waits for it), check again (the other may have finished it), and only then build into a
//    process-unique temporary E.tmp-<pid>-<random> that is renamed to E when complete.
//  - Temporaries left by builders that died (their lock died with them) are removed, or adopted by
//    a builder that can resume (a synthetic set keeps its finished tracks), only while holding the
//    lock, so nobody's work in progress is ever touched. A complete-looking but damaged entry
//    (a 0-byte model.json, truncated weights) is made again with a note.
// flock is per open file, so threads of one process exclude each other as processes do. The lock
// file stays beside the entry: removing it would let two processes lock two different files.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace hearsay::bench {

struct CacheEntryBuild {
  /// Whether `dir` holds a complete, usable entry: empty when it does, else why not (the note shown
  /// when a damaged entry is made again). Called on the entry folder only; it may keep what it
  /// loaded, since the last call that passes is on the entry the caller will use.
  std::function<std::string(const std::string& dir)> check;
  /// Fills the temporary folder `dir` (created, possibly holding adopted work when `resume`).
  std::function<void(const std::string& dir)> build;
  /// true: the builder continues an interrupted or damaged attempt found in its folder (it is given
  /// the most recent stale temporary, or the damaged entry); false: it always starts empty.
  bool resume = false;
  /// For the log: "synthetic set", "model".
  std::string what = "cache entry";
};

/// Makes sure `entry` holds a complete entry (see the protocol above). Returns true when this call
/// built it, false when it was reused (complete already, or finished by another process meanwhile).
/// IoError naming the entry when it cannot be locked, built or renamed, or fails its check after
/// being built; a failed build removes its temporary unless `resume`.
bool ensure_cache_entry(const std::string& entry, const CacheEntryBuild& how, std::ostream& log);

}  // namespace hearsay::bench
