// A dataset held in memory: for tests, and for clips built by code (tones, toy tasks).
#pragma once

#include <vector>

#include "datasets/dataset.h"

namespace hearsay::datasets {

class InMemoryDataset : public Dataset {
 public:
  /// Every example's label must index `classes` (ShapeError otherwise); ids must be unique.
  InMemoryDataset(std::vector<std::string> classes, std::vector<Example> examples);

  size_t size() const override { return examples_.size(); }
  const std::vector<std::string>& classes() const override { return classes_; }
  ExampleInfo info(size_t i) const override;
  Example get(size_t i) const override;

 private:
  std::vector<std::string> classes_;
  std::vector<Example> examples_;
};

}  // namespace hearsay::datasets
