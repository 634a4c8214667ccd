#include "core/file_io.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/error.h"

namespace hearsay {

namespace fs = std::filesystem;

namespace {

std::string temporary_name(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return message(path, ".tmp-", ::getpid(), "-", counter++);
}

}  // namespace

std::string io_error_text(int error_number) {
  if (error_number == ENOSPC
#ifdef EDQUOT
      || error_number == EDQUOT
#endif
  )
    return "disk full";
  return std::strerror(error_number);
}

void write_file_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  HEARSAY_CHECK_AS(IoError, !path.empty(), "cannot write a file with an empty name");
  const std::string temporary = temporary_name(path);
  std::error_code ec;
  try {
    write(temporary);
  } catch (...) {
    fs::remove(temporary, ec);
    throw;
  }
  fs::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw IoError(message("cannot write '", path, "': ", ec.value() == ENOSPC ? "disk full" : ec.message()));
  }
}

void write_text_file(const std::string& path, const std::string& text) {
  write_file_atomically(path, [&](const std::string& temporary) {
    errno = 0;
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(temporary.c_str(), "wb"), &std::fclose);
    HEARSAY_CHECK_AS(IoError, file, "cannot write '", path, "': ", io_error_text(errno));
    const size_t written = std::fwrite(text.data(), 1, text.size(), file.get());
    int error = written == text.size() ? 0 : errno;
    if (!error && std::fflush(file.get()) != 0) error = errno;
    if (std::fclose(file.release()) != 0 && !error) error = errno;
    HEARSAY_CHECK_AS(IoError, !error, "cannot write '", path, "': ", io_error_text(error ? error : EIO));
  });
}

void write_json_file(const std::string& path, const nlohmann::json& j, int indent) {
  // Replacing invalid UTF-8 (a file name from a foreign file system) keeps the document writable.
  write_text_file(path, j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  HEARSAY_CHECK_AS(IoError, fs::exists(path, ec), "cannot read '", path, "': no such file");
  HEARSAY_CHECK_AS(IoError, !fs::is_directory(path, ec), "cannot read '", path, "': it is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  HEARSAY_CHECK_AS(IoError, in, "cannot read '", path, "': ", io_error_text(errno));
  std::ostringstream text;
  text << in.rdbuf();
  HEARSAY_CHECK_AS(IoError, !in.bad(), "cannot read '", path, "': read error");
  return text.str();
}

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = read_text_file(path);
  HEARSAY_CHECK_AS(IoError, text.find_first_not_of(" \t\r\n") != std::string::npos, "'", path,
                   "' is empty (0 bytes of JSON; an interrupted write?)");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(message("'", path, "' is not valid JSON: ", e.what()));
  }
}

void ensure_writable_directory(const std::string& dir, const std::string& option) {
  HEARSAY_CHECK_AS(ConfigError, !dir.empty(), option, ": the folder name is empty");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw ConfigError(message(option, ": '", dir, "' is a file, not a folder"));
  fs::create_directories(dir, ec);
  HEARSAY_CHECK_AS(ConfigError, !ec, option, ": cannot create the folder '", dir, "': ", ec.message());
  // Writing is the only reliable test (root passes access(2) on read-only pseudo file systems).
  const std::string probe = temporary_name((fs::path(dir) / ".hearsay-write-test").string());
  errno = 0;
  FILE* file = std::fopen(probe.c_str(), "wb");
  const int error = errno;
  if (file) {
    std::fclose(file);
    fs::remove(probe, ec);
  }
  HEARSAY_CHECK_AS(ConfigError, file, option, ": cannot write into the folder '", dir, "': ", io_error_text(error));
}

}  // namespace hearsay
