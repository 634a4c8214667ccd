// Files written so that a reader never sees half of one, and read so that a damaged one is named.
//
// Every write goes to a temporary name beside the target (unique per process and call, so concurrent
// writers never share it), is checked (stream state, flush, close), and is renamed over the target
// only when complete. A failure removes the temporary and throws IoError naming the target and the
// cause ("disk full" for ENOSPC). An interrupted run therefore leaves the old file or none, never a
// 0-byte or truncated one.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace hearsay {

/// Calls `write(temporary_path)` to produce the file at a temporary name, then renames it to `path`.
/// `write` reports its own failures by throwing; the temporary is removed on any exception.
void write_file_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

/// Writes `text` to `path` atomically.
void write_text_file(const std::string& path, const std::string& text);

/// Writes `j` (indented by `indent`, non-UTF-8 bytes replaced) to `path` atomically, ending in a newline.
void write_json_file(const std::string& path, const nlohmann::json& j, int indent = 2);

/// Reads the whole file; IoError naming it when it is missing or unreadable.
std::string read_text_file(const std::string& path);

/// Parses the file as JSON; IoError naming it (and saying "empty" or where parsing failed) when it is not.
nlohmann::json read_json_file(const std::string& path);

/// Text for an errno value, "disk full" for ENOSPC and EDQUOT.
std::string io_error_text(int error_number);

/// Checks that `dir` is a directory hearsay can write into, creating it (and its parents) if needed:
/// ConfigError naming `option` (e.g. "--out") and the path when it is a file, or cannot be created or written.
void ensure_writable_directory(const std::string& dir, const std::string& option);

}  // namespace hearsay
