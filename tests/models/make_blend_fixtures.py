"""Fixtures of tests/models/test_blend.c: a second SRVGGNetCompact shaped like
tests/fixtures/srvgg_x4.pth, and the blend of the two computed by the official code path.

    /usr/bin/python3 tests/models/make_blend_fixtures.py

Writes
    tests/fixtures/srvgg_x4_b.pth         SRVGGNetCompact x4 (num_feat 16, num_conv 4), fp32,
                                          {'params': sd}, random weights (seed 46)
    tests/fixtures/srvgg_x4_dni0.3.pth    RealESRGANer.dni(srvgg_x4.pth, srvgg_x4_b.pth, [0.3, 0.7]):
                                          the loop of realesrgan/utils.py, reproduced below
"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from realesrgan_torch import SRVGGNetCompact  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "fixtures")
WEIGHT_A = 0.3


def dni(net_a, net_b, dni_weight, key="params"):
    """RealESRGANer.dni (Real-ESRGAN v0.3.0, realesrgan/utils.py), with weights_only loading."""
    net_a = torch.load(net_a, map_location="cpu", weights_only=True)
    net_b = torch.load(net_b, map_location="cpu", weights_only=True)
    for k, v_a in net_a[key].items():
        net_a[key][k] = dni_weight[0] * v_a + dni_weight[1] * net_b[key][k]
    return net_a


def main():
    torch.manual_seed(46)
    net = SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=16, num_conv=4, upscale=4)
    for module in net.body:
        if isinstance(module, nn.PReLU):
            with torch.no_grad():
                module.weight.uniform_(0.05, 0.45)
    b_path = os.path.join(FIXTURES, "srvgg_x4_b.pth")
    torch.save({"params": net.state_dict()}, b_path)

    a_path = os.path.join(FIXTURES, "srvgg_x4.pth")
    blended = dni(a_path, b_path, [WEIGHT_A, 1 - WEIGHT_A])
    out_path = os.path.join(FIXTURES, f"srvgg_x4_dni{WEIGHT_A}.pth")
    torch.save(blended, out_path)
    for path in (b_path, out_path):
        print(f"{os.path.relpath(path)}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
