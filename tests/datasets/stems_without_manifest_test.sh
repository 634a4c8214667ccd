#!/usr/bin/env bash
# A set written by hearsay synth, without its manifest.json, opened as GTZAN layout: every example
# still finds its stems in the sibling stems/ folder, and stems/ is not taken for a class.
# Usage: stems_without_manifest_test.sh HEARSAY SYNTH_SET
set -euo pipefail
hearsay=$1
set_dir=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cp -r "$set_dir/genres" "$set_dir/stems" "$dir/"
test ! -e "$dir/manifest.json" || fail "the copy has a manifest"
examples=$(find "$dir/genres" -name '*.flac' | wc -l)
test "$examples" -gt 0 || fail "the synth set has no FLAC mixes"
# Files that are not audio, as multitrack sessions hold them, are ignored.
first=$(find "$dir/stems" -mindepth 2 -maxdepth 2 -type d | head -n 1)
echo "[song]" > "$first/song.ini"
printf 'PNG' > "$first/cover.png"
printf 'MThd' > "$first/notes.mid"

"$hearsay" dataset info "$dir" > "$dir/info.txt" 2> "$dir/info.err" || fail "dataset info failed: $(cat "$dir/info.err")"
grep -q "gtzan" "$dir/info.txt" || fail "not opened as GTZAN layout: $(cat "$dir/info.txt")"
grep -q "stems *$examples of $examples examples" "$dir/info.txt" || fail "stems not found: $(cat "$dir/info.txt")"
grep -q "^  stems  *[0-9]* examples" "$dir/info.txt" && fail "stems/ taken for a class"
test ! -s "$dir/info.err" || fail "warnings for a clean set: $(cat "$dir/info.err")"
echo "ok"
