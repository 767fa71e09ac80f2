"""Fixtures of tests/filter/dn_e2e.sh: a tiny stand-in for realesr-general-x4v3 and its
weak-denoise twin, named as the official files (so that dn finds the second beside the
first), and their blend by the official code path.

    /usr/bin/python3 tests/filter/make_dn_fixtures.py

Writes (SRVGGNetCompact x4, num_feat 16, num_conv 2, fp32, {'params': state_dict})
    tests/fixtures/tiny-realesr-general-x4v3.pth        random weights, seed 51
    tests/fixtures/tiny-realesr-general-wdn-x4v3.pth    random weights, seed 52
    tests/fixtures/tiny-realesr-general-dni0.4.pth      RealESRGANer.dni of the two, [0.4, 0.6]
"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from realesrgan_torch import SRVGGNetCompact  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "fixtures")
DN = 0.4


def dni(net_a, net_b, dni_weight, key="params"):
    """RealESRGANer.dni (Real-ESRGAN v0.3.0, realesrgan/utils.py): what inference_realesrgan.py
    does with --denoise_strength for realesr-general-x4v3 (dni_weight = [dn, 1 - dn])."""
    net_a = torch.load(net_a, map_location="cpu")
    net_b = torch.load(net_b, map_location="cpu")
    for k, v_a in net_a[key].items():
        net_a[key][k] = dni_weight[0] * v_a + dni_weight[1] * net_b[key][k]
    return net_a


def tiny_model(seed, path):
    torch.manual_seed(seed)
    net = SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=16, num_conv=2, upscale=4)
    with torch.no_grad():
        for module in net.body:
            if isinstance(module, nn.PReLU):
                module.weight.uniform_(0.05, 0.45)
    torch.save({"params": net.state_dict()}, path)


def main():
    a = os.path.join(FIXTURES, "tiny-realesr-general-x4v3.pth")
    b = os.path.join(FIXTURES, "tiny-realesr-general-wdn-x4v3.pth")
    tiny_model(51, a)
    tiny_model(52, b)
    out = os.path.join(FIXTURES, f"tiny-realesr-general-dni{DN}.pth")
    torch.save(dni(a, b, [DN, 1 - DN]), out)
    for path in (a, b, out):
        print(f"{os.path.relpath(path)}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
