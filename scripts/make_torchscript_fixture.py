#!/usr/bin/python3
"""Writes tests/data/models/: TorchScript networks exported by PyTorch, with model.json files and the
logits PyTorch computes for a fixed input, for the models tests and perf/model_bench.cpp.

Run from the repository root:  /usr/bin/python3 scripts/make_torchscript_fixture.py
(Debian's python3-torch 1.13). The outputs are committed; the tests never need Python.

  vgg4/    a 4-block CNN laid out like the built-in vgg_small (input batch-norm, conv/bn/relu/pool
           blocks, global average pooling, dropout, linear), 96 mels x 130 frames (3 s), 10 classes;
           exported with torch.jit.script. Its nested nn.Sequential makes it a sequential network
           whose layers hearsay exposes by name ("block3.relu").
  skip/    a tiny network with a residual connection, taking [batch, n_mels, frames] (input_rank 3);
           exported with torch.jit.trace. Not a chain of submodules, so hearsay treats it as a black box.

expected_logits.json holds the logits for windows whose value at flat index i (over
[windows, n_mels, frames]) is float32(((i * 7919) % 1000) / 10 - 80).

Timing mode:  /usr/bin/python3 scripts/make_torchscript_fixture.py --time [--threads 2]
writes nothing: it loads the committed vgg4.pt, freezes it and runs optimize_for_inference (what
hearsay's default inference path does), and prints PyTorch's milliseconds per window at batch 1 to
64: the reference floor for perf/methods_bench (issue #16). Give it the OpenMP setting hearsay runs
with, GOMP_SPINCOUNT=1000 (core/parallel.h): under libgomp's default spinning, on a 2-core machine
that other processes also use, batch 1 measured 120 ms per window instead of 0.3.
"""
import argparse
import collections
import json
import os
import time

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "models")
GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


def fixed_input(windows, n_mels, frames):
    i = np.arange(windows * n_mels * frames, dtype=np.int64)
    return torch.from_numpy((((i * 7919) % 1000) / 10.0 - 80.0).astype(np.float32))


def randomize_batch_norms(net):
    # Non-trivial statistics, so a wrong batch-norm would show in the logits.
    for m in net.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-1.0, 1.0)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    spec_bn = getattr(net, "spec_bn", None)
    if spec_bn is not None:  # log-mel input sits around -80..+20 dB
        spec_bn.running_mean.fill_(-40.0)
        spec_bn.running_var.fill_(400.0)


def vgg4(classes, channels=(16, 32, 64, 64)):
    layers = [("spec_bn", nn.BatchNorm2d(1))]
    previous = 1
    for b, width in enumerate(channels):
        block = nn.Sequential(collections.OrderedDict([
            ("conv", nn.Conv2d(previous, width, 3, padding=1)),
            ("bn", nn.BatchNorm2d(width)),
            ("relu", nn.ReLU()),
            ("pool", nn.MaxPool2d(2)),
        ]))
        layers.append((f"block{b + 1}", block))
        previous = width
    layers += [("global_pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()), ("dropout", nn.Dropout(0.3)),
               ("fc", nn.Linear(previous, classes))]
    return nn.Sequential(collections.OrderedDict(layers))


class Skip(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4, classes)

    def forward(self, x):
        h = torch.relu(self.conv1(x.unsqueeze(1)))
        h = h + torch.relu(self.conv2(h))
        return self.fc(h.mean(dim=(2, 3)))


def write(name, module, model_json, input_shape, windows):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    module.save(os.path.join(folder, model_json["file"]))
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(model_json, f, indent=2)
        f.write("\n")
    x = fixed_input(windows, model_json["front_end"]["n_mels"], model_json["input_frames"]).reshape(input_shape)
    with torch.no_grad():
        logits = module(x)
    with open(os.path.join(folder, "expected_logits.json"), "w") as f:
        json.dump({"input": "value at flat index i over [windows, n_mels, frames]: float32(((i * 7919) % 1000) / 10 - 80)",
                   "windows": windows, "logits": logits.tolist()}, f, indent=2)
        f.write("\n")


def time_vgg4(threads):
    torch.set_num_threads(threads)
    module = torch.jit.load(os.path.join(OUT, "vgg4", "vgg4.pt")).eval()
    frozen = torch.jit.optimize_for_inference(torch.jit.freeze(module))
    print(f"vgg4.pt frozen + optimize_for_inference, torch {torch.__version__}, {threads} threads")
    print("batch  ms/window (median of 5 runs of >= 0.1 s each)")
    with torch.no_grad():
        for batch in (1, 4, 8, 16, 32, 64):
            x = fixed_input(batch, 96, 130).reshape(batch, 1, 96, 130)
            for _ in range(3):  # warm-up: the profiling executor's runs, oneDNN's primitives
                frozen(x)
            runs = []
            for _ in range(5):
                calls, t0 = 0, time.perf_counter()
                while time.perf_counter() - t0 < 0.1:
                    frozen(x)
                    calls += 1
                runs.append((time.perf_counter() - t0) / calls / batch)
            print(f"{batch:5d}  {sorted(runs)[2] * 1e3:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time", action="store_true", help="time the committed vgg4.pt instead of writing files")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads for --time (default 2)")
    args = parser.parse_args()
    if args.time:
        time_vgg4(args.threads)
        return
    torch.manual_seed(0)
    net = vgg4(len(GENRES))
    randomize_batch_norms(net)
    net.eval()
    write("vgg4", torch.jit.script(net),
          {"architecture": "torchscript", "file": "vgg4.pt",
           "front_end": {"sample_rate": 22050, "n_fft": 1024, "hop_length": 512, "n_mels": 96},
           "classes": GENRES, "input_frames": 130},
          (3, 1, 96, 130), 3)

    skip = Skip(3).eval()
    example = fixed_input(2, 16, 20).reshape(2, 16, 20)
    write("skip", torch.jit.trace(skip, example),
          {"architecture": "torchscript", "file": "skip.pt", "input_rank": 3,
           "front_end": {"sample_rate": 8000, "n_fft": 256, "hop_length": 128, "n_mels": 16},
           "classes": ["tone", "noise", "silence"], "input_frames": 20},
          (2, 16, 20), 2)


if __name__ == "__main__":
    main()
