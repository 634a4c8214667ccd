// Figures of explanations, drawn with Cairo: the log-mel input in grey with the attribution overlaid
// in a diverging colour map centred at zero (red: evidence for the class, blue: against; a cell of
// value v is coloured with opacity sqrt(|v| / max|map|), so 0 leaves the grey and ±max is the pure
// colour), component borders, a time axis in seconds, a frequency axis in Hz placed by the
// front-end's own mel scale, a colour bar, and a title (method, target class, clip, top components,
// warnings). One drawing routine serves a PNG image surface and an SVG surface, and the cells are one
// embedded raster in both, so the two formats cannot disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/front_end.h"
#include "core/matrix.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"

namespace hearsay::bench {

/// The explanation as a dense [n_mels × frames] map: the method's own map when it has one, else each
/// component's score spread over its cells (Σ_i score_i · indicator_i).
Matrix<float> attribution_map(const methods::Explanation& explanation, const factorizations::Factorization& f);

/// One region id per cell [n_mels × frames]: cells covered by the same set of components (by their
/// geometry) share an id, so a border belongs wherever two neighbouring cells' ids differ.
Matrix<int32_t> component_regions(const factorizations::Factorization& f);

struct FigureSpec {
  Matrix<float> features;      ///< the log-mel input [n_mels × frames], drawn in grey (low bands at the bottom)
  Matrix<float> map;           ///< the attribution, same shape
  FrontEndOptions front_end;   ///< what the cells stand for: sample rate, hop, centring, f_min/f_max, mel scale
  double start_seconds = 0.0;  ///< where the input starts in the clip (an excerpt's start); labels the time axis
  std::optional<Matrix<int32_t>> regions;  ///< component_regions(): borders drawn between regions; none if absent
  std::string title;                       ///< e.g. "lime: jazz (p = 0.910)"
  std::string subtitle;                    ///< e.g. "blues.00042.wav   top: lead.t03 (0.2), drums.t01 (0.1)"
  std::vector<std::string> warnings;       ///< each printed on its own line(s) under the subtitle
};

/// Colours of the figure, 8-bit RGB.
struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const Rgb& o) const { return !(*this == o); }
};
constexpr Rgb kFor{178, 24, 43};       ///< +max|map| (evidence for the target class)
constexpr Rgb kAgainst{33, 102, 172};  ///< −max|map|
constexpr Rgb kBorder{0, 0, 0};        ///< component borders
constexpr int kGreyLow = 40;           ///< grey of the lowest log-mel value
constexpr int kGreyHigh = 220;         ///< grey of the highest

/// A rectangle in pixels: x, y of the top-left corner.
struct PixelRect {
  double x = 0, y = 0, width = 0, height = 0;
};

/// A labelled axis tick: `value` (seconds, Hz or map value) drawn at pixel `position` (x for time, y
/// for frequency and the colour bar).
struct Tick {
  double value = 0.0;
  double position = 0.0;
  std::string label;
};

/// One line of the text above the plot, as drawn.
struct TextLine {
  enum class Kind { title, subtitle, warning };
  std::string text;
  Kind kind = Kind::title;
};

/// Where everything is drawn, so tests and callers need not guess from pixels.
struct FigureLayout {
  int width = 0, height = 0;     ///< the whole figure
  PixelRect plot;                ///< the cells: frame t, band m fill [x + t·cell_width, …) from the bottom up
  double cell_width = 0.0;       ///< pixels per frame
  double cell_height = 0.0;      ///< pixels per mel band
  PixelRect colour_bar;          ///< +max at the top, −max at the bottom
  std::vector<Tick> time_ticks;  ///< nice seconds within the input (clip time: start_seconds + …)
  std::vector<Tick> hz_ticks;    ///< 1-2-5 Hz values within f_min..f_max, at the band whose centre is that frequency
  std::vector<Tick> bar_ticks;   ///< +max, 0, −max
  std::vector<TextLine> text_lines;  ///< title, subtitle and warnings, wrapped to the figure's width
};

/// The layout of `spec`'s figure; ShapeError when map and features differ in shape or do not match
/// the front-end's n_mels, ConfigError when the front-end options are invalid.
FigureLayout figure_layout(const FigureSpec& spec);

/// The figure as PNG bytes and as SVG text.
std::string attribution_png(const FigureSpec& spec);
std::string attribution_svg(const FigureSpec& spec);

/// Write them atomically (a temporary, then renamed); IoError naming `path` when it cannot be written.
void write_attribution_png(const std::string& path, const FigureSpec& spec);
void write_attribution_svg(const std::string& path, const FigureSpec& spec);

}  // namespace hearsay::bench
