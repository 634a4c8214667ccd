#include "datasets/synth/styles.h"

#include <cctype>
#include <sstream>

#include "core/error.h"
#include "datasets/synth/general_midi.h"

namespace hearsay::datasets::synth {

namespace {

// Scales, in semitones above the tonic.
const std::vector<int> kIonian = {0, 2, 4, 5, 7, 9, 11};
const std::vector<int> kMixolydian = {0, 2, 4, 5, 7, 9, 10};
const std::vector<int> kDorian = {0, 2, 3, 5, 7, 9, 10};
const std::vector<int> kAeolian = {0, 2, 3, 5, 7, 8, 10};
const std::vector<int> kPhrygian = {0, 1, 3, 5, 7, 8, 10};
const std::vector<int> kHarmonicMinor = {0, 2, 3, 5, 7, 8, 11};
const std::vector<int> kMajorPentatonic = {0, 2, 4, 7, 9};
const std::vector<int> kMinorPentatonic = {0, 3, 5, 7, 10};
const std::vector<int> kBlues = {0, 3, 5, 6, 7, 10};
const std::vector<int> kBebopDominant = {0, 2, 4, 5, 7, 9, 10, 11};

// GM programs (0-based) used below, by name, so the palettes read as instruments.
enum Program : int {
  kPiano = 0,
  kBrightPiano = 1,
  kHonkyTonk = 3,
  kElectricPiano1 = 4,
  kElectricPiano2 = 5,
  kHarpsichord = 6,
  kVibraphone = 11,
  kDrawbarOrgan = 16,
  kPercussiveOrgan = 17,
  kRockOrgan = 18,
  kHarmonica = 22,
  kNylonGuitar = 24,
  kSteelGuitar = 25,
  kJazzGuitar = 26,
  kCleanGuitar = 27,
  kMutedGuitar = 28,
  kOverdriveGuitar = 29,
  kDistortionGuitar = 30,
  kAcousticBass = 32,
  kFingerBass = 33,
  kPickBass = 34,
  kFretlessBass = 35,
  kSlapBass = 36,
  kSlapBass2 = 37,
  kSynthBass = 38,
  kSynthBass2 = 39,
  kViolin = 40,
  kCello = 42,
  kContrabass = 43,
  kTremoloStrings = 44,
  kHarp = 46,
  kStrings = 48,
  kSlowStrings = 49,
  kSynthStrings = 50,
  kVoiceOohs = 53,
  kSynthVoice = 54,
  kTrumpet = 56,
  kTrombone = 57,
  kMutedTrumpet = 59,
  kFrenchHorn = 60,
  kBrassSection = 61,
  kSynthBrass = 62,
  kAltoSax = 65,
  kTenorSax = 66,
  kOboe = 68,
  kBassoon = 70,
  kClarinet = 71,
  kFlute = 73,
  kSquareLead = 80,
  kSawLead = 81,
  kNewAgePad = 88,
  kWarmPad = 89,
  kPolySynth = 90,
  kBanjo = 105,
  kFiddle = 110,
};

// GS drum kits in bank 128.
constexpr int kStandardKit = 0, kRoomKit = 8, kPowerKit = 16, kElectronicKit = 24, kTr808Kit = 25, kJazzKit = 32,
              kBrushKit = 40;

std::vector<GenreStyle> make_styles() {
  std::vector<GenreStyle> styles;

  GenreStyle blues;
  blues.name = "blues";
  blues.tempo_min = 70;
  blues.tempo_max = 130;
  blues.steps_per_beat = 3;
  blues.minor_probability = 0.25;
  blues.grooves = {
      {"shuffle", {{kKick, "X.....x....."}, {kSnare, "...X.....X.."}, {kClosedHat, "x.xx.xx.xx.x"}}},
      {"slow_blues", {{kKick, "x.....x....."}, {kSnare, "...X.....X.."}, {kRide, "xooxooxooxoo"}}},
      {"shuffle_ride",
       {{kKick, "X..x..X..x.."}, {kSnare, "...X.....X.."}, {kRide, "x.xx.xx.xx.x"}, {kPedalHat, "...x.....x.."}}}};
  blues.kits = {kStandardKit, kRoomKit, kJazzKit};
  blues.fills = true;
  blues.bass_patterns = {BassPattern::walking, BassPattern::boogie};
  blues.bass_programs = {kAcousticBass, kFingerBass, kPickBass};
  blues.major_progressions = {"I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7", "I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7"};
  blues.minor_progressions = {"i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7"};
  blues.harmony = {{Comping::strum, {kJazzGuitar, kCleanGuitar, kOverdriveGuitar}},
                   {Comping::pad, {kDrawbarOrgan, kPercussiveOrgan}},
                   {Comping::pulse, {kPiano, kHonkyTonk}}};
  blues.major_scales = {kBlues, kMinorPentatonic};
  blues.minor_scales = {kBlues, kMinorPentatonic};
  blues.lead_programs = {kHarmonica, kOverdriveGuitar, kTenorSax, kJazzGuitar, kAltoSax};
  blues.lead_density = 0.45;
  blues.lead_low = 58;
  blues.lead_high = 79;
  blues.stem_gain_db = {0, -1, -4, -1};
  blues.timing_jitter_ms = 12;
  blues.velocity = 92;
  styles.push_back(blues);

  GenreStyle classical;
  classical.name = "classical";
  classical.tempo_min = 60;
  classical.tempo_max = 126;
  classical.meters = {4, 3};
  classical.minor_probability = 0.4;
  classical.bass_patterns = {BassPattern::sustained};
  classical.bass_programs = {kCello, kContrabass, kBassoon};
  classical.major_progressions = {"I IV V I", "I vi IV V", "I ii V7 I", "I V vi iii IV I IV V"};
  classical.minor_progressions = {"i iv V i", "i VI iv V", "i iio V7 i"};
  classical.harmony = {{Comping::arpeggio, {kPiano, kHarp, kHarpsichord}},
                       {Comping::pad, {kStrings, kSlowStrings, kTremoloStrings}}};
  classical.major_scales = {kIonian};
  classical.minor_scales = {kHarmonicMinor, kAeolian};
  classical.lead_programs = {kViolin, kFlute, kOboe, kClarinet, kFrenchHorn, kPiano};
  classical.lead_density = 0.6;
  classical.lead_low = 62;
  classical.lead_high = 86;
  classical.stem_gain_db = {-2, -2, -2, 0};
  classical.timing_jitter_ms = 15;
  classical.velocity = 80;
  styles.push_back(classical);

  GenreStyle country;
  country.name = "country";
  country.tempo_min = 90;
  country.tempo_max = 150;
  country.meters = {4, 4, 3};
  country.swing_max = 0.1;
  country.minor_probability = 0.1;
  country.grooves = {
      {"two_step", {{kKick, "X.......x......."}, {kSideStick, "....X.......X..."}, {kClosedHat, "x.x.x.x.x.x.x.x."}}},
      {"train", {{kKick, "X.......X......."}, {kSnare, "x.o.X.o.x.o.X.o."}}}};
  country.grooves_three = {
      {"waltz", {{kKick, "X..........."}, {kSideStick, "....x...x..."}, {kClosedHat, "x...x...x..."}}}};
  country.kits = {kStandardKit, kRoomKit, kBrushKit};
  country.fills = true;
  country.bass_patterns = {BassPattern::root_fifth};
  country.bass_programs = {kAcousticBass, kFingerBass};
  country.major_progressions = {"I I IV I V V I I", "I IV I V", "I V IV I"};
  country.minor_progressions = {"i iv i V", "i bVII bVI V"};
  country.harmony = {{Comping::strum, {kSteelGuitar, kNylonGuitar}},
                     {Comping::boom_chick, {kSteelGuitar, kPiano, kBanjo}}};
  country.major_scales = {kMajorPentatonic, kIonian};
  country.minor_scales = {kMinorPentatonic};
  country.lead_programs = {kFiddle, kHarmonica, kSteelGuitar, kBanjo, kCleanGuitar};
  country.lead_density = 0.5;
  country.lead_low = 62;
  country.lead_high = 84;
  country.stem_gain_db = {-2, -1, -2, 0};
  country.timing_jitter_ms = 10;
  country.velocity = 92;
  styles.push_back(country);

  GenreStyle disco;
  disco.name = "disco";
  disco.tempo_min = 110;
  disco.tempo_max = 132;
  disco.minor_probability = 0.6;
  disco.grooves = {{"four_floor",
                    {{kKick, "X...X...X...X..."},
                     {kClap, "....X.......X..."},
                     {kOpenHat, "..x...x...x...x."},
                     {kClosedHat, "xo.oxo.oxo.oxo.o"}}},
                   {"four_floor_shaker",
                    {{kKick, "X...X...X...X..."},
                     {kSnare, "....X.......X..."},
                     {kOpenHat, "..x...x...x...x."},
                     {kShaker, "xoxoxoxoxoxoxoxo"},
                     {kTambourine, "....x.......x..."}}}};
  disco.kits = {kStandardKit, kElectronicKit, kRoomKit};
  disco.phrase_crash = true;
  disco.bass_patterns = {BassPattern::octaves};
  disco.bass_programs = {kFingerBass, kSlapBass, kSlapBass2, kSynthBass};
  disco.major_progressions = {"ii7 V7", "Imaj7 ii7", "IVmaj7 iii7 ii7 Imaj7"};
  disco.minor_progressions = {"i7 iv7", "i7 i7 iv7 v7", "i7 bVII7 bVImaj7 v7"};
  disco.harmony = {{Comping::stabs, {kMutedGuitar, kCleanGuitar}},
                   {Comping::pad, {kStrings, kSynthStrings, kSlowStrings}}};
  disco.major_scales = {kIonian, kMajorPentatonic};
  disco.minor_scales = {kDorian, kMinorPentatonic};
  disco.lead_programs = {kStrings, kSynthBrass, kBrassSection, kFlute, kSawLead};
  disco.lead_density = 0.55;
  disco.lead_low = 64;
  disco.lead_high = 84;
  disco.stem_gain_db = {-2, 0, 0, 0};
  disco.timing_jitter_ms = 3;
  disco.velocity = 100;
  styles.push_back(disco);

  GenreStyle hiphop;
  hiphop.name = "hiphop";
  hiphop.tempo_min = 80;
  hiphop.tempo_max = 100;
  hiphop.swing_min = 0.15;
  hiphop.swing_max = 0.35;
  hiphop.minor_probability = 0.8;
  hiphop.grooves = {
      {"boom_bap", {{kKick, "X.....x...x....."}, {kSnare, "....X.......X..."}, {kClosedHat, "x.x.x.x.x.x.x.x."}}},
      {"boom_bap_busy", {{kKick, "X..x......X.x..."}, {kSnare, "....X.......X..o"}, {kClosedHat, "x.xxx.x.x.xxx.x."}}},
      {"trap_lite", {{kKick, "X......x..X....."}, {kClap, "....X.......X..."}, {kClosedHat, "xoxoxoxoxoxoxoxo"}}}};
  hiphop.kits = {kTr808Kit, kElectronicKit, kStandardKit};
  hiphop.bass_patterns = {BassPattern::syncopated};
  hiphop.bass_programs = {kSynthBass, kSynthBass2, kFingerBass};
  hiphop.major_progressions = {"Imaj7 vi7 ii7 V7", "IVmaj7 iii7"};
  hiphop.minor_progressions = {"i9 bVImaj7", "i7 iv7", "i7 bVImaj7 bVII7 i7"};
  hiphop.harmony = {{Comping::sustained, {kElectricPiano1, kElectricPiano2, kWarmPad, kPiano}}};
  hiphop.major_scales = {kMajorPentatonic};
  hiphop.minor_scales = {kMinorPentatonic, kDorian};
  hiphop.lead_programs = {kFlute, kSquareLead, kSynthVoice, kElectricPiano1, kVibraphone};
  hiphop.lead_density = 0.3;
  hiphop.lead_low = 60;
  hiphop.lead_high = 79;
  hiphop.stem_gain_db = {2, 1, -4, -4};
  hiphop.timing_jitter_ms = 4;
  hiphop.velocity = 100;
  styles.push_back(hiphop);

  GenreStyle jazz;
  jazz.name = "jazz";
  jazz.tempo_min = 100;
  jazz.tempo_max = 220;
  jazz.meters = {4, 4, 3};
  jazz.steps_per_beat = 3;
  jazz.minor_probability = 0.3;
  jazz.grooves = {
      {"swing_ride", {{kRide, "x..x.xx..x.x"}, {kPedalHat, "...x.....x.."}, {kKick, "o..o..o..o.."}}},
      {"two_feel",
       {{kRide, "x..x.xx..x.x"}, {kPedalHat, "...x.....x.."}, {kKick, "o.....o....."}, {kSideStick, "..........o."}}}};
  jazz.grooves_three = {{"jazz_waltz", {{kRide, "x..x.xx.."}, {kPedalHat, "...x..x.."}, {kKick, "o........"}}}};
  jazz.kits = {kJazzKit, kBrushKit};
  jazz.bass_patterns = {BassPattern::walking};
  jazz.bass_programs = {kAcousticBass, kFretlessBass};
  jazz.major_progressions = {"ii7:2 V7:2 Imaj7 Imaj7", "Imaj7:2 vi7:2 ii7:2 V7:2", "iii7:2 VI7:2 ii7:2 V7:2",
                             "Imaj7 IV7 iii7:2 VI7:2 ii7:2 V7:2"};
  jazz.minor_progressions = {"iih7:2 V7:2 i7 i7", "i7 iv7 iih7:2 V7:2"};
  jazz.harmony = {{Comping::jazz_comp, {kPiano, kJazzGuitar, kElectricPiano1}}};
  jazz.major_scales = {kBebopDominant, kIonian};
  jazz.minor_scales = {kDorian};
  jazz.lead_programs = {kTenorSax, kAltoSax, kTrumpet, kMutedTrumpet, kVibraphone, kJazzGuitar, kTrombone};
  jazz.lead_density = 0.65;
  jazz.lead_low = 58;
  jazz.lead_high = 82;
  jazz.stem_gain_db = {3, 0, -3, 0};
  jazz.timing_jitter_ms = 12;
  jazz.velocity = 88;
  styles.push_back(jazz);

  GenreStyle metal;
  metal.name = "metal";
  metal.tempo_min = 100;
  metal.tempo_max = 190;
  metal.minor_probability = 1.0;
  metal.grooves = {
      {"double_kick", {{kKick, "xxxxxxxxxxxxxxxx"}, {kSnare, "....X.......X..."}, {kRide, "x...x...x...x..."}}},
      {"gallop", {{kKick, "x.xxx.xxx.xxx.xx"}, {kSnare, "....X.......X..."}, {kCrash, "x.......x......."}}},
      {"thrash", {{kKick, "x.x.x.x.x.x.x.x."}, {kSnare, "..X...X...X...X."}, {kChina, "x...x...x...x..."}}}};
  metal.kits = {kPowerKit, kStandardKit, kRoomKit};
  metal.phrase_crash = true;
  metal.fills = true;
  metal.bass_patterns = {BassPattern::chug};
  metal.bass_programs = {kPickBass, kFingerBass};
  metal.minor_progressions = {"i5 bVI5 bVII5 i5", "i5 bII5 i5 bVII5", "i5 i5 bVI5 bVII5", "i5 iv5 bVI5 V5"};
  metal.harmony = {{Comping::power_chords, {kDistortionGuitar, kOverdriveGuitar}}};
  metal.minor_scales = {kAeolian, kPhrygian, kHarmonicMinor};
  metal.lead_programs = {kDistortionGuitar, kOverdriveGuitar, kSawLead};
  metal.lead_density = 0.7;
  metal.lead_sixteenths = true;
  metal.lead_low = 60;
  metal.lead_high = 86;
  metal.stem_gain_db = {-2, -1, 3, 0};
  metal.timing_jitter_ms = 4;
  metal.velocity = 110;
  styles.push_back(metal);

  GenreStyle pop;
  pop.name = "pop";
  pop.tempo_min = 90;
  pop.tempo_max = 130;
  pop.swing_max = 0.05;
  pop.minor_probability = 0.3;
  pop.grooves = {
      {"pop_basic", {{kKick, "X.....x.X......."}, {kSnare, "....X.......X..."}, {kClosedHat, "x.x.x.x.x.x.x.x."}}},
      {"pop_four",
       {{kKick, "X...X...X...X..."},
        {kClap, "....X.......X..."},
        {kOpenHat, "..x...x...x...x."},
        {kShaker, "xoxoxoxoxoxoxoxo"}}},
      {"pop_half", {{kKick, "X.......x.x....."}, {kSnare, "........X......."}, {kClosedHat, "x.x.x.x.x.x.x.x."}}}};
  pop.kits = {kStandardKit, kElectronicKit, kRoomKit};
  pop.phrase_crash = true;
  pop.fills = true;
  pop.bass_patterns = {BassPattern::pulse, BassPattern::octaves};
  pop.bass_programs = {kFingerBass, kSynthBass, kPickBass};
  pop.major_progressions = {"I V vi IV", "vi IV I V", "I vi IV V", "IV I V vi"};
  pop.minor_progressions = {"i bVI bIII bVII", "i bVII bVI bVII"};
  pop.harmony = {{Comping::pulse, {kPiano, kBrightPiano}},
                 {Comping::pad, {kWarmPad, kPolySynth, kNewAgePad, kSynthStrings}},
                 {Comping::strum, {kSteelGuitar, kNylonGuitar}}};
  pop.major_scales = {kIonian, kMajorPentatonic};
  pop.minor_scales = {kAeolian, kMinorPentatonic};
  pop.lead_programs = {kVoiceOohs, kSquareLead, kSynthVoice, kPiano, kFlute};
  pop.lead_density = 0.5;
  pop.lead_low = 62;
  pop.lead_high = 81;
  pop.stem_gain_db = {0, -1, -2, 0};
  pop.timing_jitter_ms = 3;
  pop.velocity = 96;
  styles.push_back(pop);

  GenreStyle reggae;
  reggae.name = "reggae";
  reggae.tempo_min = 65;
  reggae.tempo_max = 90;
  reggae.swing_min = 0.1;
  reggae.swing_max = 0.3;
  reggae.minor_probability = 0.5;
  reggae.grooves = {
      {"one_drop", {{kKick, "........X......."}, {kSideStick, "........X......."}, {kClosedHat, "x.x.x.x.x.x.x.x."}}},
      {"rockers", {{kKick, "X.......X......."}, {kSideStick, "....x.......x..."}, {kClosedHat, "x.x.x.x.x.x.x.x."}}},
      {"steppers", {{kKick, "X...X...X...X..."}, {kSideStick, "........X......."}, {kClosedHat, "..x...x...x...x."}}}};
  reggae.kits = {kStandardKit, kRoomKit, kElectronicKit};
  reggae.fills = true;
  reggae.bass_patterns = {BassPattern::one_drop};
  reggae.bass_programs = {kFingerBass, kFretlessBass, kSynthBass};
  reggae.major_progressions = {"I IV", "I V IV V", "I IV I V"};
  reggae.minor_progressions = {"i iv", "i bVII", "i bVI bVII i"};
  reggae.harmony = {{Comping::skank, {kDrawbarOrgan, kCleanGuitar, kPercussiveOrgan, kPiano}}};
  reggae.major_scales = {kIonian, kMajorPentatonic};
  reggae.minor_scales = {kDorian, kMinorPentatonic};
  reggae.lead_programs = {kTrumpet, kAltoSax, kHarmonica, kDrawbarOrgan, kTrombone, kBrassSection};
  reggae.lead_density = 0.35;
  reggae.lead_low = 60;
  reggae.lead_high = 79;
  reggae.stem_gain_db = {-1, 2, -3, -2};
  reggae.timing_jitter_ms = 8;
  reggae.velocity = 92;
  styles.push_back(reggae);

  GenreStyle rock;
  rock.name = "rock";
  rock.tempo_min = 100;
  rock.tempo_max = 160;
  rock.minor_probability = 0.4;
  rock.grooves = {
      {"rock_8", {{kKick, "X.......X.x....."}, {kSnare, "....X.......X..."}, {kClosedHat, "x.x.x.x.x.x.x.x."}}},
      {"rock_ride", {{kKick, "X.....x.X......."}, {kSnare, "....X.......X..."}, {kRide, "x.x.x.x.x.x.x.x."}}},
      {"rock_16", {{kKick, "X.......X..x...."}, {kSnare, "....X..o....X..."}, {kClosedHat, "xoxoxoxoxoxoxoxo"}}}};
  rock.kits = {kStandardKit, kRoomKit, kPowerKit};
  rock.phrase_crash = true;
  rock.fills = true;
  rock.bass_patterns = {BassPattern::pulse};
  rock.bass_programs = {kPickBass, kFingerBass};
  rock.major_progressions = {"I bVII IV I", "I IV V IV", "I IV I V"};
  rock.minor_progressions = {"i bVII bVI bVII", "i bIII bVII IV"};
  rock.harmony = {{Comping::power_chords, {kOverdriveGuitar, kDistortionGuitar}},
                  {Comping::strum, {kCleanGuitar, kOverdriveGuitar, kSteelGuitar}}};
  rock.major_scales = {kMixolydian, kMinorPentatonic};
  rock.minor_scales = {kMinorPentatonic, kAeolian};
  rock.lead_programs = {kOverdriveGuitar, kDistortionGuitar, kRockOrgan, kCleanGuitar, kSawLead};
  rock.lead_density = 0.5;
  rock.lead_low = 60;
  rock.lead_high = 84;
  rock.stem_gain_db = {0, -1, -1, -1};
  rock.timing_jitter_ms = 6;
  rock.velocity = 104;
  styles.push_back(rock);

  return styles;
}

// Semitones above the tonic of a Roman numeral's degree in the major scale.
int degree_semitones(const std::string& numeral) {
  static const char* kNumerals[] = {"I", "II", "III", "IV", "V", "VI", "VII"};
  static const int kSemitones[] = {0, 2, 4, 5, 7, 9, 11};
  for (int d = 0; d < 7; ++d)
    if (numeral == kNumerals[d]) return kSemitones[d];
  return -1;
}

Chord parse_chord(const std::string& token) {
  Chord chord;
  chord.symbol = token;
  std::string body = token;
  const auto colon = body.find(':');
  if (colon != std::string::npos) {
    const std::string beats = body.substr(colon + 1);
    size_t used = 0;
    try {
      chord.beats = std::stod(beats, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    HEARSAY_CHECK_AS(ConfigError, used == beats.size() && chord.beats > 0, "chord '", token,
                     "': the length after ':' must be a positive number of beats");
    body = body.substr(0, colon);
  }
  size_t pos = 0;
  int shift = 0;
  if (pos < body.size() && (body[pos] == 'b' || body[pos] == '#')) shift = body[pos++] == 'b' ? -1 : 1;
  size_t end = pos;
  while (end < body.size() && std::string("IViv").find(body[end]) != std::string::npos) ++end;
  std::string numeral = body.substr(pos, end - pos);
  const bool minor = !numeral.empty() && std::islower(static_cast<unsigned char>(numeral[0]));
  for (auto& ch : numeral) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const int degree = degree_semitones(numeral);
  HEARSAY_CHECK_AS(ConfigError, degree >= 0, "chord '", token, "': expected a Roman numeral I..VII (i..vii for minor)");
  chord.root = degree + shift;
  const std::string quality = body.substr(end);
  if (quality.empty())
    chord.intervals = minor ? std::vector<int>{0, 3, 7} : std::vector<int>{0, 4, 7};
  else if (quality == "7")
    chord.intervals = minor ? std::vector<int>{0, 3, 7, 10} : std::vector<int>{0, 4, 7, 10};
  else if (quality == "maj7")
    chord.intervals = {0, 4, 7, 11};
  else if (quality == "9")
    chord.intervals = minor ? std::vector<int>{0, 3, 7, 10, 14} : std::vector<int>{0, 4, 7, 10, 14};
  else if (quality == "5")
    chord.intervals = {0, 7, 12};
  else if (quality == "o")
    chord.intervals = {0, 3, 6};
  else if (quality == "h7")
    chord.intervals = {0, 3, 6, 10};
  else
    throw ConfigError(
        message("chord '", token, "': unknown quality '", quality, "'; valid: none (triad), 7, maj7, 9, 5, o, h7"));
  return chord;
}

}  // namespace

const char* bass_pattern_name(BassPattern pattern) {
  switch (pattern) {
    case BassPattern::root_fifth:
      return "root_fifth";
    case BassPattern::walking:
      return "walking";
    case BassPattern::boogie:
      return "boogie";
    case BassPattern::octaves:
      return "octaves";
    case BassPattern::pulse:
      return "pulse";
    case BassPattern::chug:
      return "chug";
    case BassPattern::syncopated:
      return "syncopated";
    case BassPattern::one_drop:
      return "one_drop";
    case BassPattern::sustained:
      return "sustained";
  }
  return "?";
}

const char* comping_name(Comping comping) {
  switch (comping) {
    case Comping::pad:
      return "pad";
    case Comping::strum:
      return "strum";
    case Comping::boom_chick:
      return "boom_chick";
    case Comping::skank:
      return "skank";
    case Comping::stabs:
      return "stabs";
    case Comping::arpeggio:
      return "arpeggio";
    case Comping::power_chords:
      return "power_chords";
    case Comping::pulse:
      return "pulse";
    case Comping::jazz_comp:
      return "jazz_comp";
    case Comping::sustained:
      return "sustained";
  }
  return "?";
}

const std::vector<GenreStyle>& genre_styles() {
  static const std::vector<GenreStyle> styles = make_styles();
  return styles;
}

std::vector<std::string> genre_names() {
  std::vector<std::string> names;
  for (const auto& s : genre_styles()) names.push_back(s.name);
  return names;
}

std::vector<Chord> parse_progression(const std::string& text) {
  std::istringstream in(text);
  std::vector<Chord> chords;
  std::string token;
  while (in >> token) chords.push_back(parse_chord(token));
  HEARSAY_CHECK_AS(ConfigError, !chords.empty(), "progression '", text, "' holds no chord");
  return chords;
}

}  // namespace hearsay::datasets::synth
