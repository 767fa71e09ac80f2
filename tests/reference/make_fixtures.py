"""Generate the small random-weight model files in tests/fixtures/ (deterministic, seeded).

    /usr/bin/python3 tests/reference/make_fixtures.py

Writes (torch.save zips in the official layouts, and hand-written .safetensors):
    rrdb_x4.pth            RRDBNet x4, fp32, {'params_ema': sd}
    rrdb_x2_f16.pth        RRDBNet x2 (pixel-unshuffle 2), fp16 storages, {'params_ema': sd}
    rrdb_x1_bf16.pth       RRDBNet x1 (pixel-unshuffle 4), bf16 storages, {'params_ema': sd}
    srvgg_x4.pth           SRVGGNetCompact x4, fp32, {'params': sd} like the official animevideov3
    srvgg_x4.safetensors   the same network; conv weights F32, biases F16, PReLU slopes BF16
                           (srvgg_x4's biases/slopes are pre-rounded to those grids, so both files
                           hold identical values and share goldens)
    srvgg_x2_f16.pth       SRVGGNetCompact x2, fp16, bare state dict (no wrapper)
    srvgg_x2_f16.safetensors  the same, all F16
RRDB fixtures: num_feat 32, num_grow_ch 16, num_block 2. SRVGG: num_feat 16, num_conv 4.

Initialisation. basicsr scales the dense-block convs' kaiming-normal weights by 0.1; with so
little training-free signal the body changes the output by < 1e-4, below fp16 golden precision,
so a wrong concat order would pass. Here they get kaiming-normal x 2.0 (the largest gain that
keeps the 2-block net stable), biases N(0, 0.02), and conv_last is rescaled so the output has
mean ~0.5 and std 0.2: not saturated, not constant, and e.g. swapping two concat groups in the
last block moves the x4 output by ~0.1.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from realesrgan_torch import RRDBNet, SRVGGNetCompact, upscale  # noqa: E402
from safetensors_io import f32_to_bf16_bits, write_safetensors  # noqa: E402

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
DENSE_BLOCK_GAIN = 2.0
OUTPUT_STD = 0.2
PROBE_SIZE = (3, 16, 16)


def _calibrate_last_conv(net, last_conv, target_mean, target_std):
    """Scale/shift the last conv so the residual output on a random probe has the wanted stats."""
    probe = torch.rand(PROBE_SIZE, generator=torch.Generator().manual_seed(1234))
    out = upscale(net, probe)
    gain = target_std / float(out.std())
    with torch.no_grad():
        last_conv.weight.mul_(gain)
        last_conv.bias.mul_(gain).add_(target_mean - float(out.mean()) * gain)


def make_rrdb(scale, seed):
    torch.manual_seed(seed)
    net = RRDBNet(num_in_ch=3, num_out_ch=3, scale=scale, num_feat=32, num_block=2, num_grow_ch=16)
    for name, module in net.named_modules():
        if isinstance(module, nn.Conv2d) and ".rdb" in name:
            nn.init.kaiming_normal_(module.weight)
            with torch.no_grad():
                module.weight.mul_(DENSE_BLOCK_GAIN)
            nn.init.normal_(module.bias, std=0.02)
    net.eval()
    _calibrate_last_conv(net, net.conv_last, 0.5, OUTPUT_STD)
    return net


def make_srvgg(upscale_factor, seed):
    """The residual over the nearest-upsampled input gets std 0.1 and mean 0."""
    torch.manual_seed(seed)
    net = SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=16, num_conv=4, upscale=upscale_factor)
    for module in net.body:
        if isinstance(module, nn.PReLU):
            with torch.no_grad():
                module.weight.uniform_(0.05, 0.45)  # distinct per channel: catches slope indexing bugs
    net.eval()
    last = net.body[-1]
    with torch.no_grad():
        residual = net.body(torch.rand((1,) + PROBE_SIZE, generator=torch.Generator().manual_seed(1234)))
        gain = 0.1 / float(residual.std())
        last.weight.mul_(gain)
        last.bias.mul_(gain).sub_(float(residual.mean()) * gain)
    return net


def round_to(state_dict, dtype):
    return {k: v.to(dtype) for k, v in state_dict.items()}


def save_pth(name, state_dict, wrapper):
    path = os.path.join(FIXTURES_DIR, name + ".pth")
    torch.save({wrapper: state_dict} if wrapper else state_dict, path)
    return path


def save_safetensors(name, tensors, metadata=None):
    path = os.path.join(FIXTURES_DIR, name + ".safetensors")
    write_safetensors(path, tensors, metadata)
    return path


def _numpy_for(dtype, tensor):
    """A safetensors (dtype, array) pair holding `tensor` exactly."""
    values = tensor.float().numpy()
    if dtype == "BF16":
        bits = f32_to_bf16_bits(values)
        assert np.array_equal((bits.astype(np.uint32) << 16).view(np.float32), values), "not on the bf16 grid"
        return dtype, bits
    if dtype == "F16":
        assert np.array_equal(values.astype(np.float16).astype(np.float32), values), "not on the fp16 grid"
    return dtype, values


def main():
    os.makedirs(FIXTURES_DIR, exist_ok=True)
    written = []

    for name, scale, dtype, seed in (("rrdb_x4", 4, torch.float32, 41),
                                     ("rrdb_x2_f16", 2, torch.float16, 42),
                                     ("rrdb_x1_bf16", 1, torch.bfloat16, 43)):
        written.append(save_pth(name, round_to(make_rrdb(scale, seed).state_dict(), dtype), "params_ema"))

    srvgg4 = make_srvgg(4, 44).state_dict()
    for key, value in srvgg4.items():
        if key.endswith(".bias"):
            srvgg4[key] = value.half().float()
        elif value.dim() == 1:  # PReLU slopes
            srvgg4[key] = value.bfloat16().float()
    written.append(save_pth("srvgg_x4", srvgg4, "params"))
    mixed = {k: _numpy_for("F16" if k.endswith(".bias") else "BF16" if v.dim() == 1 else "F32", v)
             for k, v in srvgg4.items()}
    written.append(save_safetensors("srvgg_x4", mixed, {"format": "pt", "note": "realesrgan test fixture"}))

    srvgg2 = round_to(make_srvgg(2, 45).state_dict(), torch.float16)
    written.append(save_pth("srvgg_x2_f16", srvgg2, None))
    written.append(save_safetensors("srvgg_x2_f16", {k: _numpy_for("F16", v) for k, v in srvgg2.items()}))

    total = 0
    for path in written:
        size = os.path.getsize(path)
        total += size
        print(f"{os.path.relpath(path)}: {size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
