// Registry<T>'s questions about declared options: a caller reaches every plug-in that takes a setting
// through the options it documents (hearsay explain's --segments and --samples), never by its name.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/configured.h"
#include "core/registry.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

struct Splitter {
  virtual ~Splitter() = default;
  virtual std::string name() const = 0;
  virtual nlohmann::json options() const = 0;
};

struct ByTimeOptions {
  int segments = 4;
  template <class V>
  void visit(V& v) {
    v("segments", segments, "equal time segments", Range::at_least(1));
  }
};
struct ByGridOptions {
  int time_segments = 4;
  int bands = 2;
  template <class V>
  void visit(V& v) {
    v("bands", bands, "mel bands", Range::at_least(1));
    v("time_segments", time_segments, "equal time divisions", Range::at_least(1));
  }
};
struct ByRegionOptions {
  int count = 8;
  template <class V>
  void visit(V& v) {
    v("count", count, "regions", Range::at_least(1));
  }
};

struct ByTime : Configured<Splitter, ByTimeOptions> {
  explicit ByTime(const nlohmann::json& o) : Configured("by_time", o) {}
};
struct ByGrid : Configured<Splitter, ByGridOptions> {
  explicit ByGrid(const nlohmann::json& o) : Configured("by_grid", o) {}
};
struct ByRegion : Configured<Splitter, ByRegionOptions> {
  explicit ByRegion(const nlohmann::json& o) : Configured("by_region", o) {}
};
struct Undocumented : Splitter {
  std::string name() const override { return "undocumented"; }
  nlohmann::json options() const override { return nlohmann::json::object(); }
};

Registry<Splitter> splitters() {
  Registry<Splitter> r("splitter");
  r.add<ByTime>("by_time", "time");
  r.add<ByGrid>("by_grid", "grid");
  r.add<ByRegion>("by_region", "regions");
  r.add(
      "undocumented", [](const nlohmann::json&) { return std::make_unique<Undocumented>(); }, "no option docs");
  return r;
}

const std::vector<std::string> kTimeKeys{"segments", "time_segments"};

TEST(RegistryDeclaredOptions, FindsTheFirstDeclaredKeyInOrderOfPreference) {
  const auto r = splitters();
  EXPECT_EQ(r.declared_option("by_time", kTimeKeys), "segments");
  EXPECT_EQ(r.declared_option("by_grid", kTimeKeys), "time_segments");
  EXPECT_EQ(r.declared_option("by_grid", {"bands", "time_segments"}), "bands");
  EXPECT_EQ(r.declared_option("by_region", kTimeKeys), "");
  EXPECT_EQ(r.declared_option("undocumented", kTimeKeys), "");
  EXPECT_EQ(r.declared_option("by_time", {}), "");
  EXPECT_TRUE(r.declares("by_region", "count"));
  EXPECT_FALSE(r.declares("by_region", "segments"));
}

TEST(RegistryDeclaredOptions, ListsTheNamesDeclaringAnyOfTheKeys) {
  const auto r = splitters();
  EXPECT_EQ(r.names_declaring(kTimeKeys), (std::vector<std::string>{"by_grid", "by_time"}));
  EXPECT_EQ(r.names_declaring({"count"}), std::vector<std::string>{"by_region"});
  EXPECT_TRUE(r.names_declaring({"seed"}).empty());
}

TEST(RegistryDeclaredOptions, AnUnknownNameIsAConfigErrorNamingIt) {
  const auto r = splitters();
  EXPECT_THROW_WITH(r.declared_option("by_tiem", kTimeKeys), ConfigError, "unknown splitter 'by_tiem'");
  EXPECT_THROW_WITH(r.declares("by_tiem", "segments"), ConfigError, "unknown splitter 'by_tiem'");
}

}  // namespace
}  // namespace hearsay
