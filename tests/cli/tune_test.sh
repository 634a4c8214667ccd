#!/usr/bin/env bash
# hearsay tune end to end on a copy of the TorchScript fixture: --dry-run leaves model.json alone,
# a run writes the fastest batch into it (keeping every other key), the JSON report agrees, the tuned
# folder still predicts, and bad folders and batch lists are refused by name.
# Usage: tune_test.sh HEARSAY FIXTURE_MODEL_DIR PLANTED_CLIP
set -euo pipefail
hearsay=$1
fixture=$2
clip=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cp -r "$fixture" "$dir/m"
before=$(cat "$dir/m/model.json")
# stderr may carry a note that the machine is busy (the load average, which tests cannot control).
"$hearsay" tune "$dir/m" --batches 1,4 --rounds 2 --dry-run > "$dir/dry.txt" 2> "$dir/dry.err" ||
  fail "tune --dry-run failed: $(cat "$dir/dry.err")"
grep -q -- "--dry-run: .*model.json not changed" "$dir/dry.txt" || fail "dry run said: $(cat "$dir/dry.txt")"
[ "$before" = "$(cat "$dir/m/model.json")" ] || fail "--dry-run changed model.json"

"$hearsay" tune "$dir/m" --batches 1,4,8 --rounds 2 --json > "$dir/t.json" 2> "$dir/t.err" ||
  fail "tune failed: $(cat "$dir/t.err")"
python3 - "$dir/t.json" "$dir/m/model.json" "$fixture/model.json" <<'PY' || fail "tune wrote the wrong thing"
import json, sys
report, written, original = (json.load(open(p)) for p in sys.argv[1:4])
times = report["times"]
assert [t["batch"] for t in times] == [1, 4, 8], times
assert all(t["ms_per_window"] > 0 for t in times), times
fastest = min(times, key=lambda t: t["ms_per_window"])["batch"]
assert report["best"] == fastest and report["written"] is True and report["previous"] == 0, report
assert written["batch"] == fastest, written
del written["batch"]
assert written == original, (written, original)  # every other key as it was
PY

# The tuned folder loads with its batch and still classifies; a second tune reports the previous batch.
"$hearsay" predict "$clip" --model "$dir/m" > /dev/null || fail "predict on the tuned model failed"
"$hearsay" tune "$dir/m" --batches 2 --rounds 1 > "$dir/again.txt" 2> "$dir/again.err" ||
  fail "second tune failed: $(cat "$dir/again.err")"
grep -q 'wrote "batch": 2 to .*(was [148])' "$dir/again.txt" || fail "second tune said: $(cat "$dir/again.txt")"

# Refusals: a folder without model.json, a batch outside 1..4096, a broken "batch" in model.json.
! "$hearsay" tune "$dir/nothing" 2> "$dir/e1" > /dev/null || fail "tune of a missing folder succeeded"
grep -q "nothing' does not exist" "$dir/e1" || fail "missing folder: $(cat "$dir/e1")"
! "$hearsay" tune "$dir/m" --batches 0 2> "$dir/e2" > /dev/null || fail "--batches 0 accepted"
grep -q -- "--batches" "$dir/e2" || fail "--batches 0: $(cat "$dir/e2")"
python3 -c "import json,sys; p=sys.argv[1]; j=json.load(open(p)); j['batch']='many'; json.dump(j, open(p,'w'))" \
  "$dir/m/model.json"
! "$hearsay" tune "$dir/m" 2> "$dir/e3" > /dev/null || fail "a broken batch in model.json was accepted"
grep -q '"batch" (windows per network call) must be an integer from 1 to 4096, got "many"' "$dir/e3" ||
  fail "broken batch: $(cat "$dir/e3")"
echo ok
