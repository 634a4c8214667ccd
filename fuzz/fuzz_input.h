// What every fuzz target shares: a per-process scratch folder to write the input into (the parsers
// under test read files, as hearsay does), and the rule that decides what counts as a finding.
//
// A finding is anything but a hearsay::Error: a crash or sanitizer report, and also any other
// exception (std::length_error, nlohmann::json::type_error, std::bad_alloc), because the CLI would
// report it as "unexpected error" instead of naming the file or option that was wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace hearsay::fuzz {

/// A folder of this process's own, created on first use and removed at exit.
const std::string& scratch_dir();

/// Writes `size` bytes to `name` inside scratch_dir() and returns the path.
std::string write_input(const std::string& name, const uint8_t* data, size_t size);

/// The input as text (JSON and CSV parsers take strings).
inline std::string as_text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Runs `body`; a hearsay::Error is an accepted answer to bad input, anything else escapes to
/// libFuzzer, which reports it (with the input) as a finding.
template <class Body>
void expect_only_hearsay_errors(Body&& body) {
  try {
    body();
  } catch (const hearsay::Error&) {
  }
}

}  // namespace hearsay::fuzz
