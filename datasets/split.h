// Reproducible train / validation / test splits: seeded and stratified by class, or read from split
// files (one example id per line) so an experiment can be repeated exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace hearsay::datasets {

struct Split {
  std::vector<size_t> train;  ///< dataset indices, ascending
  std::vector<size_t> val;
  std::vector<size_t> test;
};

/// Per class: shuffle that class's examples with a seed derived from (seed, class), put
/// round(n · test_fraction) in test, round(n · val_fraction) in val, the rest in train. Unlabelled
/// examples are left out. The same dataset and seed give the same split on every run.
Split stratified_split(const Dataset& dataset, double val_fraction, double test_fraction, uint64_t seed);
/// The same split for examples known only by their labels (labels[i] is example i's label, -1 for
/// none): the synthetic generator splits a set before it exists.
Split stratified_split(const std::vector<int>& labels, double val_fraction, double test_fraction, uint64_t seed);

/// Reads dir/train.txt and, when present, dir/val.txt and dir/test.txt (the layout hearsay synth and
/// hearsay train write). IoError naming the folder when train.txt is missing.
Split read_split_dir(const std::string& dir, const Dataset& dataset);

/// Writes the ids of `indices`, one per line.
void write_split_file(const std::string& path, const Dataset& dataset, const std::vector<size_t>& indices);
/// Writes `ids`, one per line.
void write_split_file(const std::string& path, const std::vector<std::string>& ids);
/// Reads a split file back into dataset indices; an id the dataset lacks is an IoError naming the
/// file, the line and the id.
std::vector<size_t> read_split_file(const std::string& path, const Dataset& dataset);

}  // namespace hearsay::datasets
