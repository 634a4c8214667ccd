#include "tests/support/test_support.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"
#include "core/random.h"

namespace hearsay::testing {

namespace fs = std::filesystem;

fs::path data_dir() { return fs::path(HEARSAY_TEST_DATA_DIR); }

TempDir::TempDir() {
  static int counter = 0;
  path_ = fs::temp_directory_path() / ("hearsay-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                                       "-" + std::to_string(std::random_device{}()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Audio sine(double frequency, double seconds, int rate, float amplitude) {
  const auto n = static_cast<int64_t>(std::llround(seconds * rate));
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = amplitude * static_cast<float>(std::sin(2.0 * M_PI * frequency * i / rate));
  return Audio::mono(std::move(x), rate);
}

std::vector<float> noise(int64_t n, uint64_t seed, float amplitude) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = static_cast<float>(rng.uniform(-amplitude, amplitude));
  return x;
}

std::vector<float> read_f32(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  HEARSAY_CHECK_AS(IoError, in, "cannot open fixture '", path.string(), "'");
  std::vector<float> values(fs::file_size(path) / sizeof(float));
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
  return values;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t child_peak_memory_growth(void (*body)(const std::string&), const std::string& arg) {
  int pipe_fds[2];
  HEARSAY_CHECK(::pipe(pipe_fds) == 0, "pipe failed");
  const pid_t pid = ::fork();
  HEARSAY_CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    ::close(pipe_fds[0]);
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    body(arg);
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    const int64_t growth = (static_cast<int64_t>(after.ru_maxrss) - before.ru_maxrss) * 1024;
    [[maybe_unused]] auto written = ::write(pipe_fds[1], &growth, sizeof growth);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  int64_t growth = -1;
  [[maybe_unused]] auto got = ::read(pipe_fds[0], &growth, sizeof growth);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return growth;
}

}  // namespace hearsay::testing
