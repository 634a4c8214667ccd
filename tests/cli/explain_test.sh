#!/usr/bin/env bash
# End to end through `hearsay explain`: a 2 s clip at 44.1 kHz on a 3 s, 22.05 kHz model (so it is
# resampled and padded, each with a note), the outputs per method, --target by index and by name,
# and the refusal of a class that does not exist. Usage: explain_test.sh HEARSAY PLANTED_MODEL_DIR
set -euo pipefail
hearsay=$1
model=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$hearsay" synth --out "$dir/data" --genres 1 --per-genre 1 --seconds 2 --format wav \
  --options '{"sample_rate": 44100}' > /dev/null 2>&1
clip=$(find "$dir/data/genres" -name '*.wav' | head -n 1)
test -n "$clip" || fail "synth wrote no clip"

"$hearsay" --threads 1 explain "$clip" --model "$model" --methods occlusion,grad_cam --factorization segments \
  --segments 4 --target 2 --out "$dir/by_index" > "$dir/out" 2> "$dir/err" || fail "explain failed: $(cat "$dir/err")"
grep -q "note: .*1 clip at 44100 Hz resampled to 22050 Hz" "$dir/err" || fail "no resampling note: $(cat "$dir/err")"
grep -q "note: .*shorter than the model input (3.00 s) padded" "$dir/err" || fail "no padding note"
for m in occlusion grad_cam; do
  for f in "$m.json" "$m.png" "$m.top.wav" "$m.rest.wav"; do
    test -s "$dir/by_index/$f" || fail "explain wrote no $f"
  done
done
grep -q '"target": 2' "$dir/by_index/occlusion.json" || fail "--target 2 not explained"
grep -q "occlusion" "$dir/out" || fail "no comparison table"

"$hearsay" --threads 1 explain "$clip" --model "$model" --methods occlusion --factorization segments --segments 4 \
  --target church_organ_chords --out "$dir/by_name" > /dev/null 2>&1 || fail "explain by class name failed"
cmp -s <(grep -v '"seconds"' "$dir/by_index/occlusion.json") <(grep -v '"seconds"' "$dir/by_name/occlusion.json") ||
  fail "class 2 by index and by name differ"

if "$hearsay" explain "$clip" --model "$model" --methods occlusion --target 7 --out "$dir/x" 2> "$dir/err"; then
  fail "--target 7 accepted for a 4-class model"
fi
grep -q -- "--target 7: model .* has 4 classes (0 to 3)" "$dir/err" || fail "bad index not explained: $(cat "$dir/err")"
if "$hearsay" explain "$clip" --model "$model" --methods occlusion --target 99999999999 --out "$dir/x" 2> "$dir/err"
then
  fail "--target 99999999999 accepted"
fi
grep -q -- "--target 99999999999: model .* has 4 classes" "$dir/err" || fail "huge index not explained: $(cat "$dir/err")"
if "$hearsay" explain "$clip" --model "$model" --methods occlusion --target jazz --out "$dir/x" 2> "$dir/err"; then
  fail "--target jazz accepted"
fi
grep -q "no class 'jazz'; its classes are: glockenspiel_arpeggio" "$dir/err" || fail "bad name not explained"
echo "ok"
