// General MIDI names and numbers the synthetic music uses: the 128 melodic programs, the drum kits
// GS soundfonts put in bank 128 (TimGM6mb has all eight), and the percussion keys of channel 10.
#pragma once

#include <string>

namespace hearsay::datasets::synth {

/// MIDI channel of General MIDI percussion (channel 10, index 9).
constexpr int kDrumChannel = 9;
/// Soundfont bank of the drum kits.
constexpr int kDrumBank = 128;

/// GM percussion keys (GM 1 Sound Set, channel 10).
enum DrumKey : int {
  kKick = 36,
  kSideStick = 37,
  kSnare = 38,
  kClap = 39,
  kLowTom = 45,
  kClosedHat = 42,
  kPedalHat = 44,
  kOpenHat = 46,
  kMidTom = 47,
  kHighTom = 50,
  kCrash = 49,
  kRide = 51,
  kChina = 52,
  kRideBell = 53,
  kTambourine = 54,
  kCowbell = 56,
  kShaker = 70,
};

/// "Acoustic Grand Piano" for program 0, ... (GM 1 Sound Set); "program N" outside 0..127.
std::string program_name(int program);
/// "Standard", "Room", "Power", "Electronic", "TR-808", "Jazz", "Brush", "Orchestra" (GS kit numbers
/// 0, 8, 16, 24, 25, 32, 40, 48); "kit N" otherwise.
std::string drum_kit_name(int kit);
/// "C", "C#", ... for a pitch class 0..11.
std::string pitch_class_name(int pitch_class);

}  // namespace hearsay::datasets::synth
