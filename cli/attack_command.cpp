// hearsay attack CLIP --model DIR --out DIR [--target CLASS] [--domain waveform|spectrogram] ...: an
// adversarial attack on one clip (metrics/adversarial_attack.h: Praher et al., ISMIR 2021). The clip is
// loaded as explain and predict load it (mono, resampled to the model's rate, notes on stderr); the
// attack's options are metrics::AttackOptions, one flag per field. Written to --out: attack.json (what
// was asked and what came of it), and the inputs themselves: for a waveform attack clean.wav,
// adversarial.wav and perturbation.wav as 32-bit float WAV (so `hearsay predict adversarial.wav` reads
// back the very samples the attack stopped on); for a spectrogram attack clean_features.npy,
// adversarial_features.npy and perturbation.npy ([n_mels × frames] float32, NumPy's format).
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "cli/progress.h"
#include "core/audio_io.h"
#include "core/error.h"
#include "core/file_io.h"
#include "metrics/adversarial_attack.h"
#include "models/evaluation.h"
#include "models/load_model.h"

namespace hearsay::cli {

namespace fs = std::filesystem;

namespace {

struct AttackArgs {
  std::string clip;
  std::string model;
  std::string out;
  std::shared_ptr<FlagValues> options = std::make_shared<FlagValues>();
};

// --perturb 1,3 (or a JSON array): the list of segment indices.
nlohmann::json perturb_list(const std::string& text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded() && parsed.is_array()) return parsed;
  nlohmann::json out = nlohmann::json::array();
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const bool digits = !item.empty() && item.find_first_not_of("0123456789") == std::string::npos;
    HEARSAY_CHECK_AS(ConfigError, digits && item.size() <= 6, "--perturb: '", item,
                     "' is not a segment index; give 0-based indices separated by commas, e.g. --perturb 1,3");
    out.push_back(std::stoi(item));
  }
  return out;
}

// The attack's options from the flags. --target is a class name whatever it looks like ("1980" is a name
// until resolve_target), and --perturb takes "1,3"; everything else reads as predict's flags do.
metrics::AttackOptions attack_options(const FlagValues& flags) {
  FlagValues rest = flags;
  rest.erase("target");
  rest.erase("perturb");
  nlohmann::json j = flags_to_json(rest);
  if (flags.count("target")) j["target"] = flags.at("target");
  if (flags.count("perturb")) j["perturb"] = perturb_list(flags.at("perturb"));
  return read_options<metrics::AttackOptions>(j, "attack");
}

// --target: a class name, "next" (the class after the clean prediction) or a class index; returned as
// the name (or "next") the attack takes. An unknown name is refused with the model's classes.
std::string resolve_target(const models::Model& model, const std::string& target) {
  if (target.empty() || target == "next") return target;
  for (const auto& name : model.class_names())
    if (name == target) return target;
  if (target.find_first_not_of("0123456789") == std::string::npos && target.size() <= 6) {
    const int index = std::stoi(target);
    HEARSAY_CHECK_AS(ConfigError, index < model.num_classes(), "--target ", target, ": model '", model.name(), "' has ",
                     model.num_classes(), " classes (0 to ", model.num_classes() - 1, ")");
    return model.class_names()[static_cast<size_t>(index)];
  }
  try {
    model.class_index(target);
  } catch (const ConfigError& e) {
    throw ConfigError(message("--target: ", e.what(), " (or an index, or \"next\")"));
  }
  return target;
}

// NumPy's .npy format (version 1.0): a float32 [rows × cols] array in C order, readable with np.load.
std::string npy_bytes(const Matrix<float>& m) {
  const uint16_t probe = 1;
  unsigned char low = 0;
  std::memcpy(&low, &probe, 1);
  std::string header = message("{'descr': '", low ? '<' : '>', "f4', 'fortran_order': False, 'shape': (", m.rows(),
                               ", ", m.cols(), "), }");
  const size_t prefix = 10;  // magic (6), version (2), header length (2)
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(m.data()), static_cast<size_t>(m.size()) * sizeof(float));
  return out;
}

nlohmann::json class_json(const models::Model& model, int index, const std::vector<double>& probabilities) {
  if (index < 0) return nullptr;
  return {{"class", model.class_names()[static_cast<size_t>(index)]},
          {"index", index},
          {"probability", probabilities[static_cast<size_t>(index)]}};
}

std::string class_text(const models::Model& model, int index, const std::vector<double>& probabilities) {
  char p[32];
  std::snprintf(p, sizeof p, "%.3f", probabilities[static_cast<size_t>(index)]);
  return message(model.class_names()[static_cast<size_t>(index)], " (p = ", p, ")");
}

// The one paragraph on stdout: what was tried, what came of it, at what cost, and where it is.
std::string summary(const AttackArgs& args, const models::Model& model, const metrics::AttackOptions& o,
                    const metrics::AttackResult& r, const std::vector<std::string>& files) {
  const nlohmann::json options = write_options(o);
  std::string span;
  for (const auto& [from, to] : r.perturbed_seconds) {
    char text[48];
    std::snprintf(text, sizeof text, "%.2f-%.2f s", from, to);
    span += (span.empty() ? "" : ", ") + std::string(text);
  }
  char numbers[160];
  std::snprintf(numbers, sizeof numbers, "peaks at %.3g (budget %.3g) and lies %.1f dB below the %s", r.linf, r.epsilon,
                r.snr_db, o.domain == metrics::AttackDomain::waveform ? "clip" : "clip's log-mel features");
  std::string files_text;
  for (size_t i = 0; i < files.size(); ++i)
    files_text += (i == 0 ? "" : i + 1 == files.size() ? " and " : ", ") + files[i];
  std::string outcome;
  if (r.success)
    outcome = message("succeeded after ", r.iterations, " iteration", r.iterations == 1 ? "" : "s", ": ",
                      class_text(model, r.clean_class, r.clean_probabilities), " became ",
                      class_text(model, r.adversarial_class, r.adversarial_probabilities),
                      r.target < 0 ? "" : ", the target");
  else
    outcome = message("failed within ", r.iterations, " iterations: the clip is still ",
                      class_text(model, r.adversarial_class, r.adversarial_probabilities),
                      r.target < 0 ? "" : "; the target " + class_text(model, r.target, r.adversarial_probabilities));
  return message(args.clip, ": ", r.target < 0 ? "untargeted " : "targeted ", metrics::domain_name(o.domain),
                 " attack on ", model.name(), " (", options["optimizer"].get<std::string>(), ", budget ", o.snr_db,
                 " dB SNR) ", outcome, ". The perturbation ", numbers, ", over ", span, ". Wrote ", files_text, " to ",
                 fs::absolute(args.out).string(), ".");
}

void run_attack(const AttackArgs& args) {
  metrics::AttackOptions options = attack_options(*args.options);
  probe_audio(args.clip);  // a missing or unreadable clip is named before the model is loaded
  Progress progress;
  progress.begin(message("loading the model '", args.model, "'"));
  const auto model = models::load_model(args.model);
  progress.end();
  options.target = resolve_target(*model, options.target);
  ensure_writable_directory(args.out, "--out");

  const int rate = model->front_end().sample_rate();
  progress.begin(message("loading '", args.clip, "'"));
  Audio clean;
  {  // as the file holds it, so the notes can say what was changed on the way in
    const Audio original = load_audio(args.clip);
    models::InputNotes notes;
    notes.add(original, rate, model->input_samples());
    for (const auto& line : notes.lines()) std::cerr << "hearsay: note: " << args.clip << ": " << line << "\n";
    clean = original.to_mono().resampled(rate);
  }
  progress.end();

  progress.begin(
      message(metrics::domain_name(options.domain), " attack (at most ", options.iterations, " iterations)"));
  const metrics::AttackResult r = metrics::attack(*model, clean, options);
  progress.end();

  const fs::path out(args.out);
  std::vector<std::string> files{"attack.json"};
  if (options.domain == metrics::AttackDomain::waveform) {
    save_audio((out / "clean.wav").string(), clean, SampleFormat::float32);
    save_audio((out / "adversarial.wav").string(), r.adversarial_audio(clean), SampleFormat::float32);
    save_audio((out / "perturbation.wav").string(), Audio::mono(r.delta, rate), SampleFormat::float32);
    files.insert(files.end(), {"clean.wav", "adversarial.wav", "perturbation.wav"});
  } else {
    write_text_file((out / "clean_features.npy").string(), npy_bytes(r.clean_features));
    write_text_file((out / "adversarial_features.npy").string(), npy_bytes(r.adversarial_features(*model, clean)));
    write_text_file((out / "perturbation.npy").string(), npy_bytes(r.delta_features));
    files.insert(files.end(), {"clean_features.npy", "adversarial_features.npy", "perturbation.npy"});
  }

  nlohmann::json perturbed = nlohmann::json::array();
  for (const auto& [from, to] : r.perturbed_seconds) perturbed.push_back({from, to});
  nlohmann::json target = class_json(*model, r.target, r.adversarial_probabilities);
  if (r.target >= 0) target["clean_probability"] = r.clean_probabilities[static_cast<size_t>(r.target)];
  const nlohmann::json report = {{"clip", args.clip},
                                 {"model", args.model},
                                 {"model_name", model->name()},
                                 {"classes", model->class_names()},
                                 {"sample_rate", rate},
                                 {"options", write_options(options)},
                                 {"success", r.success},
                                 {"clean", class_json(*model, r.clean_class, r.clean_probabilities)},
                                 {"target", target},
                                 {"adversarial", class_json(*model, r.adversarial_class, r.adversarial_probabilities)},
                                 {"clean_probabilities", r.clean_probabilities},
                                 {"adversarial_probabilities", r.adversarial_probabilities},
                                 {"iterations", r.iterations},
                                 {"epsilon", r.epsilon},
                                 {"linf", r.linf},
                                 {"snr_db", r.snr_db},
                                 {"perturbed_seconds", perturbed},
                                 {"files", files}};
  write_json_file((out / "attack.json").string(), report);
  std::cout << summary(args, *model, options, r, files) << "\n";
}

}  // namespace

void add_attack_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<AttackArgs>();
  CLI::App* cmd = app.add_subcommand(
      "attack",
      "Perturb one clip until the model changes its label (adversarial attack); write the inputs and a report");
  cmd->add_option("clip", args->clip, "The clip to attack")->required();
  cmd->add_option("--model", args->model, "Model directory (model.json + weights or TorchScript file)")->required();
  cmd->add_option("--out", args->out, "Output folder (attack.json and the clean, adversarial and perturbation inputs)")
      ->required();
  add_option_flags<metrics::AttackOptions>(*cmd, args->options);
  cmd->footer(
      "--target takes a class name, an index or \"next\"; --perturb takes 0-based segment indices, e.g. 1,3 (with "
      "--segments). Exit codes: 0 the attack ran (whether it succeeded is in attack.json and the summary); 1 a file "
      "could not be read or written, or the model cannot give gradients; 2 a wrong option.");
  cmd->callback([args] { run_attack(*args); });
}

}  // namespace hearsay::cli
