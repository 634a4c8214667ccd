#include "bench/cache_entry.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include "bench/file_lock.h"
#include "core/error.h"
#include "core/file_io.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

namespace {

// "<pid>-<32 random bits>": the pid tells a person whose it was; the random part keeps two threads of
// one process (or a reused pid) apart.
std::string unique_suffix() {
  std::random_device device;
  char text[64];
  std::snprintf(text, sizeof text, "%ld-%08x", static_cast<long>(::getpid()), static_cast<unsigned>(device()));
  return text;
}

std::string check_reason(const CacheEntryBuild& how, const fs::path& dir) {
  try {
    return how.check(dir.string());
  } catch (const Error& e) {
    return e.what();
  }
}

// The temporaries beside `entry` (any process's), most recently modified first.
std::vector<fs::path> temporaries(const fs::path& entry) {
  const std::string prefix = entry.filename().string() + ".tmp-";
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  std::error_code ec;
  for (fs::directory_iterator it(entry.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) == 0)
      found.emplace_back(fs::last_write_time(it->path(), ec), it->path());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<fs::path> paths;
  for (auto& [time, path] : found) paths.push_back(std::move(path));
  return paths;
}

void rename_folder(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot rename '", from.string(), "' to '", to.string(),
                   "': ", io_error_text(ec.value()));
}

void remove_folder(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot remove '", dir.string(), "': ", io_error_text(ec.value()));
}

}  // namespace

bool ensure_cache_entry(const std::string& entry_path, const CacheEntryBuild& how, std::ostream& log) {
  fs::path entry = fs::path(entry_path).lexically_normal();
  if (entry.filename().empty()) entry = entry.parent_path();  // "cache/set/" names "cache/set"
  std::error_code ec;
  if (fs::exists(entry, ec) && check_reason(how, entry).empty()) return false;
  fs::create_directories(entry.parent_path(), ec);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot create the cache folder '", entry.parent_path().string(),
                   "': ", io_error_text(ec.value()));

  const FileLock lock(entry.string() + ".lock",
                      message("  waiting for another process making the ", how.what, " in '", entry.string(), "'\n"),
                      log);
  // Checked again under the lock: the process we waited for has usually finished the entry.
  std::string damaged;
  if (fs::exists(entry, ec)) {
    damaged = check_reason(how, entry);
    if (damaged.empty()) return false;
  }

  // Holding the lock, no temporary is anyone's work in progress: each was left by a builder that died.
  std::vector<fs::path> stale = temporaries(entry);
  const fs::path temp = entry.parent_path() / (entry.filename().string() + ".tmp-" + unique_suffix());
  fs::path adopted;
  if (!damaged.empty()) {
    log << "  note: the cached " << how.what << " in '" << entry.string() << "' is damaged (" << damaged
        << "); making it again\n";
    if (how.resume) {
      adopted = entry;
    } else {
      // Renamed away first, so nobody can open a half-removed entry.
      const fs::path away = entry.parent_path() / (entry.filename().string() + ".tmp-" + unique_suffix());
      rename_folder(entry, away);
      remove_folder(away);
    }
  }
  if (how.resume && adopted.empty() && !stale.empty()) {
    adopted = stale.front();
    stale.erase(stale.begin());
    log << "  note: resuming the unfinished " << how.what << " in '" << adopted.string() << "'\n";
  }
  for (const fs::path& dir : stale) {
    log << "  note: removing the unfinished " << how.what << " '" << dir.string() << "' of a process that stopped\n";
    remove_folder(dir);
  }
  if (adopted.empty()) {
    fs::create_directory(temp, ec);
    HEARSAY_CHECK_AS(IoError, !ec, "cannot create '", temp.string(), "': ", io_error_text(ec.value()));
  } else {
    rename_folder(adopted, temp);
  }

  try {
    how.build(temp.string());
  } catch (...) {
    // A resumable build keeps its work for the next attempt; anything else is useless half-done.
    if (!how.resume) fs::remove_all(temp, ec);
    throw;
  }
  rename_folder(temp, entry);
  const std::string after = check_reason(how, entry);
  HEARSAY_CHECK_AS(IoError, after.empty(), "the ", how.what, " just made in '", entry.string(),
                   "' does not check: ", after);
  return true;
}

}  // namespace hearsay::bench
