#include "datasets/synth/general_midi.h"

namespace hearsay::datasets::synth {

namespace {
constexpr const char* kPrograms[128] = {"Acoustic Grand Piano",
                                        "Bright Acoustic Piano",
                                        "Electric Grand Piano",
                                        "Honky-tonk Piano",
                                        "Electric Piano 1",
                                        "Electric Piano 2",
                                        "Harpsichord",
                                        "Clavinet",
                                        "Celesta",
                                        "Glockenspiel",
                                        "Music Box",
                                        "Vibraphone",
                                        "Marimba",
                                        "Xylophone",
                                        "Tubular Bells",
                                        "Dulcimer",
                                        "Drawbar Organ",
                                        "Percussive Organ",
                                        "Rock Organ",
                                        "Church Organ",
                                        "Reed Organ",
                                        "Accordion",
                                        "Harmonica",
                                        "Tango Accordion",
                                        "Acoustic Guitar (nylon)",
                                        "Acoustic Guitar (steel)",
                                        "Electric Guitar (jazz)",
                                        "Electric Guitar (clean)",
                                        "Electric Guitar (muted)",
                                        "Overdriven Guitar",
                                        "Distortion Guitar",
                                        "Guitar Harmonics",
                                        "Acoustic Bass",
                                        "Electric Bass (finger)",
                                        "Electric Bass (pick)",
                                        "Fretless Bass",
                                        "Slap Bass 1",
                                        "Slap Bass 2",
                                        "Synth Bass 1",
                                        "Synth Bass 2",
                                        "Violin",
                                        "Viola",
                                        "Cello",
                                        "Contrabass",
                                        "Tremolo Strings",
                                        "Pizzicato Strings",
                                        "Orchestral Harp",
                                        "Timpani",
                                        "String Ensemble 1",
                                        "String Ensemble 2",
                                        "Synth Strings 1",
                                        "Synth Strings 2",
                                        "Choir Aahs",
                                        "Voice Oohs",
                                        "Synth Voice",
                                        "Orchestra Hit",
                                        "Trumpet",
                                        "Trombone",
                                        "Tuba",
                                        "Muted Trumpet",
                                        "French Horn",
                                        "Brass Section",
                                        "Synth Brass 1",
                                        "Synth Brass 2",
                                        "Soprano Sax",
                                        "Alto Sax",
                                        "Tenor Sax",
                                        "Baritone Sax",
                                        "Oboe",
                                        "English Horn",
                                        "Bassoon",
                                        "Clarinet",
                                        "Piccolo",
                                        "Flute",
                                        "Recorder",
                                        "Pan Flute",
                                        "Blown Bottle",
                                        "Shakuhachi",
                                        "Whistle",
                                        "Ocarina",
                                        "Lead 1 (square)",
                                        "Lead 2 (sawtooth)",
                                        "Lead 3 (calliope)",
                                        "Lead 4 (chiff)",
                                        "Lead 5 (charang)",
                                        "Lead 6 (voice)",
                                        "Lead 7 (fifths)",
                                        "Lead 8 (bass + lead)",
                                        "Pad 1 (new age)",
                                        "Pad 2 (warm)",
                                        "Pad 3 (polysynth)",
                                        "Pad 4 (choir)",
                                        "Pad 5 (bowed)",
                                        "Pad 6 (metallic)",
                                        "Pad 7 (halo)",
                                        "Pad 8 (sweep)",
                                        "FX 1 (rain)",
                                        "FX 2 (soundtrack)",
                                        "FX 3 (crystal)",
                                        "FX 4 (atmosphere)",
                                        "FX 5 (brightness)",
                                        "FX 6 (goblins)",
                                        "FX 7 (echoes)",
                                        "FX 8 (sci-fi)",
                                        "Sitar",
                                        "Banjo",
                                        "Shamisen",
                                        "Koto",
                                        "Kalimba",
                                        "Bagpipe",
                                        "Fiddle",
                                        "Shanai",
                                        "Tinkle Bell",
                                        "Agogo",
                                        "Steel Drums",
                                        "Woodblock",
                                        "Taiko Drum",
                                        "Melodic Tom",
                                        "Synth Drum",
                                        "Reverse Cymbal",
                                        "Guitar Fret Noise",
                                        "Breath Noise",
                                        "Seashore",
                                        "Bird Tweet",
                                        "Telephone Ring",
                                        "Helicopter",
                                        "Applause",
                                        "Gunshot"};
}  // namespace

std::string program_name(int program) {
  if (program < 0 || program > 127) return "program " + std::to_string(program);
  return kPrograms[program];
}

std::string drum_kit_name(int kit) {
  switch (kit) {
    case 0:
      return "Standard";
    case 8:
      return "Room";
    case 16:
      return "Power";
    case 24:
      return "Electronic";
    case 25:
      return "TR-808";
    case 32:
      return "Jazz";
    case 40:
      return "Brush";
    case 48:
      return "Orchestra";
    default:
      return "kit " + std::to_string(kit);
  }
}

std::string pitch_class_name(int pitch_class) {
  static const char* kNames[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
  return kNames[((pitch_class % 12) + 12) % 12];
}

}  // namespace hearsay::datasets::synth
