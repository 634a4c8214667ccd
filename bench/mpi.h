// Spreading a run over MPI ranks (`mpirun -n P hearsay bench --mpi`): rank 0 hands out groups of jobs
// on request and keeps every record; the other ranks run the groups they are given and send each
// record back as soon as it is complete. Whole groups travel, so a job finds its reference's record on
// the rank that runs it. Built when CMake finds OpenMPI; without it, Session refuses by name.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "bench/job.h"

namespace hearsay::bench::mpi {

/// MPI for the life of the object: initialised when it is not yet, finalised when this object did it.
class Session {
 public:
  /// ConfigError naming --mpi when this build has no MPI.
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  void barrier() const;
  /// Ends every rank: one that failed must not leave the others waiting for it.
  [[noreturn]] void abort() const;

 private:
  int rank_ = 0;
  int size_ = 1;
  bool finalise_ = false;
};

/// Rank 0: answers requests with the groups of `pending` in order (none once `stop` is set), passes
/// every record received to `keep`, and returns when each of the other ranks has been told to stop.
void coordinate(const Session& session, const std::vector<size_t>& pending, const RecordSink& keep,
                const std::atomic<bool>* stop);

/// Another rank: asks for groups until told to stop; `run(group, send)` runs one, calling `send` with
/// each record, which goes to rank 0.
void work(const Session& session, const std::function<void(size_t group, const RecordSink& send)>& run);

}  // namespace hearsay::bench::mpi
