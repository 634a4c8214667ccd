#!/usr/bin/env bash
# hearsay predict end to end on the planted model: JSON that parses, probabilities that sum to 1, the
# predicted class equal to the argmax and to what `hearsay evaluate` says for the same clip, per-window
# answers, notes on resampling, a clip that fails named while the others are still printed, and a
# model returning NaN/Inf named with the clip. Usage: predict_test.sh HEARSAY PLANTED_MODEL_DIR
set -euo pipefail
hearsay=$1
model=$2
clips=$(dirname "$model")/clips
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

organ="$clips/church_organ_chords.00008/harmony.flac"
glock="$clips/glockenspiel_arpeggio.00000/lead.flac"
test -s "$organ" && test -s "$glock" || fail "planted clips missing"

# A 7 s float WAV at 44.1 kHz (resampled, three windows of the 3 s model) and one with finite samples
# of amplitude 1e17, whose power spectrum overflows float.
python3 - "$dir" <<'EOF'
import math, struct, sys
def float_wav(path, samples, rate):
    data = struct.pack("<%df" % len(samples), *samples)
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data)
rate = 44100
float_wav(sys.argv[1] + "/long.wav", [0.3 * math.sin(2 * math.pi * 440 * i / rate) for i in range(7 * rate)], rate)
float_wav(sys.argv[1] + "/loud.wav", [1e17 * math.sin(2 * math.pi * 440 * i / 22050) for i in range(22050)], 22050)
EOF

"$hearsay" --threads 1 predict "$organ" "$glock" "$dir/long.wav" --model "$model" --json --windows \
  > "$dir/p.json" 2> "$dir/p.err" || fail "predict failed: $(cat "$dir/p.err")"
grep -q "note: $dir/long.wav: 1 clip at 44100 Hz resampled to 22050 Hz" "$dir/p.err" || fail "no resampling note"
python3 - "$dir/p.json" <<'EOF' || fail "predict --json is wrong"
import json, math, sys
d = json.load(open(sys.argv[1]))
classes = d["classes"]
assert len(d["clips"]) == 3, d
def check(a, where):
    p, logits = a["probabilities"], a["logits"]
    assert len(p) == len(logits) == len(classes), where
    assert abs(sum(p) - 1.0) < 1e-5, (where, sum(p))
    assert all(math.isfinite(x) for x in p + logits), where
    top = max(range(len(p)), key=lambda c: p[c])
    assert top == max(range(len(logits)), key=lambda c: logits[c]), where
    assert a["predicted"] == classes[top] and a["predicted_index"] == top, where
    assert abs(a["probability"] - p[top]) < 1e-7, where
for clip in d["clips"]:
    assert clip["ok"], clip
    check(clip, clip["clip"])
    assert len(clip["windows"]) >= 1, clip["clip"]
    for w in clip["windows"]:
        check(w, clip["clip"] + " window")
long = d["clips"][2]
assert [round(w["start_seconds"], 2) for w in long["windows"]] == [0.0, 3.02, 3.99], long["windows"]
assert abs(long["windows"][-1]["end_seconds"] - 7.0) < 1e-9, long["windows"][-1]
# The clip's logits are the mean of its windows' logits (the window rule).
for c in range(len(classes)):
    mean = sum(w["logits"][c] for w in long["windows"]) / len(long["windows"])
    assert abs(mean - long["logits"][c]) < 1e-4 * max(1.0, abs(mean)), (c, mean, long["logits"][c])
EOF

# The predicted class is the one evaluate counts: one clip per class folder, every example scored.
mkdir -p "$dir/data/church_organ_chords" "$dir/data/glockenspiel_arpeggio"
cp "$organ" "$dir/data/church_organ_chords/organ.flac"
cp "$glock" "$dir/data/glockenspiel_arpeggio/glock.flac"
"$hearsay" --threads 1 evaluate --model "$model" --data "$dir/data" --json - > "$dir/eval.json" 2> /dev/null ||
  fail "evaluate failed"
python3 - "$dir/p.json" "$dir/eval.json" <<'EOF' || fail "predict and evaluate disagree"
import json, sys
p, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert e["split_name"] == "all", e["split_name"]
for clip, truth in ((p["clips"][0], "church_organ_chords"), (p["clips"][1], "glockenspiel_arpeggio")):
    row = e["confusion"][e["classes"].index(truth)]
    assert sum(row) == 1, row
    assert e["classes"][row.index(1)] == clip["predicted"], (truth, row, clip["predicted"])
EOF

# Console: the class and p per clip, a row per class; --windows adds a line per window.
"$hearsay" --threads 1 predict "$organ" --model "$model" --windows > "$dir/p.txt" 2> /dev/null || fail "predict text"
grep -q "^$organ: [a-z_]* (p = [01]\.[0-9]*)$" "$dir/p.txt" || fail "no predicted class line: $(cat "$dir/p.txt")"
grep -q "^  church_organ_chords  *-\?[0-9.]*  *[01]\.[0-9]*" "$dir/p.txt" || fail "no row per class"
grep -q "^  window 0.00-[0-9.]* s: [a-z_]* (p = " "$dir/p.txt" || fail "no window line: $(cat "$dir/p.txt")"

# A clip that cannot be read is named, the others are still printed, the exit code says it.
if "$hearsay" --threads 1 predict "$organ" "$dir/missing.wav" "$glock" --model "$model" > "$dir/p2.txt" \
  2> "$dir/p2.err"; then
  fail "a missing clip gave exit 0"
fi
grep -q "missing.wav" "$dir/p2.err" || fail "the missing clip is not named: $(cat "$dir/p2.err")"
grep -q "1 of 3 clips failed" "$dir/p2.err" || fail "no count of failed clips"
test "$(grep -c "(p = " "$dir/p2.txt")" = 2 || fail "the readable clips were not both printed"
if "$hearsay" --threads 1 predict "$dir/missing.wav" "$organ" --model "$model" --json > "$dir/p2.json" 2> /dev/null
then
  fail "a missing clip gave exit 0 with --json"
fi
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["clips"][0]["ok"] and "missing.wav" in d["clips"][0]["error"] and d["clips"][1]["ok"]' \
  "$dir/p2.json" || fail "--json does not report the failed clip and the good one"

# Samples of 1e17 overflow the power spectrum: an error naming the clip, never exit 0 or NaN output.
if "$hearsay" --threads 1 predict "$dir/loud.wav" --model "$model" --json > "$dir/loud.json" 2> "$dir/loud.err"; then
  fail "a clip making the model return NaN/Inf gave exit 0"
fi
grep -q "loud.wav" "$dir/loud.err" || fail "the loud clip is not named: $(cat "$dir/loud.err")"
grep -qi "nan\|inf\|non-finite" "$dir/loud.err" || fail "the error does not say what was non-finite: $(cat "$dir/loud.err")"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["clips"][0]; assert not c["ok"] and "loud.wav" in c["error"] and "logits" not in c' \
  "$dir/loud.json" || fail "--json gives numbers for the clip the model returned NaN/Inf on"

# Typos in option values list the valid choices.
if "$hearsay" predict "$organ" --model "$model" --path froze 2> "$dir/err"; then fail "--path froze accepted"; fi
grep -q "option .path. must be one of frozen, folded, eager, got \"froze\"" "$dir/err" || fail "--path typo does not list the choices: $(cat "$dir/err")"
echo "ok"
