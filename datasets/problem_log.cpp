#include "datasets/problem_log.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "core/error.h"

namespace hearsay::datasets {

namespace fs = std::filesystem;

ProblemLog::ProblemLog(std::string dataset, const OpenOptions& options)
    : dataset_(std::move(dataset)), options_(options) {}

std::optional<AudioFileInfo> ProblemLog::probe(const std::string& path) {
  AudioFileInfo info;
  try {
    info = probe_audio(path);
  } catch (const IoError& e) {
    skip(path, e.what());
    return std::nullopt;
  }
  // libsndfile reads a .au or .snd file without a header as raw 8 kHz u-law, which turns any damaged
  // GTZAN file into noise; a dataset file must say what it holds.
  if (info.format.rfind("RAW", 0) == 0) {
    skip(path, message("'", path, "' has no audio header (libsndfile would guess ", info.encoding, " at ",
                       info.sample_rate, " Hz)"));
  } else if (info.truncated) {
    skip(path, message("'", path, "' is truncated (its header promises more audio than the file holds)"));
  } else if (info.frames <= 0) {
    skip(path, message("'", path, "' holds no audio frames"));
  } else {
    return info;
  }
  return std::nullopt;
}

void ProblemLog::skip(const std::string& path, const std::string& reason) {
  HEARSAY_CHECK_AS(IoError, !options_.strict, "dataset '", dataset_, "': ", reason,
                   " (strict mode; without it the file would be skipped)");
  problems_.push_back({DatasetProblem::Kind::skipped_file, path, reason});
  warn(message("dataset '", dataset_, "': skipped: ", reason));
}

void ProblemLog::empty_class(const std::string& folder, const std::string& class_name) {
  const std::string reason = message("class '", class_name, "' has no usable audio file; it is kept with no examples");
  problems_.push_back({DatasetProblem::Kind::empty_class, folder, reason});
  warn(message("dataset '", dataset_, "': ", reason, " ('", folder, "')"));
}

std::vector<DatasetProblem> ProblemLog::finish(size_t examples) {
  const auto skipped = std::count_if(problems_.begin(), problems_.end(), [](const DatasetProblem& p) {
    return p.kind == DatasetProblem::Kind::skipped_file;
  });
  if (skipped > 0)
    warn(message("dataset '", dataset_, "': ", skipped, " file(s) skipped, ", examples, " example(s) kept"));
  return problems_;
}

void ProblemLog::warn(const std::string& line) const {
  if (options_.warn)
    options_.warn(line);
  else
    std::cerr << "hearsay: warning: " << line << "\n";
}

bool is_audio_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const char* known : {".wav", ".au", ".snd", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".aifc", ".mp3", ".w64", ".caf"})
    if (ext == known) return true;
  return false;
}

namespace {

bool hidden(const fs::path& path) { return path.filename().string().rfind('.', 0) == 0; }

// The entries of a folder; IoError naming it when it cannot be listed (permissions, a vanished folder).
std::vector<fs::directory_entry> entries(const fs::path& folder) {
  std::error_code ec;
  std::vector<fs::directory_entry> out;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) out.push_back(*it);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot list folder '", folder.string(), "': ", ec.message());
  return out;
}

}  // namespace

std::vector<fs::path> list_audio_files(const fs::path& folder, bool recursive) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& item : entries(folder)) {
    if (hidden(item.path())) continue;
    if (item.is_directory(ec)) {
      if (recursive) {
        auto inner = list_audio_files(item.path(), true);
        out.insert(out.end(), inner.begin(), inner.end());
      }
    } else if (is_audio_file(item.path())) {
      out.push_back(item.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> list_folders(const fs::path& folder) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& item : entries(folder))
    if (item.is_directory(ec) && !hidden(item.path())) out.push_back(item.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hearsay::datasets
