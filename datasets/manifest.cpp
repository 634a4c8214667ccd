#include "datasets/manifest.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "core/options.h"
#include "datasets/problem_log.h"

namespace hearsay::datasets {

namespace fs = std::filesystem;

namespace {

// One example as the manifest states it, before any file is probed.
struct Row {
  std::string where;  // "example 3" or "line 4", for messages
  std::string id;
  std::string path;
  std::string label;
  std::map<std::string, std::string> stems;
  std::vector<GroundTruth> ground_truth;
};

void check_keys(const nlohmann::json& object, const std::vector<std::string>& valid, const std::string& context) {
  HEARSAY_CHECK_AS(IoError, object.is_object(), context, ": expected a JSON object, got ",
                   hearsay::detail::json_preview(object));
  for (auto it = object.begin(); it != object.end(); ++it)
    HEARSAY_CHECK_AS(IoError, std::find(valid.begin(), valid.end(), it.key()) != valid.end(), context,
                     ": unknown key '", it.key(), "'; valid keys: ", hearsay::detail::join_names(valid));
}

std::string string_field(const nlohmann::json& object, const char* key, const std::string& context) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  HEARSAY_CHECK_AS(IoError, it->is_string(), context, ": '", key, "' must be a string, got ",
                   hearsay::detail::json_preview(*it));
  return it->get<std::string>();
}

double number_field(const nlohmann::json& object, const char* key, bool required, const std::string& context) {
  auto it = object.find(key);
  if (it == object.end()) {
    HEARSAY_CHECK_AS(IoError, !required, context, ": '", key, "' is missing");
    return 0.0;
  }
  HEARSAY_CHECK_AS(IoError, it->is_number() && std::isfinite(it->get<double>()), context, ": '", key,
                   "' must be a finite number, got ", hearsay::detail::json_preview(*it));
  return it->get<double>();
}

void check_ground_truth(const GroundTruth& t, const std::string& context) {
  HEARSAY_CHECK_AS(IoError, !t.kind.empty(), context, ": the cue's kind is empty (e.g. \"planted\", \"shortcut\")");
  HEARSAY_CHECK_AS(IoError, t.start_seconds >= 0.0 && t.end_seconds >= t.start_seconds, context,
                   ": the cue's span must satisfy 0 <= start_seconds <= end_seconds, got ", t.start_seconds, " .. ",
                   t.end_seconds);
  HEARSAY_CHECK_AS(IoError, t.low_hz >= 0.0 && t.high_hz >= t.low_hz, context,
                   ": the cue's band must satisfy 0 <= low_hz <= high_hz, got ", t.low_hz, " .. ", t.high_hz);
}

std::vector<Row> read_json_rows(const std::string& path, std::vector<std::string>& classes) {
  const nlohmann::json doc = read_json_file(path);
  const std::string context = message("manifest '", path, "'");
  check_keys(doc, {"classes", "examples", "generator", "description"}, context);
  if (doc.contains("classes")) {
    const auto& list = doc["classes"];
    HEARSAY_CHECK_AS(IoError, list.is_array(), context, ": 'classes' must be an array of names");
    for (const auto& name : list) {
      HEARSAY_CHECK_AS(IoError, name.is_string() && !name.get<std::string>().empty(), context,
                       ": 'classes' must hold non-empty names, got ", hearsay::detail::json_preview(name));
      classes.push_back(name.get<std::string>());
    }
  }
  HEARSAY_CHECK_AS(IoError, doc.contains("examples") && doc["examples"].is_array(), context,
                   ": 'examples' must be an array of {\"path\": ..., \"label\": ...} objects");
  std::vector<Row> rows;
  for (size_t i = 0; i < doc["examples"].size(); ++i) {
    const auto& item = doc["examples"][i];
    Row row;
    row.where = message("example ", i);
    const std::string where = message(context, " ", row.where);
    check_keys(item, {"path", "label", "id", "stems", "ground_truth"}, where);
    row.path = string_field(item, "path", where);
    row.label = string_field(item, "label", where);
    row.id = string_field(item, "id", where);
    if (item.contains("stems")) {
      const auto& stems = item["stems"];
      HEARSAY_CHECK_AS(IoError, stems.is_object(), where, ": 'stems' must map stem names to paths");
      for (auto it = stems.begin(); it != stems.end(); ++it) {
        HEARSAY_CHECK_AS(IoError, it->is_string(), where, ": stem '", it.key(), "' must be a path");
        row.stems[it.key()] = it->get<std::string>();
      }
    }
    if (item.contains("ground_truth")) {
      const auto& truths = item["ground_truth"];
      HEARSAY_CHECK_AS(IoError, truths.is_array(), where, ": 'ground_truth' must be an array of cues");
      for (size_t k = 0; k < truths.size(); ++k)
        row.ground_truth.push_back(ground_truth_from_json(truths[k], message(where, " ground_truth ", k)));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Splits CSV text into records of fields (RFC 4180: quoted fields may hold commas, quotes as "" and
// line breaks).
std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::string& path) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  bool any = false;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        record.push_back(std::move(field));
        records.push_back(std::move(record));
      }
      record.clear();
      field.clear();
      any = false;
      ++line;
    } else {
      field += c;
      any = true;
    }
  }
  HEARSAY_CHECK_AS(IoError, !quoted, "manifest '", path, "': a quoted field opened before line ", line,
                   " is never closed");
  if (any || !field.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

double csv_number(const std::string& text, const std::string& column, const std::string& where) {
  size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  HEARSAY_CHECK_AS(IoError, used == text.size() && used > 0 && std::isfinite(value), where, ": column '", column,
                   "' must be a number, got '", text, "'");
  return value;
}

std::vector<Row> read_csv_rows(const std::string& path) {
  const auto records = parse_csv(read_text_file(path), path);
  HEARSAY_CHECK_AS(IoError, !records.empty(), "manifest '", path, "' is empty (expected a header row: path,label,...)");
  const std::vector<std::string> fixed = {
      "path",           "label",     "id",         "gt_kind",       "gt_stem", "gt_start_seconds",
      "gt_end_seconds", "gt_low_hz", "gt_high_hz", "gt_description"};
  const auto& header = records.front();
  std::map<std::string, size_t> column;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string& name = header[c];
    const bool known = std::find(fixed.begin(), fixed.end(), name) != fixed.end() || name.rfind("stem:", 0) == 0;
    HEARSAY_CHECK_AS(IoError, known, "manifest '", path, "': unknown column '", name,
                     "'; valid columns: ", hearsay::detail::join_names(fixed), ", stem:<name>");
    HEARSAY_CHECK_AS(IoError, column.emplace(name, c).second, "manifest '", path, "': column '", name,
                     "' appears twice");
  }
  HEARSAY_CHECK_AS(IoError, column.count("path"), "manifest '", path, "': the header has no 'path' column");
  std::vector<Row> rows;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& record = records[r];
    Row row;
    row.where = message("row ", r);
    const std::string where = message("manifest '", path, "' ", row.where);
    HEARSAY_CHECK_AS(IoError, record.size() == header.size(), where, ": ", record.size(), " fields, the header has ",
                     header.size());
    auto field = [&](const std::string& name) {
      auto it = column.find(name);
      return it == column.end() ? std::string() : record[it->second];
    };
    row.path = field("path");
    row.label = field("label");
    row.id = field("id");
    for (const auto& [name, c] : column)
      if (name.rfind("stem:", 0) == 0 && !record[c].empty()) row.stems[name.substr(5)] = record[c];
    if (!field("gt_kind").empty()) {
      GroundTruth t;
      t.kind = field("gt_kind");
      t.stem = field("gt_stem");
      t.start_seconds = csv_number(field("gt_start_seconds"), "gt_start_seconds", where);
      t.end_seconds = csv_number(field("gt_end_seconds"), "gt_end_seconds", where);
      if (!field("gt_low_hz").empty()) t.low_hz = csv_number(field("gt_low_hz"), "gt_low_hz", where);
      if (!field("gt_high_hz").empty()) t.high_hz = csv_number(field("gt_high_hz"), "gt_high_hz", where);
      t.description = field("gt_description");
      check_ground_truth(t, where);
      row.ground_truth.push_back(std::move(t));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string resolve(const fs::path& folder, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : folder / p).lexically_normal().string();
}

// The example a row describes, or nothing after recording why its files cannot be used.
std::optional<FileEntry> probe_row(const Row& row, const fs::path& folder, ProblemLog& log) {
  FileEntry e;
  e.info.path = resolve(folder, row.path);
  const auto mix = log.probe(e.info.path);
  if (!mix) return std::nullopt;
  e.duration = mix->duration();
  for (const auto& [name, stem_path] : row.stems) {
    const std::string stem_file = resolve(folder, stem_path);
    const auto stem = log.probe(stem_file);
    if (!stem) return std::nullopt;
    if (stem->frames != mix->frames || stem->sample_rate != mix->sample_rate) {
      log.skip(e.info.path, message("stem '", name, "' ('", stem_file, "', ", stem->frames, " frames at ",
                                    stem->sample_rate, " Hz) does not match the mix '", e.info.path, "' (", mix->frames,
                                    " frames at ", mix->sample_rate, " Hz)"));
      return std::nullopt;
    }
    e.stems[name] = stem_file;
  }
  e.ground_truth = row.ground_truth;
  return e;
}

}  // namespace

std::unique_ptr<FileDataset> open_manifest(const std::string& manifest_path, const OpenOptions& options) {
  std::string ext = fs::path(manifest_path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  HEARSAY_CHECK_AS(IoError, ext == ".json" || ext == ".csv", "manifest '", manifest_path, "': unknown extension '", ext,
                   "'; valid: .json, .csv");
  std::vector<std::string> classes;
  const std::vector<Row> rows = ext == ".json" ? read_json_rows(manifest_path, classes) : read_csv_rows(manifest_path);

  const bool given_classes = !classes.empty();
  if (!given_classes) {
    std::set<std::string> labels;
    for (const auto& row : rows)
      if (!row.label.empty()) labels.insert(row.label);
    classes.assign(labels.begin(), labels.end());
  }
  std::map<std::string, int> label_index;
  for (size_t c = 0; c < classes.size(); ++c)
    HEARSAY_CHECK_AS(IoError, label_index.emplace(classes[c], static_cast<int>(c)).second, "manifest '", manifest_path,
                     "': class '", classes[c], "' is listed twice");

  const fs::path folder = fs::path(manifest_path).parent_path();
  ProblemLog log(manifest_path, options);
  std::vector<FileEntry> entries;
  std::set<std::string> ids;
  for (const auto& row : rows) {
    const std::string where = message("manifest '", manifest_path, "' ", row.where);
    HEARSAY_CHECK_AS(IoError, !row.path.empty(), where, ": 'path' is missing or empty");
    const std::string id = row.id.empty() ? fs::path(row.path).replace_extension().generic_string() : row.id;
    HEARSAY_CHECK_AS(IoError, ids.insert(id).second, where, ": the id '", id, "' is used twice");
    int label = -1;
    if (!row.label.empty()) {
      auto it = label_index.find(row.label);
      HEARSAY_CHECK_AS(IoError, it != label_index.end(), where, ": label '", row.label, "' is not in 'classes' (",
                       hearsay::detail::join_names(classes), ")");
      label = it->second;
    }
    auto entry = probe_row(row, folder, log);
    if (!entry) continue;
    entry->info.id = id;
    entry->info.label = label;
    entries.push_back(std::move(*entry));
  }
  std::vector<size_t> per_class(classes.size(), 0);
  for (const auto& e : entries)
    if (e.info.label >= 0) ++per_class[static_cast<size_t>(e.info.label)];
  for (size_t c = 0; c < classes.size(); ++c)
    if (per_class[c] == 0) log.empty_class(manifest_path, classes[c]);
  auto problems = log.finish(entries.size());
  return std::make_unique<FileDataset>(folder.string(), "manifest" + ext, std::move(classes), std::move(entries),
                                       std::move(problems));
}

void write_manifest(const std::string& manifest_path, const std::vector<std::string>& classes,
                    const std::vector<FileEntry>& entries, const nlohmann::json& generator) {
  const fs::path folder = fs::path(manifest_path).parent_path();
  auto relative = [&](const std::string& path) { return fs::path(path).lexically_relative(folder).generic_string(); };
  nlohmann::json doc;
  doc["classes"] = classes;
  doc["examples"] = nlohmann::json::array();
  for (const auto& e : entries) {
    nlohmann::json item{{"id", e.info.id}, {"path", relative(e.info.path)}};
    if (e.info.label >= 0) item["label"] = classes.at(static_cast<size_t>(e.info.label));
    if (!e.stems.empty()) {
      item["stems"] = nlohmann::json::object();
      for (const auto& [name, path] : e.stems) item["stems"][name] = relative(path);
    }
    if (!e.ground_truth.empty()) {
      item["ground_truth"] = nlohmann::json::array();
      for (const auto& t : e.ground_truth) item["ground_truth"].push_back(ground_truth_to_json(t));
    }
    doc["examples"].push_back(std::move(item));
  }
  if (!generator.is_null()) doc["generator"] = generator;
  write_json_file(manifest_path, doc, 1);
}

nlohmann::json ground_truth_to_json(const GroundTruth& t) {
  return {
      {"kind", t.kind},     {"stem", t.stem},       {"start_seconds", t.start_seconds}, {"end_seconds", t.end_seconds},
      {"low_hz", t.low_hz}, {"high_hz", t.high_hz}, {"description", t.description}};
}

GroundTruth ground_truth_from_json(const nlohmann::json& j, const std::string& context) {
  check_keys(j, {"kind", "stem", "start_seconds", "end_seconds", "low_hz", "high_hz", "description"}, context);
  GroundTruth t;
  t.kind = string_field(j, "kind", context);
  t.stem = string_field(j, "stem", context);
  t.start_seconds = number_field(j, "start_seconds", true, context);
  t.end_seconds = number_field(j, "end_seconds", true, context);
  t.low_hz = number_field(j, "low_hz", false, context);
  t.high_hz = number_field(j, "high_hz", false, context);
  t.description = string_field(j, "description", context);
  check_ground_truth(t, context);
  return t;
}

}  // namespace hearsay::datasets
