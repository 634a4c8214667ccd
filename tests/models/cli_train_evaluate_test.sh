#!/usr/bin/env bash
# End to end through the hearsay executable: synth a tiny set, train 2 epochs, evaluate the result and
# the TorchScript fixture, and check the refusals. Usage: cli_train_evaluate_test.sh HEARSAY DATA_DIR
set -euo pipefail
hearsay=$1
fixtures=$2/models
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$hearsay" synth --out "$dir/data" --genres 2 --per-genre 6 --seconds 3 --format wav > /dev/null 2>&1
"$hearsay" --threads 1 train --data "$dir/data" --out "$dir/model" --epochs 2 --seconds 1 \
  --network-options '{"channels": [4, 8, 8, 8]}' > "$dir/train.out" 2> "$dir/train.err"
grep -q "split files in $dir/data/splits" "$dir/train.err" || fail "train did not use the dataset's splits"
grep -q "^epoch   2/2" "$dir/train.err" || fail "no progress line for epoch 2"
grep -q "^test tracks" "$dir/train.out" || fail "no test score"
grep -q "confusion matrix" "$dir/train.out" || fail "no confusion matrix"
for f in model.json weights.pt train.txt val.txt test.txt; do
  test -s "$dir/model/$f" || fail "model directory lacks $f"
done
grep -q '"file_hash": "fnv1a64:' "$dir/model/model.json" || fail "model.json lacks the weights hash"

"$hearsay" evaluate --model "$dir/model" --data "$dir/data" --split "$dir/model/test.txt" --json "$dir/eval.json" \
  > "$dir/eval.out"
grep -q "^accuracy .* on 2 examples" "$dir/eval.out" || fail "evaluate did not score the 2 test tracks"
grep -q '"confusion"' "$dir/eval.json" || fail "no JSON report"
"$hearsay" evaluate --model "$fixtures/vgg4" --data "$dir/data" --json - > "$dir/fixture.json"
grep -q '"examples": 12' "$dir/fixture.json" || fail "the TorchScript fixture did not score all 12 tracks"

if "$hearsay" evaluate --model "$dir/nowhere" --data "$dir/data" 2> "$dir/err"; then fail "missing model accepted"; fi
grep -q "nowhere' does not exist" "$dir/err" || fail "missing model not named"
if "$hearsay" train --data "$dir/data" --out "$dir/m2" --epochs 0 2> "$dir/err"; then fail "--epochs 0 accepted"; fi
grep -q "option 'epochs' must be >= 1" "$dir/err" || fail "bad option not named"
echo "ok"
