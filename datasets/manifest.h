// Dataset manifests: a list of files with labels, optional stems and optional ground truth, as JSON or
// CSV. Paths are relative to the manifest's folder (absolute paths are kept as they are).
//
// manifest.json
//   {
//     "classes": ["blues", "jazz"],    optional: the label order (default: the labels, sorted)
//     "examples": [
//       {"path": "genres/blues/blues.00000.wav",                 required
//        "label": "blues",                                        optional; missing or "" = unlabelled
//        "id": "blues.00000",                                     optional; default: path without extension
//        "stems": {"drums": "stems/blues/blues.00000/drums.wav"}, optional; stems sum to the mix
//        "ground_truth": [{"kind": "planted", "stem": "lead", "start_seconds": 1.2, "end_seconds": 2.0,
//                          "low_hz": 300, "high_hz": 2400, "description": "..."}]}   optional
//     ],
//     "generator": {...},   optional, free-form: what made the set
//     "description": "..."  optional
//   }
//   Any other key is an IoError naming it and the valid keys.
//
// manifest.csv: a header row, then one example per row (RFC 4180 quoting). Columns: path (required),
//   label, id, one "stem:<name>" column per stem, and at most one cue per row in gt_kind, gt_stem,
//   gt_start_seconds, gt_end_seconds, gt_low_hz, gt_high_hz, gt_description (a row with an empty
//   gt_kind has none). Any other column is an IoError naming it and the valid columns.
//
// Files are probed as in the other layouts (see datasets/loaders.h); an example whose mix or one of
// whose stems cannot be read, or whose stems differ from the mix in length or rate, is skipped.
// Malformed manifest content (a missing path, a label outside "classes", a cue ending before it
// starts) is an IoError naming the manifest, the example and the field: a manifest is written by a
// person or a program, and its mistakes should be fixed, not skipped.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/file_dataset.h"

namespace hearsay::datasets {

/// Opens manifest.json or manifest.csv (chosen by the extension).
std::unique_ptr<FileDataset> open_manifest(const std::string& manifest_path, const OpenOptions& options = {});

/// Writes manifest.json for `entries`, with paths relative to the manifest's folder, and `generator`
/// (may be null) under "generator". Written to a temporary name and renamed, so a reader never sees
/// half a manifest.
void write_manifest(const std::string& manifest_path, const std::vector<std::string>& classes,
                    const std::vector<FileEntry>& entries, const nlohmann::json& generator);

/// The JSON form of a cue, as in manifests and per-track meta files.
nlohmann::json ground_truth_to_json(const GroundTruth& truth);
/// Reads a cue back; IoError naming `context` for a missing or wrong field or an unknown key.
GroundTruth ground_truth_from_json(const nlohmann::json& j, const std::string& context);

}  // namespace hearsay::datasets
