"""Independent PyTorch reference of the two Real-ESRGAN networks, for generating golden data.

Written from the architecture description (RRDBNet of ESRGAN / Real-ESRGAN, SRVGGNetCompact of
Real-ESRGAN v0.2.5), not copied from basicsr/realesrgan. Parameter names match the official
checkpoints exactly, so `load_state_dict(strict=True)` on an official file proves the layout.

This side is trusted: it loads .pth files with torch.load (a pickle). The C loader never does.

Checked by selftest.py (against torch's own primitives, the official checkpoint, the goldens):
    /usr/bin/python3 tests/reference/selftest.py
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from safetensors_io import read_safetensors

LRELU_SLOPE = 0.2
RESIDUAL_SCALE = 0.2


def pixel_unshuffle(x, factor):
    """x: [n][c][h*f][w*f] -> [n][c*f*f][h][w]; out channel = c*f*f + dy*f + dx."""
    n, c, hf, wf = x.shape
    h, w = hf // factor, wf // factor
    return x.reshape(n, c, h, factor, w, factor).permute(0, 1, 3, 5, 2, 4).reshape(n, c * factor * factor, h, w)


def pixel_shuffle(x, factor):
    """x: [n][c*f*f][h][w] -> [n][c][h*f][w*f]; inverse of pixel_unshuffle."""
    n, cff, h, w = x.shape
    c = cff // (factor * factor)
    return x.reshape(n, c, factor, factor, h, w).permute(0, 1, 4, 2, 5, 3).reshape(n, c, h * factor, w * factor)


def upsample_nearest(x, factor):
    """x: [n][c][h][w] -> [n][c][h*f][w*f], each pixel repeated f x f."""
    return x.repeat_interleave(factor, dim=2).repeat_interleave(factor, dim=3)


def conv3x3(in_ch, out_ch):
    return nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=1, padding=1, bias=True)


class ResidualDenseBlock(nn.Module):
    """5 convs with dense concatenation; conv_k sees x and the outputs of conv_1..k-1."""

    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.conv1 = conv3x3(num_feat, num_grow_ch)
        self.conv2 = conv3x3(num_feat + num_grow_ch, num_grow_ch)
        self.conv3 = conv3x3(num_feat + 2 * num_grow_ch, num_grow_ch)
        self.conv4 = conv3x3(num_feat + 3 * num_grow_ch, num_grow_ch)
        self.conv5 = conv3x3(num_feat + 4 * num_grow_ch, num_feat)

    def forward(self, x):
        features = [x]
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            features.append(F.leaky_relu(conv(torch.cat(features, 1)), LRELU_SLOPE))
        return self.conv5(torch.cat(features, 1)) * RESIDUAL_SCALE + x


class RRDB(nn.Module):
    """Three dense blocks in sequence, with a scaled residual around all three."""

    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * RESIDUAL_SCALE + x


class RRDBNet(nn.Module):
    """ESRGAN generator. scale 4 works on pixels; scale 2 and 1 first pixel-unshuffle the input
    by u = 4/scale (so the body always upsamples x4), hence inputs must be multiples of u."""

    def __init__(self, num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=23, num_grow_ch=32):
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError(f"RRDBNet scale must be 1, 2 or 4, not {scale}")
        self.scale = scale
        self.input_multiple = 4 // scale
        self.conv_first = conv3x3(num_in_ch * self.input_multiple ** 2, num_feat)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = conv3x3(num_feat, num_feat)
        self.conv_up1 = conv3x3(num_feat, num_feat)
        self.conv_up2 = conv3x3(num_feat, num_feat)
        self.conv_hr = conv3x3(num_feat, num_feat)
        self.conv_last = conv3x3(num_feat, num_out_ch)

    def forward(self, x):
        if self.input_multiple > 1:
            x = pixel_unshuffle(x, self.input_multiple)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = F.leaky_relu(self.conv_up1(upsample_nearest(feat, 2)), LRELU_SLOPE)
        feat = F.leaky_relu(self.conv_up2(upsample_nearest(feat, 2)), LRELU_SLOPE)
        return self.conv_last(F.leaky_relu(self.conv_hr(feat), LRELU_SLOPE))


class SRVGGNetCompact(nn.Module):
    """Plain conv/PReLU stack at input resolution, pixel-shuffled to `upscale`, plus the
    nearest-upsampled input. body = [conv, prelu] + num_conv * [conv, prelu] + [conv]."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=4, act="prelu"):
        super().__init__()
        if act != "prelu":
            raise ValueError(f"only act='prelu' is used by the official SRVGG models, not {act!r}")
        self.scale = upscale
        self.input_multiple = 1
        layers = [conv3x3(num_in_ch, num_feat), nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            layers += [conv3x3(num_feat, num_feat), nn.PReLU(num_parameters=num_feat)]
        layers.append(conv3x3(num_feat, num_out_ch * upscale * upscale))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return pixel_shuffle(self.body(x), self.scale) + upsample_nearest(x, self.scale)


# ---------------------------------------------------------------------------- checkpoints

def read_state_dict(path):
    """-> {key: float32 tensor}. .pth: torch.load, then 'params_ema', else 'params', else the
    bare dict (the official loader's preference); .safetensors: flat keys."""
    if path.endswith(".safetensors"):
        tensors, _ = read_safetensors(path)
        return {k: torch.from_numpy(v) for k, v in tensors.items()}
    checkpoint = torch.load(path, map_location="cpu")
    for wrapper in ("params_ema", "params"):
        if wrapper in checkpoint:
            checkpoint = checkpoint[wrapper]
            break
    return {k: v.float() for k, v in checkpoint.items()}


def count_indices(state_dict, prefix, suffix):
    """Number of distinct i with prefix + i + suffix in the keys."""
    found = set()
    for key in state_dict:
        if key.startswith(prefix) and key.endswith(suffix):
            middle = key[len(prefix):len(key) - len(suffix)]
            if middle.isdigit():
                found.add(int(middle))
    if found != set(range(len(found))):
        raise ValueError(f"{prefix}N{suffix}: indices are not 0..{len(found) - 1}")
    return len(found)


def build_network(state_dict):
    """Detect the architecture and its hyper-parameters from the keys/shapes, load strictly."""
    if "conv_first.weight" in state_dict:
        first = state_dict["conv_first.weight"]
        num_out_ch = state_dict["conv_last.weight"].shape[0]
        unshuffled = first.shape[1] // num_out_ch
        scale = {1: 4, 4: 2, 16: 1}.get(unshuffled)
        if scale is None or first.shape[1] % num_out_ch:
            raise ValueError(f"conv_first has {first.shape[1]} input channels for {num_out_ch} colours")
        net = RRDBNet(num_in_ch=num_out_ch, num_out_ch=num_out_ch, scale=scale, num_feat=first.shape[0],
                      num_block=count_indices(state_dict, "body.", ".rdb1.conv1.weight"),
                      num_grow_ch=state_dict["body.0.rdb1.conv1.weight"].shape[0])
    elif "body.0.weight" in state_dict and state_dict["body.0.weight"].dim() == 4:
        num_layers = count_indices(state_dict, "body.", ".weight")
        num_conv = (num_layers - 3) // 2
        first = state_dict["body.0.weight"]
        last = state_dict[f"body.{num_layers - 1}.weight"]
        upscale = math.isqrt(last.shape[0] // first.shape[1])
        if num_layers % 2 == 0 or upscale * upscale * first.shape[1] != last.shape[0]:
            raise ValueError(f"not an SRVGGNetCompact layout ({num_layers} body layers, last conv {tuple(last.shape)})")
        net = SRVGGNetCompact(num_in_ch=first.shape[1], num_out_ch=first.shape[1], num_feat=first.shape[0],
                              num_conv=num_conv, upscale=upscale)
    else:
        raise ValueError("unknown architecture: neither conv_first.weight nor body.0.weight")
    net.load_state_dict(state_dict, strict=True)
    return net.eval()


def load_checkpoint(path):
    """A ready fp32 network in eval mode from a .pth or .safetensors checkpoint."""
    return build_network(read_state_dict(path))


# ---------------------------------------------------------------------------- inference

def _as_batch(net, img):
    """img: [3][h][w] numpy or tensor -> [1][3][h][w] tensor in the net's dtype."""
    dtype = next(net.parameters()).dtype
    return torch.as_tensor(np.asarray(img)).to(dtype).unsqueeze(0)


def _pad_input(net, x, pre_pad):
    """The official pre-processing: reflect pre_pad right/bottom, then reflect right/bottom to a
    multiple of the unshuffle factor. Returns the padded batch."""
    if pre_pad:
        x = F.pad(x, (0, pre_pad, 0, pre_pad), mode="reflect")
    multiple = net.input_multiple
    pad_h = -x.shape[2] % multiple
    pad_w = -x.shape[3] % multiple
    if pad_h or pad_w:
        x = F.pad(x, (0, pad_w, 0, pad_h), mode="reflect")
    return x


@torch.no_grad()
def upscale(net, img, pre_pad=0):
    """img: [3][h][w] float in [0,1] -> raw (unclamped) network output [3][h*s][w*s]."""
    x = _as_batch(net, img)
    h, w = x.shape[2:]
    out = net(_pad_input(net, x, pre_pad))
    return out[0, :, :h * net.scale, :w * net.scale]


@torch.no_grad()
def upscale_tiled(net, img, tile, tile_pad, pre_pad=0):
    """As upscale, but the padded input is processed in tile x tile pieces, each read with
    tile_pad extra context clipped at the image edges and cropped back before pasting:
    the semantics of the official RealESRGANer.tile_process."""
    x = _as_batch(net, img)
    h, w = x.shape[2:]
    x = _pad_input(net, x, pre_pad)
    height, width = x.shape[2:]
    s = net.scale
    out = x.new_zeros((1, x.shape[1], height * s, width * s))
    for y0 in range(0, height, tile):
        for x0 in range(0, width, tile):
            y1, x1 = min(y0 + tile, height), min(x0 + tile, width)
            py0, px0 = max(y0 - tile_pad, 0), max(x0 - tile_pad, 0)
            py1, px1 = min(y1 + tile_pad, height), min(x1 + tile_pad, width)
            piece = net(x[:, :, py0:py1, px0:px1])
            oy, ox = (y0 - py0) * s, (x0 - px0) * s
            out[:, :, y0 * s:y1 * s, x0 * s:x1 * s] = piece[:, :, oy:oy + (y1 - y0) * s, ox:ox + (x1 - x0) * s]
    return out[0, :, :h * s, :w * s]


def psnr(a, b, peak=1.0):
    """PSNR in dB of two arrays of the same shape (inf when identical)."""
    mse = float(np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(peak * peak / mse)
