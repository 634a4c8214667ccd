#include "bench/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/image.h"
#include "core/error.h"

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

namespace {
std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}
}  // namespace

void write_attribution_png(const std::string& path, const Matrix<float>& features, const Matrix<float>& map,
                           double hop_seconds, const FigureText& text) {
  HEARSAY_CHECK_AS(ShapeError, features.rows() == map.rows() && features.cols() == map.cols(), "figure: features ",
                   features.rows(), " x ", features.cols(), " and map ", map.rows(), " x ", map.cols(), " differ");
  const int plot_w = static_cast<int>(std::clamp<int64_t>(features.cols() * 4, 600, 1200));
  const int row_h = std::max(2, 300 / static_cast<int>(std::max<int64_t>(1, features.rows())));
  const int plot_h = row_h * static_cast<int>(features.rows());
  const int left = 50, top = 2 * Image::text_height() + 16, right = 110, bottom = 2 * Image::text_height() + 16;
  Image image(left + plot_w + right, top + plot_h + bottom);
  image.text(left, 4, text.title, kBlack);
  image.text(left, 6 + Image::text_height(), text.subtitle, {80, 80, 80});

  const float lo = *std::min_element(features.values().begin(), features.values().end());
  const float hi = *std::max_element(features.values().begin(), features.values().end());
  double scale = 0.0;
  for (float v : map.values()) scale = std::max(scale, static_cast<double>(std::abs(v)));
  for (int px = 0; px < plot_w; ++px) {
    const int64_t t = std::min<int64_t>(features.cols() - 1, static_cast<int64_t>(px) * features.cols() / plot_w);
    for (int64_t m = 0; m < features.rows(); ++m) {
      const double level = hi > lo ? (features(m, t) - lo) / (hi - lo) : 0.0;
      const auto grey = static_cast<uint8_t>(std::lround(40 + 180 * level));
      const double v = scale > 0 ? map(m, t) / scale : 0.0;
      const int y0 = top + plot_h - static_cast<int>(m + 1) * row_h;  // low bands at the bottom
      for (int dy = 0; dy < row_h; ++dy) {
        image.set(left + px, y0 + dy, {grey, grey, grey});
        image.blend(left + px, y0 + dy, diverging_color(v), 0.85 * std::sqrt(std::abs(v)));
      }
    }
  }
  // Axes: mel band index on the left, seconds below.
  image.text(4, top, "mel", kBlack);
  image.text(4, top + plot_h - Image::text_height(), "0", kBlack);
  const double seconds = static_cast<double>(features.cols()) * hop_seconds;
  const double step = seconds > 20 ? 5.0 : seconds > 8 ? 2.0 : seconds > 3 ? 1.0 : 0.5;
  for (double s = 0; s <= seconds + 1e-9; s += step) {
    const int x = left + static_cast<int>(std::lround(s / seconds * (plot_w - 1)));
    image.line(x, top + plot_h, x, top + plot_h + 4, kBlack);
    image.text(x - 6, top + plot_h + 6, number(s), kBlack);
  }
  image.text(left + plot_w / 2 - Image::text_width("time (s)") / 2, top + plot_h + 8 + Image::text_height(), "time (s)",
             kBlack);
  // Colour bar.
  const int bar_x = left + plot_w + 20;
  for (int y = 0; y < plot_h; ++y) {
    const double v = 1.0 - 2.0 * y / std::max(1, plot_h - 1);
    image.fill_rect(bar_x, top + y, 16, 1, diverging_color(v));
  }
  image.text(bar_x + 20, top, "+" + number(scale), kBlack);
  image.text(bar_x + 20, top + plot_h / 2 - Image::text_height() / 2, "0", kBlack);
  image.text(bar_x + 20, top + plot_h - Image::text_height(), "-" + number(scale), kBlack);
  image.write_png(path);
}

}  // namespace hearsay::bench
