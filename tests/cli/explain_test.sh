#!/usr/bin/env bash
# End to end through `hearsay explain`: a 2 s clip at 44.1 kHz on a 3 s, 22.05 kHz model (so it is
# resampled and padded, each with a note), the outputs per method, --target by index and by name,
# the refusal of a class that does not exist; excerpts of a longer track (--start/--duration),
# --independent costs, the degenerate-baseline warning, stem folders with files that are not audio,
# the HPSS default, predict, and --samples / --segments reaching every plug-in that declares them.
# Usage: explain_test.sh HEARSAY PLANTED_MODEL_DIR
set -euo pipefail
hearsay=$1
model=$2
planted_clips=$(dirname "$model")/clips
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$hearsay" synth --out "$dir/data" --genres 1 --per-genre 1 --seconds 2 --format wav \
  --options '{"sample_rate": 44100}' > /dev/null 2>&1
clip=$(find "$dir/data/genres" -name '*.wav' | head -n 1)
test -n "$clip" || fail "synth wrote no clip"

"$hearsay" --threads 1 explain "$clip" --model "$model" --methods occlusion,grad_cam --factorization segments \
  --segments 4 --target 2 --out "$dir/by_index" > "$dir/out" 2> "$dir/err" || fail "explain failed: $(cat "$dir/err")"
grep -q "note: .*1 clip at 44100 Hz resampled to 22050 Hz" "$dir/err" || fail "no resampling note: $(cat "$dir/err")"
grep -q "note: .*shorter than the model input (3.00 s) padded" "$dir/err" || fail "no padding note"
for m in occlusion grad_cam; do
  for f in "$m.json" "$m.png" "$m.svg" "$m.top.flac"; do
    test -s "$dir/by_index/$f" || fail "explain wrote no $f"
  done
  # The SVG figure is well-formed XML with the PNG's size (Cairo draws both from one routine).
  python3 -c 'import struct, sys, xml.etree.ElementTree as ET
svg = ET.parse(sys.argv[1]).getroot()
png = open(sys.argv[2], "rb").read()
w, h = struct.unpack(">II", png[16:24])
assert svg.get("viewBox") == "0 0 %d %d" % (w, h), (svg.get("viewBox"), w, h)' \
    "$dir/by_index/$m.svg" "$dir/by_index/$m.png" || fail "$m.svg is not a valid SVG of the figure"
done
grep -q '"target": 2' "$dir/by_index/occlusion.json" || fail "--target 2 not explained"

# The white-box methods of issue 12: each writes its JSON (with the gradient passes it took) and a figure;
# a TorchScript model that is not a chain of submodules is refused by name before any work.
white="lrp guided_backprop guided_grad_cam deeplift component_ig"
"$hearsay" --threads 1 explain "$clip" --model "$model" --methods "${white// /,}" --factorization segments \
  --segments 4 --audio-out none --out "$dir/white" > /dev/null 2> "$dir/err" || fail "white-box explain: $(cat "$dir/err")"
for m in $white; do
  test -s "$dir/white/$m.png" || fail "explain wrote no $m.png"
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["gradient_passes"] >= 1, d' \
    "$dir/white/$m.json" || fail "$m.json has no gradient passes"
done
# --metrics: every method's JSON and the summary carry each metric; on a planted example (--data/--id)
# the ground-truth metrics apply, and Grad-CAM's dense map gets the pointing game.
"$hearsay" synth --out "$dir/planted" --planted --genres 1 --per-genre 1 --seconds 3 --format wav > /dev/null 2>&1
"$hearsay" --threads 1 explain --data "$dir/planted" --id glockenspiel_arpeggio.00000 --model "$model" \
  --methods occlusion,grad_cam,exact_shapley --factorization stems --segments 3 --audio-out none \
  --metrics localisation,deletion,agreement --metric-options '{"deletion": {"random_orders": 5}}' \
  --out "$dir/metrics" > /dev/null 2> "$dir/err" || fail "explain --metrics: $(cat "$dir/err")"
python3 - "$dir/metrics" <<'PY' || fail "explain --metrics wrote no metrics"
import json, sys
occlusion = json.load(open(sys.argv[1] + "/occlusion.json"))["metrics"]
assert 0.0 <= occlusion["localisation"]["value"] <= 1.0, occlusion["localisation"]
assert occlusion["deletion"]["value"] is not None and len(occlusion["deletion"]["curve"]) > 2, occlusion["deletion"]
assert occlusion["agreement"]["value"] is not None, occlusion["agreement"]
assert json.load(open(sys.argv[1] + "/grad_cam.json"))["metrics"]["localisation"]["extra"]["pointing_game"] in (0, 1)
summary = json.load(open(sys.argv[1] + "/summary.json"))
assert all("metrics" in m for m in summary["methods"]), summary["methods"]
PY
# The metrics that factorize the clip again (with noise; into twice the segments) get it from explain.
"$hearsay" --threads 1 explain --data "$dir/planted" --id glockenspiel_arpeggio.00000 --model "$model" \
  --methods occlusion,grad_cam --factorization stems --segments 3 --audio-out none --metrics sensitivity,granularity \
  --metric-options '{"sensitivity": {"samples": 1}}' --out "$dir/refactorized" > /dev/null 2> "$dir/err" ||
  fail "explain --metrics sensitivity,granularity: $(cat "$dir/err")"
python3 - "$dir/refactorized" <<'PY' || fail "explain gave sensitivity or granularity no source"
import json, sys
for method in ("occlusion", "grad_cam"):
    m = json.load(open(sys.argv[1] + "/" + method + ".json"))["metrics"]
    assert m["sensitivity"]["value"] >= 0.0 and m["sensitivity"]["extra"]["evaluations"] > 0, m["sensitivity"]
    assert -1.0 <= m["granularity"]["value"] <= 1.0, m["granularity"]
    assert m["granularity"]["extra"]["fine_components"] == 24, m["granularity"]
PY
if "$hearsay" explain "$clip" --model "$model" --methods occlusion --metrics fidelty --out "$dir/x" 2> "$dir/err"; then
  fail "--metrics fidelty accepted"
fi
grep -q -- "--metrics: unknown metric 'fidelty'; valid: adversarial_flip, agreement" "$dir/err" || fail "bad metric: $(cat "$dir/err")"

skip="$(dirname "$0")/../data/models/skip"
if "$hearsay" explain "$clip" --model "$skip" --methods lrp --out "$dir/x" > /dev/null 2> "$dir/err"; then
  fail "lrp ran on a model that is not a chain of submodules"
fi
grep -q "lrp needs a white-box model, but model 'torchscript: skip.pt' is a black box: .*not a chain of submodules" \
  "$dir/err" || fail "black box not explained: $(cat "$dir/err")"
grep -q "occlusion" "$dir/out" || fail "no comparison table"

"$hearsay" --threads 1 explain "$clip" --model "$model" --methods occlusion --factorization segments --segments 4 \
  --target church_organ_chords --out "$dir/by_name" > /dev/null 2>&1 || fail "explain by class name failed"
cmp -s <(grep -v '"seconds"' "$dir/by_index/occlusion.json") <(grep -v '"seconds"' "$dir/by_name/occlusion.json") ||
  fail "class 2 by index and by name differ"

if "$hearsay" explain "$clip" --model "$model" --methods occlusion --target 7 --out "$dir/x" 2> "$dir/err"; then
  fail "--target 7 accepted for a 4-class model"
fi
grep -q -- "--target 7: model .* has 4 classes (0 to 3)" "$dir/err" || fail "bad index not explained: $(cat "$dir/err")"
if "$hearsay" explain "$clip" --model "$model" --methods occlusion --target 99999999999 --out "$dir/x" 2> "$dir/err"
then
  fail "--target 99999999999 accepted"
fi
grep -q -- "--target 99999999999: model .* has 4 classes" "$dir/err" || fail "huge index not explained: $(cat "$dir/err")"
if "$hearsay" explain "$clip" --model "$model" --methods occlusion --target jazz --out "$dir/x" 2> "$dir/err"; then
  fail "--target jazz accepted"
fi
grep -q "no class 'jazz'; its classes are: glockenspiel_arpeggio" "$dir/err" || fail "bad name not explained"
test ! -e "$dir/by_index/occlusion.rest.flac" || fail "--audio-out top (the default) wrote the rest"
grep -q "predicted: " "$dir/out" || fail "the table does not show the predicted class"
grep -q "top: " "$dir/out" || fail "the table does not list top components"

# --audio-out all writes the rest too; none writes no audio.
"$hearsay" --threads 1 explain "$clip" --model "$model" --methods occlusion --factorization segments --segments 4 \
  --audio-out all --out "$dir/all" > /dev/null 2>&1 || fail "--audio-out all failed"
test -s "$dir/all/occlusion.rest.flac" || fail "--audio-out all wrote no rest"
"$hearsay" --threads 1 explain "$clip" --model "$model" --methods occlusion --factorization segments --segments 4 \
  --audio-out none --out "$dir/none" > /dev/null 2>&1 || fail "--audio-out none failed"
ls "$dir/none" | grep -q "flac\|wav" && fail "--audio-out none wrote audio"

# An excerpt of a longer track: --start/--duration load only that part, and the JSON says which.
long=$planted_clips/glockenspiel_arpeggio.00000/mix.flac
"$hearsay" --threads 1 explain "$long" --model "$model" --methods occlusion --factorization segments --segments 3 \
  --start 1.5 --duration 3 --out "$dir/excerpt" > "$dir/out" 2> "$dir/err" || fail "excerpt failed: $(cat "$dir/err")"
python3 - "$dir/excerpt/summary.json" <<'PY' || fail "summary.json does not record the excerpt"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["clip"]["start_seconds"] == 1.5 and s["clip"]["duration_seconds"] == 3, s["clip"]
PY
"$hearsay" explain "$long" --model "$model" --methods occlusion --max-seconds 4 --out "$dir/x" 2> "$dir/err" &&
  fail "a 6 s clip above --max-seconds 4 was explained"
grep -q -- "--start SECONDS --duration SECONDS" "$dir/err" || fail "no hint to --start/--duration: $(cat "$dir/err")"

# --independent: each method pays its own evaluations (runs == evals); shared: the second method
# reuses the first one's masks (its runs < its evals).
"$hearsay" --threads 1 explain "$long" --model "$model" --methods occlusion,kernel_shap --factorization segments \
  --segments 4 --samples 16 --independent --out "$dir/indep" > /dev/null 2>&1 || fail "--independent failed"
python3 - "$dir/indep/summary.json" <<'PY' || fail "--independent methods shared evaluations"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["shared_evaluations"] is False
for m in s["methods"]:
    assert m["model_runs"] == m["evals"], m
PY
"$hearsay" --threads 1 explain "$long" --model "$model" --methods occlusion,kernel_shap --factorization segments \
  --segments 4 --samples 16 --out "$dir/shared" > "$dir/out" 2>&1 || fail "shared explain failed"
python3 - "$dir/shared/summary.json" <<'PY' || fail "shared methods did not share evaluations"
import json, sys
s = json.load(open(sys.argv[1]))
k = [m for m in s["methods"] if m["method"] == "kernel_shap"][0]
assert k["model_runs"] < k["evals"], k
PY
grep -q "seconds\*" "$dir/out" || fail "shared seconds are not marked as shared"

# The degenerate baseline: explain the class the model gives to silence; every method warns.
{ printf 'RIFF\x24\x58\x01\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x22\x56\x00\x00\x44\xac\x00\x00'
  printf '\x02\x00\x10\x00data\x00\x58\x01\x00'; head -c 88064 /dev/zero; } > "$dir/silence.wav"
silent_class=$("$hearsay" predict "$dir/silence.wav" --model "$model" --json 2> /dev/null |
  python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d.get("predicted") or d["clips"][0]["predicted"])') ||
  fail "predict on silence failed"
test -n "$silent_class" || fail "predict gave no class"
"$hearsay" --threads 1 explain "$long" --model "$model" --methods occlusion,lime --samples 64 --target "$silent_class" \
  --factorization segments --segments 4 --out "$dir/degenerate" > "$dir/out" 2> "$dir/err" ||
  fail "degenerate explain failed: $(cat "$dir/err")"
grep -q "warning: .*baseline" "$dir/out" || fail "the table does not warn about the baseline: $(cat "$dir/out")"
python3 - "$dir/degenerate/occlusion.json" <<'PY' || fail "occlusion.json has no baseline warning"
import json, sys
d = json.load(open(sys.argv[1]))
assert any("baseline" in w for w in d["warnings"]), d["warnings"]
PY

# A stem folder as a separation tool leaves it: audio stems plus files that are not audio.
stems=$dir/stems
mkdir -p "$stems"
cp "$planted_clips/glockenspiel_arpeggio.00000/"{bass,drums,harmony,lead}.flac "$stems/"
echo "[song]" > "$stems/song.ini"
printf '\x89PNG' > "$stems/cover.png"
"$hearsay" --threads 1 explain "$long" --model "$model" --methods occlusion --stems "$stems" --segments 2 \
  --out "$dir/stems_out" > "$dir/out" 2> "$dir/err" || fail "explain with a stem folder failed: $(cat "$dir/err")"
grep -q "skipped .*song.ini" "$dir/err" || fail "song.ini not noted as skipped: $(cat "$dir/err")"
grep -q "skipped .*cover.png" "$dir/err" || fail "cover.png not noted as skipped"
grep -q '"drums.t01"' "$dir/stems_out/occlusion.json" || fail "no drums stem component"

# No --stems and no --factorization: HPSS stems, said in a note.
"$hearsay" --threads 1 explain "$long" --model "$model" --methods occlusion --segments 2 --out "$dir/hpss" \
  > /dev/null 2> "$dir/err" || fail "explain without stems failed: $(cat "$dir/err")"
grep -q "note: no stems given.*HPSS" "$dir/err" || fail "no HPSS note: $(cat "$dir/err")"
grep -q '"harmonic.t01"' "$dir/hpss/occlusion.json" || fail "no harmonic component"

# --samples and --segments reach every method and factorization that declares the option (as
# `hearsay list` shows them), whatever its name; where none does, the refusal lists those that do.
declaring() {  # declaring methods|factorizations KEY...: the names whose options include a KEY
  "$hearsay" list "$1" | python3 -c '
import re, sys
keys, name, out = sys.argv[1:], None, []
for line in sys.stdin:
    if re.match(r"[a-z0-9_]+: ", line):
        name = line.split(":")[0]
    elif line.startswith(" ") and line.split(" = ")[0].strip() in keys and name not in out:
        out.append(name)
print(", ".join(out))' "${@:2}"
}
samplers=$(declaring methods num_samples)
test -n "$samplers" || fail "hearsay list shows no method with num_samples"
listed() { "$hearsay" list "$1" | grep -E '^[a-z0-9_]+: ' | cut -d: -f1; }  # listed methods|factorizations
all_methods=$(listed methods | paste -sd, -)
"$hearsay" --threads 1 explain "$long" --model "$model" --methods "$all_methods" --factorization segments \
  --segments 3 --samples 40 --audio-out none --out "$dir/samples" > /dev/null 2> "$dir/err" ||
  fail "--samples over every method failed: $(cat "$dir/err")"
python3 - "$dir/samples" "$samplers" "$all_methods" <<'PY' || fail "--samples did not reach exactly the methods declaring num_samples"
import json, sys
out, samplers, methods = sys.argv[1], sys.argv[2].split(", "), sys.argv[3].split(",")
for m in methods:
    options = json.load(open(f"{out}/{m}.json"))["options"]
    if m in samplers:
        assert options["num_samples"] == 40, (m, options)
    else:
        assert "num_samples" not in options, (m, options)
PY
# --samples auto: every sampling method samples until its top-k set is stable and says how many it used.
"$hearsay" --threads 1 explain "$long" --model "$model" --methods "$(echo "$samplers" | tr -d " ")" --factorization segments \
  --segments 3 --samples auto --audio-out none --out "$dir/auto" > /dev/null 2> "$dir/err" ||
  fail "--samples auto failed: $(cat "$dir/err")"
python3 - "$dir/auto" "$samplers" <<'PY' || fail "--samples auto did not reach every sampling method, or it did not report its rounds"
import json, sys
out, samplers = sys.argv[1], sys.argv[2].split(", ")
for m in samplers:
    e = json.load(open(f"{out}/{m}.json"))
    assert e["options"]["num_samples"] == "auto", (m, e["options"])
    d = e["diagnostics"]
    assert d["samples_used"] > 0 and d["auto_stopped"] in ("confident", "cap"), (m, d)
    assert 0.0 <= d["achieved_confidence"] <= 1.0, (m, d)
PY
non_samplers=$(echo "$all_methods" | tr ',' '\n' | { grep -vxF -f <(echo "$samplers" | tr -d ' ' | tr ',' '\n') || true; } |
  paste -sd, -)
if test -n "$non_samplers"; then
  "$hearsay" explain "$long" --model "$model" --methods "$non_samplers" --samples 40 --out "$dir/x" 2> "$dir/err" &&
    fail "--samples accepted for methods that draw none ($non_samplers)"
  grep -qF -- "--samples: none of the methods to run ($(echo "$non_samplers" | sed 's/,/, /g')) draws samples; it applies to $samplers" \
    "$dir/err" || fail "--samples refusal does not list the methods that take it: $(cat "$dir/err")"
fi
segmented=$(declaring factorizations segments time_segments)
for f in $(echo "$segmented" | tr -d ','); do
  "$hearsay" --threads 1 explain "$long" --model "$model" --methods occlusion --factorization "$f" --segments 3 \
    --audio-out none --out "$dir/seg_$f" > /dev/null 2> "$dir/err" || fail "--segments with $f failed: $(cat "$dir/err")"
  python3 - "$dir/seg_$f/occlusion.json" <<'PY' || fail "--segments 3 did not reach $f's time segments"
import json, sys
o = json.load(open(sys.argv[1]))["factorization"]["options"]
assert o.get("segments", o.get("time_segments")) == 3, o
PY
done
for f in $(listed factorizations); do
  case ", $segmented, " in *", $f, "*) continue ;; esac
  "$hearsay" explain "$long" --model "$model" --methods occlusion --factorization "$f" --segments 3 --out "$dir/x" \
    2> "$dir/err" && fail "--segments accepted for $f, which has no time segments"
  grep -qF -- "--segments: the '$f' factorization has no time segments (--segments applies to $segmented;" "$dir/err" ||
    fail "--segments refusal for $f does not list the factorizations that take it: $(cat "$dir/err")"
done

# --hpss and --allow-residual: refused where the factorization declares no stem source / residual bound,
# naming those that do.
refused_for() {  # refused_for FACTORIZATION FLAG MESSAGE
  "$hearsay" explain "$long" --model "$model" --methods occlusion --factorization "$1" "$2" --out "$dir/x" \
    2> "$dir/err" && fail "$2 accepted for $1"
  grep -qF -- "$3" "$dir/err" || fail "$2 refusal for $1 does not say where it applies: $(cat "$dir/err")"
}
sourced=$(declaring factorizations source)
bounded=$(declaring factorizations max_residual_db)
for f in $(listed factorizations); do
  case ", $sourced, " in *", $f, "*) ;; *)
    refused_for "$f" --hpss "--hpss gives sources for --factorization $sourced, not for '$f'" ;;
  esac
  case ", $bounded, " in *", $f, "*) ;; *)
    refused_for "$f" --allow-residual "--allow-residual: the '$f' factorization has no stems to add up (it applies to $bounded)" ;;
  esac
done

# A method that cannot run is a warning (exit 0) while another succeeds; all failing is exit 1.
"$hearsay" --threads 1 explain "$long" --model "$model" --methods occlusion,exact_shapley --factorization segments \
  --segments 25 --out "$dir/partial" > "$dir/out" 2> "$dir/err" || fail "one failing method made explain fail"
grep -q "warning: exact_shapley failed" "$dir/err" || fail "no warning for the failed method"
echo "ok"
