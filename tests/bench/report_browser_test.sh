#!/usr/bin/env bash
# report.html as a person sees it: a small bench run's page opened in headless Chromium from a
# file:// URL with every host unresolvable. The page's own self-check (report.html#selftest) then
# lists the sections it shows, the charts drawn, the images decoded, every audio element loaded and
# decoded by the browser, and every script error or Content-Security-Policy violation; a screenshot is
# written as an artifact. Then `hearsay report` rebuilds the same page from the records, byte for byte,
# and --embed-audio gives a page that points at no file.
# Usage: report_browser_test.sh HEARSAY DATA_DIR ARTIFACT_DIR
# Exits 77 (skipped) without chromium, unless HEARSAY_REQUIRE_BROWSER=1 (CI installs it: .ci/run).
set -euo pipefail
hearsay=$1
data=$2
artifacts=$3
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  [ "${HEARSAY_REQUIRE_BROWSER:-0}" = 1 ] && fail "chromium is not installed (apt-get install chromium)"
  echo "skipped: chromium is not installed (apt-get install chromium; .ci/run does)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"

# A fresh planted set (true stems, planted cues) explained by the trained planted model, so every
# section has real numbers; its committed clips for the attack; a study whose clips are too short for
# its segments, for the failures.
"$hearsay" synth --out "$work/synth" --planted --genres 4 --per-genre 1 --seconds 6 --seed 9 \
  --options '{"val_fraction": 0, "test_fraction": 0}' >/dev/null 2>&1 || fail "hearsay synth"
for clip in church_organ_chords.00008 glockenspiel_arpeggio.00000; do
  mkdir -p "$work/planted/${clip%.*}"
  cp "$data/planted/clips/$clip/mix.flac" "$work/planted/${clip%.*}/$clip.flac"
done
cat >"$work/study.json" <<EOF
{"seed": 3, "studies": [
  {"name": "planted", "dataset": {"path": "$work/synth"}, "model": {"path": "$data/planted/model"},
   "clips": {"split": "all", "count": 4},
   "factorizations": {"stems": {"segments": 3}, "tf_grid": {"time_segments": 4, "frequency_bands": 3}},
   "methods": ["exact_shapley", "lime", "kernel_shap", "occlusion", "grad_cam", "integrated_gradients"],
   "method_options": {"lime": {"num_samples": 128}, "kernel_shap": {"num_samples": 128}},
   "metrics": {"localisation": {}, "ground_truth_rank": {}, "deletion": {}, "fidelity": {}, "agreement": {},
               "complexity": {}, "sanity": {"layers": 1}, "stability": {"seeds": 2}}},
  {"name": "attacked", "dataset": {"path": "$work/planted"}, "model": {"path": "$data/planted/model"},
   "clips": {"split": "all", "count": 2},
   "factorizations": {"tf_grid": {"time_segments": 3, "frequency_bands": 2}},
   "methods": ["occlusion", "grad_cam"], "metrics": {},
   "adversarial": {"snr_db": 40, "target": "", "k_max": 3}},
  {"name": "short", "dataset": {"path": "$work/synth"}, "model": {"path": "$data/planted/model"},
   "clips": {"split": "all", "count": 1}, "excerpt_seconds": 0.05,
   "factorizations": {"segments": {"segments": 8}}, "methods": ["occlusion"]}
]}
EOF
set +e
"$hearsay" --threads 1 bench --config "$work/study.json" --cache "$work/cache" --out "$work/run" >"$work/bench.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || { tail -20 "$work/bench.log"; fail "the bench exited $rc, expected 1 (the short study fails)"; }
page="$work/run/report.html"
[ -s "$page" ] || fail "no report.html"

# --no-sandbox: CI runs as root. Every host name fails to resolve, so a page that fetched anything from
# a network would show errors here.
chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --host-resolver-rules="MAP * ~NOTFOUND" --autoplay-policy=no-user-gesture-required \
    --allow-file-access-from-files "$@" 2>"$work/chrome.err"
}
chrome --virtual-time-budget=60000 --dump-dom "file://$page#selftest" >"$work/dom.html" ||
  { tail -20 "$work/chrome.err"; fail "chromium could not load the page"; }
python3 - "$work/dom.html" <<'PY' || fail "the page as chromium shows it"
import html, json, re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<pre id="selftest">(.*?)</pre>', dom, re.S)
assert m, "the page's self-check did not finish (no <pre id=selftest> in the DOM)"
s = json.loads(html.unescape(m.group(1)))
assert s["errors"] == [], s["errors"]
want = ["overview", "ranking", "cost", "curves", "agreement", "adversarial", "trust", "global", "clips", "failures"]
missing = [w for w in want if w not in s["sections"]]
assert not missing, ("sections missing", missing, s["sections"])
assert s["charts"] > 5 and s["drawn"] == s["charts"], (s["charts"], s["drawn"])
assert s["images"] > 0 and s["broken_images"] == 0, (s["images"], s["broken_images"])
audio = s["audio"]
assert len(audio) >= 3, audio
bad = [a for a in audio if not a["ok"] or a["duration"] <= 0]
assert not bad, bad
print("self-check:", len(s["sections"]), "sections,", s["drawn"], "charts,", s["images"], "images,", len(audio),
      "audio elements decoded")
PY
# Console errors the self-check cannot see (a script that failed to parse).
if grep -E "CONSOLE.*(Uncaught|Error|Refused)" "$work/chrome.err" >/dev/null; then
  grep -E "CONSOLE" "$work/chrome.err" | head -5
  fail "console errors"
fi
chrome --screenshot="$artifacts/report.png" --window-size=1280,1600 --hide-scrollbars --virtual-time-budget=10000 \
  "file://$page" >/dev/null || { tail -5 "$work/chrome.err"; fail "no screenshot"; }
[ -s "$artifacts/report.png" ] || fail "the screenshot is empty"
# In print: the page as a PDF (the print style hides the players and keeps charts and tables whole).
chrome --print-to-pdf="$artifacts/report.pdf" --no-pdf-header-footer --virtual-time-budget=10000 "file://$page" \
  >/dev/null || fail "no PDF"
python3 - "$artifacts/report.pdf" <<'PY' || fail "the printed report"
import re, sys
pdf = open(sys.argv[1], "rb").read()
pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
assert pdf.startswith(b"%PDF") and pages >= 3, pages
print("printed:", pages, "pages")
PY

# The same page from the records alone; with --embed-audio, a page that points at no file.
cp "$page" "$work/first.html"
"$hearsay" report "$work/run" >"$work/report.log" 2>&1 || { cat "$work/report.log"; fail "hearsay report"; }
cmp -s "$page" "$work/first.html" || fail "hearsay report did not rebuild the same page"
"$hearsay" report "$work/run" --embed-audio >"$work/report.log" 2>&1 || fail "hearsay report --embed-audio"
! grep -q 'src="jobs/' "$page" || fail "--embed-audio left links to files"
grep -q 'src="data:audio/' "$page" || fail "--embed-audio embedded no audio"
set +e
"$hearsay" report "$work/nowhere" >"$work/err" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "nowhere" "$work/err" || fail "a missing run folder was not named: $(cat "$work/err")"
echo ok
