// Bench studies: each way of naming data, model and clips; bad specs refused by key; and cache
// entries (a synthetic set, a trained model) made once and shared when threads or processes
// prepare them at the same time.
#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/cache_entry.h"
#include "bench/study.h"
#include "core/audio_io.h"
#include "core/file_io.h"
#include "core/hash.h"
#include "datasets/in_memory_dataset.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace hearsay::bench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

const std::string kContext = "bench: studies[0]";

// ---- clip selection ----

// Three classes of four clips ("a.0" ... "c.3"), all in the test split.
struct Clips {
  std::unique_ptr<datasets::InMemoryDataset> dataset;
  datasets::Split split;
  Clips() {
    std::vector<datasets::Example> examples;
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 4; ++k) {
        datasets::Example e;
        e.info.id = std::string(1, static_cast<char>('a' + c)) + "." + std::to_string(k);
        e.info.label = c;
        examples.push_back(e);
      }
    dataset = std::make_unique<datasets::InMemoryDataset>(std::vector<std::string>{"a", "b", "c"}, examples);
    for (size_t i = 0; i < dataset->size(); ++i) split.test.push_back(i);
    split.train = {0, 4, 8};
  }
  std::vector<std::string> ids(const ClipSpec& spec) const {
    std::vector<std::string> out;
    for (size_t i : select_clips(*dataset, split, spec, kContext)) out.push_back(dataset->info(i).id);
    return out;
  }
};

using Ids = std::vector<std::string>;

TEST(ClipSelection, InOrderTheClassesTakeTurns) {
  const Clips c;
  ClipSpec spec;  // test split, count 3
  EXPECT_EQ(c.ids(spec), (Ids{"a.0", "b.0", "c.0"}));
  spec.count = 5;
  EXPECT_EQ(c.ids(spec), (Ids{"a.0", "b.0", "c.0", "a.1", "b.1"}));
  spec.count = 0;
  spec.per_class = 1;
  EXPECT_EQ(c.ids(spec), (Ids{"a.0", "b.0", "c.0"}));
  spec.per_class = 0;
  EXPECT_EQ(c.ids(spec).size(), 12u);
  spec.split = "train";
  EXPECT_EQ(c.ids(spec), (Ids{"a.0", "b.0", "c.0"}));
}

TEST(ClipSelection, ClassesKeepOnlyTheNamedClassesAndRefuseUnknownOnes) {
  const Clips c;
  ClipSpec spec;
  spec.classes = {"c", "a"};
  spec.count = 4;
  EXPECT_EQ(c.ids(spec), (Ids{"a.0", "c.0", "a.1", "c.1"}));
  spec.classes = {"b", "d"};
  EXPECT_THROW_WITH(c.ids(spec), ConfigError, "bench: studies[0].clips.classes", "'d'", "a, b, c");
}

TEST(ClipSelection, ASeedShufflesWithinEachClassDeterministically) {
  const Clips c;
  ClipSpec spec;
  spec.count = 0;
  spec.per_class = 2;
  std::set<Ids> orders;
  for (uint64_t seed : {1, 2, 3, 4}) {
    spec.seed = seed;
    const Ids ids = c.ids(spec);
    EXPECT_EQ(c.ids(spec), ids) << "seed " << seed;
    ASSERT_EQ(ids.size(), 6u);
    for (size_t k = 0; k < ids.size(); ++k) EXPECT_EQ(ids[k][0], "abc"[k % 3]) << "the classes take turns";
    orders.insert(ids);
  }
  EXPECT_GT(orders.size(), 1u) << "the seed changes which clips come first";
}

TEST(ClipSelection, ExplicitIdsKeepTheirOrderAndLimits) {
  const Clips c;
  ClipSpec spec;
  spec.ids = {"c.3", "a.1", "c.0"};
  EXPECT_EQ(c.ids(spec), (Ids{"c.3", "a.1", "c.0"}));
  spec.per_class = 1;
  EXPECT_EQ(c.ids(spec), (Ids{"c.3", "a.1"}));
  spec.per_class = 0;
  spec.count = 1;
  EXPECT_EQ(c.ids(spec), (Ids{"c.3"}));
  spec.ids = {"a.1", "d.9"};
  EXPECT_THROW_WITH(c.ids(spec), ConfigError, "bench: studies[0].clips.ids", "'d.9'", "not in the dataset");
  spec.ids = {"a.1", "a.1"};
  EXPECT_THROW_WITH(spec.check(kContext), ConfigError, "bench: studies[0].clips.ids", "'a.1'", "twice");
}

TEST(ClipSelection, SplitFilesAndEmptySplits) {
  const Clips c;
  TempDir dir;
  testing::write_bytes(dir.file("mine.txt"), "b.2\na.3\n");
  ClipSpec spec;
  spec.split = dir.file("mine.txt");
  spec.check(kContext);
  EXPECT_EQ(c.ids(spec), (Ids{"a.3", "b.2"}));
  testing::write_bytes(dir.file("bad.txt"), "b.2\nzz\n");
  spec.split = dir.file("bad.txt");
  EXPECT_THROW_WITH(c.ids(spec), ConfigError, "bench: studies[0].clips.split", "zz");
  spec.split = "val";
  EXPECT_THROW_WITH(c.ids(spec), ConfigError, "bench: studies[0].clips.split", "'val' selects no clips");
  spec.split = "tset";
  EXPECT_THROW_WITH(spec.check(kContext), ConfigError, "bench: studies[0].clips.split", "'tset'", "train, val, test",
                    "split file");
}

// ---- specs ----

TEST(StudySpecs, BadSpecsAreRefusedNamingTheKey) {
  DatasetSpec d;
  EXPECT_THROW_WITH(d.check(kContext), ConfigError, "bench: studies[0].dataset", "exactly one of 'path'", "neither");
  d.path = "x";
  d.synth = nlohmann::json::object();
  EXPECT_THROW_WITH(d.check(kContext), ConfigError, "bench: studies[0].dataset", "both");
  d.path.clear();
  d.synth = {{"genre", 2}};
  EXPECT_THROW_WITH(d.check(kContext), ConfigError, "bench: studies[0].dataset.synth", "'genre'", "genres");
  d.synth = 4;
  EXPECT_THROW_WITH(d.check(kContext), ConfigError, "bench: studies[0].dataset.synth", "object");
  d.synth = nlohmann::json::object();
  d.val_fraction = 0.5;
  d.test_fraction = 0.5;
  EXPECT_THROW_WITH(d.check(kContext), ConfigError, "val_fraction + test_fraction");

  ModelSpec m;
  EXPECT_THROW_WITH(m.check(kContext), ConfigError, "bench: studies[0].model", "exactly one of 'path'");
  m.train = {{"epochs", 0}};
  EXPECT_THROW_WITH(m.check(kContext), ConfigError, "bench: studies[0].model.train", "'epochs'");
  m.train = {{"model", "vgg_small"}};
  m.check(kContext);

  // Unknown keys are refused by the options reader, with the valid ones.
  EXPECT_THROW_WITH(read_options<DatasetSpec>(nlohmann::json{{"pth", "x"}}, "bench: studies[0].dataset"), ConfigError,
                    "'pth'", "path", "synth", "splits");
  EXPECT_THROW_WITH(read_options<ClipSpec>(nlohmann::json{{"count", -1}}, "c"), ConfigError, "'count'");
  EXPECT_EQ(read_options<ClipSpec>(nlohmann::json{{"ids", {"x"}}}, "c").ids, Ids{"x"});
}

TEST(StudySpecs, MissingFoldersFailBeforeAnyWork) {
  TempDir dir;
  std::ostringstream log;
  DatasetSpec d;
  d.path = dir.file("nothing");
  ModelSpec m;
  m.train = nlohmann::json::object();
  EXPECT_THROW_WITH(prepare_study(d, m, {}, 1, dir.file("cache"), log, kContext), ConfigError,
                    "bench: studies[0].dataset.path: '" + d.path + "' is not a dataset folder (no such folder)");
  fs::create_directories(dir.path() / "empty");
  d.path = dir.file("empty");
  EXPECT_THROW_WITH(prepare_study(d, m, {}, 1, dir.file("cache"), log, kContext), ConfigError,
                    "bench: studies[0].dataset.path", "is not a dataset folder");
  d.path.clear();
  d.synth = {{"genres", 2}};
  m.train = nullptr;
  m.path = dir.file("no-model");
  EXPECT_THROW_WITH(prepare_study(d, m, {}, 1, dir.file("cache"), log, kContext), ConfigError,
                    "bench: studies[0].model.path", "no-model", "not a model folder");
  m.path = dir.file("empty");
  d.synth = nullptr;
  d.path = (testing::data_dir() / "models").string();  // a folder without audio
  EXPECT_THROW_WITH(prepare_study(d, m, {}, 1, dir.file("cache"), log, kContext), ConfigError,
                    "bench: studies[0].dataset.path");
  EXPECT_FALSE(fs::exists(dir.path() / "cache")) << "work started: " << log.str();
}

// A folder per class of WAV files: two tones per class, the class in the pitch.
void write_class_folders(const fs::path& root, int per_class, double seconds) {
  const std::vector<std::pair<std::string, double>> classes{{"blues", 220.0}, {"jazz", 1760.0}};
  for (const auto& [name, hz] : classes)
    for (int k = 0; k < per_class; ++k) {
      fs::create_directories(root / name);
      save_audio((root / name / ("take" + std::to_string(k) + ".wav")).string(),
                 testing::sine(hz * (1.0 + 0.05 * k), seconds, 22050));
    }
}

TEST(Study, FolderPerClassDatasetAndATorchScriptModelFolder) {
  TempDir dir;
  write_class_folders(dir.path() / "data", 5, 3.2);
  DatasetSpec d;
  d.path = dir.file("data");
  ModelSpec m;
  m.path = (testing::data_dir() / "models" / "vgg4").string();
  ClipSpec c;
  c.split = "all";
  c.count = 4;
  std::ostringstream log;
  const PreparedStudy p = prepare_study(d, m, c, 7, dir.file("cache"), log, kContext);
  EXPECT_FALSE(fs::exists(dir.path() / "cache")) << "nothing to cache";
  EXPECT_EQ(p.dataset->size(), 10u);
  EXPECT_EQ(p.split_source, "stratified");
  EXPECT_EQ(p.split.test.size(), 2u);  // 20 % of 5 per class
  EXPECT_EQ(p.clips.size(), 4u);
  EXPECT_EQ(p.dataset->info(p.clips[0]).label, 0);
  EXPECT_EQ(p.dataset->info(p.clips[1]).label, 1);
  EXPECT_FALSE(p.test_accuracy);
  const nlohmann::json j = p.describe();
  EXPECT_EQ(j["dataset"], d.path);
  EXPECT_EQ(j["model"], m.path);
  EXPECT_EQ(j["classes"].size(), 10u);
  EXPECT_EQ(j["dataset_classes"], (nlohmann::json{"blues", "jazz"}));
  EXPECT_TRUE(j["test_accuracy"].is_null());
  EXPECT_EQ(j["clips"].size(), 4u);
  // The vgg4 fixture knows ten genres, the data two: named in one warning, and the study goes on.
  ASSERT_EQ(p.warnings.size(), 1u) << log.str();
  EXPECT_NE(p.warnings[0].find("blues, classical, country"), std::string::npos) << p.warnings[0];
  EXPECT_NE(p.warnings[0].find("(blues, jazz)"), std::string::npos) << p.warnings[0];
  EXPECT_NE(log.str().find("warning: the model's classes"), std::string::npos) << log.str();

  // Keys: stable for the same folders, changed when a file changes.
  std::ostringstream again;
  const PreparedStudy q = prepare_study(d, m, c, 7, dir.file("cache"), again, kContext);
  EXPECT_EQ(q.dataset_key, p.dataset_key);
  EXPECT_EQ(q.model_key, p.model_key);
  save_audio(dir.file("data/jazz/take0.wav"), testing::sine(440.0, 1.0, 22050));
  EXPECT_NE(prepare_study(d, m, c, 7, dir.file("cache"), again, kContext).dataset_key, p.dataset_key);

  // A splits folder given by the user.
  fs::create_directories(dir.path() / "splits");
  testing::write_bytes(dir.file("splits/train.txt"), "blues/take0\njazz/take0\n");
  testing::write_bytes(dir.file("splits/test.txt"), "jazz/take4\n");
  d.splits = dir.file("splits");
  c.split = "test";
  const PreparedStudy s = prepare_study(d, m, c, 7, dir.file("cache"), again, kContext);
  EXPECT_EQ(s.split_source, d.splits);
  ASSERT_EQ(s.clips.size(), 1u);
  EXPECT_EQ(s.dataset->info(s.clips[0]).id, "jazz/take4");
  testing::write_bytes(dir.file("splits/train.txt"), "blues/take77\n");
  EXPECT_THROW_WITH(prepare_study(d, m, c, 7, dir.file("cache"), again, kContext), ConfigError,
                    "bench: studies[0].dataset.splits", "blues/take77");
}

// Tiny training: one epoch of one-second windows.
nlohmann::json quick_training() { return {{"epochs", 1}, {"seconds", 1.0}, {"batch_size", 8}, {"crops_per_track", 1}}; }

std::string file_digest(const fs::path& file) {
  Fnv1a64 h;
  const std::string bytes = testing::read_bytes(file.string());
  h.add(bytes.data(), bytes.size());
  return h.text();
}

// Every file under `dir` (relative name → digest).
std::map<std::string, std::string> tree_digests(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& f : fs::recursive_directory_iterator(dir))
    if (f.is_regular_file()) out[f.path().lexically_relative(dir).generic_string()] = file_digest(f.path());
  return out;
}

TEST(Study, TrainsOnTheTrainSplitCachesTheModelAndRebuildsADamagedOne) {
  TempDir dir;
  write_class_folders(dir.path() / "data", 5, 1.5);
  DatasetSpec d;
  d.path = dir.file("data");
  ModelSpec m;
  m.train = quick_training();
  std::ostringstream log;
  const PreparedStudy p = prepare_study(d, m, {}, 3, dir.file("cache"), log, kContext);
  EXPECT_TRUE(p.model_trained);
  EXPECT_EQ(p.model_dir, (dir.path() / "cache" / ("model-" + p.model_key)).string());
  EXPECT_EQ(p.model->class_names(), p.dataset->classes());
  ASSERT_TRUE(p.test_accuracy);
  EXPECT_NE(log.str().find("training vgg_small on 6 clips"), std::string::npos) << log.str();
  EXPECT_EQ(p.describe()["test_accuracy"], *p.test_accuracy);
  const auto digests = tree_digests(p.model_dir);
  EXPECT_EQ(digests.count("model.json") + digests.count("test.json"), 2u);

  // Reused as it is.
  std::ostringstream again;
  const PreparedStudy q = prepare_study(d, m, {}, 3, dir.file("cache"), again, kContext);
  EXPECT_EQ(q.model_dir, p.model_dir);
  EXPECT_EQ(again.str().find("training"), std::string::npos) << again.str();
  EXPECT_NE(again.str().find(q.model_dir + ", cached)"), std::string::npos) << again.str();
  EXPECT_TRUE(q.model_cached);
  EXPECT_FALSE(p.model_cached);
  // Another seed is another model.
  ModelSpec reseeded = m;
  reseeded.train["seed"] = 5;
  EXPECT_NE(prepare_study(d, reseeded, {}, 3, dir.file("cache"), again, kContext).model_key, p.model_key);

  // Damaged entries are named and trained again, never fatal: a 0-byte model.json, truncated weights.
  for (const std::string damage : {"model.json", "weights.pt"}) {
    const fs::path file = fs::path(p.model_dir) / damage;
    const std::string bytes = testing::read_bytes(file.string());
    testing::write_bytes(file.string(), damage == "model.json" ? "" : bytes.substr(0, bytes.size() / 2));
    std::ostringstream repaired;
    const PreparedStudy r = prepare_study(d, m, {}, 3, dir.file("cache"), repaired, kContext);
    EXPECT_NE(repaired.str().find("note: the cached model in '" + p.model_dir + "' is damaged"), std::string::npos)
        << repaired.str();
    EXPECT_NE(repaired.str().find("training"), std::string::npos) << repaired.str();
    EXPECT_EQ(r.model_dir, p.model_dir);
    EXPECT_EQ(tree_digests(r.model_dir).at("weights.pt"), digests.at("weights.pt")) << "same seed, same weights";
  }
}

TEST(Study, ChanceLevelIsAccuracyWithinOneStandardErrorOfGuessing) {
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

// ---- the cache entry protocol, with builds that only write a file ----

// The names in a folder, sorted.
Ids names_in(const fs::path& dir) {
  Ids names;
  for (const auto& f : fs::directory_iterator(dir)) names.push_back(f.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(CacheEntry, ThreadsRacingBuildOnceAndTheLateOnesWait) {
  TempDir dir;
  const std::string entry = dir.file("cache/thing");
  std::atomic<int> builds{0};
  CacheEntryBuild how;
  how.check = [](const std::string& d) { return fs::exists(fs::path(d) / "done") ? "" : "no 'done'"; };
  how.build = [&](const std::string& d) {
    ++builds;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    testing::write_bytes((fs::path(d) / "done").string(), "x");
  };
  std::ostringstream logs[4];
  std::vector<std::thread> threads;
  std::atomic<int> built{0};
  for (auto& log : logs) threads.emplace_back([&, entry] { built += ensure_cache_entry(entry, how, log) ? 1 : 0; });
  for (auto& t : threads) t.join();
  EXPECT_EQ(builds, 1);
  EXPECT_EQ(built, 1);
  int waited = 0;
  for (auto& log : logs)
    waited += log.str().find("waiting for another process making the cache entry") != std::string::npos;
  EXPECT_GE(waited, 1);
  EXPECT_EQ(names_in(dir.path() / "cache"), (Ids{"thing", "thing.lock"})) << "no temporary is left";
}

TEST(CacheEntry, AHeldLockIsWaitedForAndItsOwnersWorkIsNotTouched) {
  TempDir dir;
  const std::string entry = dir.file("thing");
  // Another "process" holds the lock and has a temporary in progress.
  const int fd = ::open((entry + ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  fs::create_directories(entry + ".tmp-1-aaaa");
  CacheEntryBuild how;
  how.check = [](const std::string& d) { return fs::exists(fs::path(d) / "done") ? "" : "no 'done'"; };
  how.build = [&](const std::string&) { ADD_FAILURE() << "built while the owner finished it"; };
  std::ostringstream log;
  std::thread waiter([&] { EXPECT_FALSE(ensure_cache_entry(entry, how, log)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(fs::exists(entry + ".tmp-1-aaaa")) << "the owner's temporary was touched";
  // The owner finishes: renames its temporary into place, then unlocks.
  testing::write_bytes(entry + ".tmp-1-aaaa/done", "x");
  fs::rename(entry + ".tmp-1-aaaa", entry);
  ::close(fd);
  waiter.join();
  EXPECT_NE(log.str().find("waiting"), std::string::npos) << log.str();
}

TEST(CacheEntry, StaleTemporariesAreRemovedOrResumedAndFailuresCleanUp) {
  TempDir dir;
  const std::string entry = dir.file("thing");
  CacheEntryBuild how;
  how.what = "test set";
  how.check = [](const std::string& d) { return fs::exists(fs::path(d) / "done") ? "" : "no 'done'"; };
  std::vector<bool> found_old_work;
  how.build = [&](const std::string& d) {
    found_old_work.push_back(fs::exists(fs::path(d) / "half"));
    testing::write_bytes((fs::path(d) / "done").string(), "x");
  };
  // Left by a process that died (nobody holds the lock).
  auto leave_stale = [&] {
    fs::create_directories(entry + ".tmp-99999-deadbeef");
    testing::write_bytes(entry + ".tmp-99999-deadbeef/half", "x");
  };
  leave_stale();
  std::ostringstream log;
  EXPECT_TRUE(ensure_cache_entry(entry, how, log));
  EXPECT_NE(log.str().find("removing the unfinished test set"), std::string::npos) << log.str();
  EXPECT_FALSE(fs::exists(entry + ".tmp-99999-deadbeef"));

  fs::remove_all(entry);
  leave_stale();
  how.resume = true;
  EXPECT_TRUE(ensure_cache_entry(entry, how, log));
  EXPECT_EQ(found_old_work, (std::vector<bool>{false, true}));
  EXPECT_TRUE(fs::exists(fs::path(entry) / "half")) << "the adopted work is part of the entry";

  // A damaged entry: made again with a note.
  fs::remove(fs::path(entry) / "done");
  std::ostringstream damaged;
  EXPECT_TRUE(ensure_cache_entry(entry, how, damaged));
  EXPECT_NE(damaged.str().find("note: the cached test set in '" + entry + "' is damaged (no 'done')"),
            std::string::npos)
      << damaged.str();

  // A failed build leaves no temporary and no lock held (the next call builds).
  fs::remove_all(entry);
  how.resume = false;
  how.build = [](const std::string& d) {
    testing::write_bytes((fs::path(d) / "half").string(), "x");
    throw IoError("disk full");
  };
  EXPECT_THROW_WITH(ensure_cache_entry(entry, how, log), IoError, "disk full");
  for (const auto& name : names_in(dir.path())) EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
  how.build = [](const std::string& d) { testing::write_bytes((fs::path(d) / "done").string(), "x"); };
  EXPECT_TRUE(ensure_cache_entry(entry, how, log));
}

// ---- two processes preparing the same synthetic set and trained model ----

DatasetSpec tiny_synth() {
  DatasetSpec d;
  d.synth = {{"genres", 2}, {"per_genre", 5}, {"seconds", 2.0}, {"format", "wav"}};
  return d;
}

ModelSpec tiny_training() {
  ModelSpec m;
  m.train = quick_training();
  return m;
}

// Run only as a child of TwoProcessesPrepareTheSameEntriesOnce (hence DISABLED_): prepares the tiny
// study into $HEARSAY_STUDY_CACHE and writes what it got to $HEARSAY_STUDY_OUT.{json,log}.
TEST(StudyProcess, DISABLED_Child) {
  const char* cache = std::getenv("HEARSAY_STUDY_CACHE");
  const char* out = std::getenv("HEARSAY_STUDY_OUT");
  ASSERT_TRUE(cache && out) << "run by StudyProcesses.TwoProcessesPrepareTheSameEntriesOnce";
  std::ostringstream log;
  try {
    const PreparedStudy p = prepare_study(tiny_synth(), tiny_training(), {}, 2, cache, log, kContext);
    nlohmann::json files;
    for (const auto& [name, digest] : tree_digests(p.dataset_dir)) files["dataset/" + name] = digest;
    for (const auto& [name, digest] : tree_digests(p.model_dir)) files["model/" + name] = digest;
    write_json_file(std::string(out) + ".json", {{"describe", p.describe()}, {"files", files}});
  } catch (const std::exception& e) {
    log << "failed: " << e.what() << "\n";
    ADD_FAILURE() << e.what();
  }
  write_text_file(std::string(out) + ".log", log.str());
}

pid_t spawn_child(const std::string& cache, const std::string& out) {
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args{self, "--gtest_filter=StudyProcess.DISABLED_Child", "--gtest_also_run_disabled_tests"};
  std::vector<std::string> env{"HEARSAY_STUDY_CACHE=" + cache, "HEARSAY_STUDY_OUT=" + out};
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("HEARSAY_STUDY_", 0) != 0) env.emplace_back(*e);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  for (auto& e : env) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), envp.data()), 0);
  return pid;
}

TEST(StudyProcesses, TwoProcessesPrepareTheSameEntriesOnce) {
  TempDir dir;
  const std::string cache = dir.file("cache");
  const pid_t a = spawn_child(cache, dir.file("a"));
  const pid_t b = spawn_child(cache, dir.file("b"));
  for (pid_t pid : {a, b}) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << pid << " status " << status;
  }
  const std::string log_a = testing::read_bytes(dir.file("a.log")), log_b = testing::read_bytes(dir.file("b.log"));
  const nlohmann::json got_a = read_json_file(dir.file("a.json")), got_b = read_json_file(dir.file("b.json"));
  // Both see the same entries, byte for byte.
  EXPECT_EQ(got_a["describe"], got_b["describe"]);
  EXPECT_EQ(got_a["files"], got_b["files"]);
  EXPECT_GT(got_a["files"].size(), 10u);
  // Each entry was made by one of them.
  const auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(log_a + log_b, "tracks rendered"), 1u) << log_a << "----\n" << log_b;
  EXPECT_EQ(count(log_a + log_b, "training vgg_small"), 1u) << log_a << "----\n" << log_b;
  // Nothing but the two entries and their locks.
  const std::string set = "synth-" + got_a["describe"]["dataset_key"].get<std::string>();
  const std::string model = "model-" + got_a["describe"]["model_key"].get<std::string>();
  EXPECT_EQ(names_in(cache), (Ids{model, model + ".lock", set, set + ".lock"}));

  // A third preparation here reuses both, and the entries are unchanged.
  std::ostringstream log;
  const PreparedStudy p = prepare_study(tiny_synth(), tiny_training(), {}, 2, cache, log, kContext);
  EXPECT_EQ(p.describe(), got_a["describe"]);
  EXPECT_EQ(count(log.str(), "cached)"), 2u) << log.str();
  EXPECT_TRUE(p.model_cached);
  EXPECT_EQ(p.dataset->size(), 10u);
  EXPECT_EQ(p.clips.size(), 2u);  // count 3, but 20 % of 5 per class is 1 test clip each
}

TEST(Study, AnInterruptedOrDamagedSyntheticSetKeepsItsFinishedTracks) {
  TempDir dir;
  const std::string cache = dir.file("cache");
  ModelSpec m;
  m.path = (testing::data_dir() / "models" / "vgg4").string();
  std::ostringstream log;
  const std::string entry = prepare_study(tiny_synth(), m, {}, 2, cache, log, kContext).dataset_dir;
  const auto digests = tree_digests(entry);

  // A run killed while synthesising: its temporary holds some tracks, and nobody holds the lock.
  const std::string stale = entry + ".tmp-99999-0badf00d";
  fs::rename(entry, stale);
  fs::remove(fs::path(stale) / "manifest.json");
  fs::remove(fs::path(stale) / "meta" / "blues" / "blues.00001.json");
  std::ostringstream resumed;
  EXPECT_EQ(prepare_study(tiny_synth(), m, {}, 2, cache, resumed, kContext).dataset_dir, entry);
  EXPECT_NE(resumed.str().find("resuming the unfinished synthetic set in '" + stale + "'"), std::string::npos)
      << resumed.str();
  EXPECT_NE(resumed.str().find("1 tracks rendered, 9 kept"), std::string::npos) << resumed.str();
  EXPECT_EQ(tree_digests(entry), digests);
  EXPECT_FALSE(fs::exists(stale));

  // A complete entry that lost a file: named, and only that track made again.
  fs::remove(fs::path(entry) / "stems" / "classical" / "classical.00002" / "bass.wav");
  std::ostringstream repaired;
  EXPECT_EQ(prepare_study(tiny_synth(), m, {}, 2, cache, repaired, kContext).dataset->size(), 10u);
  EXPECT_NE(repaired.str().find("note: the cached synthetic set in '" + entry + "' is damaged"), std::string::npos)
      << repaired.str();
  EXPECT_NE(repaired.str().find("1 tracks rendered, 9 kept"), std::string::npos) << repaired.str();
  EXPECT_EQ(tree_digests(entry), digests);
}

}  // namespace
}  // namespace hearsay::bench
