#include "datasets/split.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "core/random.h"

namespace hearsay::datasets {

Split stratified_split(const Dataset& dataset, double val_fraction, double test_fraction, uint64_t seed) {
  std::vector<int> labels(dataset.size());
  for (size_t i = 0; i < dataset.size(); ++i) labels[i] = dataset.info(i).label;
  return stratified_split(labels, val_fraction, test_fraction, seed);
}

Split stratified_split(const std::vector<int>& labels, double val_fraction, double test_fraction, uint64_t seed) {
  HEARSAY_CHECK_AS(ConfigError, val_fraction >= 0 && test_fraction >= 0 && val_fraction + test_fraction < 1.0,
                   "split: fractions must be >= 0 and leave room for training (val ", val_fraction, ", test ",
                   test_fraction, ")");
  std::map<int, std::vector<size_t>> by_class;
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= 0) by_class[labels[i]].push_back(i);
  Split split;
  for (auto& [label, indices] : by_class) {
    Rng rng(derive_seed(seed, static_cast<uint64_t>(label)));
    rng.shuffle(indices);
    const double n = static_cast<double>(indices.size());
    const auto n_test = static_cast<size_t>(std::lround(n * test_fraction));
    const auto n_val = std::min(indices.size() - n_test, static_cast<size_t>(std::lround(n * val_fraction)));
    split.test.insert(split.test.end(), indices.begin(), indices.begin() + static_cast<std::ptrdiff_t>(n_test));
    split.val.insert(split.val.end(), indices.begin() + static_cast<std::ptrdiff_t>(n_test),
                     indices.begin() + static_cast<std::ptrdiff_t>(n_test + n_val));
    split.train.insert(split.train.end(), indices.begin() + static_cast<std::ptrdiff_t>(n_test + n_val), indices.end());
  }
  for (auto* part : {&split.train, &split.val, &split.test}) std::sort(part->begin(), part->end());
  return split;
}

Split read_split_dir(const std::string& dir, const Dataset& dataset) {
  namespace fs = std::filesystem;
  const fs::path d(dir);
  HEARSAY_CHECK_AS(IoError, fs::is_regular_file(d / "train.txt"), "split folder '", dir, "' has no train.txt");
  Split split;
  split.train = read_split_file((d / "train.txt").string(), dataset);
  if (fs::exists(d / "val.txt")) split.val = read_split_file((d / "val.txt").string(), dataset);
  if (fs::exists(d / "test.txt")) split.test = read_split_file((d / "test.txt").string(), dataset);
  return split;
}

void write_split_file(const std::string& path, const Dataset& dataset, const std::vector<size_t>& indices) {
  std::vector<std::string> ids;
  for (size_t i : indices) ids.push_back(dataset.info(i).id);
  write_split_file(path, ids);
}

void write_split_file(const std::string& path, const std::vector<std::string>& ids) {
  std::string text;
  for (const auto& id : ids) text += id + "\n";
  write_text_file(path, text);
}

std::vector<size_t> read_split_file(const std::string& path, const Dataset& dataset) {
  std::istringstream in(read_text_file(path));
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < dataset.size(); ++i) by_id[dataset.info(i).id] = i;
  std::vector<size_t> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    auto it = by_id.find(line);
    HEARSAY_CHECK_AS(IoError, it != by_id.end(), "split file '", path, "' line ", number, ": no example with id '",
                     line, "' in the dataset");
    out.push_back(it->second);
  }
  return out;
}

}  // namespace hearsay::datasets
