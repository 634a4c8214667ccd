#include "datasets/synth/fluid_renderer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>

#include <fluidsynth.h>

#include "core/error.h"
#include "datasets/synth/general_midi.h"

namespace hearsay::datasets::synth {

namespace {

// fluidsynth logs to stdout/stderr by default, which would break the progress bar. Its messages are
// dropped, except the last error of the calling thread, which explains a failed soundfont load.
thread_local std::string last_fluid_error;

void keep_error(int level, const char* text, void*) {
  if (level <= FLUID_ERR && text) last_fluid_error = text;
}

void silence_fluidsynth() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int level = 0; level < LAST_LOG_LEVEL; ++level) fluid_set_log_function(level, keep_error, nullptr);
  });
}

struct Event {
  int64_t sample = 0;
  int order = 0;  // note-offs before note-ons at the same sample, then score order
  bool on = false;
  const NoteEvent* note = nullptr;
};

}  // namespace

struct FluidRenderer::State {
  fluid_settings_t* settings = nullptr;
  fluid_synth_t* owner = nullptr;  // holds the loaded soundfont for the renderer's lifetime
  fluid_sfont_t* sfont = nullptr;
  ~State() {
    if (owner) delete_fluid_synth(owner);
    if (settings) delete_fluid_settings(settings);
  }
};

FluidRenderer::FluidRenderer(const std::string& soundfont, int sample_rate)
    : soundfont_(soundfont), sample_rate_(sample_rate), state_(std::make_unique<State>()) {
  silence_fluidsynth();
  std::error_code ec;
  HEARSAY_CHECK_AS(IoError, std::filesystem::is_regular_file(soundfont, ec), "soundfont '", soundfont,
                   "' not found (the default General MIDI soundfont, ", kDefaultSoundfont,
                   ", comes with the Debian package timgm6mb-soundfont; any General MIDI .sf2 file will do)");
  HEARSAY_CHECK_AS(ConfigError, sample_rate >= 8000 && sample_rate <= 96000, "synth: sample rate ", sample_rate,
                   " Hz is outside fluidsynth's 8000..96000 Hz");
  State& s = *state_;
  s.settings = new_fluid_settings();
  HEARSAY_CHECK(s.settings, "fluidsynth: cannot create settings");
  fluid_settings_setnum(s.settings, "synth.sample-rate", sample_rate);
  fluid_settings_setint(s.settings, "synth.reverb.active", 0);
  fluid_settings_setint(s.settings, "synth.chorus.active", 0);
  fluid_settings_setint(s.settings, "synth.cpu-cores", 1);
  fluid_settings_setint(s.settings, "synth.threadsafe-api", 0);
  fluid_settings_setint(s.settings, "synth.lock-memory", 0);
  fluid_settings_setint(s.settings, "synth.polyphony", 256);
  s.owner = new_fluid_synth(s.settings);
  HEARSAY_CHECK(s.owner, "fluidsynth: cannot create a synth");
  last_fluid_error.clear();
  const int id = fluid_synth_sfload(s.owner, soundfont.c_str(), 0);
  HEARSAY_CHECK_AS(IoError, id != FLUID_FAILED, "cannot load soundfont '", soundfont,
                   "': fluidsynth says: ", last_fluid_error.empty() ? "not a SoundFont 2 file" : last_fluid_error);
  s.sfont = fluid_synth_get_sfont_by_id(s.owner, id);
}

FluidRenderer::~FluidRenderer() = default;

std::vector<float> FluidRenderer::render(const StemScore& stem, double seconds) const {
  const auto frames = static_cast<int64_t>(std::llround(seconds * sample_rate_));
  HEARSAY_CHECK_AS(ConfigError, frames > 0, "synth: cannot render ", seconds, " s");
  fluid_synth_t* synth = new_fluid_synth(state_->settings);
  HEARSAY_CHECK(synth, "fluidsynth: cannot create a synth");
  // The lent soundfont must leave this synth before it is deleted, whatever happens.
  struct Lend {
    fluid_synth_t* synth;
    fluid_sfont_t* sfont;
    ~Lend() {
      fluid_synth_remove_sfont(synth, sfont);
      delete_fluid_synth(synth);
    }
  } lend{synth, state_->sfont};
  fluid_synth_add_sfont(synth, state_->sfont);

  for (const auto& c : stem.channels) {
    fluid_synth_bank_select(synth, c.channel, c.bank);
    fluid_synth_program_change(synth, c.channel, c.program);
    // fluidsynth substitutes another preset for a missing one; a different instrument would be wrong.
    fluid_preset_t* preset = fluid_synth_get_channel_preset(synth, c.channel);
    HEARSAY_CHECK_AS(IoError,
                     preset && fluid_preset_get_banknum(preset) == c.bank && fluid_preset_get_num(preset) == c.program,
                     "soundfont '", soundfont_, "' has no preset for bank ", c.bank, " program ", c.program, " (",
                     c.bank == kDrumBank ? drum_kit_name(c.program) + " drum kit" : program_name(c.program),
                     "), which stem '", stem.name, "' needs; use a General MIDI soundfont");
    fluid_synth_cc(synth, c.channel, 7, c.volume);
  }

  std::vector<Event> events;
  events.reserve(stem.notes.size() * 2);
  for (const auto& n : stem.notes) {
    HEARSAY_CHECK(n.channel >= 0 && n.channel < 16 && n.key >= 0 && n.key < 128 && n.velocity >= 1 && n.velocity < 128,
                  "synth: stem '", stem.name, "' has a note outside MIDI's ranges (channel ", n.channel, ", key ",
                  n.key, ", velocity ", n.velocity, ")");
    const auto on = static_cast<int64_t>(std::llround(n.start * sample_rate_));
    const auto off = static_cast<int64_t>(std::llround((n.start + n.duration) * sample_rate_));
    if (on >= frames) continue;
    events.push_back({on, 1, true, &n});
    events.push_back({std::max(off, on + 1), 0, false, &n});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.sample != b.sample ? a.sample < b.sample : a.order < b.order;
  });

  std::vector<float> left(static_cast<size_t>(frames)), right(static_cast<size_t>(frames));
  int64_t done = 0;
  auto render_to = [&](int64_t until) {
    while (done < until) {
      // fluid_synth_write_float takes an int count; render in blocks well inside it.
      const int count = static_cast<int>(std::min<int64_t>(until - done, 1 << 16));
      fluid_synth_write_float(synth, count, left.data(), static_cast<int>(done), 1, right.data(),
                              static_cast<int>(done), 1);
      done += count;
    }
  };
  for (const auto& e : events) {
    render_to(std::min(e.sample, frames));
    if (done >= frames) break;
    if (e.on)
      fluid_synth_noteon(synth, e.note->channel, e.note->key, e.note->velocity);
    else
      fluid_synth_noteoff(synth, e.note->channel, e.note->key);
  }
  render_to(frames);

  const auto gain = static_cast<float>(0.5 * std::pow(10.0, stem.gain_db / 20.0));
  std::vector<float> mono(static_cast<size_t>(frames));
  for (size_t i = 0; i < mono.size(); ++i) mono[i] = (left[i] + right[i]) * gain;
  return mono;
}

}  // namespace hearsay::datasets::synth
