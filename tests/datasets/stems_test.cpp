// The sibling stems/ folder of a GTZAN-layout or folder-per-class set, found without a manifest.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/audio_io.h"
#include "core/error.h"
#include "datasets/loaders.h"
#include "tests/datasets/dataset_test_support.h"
#include "tests/support/test_support.h"

namespace hearsay::datasets {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::Warnings;
using testing::write_wav;

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  testing::write_bytes(path.string(), text);
}

Audio tone(double hz, double seconds = 0.5) { return testing::sine(hz, seconds, 8000, 0.3f); }

// Two stems and their exact sum, written as the mix `mix` and stems in `stems_dir`.
void write_track(const fs::path& mix, const fs::path& stems_dir, double low_hz, double high_hz) {
  const Audio low = tone(low_hz), high = tone(high_hz);
  std::vector<float> sum(low.samples());
  for (size_t i = 0; i < sum.size(); ++i) sum[i] += high.samples()[i];
  write_wav(mix, Audio::mono(std::move(sum), 8000));
  write_wav(stems_dir / "bass.wav", low);
  write_wav(stems_dir / "lead.wav", high);
}

size_t index_of(const Dataset& d, const std::string& id) {
  for (size_t i = 0; i < d.size(); ++i)
    if (d.info(i).id == id) return i;
  ADD_FAILURE() << "no example '" << id << "'";
  return 0;
}

TEST(DatasetStems, GtzanLayoutFindsStemsByClassAndIdAndIgnoresFilesThatAreNotAudio) {
  TempDir dir;
  const fs::path root = dir.path();
  write_track(root / "genres/blues/blues.00000.wav", root / "stems/blues/blues.00000", 100, 800);  // stems/<class>/<id>
  write_track(root / "genres/jazz/jazz.00000.wav", root / "stems/jazz.00000", 200, 900);           // stems/<id>
  write_wav(root / "genres/jazz/jazz.00001.wav", tone(300));                                       // no stems
  for (const char* junk : {"song.ini", "cover.png", "notes.mid"})
    write_text(root / "stems/blues/blues.00000" / junk, "not audio");
  Warnings warnings;
  const auto d = open_dataset(root.string(), warnings.options());
  EXPECT_EQ(d->classes(), (std::vector<std::string>{"blues", "jazz"})) << "stems/ must not become a class";
  ASSERT_EQ(d->size(), 3u);
  EXPECT_TRUE(warnings.lines.empty()) << warnings.lines.front();

  const Example blues = d->get(index_of(*d, "blues.00000"));
  ASSERT_EQ(blues.stems.size(), 2u);
  EXPECT_NEAR(blues.stems.at("bass").samples()[7], tone(100).samples()[7], 1e-4f);
  for (size_t i = 0; i < blues.audio.samples().size(); i += 97)
    EXPECT_NEAR(blues.stems.at("bass").samples()[i] + blues.stems.at("lead").samples()[i], blues.audio.samples()[i],
                2e-4f);
  EXPECT_EQ(d->get(index_of(*d, "jazz.00000")).stems.size(), 2u);
  EXPECT_TRUE(d->get(index_of(*d, "jazz.00001")).stems.empty());
}

TEST(DatasetStems, FolderPerClassFindsStemsUnderTheIdAndTheGenresFolderItselfWorksToo) {
  TempDir dir;
  const fs::path root = dir.path();
  write_track(root / "dog/bark.wav", root / "stems/dog/bark", 150, 700);  // id "dog/bark"
  write_wav(root / "cat/meow.wav", tone(500));
  Warnings warnings;
  const auto d = open_dataset(root.string(), warnings.options());
  EXPECT_EQ(d->classes(), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(d->get(index_of(*d, "dog/bark")).stems.size(), 2u);
  EXPECT_TRUE(d->get(index_of(*d, "cat/meow")).stems.empty());

  // GTZAN opened at its genres folder: stems/ beside the genre folders.
  TempDir genres;
  write_track(genres.path() / "rock/rock.00003.wav", genres.path() / "stems/rock/rock.00003", 120, 600);
  const auto g = open_dataset(genres.path().string(), warnings.options());
  EXPECT_EQ(g->classes(), (std::vector<std::string>{"rock"}));
  EXPECT_EQ(g->get(0).stems.size(), 2u);
}

TEST(DatasetStems, AStemsFolderWithAudioOfItsOwnIsAClass) {
  TempDir dir;
  write_wav(dir.path() / "stems/a.wav", tone(400));
  write_wav(dir.path() / "other/b.wav", tone(500));
  Warnings warnings;
  EXPECT_EQ(open_dataset(dir.path().string(), warnings.options())->classes(),
            (std::vector<std::string>{"other", "stems"}));
}

TEST(DatasetStems, StemsThatCannotServeAreLeftOutWithAWarningAndTheMixIsKept) {
  TempDir dir;
  const fs::path root = dir.path();
  // Two files for one stem.
  write_track(root / "a/one.wav", root / "stems/a/one", 100, 800);
  write_wav(root / "stems/a/one/bass.flac", tone(100));
  // A stem of another length.
  write_track(root / "a/two.wav", root / "stems/a/two", 100, 800);
  write_wav(root / "stems/a/two/lead.wav", tone(800, 0.25));
  // A stem named like the mix.
  write_track(root / "a/three.wav", root / "stems/a/three", 100, 800);
  write_wav(root / "stems/a/three/three.wav", tone(100));
  Warnings warnings;
  const auto d = open_dataset(root.string(), warnings.options());
  ASSERT_EQ(d->size(), 3u);
  for (size_t i = 0; i < d->size(); ++i) EXPECT_TRUE(d->get(i).stems.empty()) << d->info(i).id;
  std::string all;
  for (const auto& line : warnings.lines) all += line + "\n";
  EXPECT_NE(all.find("two files for the stem 'bass'"), std::string::npos) << all;
  EXPECT_NE(all.find("does not match the mix"), std::string::npos) << all;
  EXPECT_NE(all.find("named like the mix"), std::string::npos) << all;
  EXPECT_NE(all.find("keeps its mix without stems"), std::string::npos) << all;

  Warnings strict;
  EXPECT_THROW_WITH(open_dataset(root.string(), strict.options(true)), IoError, "two files for the stem 'bass'");
}

}  // namespace
}  // namespace hearsay::datasets
