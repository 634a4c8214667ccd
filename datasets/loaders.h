// The layouts open_dataset understands, each also callable on its own.
//
// GTZAN (Tzanetakis & Cook 2002): <root>/genres/<genre>/<genre>.NNNNN.au (Kaggle's copy:
//   <root>/genres_original/<genre>/<genre>.NNNNN.wav; <root> may also be the genres folder itself).
//   Classes are the genre folders in name order; an example's id is its file name without the
//   extension ("jazz.00054").
// Folder per class: <root>/<class>/.../<file>.<audio extension>, sub-folders included. Classes are
//   the folders under <root> in name order; an example's id is its path below <root> without the
//   extension ("dog/bark1"). Audio files directly in <root> belong to no class and are skipped.
// Manifest: see datasets/manifest.h.
// Stems without a manifest: a GTZAN-layout or folder-per-class set finds them in the sibling stems/
//   folder (next to the class folders, or next to genres/), as hearsay synth writes it:
//   stems/<class>/<id>/<stem>.<audio> or stems/<id>/<stem>.<audio> (for an id "dog/bark1",
//   stems/dog/bark1/). Each audio file there is a stem named after the file; files that are not audio
//   (song.ini, cover.png, notes.mid) are ignored. A folder named "stems" is the stems folder, not a
//   class, unless it holds audio files of its own. Stems must sum to the mix, so an example keeps its
//   mix without any stems, with a problem recorded, when its stem folder has two files for one stem,
//   a file named like the mix, an unreadable file, or a file whose length or rate differs from the mix.
//
// In every layout each audio file's header is read when the dataset is opened. A file that cannot
// be read, is truncated, holds no frames, or repeats an id is skipped with a warning and listed in
// problems() (IoError instead with OpenOptions::strict). A class folder left without examples is
// kept (labels stay stable) and listed as a problem. Hidden entries (a leading dot) and files whose
// extension is not audio (see is_audio_file) are ignored.
#pragma once

#include <memory>
#include <string>

#include "datasets/file_dataset.h"

namespace hearsay::datasets {

/// open_dataset with the concrete type: a manifest file, or a folder holding manifest.json or
/// manifest.csv, else in GTZAN layout, else one folder per class.
std::unique_ptr<FileDataset> open_file_dataset(const std::string& path, const OpenOptions& options = {});

/// The folder holding GTZAN's genre folders below `root`, or empty when `root` is not in GTZAN layout.
/// `root` itself qualifies when one of its folders <g> holds a file named <g>.<digits>.<extension>.
std::string find_gtzan_genres(const std::string& root);

/// Opens `root` in GTZAN layout; IoError when it is not.
std::unique_ptr<FileDataset> open_gtzan(const std::string& root, const OpenOptions& options = {});

/// Opens `root` as one folder per class; IoError when it has no class folder.
std::unique_ptr<FileDataset> open_class_folders(const std::string& root, const OpenOptions& options = {});

}  // namespace hearsay::datasets
