// Renders stems with libfluidsynth. Each stem gets a fresh synth (reverb and chorus off), because a
// fluidsynth voice depends on what the same synth played before: a jointly rendered mix differs from
// the sum of separately rendered stems by up to 5e-3. Loading the soundfont costs about as much as
// rendering a 6 s stem, so a renderer loads it once and lends it to each fresh synth; the output is
// bit-identical to a synth that loaded the file itself (tests/datasets/synth_test.cpp checks it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "datasets/synth/score.h"

namespace hearsay::datasets::synth {

/// Where Debian's timgm6mb-soundfont package puts its General MIDI soundfont.
inline const std::string kDefaultSoundfont = "/usr/share/sounds/sf2/TimGM6mb.sf2";

class FluidRenderer {
 public:
  /// Loads `soundfont`: IoError naming the path when it is missing (and the Debian package that
  /// provides the default, timgm6mb-soundfont) or is not a soundfont.
  FluidRenderer(const std::string& soundfont, int sample_rate);
  ~FluidRenderer();
  FluidRenderer(const FluidRenderer&) = delete;
  FluidRenderer& operator=(const FluidRenderer&) = delete;

  /// The stem as a mono signal (the mean of fluidsynth's left and right outputs), `seconds` long, with
  /// stem.gain_db applied. Notes sound until their note-off and then release; the clip cuts them at
  /// the end. IoError when the soundfont lacks an instrument the stem asks for. One call at a time.
  std::vector<float> render(const StemScore& stem, double seconds) const;

  int sample_rate() const { return sample_rate_; }
  const std::string& soundfont() const { return soundfont_; }

 private:
  struct State;
  std::string soundfont_;
  int sample_rate_;
  std::unique_ptr<State> state_;
};

}  // namespace hearsay::datasets::synth
