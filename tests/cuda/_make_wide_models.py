"""Writes two small checkpoints with the official models' channel widths (num_feat 64,
num_grow_ch 32), whose 3x3 convs are the ones the CUTLASS sm_90a kernels take (the test
fixtures have 16/32 channels, which they do not): an SRVGGNetCompact x4 with 2 body convs
(animevideov3's layer shapes) and an RRDBNet x2 with one RRDB (x2plus's). Random weights,
He-scaled so activations stay in range; the last convs small, so the output is a picture
near the input (SRVGG adds the upsampled input) or near mid-grey (RRDB), not saturated.

    python3 tests/cuda/_make_wide_models.py OUT_DIR
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from safetensors_io import write_safetensors  # noqa: E402

rng = np.random.default_rng(1234)


def conv(t, name, cin, cout, gain=1.0, bias=0.0):
    std = gain * np.sqrt(2.0 / (9 * cin))
    t[name + ".weight"] = ("F32", (rng.standard_normal((cout, cin, 3, 3)) * std).astype(np.float32))
    t[name + ".bias"] = ("F32", (bias + 0.02 * rng.standard_normal(cout)).astype(np.float32))


def srvgg(path, nf=64, num_conv=2, scale=4):
    t = {}
    conv(t, "body.0", 3, nf)
    for i in range(num_conv + 1):
        t[f"body.{2 * i + 1}.weight"] = ("F32", (0.25 + 0.05 * rng.standard_normal(nf)).astype(np.float32))
        if i < num_conv:
            conv(t, f"body.{2 * i + 2}", nf, nf)
    conv(t, f"body.{2 * num_conv + 2}", nf, 3 * scale * scale, gain=0.05)
    write_safetensors(path, t)


def rrdb(path, nf=64, gc=32, blocks=1, unshuffle=2):
    t = {}
    conv(t, "conv_first", 3 * unshuffle * unshuffle, nf)
    for b in range(blocks):
        for r in range(1, 4):
            for k in range(5):
                cin = nf + k * gc
                conv(t, f"body.{b}.rdb{r}.conv{k + 1}", cin, gc if k < 4 else nf, gain=0.5)
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        conv(t, name, nf, nf, gain=0.7)
    conv(t, "conv_last", nf, 3, gain=0.05, bias=0.5)
    write_safetensors(path, t)


out = sys.argv[1]
srvgg(os.path.join(out, "srvgg64_x4.safetensors"))
rrdb(os.path.join(out, "rrdb64_x2.safetensors"))
