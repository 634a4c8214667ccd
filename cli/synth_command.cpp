// hearsay synth: generates a synthetic music set with true stems (and planted or shortcut cues) in
// GTZAN layout; see datasets/synth/synth.h for the modes and the files written.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/options.h"
#include "datasets/synth/synth.h"

namespace hearsay::cli {

namespace {

using datasets::synth::SynthOptions;

struct SynthArgs {
  std::string out;
  int genres = 10;
  int per_genre = 20;
  double seconds = 6.0;
  uint64_t seed = 1;
  bool planted = false;
  bool shortcut = false;
  std::string soundfont;
  std::string format;
  std::string options;
};

// One line on stderr, redrawn in place: a bar, the count, the elapsed time and an estimate of the rest.
class ProgressBar {
 public:
  ProgressBar() : tty_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}
  void operator()(size_t done, size_t total) {
    if (!tty_ || total == 0) return;
    if (first_done_ < 0) first_done_ = static_cast<long>(done);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const long made = static_cast<long>(done) - first_done_;
    const double left = made > 0 ? elapsed / made * static_cast<double>(total - done) : 0.0;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done / total);
    std::fprintf(stderr, "\r[%s%s] %zu/%zu tracks  %.0f s  ~%.0f s left ", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), done, total, elapsed, left);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  long first_done_ = -1;
};

uintmax_t folder_bytes(const std::string& folder) {
  uintmax_t bytes = 0;
  std::error_code ec;
  for (const auto& item : std::filesystem::recursive_directory_iterator(folder, ec))
    if (item.is_regular_file(ec)) bytes += item.file_size(ec);
  return bytes;
}

void run_synth(const SynthArgs& args, CLI::App& cmd) {
  nlohmann::json j = json_argument(args.options, "--options");
  HEARSAY_CHECK_AS(ConfigError, j.is_object(), "synth: --options must be a JSON object");
  // A flag and --options giving the same key different values: which was meant cannot be guessed.
  auto set = [&j](const char* flag, const char* key, bool given, const nlohmann::json& value) {
    if (!given) return;
    HEARSAY_CHECK_AS(ConfigError, !j.contains(key) || j[key] == value, "synth: '", key, "' is ", value.dump(),
                     " by the flag ", flag, " but ", j[key].dump(), " by --options; give it once");
    j[key] = value;
  };
  set("--genres", "genres", cmd.count("--genres") > 0, args.genres);
  set("--per-genre", "per_genre", cmd.count("--per-genre") > 0, args.per_genre);
  set("--seconds", "seconds", cmd.count("--seconds") > 0, args.seconds);
  set("--seed", "seed", cmd.count("--seed") > 0, args.seed);
  set("--soundfont", "soundfont", !args.soundfont.empty(), args.soundfont);
  set("--format", "format", !args.format.empty(), args.format);
  HEARSAY_CHECK_AS(ConfigError, !(args.planted && args.shortcut), "synth: --planted and --shortcut exclude each other");
  set("--planted", "mode", args.planted, "planted");
  set("--shortcut", "mode", args.shortcut, "shortcut");
  const auto options = read_options<SynthOptions>(j, "synth");
  ensure_writable_directory(args.out, "--out");

  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar;
  const auto summary = datasets::synth::write_synthetic_dataset(options, args.out, std::ref(bar));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& note : summary.repaired) std::fprintf(stderr, "hearsay synth: note: %s\n", note.c_str());
  const double audio_minutes = summary.tracks * options.seconds / 60.0;
  std::printf(
      "hearsay synth: %zu tracks in '%s' (%zu made now, %zu kept from an earlier run), %.1f min of audio, "
      "%.1f MB on disk, %.1f s\n",
      summary.tracks, args.out.c_str(), summary.rendered, summary.kept, audio_minutes,
      static_cast<double>(folder_bytes(args.out)) / 1e6, seconds);
}

}  // namespace

void add_synth_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<SynthArgs>();
  CLI::App* cmd = app.add_subcommand(
      "synth", "Generate synthetic music with true stems (and planted or shortcut cues), in GTZAN layout");
  cmd->add_option("--out", args->out, "Output folder (an interrupted run resumes in it)")->required();
  cmd->add_option("--genres", args->genres, "Classes: the first N of the ten genre styles, or N planted cues (1-10)");
  cmd->add_option("--per-genre", args->per_genre, "Tracks per class");
  cmd->add_option("--seconds", args->seconds, "Length of every track in seconds");
  cmd->add_option("--seed", args->seed, "Seed of every random choice");
  cmd->add_flag("--planted", args->planted,
                "The label is a short cue in one stem and time span (ground truth recorded)");
  cmd->add_flag("--shortcut", args->shortcut,
                "Genres, plus a faint tone on one genre's training tracks and on random test tracks");
  cmd->add_option("--soundfont", args->soundfont, "General MIDI soundfont (default: Debian's TimGM6mb.sf2)");
  cmd->add_option("--format", args->format, "wav or flac (16-bit PCM)");
  cmd->add_option("--options", args->options,
                  "More options as JSON text or a JSON file, e.g. '{\"shortcut_hz\": 5000, \"distractors\": 3}'");
  std::string footer = "Options for --options (JSON), with their defaults:\n";
  for (const auto& doc : describe_options<SynthOptions>())
    footer += message("  ", doc.name, " = ", doc.default_value.dump(),
                      doc.allowed.empty() ? "" : " (" + doc.allowed + ")", ": ", doc.description, "\n");
  cmd->footer(footer);
  cmd->callback([args, cmd] { run_synth(*args, *cmd); });
}

}  // namespace hearsay::cli
