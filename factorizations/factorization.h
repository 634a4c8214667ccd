// Factorizations: a Factorizer (settings, registered by name) turns one input into a Factorization
// with M named components that a person can hear. Every factorization can
//  - compose(keep) the model input (log-mel features [n_mels × frames]) for any keep-mask, and (the
//    built-in ones) compose_gains(g) for continuous gains in [0, 1] with gains_vjp carrying a feature
//    gradient back to the gains (integrated gradients over components),
//  - render(keep) the audio of the kept components (a listenable explanation),
//  - pool(map) a dense [n_mels × frames] attribution map into one score per component (the sum of the
//    map over the component's cells; components that share cells, like stems, split each cell by their
//    share of its energy), so white-box maps and perturbation scores meet on the same components,
//  - describe where each component lives (geometry: source, frames, mel band or cells), so a planted
//    cue is matched to components by overlap(), never by parsing their names.
// compose(all ones) equals the model input of the unperturbed clip.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/audio.h"
#include "core/front_end.h"
#include "core/matrix.h"
#include "core/registry.h"
#include "factorizations/geometry.h"

namespace hearsay::factorizations {

/// What is being factorized: a mono clip at the front-end's rate, and its stems when known.
struct FactorizationInput {
  Audio audio;                         ///< mono, at the front-end's sample rate
  std::map<std::string, Audio> stems;  ///< optional sources (true stems, user stem files)
  /// The model input when it is not the front-end of `audio`: a spectrogram-domain adversarial
  /// example (metrics/adversarial_attack.h), [n_mels × frames] of `audio`'s front-end. Factorizations
  /// of log-mel cells (tf_grid, superpixels) cut it instead (their audio renders `audio`); those whose
  /// components are signals (segments, stems) refuse it.
  std::optional<Matrix<float>> features{};
};

class Factorization {
 public:
  virtual ~Factorization() = default;

  /// Number of components M.
  int64_t size() const { return static_cast<int64_t>(names_.size()); }
  /// Unique, stable component names, e.g. "drums.t03" or "t02.f1".
  const std::vector<std::string>& names() const { return names_; }
  /// Where components live: "waveform" (composed as sums of signals) or "features" (log-mel cells).
  virtual std::string domain() const = 0;
  /// What replaces a removed component, in words ("silence", "noise at -40 dB", ...).
  virtual std::string baseline() const = 0;

  int64_t n_mels() const { return n_mels_; }
  int64_t frames() const { return frames_; }

  /// Writes the model input [n_mels × frames] for keep-mask `keep` (size() bytes, non-zero = keep).
  /// Safe to call from several threads at once.
  virtual void compose(const uint8_t* keep, float* features) const = 0;
  Matrix<float> compose(const std::vector<uint8_t>& keep) const;
  /// Whether each frame of the input depends only on the components that reach it (span()); then
  /// compose_frames can build part of an input, and equal keep bits over a window's components give
  /// an equal window. False when the front-end clamps relative to the clip's maximum (top_db).
  virtual bool frame_local() const { return true; }
  /// Frames [first, first + count) of the input for `keep`, written to out [n_mels × count].
  /// The default composes the whole input and copies the frames.
  virtual void compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const;
  /// compose() with continuous gains g ∈ [0, 1]^size() (integrated gradients over components,
  /// methods/component_ig.h): component i contributes g_i · its content + (1 − g_i) · its baseline, in
  /// the domain where components combine (waveform spectra, or log-mel cells), so gains of 0 and 1
  /// compose what the keep-mask of the same bits composes. The default refuses (ConfigError naming
  /// the factorization): a factorization without a continuous composition cannot be differentiated.
  virtual void compose_gains(const double* gains, float* features) const;
  Matrix<float> compose_gains(const std::vector<double>& gains) const;
  /// The vector-Jacobian product of compose_gains at `gains`: for each component i,
  /// Σ_cells upstream(cell) · ∂features(cell)/∂g_i, upstream [n_mels × frames] (the gradient of a
  /// scalar with respect to the features). Where the composition is not differentiable (a clamp's
  /// kink) it takes the derivative of the branch compose_gains takes. The default refuses like
  /// compose_gains.
  virtual std::vector<double> gains_vjp(const double* gains, const Matrix<float>& upstream) const;
  /// Audio of the kept components (mono, front-end rate).
  virtual Audio render(const std::vector<uint8_t>& keep) const = 0;
  /// One score per component from a dense map [n_mels × frames].
  virtual std::vector<double> pool(const Matrix<float>& map) const = 0;
  /// Frames component i can change (used to share work between masks that agree there).
  virtual FrameSpan span(int64_t i) const = 0;
  /// Map [n_mels × frames] of where component i lives: 1 on its cells, 0 elsewhere; components that
  /// share cells (stems) get their share of each cell's energy instead.
  virtual Matrix<float> indicator(int64_t i) const = 0;
  /// Whether components share cells (then pool splits each cell between them).
  virtual bool overlapping() const { return false; }
  /// Whether components add up as signals (waveform: removing one subtracts its sound from every cell
  /// it reaches) or replace cells (features: a removed cell takes the baseline's value).
  virtual bool additive() const { return false; }
  /// What time and frequency each cell of the input stands for; not known() for toy inputs that have
  /// no time axis (then overlap() is refused).
  const InputGrid& grid() const { return grid_; }
  /// Where component i lives. The default reads indicator(i): source "mix", the bounding box of its
  /// non-zero cells, and the cells themselves when they do not fill that box.
  virtual ComponentGeometry geometry(int64_t i) const;
  /// Fraction of `region` (its time × band area, in input cells, within the clip) that component i
  /// covers; 0 when the sources differ (a "mix" component matches any source; a region with an empty
  /// or "mix" source matches any component) or when the region lies outside the input. ConfigError
  /// for a reversed span or band, Error when the input has no grid.
  double overlap(int64_t i, const Region& region) const;
  /// overlap(i, region) for every component, sharing the region's weights.
  std::vector<double> overlaps(const Region& region) const;
  /// Factorizer options that built this factorization.
  const nlohmann::json& options() const;

 protected:
  /// An input with no time/frequency grid (toys): overlap() is refused.
  Factorization(std::vector<std::string> names, int64_t n_mels, int64_t frames, nlohmann::json options);
  /// An input on `grid` (n_mels and frames come from it).
  Factorization(std::vector<std::string> names, InputGrid grid, nlohmann::json options);
  void check_mask(const std::vector<uint8_t>& keep) const;
  /// ShapeError unless `upstream` is [n_mels × frames] (for gains_vjp).
  void check_upstream(const Matrix<float>& upstream) const;

 private:
  std::vector<std::string> names_;
  int64_t n_mels_ = 0;
  int64_t frames_ = 0;
  InputGrid grid_;
  std::shared_ptr<const nlohmann::json> options_;
};

class Factorizer {
 public:
  virtual ~Factorizer() = default;
  virtual std::string name() const = 0;
  /// The factorizer's options with every default filled in.
  virtual nlohmann::json options() const = 0;
  /// Factorizes one input for a model whose front-end is `front_end`. ShapeError / ConfigError when
  /// the input does not suit (wrong rate, missing stems, too short for the requested components).
  virtual std::unique_ptr<Factorization> factorize(const FactorizationInput& input,
                                                   const FrontEnd& front_end) const = 0;
};

/// Every built-in factorizer, registered in factorizations/builtin.cpp.
const Registry<Factorizer>& factorizer_registry();

/// Zero-padded decimal, at least two digits and enough for `count` values: index_label(3, 12) == "03".
std::string index_label(int64_t index, int64_t count);

}  // namespace hearsay::factorizations
