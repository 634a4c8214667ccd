// The plan and the record store on their own: job ids follow the whole configuration (and only it),
// references run first in each group and their ids reach the jobs that compare with them, shards
// partition the groups, and the store keeps whole records, naming torn lines and duplicates.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/config.h"
#include "bench/plan.h"
#include "bench/record.h"
#include "core/error.h"
#include "datasets/in_memory_dataset.h"
#include "methods/explainer.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::bench {
namespace {

namespace fs = std::filesystem;

PreparedStudy toy_study() {
  PreparedStudy p;
  std::vector<datasets::Example> examples;
  for (int i = 0; i < 3; ++i) {
    datasets::Example e;
    e.info.id = "clip" + std::to_string(i);
    e.info.label = i % 2;
    examples.push_back(e);
  }
  p.dataset = std::make_unique<datasets::InMemoryDataset>(std::vector<std::string>{"yes", "no"}, examples);
  p.dataset_dir = "/data/toy";
  p.dataset_key = "dataset-key";
  p.model = std::make_unique<testing::PolynomialToy>(std::vector<double>{1.0, 2.0},
                                                     std::vector<testing::PolynomialToy::Pair>{});
  p.model_dir = "/models/toy";
  p.model_key = "model-key";
  p.clips = {0, 2};
  return p;
}

BenchConfig config_of(const nlohmann::json& study) {
  return read_options<BenchConfig>({{"seed", 3}, {"studies", {study}}}, "bench");
}

nlohmann::json base_study() {
  return {{"name", "toy"},
          {"factorizations", {{"segments", {{"segments", 2}}}, {"tf_grid", nlohmann::json::object()}}},
          {"methods", {"occlusion", "lime"}},
          {"method_options", {{"lime", {{"num_samples", 64}}}}},
          {"metrics", {{"agreement", nlohmann::json::object()}}}};
}

Plan plan_of(const nlohmann::json& study) {
  const PreparedStudy prepared = toy_study();
  return make_plan(config_of(study), {&prepared});
}

std::set<std::string> ids(const Plan& plan) {
  std::set<std::string> out;
  for (const Job& job : plan.jobs) out.insert(job.id);
  return out;
}

TEST(Plan, GroupsRunTheReferenceFirstAndNameItInTheJobsThatCompare) {
  const Plan plan = plan_of(base_study());
  // 2 clips x 2 factorizations, each: exact_shapley (agreement's reference, not in methods), occlusion, lime.
  ASSERT_EQ(plan.groups, 4u);
  ASSERT_EQ(plan.jobs.size(), 12u);
  EXPECT_EQ(ids(plan).size(), 12u);
  for (size_t g = 0; g < 4; ++g) {
    const Job& reference = plan.jobs[3 * g];
    EXPECT_EQ(reference.method, "exact_shapley");
    EXPECT_TRUE(reference.reference_only);
    EXPECT_TRUE(reference.references.empty());  // never its own reference
    for (size_t k = 1; k < 3; ++k) {
      const Job& job = plan.jobs[3 * g + k];
      EXPECT_EQ(job.group, g);
      EXPECT_FALSE(job.reference_only);
      EXPECT_EQ(job.references.at("exact_shapley"), reference.id);
    }
  }
  EXPECT_EQ(plan.jobs[1].method, "occlusion");  // the configuration's order after the references
  EXPECT_EQ(plan.jobs[2].method, "lime");
  EXPECT_EQ(plan.jobs[0].config.at("clip"), "clip0");
  EXPECT_EQ(plan.jobs[6].config.at("clip"), "clip2");
  EXPECT_EQ(plan.jobs[2].method_options.at("num_samples"), 64);
  EXPECT_TRUE(plan.jobs[2].method_options.contains("kernel_width"));  // defaults filled in
}

TEST(Plan, AVariantRunsItsMethodWithItsOwnOptionsUnderItsOwnName) {
  nlohmann::json study = base_study();
  study["methods"] = {"occlusion", "occlusion_keep", "lime_small"};
  study["variants"] = {{"occlusion_keep", {{"method", "occlusion"}, {"options", {{"variant", "keep_one_in"}}}}},
                       {"lime_small", {{"method", "lime"}, {"options", {{"kernel_width", 0.5}}}}}};
  const Plan plan = plan_of(study);
  ASSERT_EQ(plan.jobs.size(), 16u);  // 4 groups x (exact_shapley + 3)
  const Job &plain = plan.jobs[1], &keep = plan.jobs[2], &small = plan.jobs[3];
  EXPECT_EQ(keep.method, "occlusion");
  EXPECT_EQ(keep.config.at("method"), "occlusion_keep");
  EXPECT_EQ(keep.config.at("explainer"), "occlusion");
  EXPECT_EQ(keep.method_options.at("variant"), "keep_one_in");
  EXPECT_EQ(plain.method_options.at("variant"), "leave_one_out");
  EXPECT_FALSE(plain.config.contains("explainer"));  // a plain method's id is what it was before variants
  EXPECT_NE(plain.id, keep.id);
  // A variant's options go over its method's method_options.
  EXPECT_EQ(small.method, "lime");
  EXPECT_EQ(small.method_options.at("num_samples"), 64);
  EXPECT_EQ(small.method_options.at("kernel_width"), 0.5);
  EXPECT_EQ(keep.references.at("exact_shapley"), plan.jobs[0].id);
  // With no methods listed, every registered method runs and then every variant.
  study.erase("methods");
  const auto all = study_methods(config_of(study).studies[0]);
  EXPECT_EQ(all.back(), "occlusion_keep");  // variants in the JSON object's (sorted) order
  EXPECT_EQ(all.size(), methods::explainer_registry().names().size() + 2);
}

TEST(Config, VariantsAreCheckedBeforeAnyWork) {
  StudyConfig study;
  study.variants = {{"occlusion", {{"method", "occlusion"}}}};
  EXPECT_THROW_WITH(check_study(study, "studies[0]"), ConfigError, "studies[0].variants.occlusion", "name of its own");
  study.variants = {{"k", {{"method", "occlution"}}}};
  EXPECT_THROW_WITH(check_study(study, "studies[0]"), ConfigError, "studies[0].variants.k.method", "occlution");
  study.variants = {{"k", {{"method", "occlusion"}, {"options", {{"variant", "keep_all"}}}}}};
  EXPECT_THROW_WITH(check_study(study, "studies[0]"), ConfigError, "variant", "keep_one_in");
  study.variants = {{"k", {{"method", "occlusion"}}}};
  study.methods = {"k", "kk"};
  EXPECT_THROW_WITH(check_study(study, "studies[0]"), ConfigError, "studies[0].methods", "'kk'", "k");
  EXPECT_THROW_WITH(
      read_options<BenchConfig>({{"studies", {{{"name", "a"}, {"variants", {{"k", {{"methd", "x"}}}}}}}}}, "bench"),
      ConfigError, "variants.k", "'methd'", "method, options");
  EXPECT_THROW_WITH(
      read_options<BenchConfig>({{"studies", {{{"name", "a"}, {"variants", {{"k", {{"x", 1}}}}}}}}}, "bench"),
      ConfigError, "variants.k");
}

TEST(Plan, IdsFollowTheWholeConfigurationAndNothingElse) {
  const std::set<std::string> base = ids(plan_of(base_study()));
  EXPECT_EQ(ids(plan_of(base_study())), base);

  // The defaults written out are the same configuration.
  nlohmann::json spelled = base_study();
  spelled["method_options"]["occlusion"] = nlohmann::json::object();
  EXPECT_EQ(ids(plan_of(spelled)), base);

  // Another sample count changes lime's jobs only.
  nlohmann::json samples = base_study();
  samples["method_options"]["lime"]["num_samples"] = 65;
  const Plan changed = plan_of(samples);
  for (const Job& job : changed.jobs) EXPECT_EQ(base.count(job.id) == 0, job.method == "lime") << job.method;

  // A reference's options change the jobs that compare with it too.
  nlohmann::json reference = base_study();
  reference["method_options"]["exact_shapley"] = {{"max_components", 12}};
  for (const Job& job : plan_of(reference).jobs) EXPECT_EQ(base.count(job.id), 0u) << job.method;

  // Other segments, another seed, an excerpt: other jobs.
  nlohmann::json segments = base_study();
  segments["factorizations"]["segments"]["segments"] = 3;
  size_t kept = 0;
  for (const Job& job : plan_of(segments).jobs) kept += base.count(job.id);
  EXPECT_EQ(kept, 6u);  // the tf_grid groups
  nlohmann::json excerpt = base_study();
  excerpt["excerpt_seconds"] = 1.0;
  for (const Job& job : plan_of(excerpt).jobs) EXPECT_EQ(base.count(job.id), 0u);

  // The folders the data and the model sit in do not name them: their keys do.
  PreparedStudy moved = toy_study();
  moved.dataset_dir = "/elsewhere";
  moved.model_dir = "/elsewhere/model";
  EXPECT_EQ(ids(make_plan(config_of(base_study()), {&moved})), base);
  moved.model_key = "another-model";
  for (const Job& job : make_plan(config_of(base_study()), {&moved}).jobs) EXPECT_EQ(base.count(job.id), 0u);
}

TEST(Plan, ShardsPartitionTheGroups) {
  const Plan plan = plan_of(base_study());
  for (int count : {1, 2, 3, 5}) {
    std::map<std::string, int> taken;
    for (int k = 1; k <= count; ++k)
      for (const Job& job : plan.jobs)
        if (in_shard(job, Shard{k, count})) ++taken[job.id];
    EXPECT_EQ(taken.size(), plan.jobs.size()) << count;
    for (const auto& [id, times] : taken) EXPECT_EQ(times, 1) << id;
  }
  EXPECT_EQ(parse_shard("2/3", "--shard").index, 2);
  for (const char* bad : {"0/3", "4/3", "3", "/3", "a/b", "1/0", "-1/2", "2/3/4"})
    EXPECT_THROW_WITH(parse_shard(bad, "--shard"), ConfigError, "--shard", "K/N");
}

TEST(Config, StudiesAreCheckedByNameBeforeAnyWork) {
  EXPECT_THROW_WITH(read_options<BenchConfig>({{"studies", nlohmann::json::array()}}, "bench"), ConfigError,
                    "at least one study");
  EXPECT_THROW_WITH(read_options<BenchConfig>({{"studies", {{{"name", "a"}}, {{"name", "a"}}}}}, "bench"), ConfigError,
                    "studies[1].name", "two studies");
  EXPECT_THROW_WITH(read_options<BenchConfig>({{"studies", {{{"name", "a b"}}}}}, "bench"), ConfigError, "a b");
  // model.study names an earlier study: not a later one, not itself, not an unknown one.
  const nlohmann::json borrow = {{"name", "b"}, {"model", {{"study", "a"}}}};
  read_options<BenchConfig>({{"studies", {{{"name", "a"}}, borrow}}}, "bench");
  EXPECT_THROW_WITH(read_options<BenchConfig>({{"studies", {borrow, {{"name", "a"}}}}}, "bench"), ConfigError,
                    "studies[0].model.study", "'a'", "first study");
  EXPECT_THROW_WITH(read_options<BenchConfig>({{"studies", {{{"name", "c"}}, borrow}}}, "bench"), ConfigError,
                    "studies[1].model.study", "'a'", "earlier: c");
  ModelSpec both;
  both.study = "a";
  both.train = nlohmann::json::object();
  EXPECT_THROW_WITH(both.check("bench: studies[1]"), ConfigError, "studies[1].model", "exactly one of", "'train'");
  EXPECT_THROW_WITH(read_options<BenchConfig>({{"studies", {{{"method_options", {{"lime", 3}}}}}}}, "bench"),
                    ConfigError, "method_options.lime must be an object");
  StudyConfig study;
  study.methods = {"lyme"};
  EXPECT_THROW_WITH(check_study(study, "studies[0]"), ConfigError, "studies[0].methods", "lyme", "lime");
  study.methods = {};
  study.metrics = {{"agreement", {{"reference", "nope"}}}};
  EXPECT_THROW(check_study(study, "studies[0]"), ConfigError);
  study.metrics = {{"fidelty", nlohmann::json::object()}};
  EXPECT_THROW_WITH(check_study(study, "studies[0]"), ConfigError, "studies[0].metrics", "fidelty");
  // The embedded defaults read back as valid configurations.
  const BenchConfig defaults = read_options<BenchConfig>(default_config(), "bench");
  ASSERT_EQ(defaults.studies.size(), 9u);
  for (size_t i = 0; i < defaults.studies.size(); ++i)
    check_study(defaults.studies[i], message("studies[", i, "]"));  // every name is a registered plug-in
  EXPECT_EQ(read_options<BenchConfig>(quick_config(), "bench").studies.size(), 2u);
}

Record record(const std::string& job) {
  Record r;
  r.job = job;
  r.ok = true;
  r.config = {{"method", "lime"}};
  r.cost = {{"seconds", 1.5}, {"evals", 3}};
  r.metrics = {{"agreement", {{"value", 0.5}, {"seconds", 0.1}}}};
  return r;
}

TEST(RecordStore, KeepsWholeRecordsAndNamesTornLinesAndDuplicates) {
  testing::TempDir dir;
  {
    RecordStore store(dir.path().string());
    EXPECT_TRUE(store.records().empty());
    store.append(record("a"));
    store.append(record("b"));
    EXPECT_THROW(store.append(record("a")), Error);
  }
  const fs::path file = dir.path() / "records.jsonl";
  {
    std::ofstream out(file, std::ios::app);
    out << record("a").to_json().dump() << "\n"
        << R"({"job": "c", "config": {)";  // a duplicate, a torn line
  }
  RecordStore store(dir.path().string());
  ASSERT_EQ(store.records().size(), 2u);
  EXPECT_EQ(store.duplicates(), std::vector<std::string>{"a"});
  ASSERT_EQ(store.problems().size(), 1u);
  EXPECT_NE(store.problems()[0].find("line 4 is not a whole record"), std::string::npos) << store.problems()[0];
  // A record appended after a torn line starts on a line of its own.
  store.append(record("c"));
  RecordStore again(dir.path().string());
  EXPECT_TRUE(again.has("c"));
  EXPECT_EQ(again.records().size(), 3u);
  EXPECT_EQ(again.find("c")->metric("agreement"), 0.5);
  EXPECT_EQ(again.find("c")->field("method"), "lime");
  const nlohmann::json timeless = again.find("c")->without_times();
  EXPECT_FALSE(timeless["cost"].contains("seconds"));
  EXPECT_FALSE(timeless["metrics"]["agreement"].contains("seconds"));
}

}  // namespace
}  // namespace hearsay::bench
