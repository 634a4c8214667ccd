// Shared helpers for hearsay's test executables: temporary directories, test signals, fixture files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/audio.h"

namespace hearsay::testing {

/// The committed test data folder (tests/data).
std::filesystem::path data_dir();

/// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// amplitude · sin(2π f t) for `seconds` at `rate`.
Audio sine(double frequency, double seconds, int rate, float amplitude = 0.5f);
/// Seeded white noise, uniform in [-amplitude, amplitude].
std::vector<float> noise(int64_t n, uint64_t seed, float amplitude = 1.0f);
/// Raw little-endian float32 file → values.
std::vector<float> read_f32(const std::filesystem::path& path);
/// Writes bytes to a file.
void write_bytes(const std::string& path, const std::string& bytes);
/// Reads a file's bytes.
std::string read_bytes(const std::string& path);

/// Runs `body` in a child process and returns the child's peak resident memory growth in bytes over
/// what it had when the child started (ru_maxrss). The body must not throw.
int64_t child_peak_memory_growth(void (*body)(const std::string&), const std::string& arg);

/// Expects `statement` to throw `ErrorType` whose message contains every string in `parts`.
#define EXPECT_THROW_WITH(statement, ErrorType, ...)                                                \
  do {                                                                                              \
    try {                                                                                           \
      statement;                                                                                    \
      ADD_FAILURE() << "expected " #ErrorType " from: " #statement;                                 \
    } catch (const ErrorType& hearsay_caught_) {                                                    \
      for (const std::string& hearsay_part_ : std::vector<std::string>{__VA_ARGS__})                \
        EXPECT_NE(std::string(hearsay_caught_.what()).find(hearsay_part_), std::string::npos)       \
            << "message \"" << hearsay_caught_.what() << "\" lacks \"" << hearsay_part_ << "\"";    \
    } catch (const std::exception& hearsay_other_) {                                                \
      ADD_FAILURE() << "expected " #ErrorType ", got another exception: " << hearsay_other_.what(); \
    }                                                                                               \
  } while (false)

}  // namespace hearsay::testing
