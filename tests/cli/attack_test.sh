#!/usr/bin/env bash
# hearsay attack end to end on the planted model: a targeted waveform attack at 40 dB SNR whose report
# agrees with the files it wrote (budget, peak, SNR, classes) and whose adversarial.wav reads back, through
# `hearsay predict`, as the class the report gives; a partial attack (--segments 4 --perturb 1) that
# leaves every sample outside the second quarter bit-identical to clean.wav; a spectrogram attack's
# .npy files; and wrong options refused by name (and, but for the target the model already gives, before
# the --out folder is made).
# Usage: attack_test.sh HEARSAY PLANTED_MODEL_DIR
set -euo pipefail
hearsay=$1
model=$2
clips=$(dirname "$model")/clips
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

organ="$clips/church_organ_chords.00008/mix.flac"
test -s "$organ" || fail "planted clip missing"

# Readers for what attack writes, without NumPy: float WAV (RIFF chunks) and .npy (version 1.0).
cat > "$dir/files.py" <<'EOF'
import array, ast, struct

def read_wav(path):
    """(sample rate, channels, float32 samples as an array('f'), their raw bits as an array('I'))."""
    data = open(path, "rb").read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", path
    pos, fmt, body = 12, None, None
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if chunk == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
        elif chunk == b"data":
            body = data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    tag, channels, rate, _, _, bits = fmt
    assert tag in (3, 0xFFFE) and bits == 32, (path, "not 32-bit float", fmt)
    values, bits_ = array.array("f"), array.array("I")
    values.frombytes(body)
    bits_.frombytes(body)
    return rate, channels, values, bits_

def read_npy(path):
    """(shape, float32 values in C order)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x93NUMPY\x01\x00", path
    length = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + length].decode("latin1"))
    assert header["descr"] == "<f4" and not header["fortran_order"], header
    assert (10 + length) % 64 == 0, "npy header not aligned"
    values = array.array("f")
    values.frombytes(data[10 + length:])
    rows, cols = header["shape"]
    assert len(values) == rows * cols, (header, len(values))
    return header["shape"], values
EOF

# ---- a targeted waveform attack at 40 dB SNR --------------------------------------------------------
"$hearsay" --threads 1 attack "$organ" --model "$model" --target glockenspiel_arpeggio --domain waveform \
  --snr-db 40 --out "$dir/wave" > "$dir/out" 2> "$dir/err" || fail "attack failed: $(cat "$dir/err")"
grep -q "targeted waveform attack .*Wrote attack.json, clean.wav, adversarial.wav and perturbation.wav" "$dir/out" ||
  fail "no summary: $(cat "$dir/out")"
"$hearsay" --threads 1 predict "$dir/wave/adversarial.wav" --model "$model" --json > "$dir/predict.json" \
  2> "$dir/err" || fail "predict adversarial.wav: $(cat "$dir/err")"
python3 - "$dir" <<'EOF' || fail "the waveform attack's report does not match its files"
import json, math, sys
sys.path.insert(0, sys.argv[1])
from files import read_wav
d = json.load(open(sys.argv[1] + "/wave/attack.json"))
o = d["options"]
assert set(o) == {"domain", "target", "snr_db", "optimizer", "iterations", "step", "random_start", "confidence",
                  "seed", "segments", "perturb"}, o
assert o["confidence"] == 0, o
assert o["domain"] == "waveform" and o["snr_db"] == 40 and o["optimizer"] == "pgd" and o["iterations"] == 200, o
classes = d["classes"]
for key in ("clean", "adversarial"):
    p = d[key + "_probabilities"]
    assert len(p) == len(classes) and abs(sum(p) - 1) < 1e-6, p
    top = max(range(len(p)), key=p.__getitem__)
    assert d[key] == {"class": classes[top], "index": top, "probability": p[top]}, (key, d[key])
assert d["clean"]["class"] == "church_organ_chords", d["clean"]
assert d["target"]["class"] == "glockenspiel_arpeggio" and d["target"]["index"] == 0, d["target"]
assert d["target"]["probability"] == d["adversarial_probabilities"][0], d["target"]
assert d["success"] == (d["adversarial"]["class"] == "glockenspiel_arpeggio"), d
# The tiny planted model gives way well within the budget; a failure here is the attack's, not chance's.
assert d["success"] and 1 <= d["iterations"] <= 200, (d["success"], d["iterations"], d["adversarial"])

rate, channels, clean, _ = read_wav(sys.argv[1] + "/wave/clean.wav")
_, _, adv, _ = read_wav(sys.argv[1] + "/wave/adversarial.wav")
_, _, delta, _ = read_wav(sys.argv[1] + "/wave/perturbation.wav")
assert rate == d["sample_rate"] == 22050 and channels == 1, (rate, channels)
assert len(clean) == len(adv) == len(delta) > 0, (len(clean), len(adv), len(delta))
assert d["perturbed_seconds"] == [[0.0, len(clean) / rate]], d["perturbed_seconds"]
rms = math.sqrt(sum(x * x for x in clean) / len(clean))
assert abs(d["epsilon"] - rms * 10 ** (-40 / 20)) <= 1e-5 * d["epsilon"], (d["epsilon"], rms)
peak = max(abs(x) for x in delta)
# x + δ is rounded to float, so δ = (x + δ) - x may pass ε by the rounding of the largest sample.
ulp = 2.0 ** -23 * max(abs(x) for x in adv)
assert abs(peak - d["linf"]) <= 1e-6 * peak and peak <= d["epsilon"] + ulp, (peak, d["linf"], d["epsilon"])
snr = 10 * math.log10(sum(x * x for x in clean) / sum(x * x for x in delta))
assert abs(snr - d["snr_db"]) < 1e-3 and snr >= 40 - 1e-6, (snr, d["snr_db"])
for c, a, e in zip(clean, adv, delta):
    assert abs(a - (c + e)) <= 1.2e-7 * max(abs(a), abs(c)), (c, a, e)

# Read again, the adversarial clip is what the report says it is.
p = json.load(open(sys.argv[1] + "/predict.json"))["clips"][0]
assert p["predicted"] == d["adversarial"]["class"], (p["predicted"], d["adversarial"])
assert abs(p["probability"] - d["adversarial"]["probability"]) < 1e-5, (p["probability"], d["adversarial"])
EOF

# ---- a partial attack: only the second of four segments may change ----------------------------------
# On a stereo 44.1 kHz copy of the clip, so clean.wav is what the model heard: mono, at 22.05 kHz.
python3 - "$dir" <<'EOF'
import struct, sys
sys.path.insert(0, sys.argv[1])
from files import read_wav
rate, _, clean, _ = read_wav(sys.argv[1] + "/wave/clean.wav")
frames = [v for x in clean for v in (x, 0.5 * x, x, 0.5 * x)]  # each sample twice, on two channels
data = struct.pack("<%df" % len(frames), *frames)
fmt = struct.pack("<HHIIHH", 3, 2, 2 * rate, 2 * rate * 8, 8, 32)
with open(sys.argv[1] + "/stereo.wav", "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
    f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data)
EOF
"$hearsay" --threads 1 attack "$dir/stereo.wav" --model "$model" --target next --optimizer sign_adam \
  --iterations 5 --segments 4 --perturb 1 --out "$dir/partial" > /dev/null 2> "$dir/err" ||
  fail "partial attack: $(cat "$dir/err")"
grep -q "note: .*stereo.wav: 1 clip at 44100 Hz resampled to 22050 Hz" "$dir/err" || fail "no note: $(cat "$dir/err")"
python3 - "$dir" <<'EOF' || fail "the partial attack touched samples outside segment 1"
import json, sys
sys.path.insert(0, sys.argv[1])
from files import read_wav
d = json.load(open(sys.argv[1] + "/partial/attack.json"))
assert d["options"]["segments"] == 4 and d["options"]["perturb"] == [1], d["options"]
assert d["target"]["index"] == (d["clean"]["index"] + 1) % len(d["classes"]), d["target"]  # "next"
rate, channels, clean, clean_bits = read_wav(sys.argv[1] + "/partial/clean.wav")
assert rate == 22050 and channels == 1 and abs(len(clean) - 6 * rate) <= 1, (rate, channels, len(clean))
_, _, adv, adv_bits = read_wav(sys.argv[1] + "/partial/adversarial.wav")
_, _, delta, _ = read_wav(sys.argv[1] + "/partial/perturbation.wav")
[[start, end]] = d["perturbed_seconds"]
quarter, hop = len(clean) / rate / 4, 512 / rate  # segment boundaries fall on frame hops
assert abs(start - quarter) <= hop and abs(end - 2 * quarter) <= hop, (start, end, quarter)
first, last = round(start * rate), round(end * rate)
outside = [i for i in range(len(clean)) if i < first or i >= last]
assert all(adv_bits[i] == clean_bits[i] for i in outside), "a sample outside segment 1 changed"
assert all(delta[i] == 0.0 for i in outside), "the perturbation is not zero outside segment 1"
changed = sum(adv_bits[i] != clean_bits[i] for i in range(first, last))
assert changed > (last - first) // 2, ("segment 1 barely perturbed", changed, last - first)
EOF

# ---- the spectrogram domain: features and perturbation as .npy ---------------------------------------
"$hearsay" --threads 1 attack "$organ" --model "$model" --domain spectrogram --iterations 3 --segments 3 \
  --perturb 0,2 --out "$dir/spec" > "$dir/out" 2> "$dir/err" || fail "spectrogram attack: $(cat "$dir/err")"
grep -q "untargeted spectrogram attack .*adversarial_features.npy and perturbation.npy" "$dir/out" ||
  fail "no spectrogram summary: $(cat "$dir/out")"
test ! -e "$dir/spec/adversarial.wav" || fail "a spectrogram attack wrote audio"
python3 - "$dir" <<'EOF' || fail "the spectrogram attack's .npy files are wrong"
import json, sys
sys.path.insert(0, sys.argv[1])
from files import read_npy
d = json.load(open(sys.argv[1] + "/spec/attack.json"))
assert d["target"] is None and d["options"]["target"] == "", d["target"]
shape, clean = read_npy(sys.argv[1] + "/spec/clean_features.npy")
shape_a, adv = read_npy(sys.argv[1] + "/spec/adversarial_features.npy")
shape_d, delta = read_npy(sys.argv[1] + "/spec/perturbation.npy")
assert shape == shape_a == shape_d and shape[0] == 96 and shape[1] > 100, (shape, shape_a, shape_d)
rows, cols = shape
assert max(abs(x) for x in delta) <= d["epsilon"] + 2.0 ** -23 * max(abs(x) for x in adv), d["epsilon"]
assert all(abs(a - c - e) <= 1e-4 for a, c, e in zip(adv, clean, delta)), "adversarial != clean + delta"
# δ lives in the first and last thirds of the frames only (a frame is where its centre, t hops, falls).
frame = 512 / 22050
inside = lambda t: any(a <= t * frame < b for a, b in d["perturbed_seconds"])
allowed = [t for t in range(cols) if inside(t)]
assert len(d["perturbed_seconds"]) == 2 and inside(0) and inside(cols - 1) and not inside(cols // 2), d
assert abs(len(allowed) - 2 * cols / 3) <= 2, (len(allowed), cols, d["perturbed_seconds"])
assert all(delta[m * cols + t] == 0.0 for m in range(rows) for t in range(cols) if not inside(t)), "delta leaks"
assert any(delta[m * cols + t] != 0.0 for m in range(rows) for t in range(cols) if inside(t)), "delta is zero"
EOF

# ---- wrong input: refused by name, nothing written ---------------------------------------------------
expect() {  # expect NAME EXIT_CODE PATTERN ARGS...: hearsay exits with EXIT_CODE and stderr matches PATTERN
  local name=$1 code=$2 pattern=$3
  shift 3
  local rc=0
  "$hearsay" --threads 1 attack "$@" > /dev/null 2> "$dir/err" || rc=$?
  test "$rc" -eq "$code" || fail "$name: exit $rc, expected $code: $(cat "$dir/err")"
  grep -Eq -- "$pattern" "$dir/err" || fail "$name: '$pattern' not in: $(cat "$dir/err")"
}
expect unknown_target 2 "--target: model .* has no class 'flute'; its classes are: glockenspiel_arpeggio, \
tubular_bells_descent, church_organ_chords, pizzicato_run" "$organ" --model "$model" --target flute --out "$dir/bad"
expect target_index 2 "--target 7: model .* has 4 classes \(0 to 3\)" "$organ" --model "$model" --target 7 \
  --out "$dir/bad"
expect target_is_clean 2 "already labels the clip 'church_organ_chords'" "$organ" --model "$model" \
  --target church_organ_chords --out "$dir/bad_target"  # found by the attack, once --out is made
expect perturb_without_segments 2 "perturb needs segments" "$organ" --model "$model" --perturb 1 --out "$dir/bad"
expect perturb_out_of_range 2 "perturb names segment 4; valid: 0 to 3" "$organ" --model "$model" --segments 4 \
  --perturb 1,4 --out "$dir/bad"
expect perturb_not_a_list 2 "--perturb: 'x' is not a segment index" "$organ" --model "$model" --segments 4 \
  --perturb 1,x --out "$dir/bad"
expect unknown_domain 2 "'domain' must be one of waveform, spectrogram, got \"frequency\"" "$organ" --model "$model" \
  --domain frequency --out "$dir/bad"
expect unknown_optimizer 2 "'optimizer' must be one of pgd, sign_adam, got \"adam\"" "$organ" --model "$model" \
  --optimizer adam --out "$dir/bad"
expect snr_out_of_range 2 "'snr_db' must be" "$organ" --model "$model" --snr-db -3 --out "$dir/bad"
expect missing_clip 1 "'/no/such.wav': no such file" /no/such.wav --model "$model" --out "$dir/bad"
expect missing_out 106 "--out is required" "$organ" --model "$model"
test ! -e "$dir/bad" || fail "a refused attack created its --out folder"
echo ok
