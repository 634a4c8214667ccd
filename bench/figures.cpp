#include "bench/figures.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include <cairo-svg.h>
#include <cairo.h>

#include "core/error.h"
#include "core/file_io.h"
#include "core/mel.h"

namespace hearsay::bench {

Matrix<float> attribution_map(const methods::Explanation& explanation, const factorizations::Factorization& f) {
  if (explanation.map) return *explanation.map;
  Matrix<float> map(f.n_mels(), f.frames(), 0.0f);
  for (int64_t i = 0; i < f.size(); ++i) {
    const double score = explanation.scores[static_cast<size_t>(i)];
    if (score == 0.0) continue;
    const Matrix<float> ind = f.indicator(i);
    for (int64_t c = 0; c < map.size(); ++c) map.data()[c] += static_cast<float>(score * ind.data()[c]);
  }
  return map;
}

Matrix<int32_t> component_regions(const factorizations::Factorization& f) {
  // Each cell's id names the chain of components covering it so far: (old id, component) → new id.
  // Components are visited in one order, so two cells end with one id exactly when one set covers both.
  Matrix<int32_t> ids(f.n_mels(), f.frames(), 0);
  std::map<std::pair<int32_t, int64_t>, int32_t> next;
  for (int64_t i = 0; i < f.size(); ++i) {
    const factorizations::ComponentGeometry g = f.geometry(i);
    for (int64_t m = std::max<int64_t>(0, g.mel_low); m < std::min(f.n_mels(), g.mel_high); ++m)
      for (int64_t t = std::max<int64_t>(0, g.frames.first); t < std::min(f.frames(), g.frames.last); ++t) {
        if (g.cells && !(*g.cells)(m, t)) continue;
        const auto [it, fresh] = next.try_emplace({ids(m, t), i}, static_cast<int32_t>(next.size() + 1));
        ids(m, t) = it->second;
      }
  }
  return ids;
}

namespace {

constexpr const char* kFont = "DejaVu Sans";
constexpr double kTitleSize = 14.0;
constexpr double kTextSize = 11.5;
constexpr double kLabelSize = 10.5;
constexpr double kLineHeight = 17.0;
constexpr int kMargin = 10;
constexpr int kLeft = 52;       // Hz labels and ticks
constexpr int kAxisTop = 16;    // room for "Hz" above the plot
constexpr int kBottom = 40;     // time labels and "time (s)"
constexpr int kBarGap = 14;     // plot to colour bar
constexpr int kBarWidth = 14;   // colour bar
constexpr int kBarLabels = 62;  // colour bar labels
constexpr int kTickLength = 5;
constexpr double kMinTickGap = 18.0;   // pixels between Hz ticks (a label's height and some)
constexpr double kMinTimeGap = 56.0;   // pixels between time ticks (a label's width)
constexpr double kPlotWidth = 700.0;   // about this wide: an integer number of pixels per frame
constexpr double kPlotHeight = 300.0;  // about this high: an integer number of pixels per band
constexpr int kMaxPlotWidth = 1600;    // longer inputs show one frame in several per column
constexpr Rgb kWarning{170, 80, 0};
constexpr Rgb kAxis{60, 60, 60};

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

Context context_for(cairo_surface_t* surface) { return Context(cairo_create(surface), cairo_destroy); }

void set_colour(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0); }

void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

// `text` cut at spaces into lines no wider than `width` (a word wider than a line gets its own line).
std::vector<std::string> wrap(cairo_t* cr, const std::string& text, double width) {
  std::vector<std::string> lines;
  std::string line;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(' ', start), text.size());
    const std::string word = text.substr(start, end - start);
    const std::string longer = line.empty() ? word : line + " " + word;
    if (!line.empty() && text_width(cr, longer) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = longer;
    }
    start = end + 1;
  }
  lines.push_back(line);
  return lines;
}

std::string number(double x, const char* format = "%.3g") {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

std::string hz_label(double hz) { return hz >= 1000.0 ? number(hz / 1000.0, "%gk") : number(hz, "%g"); }

// The 1-2-5 frequencies within [lo, hi] Hz, highest first.
std::vector<double> nice_frequencies(double lo, double hi) {
  std::vector<double> out;
  for (double decade = 1e5; decade >= 1.0; decade /= 10.0)
    for (double k : {5.0, 2.0, 1.0})
      if (k * decade >= lo && k * decade <= hi) out.push_back(k * decade);
  return out;
}

// The smallest step of seconds that leaves at least kMinTimeGap pixels between ticks.
double time_step(double pixels_per_second) {
  for (double step : {0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0})
    if (step * pixels_per_second >= kMinTimeGap) return step;
  return 1800.0;
}

struct Scale {
  float lo = 0.0f, hi = 0.0f;  // of the features
  double max_abs = 0.0;        // of the map
};

Scale scale_of(const FigureSpec& spec) {
  Scale s{0.0f, 0.0f, 0.0};
  bool any = false;
  for (float v : spec.features.values()) {
    if (!std::isfinite(v)) continue;
    s.lo = any ? std::min(s.lo, v) : v;
    s.hi = any ? std::max(s.hi, v) : v;
    any = true;
  }
  for (float v : spec.map.values())
    if (std::isfinite(v)) s.max_abs = std::max(s.max_abs, static_cast<double>(std::abs(v)));
  return s;
}

// A value's colour over `under`: opacity sqrt(|v| / max|map|), so 0 leaves `under` and ±max is the pure colour.
Rgb overlay(Rgb under, double v, double max_abs) {
  if (!(max_abs > 0.0) || !std::isfinite(v) || v == 0.0) return under;
  const double a = std::sqrt(std::min(1.0, std::abs(v) / max_abs));
  const Rgb c = v > 0 ? kFor : kAgainst;
  auto mix = [a](uint8_t u, uint8_t o) { return static_cast<uint8_t>(std::lround((1.0 - a) * u + a * o)); };
  return {mix(under.r, c.r), mix(under.g, c.g), mix(under.b, c.b)};
}

Rgb grey_of(float feature, const Scale& s) {
  const double level = s.hi > s.lo && std::isfinite(feature) ? (feature - s.lo) / (s.hi - s.lo) : 0.0;
  const auto g = static_cast<uint8_t>(std::lround(kGreyLow + (kGreyHigh - kGreyLow) * level));
  return {g, g, g};
}

// An RGB24 raster filled by `colour(x, y)`.
Surface raster(int width, int height, const std::function<Rgb(int, int)>& colour) {
  Surface s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), cairo_surface_destroy);
  HEARSAY_CHECK(cairo_surface_status(s.get()) == CAIRO_STATUS_SUCCESS, "figure: cannot make a ", width, " x ", height,
                " raster: ", cairo_status_to_string(cairo_surface_status(s.get())));
  cairo_surface_flush(s.get());
  unsigned char* data = cairo_image_surface_get_data(s.get());
  const int stride = cairo_image_surface_get_stride(s.get());
  for (int y = 0; y < height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<ptrdiff_t>(y) * stride);
    for (int x = 0; x < width; ++x) {
      const Rgb c = colour(x, y);
      row[x] = (uint32_t{c.r} << 16) | (uint32_t{c.g} << 8) | uint32_t{c.b};
    }
  }
  cairo_surface_mark_dirty(s.get());
  return s;
}

// The layout, measured with `cr` (fonts decide the height of the title block).
FigureLayout layout_with(cairo_t* cr, const FigureSpec& spec) {
  const FrontEndOptions& fe = spec.front_end;
  fe.validate();
  const int64_t n_mels = spec.features.rows(), frames = spec.features.cols();
  HEARSAY_CHECK_AS(ShapeError, spec.map.rows() == n_mels && spec.map.cols() == frames, "figure: features ", n_mels,
                   " x ", frames, " and map ", spec.map.rows(), " x ", spec.map.cols(), " differ");
  HEARSAY_CHECK_AS(ShapeError, n_mels == fe.n_mels && frames >= 1, "figure: features have ", n_mels, " bands and ",
                   frames, " frames; the front-end has ", fe.n_mels, " bands (and at least one frame is needed)");
  HEARSAY_CHECK_AS(ShapeError, !spec.regions || (spec.regions->rows() == n_mels && spec.regions->cols() == frames),
                   "figure: component regions are ", spec.regions ? spec.regions->rows() : 0, " x ",
                   spec.regions ? spec.regions->cols() : 0, ", the features ", n_mels, " x ", frames);
  FigureLayout L;
  const int per_frame = std::max(1, static_cast<int>(kPlotWidth / static_cast<double>(frames)));
  const int plot_w = frames <= kMaxPlotWidth ? static_cast<int>(frames) * per_frame : kMaxPlotWidth;
  const int plot_h =
      static_cast<int>(n_mels) * std::max(1, static_cast<int>(kPlotHeight / static_cast<double>(n_mels)));
  L.cell_width = static_cast<double>(plot_w) / static_cast<double>(frames);
  L.cell_height = static_cast<double>(plot_h) / static_cast<double>(n_mels);
  L.width = kLeft + plot_w + kBarGap + kBarWidth + kBarLabels;

  // Text: title, subtitle, one paragraph per warning, wrapped to the figure's width.
  const double text_w = L.width - 2.0 * kMargin;
  auto add = [&](const std::string& text, TextLine::Kind kind) {
    set_font(cr, kind == TextLine::Kind::title ? kTitleSize : kTextSize, kind == TextLine::Kind::title);
    for (auto& line : wrap(cr, text, text_w)) L.text_lines.push_back({std::move(line), kind});
  };
  add(spec.title, TextLine::Kind::title);
  if (!spec.subtitle.empty()) add(spec.subtitle, TextLine::Kind::subtitle);
  for (const std::string& w : spec.warnings) add("warning: " + w, TextLine::Kind::warning);
  const int top =
      kMargin + static_cast<int>(std::ceil(kLineHeight * static_cast<double>(L.text_lines.size()))) + kAxisTop;
  L.plot = {static_cast<double>(kLeft), static_cast<double>(top), static_cast<double>(plot_w),
            static_cast<double>(plot_h)};
  L.height = top + plot_h + kBottom;
  L.colour_bar = {L.plot.x + plot_w + kBarGap, L.plot.y, static_cast<double>(kBarWidth), L.plot.height};

  // Time: frame t's centre is at first_centre + t · hop samples (InputGrid), the middle of its cell.
  const double first_centre = fe.center ? 0.0 : fe.n_fft / 2.0;
  const double seconds_per_frame = static_cast<double>(fe.hop_length) / fe.sample_rate;
  auto x_of = [&](double seconds) {  // seconds from the start of the input
    return L.plot.x + ((seconds * fe.sample_rate - first_centre) / fe.hop_length + 0.5) * L.cell_width;
  };
  const double t_lo = spec.start_seconds + (first_centre / fe.hop_length - 0.5) * seconds_per_frame;
  const double t_hi = t_lo + static_cast<double>(frames) * seconds_per_frame;
  const double step = time_step(L.cell_width / seconds_per_frame);
  for (double k = std::ceil(t_lo / step - 1e-9); k * step <= t_hi + 1e-9; k += 1.0) {
    const double s = k * step;
    L.time_ticks.push_back({s, x_of(s - spec.start_seconds), number(std::abs(s) < 1e-9 ? 0.0 : s, "%g")});
  }

  // Frequency: band m's centre is the (m + 1)-th of n_mels + 2 points equally spaced in mel between
  // f_min and f_max on the front-end's scale (core/mel.cpp); f sits at the fractional band whose centre it is.
  const double mel_lo = hz_to_mel(fe.f_min, fe.mel_scale), mel_hi = hz_to_mel(fe.effective_f_max(), fe.mel_scale);
  double last_y = -1e9;
  for (double hz : nice_frequencies(fe.f_min, fe.effective_f_max())) {
    const double band =
        (hz_to_mel(hz, fe.mel_scale) - mel_lo) / (mel_hi - mel_lo) * static_cast<double>(n_mels + 1) - 1.0;
    if (band < -0.5 || band > static_cast<double>(n_mels) - 0.5) continue;
    const double y = L.plot.y + L.plot.height - (band + 0.5) * L.cell_height;
    if (y - last_y < kMinTickGap) continue;
    L.hz_ticks.push_back({hz, y, hz_label(hz)});
    last_y = y;
  }

  const Scale s = scale_of(spec);
  if (s.max_abs > 0.0) {
    L.bar_ticks = {{s.max_abs, L.colour_bar.y, "+" + number(s.max_abs)},
                   {0.0, L.colour_bar.y + L.colour_bar.height / 2.0, "0"},
                   {-s.max_abs, L.colour_bar.y + L.colour_bar.height, "\u2212" + number(s.max_abs)}};
  } else {
    L.bar_ticks = {{0.0, L.colour_bar.y + L.colour_bar.height / 2.0, "0 (no attribution)"}};
  }
  return L;
}

// The cells: grey log-mel, the attribution over it, and component borders, one pixel column per
// (part of a) frame.
Surface cells_raster(const FigureSpec& spec, const FigureLayout& L) {
  const Scale s = scale_of(spec);
  const int64_t n_mels = spec.features.rows(), frames = spec.features.cols();
  const int w = static_cast<int>(L.plot.width), h = static_cast<int>(L.plot.height);
  auto frame_of = [&](int x) { return std::min<int64_t>(frames - 1, static_cast<int64_t>(x) * frames / w); };
  auto band_of = [&](int y) {
    return n_mels - 1 - std::min<int64_t>(n_mels - 1, static_cast<int64_t>(y) * n_mels / h);
  };
  return raster(w, h, [&](int x, int y) {
    const int64_t t = frame_of(x), m = band_of(y);
    if (spec.regions) {
      const Matrix<int32_t>& r = *spec.regions;
      // The first pixel column (row) of a cell whose left (upper) neighbour lies in another region.
      const bool left = x > 0 && frame_of(x - 1) != t && r(m, frame_of(x - 1)) != r(m, t);
      const bool above = y > 0 && band_of(y - 1) != m && r(band_of(y - 1), t) != r(m, t);
      if (left || above) return kBorder;
    }
    return overlay(grey_of(spec.features(m, t), s), spec.map(m, t), s.max_abs);
  });
}

// The colour bar: each row the colour of its value over white.
Surface bar_raster(const FigureSpec& spec, const FigureLayout& L) {
  const double max_abs = scale_of(spec).max_abs;
  const int h = static_cast<int>(L.colour_bar.height);
  return raster(static_cast<int>(L.colour_bar.width), h, [&](int, int y) {
    const double v = max_abs * (1.0 - 2.0 * (y + 0.5) / h);
    return overlay({255, 255, 255}, v, max_abs);
  });
}

void show_text(cairo_t* cr, double x, double y, const std::string& s) {
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, s.c_str());
}

// A line of width 1 on pixel centres, so it stays one crisp pixel in the PNG.
void hairline(cairo_t* cr, double x0, double y0, double x1, double y1) {
  cairo_move_to(cr, std::floor(x0) + 0.5, std::floor(y0) + 0.5);
  cairo_line_to(cr, std::floor(x1) + 0.5, std::floor(y1) + 0.5);
  cairo_stroke(cr);
}

void draw(cairo_t* cr, const FigureSpec& spec, const FigureLayout& L) {
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  double y = kMargin;
  for (const TextLine& line : L.text_lines) {
    const bool title = line.kind == TextLine::Kind::title;
    set_font(cr, title ? kTitleSize : kTextSize, title);
    set_colour(cr, line.kind == TextLine::Kind::warning ? kWarning : title ? Rgb{0, 0, 0} : kAxis);
    show_text(cr, kMargin, y + kLineHeight - 4.0, line.text);
    y += kLineHeight;
  }

  // The cells and the colour bar, each one raster at whole pixels.
  for (const auto& [surface, rect] :
       {std::make_pair(cells_raster(spec, L), L.plot), std::make_pair(bar_raster(spec, L), L.colour_bar)}) {
    cairo_set_source_surface(cr, surface.get(), rect.x, rect.y);
    cairo_paint(cr);
  }

  set_colour(cr, kAxis);
  cairo_set_line_width(cr, 1.0);
  for (const PixelRect& r : {L.plot, L.colour_bar}) {
    cairo_rectangle(cr, r.x - 0.5, r.y - 0.5, r.width + 1.0, r.height + 1.0);
    cairo_stroke(cr);
  }
  set_font(cr, kLabelSize);
  const double bottom = L.plot.y + L.plot.height;
  for (const Tick& t : L.time_ticks) {
    hairline(cr, t.position, bottom, t.position, bottom + kTickLength);
    show_text(cr, std::floor(t.position) + 0.5 - text_width(cr, t.label) / 2.0, bottom + kTickLength + 12.0, t.label);
  }
  show_text(cr, L.plot.x + L.plot.width / 2.0 - text_width(cr, "time (s)") / 2.0, bottom + kBottom - 6.0, "time (s)");
  for (const Tick& t : L.hz_ticks) {
    hairline(cr, L.plot.x - kTickLength - 1.0, t.position, L.plot.x - 1.0, t.position);
    show_text(cr, L.plot.x - kTickLength - 4.0 - text_width(cr, t.label), std::floor(t.position) + 4.5, t.label);
  }
  show_text(cr, L.plot.x - kTickLength - 4.0 - text_width(cr, "Hz"), L.plot.y - 5.0, "Hz");
  const double bar_right = L.colour_bar.x + L.colour_bar.width;
  for (const Tick& t : L.bar_ticks) {
    const double ty = std::min(t.position, L.colour_bar.y + L.colour_bar.height - 1.0);
    hairline(cr, bar_right, ty, bar_right + 4.0, ty);
    show_text(cr, bar_right + 6.0, std::floor(ty) + 4.5, t.label);
  }
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void check(cairo_status_t status, const char* what) {
  HEARSAY_CHECK(status == CAIRO_STATUS_SUCCESS, "figure: cairo could not ", what, ": ", cairo_status_to_string(status));
}

// Cairo's SVG, made reproducible and crisp. Cairo numbers surfaces, images and patterns with
// process-wide counters ("image382"), so the same figure would differ from call to call: each kind is
// renumbered from 1 in order of appearance. A browser that scales the SVG would blur the cells'
// raster: its images are marked to scale by pixel repetition instead.
std::string tidy_svg(const std::string& svg) {
  std::string out;
  out.reserve(svg.size());
  std::map<std::string, std::map<std::string, int>> numbers;  // kind → cairo's number → ours
  size_t i = 0;
  while (i < svg.size()) {
    const bool reference = svg[i] == '#';
    const bool id = svg.compare(i, 4, "id=\"") == 0;
    const size_t start = i + (reference ? 1 : id ? 4 : 0);
    size_t digits = start;
    while (digits < svg.size() && std::islower(static_cast<unsigned char>(svg[digits]))) ++digits;
    size_t end = digits;
    while (end < svg.size() && std::isdigit(static_cast<unsigned char>(svg[end]))) ++end;
    if ((reference || id) && digits > start && end > digits && (end == svg.size() || svg[end] != '-')) {
      auto& kind = numbers[svg.substr(start, digits - start)];
      const auto [it, fresh] = kind.try_emplace(svg.substr(digits, end - digits), static_cast<int>(kind.size() + 1));
      out.append(svg, i, digits - i);
      out += std::to_string(it->second);
      i = end;
    } else if (svg.compare(i, 7, "<image ") == 0) {
      out += "<image style=\"image-rendering:optimizeSpeed;image-rendering:pixelated\" ";
      i += 7;
    } else {
      out += svg[i++];
    }
  }
  return out;
}

}  // namespace

FigureLayout figure_layout(const FigureSpec& spec) {
  const Surface scratch(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1), cairo_surface_destroy);
  return layout_with(context_for(scratch.get()).get(), spec);
}

std::string attribution_png(const FigureSpec& spec) {
  const FigureLayout L = figure_layout(spec);
  const Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, L.width, L.height), cairo_surface_destroy);
  check(cairo_surface_status(surface.get()), "make the PNG surface");
  {
    const Context cr = context_for(surface.get());
    draw(cr.get(), spec, L);
    check(cairo_status(cr.get()), "draw the figure");
  }
  std::string bytes;
  check(cairo_surface_write_to_png_stream(surface.get(), append, &bytes), "encode the PNG");
  return bytes;
}

std::string attribution_svg(const FigureSpec& spec) {
  const FigureLayout L = figure_layout(spec);
  std::string text;
  {
    const Surface surface(cairo_svg_surface_create_for_stream(append, &text, L.width, L.height), cairo_surface_destroy);
    check(cairo_surface_status(surface.get()), "make the SVG surface");
    cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);  // the PNG's size, not 4/3 of it
    {
      const Context cr = context_for(surface.get());
      draw(cr.get(), spec, L);
      check(cairo_status(cr.get()), "draw the figure");
    }
    cairo_surface_finish(surface.get());
    check(cairo_surface_status(surface.get()), "write the SVG");
  }
  return tidy_svg(text);
}

void write_attribution_png(const std::string& path, const FigureSpec& spec) {
  write_text_file(path, attribution_png(spec));
}

void write_attribution_svg(const std::string& path, const FigureSpec& spec) {
  write_text_file(path, attribution_svg(spec));
}

}  // namespace hearsay::bench
