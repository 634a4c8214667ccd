#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "datasets/loaders.h"
#include "datasets/problem_log.h"
#include "datasets/stem_folder.h"

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

// A folder named "stems" that holds sub-folders but no audio file of its own: the layout hearsay synth
// writes (stems/<class>/<id>/<stem>.flac) or stems/<id>/<stem>.wav. A "stems" folder with audio files
// directly inside is an ordinary class folder.
bool is_stems_folder(const fs::path& folder) {
  std::error_code ec;
  return folder.filename() == "stems" && fs::is_directory(folder, ec) && list_audio_files(folder, false).empty();
}

// The sibling stems/ folder of the class folders (<classes_parent>/stems), or of a GTZAN genres folder
// (<root>/stems); empty when there is none.
fs::path find_stems_folder(const fs::path& classes_parent, const std::string& root) {
  for (const fs::path& candidate : {classes_parent / "stems", fs::path(root) / "stems"})
    if (is_stems_folder(candidate)) return candidate;
  return {};
}

// The class folders under `parent`, without the stems folder.
std::vector<fs::path> class_folders(const fs::path& parent, const fs::path& stems_folder) {
  auto folders = list_folders(parent);
  folders.erase(std::remove(folders.begin(), folders.end(), stems_folder), folders.end());
  return folders;
}

// The stems of example `e` (class `class_name`) from stems/<id>/ or stems/<class>/<id>/, probed. Stems
// must sum to the mix, so all of them are left out (the mix is kept) when any one cannot be used: the
// folder is ambiguous (drums.flac and drums.wav), a file is unreadable, or its length or rate differs
// from the mix. Files that are not audio (song.ini, cover.png, notes.mid) are ignored.
std::map<std::string, std::string> find_example_stems(const fs::path& stems_folder, const std::string& class_name,
                                                      const FileEntry& e, const AudioFileInfo& mix, ProblemLog& log) {
  if (stems_folder.empty()) return {};
  std::error_code ec;
  fs::path dir = stems_folder / fs::path(e.info.id);
  if (!fs::is_directory(dir, ec)) dir = stems_folder / class_name / fs::path(e.info.id);
  if (!fs::is_directory(dir, ec)) return {};
  StemFiles found;
  try {
    found = find_stem_files(dir.string(), fs::path(e.info.path).stem().string());
  } catch (const IoError& error) {
    log.skip(dir.string(), message(error.what(), "; example '", e.info.id, "' keeps its mix without stems"));
    return {};
  }
  for (const auto& [name, path] : found.files) {
    const auto stem = log.probe(path);
    if (!stem) return {};
    if (stem->frames != mix.frames || stem->sample_rate != mix.sample_rate) {
      log.skip(path, message("stem '", name, "' ('", path, "', ", stem->frames, " frames at ", stem->sample_rate,
                             " Hz) does not match the mix '", e.info.path, "' (", mix.frames, " frames at ",
                             mix.sample_rate, " Hz); example '", e.info.id, "' keeps its mix without stems"));
      return {};
    }
  }
  return found.files;
}

// One class per folder in `folders`; every audio file below a class folder is an example. Ids in the
// relative_path style are relative to `id_root`. Examples get their stems from `stems_folder` (when not
// empty).
std::unique_ptr<FileDataset> open_folders(const std::string& root, const fs::path& id_root,
                                          const std::vector<fs::path>& folders, const fs::path& stems_folder,
                                          const std::string& layout, IdStyle style, bool recursive, ProblemLog& log) {
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
      e.stems = find_example_stems(stems_folder, classes.back(), e, *header, log);
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
  const fs::path stems = find_stems_folder(genres, root);
  const auto folders = class_folders(genres, stems);
  HEARSAY_CHECK_AS(IoError, !folders.empty(), "dataset '", root, "': '", genres, "' holds no genre folders");
  return open_folders(root, genres, folders, stems, "gtzan", IdStyle::file_stem, false, log);
}

std::unique_ptr<FileDataset> open_class_folders(const std::string& root, const OpenOptions& options) {
  std::error_code ec;
  HEARSAY_CHECK_AS(IoError, fs::is_directory(root, ec), "dataset '", root, "': no such folder");
  ProblemLog log(root, options);
  for (const auto& file : list_audio_files(root, false))
    log.skip(file.string(), message("'", file.string(), "' is not inside a class folder"));
  const fs::path stems = find_stems_folder(root, root);
  const auto folders = class_folders(root, stems);
  HEARSAY_CHECK_AS(IoError, !folders.empty(), "dataset '", root,
                   "' has no class folders (expected <class>/<file>.wav, GTZAN's genres/<genre>/..., or a "
                   "manifest.json / manifest.csv)");
  return open_folders(root, root, folders, stems, "folders", IdStyle::relative_path, true, log);
}

}  // namespace hearsay::datasets
