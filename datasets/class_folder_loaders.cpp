#include <cctype>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "datasets/loaders.h"
#include "datasets/problem_log.h"

namespace hearsay::datasets {

namespace fs = std::filesystem;

namespace {

enum class IdStyle {
  file_stem,      // GTZAN: "blues.00000"
  relative_path,  // folders: "<class>/<sub>/<name>"
};

// GTZAN's file names: <genre>.<digits>.<extension>.
bool gtzan_name(const fs::path& file, const std::string& genre) {
  const std::string stem = file.stem().string();
  if (stem.size() <= genre.size() + 1 || stem.compare(0, genre.size() + 1, genre + ".") != 0) return false;
  for (size_t i = genre.size() + 1; i < stem.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(stem[i]))) return false;
  return true;
}

// One class per folder in `folders`; every audio file below a class folder is an example. Ids in the
// relative_path style are relative to `id_root`.
std::unique_ptr<FileDataset> open_folders(const std::string& root, const fs::path& id_root,
                                          const std::vector<fs::path>& folders, const std::string& layout,
                                          IdStyle style, bool recursive, ProblemLog& log) {
  std::vector<std::string> classes;
  std::vector<FileEntry> entries;
  std::map<std::string, std::string> path_of_id;
  for (const auto& folder : folders) {
    const int label = static_cast<int>(classes.size());
    classes.push_back(folder.filename().string());
    const size_t before = entries.size();
    for (const auto& file : list_audio_files(folder, recursive)) {
      const std::string path = file.string();
      std::string id = file.stem().string();
      if (style == IdStyle::relative_path) id = file.lexically_relative(id_root).replace_extension().generic_string();
      const auto [it, fresh] = path_of_id.emplace(id, path);
      if (!fresh) {
        log.skip(path, message("'", path, "' has the id '", id, "' of '", it->second, "'"));
        continue;
      }
      const auto header = log.probe(path);
      if (!header) continue;
      FileEntry e;
      e.info.id = id;
      e.info.label = label;
      e.info.path = path;
      e.duration = header->duration();
      entries.push_back(std::move(e));
    }
    if (entries.size() == before) log.empty_class(folder.string(), classes.back());
  }
  auto problems = log.finish(entries.size());
  return std::make_unique<FileDataset>(root, layout, std::move(classes), std::move(entries), std::move(problems));
}

}  // namespace

std::string find_gtzan_genres(const std::string& root) {
  std::error_code ec;
  for (const char* name : {"genres", "genres_original"}) {
    const fs::path candidate = fs::path(root) / name;
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  if (!fs::is_directory(root, ec)) return {};
  for (const auto& folder : list_folders(root))
    for (const auto& file : list_audio_files(folder, false))
      if (gtzan_name(file, folder.filename().string())) return root;
  return {};
}

std::unique_ptr<FileDataset> open_gtzan(const std::string& root, const OpenOptions& options) {
  const std::string genres = find_gtzan_genres(root);
  HEARSAY_CHECK_AS(IoError, !genres.empty(), "dataset '", root,
                   "' is not in GTZAN layout (expected genres/<genre>/<genre>.NNNNN.{au,wav})");
  ProblemLog log(root, options);
  const auto folders = list_folders(genres);
  HEARSAY_CHECK_AS(IoError, !folders.empty(), "dataset '", root, "': '", genres, "' holds no genre folders");
  return open_folders(root, genres, folders, "gtzan", IdStyle::file_stem, false, log);
}

std::unique_ptr<FileDataset> open_class_folders(const std::string& root, const OpenOptions& options) {
  std::error_code ec;
  HEARSAY_CHECK_AS(IoError, fs::is_directory(root, ec), "dataset '", root, "': no such folder");
  ProblemLog log(root, options);
  for (const auto& file : list_audio_files(root, false))
    log.skip(file.string(), message("'", file.string(), "' is not inside a class folder"));
  const auto folders = list_folders(root);
  HEARSAY_CHECK_AS(IoError, !folders.empty(), "dataset '", root,
                   "' has no class folders (expected <class>/<file>.wav, GTZAN's genres/<genre>/..., or a "
                   "manifest.json / manifest.csv)");
  return open_folders(root, root, folders, "folders", IdStyle::relative_path, true, log);
}

}  // namespace hearsay::datasets
