#include "models/model_config.h"

#include <cmath>
#include <fstream>
#include <set>

#include "core/error.h"
#include "core/file_io.h"
#include "core/hash.h"
#include "core/options.h"

namespace hearsay::models {

namespace {

const std::vector<std::string> kKeys = {
    "format_version", "architecture", "network_options", "file",          "file_hash", "config_hash", "input_rank",
    "front_end",      "classes",      "input_frames",    "input_seconds", "training",  "data",        "batch"};
constexpr int kFormatVersion = 1;

const nlohmann::json* find(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  return it == json.end() ? nullptr : &*it;
}

std::string preview(const nlohmann::json& j) { return detail::json_preview(j); }

std::string hash_text(const std::string& bytes) {
  Fnv1a64 hash;
  hash.add(bytes.data(), bytes.size());
  return hash.text();
}

// The parts of model.json the weights depend on, as written in the file (keys left out are null), so a
// hand edit changes the hash while a front-end option added to hearsay later (written by no old file)
// does not. nlohmann's objects are sorted by key, so the dump is canonical.
nlohmann::json recorded_part(const nlohmann::json& json, const std::vector<const char*>& keys) {
  nlohmann::json part = nlohmann::json::object();
  for (const char* key : keys) part[key] = json.contains(key) ? json[key] : nlohmann::json(nullptr);
  return part;
}

const std::vector<const char*> kFrontEndKeys = {"front_end"};
const std::vector<const char*> kNetworkKeys = {"architecture", "network_options", "input_rank", "input_frames"};

nlohmann::json config_hashes(const nlohmann::json& json) {
  return {{"front_end", hash_text(recorded_part(json, kFrontEndKeys).dump())},
          {"network", hash_text(recorded_part(json, kNetworkKeys).dump())}};
}

// A model.json hearsay wrote carries the hashes of its front_end and network fields: a hand edit
// (another n_mels, hop or sample rate) would feed the weights features they were not trained on and
// give confident nonsense, so it is refused. Descriptions without hashes (hand-written) load as before.
void check_config_hashes(const nlohmann::json& json, const std::string& context) {
  const auto* recorded = find(json, "config_hash");
  if (!recorded) return;
  HEARSAY_CHECK_AS(ConfigError, recorded->is_object(), context,
                   ": \"config_hash\" must be an object {\"front_end\": ..., \"network\": ...}, got ",
                   preview(*recorded));
  const nlohmann::json actual = config_hashes(json);
  for (auto it = recorded->begin(); it != recorded->end(); ++it) {
    HEARSAY_CHECK_AS(ConfigError, actual.contains(it.key()), context, ": unknown key 'config_hash.", it.key(),
                     "'; valid keys: front_end, network");
    if (*it == actual[it.key()]) continue;
    if (it.key() == "front_end")
      throw ConfigError(message(context, ": front_end differs from the one recorded in config_hash when the model was ",
                                "saved: the weights were trained with another front-end (edited by hand?); restore ",
                                "the front_end hearsay wrote, or train a model with the new one"));
    throw ConfigError(message(context, ": architecture, network_options, input_rank or input_frames differ from the ",
                              "ones recorded in config_hash when the model was saved: the weights belong to another ",
                              "network (edited by hand?); restore them, or train a model with the new ones"));
  }
}

}  // namespace

int64_t frames_for_seconds(const FrontEndOptions& front_end, double seconds) {
  HEARSAY_CHECK_AS(ConfigError, std::isfinite(seconds) && seconds > 0, "input length must be > 0 seconds, got ",
                   seconds);
  const auto samples = static_cast<int64_t>(std::llround(seconds * front_end.sample_rate));
  // Stft::num_frames without building the front-end.
  const int64_t padded = front_end.center ? samples + 2 * (front_end.n_fft / 2) : samples;
  HEARSAY_CHECK_AS(ConfigError, padded >= front_end.n_fft, seconds, " s (", samples,
                   " samples) is shorter than one FFT frame of ", front_end.n_fft, " samples");
  return 1 + (padded - front_end.n_fft) / front_end.hop_length;
}

double seconds_for_frames(const FrontEndOptions& front_end, int64_t frames) {
  const int64_t samples = (frames - 1) * front_end.hop_length + (front_end.center ? 0 : front_end.n_fft);
  return static_cast<double>(samples) / front_end.sample_rate;
}

ModelConfig model_config_from_json(const nlohmann::json& json, const std::string& context) {
  HEARSAY_CHECK_AS(ConfigError, json.is_object(), context, ": must hold a JSON object, got ", preview(json));
  for (auto it = json.begin(); it != json.end(); ++it) {
    bool known = false;
    for (const auto& k : kKeys) known = known || k == it.key();
    HEARSAY_CHECK_AS(ConfigError, known, context, ": unknown key '", it.key(),
                     "'; valid keys: ", detail::join_names(kKeys));
  }
  // After the keys (a typo is named as such) and before the values: an edited hop or n_mels would
  // otherwise surface as a puzzling input_seconds mismatch or shape error.
  check_config_hashes(json, context);
  ModelConfig config;
  if (const auto* v = find(json, "format_version"))
    HEARSAY_CHECK_AS(ConfigError, *v == kFormatVersion, context, ": format_version ", preview(*v),
                     " is not supported (this hearsay reads version ", kFormatVersion, ")");

  const auto* architecture = find(json, "architecture");
  HEARSAY_CHECK_AS(ConfigError, architecture && architecture->is_string() && !architecture->get<std::string>().empty(),
                   context, ": needs \"architecture\": a built-in network name or \"", kTorchScript, "\"");
  config.architecture = architecture->get<std::string>();

  if (const auto* v = find(json, "file")) {
    HEARSAY_CHECK_AS(ConfigError, v->is_string() && !v->get<std::string>().empty(), context,
                     ": \"file\" must be a non-empty string, got ", preview(*v));
    config.file = v->get<std::string>();
  } else {
    HEARSAY_CHECK_AS(ConfigError, !config.is_torchscript(), context,
                     ": needs \"file\": the TorchScript file saved by torch.jit.save");
    config.file = "weights.pt";
  }

  if (const auto* v = find(json, "file_hash")) {
    HEARSAY_CHECK_AS(ConfigError, v->is_string(), context, ": \"file_hash\" must be a string, got ", preview(*v));
    config.file_hash = v->get<std::string>();
  }

  if (const auto* v = find(json, "network_options")) {
    HEARSAY_CHECK_AS(ConfigError, !config.is_torchscript(), context,
                     ": \"network_options\" belong to built-in networks, not to a TorchScript file");
    HEARSAY_CHECK_AS(ConfigError, v->is_object(), context, ": \"network_options\" must be an object, got ",
                     preview(*v));
    config.network_options = *v;
  }
  if (const auto* v = find(json, "input_rank")) {
    HEARSAY_CHECK_AS(ConfigError, config.is_torchscript(), context,
                     ": \"input_rank\" applies to TorchScript files only (built-in networks take rank 4)");
    HEARSAY_CHECK_AS(ConfigError, *v == 3 || *v == 4, context,
                     ": \"input_rank\" must be 4 ([batch, 1, n_mels, frames]) or 3 ([batch, n_mels, frames]), got ",
                     preview(*v));
    config.input_rank = v->get<int>();
  }

  const auto* front_end = find(json, "front_end");
  config.front_end = read_options<FrontEndOptions>(front_end ? *front_end : nlohmann::json(), context + ": front_end");

  const auto* classes = find(json, "classes");
  HEARSAY_CHECK_AS(ConfigError, classes, context,
                   ": has no \"classes\" list (the class names, in the order of the network's outputs)");
  HEARSAY_CHECK_AS(ConfigError, classes->is_array() && !classes->empty(), context,
                   ": \"classes\" must be a non-empty array of names, got ", preview(*classes));
  std::set<std::string> seen;
  for (const auto& c : *classes) {
    HEARSAY_CHECK_AS(ConfigError, c.is_string() && !c.get<std::string>().empty(), context,
                     ": every class name must be a non-empty string, got ", preview(c));
    HEARSAY_CHECK_AS(ConfigError, seen.insert(c.get<std::string>()).second, context, ": class '", c.get<std::string>(),
                     "' is listed twice");
    config.classes.push_back(c.get<std::string>());
  }

  const auto* frames = find(json, "input_frames");
  const auto* seconds = find(json, "input_seconds");
  HEARSAY_CHECK_AS(ConfigError, frames || seconds, context,
                   ": needs the network's input length: \"input_frames\" (feature frames) or \"input_seconds\"");
  if (frames) {
    HEARSAY_CHECK_AS(ConfigError, frames->is_number_integer() && frames->get<int64_t>() >= 1, context,
                     ": \"input_frames\" must be an integer >= 1, got ", preview(*frames));
    config.input_frames = frames->get<int64_t>();
  }
  if (seconds) {
    HEARSAY_CHECK_AS(ConfigError, seconds->is_number() && seconds->get<double>() > 0, context,
                     ": \"input_seconds\" must be a number > 0, got ", preview(*seconds));
    const int64_t from_seconds = frames_for_seconds(config.front_end, seconds->get<double>());
    HEARSAY_CHECK_AS(ConfigError, !frames || from_seconds == config.input_frames, context, ": \"input_seconds\" ",
                     seconds->get<double>(), " gives ", from_seconds, " frames but \"input_frames\" says ",
                     config.input_frames);
    config.input_frames = from_seconds;
  }

  if (const auto* v = find(json, "batch")) {
    HEARSAY_CHECK_AS(ConfigError, v->is_number_integer() && v->get<int64_t>() >= 1 && v->get<int64_t>() <= 4096,
                     context, ": \"batch\" (windows per network call) must be an integer from 1 to 4096, got ",
                     preview(*v), " (hearsay tune measures it)");
    config.batch = v->get<int64_t>();
  }
  if (const auto* v = find(json, "training")) config.training = *v;
  if (const auto* v = find(json, "data")) config.data = *v;
  return config;
}

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HEARSAY_CHECK_AS(IoError, in, "cannot read '", path, "'");
  Fnv1a64 hash;
  std::vector<char> block(1 << 16);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    hash.add(block.data(), static_cast<size_t>(in.gcount()));
  }
  HEARSAY_CHECK_AS(IoError, in.eof(), "error reading '", path, "'");
  return hash.text();
}

ModelConfig read_model_config(const std::string& path) { return model_config_from_json(read_json_file(path), path); }

nlohmann::json to_json(const ModelConfig& config) {
  nlohmann::json json = nlohmann::json::object();
  json["format_version"] = kFormatVersion;
  json["architecture"] = config.architecture;
  if (config.is_torchscript())
    json["input_rank"] = config.input_rank;
  else
    json["network_options"] = config.network_options;
  json["file"] = config.file;
  if (!config.file_hash.empty()) json["file_hash"] = config.file_hash;
  json["front_end"] = write_options(config.front_end);
  json["classes"] = config.classes;
  json["input_frames"] = config.input_frames;
  json["input_seconds"] = seconds_for_frames(config.front_end, config.input_frames);
  if (config.batch > 0) json["batch"] = config.batch;
  json["training"] = config.training;
  json["data"] = config.data;
  json["config_hash"] = config_hashes(json);
  return json;
}

void write_model_config(const ModelConfig& config, const std::string& path) { write_json_file(path, to_json(config)); }

}  // namespace hearsay::models
