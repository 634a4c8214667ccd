#!/usr/bin/python3
"""Writes tests/data/front_end/: reference STFT, mel filterbanks and log-mel spectrograms computed
with torchaudio (Debian's python3-torchaudio), for the core front-end tests.

Run from the repository root:  /usr/bin/python3 scripts/make_front_end_fixtures.py
The outputs are committed; the tests read them and never need Python.
Arrays are raw little-endian float32 files; manifest.json gives each file's shape and settings.

torchaudio computes in float64 here (the signal itself is float32): in float32 its filterbank loses
digits at the feet of the triangles and its STFT at cells far below the frame's loudest bin, so the
reference would be less exact than the code under test; in float64 every stored value is exact to its
float32 rounding, and the tests can hold each value to 1e-4 of itself.
"""
import json
import math
import os
import wave

import numpy as np
import torch
import torchaudio

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "front_end")
SR = 22050
N = SR  # one second


def test_signal():
    t = np.arange(N, dtype=np.float64) / SR
    chirp = np.sin(2 * math.pi * (100 * t + 0.5 * (8000 - 100) * t * t))  # 100 Hz -> 8 kHz over 1 s
    tone = 0.5 * np.sin(2 * math.pi * 440 * t)
    noise = 0.05 * np.random.RandomState(0).standard_normal(N)
    envelope = 0.5 + 0.5 * np.sin(2 * math.pi * 3 * t)  # amplitude modulation so frames differ
    return (0.3 * envelope * (chirp + tone) + noise).astype(np.float32)


CONFIGS = [
    # name, torchaudio settings, log stage
    ("slaney_db", dict(n_fft=1024, hop_length=512, n_mels=96, f_min=0.0, f_max=None, mel_scale="slaney", norm="slaney"),
     dict(log="db", top_db=None)),
    ("htk_db_top80", dict(n_fft=1024, hop_length=512, n_mels=64, f_min=50.0, f_max=8000.0, mel_scale="htk", norm=None),
     dict(log="db", top_db=80.0)),
    ("htk_natural", dict(n_fft=512, hop_length=256, n_mels=40, f_min=0.0, f_max=None, mel_scale="htk", norm=None),
     dict(log="natural", top_db=None)),
]


def save(name, array):
    array = np.ascontiguousarray(array, dtype="<f4")
    array.tofile(os.path.join(OUT, name + ".f32"))
    return {"file": name + ".f32", "shape": list(array.shape)}


def main():
    os.makedirs(OUT, exist_ok=True)
    x = test_signal()
    manifest = {"generator": "scripts/make_front_end_fixtures.py", "torchaudio": torchaudio.__version__,
                "torch": torch.__version__, "sample_rate": SR, "signal": save("signal", x), "configs": []}
    with wave.open(os.path.join(OUT, "signal.wav"), "wb") as w:  # the same signal as 16-bit PCM
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(np.round(np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    torch.set_default_dtype(torch.float64)  # filterbanks (linspace) and windows in float64
    xt = torch.from_numpy(x).double()
    for name, mel_args, log_args in CONFIGS:
        n_fft, hop = mel_args["n_fft"], mel_args["hop_length"]
        spec = torch.stft(xt, n_fft=n_fft, hop_length=hop, window=torch.hann_window(n_fft), center=True,
                          pad_mode="reflect", return_complex=True).T  # [frames, bins]
        fb = torchaudio.functional.melscale_fbanks(
            n_freqs=n_fft // 2 + 1, f_min=mel_args["f_min"], f_max=mel_args["f_max"] or SR / 2,
            n_mels=mel_args["n_mels"], sample_rate=SR, norm=mel_args["norm"], mel_scale=mel_args["mel_scale"]).T
        mel = torchaudio.transforms.MelSpectrogram(sample_rate=SR, power=2.0, center=True, pad_mode="reflect",
                                                   **mel_args)(xt)  # [mels, frames]
        if log_args["log"] == "db":
            logmel = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=log_args["top_db"])(mel)
        else:
            logmel = torch.log(mel + 1e-6)
        entry = {"name": name, "n_fft": n_fft, "hop_length": hop, "n_mels": mel_args["n_mels"],
                 "f_min": mel_args["f_min"], "f_max": mel_args["f_max"] or SR / 2,
                 "mel_scale": mel_args["mel_scale"], "mel_norm": mel_args["norm"] or "none",
                 "log": log_args["log"], "top_db": log_args["top_db"],
                 "filterbank": save(name + "_filterbank", fb.numpy()),
                 "logmel": save(name + "_logmel", logmel.numpy())}
        if name == "slaney_db":
            entry["stft"] = save(name + "_stft", torch.view_as_real(spec).numpy())  # [frames, bins, 2]
        manifest["configs"].append(entry)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
