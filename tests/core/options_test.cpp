#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/options.h"
#include "core/registry.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

enum class Kernel { cosine, euclidean };

struct Inner {
  double width = 0.25;
  template <class V>
  void visit(V& v) {
    v("width", width, "kernel width", Range::greater_than(0));
  }
};

struct Toy {
  int samples = 100;
  double alpha = 1.0;
  bool verbose = false;
  std::string name = "x";
  std::optional<int> limit;
  std::vector<int> sizes{1, 2};
  Kernel kernel = Kernel::cosine;
  Inner inner;
  template <class V>
  void visit(V& v) {
    v("samples", samples, "perturbations", Range::between(1, 1000));
    v("alpha", alpha, "ridge strength", Range::at_least(0));
    v("verbose", verbose, "print more");
    v("name", name, "a label");
    v("limit", limit, "optional cap", Range::at_least(1));
    v("sizes", sizes, "sizes", Range::at_least(1));
    v.choice("kernel", kernel, {{"cosine", Kernel::cosine}, {"euclidean", Kernel::euclidean}}, "distance");
    v.nested("inner", inner, "inner options");
  }
  void validate() const {
    HEARSAY_CHECK_AS(ConfigError, !(verbose && samples > 500), "toy: verbose needs samples <= 500");
  }
};

TEST(Options, DefaultsFromNullOrEmpty) {
  EXPECT_EQ(read_options<Toy>(nullptr, "toy").samples, 100);
  EXPECT_EQ(read_options<Toy>(nlohmann::json::object(), "toy").kernel, Kernel::cosine);
}

TEST(Options, ReadsEveryKind) {
  const auto t = read_options<Toy>(nlohmann::json::parse(R"({"samples": 7, "alpha": 0, "verbose": true,
      "name": "y", "limit": 3, "sizes": [4, 5], "kernel": "euclidean", "inner": {"width": 2}})"),
                                   "toy");
  EXPECT_EQ(t.samples, 7);
  EXPECT_EQ(t.alpha, 0.0);
  EXPECT_TRUE(t.verbose);
  EXPECT_EQ(t.name, "y");
  EXPECT_EQ(t.limit, 3);
  EXPECT_EQ(t.sizes, (std::vector<int>{4, 5}));
  EXPECT_EQ(t.kernel, Kernel::euclidean);
  EXPECT_EQ(t.inner.width, 2.0);
  EXPECT_FALSE(read_options<Toy>(nlohmann::json{{"limit", nullptr}}, "toy").limit.has_value());
  EXPECT_EQ(read_options<Toy>(nlohmann::json{{"samples", 12.0}}, "toy").samples, 12);  // integral float
}

TEST(Options, UnknownKeyNamesItAndListsValidOnes) {
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"sample", 7}}, "toy"), ConfigError, "toy", "'sample'",
                    "samples, alpha, verbose");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"inner", {{"wdth", 1}}}}, "toy"), ConfigError, "toy.inner",
                    "'wdth'", "width");
}

TEST(Options, WrongTypesAndRangesAreRefusedByName) {
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"samples", "many"}}, "toy"), ConfigError, "'samples'", "integer");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"samples", 2.5}}, "toy"), ConfigError, "integer");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"samples", 0}}, "toy"), ConfigError, "[1, 1000]");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"alpha", -1}}, "toy"), ConfigError, ">= 0");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"verbose", 1}}, "toy"), ConfigError, "true or false");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"kernel", "manhattan"}}, "toy"), ConfigError,
                    "cosine, euclidean");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"sizes", {1, 0}}}, "toy"), ConfigError, "'sizes'");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"inner", {{"width", 0}}}}, "toy"), ConfigError, "> 0");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"samples", 1e30}}, "toy"), ConfigError, "samples");
  // An integral double beyond int's range (undefined to convert; found by fuzz/fuzz_options).
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"samples", 5.02e10}}, "toy"), ConfigError, "'samples'",
                    "integer range");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json::array(), "toy"), ConfigError, "JSON object");
  EXPECT_THROW_WITH(read_options<Toy>(nlohmann::json{{"verbose", true}, {"samples", 900}}, "toy"), ConfigError,
                    "verbose needs");
}

TEST(Options, WriteReadRoundTripAndDescribe) {
  Toy t;
  t.samples = 42;
  t.kernel = Kernel::euclidean;
  t.limit = 9;
  const nlohmann::json j = write_options(t);
  EXPECT_EQ(j["kernel"], "euclidean");
  EXPECT_EQ(j["inner"]["width"], 0.25);
  EXPECT_EQ(write_options(read_options<Toy>(j, "toy")), j);
  const auto docs = describe_options<Toy>();
  ASSERT_EQ(docs.size(), 9u);
  EXPECT_EQ(docs[0].name, "samples");
  EXPECT_EQ(docs[0].allowed, "in [1, 1000]");
  EXPECT_EQ(docs[6].allowed, "one of cosine, euclidean");
  Toy bad;
  bad.samples = -3;
  EXPECT_THROW_WITH(check_options(bad, "toy"), ConfigError, "samples");
}

struct Budget {
  SampleCount samples = SampleCount::fixed(100);
  template <class V>
  void visit(V& v) {
    v("samples", samples, "perturbations, or auto", Range::between(2, 1000));
  }
};

TEST(Options, SampleCountTakesAnIntegerOrAuto) {
  EXPECT_EQ(read_options<Budget>(nullptr, "toy").samples, SampleCount::fixed(100));
  EXPECT_EQ(read_options<Budget>(nlohmann::json{{"samples", 640}}, "toy").samples, SampleCount::fixed(640));
  EXPECT_EQ(read_options<Budget>(nlohmann::json{{"samples", 64.0}}, "toy").samples, SampleCount::fixed(64));
  const SampleCount automatic = read_options<Budget>(nlohmann::json{{"samples", "auto"}}, "toy").samples;
  EXPECT_TRUE(automatic.automatic);
  EXPECT_EQ(automatic, SampleCount::adaptive());
  EXPECT_NE(automatic, SampleCount::fixed(0));
  // Anything else names the option and both valid forms; the range bounds the count only.
  for (const nlohmann::json& bad : {nlohmann::json("sometimes"), nlohmann::json("AUTO"), nlohmann::json(2.5),
                                    nlohmann::json(true), nlohmann::json(nullptr), nlohmann::json::array()})
    EXPECT_THROW_WITH(read_options<Budget>(nlohmann::json{{"samples", bad}}, "toy"), ConfigError, "toy", "'samples'",
                      "must be an integer or \"auto\"");
  EXPECT_THROW_WITH(read_options<Budget>(nlohmann::json{{"samples", 1}}, "toy"), ConfigError, "'samples'", "[2, 1000]");
  EXPECT_THROW_WITH(read_options<Budget>(nlohmann::json{{"samples", 4096}}, "toy"), ConfigError, "[2, 1000]");
  // Written back as given, documented with both forms.
  EXPECT_EQ(write_options(Budget{})["samples"], 100);
  EXPECT_EQ(write_options(Budget{SampleCount::adaptive()})["samples"], "auto");
  EXPECT_TRUE(read_options<Budget>(write_options(Budget{SampleCount::adaptive()}), "toy").samples.automatic);
  const auto docs = describe_options<Budget>();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].type, "integer or \"auto\"");
  EXPECT_EQ(docs[0].default_value, 100);
  EXPECT_EQ(docs[0].allowed, "in [2, 1000]");
}

struct Zoo {
  std::string name = "zoo";
  std::vector<Inner> pens;
  template <class V>
  void visit(V& v) {
    v("name", name, "the zoo");
    v.nested_list("pens", pens, "one object per pen");
  }
};

TEST(Options, NestedListsAreReadWrittenAndDocumentedElementByElement) {
  const Zoo zoo = read_options<Zoo>(nlohmann::json::parse(R"({"pens": [{}, {"width": 3}]})"), "zoo");
  ASSERT_EQ(zoo.pens.size(), 2u);
  EXPECT_EQ(zoo.pens[1].width, 3);
  EXPECT_EQ(zoo.pens[0].width, Inner{}.width);
  EXPECT_EQ(read_options<Zoo>(write_options(zoo), "zoo").pens[1].width, 3);
  EXPECT_EQ(write_options(zoo)["pens"].size(), 2u);
  // The element is named by its index, the unknown key by name.
  EXPECT_THROW_WITH(read_options<Zoo>(nlohmann::json::parse(R"({"pens": [{}, {"widht": 3}]})"), "zoo"), ConfigError,
                    "zoo.pens[1]", "unknown option 'widht'");
  EXPECT_THROW_WITH(read_options<Zoo>(nlohmann::json::parse(R"({"pens": {"width": 3}})"), "zoo"), ConfigError,
                    "'pens' must be a JSON array");
  const auto docs = describe_options<Zoo>();
  ASSERT_GE(docs.size(), 3u);
  EXPECT_EQ(docs[1].name, "pens");
  EXPECT_EQ(docs[1].type, "array");
  EXPECT_EQ(docs[2].name, "pens[].width");
}

TEST(Errors, TypeNamesForRecords) {
  EXPECT_EQ(error_type_name(IoError("x")), "IoError");
  EXPECT_EQ(error_type_name(ConfigError("x")), "ConfigError");
  EXPECT_EQ(error_type_name(ShapeError("x")), "ShapeError");
  EXPECT_EQ(error_type_name(UnsupportedModelError("x")), "UnsupportedModelError");
  EXPECT_EQ(error_type_name(Error("x")), "Error");
  EXPECT_EQ(error_type_name(std::bad_alloc()), "std::bad_alloc");
  EXPECT_EQ(error_type_name(std::runtime_error("x")), "std::exception");
}

struct Animal {
  virtual ~Animal() = default;
  virtual std::string sound() const = 0;
};
struct Dog : Animal {
  std::string sound() const override { return "woof"; }
};

TEST(Registry, CreatesByNameAndListsValidNamesOnAMiss) {
  Registry<Animal> registry("animal");
  registry.add(
      "dog", [](const nlohmann::json&) { return std::make_unique<Dog>(); }, "barks");
  EXPECT_EQ(registry.create("dog")->sound(), "woof");
  EXPECT_EQ(registry.names(), std::vector<std::string>{"dog"});
  EXPECT_EQ(registry.summary("dog"), "barks");
  EXPECT_THROW_WITH(registry.create("cat"), ConfigError, "unknown animal 'cat'", "valid names: dog");
  EXPECT_THROW_WITH(registry.add("dog", [](const nlohmann::json&) { return std::make_unique<Dog>(); }), Error, "twice");
}

}  // namespace
}  // namespace hearsay
