#!/usr/bin/env bash
# MP3 through every command: clips encoded here with Debian's lame (mono and stereo, 22.05 and
# 44.1 kHz) must load with the frame count `info` reports (libsndfile's MP3 count is only an estimate;
# hearsay decodes to the end), and info, dataset info, predict, explain (with an excerpt), train and
# evaluate must all accept them. Usage: mp3_test.sh HEARSAY PLANTED_DIR
set -euo pipefail
hearsay=$1
planted=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v lame > /dev/null || fail "lame is not installed (scripts/install-deps.sh installs it)"

# Sources: six synthetic 3 s tracks as 16-bit WAV at 44.1 kHz, encoded at 22.05 or 44.1 kHz, mono or stereo.
"$hearsay" synth --out "$dir/src" --genres 2 --per-genre 3 --seconds 3 --format wav \
  --options '{"sample_rate": 44100}' > /dev/null 2>&1 || fail "synth failed"
mkdir -p "$dir/set"
n=0
for wav in $(find "$dir/src/genres" -name '*.wav' | sort); do
  class=$(basename "$(dirname "$wav")")
  mkdir -p "$dir/set/$class"
  case $((n % 4)) in
    0) opts="-m m --resample 22.05" ;;
    1) opts="-m s --resample 22.05" ;;
    2) opts="-m m --resample 44.1" ;;
    3) opts="-m j --resample 44.1" ;;
  esac
  # shellcheck disable=SC2086
  lame --quiet $opts "$wav" "$dir/set/$class/$(basename "${wav%.wav}").mp3" || fail "lame failed on $wav"
  n=$((n + 1))
done

# info's frame count is what loading gives (predict --windows would not tell; explain's summary does).
for mp3 in "$dir"/set/*/*.mp3; do
  "$hearsay" info --json "$mp3" > "$dir/info.json" || fail "info failed on $mp3"
  python3 - "$dir/info.json" <<'PY' || fail "info on $mp3 is not a whole MP3 decode"
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["frames"] > 0 and not d["truncated"], d
assert d["sample_rate"] in (22050, 44100) and d["channels"] in (1, 2), d
PY
done
"$hearsay" dataset info "$dir/set" > "$dir/out" 2>&1 || fail "dataset info failed: $(cat "$dir/out")"
grep -q "skipped" "$dir/out" && fail "dataset info skipped MP3 files: $(cat "$dir/out")"
model=$planted/model
clip=$(find "$dir/set" -name '*.mp3' | sort | sed -n 2p)
"$hearsay" predict "$dir"/set/*/*.mp3 --model "$model" > "$dir/out" 2>&1 || fail "predict failed: $(cat "$dir/out")"
"$hearsay" --threads 1 explain "$clip" --model "$model" --methods occlusion --factorization segments --segments 2 \
  --start 0.5 --duration 2 --out "$dir/explained" > "$dir/out" 2>&1 || fail "explain failed: $(cat "$dir/out")"
test -s "$dir/explained/occlusion.json" || fail "explain wrote no occlusion.json"
"$hearsay" train --data "$dir/set" --out "$dir/model" --epochs 1 --seconds 1 --quiet > "$dir/out" 2>&1 ||
  fail "train failed: $(cat "$dir/out")"
"$hearsay" evaluate --model "$dir/model" --data "$dir/set" --split all > "$dir/out" 2>&1 ||
  fail "evaluate failed: $(cat "$dir/out")"
grep -q "all 6 examples" "$dir/out" || fail "evaluate did not score all 6 MP3s: $(cat "$dir/out")"
echo "ok"
