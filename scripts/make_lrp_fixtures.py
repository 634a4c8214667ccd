#!/usr/bin/python3
"""Writes tests/data/lrp/: a small CNN laid out exactly like the built-in vgg_small, exported as
TorchScript, and the LRP relevance of every rule, composite and max-pool variant computed here with
torch autograd, for tests/models/lrp_test.cpp.

Run from the repository root:  /usr/bin/python3 scripts/make_lrp_fixtures.py
(Debian's python3-torch 1.13). The outputs are committed; the tests never need Python.

  vgg/           lrp_vgg.pt + model.json: spec_bn, block1..4 {conv, bn, relu, pool}, global_pool,
                 flatten, dropout, fc (nested nn.Sequential, so the layer names match vgg_small's),
                 channels 4, 6, 8, 8, 16 mels x 32 frames, 3 classes; seeded weights, non-trivial
                 batch-norm statistics.
  unsupported/   unsupported.pt + model.json: a chain with an nn.Sigmoid, which LRP has no rule for.
  cases.json     two input windows, their logits, and for each case (one rule per layer, a max-pool
                 variant) the relevance at the input when the target's logit is put on the output.

The reference is written independently of models/lrp.cpp: batch-norm is folded here, every rule is
its definition written as modified forward passes differentiated by autograd (the "gradient trick" of
Montavon et al. 2019, section 10.2), in float64, and max pooling's winner-takes-all walks the windows
one output position at a time. Definitions (zennit's, with the bias-free w² of Montavon et al. 2017):
  stabilise(z) = z + eps * sign(z), sign(0) = 1
  epsilon      R_in = x * W^T (R / stabilise(W x + b))
  gamma        zennit's generalised gamma: W + g W+ where W x + b > 0, W + g W- where it is < 0
  alpha_beta   alpha * (positive part) - beta * (negative part), inputs of both signs, bias+ / bias-
  zplus        alpha_beta with alpha 1, beta 0
  zbox         (x W - low W+ - high W-) normalised, bounds low and high
  flat, wsquare  every weight 1 / w^2, input 1, no bias
  standalone batch-norm (spec_bn): y = s x + t by the epsilon rule; batch-norm after a conv: folded
  average pooling: the z rule; ReLU, dropout, flatten: pass relevance on
  max pooling: winner_takes_all (ties split evenly) or gradient (torch's gradient)
"""
import collections
import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "lrp")
N_MELS, FRAMES, CLASSES, TARGET = 16, 32, 3, 2
CHANNELS = (4, 6, 8, 8)
EPS = 1e-6
FRONT_END = {"sample_rate": 8000, "n_fft": 256, "hop_length": 128, "n_mels": N_MELS}


def vgg(channels=CHANNELS):
    layers = [("spec_bn", nn.BatchNorm2d(1))]
    previous = 1
    for b, width in enumerate(channels):
        layers.append((f"block{b + 1}", nn.Sequential(collections.OrderedDict([
            ("conv", nn.Conv2d(previous, width, 3, padding=1)),
            ("bn", nn.BatchNorm2d(width)),
            ("relu", nn.ReLU()),
            ("pool", nn.MaxPool2d((2, 2))),
        ]))))
        previous = width
    layers += [("global_pool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
               ("dropout", nn.Dropout(0.3)), ("fc", nn.Linear(previous, CLASSES))]
    return nn.Sequential(collections.OrderedDict(layers))


def randomize(net):
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
    net.spec_bn.running_mean.fill_(-40.0)  # log-mel input in dB, about -80..+20
    net.spec_bn.running_var.fill_(400.0)


def leaves(net):
    """(name, module) of the leaf layers in forward order, as hearsay names them."""
    return [(name, m) for name, m in net.named_modules() if len(list(m.children())) == 0]


def stabilise(z):
    return z + EPS * ((z == 0).to(z.dtype) + z.sign())


def vjp(fn, x, s):
    """W^T s for the linear map fn at x (x of any value: fn is linear in its input)."""
    x = x.detach().clone().requires_grad_(True)
    out = fn(x)
    (g,) = torch.autograd.grad(out, x, s)
    return g


def affine_fn(m, w, b):
    if isinstance(m, nn.Conv2d):
        return lambda x: torch.nn.functional.conv2d(x, w, b, m.stride, m.padding, m.dilation, m.groups)
    return lambda x: torch.nn.functional.linear(x, w, b)


def fold(m, bn):
    """Weight and bias of conv m with batch-norm bn folded in, in float64."""
    scale = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
    w = m.weight.double() * scale.reshape(-1, *([1] * (m.weight.dim() - 1)))
    b = (m.bias.double() - bn.running_mean.double()) * scale + bn.bias.double()
    return w, b


def affine_relevance(m, w, b, x, r, rule):
    name = rule["rule"]
    pos, neg = (lambda t: t.clamp(min=0)), (lambda t: t.clamp(max=0))
    f = lambda ww, bb: affine_fn(m, ww, bb)
    if name == "epsilon":
        z = f(w, b)(x)
        return x * vjp(f(w, None), x, r / stabilise(z))
    if name in ("alpha_beta", "zplus"):
        alpha, beta = (1.0, 0.0) if name == "zplus" else (rule["alpha"], rule["beta"])
        xp, xn = pos(x), neg(x)
        zp = f(pos(w), pos(b))(xp) + f(neg(w), None)(xn)
        zn = f(neg(w), neg(b))(xp) + f(pos(w), None)(xn)
        sp, sn = r / stabilise(zp), r / stabilise(zn)
        rp = xp * vjp(f(pos(w), None), xp, sp) + xn * vjp(f(neg(w), None), xn, sp)
        rn = xp * vjp(f(neg(w), None), xp, sn) + xn * vjp(f(pos(w), None), xn, sn)
        return alpha * rp - beta * rn
    if name == "gamma":
        g = rule["gamma"]
        xp, xn = pos(x), neg(x)
        wu, wd = w + g * pos(w), w + g * neg(w)
        bu, bd = b + g * pos(b), b + g * neg(b)
        z = f(w, b)(x)
        zu = f(wu, bu)(xp) + f(wd, None)(xn)
        zd = f(wd, bd)(xp) + f(wu, None)(xn)
        su = (z > 0).double() * r / stabilise(zu)
        sd = (z < 0).double() * r / stabilise(zd)
        return (xp * vjp(f(wu, None), xp, su) + xn * vjp(f(wd, None), xn, su)
                + xp * vjp(f(wd, None), xp, sd) + xn * vjp(f(wu, None), xn, sd))
    if name == "zbox":
        low, high = torch.full_like(x, rule["low"]), torch.full_like(x, rule["high"])
        z = f(w, None)(x) - f(pos(w), None)(low) - f(neg(w), None)(high)
        s = r / stabilise(z)
        return x * vjp(f(w, None), x, s) - low * vjp(f(pos(w), None), low, s) - high * vjp(f(neg(w), None), high, s)
    if name in ("flat", "wsquare"):
        v = torch.ones_like(w) if name == "flat" else w * w
        ones = torch.ones_like(x)
        return vjp(f(v, None), ones, r / stabilise(f(v, None)(ones)))
    raise ValueError(name)


def max_pool_winner(m, x, r):
    """Each output's relevance to its window's maxima, ties split evenly; one output position at a time."""
    kh, kw = (m.kernel_size, m.kernel_size) if isinstance(m.kernel_size, int) else m.kernel_size
    sh, sw = (m.stride, m.stride) if isinstance(m.stride, int) else m.stride
    assert m.padding in (0, (0, 0)) and m.dilation in (1, (1, 1)) and not m.ceil_mode
    out = torch.zeros_like(x)
    for i in range(r.shape[2]):
        for j in range(r.shape[3]):
            window = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            top = window.amax(dim=(2, 3), keepdim=True)
            winners = (window == top).double()
            out[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += winners * r[:, :, i:i + 1, j:j + 1] / winners.sum(
                dim=(2, 3), keepdim=True)
    return out


def lrp(net, windows, rules, max_pool):
    """Relevance at the input for the target's logit, and the relevance entering each layer."""
    layers = leaves(net)
    acts = [windows.double()]
    with torch.no_grad():
        for _, m in layers:
            acts.append(m.double()(acts[-1]) if not isinstance(m, nn.Dropout) else acts[-1])
    logits = acts[-1]
    r = torch.zeros_like(logits)
    r[:, TARGET] = logits[:, TARGET]
    sums = [0.0] * len(layers)
    for i in reversed(range(len(layers))):
        name, m = layers[i]
        x = acts[i]
        rule = rules[i]
        if isinstance(m, nn.BatchNorm2d) and i > 0 and isinstance(layers[i - 1][1], nn.Conv2d):
            pass  # folded into the conv before
        elif isinstance(m, (nn.Conv2d, nn.Linear)):
            if i + 1 < len(layers) and isinstance(layers[i + 1][1], nn.BatchNorm2d):
                w, b = fold(m, layers[i + 1][1])
            else:
                w, b = m.weight.double(), m.bias.double()
            r = affine_relevance(m, w, b, x, r, rule)
        elif isinstance(m, nn.BatchNorm2d):
            s = (m.weight.double() / torch.sqrt(m.running_var.double() + m.eps)).reshape(1, -1, 1, 1)
            t = m.bias.double().reshape(1, -1, 1, 1) - m.running_mean.double().reshape(1, -1, 1, 1) * s
            r = s * x * r / stabilise(s * x + t)
        elif isinstance(m, nn.MaxPool2d):
            r = vjp(m, x, r) if max_pool == "gradient" else max_pool_winner(m, x, r)
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            z = m(x)
            r = x * vjp(m, x, r.reshape(z.shape) / stabilise(z))
        else:
            r = r.reshape(x.shape)
        sums[i] = r.sum().item()
    return r, logits, sums


def rules_for(layers, conv_rule, first_rule=None, linear_rule=None, **settings):
    """One rule per layer: first_rule for the first conv, conv_rule for the other convs, linear_rule
    (default epsilon) for linear layers, epsilon (stabiliser only) elsewhere."""
    out = []
    first = True
    for name, m in layers:
        rule = "epsilon"
        if isinstance(m, nn.Conv2d):
            rule = first_rule if first and first_rule else conv_rule
            first = False
        elif isinstance(m, nn.Linear):
            rule = linear_rule or "epsilon"
        entry = {"layer": name, "rule": rule, "epsilon": EPS}
        entry.update(settings)
        out.append(entry)
    return out


def save_model(net, folder, file):
    """torch.jit.script export and its model.json under OUT/folder."""
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
    torch.jit.script(net).save(os.path.join(OUT, folder, file))
    with open(os.path.join(OUT, folder, "model.json"), "w") as f:
        json.dump({"architecture": "torchscript", "file": file, "front_end": FRONT_END,
                   "classes": ["a", "b", "c"], "input_frames": FRAMES}, f, indent=2)
        f.write("\n")


def main():
    torch.manual_seed(7)
    net = vgg()
    randomize(net)
    net.eval()
    save_model(net, "vgg", "lrp_vgg.pt")

    # Log-mel-like windows (dB); the second has a flat patch, whose equal activations give max pooling
    # ties (winner_takes_all splits them, the gradient picks one).
    windows = (torch.rand(2, 1, N_MELS, FRAMES, dtype=torch.float64) * 100.0 - 80.0).float()
    windows[1, :, 1:15, 2:30] = -30.0
    low, high = windows.min().item(), windows.max().item()

    ref = vgg()
    ref.load_state_dict(net.state_dict())
    ref.eval()
    layers = leaves(ref)
    cases = [
        ("epsilon", rules_for(layers, "epsilon"), "winner_takes_all"),
        ("gamma", rules_for(layers, "gamma", linear_rule="gamma", gamma=0.25), "winner_takes_all"),
        ("alpha2_beta1", rules_for(layers, "alpha_beta", linear_rule="alpha_beta", alpha=2.0, beta=1.0),
         "winner_takes_all"),
        ("alpha1_beta0", rules_for(layers, "alpha_beta", alpha=1.0, beta=0.0), "winner_takes_all"),
        ("zplus", rules_for(layers, "zplus", linear_rule="zplus"), "winner_takes_all"),
        ("zbox", rules_for(layers, "epsilon", first_rule="zbox", low=low, high=high), "winner_takes_all"),
        ("flat", rules_for(layers, "flat", linear_rule="flat"), "winner_takes_all"),
        ("wsquare", rules_for(layers, "wsquare", linear_rule="wsquare"), "winner_takes_all"),
        ("epsilon_plus_flat", rules_for(layers, "zplus", first_rule="flat"), "winner_takes_all"),
        ("epsilon_gamma_box", rules_for(layers, "gamma", first_rule="zbox", gamma=0.25, low=low, high=high),
         "winner_takes_all"),
        ("epsilon_alpha2_beta1", rules_for(layers, "alpha_beta", alpha=2.0, beta=1.0), "winner_takes_all"),
        ("epsilon_plus_flat_gradient", rules_for(layers, "zplus", first_rule="flat"), "gradient"),
    ]
    out = {"about": "written by scripts/make_lrp_fixtures.py; relevance of windows [2, 1, 16, 32] (flattened "
                    "per window) for the logit of class 'target'",
           "n_mels": N_MELS, "frames": FRAMES, "target": TARGET, "channels": list(CHANNELS),
           "layers": [name for name, _ in layers],
           "windows": windows.reshape(2, -1).tolist(), "cases": []}
    for name, rules, max_pool in cases:
        r, logits, sums = lrp(ref, windows, rules, max_pool)
        out["logits"] = logits.tolist()
        out["cases"].append({"name": name, "max_pool": max_pool, "rules": rules,
                             "relevance": [[float(f"{v:.10g}") for v in row] for row in r.reshape(2, -1).tolist()],
                             "layer_sums": sums})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")

    # A chain LRP has no rule for: a sigmoid between the convolution and the pooling.
    bad = nn.Sequential(collections.OrderedDict([
        ("conv", nn.Conv2d(1, 2, 3, padding=1)), ("squash", nn.Sigmoid()), ("pool", nn.AdaptiveAvgPool2d(1)),
        ("flatten", nn.Flatten()), ("fc", nn.Linear(2, CLASSES))])).eval()
    save_model(bad, "unsupported", "unsupported.pt")


if __name__ == "__main__":
    main()
