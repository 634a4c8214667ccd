#!/usr/bin/env bash
# hearsay bench end to end on real audio files and a user's TorchScript model, no training:
#  1. a config with studies over a plain folder-per-class dataset (rendered by hearsay synth, copied
#     into class folders, no manifest) and the vgg4 TorchScript fixture: completes, the records name
#     the dataset and the model; a job that throws (Grad-CAM on a black box, a clip shorter than its
#     segments) is one failed record and every other job completes;
#  2. killed with SIGKILL (twice) and SIGINT at several points and rerun, its records equal an
#     uninterrupted run's: no job missing or duplicated;
#  3. rerun into the same folder with other options: no record of the old configuration is reused;
#  4. shards 1/3, 2/3 and 3/3 merged equal the whole run, and a missing shard is reported;
#  5. mpirun -n 3 hearsay bench --mpi equals it too (when this build has MPI and mpirun exists).
# Usage: bench_cli_test.sh HEARSAY DATA_DIR HAVE_MPI(0/1)
set -euo pipefail
hearsay=$1
data=$2
have_mpi=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"$hearsay" synth --out "$work/synth" --genres 3 --per-genre 2 --seconds 4 --format wav --seed 3 >/dev/null
mkdir -p "$work/plain"
cp -r "$work/synth/genres/"* "$work/plain/"
[ ! -e "$work/plain/manifest.json" ] || fail "the plain dataset has a manifest"

cat >"$work/study.json" <<EOF
{"seed": 5, "studies": [
  {"name": "real", "dataset": {"path": "$work/plain"}, "model": {"path": "$data/models/vgg4"},
   "clips": {"split": "all", "count": 3},
   "factorizations": {"segments": {"segments": 3}, "tf_grid": {"time_segments": 2, "frequency_bands": 2}},
   "methods": ["exact_shapley", "grad_cam", "lime", "occlusion"],
   "method_options": {"lime": {"num_samples": 64}}},
  {"name": "short", "dataset": {"path": "$work/plain"}, "model": {"path": "$data/models/vgg4"},
   "clips": {"split": "all", "count": 1}, "excerpt_seconds": 0.05,
   "factorizations": {"segments": {"segments": 8}}, "methods": ["occlusion"]},
  {"name": "blackbox", "dataset": {"path": "$work/plain"}, "model": {"path": "$data/models/skip"},
   "clips": {"split": "all", "count": 1}, "factorizations": {"segments": {"segments": 2}},
   "methods": ["grad_cam", "occlusion"]},
  {"name": "excerpt", "dataset": {"path": "$work/plain"}, "model": {"study": "real"},
   "clips": {"split": "all", "count": 1}, "excerpt_start": 0.5, "excerpt_seconds": 3.0,
   "factorizations": {"segments": {"segments": 2}}, "methods": ["occlusion"]}
]}
EOF

# Records without what differs between identical runs (times), sorted by job id, one per line.
canonical() {
  python3 - "$1" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)
    r["cost"].pop("seconds", None)
    for m in r["metrics"].values():
        m.pop("seconds", None)
    rows.append(r)
ids = [r["job"] for r in rows]
if len(ids) != len(set(ids)):
    sys.exit("duplicate job records in " + sys.argv[1])
for r in sorted(rows, key=lambda r: r["job"]):
    print(json.dumps(r, sort_keys=True))
PY
}

run_bench() { "$hearsay" --threads 1 bench --config "$work/study.json" --cache "$work/cache" "$@"; }

# 1. The whole run.
set +e
run_bench --out "$work/whole" >"$work/whole.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$work/whole.log"; fail "a run with failed jobs exited $rc, expected 1"; }
python3 - "$work/whole" "$work/plain" "$data/models/vgg4" <<'PY' || fail "the records of the whole run"
import json, sys
out, plain, model = sys.argv[1:]
records = [json.loads(l) for l in open(out + "/records.jsonl") if l.strip()]
plan = json.load(open(out + "/plan.json"))
# 3 clips x 2 factorizations x 4 methods; then one clip x occlusion + exact_shapley (agreement's
# reference); then one clip x exact_shapley, grad_cam and occlusion; then one excerpt x 2 methods.
assert len(plan["jobs"]) == 3 * 2 * 4 + 2 + 3 + 2, len(plan["jobs"])
assert len(records) == len(plan["jobs"]), (len(records), len(plan["jobs"]))
real = [r for r in records if r["config"]["study"] == "real"]
for r in records:
    assert r["config"]["dataset"].endswith("plain"), r["config"]["dataset"]
    model = "skip" if r["config"]["study"] == "blackbox" else "vgg4"
    assert r["config"]["model"].endswith(model) and model in r["config"]["model_name"], r["config"]
assert all(r["ok"] for r in real), [r.get("error") for r in real if not r["ok"]]
# "excerpt" borrows the model of study "real" (model.study): the same folder, and no test accuracy of
# its own (test.json scores the model on another set).
studies = {s["name"]: s for s in json.load(open(out + "/run.json"))["studies"]}
assert studies["excerpt"]["model"] == studies["real"]["model"], studies
assert studies["excerpt"]["model_study"] == "real" and studies["excerpt"]["test_accuracy"] is None, studies["excerpt"]
assert studies["real"]["model_study"] == "", studies["real"]
blackbox = {r["config"]["method"]: r for r in records if r["config"]["study"] == "blackbox"}
cam = blackbox["grad_cam"]
assert not cam["ok"] and cam["error_type"] == "UnsupportedModelError" and "black box" in cam["error"], cam
assert blackbox["occlusion"]["ok"] and blackbox["exact_shapley"]["ok"], blackbox
for r in real:
    assert len(r["explanation"]["scores"]) == len(r["explanation"]["names"]) > 0
    assert r["cost"]["evals"] > 0
    if r["config"]["method"] not in ("exact_shapley", "grad_cam"):
        assert r["metrics"]["agreement"]["value"] is not None, r["metrics"]
    # LIME's surrogate fit, in sample and on fresh perturbations; a method without a surrogate has neither.
    surrogate = r["config"]["method"] == "lime"
    assert (r["explanation"]["r2_held_out"] is not None) == surrogate, r["explanation"]
short = [r for r in records if r["config"]["study"] == "short"]
assert len(short) == 2 and all(not r["ok"] and "factoriz" in r["error"] for r in short), short
csv = open(out + "/results.csv").read().splitlines()
assert len(csv) == 1 + len(records), len(csv)
assert "| method |" in open(out + "/summary.md").read()
for r in records:
    if r["ok"]:
        expected = 3.0 if r["config"]["study"] == "excerpt" else 4.0
        assert abs(r["explanation"]["input_seconds"] - expected) < 0.01, r["explanation"]["input_seconds"]
excerpt = [r for r in records if r["config"]["study"] == "excerpt"]
assert all(r["config"]["excerpt"] == {"start_seconds": 0.5, "seconds": 3.0} for r in excerpt), excerpt[0]["config"]
summary = json.load(open(out + "/" + excerpt[0]["files"] + "/summary.json"))
assert summary["excerpt"] == {"start_seconds": 0.5, "seconds": 3.0}, summary
PY
canonical "$work/whole/records.jsonl" >"$work/whole.canon"

# --print-config: the embedded default, and a configuration that reads back as itself; --samples and
# --segments reach every plug-in that declares them, over the configuration's values.
"$hearsay" bench --print-config >"$work/default.json"
"$hearsay" bench --config "$work/study.json" --samples 32 --segments 5 --print-config >"$work/printed.json"
"$hearsay" bench --config "$work/printed.json" --print-config | cmp -s - "$work/printed.json" ||
  fail "--print-config does not read back as itself"
set +e
"$hearsay" bench --config "$work/study.json" --options '{"studies": [{"name": "x", "dataset": {"path": "'"$work/plain"'"},
  "model": {"path": "'"$data/models/vgg4"'"}, "methods": ["occlusion"]}]}' --samples 8 --print-config >/dev/null 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "no method of any study takes a number of samples; methods that do: .*lime" "$work/err" ||
  fail "--samples with no sampling method: exit $rc, $(cat "$work/err")"
python3 - "$work/default.json" "$work/printed.json" <<'PY' || fail "--print-config, --samples or --segments"
import json, sys
default, printed = (json.load(open(p)) for p in sys.argv[1:])
assert [s["name"] for s in default["studies"]] == ["genres", "planted", "trust", "planted_0db", "planted_m6db", "split_cue",
                                             "and_cue", "shortcut", "adversarial"], default["studies"]
real = printed["studies"][0]
assert real["method_options"]["lime"]["num_samples"] == 32, real["method_options"]
assert real["factorizations"]["segments"]["segments"] == 5, real["factorizations"]
assert real["factorizations"]["tf_grid"]["time_segments"] == 5, real["factorizations"]
assert "exact_shapley" not in real["method_options"]  # it takes no samples
PY

# 2. Interrupted runs: SIGKILL after 1 and after 5 records, SIGINT after 12, then a rerun finishes the rest.
interrupt_after() {  # SIGNAL RECORDS OUT
  # hearsay itself, not a shell function around it, so the signal reaches it.
  "$hearsay" --threads 1 bench --config "$work/study.json" --cache "$work/cache" --out "$3" >>"$work/interrupted.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 3000); do
    if [ -f "$3/records.jsonl" ] && [ "$(wc -l <"$3/records.jsonl")" -ge "$2" ]; then break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  kill "-$1" "$pid" 2>/dev/null || true
  wait "$pid" || true
}
interrupt_after KILL 1 "$work/interrupted"
killed=$(wc -l <"$work/interrupted/records.jsonl")
interrupt_after KILL 5 "$work/interrupted"
killed="$killed, $(wc -l <"$work/interrupted/records.jsonl")"
interrupt_after INT 12 "$work/interrupted"
set +e
run_bench --out "$work/interrupted" >>"$work/interrupted.log" 2>&1
set -e
canonical "$work/interrupted/records.jsonl" >"$work/interrupted.canon"
[ -z "$(find "$work/interrupted/jobs" -name '*.partial-*' | head -n 1)" ] || fail "unfinished job folders were left"
cmp -s "$work/whole.canon" "$work/interrupted.canon" ||
  { diff "$work/whole.canon" "$work/interrupted.canon" | head -5; fail "the interrupted run's records differ"; }
grep -q "interrupted" "$work/interrupted.log" || echo "note: the SIGINT came after the run had finished"

# 3. The same folder, other options: new jobs, none of the old records reused.
cp "$work/whole/plan.json" "$work/old_plan.json"
sed 's/"num_samples": 64/"num_samples": 96/; s/"segments": 3}/"segments": 2}/' "$work/study.json" >"$work/study2.json"
set +e
"$hearsay" --threads 1 bench --config "$work/study2.json" --cache "$work/cache" --out "$work/whole" >"$work/changed.log" 2>&1
set -e
python3 - "$work/whole" "$work/old_plan.json" <<'PY' || fail "a changed configuration reused old records"
import csv, json, sys
out = sys.argv[1]
records = [json.loads(l) for l in open(out + "/records.jsonl") if l.strip()]
plan = [j["id"] for j in json.load(open(out + "/plan.json"))["jobs"]]
old = {j["id"] for j in json.load(open(sys.argv[2]))["jobs"]}
new = set(plan) - old
assert 0 < len(new) < len(plan), (len(new), len(plan))  # lime and segments jobs changed; the rest did not
assert len(records) == 31 + len(new), (len(records), len(new))  # old records stay; the new jobs ran
by_id = {r["job"]: r for r in records}
rows = list(csv.DictReader(open(out + "/results.csv")))
assert len(rows) == len(plan), (len(rows), len(plan))
assert {row["job"] for row in rows} == set(plan)
for job in plan:
    c = by_id[job]["config"]
    if c["method"] == "lime":
        assert c["method_options"]["num_samples"] == 96, c["method_options"]
    if c["factorization"] == "segments" and c["study"] == "real":
        assert c["factorization_options"]["segments"] == 2, c["factorization_options"]
PY

# 4. Shards, merged.
for k in 1 2 3; do
  set +e
  run_bench --shard "$k/3" --out "$work/shard$k" >"$work/shard$k.log" 2>&1
  set -e
done
set +e
"$hearsay" bench merge "$work/shard1" "$work/shard3" --out "$work/partial" >"$work/partial.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "no record" "$work/partial.log" || fail "a merge without shard 2 was not reported (exit $rc)"
"$hearsay" bench merge "$work/shard1" "$work/shard2" "$work/shard3" --out "$work/merged" >"$work/merge.log" 2>&1 ||
  { cat "$work/merge.log"; fail "merging the shards failed"; }
canonical "$work/merged/records.jsonl" >"$work/merged.canon"
cmp -s "$work/whole.canon" "$work/merged.canon" ||
  { diff "$work/whole.canon" "$work/merged.canon" | head -5; fail "the merged shards differ from the whole run"; }

# 5. MPI.
if [ "$have_mpi" = 1 ] && command -v mpirun >/dev/null; then
  set +e
  mpirun --allow-run-as-root --oversubscribe -n 3 "$hearsay" --threads 1 bench --mpi --config "$work/study.json" \
    --cache "$work/cache" --out "$work/mpi" >"$work/mpi.log" 2>&1
  set -e
  canonical "$work/mpi/records.jsonl" >"$work/mpi.canon"
  cmp -s "$work/whole.canon" "$work/mpi.canon" ||
    { tail -20 "$work/mpi.log"; diff "$work/whole.canon" "$work/mpi.canon" | head -5; fail "the MPI run differs"; }
  echo "mpi: 3 ranks equal the whole run"
else
  echo "note: no MPI here; the --mpi part was not run"
fi
echo "ok: bench end to end ($(wc -l <"$work/whole.canon") records; killed after $killed)"
