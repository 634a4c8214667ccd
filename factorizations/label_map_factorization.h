// Components that are sets of log-mel cells (a label per cell): SoundLIME-style time-frequency patches
// (`tf_grid`) and spectrogram superpixels. A removed cell takes the baseline's value; rendering keeps
// the STFT bins under kept cells and silences the rest (each STFT bin follows the mel band whose
// filter weighs it most).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"
#include "factorizations/factorization.h"

namespace hearsay::factorizations {

/// What a removed log-mel cell becomes.
enum class FeatureBaseline { zero, min, mean, noise, blur };

struct FeatureBaselineOptions {
  FeatureBaseline baseline = FeatureBaseline::zero;  ///< zero: zero energy (the front-end's silence value)
  double blur_frames = 8.0;                          ///< Gaussian blur sigma along time in frames (blur baseline)
  double blur_bands = 4.0;                           ///< Gaussian blur sigma along mel bands (blur baseline)
  uint64_t seed = 0;                                 ///< seed of the noise baseline

  template <class V>
  void visit(V& v) {
    v.choice("baseline", baseline,
             {{"zero", FeatureBaseline::zero},
              {"min", FeatureBaseline::min},
              {"mean", FeatureBaseline::mean},
              {"noise", FeatureBaseline::noise},
              {"blur", FeatureBaseline::blur}},
             "removed cells: zero energy, the input's minimum or mean, per-band Gaussian noise, or a blurred copy");
    v("blur_frames", blur_frames, "blur sigma along time (frames)", Range::greater_than(0));
    v("blur_bands", blur_bands, "blur sigma along mel bands", Range::greater_than(0));
    v("seed", seed, "seed of the noise baseline");
  }
};

/// The baseline array [n_mels × frames] for features x.
Matrix<float> feature_baseline(const Matrix<float>& x, const FrontEnd& front_end, const FeatureBaselineOptions& o);

class LabelMapFactorization : public Factorization {
 public:
  /// labels[m, t] is the component of cell (m, t); every component must own at least one cell.
  LabelMapFactorization(const FrontEnd& front_end, const Audio& audio, Matrix<float> features, Matrix<int32_t> labels,
                        std::vector<std::string> names, const FeatureBaselineOptions& baseline, nlohmann::json options);

  std::string domain() const override { return "features"; }
  std::string baseline() const override { return baseline_text_; }
  void compose(const uint8_t* keep, float* features) const override;
  using Factorization::compose;
  void compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const override;
  /// Each cell g · x + (1 − g) · baseline, g its component's gain.
  void compose_gains(const double* gains, float* features) const override;
  using Factorization::compose_gains;
  /// Σ over component i's cells of upstream · (x − baseline).
  std::vector<double> gains_vjp(const double* gains, const Matrix<float>& upstream) const override;
  Audio render(const std::vector<uint8_t>& keep) const override;
  std::vector<double> pool(const Matrix<float>& map) const override;
  FrameSpan span(int64_t i) const override { return spans_[static_cast<size_t>(i)]; }
  Matrix<float> indicator(int64_t i) const override;
  /// Source "mix", the bounding box of its cells, and the cells when they do not fill it.
  ComponentGeometry geometry(int64_t i) const override;
  const Matrix<int32_t>& labels() const { return labels_; }

 private:
  FrontEndOptions front_end_options_;
  Audio audio_;
  Matrix<float> features_;
  Matrix<float> baseline_;
  Matrix<int32_t> labels_;
  std::vector<FrameSpan> spans_;
  std::vector<FrameSpan> bands_;      // mel bins [first, last) of each component
  std::vector<int64_t> cell_counts_;  // cells of each component
  // The label map run-length encoded along time: per mel band, runs of one label [start, next start).
  // compose_frames copies each run from the features or the baseline whole, instead of choosing cell
  // by cell (tf_grid's bands hold ten runs of 13 frames; superpixels tens).
  struct Run {
    int64_t start;
    int32_t label;
  };
  std::vector<std::vector<Run>> runs_;
  std::vector<uint8_t> ragged_;  // per row: whether it has runs shorter than 4 frames
  /// Rows whose runs average fewer frames than this are composed cell by cell (compose_frames); a
  /// ragged row's runs cost more each (their lengths and sources both jump about), so its bar is higher.
  static constexpr int64_t kCellwiseRun = 12;
  static constexpr int64_t kCellwiseRaggedRun = 24;
  std::string baseline_text_;
};

}  // namespace hearsay::factorizations
