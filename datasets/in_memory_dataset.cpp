#include "datasets/in_memory_dataset.h"

#include <set>

#include "core/error.h"

namespace hearsay::datasets {

InMemoryDataset::InMemoryDataset(std::vector<std::string> classes, std::vector<Example> examples)
    : classes_(std::move(classes)), examples_(std::move(examples)) {
  std::set<std::string> ids;
  for (auto& e : examples_) {
    detail::check_example(e.info, classes_.size(), ids);
    if (e.info.label >= 0 && e.label_name.empty()) e.label_name = classes_[static_cast<size_t>(e.info.label)];
  }
}

ExampleInfo InMemoryDataset::info(size_t i) const {
  HEARSAY_CHECK_AS(ShapeError, i < examples_.size(), "example ", i, " of a ", examples_.size(), "-example dataset");
  return examples_[i].info;
}

Example InMemoryDataset::get(size_t i) const {
  HEARSAY_CHECK_AS(ShapeError, i < examples_.size(), "example ", i, " of a ", examples_.size(), "-example dataset");
  return examples_[i];
}

}  // namespace hearsay::datasets
