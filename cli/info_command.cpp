// hearsay info FILE...: what each audio file holds (format, rate, channels, duration, peak, RMS),
// read in constant memory; a file that cannot be read is reported and the rest still listed.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/audio_io.h"
#include "core/error.h"

namespace hearsay::cli {

namespace {

struct InfoArgs {
  std::vector<std::string> files;
  bool json = false;
};

double to_dbfs(double x) { return x > 0.0 ? 20.0 * std::log10(x) : -INFINITY; }

int run_info(const InfoArgs& args) {
  nlohmann::json report = nlohmann::json::array();
  int failures = 0;
  for (const auto& path : args.files) {
    nlohmann::json entry{{"path", path}};
    try {
      const AudioFileInfo info = probe_audio(path);
      const AudioLevels levels = measure_audio_file(path);
      entry.update({{"format", info.format},
                    {"encoding", info.encoding},
                    {"sample_rate", info.sample_rate},
                    {"channels", info.channels},
                    {"frames", info.frames},
                    {"duration_seconds", info.duration()},
                    {"peak", levels.peak},
                    {"rms", levels.rms},
                    {"truncated", info.truncated},
                    {"non_finite_samples", levels.non_finite}});
      if (!args.json) {
        std::printf(
            "%s\n  format      %s, %s\n  sample rate %d Hz\n  channels    %d\n  duration    %.3f s (%lld frames)\n"
            "  peak        %.4f (%.1f dBFS)\n  RMS         %.4f (%.1f dBFS)\n",
            path.c_str(), info.format.c_str(), info.encoding.c_str(), info.sample_rate, info.channels, info.duration(),
            static_cast<long long>(info.frames), levels.peak, to_dbfs(levels.peak), levels.rms, to_dbfs(levels.rms));
        if (info.truncated)
          std::printf("  warning     truncated: the header promises more audio than the file holds\n");
        if (levels.non_finite)
          std::printf("  warning     %lld NaN/Inf samples\n", static_cast<long long>(levels.non_finite));
      }
    } catch (const Error& e) {
      ++failures;
      entry["error"] = e.what();
      if (!args.json) std::fprintf(stderr, "hearsay info: %s\n", e.what());
    }
    report.push_back(entry);
  }
  // A path that is not valid UTF-8 (a foreign file system) prints with U+FFFD for the bad bytes
  // rather than stopping the report with a JSON encoding error.
  if (args.json) std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return failures ? 1 : 0;
}

}  // namespace

void add_info_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "Describe audio files: format, rate, channels, duration, peak, RMS");
  cmd->add_option("files", args->files, "Audio files (WAV, FLAC, OGG, AU, AIFF, MP3)")->required();
  cmd->add_flag("--json", args->json, "Print one JSON array instead of text");
  cmd->callback([args] {
    const int code = run_info(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
