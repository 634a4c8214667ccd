#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <png.h>
#include <nlohmann/json.hpp>

#include "bench/explain_run.h"
#include "bench/figures.h"
#include "bench/image.h"
#include "core/audio_io.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::bench {
namespace {

// Reads an RGB PNG back with libpng: width, height and pixels.
struct Png {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};
Png read_png(const std::string& path) {
  Png out;
  FILE* f = std::fopen(path.c_str(), "rb");
  EXPECT_TRUE(f);
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, f);
  png_read_info(png, info);
  out.width = static_cast<int>(png_get_image_width(png, info));
  out.height = static_cast<int>(png_get_image_height(png, info));
  EXPECT_EQ(png_get_color_type(png, info), PNG_COLOR_TYPE_RGB);
  out.rgb.resize(static_cast<size_t>(out.width * out.height * 3));
  for (int y = 0; y < out.height; ++y) png_read_row(png, out.rgb.data() + y * out.width * 3, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(f);
  return out;
}

TEST(Image, PngRoundTripTextAndErrors) {
  testing::TempDir dir;
  Image image(40, 30, kWhite);
  image.fill_rect(0, 0, 10, 10, {255, 0, 0});
  image.text(12, 2, "Ab", kBlack);
  image.write_png(dir.file("a.png"));
  const Png png = read_png(dir.file("a.png"));
  ASSERT_EQ(png.width, 40);
  ASSERT_EQ(png.height, 30);
  EXPECT_EQ(png.rgb[0], 255);
  EXPECT_EQ(png.rgb[1], 0);
  int ink = 0;  // the text left dark pixels in its box
  for (int y = 2; y < 2 + Image::text_height(); ++y)
    for (int x = 12; x < 12 + Image::text_width("Ab"); ++x) ink += png.rgb[static_cast<size_t>((y * 40 + x) * 3)] < 128;
  EXPECT_GT(ink, 10);
  // A failed write is an IoError naming the file, not libpng's "libpng error: Write Error" on stderr,
  // and leaves no file behind (the PNG is encoded in memory and written atomically).
  ::testing::internal::CaptureStderr();
  EXPECT_THROW_WITH(image.write_png("/nonexistent/dir/x.png"), IoError, "/nonexistent/dir/x.png");
  EXPECT_THROW_WITH(image.write_png(dir.path().string()), IoError, dir.path().string());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1) << "a temporary was left";
  EXPECT_EQ(diverging_color(0.0).r, 247);
  EXPECT_GT(diverging_color(1.0).r, diverging_color(1.0).b);
  EXPECT_LT(diverging_color(-1.0).r, diverging_color(-1.0).b);
}

TEST(Figures, AttributionMapSpreadsScoresOverComponentCells) {
  const testing::EchoFactorization f(3);
  methods::Explanation e;
  e.scores = {2.0, 0.0, -1.0};
  const Matrix<float> map = attribution_map(e, f);
  EXPECT_EQ(map.values(), (std::vector<float>{2.0f, 0.0f, -1.0f}));
  e.map = Matrix<float>(1, 3, 7.0f);
  EXPECT_EQ(attribution_map(e, f).values(), (std::vector<float>(3, 7.0f)));
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
  const ClipOutcome outcome = explain_clip(toy, {clip.mix, clip.stems}, s);
  ASSERT_EQ(outcome.methods.size(), 4u);
  EXPECT_TRUE(outcome.methods[0].ok);
  EXPECT_FALSE(outcome.methods[1].ok);
  EXPECT_NE(outcome.methods[1].error.find("max_components"), std::string::npos);
  EXPECT_TRUE(outcome.methods[2].ok);
  EXPECT_TRUE(outcome.methods[3].ok);
  for (const char* m : {"occlusion", "grad_cam", "lime"}) {
    for (const char* ext : {".json", ".png", ".top.flac", ".rest.flac"})
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
