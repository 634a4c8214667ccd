#include "bench/mpi.h"

#include <cstdlib>

#include "core/error.h"

#ifdef HEARSAY_WITH_MPI
#include <mpi.h>
#endif

namespace hearsay::bench::mpi {

#ifdef HEARSAY_WITH_MPI

namespace {

constexpr int kTagRequest = 1;  // worker -> rank 0: give me a group
constexpr int kTagRecord = 2;   // worker -> rank 0: a record (JSON text)
constexpr int kTagGroup = 3;    // rank 0 -> worker: a group index, or -1: no more

void send_text(const std::string& text, int to, int tag) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

std::string receive_text(int from, int tag, MPI_Status& status) {
  MPI_Probe(from, tag, MPI_COMM_WORLD, &status);
  int size = 0;
  MPI_Get_count(&status, MPI_CHAR, &size);
  std::string text(static_cast<size_t>(size), '\0');
  MPI_Recv(text.data(), size, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return text;
}

}  // namespace

Session::Session() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    MPI_Init(nullptr, nullptr);
    finalise_ = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

Session::~Session() {
  if (finalise_) MPI_Finalize();
}

void Session::barrier() const { MPI_Barrier(MPI_COMM_WORLD); }

void Session::abort() const {
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return; this tells the compiler so
}

void coordinate(const Session& session, const std::vector<size_t>& pending, const RecordSink& keep,
                const std::atomic<bool>* stop) {
  size_t next = 0;
  int workers = session.size() - 1;
  while (workers > 0) {
    MPI_Status status;
    MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
    if (status.MPI_TAG == kTagRecord) {
      keep(Record::from_json(nlohmann::json::parse(receive_text(status.MPI_SOURCE, kTagRecord, status))));
      continue;
    }
    receive_text(status.MPI_SOURCE, kTagRequest, status);
    const bool stopping = stop && *stop;
    int group = !stopping && next < pending.size() ? static_cast<int>(pending[next++]) : -1;
    if (group < 0) --workers;
    MPI_Send(&group, 1, MPI_INT, status.MPI_SOURCE, kTagGroup, MPI_COMM_WORLD);
  }
}

void work(const Session&, const std::function<void(size_t group, const RecordSink& send)>& run) {
  const RecordSink send = [](const Record& r) {
    send_text(r.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 0, kTagRecord);
  };
  for (;;) {
    send_text("", 0, kTagRequest);
    int group = -1;
    MPI_Recv(&group, 1, MPI_INT, 0, kTagGroup, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (group < 0) return;
    run(static_cast<size_t>(group), send);
  }
}

#else

Session::Session() {
  throw ConfigError(
      "--mpi: this hearsay was built without MPI; install OpenMPI (Debian: libopenmpi-dev) and rebuild (CMake "
      "finds it), or split the run with --shard K/N and hearsay bench merge");
}
Session::~Session() = default;
void Session::barrier() const {}
void Session::abort() const { std::abort(); }
void coordinate(const Session&, const std::vector<size_t>&, const RecordSink&, const std::atomic<bool>*) {}
void work(const Session&, const std::function<void(size_t, const RecordSink&)>&) {}

#endif

}  // namespace hearsay::bench::mpi
