// A small RGB raster with text and PNG output (libpng), for the figures hearsay writes: log-mel
// spectrograms with attributions overlaid, and the report's charts. No plotting library is needed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearsay::bench {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kBlack{0, 0, 0};

class Image {
 public:
  Image(int width, int height, Rgb fill = kWhite);
  int width() const { return width_; }
  int height() const { return height_; }

  Rgb get(int x, int y) const;
  /// Pixels outside the image are ignored.
  void set(int x, int y, Rgb c);
  /// Mixes `c` into the pixel with opacity alpha in [0, 1].
  void blend(int x, int y, Rgb c, double alpha);
  void fill_rect(int x, int y, int w, int h, Rgb c);
  void line(int x0, int y0, int x1, int y1, Rgb c);
  /// Text with its top-left corner at (x, y); characters outside ASCII 32..126 print as '?'.
  void text(int x, int y, const std::string& s, Rgb c);
  static int text_width(const std::string& s);
  static int text_height();

  /// Writes an 8-bit RGB PNG atomically (encoded in memory, then written to a temporary and renamed);
  /// IoError naming the file, and "disk full" where that is the cause, when it cannot be written.
  void write_png(const std::string& path) const;

 private:
  int width_;
  int height_;
  std::vector<uint8_t> pixels_;  // row-major RGB
};

/// Perceptual dark-to-bright colour map (magma-like) for t in [0, 1].
Rgb sequential_color(double t);
/// Blue (−1) – white (0) – red (+1) for t in [−1, 1].
Rgb diverging_color(double t);

}  // namespace hearsay::bench
