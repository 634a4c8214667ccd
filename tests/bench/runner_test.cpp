#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/runner.h"
#include "tests/support/test_support.h"

namespace hearsay::bench {
namespace {

TEST(Runner, PlantedComponentsAreTheSegmentsHoldingAQuarterOfTheCue) {
  const std::vector<double> bounds{0.0, 1.5, 3.0, 4.5, 6.0};
  using V = std::vector<std::string>;
  EXPECT_EQ(planted_components("lead", 0.2, 1.0, bounds), (V{"lead.t00"}));
  EXPECT_EQ(planted_components("lead", 0.86, 2.59, bounds), (V{"lead.t00", "lead.t01"}));  // 0.64 s and 1.09 s
  EXPECT_EQ(planted_components("lead", 1.3, 2.6, bounds), (V{"lead.t01"}));  // 0.2 s of 1.3 s in t00: a sliver
  EXPECT_EQ(planted_components("bass", 4.4, 6.0, bounds), (V{"bass.t03"}));
  EXPECT_THROW_WITH(planted_components("bass", 0, 1, {0.0}), ShapeError, "boundaries");
}

TEST(Runner, ConfigRefusesUnknownKeysAndReadsNestedTraining) {
  EXPECT_THROW_WITH(read_options<BenchConfig>(nlohmann::json{{"genre", 3}}, "bench"), ConfigError, "'genre'", "genres");
  const auto c = read_options<BenchConfig>(nlohmann::json{{"train", {{"epochs", 2}}}, {"methods", {"lime"}}}, "bench");
  EXPECT_EQ(c.train.epochs, 2);
  EXPECT_EQ(c.methods, std::vector<std::string>{"lime"});
  EXPECT_THROW_WITH(read_options<BenchConfig>(nlohmann::json{{"train", {{"epoch", 2}}}}, "bench"), ConfigError,
                    "bench.train", "'epoch'");
  // Values whose effect is an absurd allocation are refused by range.
  EXPECT_THROW_WITH(read_options<BenchConfig>(nlohmann::json{{"grid_time", 1000}}, "bench"), ConfigError, "'grid_time'",
                    "64");
  EXPECT_THROW_WITH(read_options<BenchConfig>(nlohmann::json{{"train", {{"seconds", 1e9}}}}, "bench"), ConfigError,
                    "bench.train", "'seconds'");
}

TEST(Runner, MethodOptionsMustBeAnObjectOfObjectsNamingRegisteredMethods) {
  EXPECT_THROW_WITH(read_options<BenchConfig>(nlohmann::json{{"method_options", nlohmann::json::array()}}, "bench"),
                    ConfigError, "method_options must be an object", "[]");
  EXPECT_THROW_WITH(read_options<BenchConfig>(nlohmann::json{{"method_options", "lime"}}, "bench"), ConfigError,
                    "method_options must be an object", "lime");
  EXPECT_THROW_WITH(read_options<BenchConfig>(nlohmann::json{{"method_options", {{"lime", 5}}}}, "bench"), ConfigError,
                    "method_options.lime must be an object");
  testing::TempDir dir;
  BenchConfig config;
  config.method_options = {{"lmie", {{"num_samples", 8}}}};
  std::ostringstream out, log;
  EXPECT_THROW_WITH(run_bench(config, dir.file("out"), dir.file("cache"), out, log), ConfigError, "method_options",
                    "'lmie'", "lime", "kernel_shap");
  config = BenchConfig{};
  config.methods = {"occlusion", "limе"};  // a Cyrillic e
  EXPECT_THROW_WITH(run_bench(config, dir.file("out"), dir.file("cache"), out, log), ConfigError, "bench: methods",
                    "'limе'", "valid methods");
}

TEST(Runner, OutAndCacheThatCannotBeWrittenFailBeforeAnyWork) {
  testing::TempDir dir;
  testing::write_bytes(dir.file("a_file"), "x");
  std::ostringstream out, log;
  EXPECT_THROW_WITH(run_bench(BenchConfig{}, dir.file("a_file"), dir.file("cache"), out, log), ConfigError, "--out",
                    "a_file", "is a file");
  EXPECT_THROW_WITH(run_bench(BenchConfig{}, dir.file("out"), dir.file("a_file"), out, log), ConfigError, "--cache",
                    "a_file");
  EXPECT_THROW_WITH(run_bench(BenchConfig{}, "/proc/hearsay-out", dir.file("cache"), out, log), ConfigError, "--out",
                    "/proc/hearsay-out");
  EXPECT_TRUE(log.str().empty()) << "work started: " << log.str();
}

TEST(Runner, ChanceLevelIsAccuracyWithinOneStandardErrorOfGuessing) {
  // The quick bench's models that explained noise: 33 % on 3 classes and 50 % on 2 classes.
  EXPECT_TRUE(at_chance_level(1.0 / 3.0, 3, 6));
  EXPECT_TRUE(at_chance_level(0.5, 2, 4));
  EXPECT_TRUE(at_chance_level(0.0, 2, 4));
  // 1/3 + sqrt(2/9 / 6) = 0.526: 50 % of 6 clips is still chance, 67 % is not.
  EXPECT_TRUE(at_chance_level(0.5, 3, 6));
  EXPECT_FALSE(at_chance_level(4.0 / 6.0, 3, 6));
  EXPECT_FALSE(at_chance_level(0.9, 10, 30));
  EXPECT_FALSE(at_chance_level(0.0, 3, 0));  // no test clips: nothing known, nothing claimed
}

}  // namespace
}  // namespace hearsay::bench
