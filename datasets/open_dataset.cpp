#include <filesystem>

#include "core/error.h"
#include "datasets/loaders.h"
#include "datasets/manifest.h"

namespace hearsay::datasets {

namespace fs = std::filesystem;

std::unique_ptr<FileDataset> open_file_dataset(const std::string& path, const OpenOptions& options) {
  std::error_code ec;
  HEARSAY_CHECK_AS(IoError, fs::exists(path, ec), "dataset '", path, "': no such file or folder");
  if (!fs::is_directory(path, ec)) return open_manifest(path, options);
  for (const char* name : {"manifest.json", "manifest.csv"}) {
    const fs::path manifest = fs::path(path) / name;
    if (fs::is_regular_file(manifest, ec)) return open_manifest(manifest.string(), options);
  }
  if (!find_gtzan_genres(path).empty()) return open_gtzan(path, options);
  return open_class_folders(path, options);
}

std::unique_ptr<Dataset> open_dataset(const std::string& path, const OpenOptions& options) {
  return open_file_dataset(path, options);
}

}  // namespace hearsay::datasets
