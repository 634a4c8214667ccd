#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <png.h>
#include <nlohmann/json.hpp>

#include "bench/explain_run.h"
#include "bench/figures.h"
#include "core/audio_io.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::bench {

void PrintTo(const Rgb& c, std::ostream* os) { *os << "rgb(" << +c.r << ", " << +c.g << ", " << +c.b << ")"; }

namespace {

// An RGB raster decoded with libpng (not Cairo, which wrote it).
struct Pixels {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  Rgb at(double x, double y) const {
    const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

Pixels decode_png(const std::string& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) << image.message;
  image.format = PNG_FORMAT_RGB;
  Pixels out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.rgb.resize(PNG_IMAGE_SIZE(image));
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr)) << image.message;
  return out;
}

std::string base64_decode(const std::string& text) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const size_t v = alphabet.find(c);
    if (v == std::string::npos) continue;  // padding, line breaks
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

// Every raster embedded in an SVG as a data: URL.
std::vector<Pixels> embedded_images(const std::string& svg) {
  std::vector<Pixels> out;
  const std::string key = "data:image/png;base64,";
  for (size_t at = svg.find(key); at != std::string::npos; at = svg.find(key, at + 1)) {
    const size_t begin = at + key.size();
    out.push_back(decode_png(base64_decode(svg.substr(begin, svg.find('"', begin) - begin))));
  }
  return out;
}

FrontEndOptions front_end(MelScale scale, int n_mels = 64) {
  FrontEndOptions o;
  o.sample_rate = 22050;
  o.hop_length = 512;
  o.n_mels = n_mels;
  o.f_min = 0.0;
  o.f_max = 11025.0;
  o.mel_scale = scale;
  return o;
}

// Features with a level per cell (a deterministic ramp with noise) and an all-zero map.
FigureSpec spec_of(const FrontEndOptions& fe, int64_t frames) {
  FigureSpec spec;
  spec.front_end = fe;
  spec.features = Matrix<float>(fe.n_mels, frames);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> noise(-10.0f, 10.0f);
  for (int64_t m = 0; m < fe.n_mels; ++m)
    for (int64_t t = 0; t < frames; ++t) spec.features(m, t) = -80.0f + 0.5f * static_cast<float>(m) + noise(rng);
  spec.map = Matrix<float>(fe.n_mels, frames, 0.0f);
  spec.title = "lime: jazz (p = 0.910)";
  spec.subtitle = "jazz.00042.wav    top: drums.t01 (0.300)";
  return spec;
}

// The centre pixel of cell (band m, frame t).
std::pair<double, double> cell_centre(const FigureLayout& L, int64_t m, int64_t t) {
  return {L.plot.x + (static_cast<double>(t) + 0.5) * L.cell_width,
          L.plot.y + L.plot.height - (static_cast<double>(m) + 0.5) * L.cell_height};
}

const Tick* find_tick(const std::vector<Tick>& ticks, double value) {
  for (const Tick& t : ticks)
    if (std::abs(t.value - value) < 1e-9) return &t;
  return nullptr;
}

bool dark(Rgb c) { return c.r < 140 && c.g < 140 && c.b < 140; }

TEST(Figures, AttributionMapSpreadsScoresOverComponentCells) {
  const testing::EchoFactorization f(3);
  methods::Explanation e;
  e.scores = {2.0, 0.0, -1.0};
  const Matrix<float> map = attribution_map(e, f);
  EXPECT_EQ(map.values(), (std::vector<float>{2.0f, 0.0f, -1.0f}));
  e.map = Matrix<float>(1, 3, 7.0f);
  EXPECT_EQ(attribution_map(e, f).values(), (std::vector<float>(3, 7.0f)));
}

// Frame t's centre is t · hop / sr seconds after the input's start (centred STFT), n_fft / 2 samples
// later without centring; a tick for s seconds sits at the middle of that (fractional) frame's cell,
// and the PNG has its tick mark in that pixel column.
TEST(Figures, TimeTicksSitAtTheFramesOfTheirSeconds) {
  for (const bool centred : {true, false}) {
    for (const double start : {0.0, 2.5}) {
      FrontEndOptions fe = front_end(MelScale::slaney);
      fe.center = centred;
      FigureSpec spec = spec_of(fe, 130);
      spec.start_seconds = start;
      const FigureLayout L = figure_layout(spec);
      const Tick* tick = find_tick(L.time_ticks, start + 1.0);
      ASSERT_TRUE(tick) << "no tick at " << start + 1.0 << " s";
      const double frame = (1.0 * 22050 - (centred ? 0.0 : 512.0)) / 512.0;  // n_fft 1024
      EXPECT_NEAR(tick->position, L.plot.x + (frame + 0.5) * L.cell_width, 1.0) << centred << " " << start;
      EXPECT_EQ(tick->label, start == 0.0 ? "1" : "3.5");
      for (const Tick& t : L.time_ticks) {
        EXPECT_GE(t.position, L.plot.x);
        EXPECT_LE(t.position, L.plot.x + L.plot.width);
      }
      const Pixels png = decode_png(attribution_png(spec));
      ASSERT_EQ(png.width, L.width);
      ASSERT_EQ(png.height, L.height);
      const double below = L.plot.y + L.plot.height + 3;  // inside the tick mark, under the plot's frame
      EXPECT_TRUE(dark(png.at(std::floor(tick->position), below)));
      EXPECT_FALSE(dark(png.at(std::floor(tick->position) + 2, below)));
    }
  }
}

// A long input (4000 frames, 93 s) is drawn 1600 pixels wide, several frames to a column, with its
// ticks still at their frames.
TEST(Figures, LongInputsKeepAFixedWidthAndTheirTicks) {
  const FigureSpec spec = spec_of(front_end(MelScale::slaney, 16), 4000);
  const FigureLayout L = figure_layout(spec);
  EXPECT_EQ(L.plot.width, 1600.0);
  EXPECT_DOUBLE_EQ(L.cell_width, 0.4);
  const Tick* tick = find_tick(L.time_ticks, 60.0);
  ASSERT_TRUE(tick);
  EXPECT_NEAR(tick->position, L.plot.x + (60.0 * 22050 / 512 + 0.5) * 0.4, 1.0);
  EXPECT_GE(L.time_ticks[1].position - L.time_ticks[0].position, 56.0) << "labels do not overlap";
  EXPECT_EQ(decode_png(attribution_png(spec)).width, L.width);
}

// The mel scales as librosa writes them, independently of core/mel.cpp.
double slaney_mel(double hz) {
  return hz < 1000.0 ? hz / (200.0 / 3.0) : 15.0 + std::log(hz / 1000.0) / (std::log(6.4) / 27.0);
}
double htk_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }

TEST(Figures, HzTicksSitAtTheBandWhoseCentreIsThatFrequency) {
  std::map<MelScale, double> y_of_500;
  for (const MelScale scale : {MelScale::slaney, MelScale::htk}) {
    const FigureSpec spec = spec_of(front_end(scale), 130);
    const FigureLayout L = figure_layout(spec);
    const Tick* tick = find_tick(L.hz_ticks, 1000.0);
    ASSERT_TRUE(tick);
    EXPECT_EQ(tick->label, "1k");
    // Band m's centre is point m + 1 of 66 equally spaced mels over [0, 11025] Hz.
    const auto mel = scale == MelScale::slaney ? slaney_mel : htk_mel;
    const double band = mel(1000.0) / mel(11025.0) * 65.0 - 1.0;
    EXPECT_NEAR(tick->position, L.plot.y + L.plot.height - (band + 0.5) * L.cell_height, 1.0);
    const Tick* tick500 = find_tick(L.hz_ticks, 500.0);
    ASSERT_TRUE(tick500);
    EXPECT_NEAR(tick500->position, L.plot.y + L.plot.height - (mel(500.0) / mel(11025.0) * 65.0 - 0.5) * L.cell_height,
                1.0);
    y_of_500[scale] = tick500->position;
    // Every tick a 1-2-5 value in the band range, highest at the top, at least a label apart.
    for (size_t i = 0; i < L.hz_ticks.size(); ++i) {
      const double hz = L.hz_ticks[i].value;
      const double mantissa = hz / std::pow(10.0, std::floor(std::log10(hz)));
      EXPECT_TRUE(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9);
      EXPECT_LE(hz, 11025.0);
      if (i > 0) {
        EXPECT_GE(L.hz_ticks[i].position - L.hz_ticks[i - 1].position, 17.9);
      }
    }
    EXPECT_TRUE(find_tick(L.hz_ticks, 10000.0)) << "10k lies inside the range";
    const Pixels png = decode_png(attribution_png(spec));
    EXPECT_TRUE(dark(png.at(L.plot.x - 3, std::floor(tick->position))));
  }
  // HTK puts 500 Hz 2.7 bands (10.7 pixels) higher than Slaney does over 0..11025 Hz: the scale is honoured.
  EXPECT_LT(y_of_500[MelScale::htk] + 8.0, y_of_500[MelScale::slaney]);
}

TEST(Figures, PlusMaxIsRedZeroLeavesTheGreyMinusMaxIsBlue) {
  FigureSpec spec = spec_of(front_end(MelScale::slaney), 130);
  spec.features(40, 70) = 0.0f;  // the loudest cell: the brightest grey
  spec.map(10, 20) = 2.0f;
  spec.map(30, 60) = -2.0f;
  spec.map(50, 100) = 0.5f;  // a quarter of the maximum: opacity one half
  const FigureLayout L = figure_layout(spec);
  const Pixels png = decode_png(attribution_png(spec));
  auto at = [&](int64_t m, int64_t t) {
    const auto [x, y] = cell_centre(L, m, t);
    return png.at(x, y);
  };
  EXPECT_EQ(at(10, 20), kFor);
  EXPECT_EQ(at(30, 60), kAgainst);
  EXPECT_EQ(at(40, 70), (Rgb{kGreyHigh, kGreyHigh, kGreyHigh}));
  const float lo = *std::min_element(spec.features.values().begin(), spec.features.values().end());
  const auto grey = [&](int64_t m, int64_t t) {
    return static_cast<int>(std::lround(kGreyLow + (kGreyHigh - kGreyLow) * (spec.features(m, t) - lo) / -lo));
  };
  EXPECT_EQ(at(20, 90), (Rgb{static_cast<uint8_t>(grey(20, 90)), static_cast<uint8_t>(grey(20, 90)),
                             static_cast<uint8_t>(grey(20, 90))}));
  const Rgb half = at(50, 100);
  EXPECT_NEAR(half.r, std::lround(0.5 * grey(50, 100) + 0.5 * kFor.r), 1);
  EXPECT_NEAR(half.b, std::lround(0.5 * grey(50, 100) + 0.5 * kFor.b), 1);
  // The colour bar: +max at the top, white at 0, −max at the bottom, labelled with the maximum.
  const PixelRect& bar = L.colour_bar;
  const Rgb top = png.at(bar.x + bar.width / 2, bar.y);
  const Rgb middle = png.at(bar.x + bar.width / 2, bar.y + bar.height / 2);
  const Rgb bottom = png.at(bar.x + bar.width / 2, bar.y + bar.height - 1);
  EXPECT_NEAR(top.r, kFor.r, 4);
  EXPECT_NEAR(top.b, kFor.b, 4);
  EXPECT_NEAR(bottom.r, kAgainst.r, 4);
  EXPECT_NEAR(bottom.b, kAgainst.b, 4);
  EXPECT_GT(middle.r + middle.g + middle.b, 3 * 240);
  ASSERT_EQ(L.bar_ticks.size(), 3u);
  EXPECT_EQ(L.bar_ticks[0].label, "+2");
  EXPECT_EQ(L.bar_ticks[2].value, -2.0);
  EXPECT_NEAR(L.bar_ticks[1].position, bar.y + bar.height / 2, 0.5);
}

// The cells and the colour bar are one raster each, embedded in the SVG as PNG data: pixel for pixel
// what the PNG figure shows in the same rectangles.
TEST(Figures, SvgEmbedsTheSameCellsAsThePng) {
  FigureSpec spec = spec_of(front_end(MelScale::htk), 130);
  for (int64_t t = 0; t < 130; ++t) spec.map(t % 64, t) = static_cast<float>(t) - 60.0f;
  spec.regions = Matrix<int32_t>(64, 130, 0);
  for (int64_t m = 32; m < 64; ++m)
    for (int64_t t = 0; t < 130; ++t) (*spec.regions)(m, t) = 1;
  const FigureLayout L = figure_layout(spec);
  const Pixels png = decode_png(attribution_png(spec));
  const std::string svg = attribution_svg(spec);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("width=\"" + std::to_string(L.width) + "px\""), std::string::npos) << svg.substr(0, 300);
  const std::vector<Pixels> images = embedded_images(svg);
  int compared = 0;
  for (const PixelRect& rect : {L.plot, L.colour_bar}) {
    for (const Pixels& image : images) {
      if (image.width != static_cast<int>(rect.width) || image.height != static_cast<int>(rect.height)) continue;
      int differ = 0;
      for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < image.width; ++x) differ += !(image.at(x, y) == png.at(rect.x + x, rect.y + y));
      EXPECT_EQ(differ, 0) << rect.width << " x " << rect.height;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 2) << images.size() << " images in the SVG";
}

TEST(Figures, BordersWhereComponentsChange) {
  // Regions by hand: a border column where the left half meets the right, none inside a half.
  FigureSpec spec = spec_of(front_end(MelScale::slaney), 130);
  spec.regions = Matrix<int32_t>(64, 130, 3);
  for (int64_t m = 0; m < 64; ++m)
    for (int64_t t = 65; t < 130; ++t) (*spec.regions)(m, t) = 8;
  FigureLayout L = figure_layout(spec);
  Pixels png = decode_png(attribution_png(spec));
  const double x65 = L.plot.x + 65 * L.cell_width;
  for (int64_t m : {0, 31, 63}) {
    const double y = cell_centre(L, m, 0).second;
    EXPECT_EQ(png.at(x65, y), kBorder) << m;
    EXPECT_NE(png.at(x65 - 1, y), kBorder) << m;
    EXPECT_NE(png.at(x65 + 1, y), kBorder) << m;
  }
  for (int64_t t = 0; t < 130; t += 7) EXPECT_NE(png.at(cell_centre(L, 0, t).first, L.plot.y + 1), kBorder);

  // A time-frequency grid: one region per patch, a border where patches meet in time and in frequency.
  const FrontEnd fe(FrontEndOptions{});
  const auto clip = testing::stem_clip(3.0, 22050, 3);
  const auto grid = factorizations::factorizer_registry()
                        .create("tf_grid", {{"time_segments", 4}, {"frequency_bands", 2}})
                        ->factorize({clip.mix, {}}, fe);
  const Matrix<int32_t> patches = component_regions(*grid);
  for (int64_t i = 0; i < grid->size(); ++i) {
    const auto g = grid->geometry(i);
    const int32_t id = patches(g.mel_low, g.frames.first);
    for (int64_t m = g.mel_low; m < g.mel_high; ++m)
      for (int64_t t = g.frames.first; t < g.frames.last; ++t) ASSERT_EQ(patches(m, t), id);
  }
  EXPECT_EQ(std::set<int32_t>(patches.values().begin(), patches.values().end()).size(), 8u);
  spec.front_end = fe.options();
  spec.features = grid->compose(std::vector<uint8_t>(8, 1));
  spec.map = Matrix<float>(spec.features.rows(), spec.features.cols(), 0.0f);
  spec.regions = patches;
  L = figure_layout(spec);
  png = decode_png(attribution_png(spec));
  const auto g0 = grid->geometry(0);
  const int64_t mid_band = (g0.mel_low + g0.mel_high) / 2, mid_frame = (g0.frames.first + g0.frames.last) / 2;
  const int64_t t_edge = g0.frames.first == 0 ? g0.frames.last : g0.frames.first;
  const int64_t m_edge = g0.mel_low == 0 ? g0.mel_high : g0.mel_low;
  EXPECT_EQ(png.at(L.plot.x + t_edge * L.cell_width, cell_centre(L, mid_band, 0).second), kBorder);
  // The border between bands m_edge − 1 and m_edge is the top pixel row of band m_edge − 1.
  EXPECT_EQ(png.at(cell_centre(L, 0, mid_frame).first, L.plot.y + L.plot.height - m_edge * L.cell_height), kBorder);
  EXPECT_NE(png.at(cell_centre(L, mid_band, mid_frame).first, cell_centre(L, mid_band, mid_frame).second), kBorder);

  // Stems over time segments share every cell of a segment: the regions change with the segment only.
  const auto stems =
      factorizations::factorizer_registry().create("stems", {{"segments", 3}})->factorize({clip.mix, clip.stems}, fe);
  const Matrix<int32_t> segments = component_regions(*stems);
  std::set<int32_t> ids;
  for (int64_t t = 0; t < segments.cols(); ++t) {
    for (int64_t m = 1; m < segments.rows(); ++m) ASSERT_EQ(segments(m, t), segments(0, t));
    ids.insert(segments(0, t));
  }
  EXPECT_EQ(ids.size(), 3u);
}

TEST(Figures, TextNamesMethodClassClipAndWrapsWarnings) {
  FigureSpec spec = spec_of(front_end(MelScale::slaney), 130);
  std::string warning;
  for (int i = 0; i < 40; ++i) warning += "f(none) is close to f(all) ";
  warning.pop_back();
  spec.warnings = {warning, "short"};
  const FigureLayout L = figure_layout(spec);
  ASSERT_GE(L.text_lines.size(), 5u);
  EXPECT_EQ(L.text_lines[0].text, "lime: jazz (p = 0.910)");
  EXPECT_EQ(L.text_lines[0].kind, TextLine::Kind::title);
  EXPECT_EQ(L.text_lines[1].text, spec.subtitle);
  std::string joined;
  size_t lines = 0;
  for (size_t i = 2; i + 1 < L.text_lines.size(); ++i) {
    EXPECT_EQ(L.text_lines[i].kind, TextLine::Kind::warning);
    joined += (joined.empty() ? "" : " ") + L.text_lines[i].text;
    ++lines;
  }
  EXPECT_GT(lines, 1u) << "a long warning is wrapped";
  EXPECT_EQ(joined, "warning: " + warning);
  EXPECT_EQ(L.text_lines.back().text, "warning: short");
  EXPECT_GE(L.plot.y, 17.0 * static_cast<double>(L.text_lines.size())) << "the text sits above the plot";
}

TEST(Figures, RefusesMismatchedShapes) {
  FigureSpec spec = spec_of(front_end(MelScale::slaney), 130);
  spec.map = Matrix<float>(64, 129, 0.0f);
  EXPECT_THROW_WITH(figure_layout(spec), ShapeError, "64 x 130", "64 x 129");
  spec = spec_of(front_end(MelScale::slaney), 130);
  spec.front_end.n_mels = 96;
  EXPECT_THROW_WITH(attribution_png(spec), ShapeError, "64 bands", "96 bands");
  spec = spec_of(front_end(MelScale::slaney), 130);
  spec.regions = Matrix<int32_t>(2, 2, 0);
  EXPECT_THROW_WITH(attribution_svg(spec), ShapeError, "2 x 2");
}

TEST(Figures, WritesAtomicallyAndNamesAPathItCannotWrite) {
  testing::TempDir dir;
  const FigureSpec spec = spec_of(front_end(MelScale::slaney), 130);
  write_attribution_png(dir.file("a.png"), spec);
  write_attribution_svg(dir.file("a.svg"), spec);
  EXPECT_EQ(testing::read_bytes(dir.file("a.png")), attribution_png(spec));
  EXPECT_EQ(testing::read_bytes(dir.file("a.svg")), attribution_svg(spec)) << "the SVG is the same every time";
  EXPECT_THROW_WITH(write_attribution_png("/nonexistent/dir/x.png", spec), IoError, "/nonexistent/dir/x.png");
  EXPECT_THROW_WITH(write_attribution_svg(dir.path().string(), spec), IoError, dir.path().string());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 2) << "a temporary was left";
}

// The size budget of a figure the HTML report embeds: 96 mels × 130 frames of a real clip.
TEST(Figures, A96By130FigureStaysSmall) {
  const FrontEnd fe(FrontEndOptions{});
  const auto clip = testing::stem_clip(3.0, 22050, 5);
  FigureSpec spec;
  spec.front_end = fe.options();
  spec.features = fe.features(clip.mix);
  ASSERT_EQ(spec.features.cols(), 130);
  spec.map = Matrix<float>(96, 130, 0.0f);
  for (int64_t m = 0; m < 96; ++m)
    for (int64_t t = 0; t < 130; ++t) spec.map(m, t) = std::sin(0.05f * static_cast<float>(t)) * (m < 40 ? 1.0f : 0.3f);
  const auto started = std::chrono::steady_clock::now();
  const std::string png = attribution_png(spec);
  const auto png_done = std::chrono::steady_clock::now();
  const std::string svg = attribution_svg(spec);
  const auto svg_done = std::chrono::steady_clock::now();
  const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  RecordProperty("png_bytes", static_cast<int>(png.size()));
  RecordProperty("svg_bytes", static_cast<int>(svg.size()));
  RecordProperty("png_ms", static_cast<int>(ms(png_done - started)));
  RecordProperty("svg_ms", static_cast<int>(ms(svg_done - png_done)));
  EXPECT_LE(png.size(), 60000u);
  EXPECT_LE(svg.size(), 120000u);
}

TEST(ExplainRun, WritesEveryOutputAndRecordsFailuresWithoutStopping) {
  testing::TempDir dir;
  const FrontEndOptions options;
  const auto clip = testing::stem_clip(3.0, 22050, 8);
  Matrix<float> region(96, 130, 0.0f);
  for (int m = 0; m < 40; ++m)
    for (int t = 0; t < 65; ++t) region(m, t) = 1.0f;
  const testing::RegionToy toy(options, 130, region);
  ExplainSettings s;
  s.methods = {"occlusion", "exact_shapley", "grad_cam", "lime"};
  s.method_options["lime"] = {{"num_samples", 200}};
  s.method_options["exact_shapley"] = {{"max_components", 4}};  // 9 components: refused
  s.factorization = "stems";
  s.factorization_options = {{"segments", 3}};
  s.out_dir = dir.file("out");
  s.audio_out = AudioOut::all;
  s.figure_svg = true;
  const ClipOutcome outcome = explain_clip(toy, {clip.mix, clip.stems}, s);
  ASSERT_EQ(outcome.methods.size(), 4u);
  EXPECT_TRUE(outcome.methods[0].ok);
  EXPECT_FALSE(outcome.methods[1].ok);
  EXPECT_NE(outcome.methods[1].error.find("max_components"), std::string::npos);
  EXPECT_TRUE(outcome.methods[2].ok);
  EXPECT_TRUE(outcome.methods[3].ok);
  for (const char* m : {"occlusion", "grad_cam", "lime"}) {
    for (const char* ext : {".json", ".png", ".svg", ".top.flac", ".rest.flac"})
      EXPECT_TRUE(std::filesystem::exists(dir.file(std::string("out/") + m + ext))) << m << ext;
    std::ifstream in(dir.file(std::string("out/") + m + ".json"));
    const auto doc = nlohmann::json::parse(in);
    EXPECT_EQ(doc["components"].size(), 9u);
    EXPECT_EQ(doc["factorization"]["name"], "stems");
    // The listenable explanation and the rest add up to the clip.
    const Audio top = load_audio(dir.file(std::string("out/") + m + ".top.flac"));
    const Audio rest = load_audio(dir.file(std::string("out/") + m + ".rest.flac"));
    for (int64_t i = 0; i < clip.mix.frames(); i += 97)
      ASSERT_NEAR(top.samples()[static_cast<size_t>(i)] + rest.samples()[static_cast<size_t>(i)],
                  clip.mix.samples()[static_cast<size_t>(i)], 1e-4);  // two 16-bit roundings
  }
  // Grad-CAM's map is the toy's region: its cells at the maximum are drawn in the "for" colour.
  const Pixels png = decode_png(testing::read_bytes(dir.file("out/grad_cam.png")));
  int red = 0;
  for (size_t i = 0; i + 2 < png.rgb.size(); i += 3) red += png.rgb[i] > std::max(png.rgb[i + 1], png.rgb[i + 2]) + 80;
  EXPECT_GT(red, 40 * 65 * 5 * 3 / 2) << "half of the region's pixels (5 x 3 per cell) are red";
  EXPECT_EQ(testing::read_bytes(dir.file("out/grad_cam.svg")).rfind("<?xml", 0), 0u);
  std::ifstream in(dir.file("out/summary.json"));
  const auto summary = nlohmann::json::parse(in);
  EXPECT_EQ(summary["methods"][1]["ok"], false);
  EXPECT_EQ(summary["components"].size(), 9u);
  std::ostringstream table;
  print_comparison(table, outcome);
  EXPECT_NE(table.str().find("exact_shapley    failed"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("occlusion"), std::string::npos);
}

}  // namespace
}  // namespace hearsay::bench

namespace hearsay::bench {
namespace {

// A model that hears nothing: every clip gets the same logits, so no component speaks for any class.
class DeafToy : public models::Model {
 public:
  std::string name() const override { return "deaf toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return 130; }
  Matrix<float> window_logits(const float*, int64_t count) const override {
    Matrix<float> out(count, 2);
    for (int64_t r = 0; r < count; ++r) out(r, 0) = 1.0f;
    return out;
  }

 private:
  FrontEnd front_end_{FrontEndOptions{}};
  std::vector<std::string> classes_{"jazz", "blues"};
};

TEST(ExplainRun, NoPositiveComponentMeansNoListenableExplanation) {
  testing::TempDir dir;
  const auto clip = testing::stem_clip(3.0, 22050, 8);
  const DeafToy toy;
  ExplainSettings s;
  s.methods = {"occlusion"};
  s.factorization = "stems";
  s.factorization_options = {{"segments", 3}};
  s.out_dir = dir.file("out");
  const ClipOutcome outcome = explain_clip(toy, {clip.mix, clip.stems}, s);
  ASSERT_TRUE(outcome.methods[0].ok) << outcome.methods[0].error;
  EXPECT_EQ(top_components(outcome.methods[0].explanation, 3), "none");
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/occlusion.top.flac")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/occlusion.top.wav")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/occlusion.png")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/occlusion.svg"))) << "SVG only when asked for";
  std::ifstream in(dir.file("out/occlusion.json"));
  const auto doc = nlohmann::json::parse(in);
  EXPECT_NE(doc["audio"]["top"].get<std::string>().find("no component has a positive score"), std::string::npos);
  std::ostringstream table;
  print_comparison(table, outcome);
  EXPECT_NE(table.str().find("top: none"), std::string::npos) << table.str();
  // f(none) == f(all): the explanation is degenerate, and says so everywhere.
  EXPECT_FALSE(doc["warnings"].empty());
  EXPECT_NE(table.str().find("warning: "), std::string::npos) << table.str();
}

}  // namespace
}  // namespace hearsay::bench
