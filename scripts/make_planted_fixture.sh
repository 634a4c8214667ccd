#!/usr/bin/env bash
# Writes tests/data/planted/: a vgg_small trained on the default planted-cause set (4 cue classes x 100
# tracks x 6 s, seed 1) and two of its test clips with their true stems and ground truth, for the test
# that attribution methods find the planted cause. Run once from the repository root after building:
#   scripts/make_planted_fixture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build/cli/hearsay synth --planted --genres 4 --per-genre 100 --seconds 6 --seed 1 --out "$work/set"
build/cli/hearsay train --data "$work/set" --seed 1 --out "$work/model"
out=tests/data/planted
rm -rf "$out"
mkdir -p "$out/model"
cp "$work/model/model.json" "$work/model/weights.pt" "$out/model/"
for id in glockenspiel_arpeggio.00000 church_organ_chords.00008; do
  class=${id%.*}
  mkdir -p "$out/clips/$id"
  cp "$work/set/genres/$class/$id.flac" "$out/clips/$id/mix.flac"
  cp "$work/set/stems/$class/$id/"*.flac "$out/clips/$id/"
  cp "$work/set/meta/$class/$id.json" "$out/clips/$id/meta.json"
done
echo "wrote $out"
