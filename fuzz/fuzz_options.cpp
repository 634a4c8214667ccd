// libFuzzer target: JSON options, as users give them in --method-options, --options, --front-end,
// bench and synth configs. The first byte picks the reader, the rest is the JSON text:
//   - every explainer, factorization and metric, created by name through its registry (read_options
//     with unknown keys refused, ranges checked, then the constructor's own validation);
//   - the bench configuration (bench/config.cpp, compiled in: studies read, then every study's
//     plug-in names and options checked as hearsay bench does before any work);
//   - the front-end and STFT options, and the objects built from them (mel filters, FFT plans);
//   - the synth options;
//   - the CLI's JSON argument parser (cli/option_flags.cpp, compiled in: it needs no CLI state) and
//     its flag-to-JSON conversion.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/config.h"
#include "cli/option_flags.h"
#include "core/front_end.h"
#include "core/options.h"
#include "core/stft.h"
#include "datasets/synth/synth.h"
#include "factorizations/factorization.h"
#include "fuzz/fuzz_input.h"
#include "methods/explainer.h"
#include "metrics/metric.h"

namespace {

using Reader = std::function<void(const std::string& text)>;

// Parses `text` as hearsay's option readers receive it (nlohmann::json, no exceptions: the CLI
// reports unparsable JSON itself) and hands the value on when it parses.
Reader on_json(std::function<void(const nlohmann::json&)> read) {
  return [read = std::move(read)](const std::string& text) {
    const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) read(parsed);
  };
}

std::vector<Reader> make_readers() {
  std::vector<Reader> readers;
  for (const std::string& name : hearsay::methods::explainer_registry().names())
    readers.push_back(
        on_json([name](const nlohmann::json& j) { hearsay::methods::explainer_registry().create(name, j); }));
  for (const std::string& name : hearsay::factorizations::factorizer_registry().names())
    readers.push_back(
        on_json([name](const nlohmann::json& j) { hearsay::factorizations::factorizer_registry().create(name, j); }));
  for (const std::string& name : hearsay::metrics::metric_registry().names())
    readers.push_back(
        on_json([name](const nlohmann::json& j) { hearsay::metrics::metric_registry().create(name, j); }));
  readers.push_back(on_json([](const nlohmann::json& j) {
    const auto config = hearsay::read_options<hearsay::bench::BenchConfig>(j, "bench");
    for (const auto& study : config.studies) hearsay::bench::check_study(study, "studies[0]");
  }));
  readers.push_back(on_json([](const nlohmann::json& j) {
    hearsay::FrontEnd front_end(hearsay::read_options<hearsay::FrontEndOptions>(j, "--front-end"));
  }));
  readers.push_back(on_json(
      [](const nlohmann::json& j) { hearsay::Stft stft(hearsay::read_options<hearsay::StftOptions>(j, "stft")); }));
  readers.push_back(on_json(
      [](const nlohmann::json& j) { hearsay::read_options<hearsay::datasets::synth::SynthOptions>(j, "synth"); }));
  // json_argument reads a file when the text does not start with '{'; fuzz bytes must not name files.
  readers.push_back([](const std::string& text) {
    if (!text.empty() && text.front() == '{') hearsay::cli::json_argument(text, "--method-options");
  });
  readers.push_back(on_json([](const nlohmann::json& j) {
    if (!j.is_object()) return;
    hearsay::cli::FlagValues flags;
    for (const auto& [key, value] : j.items()) flags[key] = value.is_string() ? value.get<std::string>() : value.dump();
    hearsay::cli::flags_to_json(flags);
  }));
  return readers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Reader> readers = make_readers();
  if (size == 0) return 0;
  const Reader& reader = readers[data[0] % readers.size()];
  const std::string text = hearsay::fuzz::as_text(data + 1, size - 1);
  hearsay::fuzz::expect_only_hearsay_errors([&] { reader(text); });
  return 0;
}
