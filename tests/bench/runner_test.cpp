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
}

}  // namespace
}  // namespace hearsay::bench
