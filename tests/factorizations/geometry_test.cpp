// Factorization geometry: where each cell of the input sits in time and frequency, and planted
// regions matched to components by overlap, with answers known from how each factorization cuts.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "factorizations/geometry.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"

namespace hearsay::factorizations {
namespace {

constexpr int kRate = 22050;
constexpr double kSeconds = 3.0;

const FrontEnd& front_end() {
  static const FrontEnd fe{FrontEndOptions{}};
  return fe;
}

FactorizationInput clip_input() {
  auto clip = testing::stem_clip(kSeconds, kRate, 4);
  return {clip.mix, clip.stems};
}

std::unique_ptr<Factorization> make(const std::string& name, const nlohmann::json& options) {
  return factorizer_registry().create(name, options)->factorize(clip_input(), front_end());
}

// One frame in seconds: the finest a region can be placed.
constexpr double kFrame = 512.0 / kRate;

double sum(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s;
}

int64_t index_of(const Factorization& f, const std::string& name) {
  const auto& names = f.names();
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  return it - names.begin();
}

TEST(InputGrid, FramesPartitionTheClipAndMelEdgesTheBand) {
  const auto samples = static_cast<int64_t>(kSeconds * kRate);
  const InputGrid g = InputGrid::of(front_end(), samples);
  ASSERT_EQ(g.frames, front_end().num_frames(samples));
  ASSERT_EQ(g.n_mels(), front_end().n_mels());
  EXPECT_EQ(g.frame_seconds(0).first, 0.0);
  EXPECT_EQ(g.frame_seconds(g.frames - 1).second, kSeconds);
  for (int64_t t = 1; t < g.frames; ++t) {
    EXPECT_EQ(g.frame_seconds(t).first, g.frame_seconds(t - 1).second) << t;
    // Frame t's centre (t hops, centred frames) lies inside the span it stands for.
    EXPECT_LE(g.frame_seconds(t).first, t * kFrame);
    EXPECT_GT(g.frame_seconds(t).second, t * kFrame);
  }
  EXPECT_EQ(g.mel_edges_hz.front(), 0.0);
  EXPECT_EQ(g.mel_edges_hz.back(), kRate / 2.0);
  const auto& centres = front_end().filterbank().centers_hz();
  for (int64_t m = 0; m < g.n_mels(); ++m) {
    EXPECT_LT(g.mel_edges_hz[static_cast<size_t>(m)], centres[static_cast<size_t>(m)]) << m;
    EXPECT_GT(g.mel_edges_hz[static_cast<size_t>(m + 1)], centres[static_cast<size_t>(m)]) << m;
  }
}

TEST(InputGrid, WeightsAreFractionsOfCellsAndPointsFallInOneCell) {
  const InputGrid g = InputGrid::of(front_end(), static_cast<int64_t>(kSeconds * kRate));
  const auto all = frame_weights(g, 0.0, kSeconds);
  EXPECT_EQ(sum(all), static_cast<double>(g.frames));
  // Half of frame 10 up to the end of frame 19: 9.5 frames.
  const auto part = frame_weights(g, 10 * kFrame, 19.5 * kFrame);
  EXPECT_NEAR(sum(part), 9.5, 1e-9);
  EXPECT_NEAR(part[10], 0.5, 1e-9);
  EXPECT_EQ(part[9], 0.0);
  EXPECT_EQ(part[20], 0.0);
  const auto point = frame_weights(g, 10 * kFrame, 10 * kFrame);
  EXPECT_EQ(sum(point), 1.0);
  EXPECT_EQ(point[10], 1.0);
  EXPECT_EQ(sum(frame_weights(g, kSeconds + 1.0, kSeconds + 2.0)), 0.0);
  const auto& centres = front_end().filterbank().centers_hz();
  const auto bin = band_weights(g, centres[40], centres[40]);
  EXPECT_EQ(bin[40], 1.0);
  EXPECT_EQ(sum(bin), 1.0);
  EXPECT_EQ(sum(band_weights(g, 0.0, std::numeric_limits<double>::infinity())), static_cast<double>(g.n_mels()));
  EXPECT_THROW_WITH(frame_weights(g, 2.0, 1.0), ConfigError, "start_seconds <= end_seconds", "2 .. 1");
  EXPECT_THROW_WITH(band_weights(g, 500.0, 100.0), ConfigError, "low_hz <= high_hz");
}

// Segments cut at 1 s and 2 s: a cue from 0.7 to 1.6 s lives one third in the first segment and two
// thirds in the second, to within a frame (the cut falls inside frame 43).
TEST(Geometry, ACueAcrossASegmentBoundaryLivesInBothInProportion) {
  const auto f = make("segments", {{"boundaries", {1.0, 2.0}}});
  EXPECT_TRUE(f->additive());
  const Region cue{"", 0.7, 1.6};
  const auto o = f->overlaps(cue);
  ASSERT_EQ(o.size(), 3u);
  const double tolerance = kFrame / 0.9;
  EXPECT_NEAR(o[0], 1.0 / 3.0, tolerance);
  EXPECT_NEAR(o[1], 2.0 / 3.0, tolerance);
  EXPECT_EQ(o[2], 0.0);
  EXPECT_NEAR(o[0] + o[1], 1.0, 1e-12);
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(f->overlap(i, cue), o[static_cast<size_t>(i)]);
  const ComponentGeometry g = f->geometry(1);
  EXPECT_EQ(g.source, "mix");
  EXPECT_EQ(g.mel_low, 0);
  EXPECT_EQ(g.mel_high, f->n_mels());
  EXPECT_FALSE(g.cells);
  // Frames belong to the segment holding their centre: frame 43 (centre 22016) to the first, 44 to the second.
  EXPECT_EQ(g.frames.first, 44);
  EXPECT_EQ(g.frames.last, 87);
  // Segments hold every band: the cue's band does not change the answer.
  const auto banded = f->overlaps({"", 0.7, 1.6, 500.0, 2000.0});
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(banded[i], o[i], 1e-12);
}

// tf_grid 3 x 4: the top band is mel bins 72..95, which start near 4.5 kHz, so a cue at 6-10 kHz
// overlaps only the top-band cells, split over the time divisions it spans.
TEST(Geometry, ACueInTheTopBandOverlapsOnlyTopBandCells) {
  const auto f = make("tf_grid", {{"time_segments", 3}, {"frequency_bands", 4}});
  EXPECT_FALSE(f->additive());
  const auto& grid = f->grid();
  ASSERT_GT(6000.0, grid.mel_edges_hz[72]);
  const Region cue{"bursts", 0.0, kSeconds / 3.0, 6000.0, 10000.0};
  const auto o = f->overlaps(cue);
  for (int64_t i = 0; i < f->size(); ++i) {
    const std::string& name = f->names()[static_cast<size_t>(i)];
    const ComponentGeometry g = f->geometry(i);
    EXPECT_EQ(g.source, "mix");  // a patch of the mix holds a cue of any stem
    EXPECT_FALSE(g.cells) << name;
    if (name.substr(4) != "f03") {
      EXPECT_EQ(o[static_cast<size_t>(i)], 0.0) << name;
    }
  }
  const ComponentGeometry top = f->geometry(index_of(*f, "t00.f03"));
  EXPECT_EQ(top.mel_low, 72);
  EXPECT_EQ(top.mel_high, 96);
  // The first third of the clip is the first time division, to within a frame.
  EXPECT_NEAR(o[static_cast<size_t>(index_of(*f, "t00.f03"))], 1.0, kFrame / (kSeconds / 3.0));
  EXPECT_NEAR(sum(o), 1.0, 1e-12);
  // A cue over mel bins 47..49 straddles the edge between the 2nd band (bins 24..47) and the 3rd
  // (48..71): one of its three bins lies in the 2nd.
  const auto split = f->overlaps({"", 0.0, kSeconds, grid.mel_edges_hz[47], grid.mel_edges_hz[50]});
  std::map<std::string, double> by_band;
  for (int64_t i = 0; i < f->size(); ++i)
    by_band[f->names()[static_cast<size_t>(i)].substr(4)] += split[static_cast<size_t>(i)];
  EXPECT_EQ(by_band["f00"], 0.0);
  EXPECT_NEAR(by_band["f01"], 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(by_band["f02"], 2.0 / 3.0, 1e-9);
  EXPECT_EQ(by_band["f03"], 0.0);
}

// Stems x segments: a cue in stem "tones" lies in tones.* only, in proportion over its segments;
// a cue with no stem lies in every stem in full.
TEST(Geometry, ACueInOneStemNeverOverlapsAnotherStem) {
  const auto f = make("stems", {{"segments", 3}});
  ASSERT_TRUE(f->overlapping());
  const Region cue{"tones", 0.5, 1.5};
  const auto o = f->overlaps(cue);
  for (int64_t i = 0; i < f->size(); ++i) {
    const std::string& name = f->names()[static_cast<size_t>(i)];
    const ComponentGeometry g = f->geometry(i);
    EXPECT_EQ(name.rfind(g.source + ".", 0), 0u) << name << " has source " << g.source;
    if (g.source != "tones") {
      EXPECT_EQ(o[static_cast<size_t>(i)], 0.0) << name;
    }
  }
  EXPECT_NEAR(o[static_cast<size_t>(index_of(*f, "tones.t00"))], 0.5, kFrame);
  EXPECT_NEAR(o[static_cast<size_t>(index_of(*f, "tones.t01"))], 0.5, kFrame);
  EXPECT_NEAR(sum(o), 1.0, 1e-12);
  EXPECT_EQ(f->overlap(index_of(*f, "bursts.t00"), {"lead", 0.0, kSeconds}), 0.0);  // no such stem: no component
  const auto anywhere = f->overlaps({"", 0.5, 1.5});
  EXPECT_NEAR(sum(anywhere), 3.0, 1e-12);  // tones, bursts and sweep each hold all of it
}

// Separated sources are sources like given stems: a cue in the percussive part is held by
// percussive.* only.
TEST(Geometry, HpssSourcesAreTheComponentsSources) {
  const auto f = make("stems", {{"segments", 2}, {"source", "hpss"}, {"residual", "keep"}});
  EXPECT_EQ(f->geometry(0).source, "harmonic");
  EXPECT_EQ(f->geometry(f->size() - 1).source, "percussive");
  const auto o = f->overlaps({"percussive", 0.0, 1.0});
  EXPECT_EQ(o[0] + o[1], 0.0);
  EXPECT_NEAR(o[2], 1.0, 1e-12);  // the first of 2 segments: 0-1.5 s
}

TEST(Geometry, ASingleCellOfASuperpixelBelongsToItsRegionOnly) {
  const auto f = make("superpixels", {{"count", 12}});
  const auto& grid = f->grid();
  const auto& centres = front_end().filterbank().centers_hz();
  int irregular = 0;
  for (int64_t i = 0; i < f->size(); ++i) irregular += f->geometry(i).cells ? 1 : 0;
  EXPECT_GT(irregular, 0);
  // The cell (mel 30, frame 60), as a point: the one region whose labels hold it.
  const auto o = f->overlaps({"", 60 * kFrame, 60 * kFrame, centres[30], centres[30]});
  int64_t owner = -1;
  for (int64_t i = 0; i < f->size(); ++i) {
    const ComponentGeometry g = f->geometry(i);
    const bool inside = 60 >= g.frames.first && 60 < g.frames.last && 30 >= g.mel_low && 30 < g.mel_high &&
                        (!g.cells || (*g.cells)(30, 60));
    if (inside) owner = i;
    EXPECT_EQ(o[static_cast<size_t>(i)], inside ? 1.0 : 0.0) << f->names()[static_cast<size_t>(i)];
  }
  ASSERT_GE(owner, 0);
  EXPECT_EQ(f->indicator(owner)(30, 60), 1.0f);
  EXPECT_EQ(grid.frames, f->frames());
  // Over the whole input, each region's share is its number of cells.
  const auto whole = f->overlaps({"", 0.0, kSeconds});
  for (int64_t i = 0; i < f->size(); ++i) {
    const Matrix<float> indicator = f->indicator(i);
    double cells = 0.0;
    for (float v : indicator.values()) cells += v;
    EXPECT_NEAR(whole[static_cast<size_t>(i)], cells / static_cast<double>(f->n_mels() * f->frames()), 1e-12);
  }
}

// A toy input with no time axis: geometry comes from the indicator by default (its bounding box, and
// its cells when it does not fill it), and overlap is refused with a reason.
class DiagonalToy : public Factorization {
 public:
  DiagonalToy() : Factorization({"a", "b"}, 2, 2, nlohmann::json::object()) {}
  std::string domain() const override { return "toy"; }
  std::string baseline() const override { return "0"; }
  void compose(const uint8_t*, float*) const override {}
  using Factorization::compose;
  Audio render(const std::vector<uint8_t>&) const override { return {}; }
  std::vector<double> pool(const Matrix<float>&) const override { return {0.0, 0.0}; }
  FrameSpan span(int64_t) const override { return {0, 2}; }
  // "a" is the diagonal, "b" the cell (1, 0).
  Matrix<float> indicator(int64_t i) const override {
    return i == 0 ? Matrix<float>(2, 2, {1, 0, 0, 1}) : Matrix<float>(2, 2, {0, 0, 1, 0});
  }
};

TEST(Geometry, DefaultsFromTheIndicatorAndNeedsAGridForOverlap) {
  const DiagonalToy f;
  const ComponentGeometry a = f.geometry(0);
  EXPECT_EQ(a.source, "mix");
  EXPECT_EQ(a.frames.first, 0);
  EXPECT_EQ(a.frames.last, 2);
  EXPECT_EQ(a.mel_low, 0);
  EXPECT_EQ(a.mel_high, 2);
  ASSERT_TRUE(a.cells);
  EXPECT_EQ(a.cells->values(), (std::vector<uint8_t>{1, 0, 0, 1}));
  const ComponentGeometry b = f.geometry(1);
  EXPECT_EQ(b.frames.first, 0);
  EXPECT_EQ(b.frames.last, 1);
  EXPECT_EQ(b.mel_low, 1);
  EXPECT_EQ(b.mel_high, 2);
  EXPECT_FALSE(b.cells);  // one cell fills its box
  EXPECT_FALSE(f.grid().known());
  EXPECT_FALSE(f.additive());
  EXPECT_THROW_WITH(f.overlap(0, {"lead", 0.0, 1.0}), Error, "no time/frequency grid", "region 'lead'");
}

TEST(Geometry, BadRegionsAreRefusedByName) {
  const auto f = make("segments", {{"segments", 3}});
  EXPECT_THROW_WITH(f->overlaps({"lead", 2.0, 1.0}), ConfigError, "region 'lead'", "start_seconds <= end_seconds");
  EXPECT_THROW_WITH(f->overlap(0, {"lead", 0.0, 1.0, 900.0, 300.0}), ConfigError, "region 'lead'", "low_hz <= high_hz");
  EXPECT_THROW_WITH(f->overlaps({"", std::nan(""), 1.0}), ConfigError, "region", "start_seconds");
  EXPECT_THROW_WITH(f->overlap(3, {"", 0.0, 1.0}), ShapeError, "component 3 of 3");
  // A region outside the clip is held by no component.
  EXPECT_EQ(sum(f->overlaps({"", kSeconds + 1.0, kSeconds + 2.0})), 0.0);
}

}  // namespace
}  // namespace hearsay::factorizations
