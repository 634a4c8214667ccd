#!/usr/bin/env bash
# hearsay bench's adversarial experiment end to end: each clip is attacked once into the cache (a
# second run reuses it), every method explains the adversarial example, adversarial_flip scores it
# against the norm oracle and random components, and the summary has the detection and flip-curve
# tables. A spectrogram attack is explained over tf_grid; segments cannot cut a feature map, and the
# job says so.
# Usage: bench_adversarial_test.sh HEARSAY DATA_DIR
set -euo pipefail
hearsay=$1
data=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A folder per class of the planted model's own clips (its vgg4 sibling is untrained: nothing flips it).
for clip in church_organ_chords.00008 glockenspiel_arpeggio.00000; do
  mkdir -p "$work/data/${clip%.*}"
  cp "$data/planted/clips/$clip/mix.flac" "$work/data/${clip%.*}/$clip.flac"
done
cat >"$work/study.json" <<JSON
{"seed": 5, "studies": [
  {"name": "wave", "dataset": {"path": "$work/data"}, "model": {"path": "$data/planted/model"},
   "clips": {"split": "all", "count": 2}, "methods": ["occlusion", "grad_cam"],
   "factorizations": {"segments": {"segments": 4}, "tf_grid": {"time_segments": 2, "frequency_bands": 2}},
   "metrics": {}, "adversarial": {"snr_db": 40, "target": "", "k_max": 4, "partial_segments": 2}},
  {"name": "spec", "dataset": {"path": "$work/data"}, "model": {"path": "$data/planted/model"},
   "clips": {"split": "all", "count": 1}, "methods": ["occlusion"],
   "factorizations": {"tf_grid": {"time_segments": 2, "frequency_bands": 2}, "segments": {"segments": 2}},
   "metrics": {}, "adversarial": {"domain": "spectrogram", "snr_db": 20, "target": ""}}
]}
JSON
# One job fails by design (segments cannot cut a feature map): the run says so in its exit status.
if "$hearsay" --threads 1 bench --config "$work/study.json" --cache "$work/cache" --out "$work/out" >"$work/log" 2>&1; then
  fail "bench passed with a job that cannot run: $(cat "$work/log")"
fi
grep -q "1 of 10 jobs failed" "$work/log" || fail "bench: $(cat "$work/log")"
ls -d "$work"/cache/attack-* >/dev/null 2>&1 || fail "no adversarial example in the cache"
[ "$(ls -d "$work"/cache/attack-*[0-9a-f] | wc -l)" = 3 ] || fail "expected 3 attacks (2 waveform clips, 1 spectrogram)"
python3 - "$work/out/records.jsonl" <<'PY' || fail "the adversarial records"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
wave = [r for r in records if r["config"]["study"] == "wave"]
assert len(wave) == 8 and all(r["ok"] for r in wave), [r.get("error") for r in wave]
for r in wave:
    attack = r["explanation"]["attack"]
    assert attack["domain"] == "waveform" and attack["snr_db"] >= 40 - 1e-9, attack
    assert len(attack["perturbed_seconds"]) == 1, attack  # one of two segments
    flip = r["metrics"]["adversarial_flip"]
    if not attack["success"]:
        assert flip["value"] is None and "did not change" in flip["reason"], flip
        continue
    # the explanation explains the adversarial label
    assert r["explanation"]["target_name"] == attack["adversarial_class"], (r["explanation"]["target_name"], attack)
    if flip["value"] is None:
        assert "every component" in flip["reason"], flip
        continue
    assert flip["value"] in (0, 1) and len(flip["curve"]) == 4, flip
    extra = flip["extra"]
    assert len(extra["oracle_curve"]) == 4 and len(extra["random_curve"]) == 4, extra
    assert 0 <= extra["recall"] <= 1 and extra["perturbed_count"] >= 1, extra
    assert r["config"]["adversarial"]["partial_segments"] == 2, r["config"]
scored = [r for r in wave if r["metrics"]["adversarial_flip"]["value"] is not None]
assert scored, "no waveform attack succeeded on the planted model at 40 dB"
spec = [r for r in records if r["config"]["study"] == "spec"]
grid = [r for r in spec if r["config"]["factorization"] == "tf_grid"]
cut = [r for r in spec if r["config"]["factorization"] == "segments"]
assert len(grid) == 1 and grid[0]["ok"], grid
assert grid[0]["explanation"]["attack"]["domain"] == "spectrogram", grid[0]["explanation"]
assert len(cut) == 1 and not cut[0]["ok"] and "tf_grid or superpixels" in cut[0]["error"], cut
PY
grep -q "adversarial-flip detection" "$work/out/summary.md" || fail "summary.md has no detection table"
grep -q "flip rate against k" "$work/out/summary.md" || fail "summary.md has no flip-curve table"
grep -q "wave (waveform attack): the label changed on" "$work/log" || fail "the console has no attack line: $(cat "$work/log")"
# A second run reads the attacks from the cache: the same perturbations, so the same records.
"$hearsay" --threads 1 bench --config "$work/study.json" --cache "$work/cache" --out "$work/out2" >"$work/log2" 2>&1 || true
grep -q "1 of 10 jobs failed" "$work/log2" || fail "second bench: $(cat "$work/log2")"
python3 - "$work/out/records.jsonl" "$work/out2/records.jsonl" <<'PY' || fail "the cached attacks gave other results"
import json, sys
a, b = ([json.loads(line) for line in open(p) if line.strip()] for p in sys.argv[1:3])
key = lambda r: r["job"]
a, b = sorted(a, key=key), sorted(b, key=key)
assert [r["job"] for r in a] == [r["job"] for r in b]
def values(r):  # the metrics without their timings
    return {name: {k: v for k, v in m.items() if k != "seconds"} for name, m in r.get("metrics", {}).items()}
for x, y in zip(a, b):
    assert values(x) == values(y), (x["job"], values(x), values(y))
    assert x["explanation"].get("attack") == y["explanation"].get("attack"), x["job"]
PY
# A misspelt option is refused by name before any work.
sed 's/"snr_db": 40/"snr_dB": 40/' "$work/study.json" >"$work/bad.json"
if "$hearsay" bench --config "$work/bad.json" --cache "$work/cache" --out "$work/bad" >"$work/bad.log" 2>&1; then
  fail "a misspelt adversarial option was accepted"
fi
grep -q "adversarial: unknown option 'snr_dB'" "$work/bad.log" || fail "bad option message: $(cat "$work/bad.log")"
echo ok
