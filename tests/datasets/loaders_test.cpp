#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/audio_io.h"
#include "core/error.h"
#include "datasets/file_dataset.h"
#include "datasets/loaders.h"
#include "datasets/manifest.h"
#include "datasets/windows.h"
#include "tests/datasets/dataset_test_support.h"
#include "tests/support/test_support.h"

namespace hearsay::datasets {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::Warnings;
using testing::write_wav;

// A 16-bit big-endian Sun .au file, the format GTZAN ships.
void write_au(const fs::path& path, const Audio& audio) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  std::string bytes = ".snd" + be32(24) + be32(static_cast<uint32_t>(audio.frames() * 2)) + be32(3) +
                      be32(static_cast<uint32_t>(audio.sample_rate())) + be32(1);
  for (float x : audio.samples()) {
    const auto s = static_cast<uint16_t>(static_cast<int16_t>(std::lround(x * 32767.0f)));
    bytes += std::string{static_cast<char>(s >> 8), static_cast<char>(s & 0xff)};
  }
  fs::create_directories(path.parent_path());
  testing::write_bytes(path.string(), bytes);
}

void write_corrupt(const fs::path& path) {
  fs::create_directories(path.parent_path());
  testing::write_bytes(path.string(), "this is not audio at all: no header, just text");
}

Audio tone(double hz, double seconds = 0.5) { return testing::sine(hz, seconds, 8000, 0.3f); }

std::vector<std::string> ids(const Dataset& d) {
  std::vector<std::string> out;
  for (size_t i = 0; i < d.size(); ++i) out.push_back(d.info(i).id);
  return out;
}

void expect_problems(const Dataset& d, const std::vector<std::pair<DatasetProblem::Kind, std::string>>& expected) {
  const auto problems = d.problems();
  ASSERT_EQ(problems.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(problems[k].kind, expected[k].first) << problems[k].path;
    EXPECT_EQ(fs::path(problems[k].path).filename().string(), expected[k].second);
  }
}

// GTZAN: .au and .wav files, one corrupt file (GTZAN itself has one: jazz.00054), one empty genre. A
// damaged .au file is the tricky case: libsndfile would read it as header-less u-law noise.
void make_gtzan(const fs::path& root) {
  write_au(root / "genres/blues/blues.00000.au", tone(200));
  write_wav(root / "genres/blues/blues.00001.wav", tone(210, 0.75));
  testing::write_bytes((root / "genres/blues/README.txt").string(), "not audio, ignored");
  write_au(root / "genres/jazz/jazz.00000.au", tone(300));
  write_corrupt(root / "genres/jazz/jazz.00054.au");
  fs::create_directories(root / "genres/rock");
}

TEST(Loaders, GtzanReadsAuAndWavAndReportsExactlyWhatItSkipped) {
  TempDir dir;
  make_gtzan(dir.path());
  Warnings warnings;
  const auto d = open_dataset(dir.path().string(), warnings.options());
  EXPECT_EQ(dynamic_cast<const FileDataset&>(*d).layout(), "gtzan");
  EXPECT_EQ(d->classes(), (std::vector<std::string>{"blues", "jazz", "rock"}));
  EXPECT_EQ(ids(*d), (std::vector<std::string>{"blues.00000", "blues.00001", "jazz.00000"}));
  EXPECT_EQ(d->info(2).label, 1);
  expect_problems(*d,
                  {{DatasetProblem::Kind::skipped_file, "jazz.00054.au"}, {DatasetProblem::Kind::empty_class, "rock"}});
  EXPECT_NE(d->problems()[0].reason.find("no audio header"), std::string::npos);
  ASSERT_EQ(warnings.lines.size(), 3u);  // the corrupt file, the empty class, the count
  EXPECT_NE(warnings.lines[0].find("jazz.00054.au"), std::string::npos);
  EXPECT_NE(warnings.lines[2].find("1 file(s) skipped, 3 example(s) kept"), std::string::npos);

  EXPECT_NEAR(d->duration(1), 0.75, 1e-9);
  const Example e = d->get(0);
  EXPECT_EQ(e.label_name, "blues");
  EXPECT_EQ(e.audio.frames(), 4000);
  EXPECT_NEAR(e.audio.samples()[5], tone(200).samples()[5], 1e-4f);

  EXPECT_THROW_WITH(open_dataset(dir.path().string(), warnings.options(true)), IoError, "jazz.00054.au", "strict");
  try {  // said once, not wrapped in itself
    open_dataset(dir.path().string(), warnings.options(true));
  } catch (const IoError& error) {
    const std::string what = error.what();
    EXPECT_EQ(what.find("strict mode"), what.rfind("strict mode")) << what;
    EXPECT_EQ(what.find("dataset '"), what.rfind("dataset '")) << what;
  }
}

TEST(Loaders, FolderPerClassRecursesAndSkipsStrayAndCorruptFiles) {
  TempDir dir;
  const fs::path root = dir.path();
  write_wav(root / "dog/a.wav", tone(400));
  write_au(root / "dog/sub/b.au", tone(410));
  write_wav(root / "cat/c.wav", tone(500));
  testing::write_bytes((root / "cat/empty.wav").string(), "");
  fs::create_directories(root / "bird");
  write_wav(root / "stray.wav", tone(600));
  Warnings warnings;
  const auto d = open_dataset(root.string(), warnings.options());
  EXPECT_EQ(dynamic_cast<const FileDataset&>(*d).layout(), "folders");
  EXPECT_EQ(d->classes(), (std::vector<std::string>{"bird", "cat", "dog"}));
  EXPECT_EQ(ids(*d), (std::vector<std::string>{"cat/c", "dog/a", "dog/sub/b"}));
  expect_problems(*d, {{DatasetProblem::Kind::skipped_file, "stray.wav"},
                       {DatasetProblem::Kind::empty_class, "bird"},
                       {DatasetProblem::Kind::skipped_file, "empty.wav"}});
  EXPECT_NE(d->problems()[2].reason.find("empty (0 bytes)"), std::string::npos);
  EXPECT_EQ(d->get(2).audio.frames(), 4000);  // the .au file below a sub-folder
  EXPECT_THROW_WITH(open_class_folders(dir.file("nope")), IoError, "nope", "no such folder");
}

// A manifest set: mixes with stems and ground truth, one example with a corrupt stem and one whose
// stem is shorter than its mix.
void make_manifest_files(const fs::path& root) {
  Audio drums = tone(100), lead = tone(800);
  Audio mix = drums;
  mix += lead;
  write_wav(root / "mix/a.wav", mix);
  write_wav(root / "stems/a/drums.wav", drums);
  write_wav(root / "stems/a/lead.wav", lead);
  write_wav(root / "mix/b.wav", mix);
  write_corrupt(root / "stems/b/drums.wav");
  write_wav(root / "mix/c.wav", mix);
  write_wav(root / "stems/c/drums.wav", tone(100, 0.25));
  write_au(root / "mix/d.au", tone(900));
}

TEST(Loaders, ClassFoldersAndFilesNotInUtf8AreRefusedWhenOpenedNamingThem) {
  // Latin-1 "café": model.json and the results cannot store it, so it fails before any training.
  TempDir dir;
  write_wav(dir.path() / "caf\xE9" / "a.wav", tone(400));
  write_wav(dir.path() / "dog" / "b.wav", tone(500));
  Warnings warnings;
  EXPECT_THROW_WITH(open_dataset(dir.path().string(), warnings.options()), IoError, dir.path().string(),
                    "class name 'caf\\xE9'", "not valid UTF-8", "rename");

  TempDir files;
  write_wav(files.path() / "cat" / "ok.wav", tone(400));
  write_wav(files.path() / "dog" / "b\xFF.wav", tone(500));
  EXPECT_THROW_WITH(open_dataset(files.path().string(), warnings.options()), IoError, "example id 'dog/b\\xFF'",
                    "not valid UTF-8");

  TempDir good;  // multi-byte UTF-8 is fine
  write_wav(good.path() / "caf\xC3\xA9" / "a.wav", tone(400));
  write_wav(good.path() / "\xE6\x97\xA5" / "b.wav", tone(500));
  EXPECT_EQ(open_dataset(good.path().string(), warnings.options())->classes().size(), 2u);
}

TEST(Loaders, JsonManifestGivesStemsAndGroundTruthAndSkipsBadStems) {
  TempDir dir;
  make_manifest_files(dir.path());
  std::ofstream(dir.file("manifest.json")) << R"({
    "classes": ["bell", "horn", "gong"],
    "examples": [
      {"id": "a", "path": "mix/a.wav", "label": "bell", "stems": {"drums": "stems/a/drums.wav", "lead": "stems/a/lead.wav"},
       "ground_truth": [{"kind": "planted", "stem": "lead", "start_seconds": 0.1, "end_seconds": 0.4,
                         "low_hz": 700, "high_hz": 900, "description": "a bell"}]},
      {"id": "b", "path": "mix/b.wav", "label": "bell", "stems": {"drums": "stems/b/drums.wav"}},
      {"id": "c", "path": "mix/c.wav", "label": "horn", "stems": {"drums": "stems/c/drums.wav"}},
      {"path": "mix/d.au", "label": "horn"}
    ],
    "generator": {"anything": "goes here"}
  })";
  Warnings warnings;
  const auto d = open_dataset(dir.path().string(), warnings.options());
  EXPECT_EQ(dynamic_cast<const FileDataset&>(*d).layout(), "manifest.json");
  EXPECT_EQ(d->classes(), (std::vector<std::string>{"bell", "horn", "gong"}));
  EXPECT_EQ(ids(*d), (std::vector<std::string>{"a", "mix/d"}));
  expect_problems(*d, {{DatasetProblem::Kind::skipped_file, "drums.wav"},
                       {DatasetProblem::Kind::skipped_file, "c.wav"},
                       {DatasetProblem::Kind::empty_class, "manifest.json"}});
  EXPECT_NE(d->problems()[1].reason.find("stem 'drums'"), std::string::npos);
  EXPECT_NE(d->problems()[2].reason.find("'gong'"), std::string::npos);

  const Example a = d->get(0);
  ASSERT_EQ(a.stems.size(), 2u);
  Audio sum = a.stems.at("drums");
  sum += a.stems.at("lead");
  for (int64_t i = 0; i < sum.frames(); ++i) ASSERT_NEAR(sum.samples()[i], a.audio.samples()[i], 2.0f / 32768);
  ASSERT_EQ(a.ground_truth.size(), 1u);
  EXPECT_EQ(a.ground_truth[0].stem, "lead");
  EXPECT_DOUBLE_EQ(a.ground_truth[0].high_hz, 900);
  EXPECT_EQ(d->get(1).label_name, "horn");
}

TEST(Loaders, JsonManifestMistakesNameTheFileTheExampleAndTheField) {
  TempDir dir;
  make_manifest_files(dir.path());
  auto open_with = [&](const std::string& text) {
    std::ofstream(dir.file("m.json")) << text;
    return open_manifest(dir.file("m.json"));
  };
  EXPECT_THROW_WITH(open_with(R"({"examples": [{"pth": "mix/a.wav"}]})"), IoError, "m.json", "example 0",
                    "unknown key 'pth'", "valid keys: path, label");
  EXPECT_THROW_WITH(open_with(R"({"classes": ["x"], "examples": [{"path": "mix/a.wav", "label": "y"}]})"), IoError,
                    "example 0", "label 'y'", "(x)");
  EXPECT_THROW_WITH(open_with(R"({"examples": [{"path": "mix/a.wav", "ground_truth": [{"kind": "planted",
                    "start_seconds": 2, "end_seconds": 1}]}]})"),
                    IoError, "ground_truth 0", "start_seconds <= end_seconds");
  EXPECT_THROW_WITH(open_with(R"({"examples": [{"label": "x"}]})"), IoError, "example 0", "'path' is missing");
  EXPECT_THROW_WITH(open_with(R"({"examples": [)"), IoError, "m.json", "not valid JSON");
  EXPECT_THROW_WITH(open_with(R"({"examples": [], "extra": 1})"), IoError, "unknown key 'extra'");
}

TEST(Loaders, CsvManifestWithQuotedFieldsStemColumnsAndOneCuePerRow) {
  TempDir dir;
  make_manifest_files(dir.path());
  std::ofstream(dir.file("manifest.csv"))
      << "path,label,stem:drums,stem:lead,gt_kind,gt_stem,gt_start_seconds,gt_end_seconds,gt_low_hz,gt_high_hz,"
         "gt_description\r\n"
      << "mix/a.wav,bell,stems/a/drums.wav,stems/a/lead.wav,planted,lead,0.1,0.4,700,900,\"a bell, \"\"loud\"\"\"\r\n"
      << "mix/b.wav,bell,stems/b/drums.wav,,,,,,,,\r\n"
      << "mix/d.au,,,,,,,,,,\r\n";
  Warnings warnings;
  const auto d = open_dataset(dir.path().string(), warnings.options());
  EXPECT_EQ(dynamic_cast<const FileDataset&>(*d).layout(), "manifest.csv");
  EXPECT_EQ(d->classes(), (std::vector<std::string>{"bell"}));
  EXPECT_EQ(ids(*d), (std::vector<std::string>{"mix/a", "mix/d"}));
  EXPECT_EQ(d->info(1).label, -1);
  expect_problems(*d, {{DatasetProblem::Kind::skipped_file, "drums.wav"}});
  const Example a = d->get(0);
  EXPECT_EQ(a.stems.size(), 2u);
  ASSERT_EQ(a.ground_truth.size(), 1u);
  EXPECT_EQ(a.ground_truth[0].description, "a bell, \"loud\"");

  std::ofstream(dir.file("bad.csv")) << "path,labl\nmix/a.wav,bell\n";
  EXPECT_THROW_WITH(open_manifest(dir.file("bad.csv")), IoError, "bad.csv", "unknown column 'labl'", "stem:<name>");
  std::ofstream(dir.file("bad2.csv")) << "path,gt_kind,gt_start_seconds,gt_end_seconds\nmix/a.wav,planted,x,1\n";
  EXPECT_THROW_WITH(open_manifest(dir.file("bad2.csv")), IoError, "row 1", "gt_start_seconds", "'x'");
}

TEST(Loaders, ManifestRoundTripsThroughWriteManifest) {
  TempDir dir;
  make_manifest_files(dir.path());
  FileEntry e;
  e.info = {"a", 1, dir.file("mix/a.wav")};
  e.stems = {{"drums", dir.file("stems/a/drums.wav")}, {"lead", dir.file("stems/a/lead.wav")}};
  e.ground_truth.push_back({"shortcut", "drums", 0.0, 0.5, 5900, 6100, "tone"});
  write_manifest(dir.file("manifest.json"), {"x", "y"}, {e}, {{"seed", 3}});
  EXPECT_FALSE(fs::exists(dir.file("manifest.json.partial")));
  const auto d = open_manifest(dir.file("manifest.json"));
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ(d->entry(0).info.path, e.info.path);
  EXPECT_EQ(d->entry(0).stems, e.stems);
  EXPECT_EQ(d->entry(0).ground_truth[0].kind, "shortcut");
  EXPECT_EQ(d->classes()[1], "y");
}

TEST(Loaders, AudioIsReadOnDemandNotWhenOpened) {
  TempDir dir;
  make_gtzan(dir.path());
  Warnings warnings;
  const auto d = open_dataset(dir.path().string(), warnings.options());
  const Audio piece = d->excerpt(1, 0.25, 0.25);
  EXPECT_EQ(piece.frames(), 2000);
  EXPECT_EQ(piece.samples()[0], d->get(1).audio.samples()[2000]);
  EXPECT_EQ(d->excerpt(1, 0.0, -1.0).samples(), d->get(1).audio.samples());
  fs::remove(d->info(1).path);
  EXPECT_THROW_WITH(d->get(1), IoError, "blues.00001.wav");
  EXPECT_THROW_WITH(open_dataset(dir.file("missing")), IoError, "missing", "no such file");
}

TEST(Windows, FitWholeWindowsAndPadShortClips) {
  TempDir dir;
  write_wav(dir.path() / "a/long.wav", testing::sine(300, 6.0, 8000));
  write_wav(dir.path() / "a/short.wav", testing::sine(300, 2.0, 8000));
  const auto d = open_class_folders(dir.path().string());
  const auto windows = make_windows(*d, {0, 1}, 3.0, 1.5);
  ASSERT_EQ(windows.size(), 4u);  // long: 0, 1.5, 3; short: 0
  EXPECT_EQ(windows[0].example, 0u);
  EXPECT_DOUBLE_EQ(windows[2].start_seconds, 3.0);
  EXPECT_EQ(windows[3].example, 1u);
  EXPECT_EQ(windows[3].label, 0);
  const Audio w = load_window(*d, windows[1]);
  ASSERT_EQ(w.frames(), 24000);
  EXPECT_EQ(w.samples()[0], d->get(0).audio.samples()[12000]);
  const Audio padded = load_window(*d, windows[3]);
  ASSERT_EQ(padded.frames(), 24000);
  EXPECT_EQ(padded.samples()[23999], 0.0f);
  EXPECT_THROW_WITH(make_windows(*d, {0}, 3.0, 0.0), ConfigError, "hop");
  EXPECT_THROW_WITH(make_windows(*d, {5}, 3.0, 1.0), ShapeError, "example 5");
}

}  // namespace
}  // namespace hearsay::datasets
