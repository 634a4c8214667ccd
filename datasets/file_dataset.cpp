#include "datasets/file_dataset.h"

#include <cstdio>
#include <set>

#include "core/audio_io.h"
#include "core/error.h"

namespace hearsay::datasets {

namespace {

// Length of the UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms, no surrogates, at
// most U+10FFFF), or 0 when it is not valid there.
size_t utf8_sequence(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

// The name with every byte that is not part of valid UTF-8 shown as \xNN, so a message can print it.
std::string escape_invalid_utf8(const std::string& s, bool& valid) {
  valid = true;
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence(s, i);
    if (n) {
      out.append(s, i, n);
      i += n;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(s[i]));
      out += hex;
      valid = false;
      ++i;
    }
  }
  return out;
}

// Class names and ids end up in model.json, results and JSON output, which must be UTF-8: a folder
// named in Latin-1 used to cost a full training and then leave a 0-byte model.json. Refused here,
// when the dataset is opened, naming the folder or file.
void check_utf8_names(const std::string& root, const std::vector<std::string>& classes,
                      const std::vector<FileEntry>& entries) {
  bool valid = true;
  for (const auto& name : classes) {
    const std::string shown = escape_invalid_utf8(name, valid);
    HEARSAY_CHECK_AS(IoError, valid, "dataset '", root, "': the class name '", shown,
                     "' (its folder name) is not valid UTF-8, which model.json and the results cannot store; rename ",
                     "the folder in UTF-8 (e.g. convmv -f latin1 -t utf8 -r --notest '", root, "')");
  }
  for (const auto& e : entries) {
    const std::string shown = escape_invalid_utf8(e.info.id, valid);
    HEARSAY_CHECK_AS(IoError, valid, "dataset '", root, "': the example id '", shown, "' (file '",
                     escape_invalid_utf8(e.info.path, valid),
                     "') is not valid UTF-8, which the results cannot store; rename the file in UTF-8");
  }
}

}  // namespace

FileDataset::FileDataset(std::string root, std::string layout, std::vector<std::string> classes,
                         std::vector<FileEntry> entries, std::vector<DatasetProblem> problems)
    : root_(std::move(root)),
      layout_(std::move(layout)),
      classes_(std::move(classes)),
      entries_(std::move(entries)),
      problems_(std::move(problems)) {
  check_utf8_names(root_, classes_, entries_);
  std::set<std::string> ids;
  for (const auto& e : entries_) detail::check_example(e.info, classes_.size(), ids);
}

const FileEntry& FileDataset::entry(size_t i) const {
  HEARSAY_CHECK_AS(ShapeError, i < entries_.size(), "dataset '", root_, "': example ", i, " of ", entries_.size());
  return entries_[i];
}

Example FileDataset::get(size_t i) const {
  const FileEntry& e = entry(i);
  Example example;
  example.info = e.info;
  if (e.info.label >= 0) example.label_name = classes_[static_cast<size_t>(e.info.label)];
  example.audio = load_audio(e.info.path);
  for (const auto& [name, path] : e.stems) example.stems[name] = load_audio(path);
  example.ground_truth = e.ground_truth;
  return example;
}

Audio FileDataset::excerpt(size_t i, double start_seconds, double seconds) const {
  LoadOptions options;
  options.offset_seconds = start_seconds;
  options.duration_seconds = seconds;
  return load_audio(entry(i).info.path, options);
}

}  // namespace hearsay::datasets
