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
# Without --split: the model's own test split, said so; --split names the model's split files or all.
"$hearsay" evaluate --model "$dir/model" --data "$dir/data" > "$dir/default.out"
grep -q "on $dir/data: the model's test split ($dir/model/test.txt, 2 examples)" "$dir/default.out" ||
  fail "evaluate did not say it scored the model's test split: $(head -n 1 "$dir/default.out")"
grep -q "^accuracy .* on 2 examples" "$dir/default.out" || fail "the default is not the 2 test tracks"
"$hearsay" evaluate --model "$dir/model" --data "$dir/data" --split val --json - > "$dir/val.json"
grep -q '"split_name": "val"' "$dir/val.json" || fail "--split val not named in the JSON"
"$hearsay" evaluate --model "$dir/model" --data "$dir/data" --split all > "$dir/all.out"
grep -q "^accuracy .* on 12 examples" "$dir/all.out" || fail "--split all did not score all 12 tracks"
if "$hearsay" evaluate --model "$dir/model" --data "$dir/data" --split tset 2> "$dir/err"; then
  fail "--split tset accepted"
fi
grep -q -- "--split 'tset': no such file; valid: a file of example ids, train, val, test" "$dir/err" ||
  fail "--split typo does not list the choices: $(cat "$dir/err")"
# The same set with one test track gone: neither the test split nor clearly another set, so ask.
cp -r "$dir/data" "$dir/partial"
gone=$(head -n 1 "$dir/model/test.txt")
find "$dir/partial" -name "$gone.*" -delete
if "$hearsay" evaluate --model "$dir/model" --data "$dir/partial" 2> "$dir/err"; then
  fail "a set holding half of the test split was scored without --split"
fi
grep -q "holds only 1 of the 2 test tracks" "$dir/err" || fail "partial test split not explained: $(cat "$dir/err")"

# A set sharing one class with the model (and one it does not know), as folders with other file names:
# none of the model's test ids, so every example is scored; refused without --classes-intersection,
# listing the class that does not match.
classes=($(ls "$dir/data/genres"))
mkdir -p "$dir/mixed/${classes[0]}" "$dir/mixed/theremin"
for f in "$dir/data/genres/${classes[0]}"/*.wav; do cp "$f" "$dir/mixed/${classes[0]}/take-$(basename "$f")"; done
cp "$(ls "$dir/data/genres/${classes[1]}"/*.wav | head -n 1)" "$dir/mixed/theremin/t.wav"
if "$hearsay" evaluate --model "$dir/model" --data "$dir/mixed" 2> "$dir/err"; then fail "foreign class accepted"; fi
grep -q "classes that model '$dir/model' does not know: theremin (its classes: ${classes[0]}, ${classes[1]})" \
  "$dir/err" || fail "foreign class not listed: $(cat "$dir/err")"
grep -q -- "--classes-intersection" "$dir/err" || fail "the refusal does not name --classes-intersection"
"$hearsay" evaluate --model "$dir/model" --data "$dir/mixed" --classes-intersection --json "$dir/mixed.json" \
  > "$dir/mixed.out"
grep -q "all 7 examples (the model's $dir/model/test.txt names none of them: another dataset)" "$dir/mixed.out" ||
  fail "another set not said: $(head -n 1 "$dir/mixed.out")"
grep -q "^skipped 1 example of classes the model does not know (theremin); accuracy is over the 1 shared classes" \
  "$dir/mixed.out" || fail "skipped examples not counted: $(cat "$dir/mixed.out")"
grep -q "^accuracy .* on 6 examples" "$dir/mixed.out" || fail "not scored on the 6 shared-class tracks"
grep -q '"skipped_examples": 1' "$dir/mixed.json" || fail "JSON lacks the skipped count"

"$hearsay" evaluate --model "$fixtures/vgg4" --data "$dir/data" --json - > "$dir/fixture.json"
grep -q '"examples": 12' "$dir/fixture.json" || fail "the TorchScript fixture did not score all 12 tracks"

if "$hearsay" evaluate --model "$dir/nowhere" --data "$dir/data" 2> "$dir/err"; then fail "missing model accepted"; fi
grep -q "nowhere' does not exist" "$dir/err" || fail "missing model not named"
if "$hearsay" train --data "$dir/data" --out "$dir/m2" --epochs 0 2> "$dir/err"; then fail "--epochs 0 accepted"; fi
grep -q "option 'epochs' must be >= 1" "$dir/err" || fail "bad option not named"
echo "ok"
