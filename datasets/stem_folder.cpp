#include "datasets/stem_folder.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "datasets/problem_log.h"

namespace hearsay::datasets {

namespace fs = std::filesystem;

StemFiles find_stem_files(const std::string& dir, const std::string& mix_name) {
  std::error_code ec;
  HEARSAY_CHECK_AS(IoError, fs::is_directory(dir, ec), "stems: '", dir, "' is not a folder of stem files");
  StemFiles out;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  HEARSAY_CHECK_AS(IoError, !ec, "stems: cannot list '", dir, "': ", ec.message());
  std::sort(entries.begin(), entries.end());
  for (const auto& path : entries) {
    const std::string file = path.filename().string();
    if (file.rfind('.', 0) == 0 || fs::is_directory(path, ec)) continue;
    if (!is_audio_file(path)) {
      out.skipped.push_back(path.string());
      continue;
    }
    const std::string name = path.stem().string();
    HEARSAY_CHECK_AS(IoError, name != "mix" && (mix_name.empty() || name != mix_name), "stems: '", path.string(),
                     "' is named like the mix, not a stem (move the mix out of the stem folder)");
    const auto [it, fresh] = out.files.emplace(name, path.string());
    HEARSAY_CHECK_AS(IoError, fresh, "stems: two files for the stem '", name, "' in '", dir, "': '", it->second,
                     "' and '", path.string(), "' (keep one)");
  }
  HEARSAY_CHECK_AS(IoError, !out.files.empty(), "stems: '", dir,
                   "' holds no audio files (readable: .wav, .flac, .ogg, .mp3, .au, .aiff, ...)");
  return out;
}

std::map<std::string, Audio> load_stems(const StemFiles& stems, const LoadOptions& options) {
  std::map<std::string, Audio> out;
  for (const auto& [name, path] : stems.files) out.emplace(name, load_audio(path, options));
  return out;
}

}  // namespace hearsay::datasets
