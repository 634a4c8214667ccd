#include "bench/image.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <png.h>

#include "bench/font_data.h"
#include "core/error.h"
#include "core/file_io.h"

namespace hearsay::bench {

Image::Image(int width, int height, Rgb fill) : width_(width), height_(height) {
  HEARSAY_CHECK_AS(ShapeError, width > 0 && height > 0 && width <= 20000 && height <= 20000, "image of ", width, " x ",
                   height, " pixels");
  pixels_.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = fill.r;
    pixels_[i + 1] = fill.g;
    pixels_[i + 2] = fill.b;
  }
}

Rgb Image::get(int x, int y) const {
  const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

void Image::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  pixels_[i] = c.r;
  pixels_[i + 1] = c.g;
  pixels_[i + 2] = c.b;
}

void Image::blend(int x, int y, Rgb c, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const Rgb p = get(x, y);
  const double a = std::clamp(alpha, 0.0, 1.0);
  auto mix = [a](uint8_t under, uint8_t over) {
    return static_cast<uint8_t>(std::lround((1.0 - a) * under + a * over));
  };
  set(x, y, {mix(p.r, c.r), mix(p.g, c.g), mix(p.b, c.b)});
}

void Image::fill_rect(int x, int y, int w, int h, Rgb c) {
  for (int yy = std::max(0, y); yy < std::min(height_, y + h); ++yy)
    for (int xx = std::max(0, x); xx < std::min(width_, x + w); ++xx) set(xx, yy, c);
}

void Image::line(int x0, int y0, int x1, int y1, Rgb c) {
  const int steps = std::max(std::abs(x1 - x0), std::abs(y1 - y0));
  for (int s = 0; s <= steps; ++s) {
    const double t = steps ? static_cast<double>(s) / steps : 0.0;
    set(static_cast<int>(std::lround(x0 + t * (x1 - x0))), static_cast<int>(std::lround(y0 + t * (y1 - y0))), c);
  }
}

void Image::text(int x, int y, const std::string& s, Rgb c) {
  int pen = x;
  for (char ch : s) {
    if (ch < font::kFirst || ch > font::kLast) ch = '?';
    const uint8_t* glyph = font::kGlyphs[ch - font::kFirst];
    for (int gy = 0; gy < font::kGlyphHeight; ++gy)
      for (int gx = 0; gx < font::kGlyphWidth; ++gx) {
        const uint8_t coverage = glyph[gy * font::kGlyphWidth + gx];
        if (coverage) blend(pen + gx, y + gy, c, coverage / 255.0);
      }
    pen += font::kGlyphWidth;
  }
}

int Image::text_width(const std::string& s) { return static_cast<int>(s.size()) * font::kGlyphWidth; }
int Image::text_height() { return font::kGlyphHeight; }

namespace {

// libpng reports errors through callbacks and unwinds with longjmp; its default handler prints to
// stderr ("libpng error: Write Error"). These keep the message for the IoError instead and write into
// memory, so the only file I/O is write_text_file's (atomic, with "disk full" named).
struct PngSink {
  std::string bytes;
  char error[256] = "";
};

void png_append(png_structp png, png_bytep data, png_size_t size) {
  static_cast<PngSink*>(png_get_io_ptr(png))->bytes.append(reinterpret_cast<const char*>(data), size);
}

void png_flush_nothing(png_structp) {}

void png_fail(png_structp png, png_const_charp text) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::snprintf(sink->error, sizeof sink->error, "%s", text ? text : "unknown libpng error");
  png_longjmp(png, 1);
}

void png_ignore_warning(png_structp, png_const_charp) {}

// Encodes 8-bit RGB rows into sink.bytes; false (with sink.error) when libpng fails. Only plain C
// data lives in this frame, so the longjmp back into it skips no destructor.
bool encode_png(const uint8_t* pixels, int width, int height, PngSink& sink) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, png_fail, png_ignore_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    std::snprintf(sink.error, sizeof sink.error, "libpng could not start (out of memory?)");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, &sink, png_append, png_flush_nothing);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y)
    png_write_row(png, const_cast<png_bytep>(pixels + static_cast<size_t>(y) * static_cast<size_t>(width) * 3));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

void Image::write_png(const std::string& path) const {
  PngSink sink;
  HEARSAY_CHECK_AS(IoError, encode_png(pixels_.data(), width_, height_, sink), "cannot write image '", path,
                   "': libpng: ", sink.error);
  write_text_file(path, sink.bytes);
}

namespace {
Rgb interpolate(const Rgb* stops, int n, double t) {
  t = std::clamp(t, 0.0, 1.0) * (n - 1);
  const int i = std::min(n - 2, static_cast<int>(t));
  const double f = t - i;
  auto mix = [f](uint8_t a, uint8_t b) { return static_cast<uint8_t>(std::lround((1 - f) * a + f * b)); };
  return {mix(stops[i].r, stops[i + 1].r), mix(stops[i].g, stops[i + 1].g), mix(stops[i].b, stops[i + 1].b)};
}
}  // namespace

Rgb sequential_color(double t) {
  // Samples of matplotlib's magma at 0, 1/6, ..., 1.
  static constexpr Rgb kStops[] = {{0, 0, 4},      {40, 17, 89},   {101, 26, 128}, {163, 48, 126},
                                   {222, 73, 104}, {252, 137, 97}, {252, 253, 191}};
  return interpolate(kStops, 7, t);
}

Rgb diverging_color(double t) {
  static constexpr Rgb kStops[] = {{5, 48, 97}, {67, 147, 195}, {247, 247, 247}, {214, 96, 77}, {103, 0, 31}};
  return interpolate(kStops, 5, (t + 1.0) / 2.0);
}

}  // namespace hearsay::bench
