#!/usr/bin/env bash
# The bad-input corpus: every subcommand fed broken audio, stem folders, model folders, JSON configs and
# options. Each case must end with a non-zero exit (never a signal), an error that names what was wrong
# (the regex), no "unexpected error" (a foreign exception that reached the user), and no NaN or null
# result on stdout. Usage: bad_inputs.sh HEARSAY PLANTED_DIR [BAD_DIR]
# (PLANTED_DIR: tests/data/planted with model/ and clips/; BAD_DIR: tests/data/bad, reproducers of crashes.)
set -uo pipefail
hearsay=$(realpath "$1")
planted=$(realpath "$2")
bad=${3:+$(realpath "$3")}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"  # a command that wrongly writes to its default folder leaves nothing behind
model=$planted/model
clip=$planted/clips/glockenspiel_arpeggio.00000/mix.flac
passed=0
failed=0

# expect NAME REGEX COMMAND...: COMMAND must fail cleanly with REGEX in its error output.
expect() {
  local name=$1 regex=$2
  shift 2
  local t0=$SECONDS
  "$@" > "$dir/out" 2> "$dir/err" < /dev/null
  local rc=$? why=""
  [ -n "${VERBOSE:-}" ] && echo "$name: $((SECONDS - t0)) s"
  if [ "$rc" -eq 0 ]; then why="exit 0"
  elif [ "$rc" -ge 128 ]; then why="killed by signal $((rc - 128))"
  elif grep -q "unexpected error\|terminate called\|Traceback\|what():" "$dir/err"; then why="a foreign exception"
  elif ! grep -Eq -- "$regex" "$dir/err"; then why="error lacks /$regex/"
  elif grep -Eiq '(^|[^a-z])(nan|null)([^a-z]|$)' "$dir/out"; then why="NaN or null on stdout"
  fi
  if [ -z "$why" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: $why (exit $rc)"
    sed 's/^/    stderr: /' "$dir/err" | head -n 5
    sed 's/^/    stdout: /' "$dir/out" | head -n 3
  fi
}

# survives NAME COMMAND...: an input that is odd but valid must run to the end: exit 0, no NaN or null.
survives() {
  local name=$1
  shift
  rm -rf "$dir/o"
  "$@" > "$dir/out" 2> "$dir/err" < /dev/null
  local rc=$?
  if [ "$rc" -eq 0 ] && ! grep -Eiq '(^|[^a-z])(nan|null|inf)([^a-z]|$)' "$dir/out" &&
    ! grep -Eq '"(score|full_output|empty_output|intercept)": null' "$dir/o"/*.json 2>/dev/null; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $rc or NaN/null/inf in its output"
    sed 's/^/    stderr: /' "$dir/err" | head -n 5
  fi
}

# ---- fixtures, made here ------------------------------------------------------------------------
u32() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))\\x$(printf %02x $((($1 >> 16) & 255)))\\x$(printf %02x $((($1 >> 24) & 255)))"; }
u16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))"; }
# wav_header RATE CHANNELS BITS FORMAT DATA_BYTES
wav_header() {
  printf 'RIFF'; u32 $((36 + $5)); printf 'WAVEfmt '; u32 16; u16 "$4"; u16 "$2"; u32 "$1"
  u32 $(($1 * $2 * $3 / 8)); u16 $(($2 * $3 / 8)); u16 "$3"; printf 'data'; u32 "$5"
}
{ wav_header 22050 1 32 3 88200; printf '\xbc\xa2\xb1\x5b\xbc\xa2\xb1\xdb%.0s' $(seq 11025); } > "$dir/loud.wav"
{ wav_header 22050 1 32 3 88200; printf '\xbc\xa2\xb1\x5b%.0s' $(seq 22050); } > "$dir/loud_dc.wav"
{ wav_header 22050 1 32 3 16; printf '\x00\x00\xc0\x7f%.0s' 1 2 3 4; } > "$dir/nan.wav"
{ wav_header 1 1 16 1 2000; head -c 2000 /dev/zero; } > "$dir/one_hz.wav"
{ wav_header 0 1 16 1 2000; head -c 2000 /dev/zero; } > "$dir/zero_rate.wav"
{ wav_header 22050 1 16 1 2000000; head -c 2000 /dev/zero; } > "$dir/truncated.wav"
: > "$dir/empty.wav"
echo "not audio at all" > "$dir/text.wav"
mkdir -p "$dir/a_folder.wav"
mkdir -p "$dir/stems_dup" "$dir/stems_mix" "$dir/stems_none" "$dir/stems_other"
cp "$planted/clips/glockenspiel_arpeggio.00000/drums.flac" "$dir/stems_dup/drums.flac"
"$hearsay" explain --help > /dev/null  # the binary runs at all
cp "$planted/clips/glockenspiel_arpeggio.00000/drums.flac" "$dir/stems_dup/drums.ogg"
cp "$planted/clips/glockenspiel_arpeggio.00000/"*.flac "$dir/stems_mix/"
echo "[song]" > "$dir/stems_none/song.ini"
cp "$planted/clips/church_organ_chords.00008/"{bass,drums,harmony,lead}.flac "$dir/stems_other/"
echo "x" > "$dir/a_file"
mkdir -p "$dir/model_empty" "$dir/model_nojson" "$dir/model_badjson" "$dir/model_key" "$dir/model_noweights" \
  "$dir/model_cut" "$dir/model_frontend" "$dir/model_arch"
touch "$dir/model_nojson/weights.pt"
: > "$dir/model_empty/model.json"
cp "$model/weights.pt" "$dir/model_empty/"
echo '{"architecture": "vgg_small", ' > "$dir/model_badjson/model.json"
sed 's/"architecture"/"architecture_typo": 1, "architecture"/' "$model/model.json" > "$dir/model_key/model.json"
cp "$model/model.json" "$dir/model_noweights/"
cp "$model/model.json" "$dir/model_cut/"
head -c 1000 "$model/weights.pt" > "$dir/model_cut/weights.pt"
sed 's/"architecture": "vgg_small"/"architecture": "vgg_huge"/' "$model/model.json" > "$dir/model_arch/model.json"
cp "$model/weights.pt" "$dir/model_arch/"
mkdir -p "$dir/data_empty" "$dir/data_manifest" "$dir/data_badmanifest" "$dir/data_ok/organ" "$dir/data_ok/bells"
cp "$clip" "$dir/data_ok/bells/a.flac"
cp "$planted/clips/church_organ_chords.00008/mix.flac" "$dir/data_ok/organ/b.flac"
echo '{"examples": [{"path": "x.wav", "label": "a", "colour": "red"}]}' > "$dir/data_manifest/manifest.json"
echo '{"examples": [' > "$dir/data_badmanifest/manifest.json"
for s in mix lead harmony bass; do  # a tiny model trained now, so its model.json records its config hash
  mkdir -p "$dir/data_tiny/bells" "$dir/data_tiny/organ"
  cp "$planted/clips/glockenspiel_arpeggio.00000/$s.flac" "$dir/data_tiny/bells/"
  cp "$planted/clips/church_organ_chords.00008/$s.flac" "$dir/data_tiny/organ/"
done
"$hearsay" train --data "$dir/data_tiny" --out "$dir/model_tiny" --epochs 1 --seconds 1 --quiet > /dev/null 2>&1 ||
  { echo "FAIL: could not train the tiny model"; failed=$((failed + 1)); }
cp "$dir/model_tiny/weights.pt" "$dir/model_frontend/"
sed 's/"amin": 1e-10/"amin": 1e-05/' "$dir/model_tiny/model.json" > "$dir/model_frontend/model.json"
echo '{"seed": 1, "no_such_key": 2}' > "$dir/bench_unknown.json"
echo '{"seed": ' > "$dir/bench_cut.json"
echo '{"method_options": []}' > "$dir/bench_mo_list.json"
echo '{"method_options": "lime"}' > "$dir/bench_mo_string.json"

# ---- audio --------------------------------------------------------------------------------------
expect info_missing "/no/such.wav': no such file" "$hearsay" info /no/such.wav
expect info_folder "a_folder.wav': it is a directory" "$hearsay" info "$dir/a_folder.wav"
expect info_empty "empty.wav': the file is empty" "$hearsay" info "$dir/empty.wav"
expect info_text "text.wav' as audio" "$hearsay" info "$dir/text.wav"
expect info_zero_rate "zero_rate.wav.*sample rate of 0" "$hearsay" info "$dir/zero_rate.wav"
expect explain_missing "/no/such.wav': no such file" "$hearsay" explain /no/such.wav --model "$model" --methods occlusion
expect explain_empty "empty.wav': the file is empty" "$hearsay" explain "$dir/empty.wav" --model "$model"
expect explain_text "text.wav' as audio" "$hearsay" explain "$dir/text.wav" --model "$model"
expect explain_folder "a_folder.wav': it is a directory" "$hearsay" explain "$dir/a_folder.wav" --model "$model"
expect explain_nan "nan.wav.*NaN" "$hearsay" explain "$dir/nan.wav" --model "$model" --methods occlusion
expect explain_truncated "truncated.wav.*truncated" "$hearsay" explain "$dir/truncated.wav" --model "$model"
expect explain_one_hz "one_hz.wav.*(sample rate|Hz)" "$hearsay" explain "$dir/one_hz.wav" --model "$model"
# Finite but absurdly loud samples (1e17): the double-precision front-end keeps every feature finite, so
# these must run to the end with finite numbers (once, LIME picked column -1 from NaN R² and corrupted
# the heap).
survives explain_loud_lime "$hearsay" explain "$dir/loud.wav" --model "$model" --factorization segments --segments 4 \
  --methods lime --samples 64 --out "$dir/o"
survives explain_loud_both "$hearsay" explain "$dir/loud.wav" --model "$model" --factorization segments --segments 4 \
  --methods occlusion,lime --samples 8 --out "$dir/o"
survives predict_loud "$hearsay" predict "$dir/loud.wav" --model "$model"
# A constant 1e17 overflows the float power spectrum: an error naming the model and the clip, for every
# method, never a score of NaN (once: exit 0 with "score": null from occlusion).
expect explain_inf_occlusion "model .* returned an infinite value .*loud_dc.wav.*too loud" "$hearsay" explain \
  "$dir/loud_dc.wav" --model "$model" --factorization segments --segments 4 --methods occlusion --out "$dir/o"
expect explain_inf_lime "model .* returned an infinite value .*loud_dc.wav" "$hearsay" explain "$dir/loud_dc.wav" \
  --model "$model" --factorization segments --segments 4 --methods occlusion,lime --samples 8 --out "$dir/o"
expect predict_inf "loud_dc.wav.*non-finite" "$hearsay" predict "$dir/loud_dc.wav" --model "$model"
mkdir -p "$dir/data_loud/glockenspiel_arpeggio"
cp "$dir/loud_dc.wav" "$dir/data_loud/glockenspiel_arpeggio/"
expect evaluate_inf "non-finite logit .*loud_dc.wav" "$hearsay" evaluate --model "$model" --data "$dir/data_loud" \
  --split all
expect predict_missing "/no/such.wav': no such file" "$hearsay" predict /no/such.wav --model "$model"
if [ -n "$bad" ] && [ -d "$bad" ]; then
  for f in "$bad"/*; do
    case "$f" in *.md|*.txt) continue ;; esac
    name=$(basename "$f")
    expect "reproducer_$name" "$name" "$hearsay" explain "$f" --model "$model" --methods occlusion \
      --factorization segments --segments 4 --out "$dir/o"
  done
fi

# ---- stems --------------------------------------------------------------------------------------
expect stems_missing "no/such/stems' is not a folder" "$hearsay" explain "$clip" --model "$model" --stems /no/such/stems
expect stems_duplicate "two files for the stem 'drums'" "$hearsay" explain "$clip" --model "$model" --stems "$dir/stems_dup"
expect stems_named_like_mix "mix.flac' is named like the mix" "$hearsay" explain "$clip" --model "$model" \
  --stems "$dir/stems_mix"
expect stems_no_audio "stems_none' holds no audio files" "$hearsay" explain "$clip" --model "$model" \
  --stems "$dir/stems_none"
expect stems_other_piece "do not add up to the mix.*dB" "$hearsay" explain "$clip" --model "$model" \
  --stems "$dir/stems_other" --methods occlusion --out "$dir/o"
expect stems_and_hpss "--stems and --hpss" "$hearsay" explain "$clip" --model "$model" --stems "$dir/stems_other" --hpss
expect stems_with_segments "--stems gives sources for --factorization stems" "$hearsay" explain "$clip" \
  --model "$model" --stems "$dir/stems_other" --factorization segments

# ---- model folders ------------------------------------------------------------------------------
expect model_missing "/no/such/model" "$hearsay" explain "$clip" --model /no/such/model
expect model_no_json "model_nojson.*model.json" "$hearsay" explain "$clip" --model "$dir/model_nojson"
expect model_empty_json "model_empty/model.json" "$hearsay" explain "$clip" --model "$dir/model_empty"
expect model_bad_json "model_badjson/model.json" "$hearsay" explain "$clip" --model "$dir/model_badjson"
expect model_unknown_key "architecture_typo" "$hearsay" explain "$clip" --model "$dir/model_key"
expect model_no_weights "model_noweights.*weights.pt" "$hearsay" explain "$clip" --model "$dir/model_noweights"
expect model_cut_weights "model_cut.*weights.pt" "$hearsay" explain "$clip" --model "$dir/model_cut"
expect model_edited_front_end "model_frontend.*front_end" "$hearsay" explain "$clip" --model "$dir/model_frontend" \
  --methods occlusion --out "$dir/o"
expect model_unknown_arch "vgg_huge.*(valid|known)" "$hearsay" explain "$clip" --model "$dir/model_arch"
expect evaluate_missing_model "/no/such/model" "$hearsay" evaluate --model /no/such/model --data "$dir/data_empty"
expect predict_bad_model "model_badjson/model.json" "$hearsay" predict "$clip" --model "$dir/model_badjson"

# ---- explain options ----------------------------------------------------------------------------
expect methods_empty "--methods: no method given; valid: .*lime" "$hearsay" explain "$clip" --model "$model" --methods ''
expect methods_typo "--methods: unknown method 'lmie'; valid: .*lime" "$hearsay" explain "$clip" --model "$model" \
  --methods lmie
expect methods_twice "'lime' is named twice" "$hearsay" explain "$clip" --model "$model" --methods lime,lime
expect samples_negative "--samples" "$hearsay" explain "$clip" --model "$model" --samples -1
expect samples_word "--samples: 'sometimes' is neither a positive number of perturbations nor \"auto\"" \
  "$hearsay" explain "$clip" --model "$model" --methods lime --samples sometimes
expect method_options_list "--method-options.*not a JSON object" "$hearsay" explain "$clip" --model "$model" \
  --method-options '[]'
expect method_options_string "--method-options" "$hearsay" explain "$clip" --model "$model" --method-options '"lime"'
expect method_options_typo "'lmie' is not one of the methods to run" "$hearsay" explain "$clip" --model "$model" \
  --methods lime --method-options '{"lmie": {"num_samples": 10}}'
expect method_options_not_object "options of 'lime' must be a JSON object" "$hearsay" explain "$clip" \
  --model "$model" --methods lime --method-options '{"lime": [1]}'
expect method_option_key "kernel_widht" "$hearsay" explain "$clip" --model "$model" --methods lime \
  --method-options '{"lime": {"kernel_widht": 1}}' --out "$dir/o"
expect method_option_range "num_samples" "$hearsay" explain "$clip" --model "$model" --methods lime \
  --method-options '{"lime": {"num_samples": -5}}' --out "$dir/o"
expect method_output_value "\"output\" is \"prob\"; valid" "$hearsay" explain "$clip" --model "$model" \
  --methods occlusion --method-options '{"occlusion": {"output": "prob"}}' --out "$dir/o"
expect factorization_unknown "--factorization: unknown factorization 'stem'; valid: .*segments" "$hearsay" explain \
  "$clip" --model "$model" --factorization stem
expect factorization_options_bad "--factorization-options" "$hearsay" explain "$clip" --model "$model" \
  --factorization-options '{"segments": '
expect factorization_option_range "segments" "$hearsay" explain "$clip" --model "$model" --factorization segments \
  --factorization-options '{"segments": 0}' --out "$dir/o"
expect factorization_options_file "no/such.json" "$hearsay" explain "$clip" --model "$model" \
  --factorization-options /no/such.json
expect segments_zero "--segments" "$hearsay" explain "$clip" --model "$model" --segments 0
expect segments_superpixels "--segments: the 'superpixels' factorization has no time segments" "$hearsay" explain \
  "$clip" --model "$model" --factorization superpixels --segments 3
expect output_unknown "--output: unknown value 'prob'; valid: probability, logit" "$hearsay" explain "$clip" \
  --model "$model" --output prob
expect audio_out_unknown "--audio-out: unknown value 'some'; valid: none, top, all" "$hearsay" explain "$clip" \
  --model "$model" --audio-out some
expect target_name "no class 'jazz'; its classes are" "$hearsay" explain "$clip" --model "$model" --target jazz \
  --methods occlusion --out "$dir/o"
expect target_index "--target 99: model .* has 4 classes" "$hearsay" explain "$clip" --model "$model" --target 99 \
  --methods occlusion --out "$dir/o"
expect start_past_end "--start 100: .* is only" "$hearsay" explain "$clip" --model "$model" --start 100
expect duration_zero "--duration" "$hearsay" explain "$clip" --model "$model" --duration 0
expect too_long "--max-seconds" "$hearsay" explain "$clip" --model "$model" --max-seconds 2
expect batch_negative "--batch" "$hearsay" explain "$clip" --model "$model" --batch -1
expect top_k_zero "--top-k" "$hearsay" explain "$clip" --model "$model" --top-k 0
expect out_is_file "--out: .*a_file' is a file" "$hearsay" explain "$clip" --model "$model" --out "$dir/a_file"
expect out_in_proc "--out: .*/proc/hearsay" "$hearsay" explain "$clip" --model "$model" --out /proc/hearsay
expect audio_and_data "either AUDIO or --data" "$hearsay" explain "$clip" --data "$planted" --id x --model "$model"
expect no_input "give the clip to explain" "$hearsay" explain --model "$model"
expect data_without_id "--data and --id go together" "$hearsay" explain --data "$dir/data_empty" --model "$model"
expect exact_shapley_only "exact_shapley" "$hearsay" explain "$clip" --model "$model" --methods exact_shapley \
  --factorization segments --segments 25 --out "$dir/o"

# ---- datasets -----------------------------------------------------------------------------------
expect dataset_missing "/no/such/data" "$hearsay" dataset info /no/such/data
expect dataset_file "a_file" "$hearsay" dataset info "$dir/a_file"
expect dataset_empty "data_empty" "$hearsay" dataset info "$dir/data_empty"
expect manifest_unknown_key "colour" "$hearsay" dataset info "$dir/data_manifest"
expect manifest_bad_json "data_badmanifest/manifest.json" "$hearsay" dataset info "$dir/data_badmanifest"
expect split_range "--val" "$hearsay" dataset split "$dir/data_empty" --val 2
expect explain_id_missing "--id: no example 'nope'" "$hearsay" explain --data "$dir/data_ok" --id nope \
  --model "$model"

# ---- train, evaluate, synth ---------------------------------------------------------------------
expect train_missing_data "/no/such/data" "$hearsay" train --data /no/such/data --out "$dir/m"
expect train_seconds "seconds" "$hearsay" train --data "$dir/data_ok" --out "$dir/m" --seconds 1e9
expect train_out_file "a_file" "$hearsay" train --data "$dir/data_ok" --out "$dir/a_file"
expect train_network_typo "unknown .*vgg_smal.*valid.*vgg_small" "$hearsay" train --data /no/such/data --out "$dir/m" \
  --model vgg_smal
expect train_network_option "chanels" "$hearsay" train --data /no/such/data --out "$dir/m" \
  --network-options '{"chanels": [8]}'
expect dataset_subcommand_typo "hearsay dataset: unknown subcommand 'inf'; valid subcommands: info, split, baseline" \
  "$hearsay" dataset inf "$dir/data_ok"
expect evaluate_missing_data "/no/such/data" "$hearsay" evaluate --model "$model" --data /no/such/data
expect synth_genres "genres" "$hearsay" synth --out "$dir/s" --genres 99
expect synth_format "format.*wav, flac" "$hearsay" synth --out "$dir/s" --format mp3
expect synth_options_key "no_such_option" "$hearsay" synth --out "$dir/s" --options '{"no_such_option": 1}'
expect synth_out_proc "/proc/hearsay" "$hearsay" synth --out /proc/hearsay --genres 1 --per-genre 1 --seconds 1

# ---- bench, list, global ------------------------------------------------------------------------
expect bench_config_missing "no/such.json" "$hearsay" bench --config /no/such.json --out "$dir/b"
expect bench_config_folder "$dir" "$hearsay" bench --config "$dir" --out "$dir/b"
expect bench_config_unknown "no_such_key" "$hearsay" bench --config "$dir/bench_unknown.json" --out "$dir/b"
expect bench_config_cut "bench_cut.json" "$hearsay" bench --config "$dir/bench_cut.json" --out "$dir/b"
expect bench_method_options_list "method_options" "$hearsay" bench --config "$dir/bench_mo_list.json" --out "$dir/b"
expect bench_method_options_string "method_options" "$hearsay" bench --config "$dir/bench_mo_string.json" \
  --out "$dir/b"
expect bench_out_file "a_file" "$hearsay" bench --quick --out "$dir/a_file"
expect bench_cache_proc "/proc/hearsay" "$hearsay" bench --quick --out "$dir/b" --cache /proc/hearsay
expect list_unknown "colours not in \{methods" "$hearsay" list colours
expect subcommand_unknown "valid subcommands" "$hearsay" frobnicate
expect threads_word "--threads" "$hearsay" --threads many info "$clip"

echo "bad inputs: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && echo ok
