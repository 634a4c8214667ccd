#include <algorithm>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "datasets/in_memory_dataset.h"
#include "datasets/split.h"
#include "tests/support/test_support.h"

namespace hearsay::datasets {
namespace {

InMemoryDataset balanced(int classes, int per_class) {
  std::vector<std::string> names;
  std::vector<Example> examples;
  for (int c = 0; c < classes; ++c) {
    names.push_back("class" + std::to_string(c));
    for (int k = 0; k < per_class; ++k) {
      Example e;
      e.info.id = names.back() + "." + std::to_string(k);
      e.info.label = c;
      e.audio = Audio::mono({0.0f}, 8000);
      examples.push_back(std::move(e));
    }
  }
  return InMemoryDataset(names, std::move(examples));
}

TEST(Split, StratifiedDisjointCompleteAndStable) {
  const auto data = balanced(4, 20);
  const Split a = stratified_split(data, 0.1, 0.2, 7);
  const Split b = stratified_split(data, 0.1, 0.2, 7);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.test, b.test);
  std::set<size_t> all;
  for (const auto* part : {&a.train, &a.val, &a.test})
    for (size_t i : *part) EXPECT_TRUE(all.insert(i).second) << "index " << i << " in two parts";
  EXPECT_EQ(all.size(), 80u);
  for (int c = 0; c < 4; ++c) {
    auto count = [&](const std::vector<size_t>& part) {
      return std::count_if(part.begin(), part.end(), [&](size_t i) { return data.info(i).label == c; });
    };
    EXPECT_EQ(count(a.test), 4);
    EXPECT_EQ(count(a.val), 2);
    EXPECT_EQ(count(a.train), 14);
  }
  EXPECT_NE(stratified_split(data, 0.1, 0.2, 8).test, a.test);
}

TEST(Split, FilesRoundTripAndUnknownIdsAreNamed) {
  const auto data = balanced(2, 5);
  testing::TempDir dir;
  const Split s = stratified_split(data, 0.0, 0.4, 1);
  write_split_file(dir.file("test.txt"), data, s.test);
  EXPECT_EQ(read_split_file(dir.file("test.txt"), data), s.test);
  std::ofstream(dir.file("bad.txt")) << "class0.1\nnope.9\n";
  EXPECT_THROW_WITH(read_split_file(dir.file("bad.txt"), data), IoError, "bad.txt", "line 2", "nope.9");
  EXPECT_THROW_WITH(stratified_split(data, 0.5, 0.5, 1), ConfigError, "fractions");
}

TEST(InMemoryDataset, ChecksLabelsAndIds) {
  Example e;
  e.info.id = "x";
  e.info.label = 3;
  EXPECT_THROW_WITH(InMemoryDataset({"a"}, {e}), ShapeError, "'x'", "label 3");
  e.info.label = 0;
  EXPECT_THROW_WITH(InMemoryDataset({"a"}, {e, e}), ShapeError, "twice");
  EXPECT_EQ(InMemoryDataset({"a"}, {e}).get(0).label_name, "a");
}

}  // namespace
}  // namespace hearsay::datasets
