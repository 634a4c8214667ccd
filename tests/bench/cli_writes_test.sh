#!/usr/bin/env bash
# End to end through the hearsay executable: folders that cannot be written, options that used to
# reach the user as foreign exceptions, damaged cache records that are recomputed, and (when this
# runs as root and may mount a tmpfs, as CI does) a full disk, which must give an error saying
# "disk full" and leave no 0-byte or truncated file. Usage: cli_writes_test.sh HEARSAY DATA_DIR
set -euo pipefail
hearsay=$1
data=$2
dir=$(mktemp -d)
full=$dir/full
cleanup() {
  if mountpoint -q "$full" 2> /dev/null; then umount "$full"; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Runs hearsay expecting a failure whose message holds every further argument.
refused() {
  local what=$1
  shift
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  shift
  if "$hearsay" "${args[@]}" > "$dir/out" 2> "$dir/err"; then fail "$what: accepted"; fi
  grep -q "unexpected error\|internal error\|terminate called" "$dir/err" && fail "$what: $(cat "$dir/err")"
  for part in "$@"; do grep -qF -- "$part" "$dir/err" || fail "$what: no '$part' in: $(cat "$dir/err")"; done
}

echo x > "$dir/a_file"
refused "bench --out FILE" bench --out "$dir/a_file" --cache "$dir/c" -- "--out" "a_file" "is a file"
refused "bench --out /proc" bench --out /proc/hearsay --cache "$dir/c" -- "--out" "/proc/hearsay"
refused "bench --cache FILE" bench --out "$dir/o" --cache "$dir/a_file" -- "--cache" "a_file"
refused "bench --config DIR" bench --config "$dir" --out "$dir/o" --cache "$dir/c" -- "--config" "is a folder"
study() {  # a one-study bench config; the argument is added to the study's keys
  echo "{\"studies\": [{\"name\": \"s\", \"dataset\": {\"path\": \"$data/planted\"}, \"model\": {\"path\": \"$data/models/vgg4\"}$1}]}"
}
refused "method_options []" bench --config "$(study ', "method_options": []')" --out "$dir/o" --cache "$dir/c" -- "method_options must be an object"
refused "method_options lime" bench --config "$(study ', "method_options": "lime"')" --out "$dir/o" --cache "$dir/c" -- "method_options must be an object"
refused "flag vs --options" bench --seed 3 --options '{"seed": 4}' --out "$dir/o" --cache "$dir/c" -- "'seed' is 3 by the flag --seed but 4 by --options"
refused "study typo" bench --config "$(study ', "clip": {}')" --out "$dir/o" --cache "$dir/c" -- "studies[0]" "unknown option 'clip'"
refused "synth flag vs --options" synth --out "$dir/s2" --genres 3 --options '{"genres": 4}' -- \
  "'genres' is 3 by the flag --genres but 4 by --options"
refused "train --seconds 1e9" train --data "$dir" --out "$dir/m" --seconds 1e9 -- "'seconds'" "60"
refused "train --out FILE" train --data "$data/planted" --out "$dir/a_file" -- "--out" "a_file"
refused "synth --per-genre 1e9" synth --out "$dir/s3" --per-genre 1000000000 -- "'per_genre'" "100000"
refused "synth --out /proc" synth --out /proc/hearsay -- "--out" "/proc/hearsay"
refused "dataset split --out FILE" dataset split "$data/planted" --out "$dir/a_file" -- "--out" "a_file"

# --threads above the core count is capped with a note.
"$hearsay" --threads 100000 list networks > /dev/null 2> "$dir/err" || fail "list with --threads 100000"
grep -q "note: --threads 100000 is more than the" "$dir/err" || fail "--threads not capped: $(cat "$dir/err")"

# A class folder not in UTF-8 is refused when the dataset is opened, before any training.
mkdir -p "$dir/latin/caf$(printf '\xe9')" "$dir/latin/dog"
"$hearsay" synth --out "$dir/tiny" --genres 2 --per-genre 5 --seconds 2 > /dev/null 2>&1
# A damaged synth meta file (0 bytes, as a full disk left them) is named and its track made again.
meta=$(find "$dir/tiny/meta" -name '*.json' | sort | head -n 1)
: > "$meta"
"$hearsay" synth --out "$dir/tiny" --genres 2 --per-genre 5 --seconds 2 > "$dir/out" 2> "$dir/err" ||
  fail "synth after a damaged meta file: $(cat "$dir/err")"
grep -qF "$meta' is empty" "$dir/err" || fail "the damaged meta file was not named: $(cat "$dir/err")"
grep -q "(1 made now, 9 kept" "$dir/out" || fail "the damaged track was not made again: $(cat "$dir/out")"
[ -s "$meta" ] || fail "the damaged meta file was not rewritten"
first=$(find "$dir/tiny/genres" -type f | sort | head -n 1)
cp "$first" "$dir/latin/caf$(printf '\xe9')/a.${first##*.}"
cp "$first" "$dir/latin/dog/b.${first##*.}"
refused "non-UTF-8 class" train --data "$dir/latin" --out "$dir/latin_model" -- "caf\\xE9" "not valid UTF-8"
[ ! -e "$dir/latin_model/model.json" ] || fail "a model.json was written for a non-UTF-8 class"
"$hearsay" info --json "$dir/latin/caf$(printf '\xe9')/a.${first##*.}" > "$dir/info.json" 2> "$dir/err" ||
  fail "info --json on a non-UTF-8 path: $(cat "$dir/err")"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dir/info.json" || fail "info --json is not JSON"

# A small bench; then damaged records are named and recomputed: a torn last line of records.jsonl
# (a run killed mid-write) and a 0-byte test.json beside the cached model (a full disk).
small='{"studies": [{"name": "genres", "dataset": {"synth": {"genres": 2, "per_genre": 5, "seconds": 2}},
        "model": {"train": {"epochs": 1, "seconds": 1, "patience": 0}}, "clips": {"count": 2},
        "factorizations": {"segments": {"segments": 2}}, "methods": ["occlusion"], "metrics": {}}]}'
"$hearsay" bench --config "$small" --out "$dir/b" --cache "$dir/bc" > /dev/null 2> "$dir/err" ||
  fail "small bench: $(cat "$dir/err")"
records=$dir/b/records.jsonl
test=$(find "$dir/bc" -name test.json | head -n 1)
[ "$(wc -l < "$records")" -eq 2 ] && [ -n "$test" ] || fail "the bench wrote no records or no test.json"
head -c -40 "$records" > "$dir/torn" && cp "$dir/torn" "$records"
: > "$test"
"$hearsay" bench --config "$small" --out "$dir/b" --cache "$dir/bc" > /dev/null 2> "$dir/err" ||
  fail "bench after damaged records: $(cat "$dir/err")"
grep -qF "line 2 is not a whole record" "$dir/err" || fail "the torn record was not named: $(cat "$dir/err")"
grep -qF "is damaged" "$dir/err" || fail "the damaged test.json was not named: $(cat "$dir/err")"
python3 - "$records" <<'PY' || fail "the torn record was not recomputed"
import json, sys
lines = open(sys.argv[1]).read().split("\n")
whole = [json.loads(l) for l in lines if l.strip().endswith("}") and l.strip().startswith("{")]
assert len({r["job"] for r in whole}) == 2, len(whole)
PY
[ -s "$test" ] || fail "the damaged test.json was not recomputed"

# --quick trains models that learn (they used to sit at chance level, 33 % and 50 %), and the warning
# for a model at chance level is given (the small bench above trains 1 epoch on 1 s windows).
"$hearsay" bench --quick --out "$dir/q" --cache "$dir/qc" > "$dir/quick.out" 2> "$dir/quick.err" ||
  fail "bench --quick: $(cat "$dir/quick.err")"
grep -q "chance level" "$dir/quick.err" && fail "a --quick model is at chance level: $(cat "$dir/quick.err")"
grep -q "is at chance level (.* %, chance = 1/2)" "$dir/err" ||
  fail "no chance-level warning for the 1-epoch model: $(cat "$dir/err")"
rm -rf "$dir/q" "$dir/qc"

# A full disk: a 256 KiB tmpfs filled up (needs root and mount; skipped with a note otherwise). Each
# command must fail naming the file and "disk full", and leave no 0-byte file and no temporary.
mkdir -p "$full"
if mount -t tmpfs -o size=256k tmpfs "$full" 2> /dev/null; then
  fill() {
    rm -rf "${full:?}"/*
    dd if=/dev/zero of="$full/filler" bs=4k > /dev/null 2>&1 || true
  }
  no_empty_files() {
    local empty
    # Lock files (flock(2) on an empty file) are empty by design.
    empty=$(find "$full" -type f -size 0 ! -name '*.lock' ! -name .lock | head -n 3)
    [ -z "$empty" ] || fail "$1 left 0-byte files: $empty"
    [ -z "$(find "$full" -name '*.tmp-*' | head -n 1)" ] || fail "$1 left temporaries"
  }
  fill
  refused "bench on a full disk" bench --config "$small" --out "$full/b" --cache "$dir/bc" -- "disk full" "$full/b"
  no_empty_files bench
  fill
  refused "train on a full disk" --threads 1 train --data "$dir/tiny" --out "$full/m" --epochs 1 --seconds 1 -- \
    "disk full" "$full/m"
  no_empty_files train
  fill
  refused "synth on a full disk" synth --out "$full/s" --genres 2 --per-genre 5 --seconds 2 -- "disk full" "$full/s"
  no_empty_files synth
  umount "$full"
else
  echo "note: cannot mount a tmpfs here (not root?); the full-disk checks were skipped" >&2
fi
echo "ok"
