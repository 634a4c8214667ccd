#include "fuzz/fuzz_input.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace hearsay::fuzz {

namespace fs = std::filesystem;

namespace {

// Removes the scratch folder when the fuzzer exits normally (-max_total_time, -runs).
struct ScratchDir {
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    path = (fs::path(tmp && *tmp ? tmp : "/tmp") / ("hearsay-fuzz-" + std::to_string(::getpid()))).string();
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

}  // namespace

const std::string& scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();  // the harness itself failed: not a finding in hearsay
  return path;
}

}  // namespace hearsay::fuzz
