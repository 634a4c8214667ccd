#!/usr/bin/env bash
# hearsay bench gives its metrics what they need beyond the explanation: the clip it factorized (so
# sensitivity and granularity, which factorize it again, are computed) and every kind of ground truth
# (the shortcut set's tone is a cue that ground_truth_rank finds, not "no ground truth").
# Usage: bench_metrics_test.sh HEARSAY DATA_DIR
set -euo pipefail
hearsay=$1
data=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"$hearsay" synth --out "$work/synth" --shortcut --genres 2 --per-genre 4 --seconds 3 --format wav --seed 3 >/dev/null 2>&1
clip=$(python3 - "$work/synth/manifest.json" <<'PY'
import json, sys
examples = json.load(open(sys.argv[1]))["examples"]
print(next(e["id"] for e in examples if any(g["kind"] == "shortcut" for g in e.get("ground_truth") or [])))
PY
)
cat >"$work/study.json" <<JSON
{"seed": 5, "studies": [
  {"name": "shortcut", "dataset": {"path": "$work/synth"}, "model": {"path": "$data/models/vgg4"},
   "clips": {"ids": ["$clip"]}, "factorizations": {"stems": {"segments": 3}}, "methods": ["occlusion"],
   "metrics": {"sensitivity": {"samples": 1}, "granularity": {}, "ground_truth_rank": {}}}
]}
JSON
"$hearsay" --threads 1 bench --config "$work/study.json" --cache "$work/cache" --out "$work/out" >"$work/log" 2>&1 ||
  fail "bench: $(cat "$work/log")"
python3 - "$work/out/records.jsonl" <<'PY' || fail "the metrics of the record"
import json, sys
(record,) = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
assert record["ok"], record
m = record["metrics"]
assert m["sensitivity"]["value"] is not None and m["sensitivity"]["extra"]["evaluations"] > 0, m["sensitivity"]
assert m["granularity"]["value"] is not None, m["granularity"]
assert m["granularity"]["extra"]["fine_components"] == 2 * len(record["explanation"]["names"]), m["granularity"]
assert m["ground_truth_rank"]["value"] is not None, m["ground_truth_rank"]
PY
# hearsay explain --data reads the same ground truth: the tone reaches its metrics too.
"$hearsay" --threads 1 explain --data "$work/synth" --id "$clip" --model "$data/models/vgg4" --methods occlusion \
  --factorization stems --segments 3 --audio-out none --metrics ground_truth_rank --out "$work/explain" \
  >"$work/explain.log" 2>&1 || fail "explain: $(cat "$work/explain.log")"
python3 - "$work/explain/occlusion.json" <<'PY' || fail "explain's ground_truth_rank on a shortcut clip"
import json, sys
rank = json.load(open(sys.argv[1]))["metrics"]["ground_truth_rank"]
assert rank["value"] is not None and rank["extra"]["components"], rank
PY
echo ok
