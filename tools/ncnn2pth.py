#!/usr/bin/env python3
"""Convert a Real-ESRGAN ncnn model (.param + .bin) to an official-layout checkpoint.

    ncnn2pth.py MODEL.param MODEL.bin OUT.safetensors [--dtype f32|native]
    ncnn2pth.py MODEL.param MODEL.bin OUT.pth          (needs torch; writes {'params_ema'|'params': sd})

Recognises the two graphs realesrgan-ncnn-vulkan ships, and refuses anything else:
  - RRDBNet x4 (realesrgan-x4plus, realesrgan-x4plus-anime = anime_6B): conv_first, nb x 3 x 5
    dense-block convs, conv_body, conv_up1, conv_up2, conv_hr, conv_last;
  - SRVGGNetCompact (realesr-animevideov3-x4): body.{2k} convs, body.{2k+1} PReLU slopes.
Every conv's shape and fused activation is checked against the architecture, so a graph that
merely has the right number of layers is not accepted.

ncnn .bin layout, in layer order: Convolution = 4-byte tag (0x01306B47: fp16 data follows,
padded to 4 bytes; 0: fp32 follows) + weights [out][in][kh][kw] + bias fp32 [out] (if 5=1);
PReLU = slopes fp32 [n]. Weights here are fp16, so --dtype native keeps them F16 (with biases
and slopes F32) and loses nothing; f32 (default) widens everything, exactly.

Needs numpy (Debian's /usr/bin/python3 has it). Output to .pth also needs torch.
"""
import argparse
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from safetensors_io import write_safetensors  # noqa: E402

NCNN_MAGIC = 7767517
TAG_FP16 = 0x01306B47
TAG_FP32 = 0
LRELU = ("2", "1,2.000000e-01")  # ncnn activation_type=2 (leaky), params [0.2]
RESIDUAL_SUM = {"0": "1", "-23301": "2,2.000000e-01,1.000000e+00"}  # Eltwise sum, coefficients 0.2, 1


class ConversionError(Exception):
    pass


def parse_param(path):
    """-> list of (type, name, params{key: str}) in file order."""
    with open(path) as f:
        lines = [line.split() for line in f if line.strip()]
    if len(lines) < 2 or lines[0] != [str(NCNN_MAGIC)]:
        raise ConversionError(f"{path}: not an ncnn text .param (no magic {NCNN_MAGIC} line)")
    layers = []
    for number, fields in enumerate(lines[2:], start=3):
        try:
            kind, name, n_in, n_out = fields[0], fields[1], int(fields[2]), int(fields[3])
            params = dict(kv.split("=", 1) for kv in fields[4 + n_in + n_out:])
        except (IndexError, ValueError):
            raise ConversionError(f"{path}:{number}: malformed layer line") from None
        layers.append((kind, name, params))
    if len(layers) != int(lines[1][0]):
        raise ConversionError(f"{path}: header says {lines[1][0]} layers, found {len(layers)}")
    return layers


def read_weights(layers, bin_path):
    """-> list of (layer, tensors) for the layers that own weights, in order.
    Convolution: {'weight': f16/f32 [out][in][3][3], 'bias': f32 [out], 'activation': (type, params)}."""
    with open(bin_path, "rb") as f:
        data = f.read()
    offset = 0
    owned = []

    def take(count, dtype):
        nonlocal offset
        size = count * np.dtype(dtype).itemsize
        if offset + size > len(data):
            raise ConversionError(f"{bin_path}: truncated at byte {offset} (needs {size} more)")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
        offset += (size + 3) & ~3
        return array

    for kind, name, params in layers:
        if kind == "Convolution":
            num_output, kernel, count = int(params["0"]), int(params.get("1", 1)), int(params["6"])
            if (int(params.get("2", 1)), int(params.get("3", 1)), int(params.get("4", 0))) != (1, 1, 1) \
                    or kernel != 3:
                raise ConversionError(f"{name}: only 3x3 stride-1 pad-1 convolutions are expected")
            if offset + 4 > len(data):
                raise ConversionError(f"{bin_path}: truncated before {name}")
            (tag,) = struct.unpack_from("<I", data, offset)
            offset += 4
            if tag == TAG_FP16:
                weight = take(count, "<f2")
            elif tag == TAG_FP32:
                weight = take(count, "<f4")
            else:
                raise ConversionError(f"{name}: unsupported weight storage tag 0x{tag:08x} (quantised?)")
            in_ch = count // (num_output * kernel * kernel)
            if in_ch * num_output * kernel * kernel != count:
                raise ConversionError(f"{name}: {count} weights do not fit {num_output} x in x 3 x 3")
            bias = take(num_output, "<f4") if params.get("5") == "1" else np.zeros(num_output, "<f4")
            activation = (params.get("9", "0"), params.get("-23310", ""))
            owned.append(((kind, name), {"weight": weight.reshape(num_output, in_ch, kernel, kernel),
                                         "bias": bias, "activation": activation}))
        elif kind == "PReLU":
            owned.append(((kind, name), {"weight": take(int(params["0"]), "<f4")}))
        elif kind not in ("Input", "Split", "Concat", "Eltwise", "BinaryOp", "Interp", "PixelShuffle"):
            raise ConversionError(f"{name}: layer type {kind} is not part of a Real-ESRGAN graph")
    if offset != len(data):
        raise ConversionError(f"{bin_path}: {len(data) - offset} bytes left over after the last layer")
    return owned


def _expect_conv(entry, key, in_ch, out_ch, leaky):
    (kind, name), tensors = entry
    if kind != "Convolution":
        raise ConversionError(f"{name}: expected a convolution for {key}, found {kind}")
    shape = tensors["weight"].shape
    if shape[:2] != (out_ch, in_ch):
        raise ConversionError(f"{name}: {key} should be {out_ch}x{in_ch}x3x3, is {'x'.join(map(str, shape))}")
    if (tensors["activation"] == LRELU) != leaky:
        raise ConversionError(f"{name}: {key} should {'' if leaky else 'not '}have a fused LeakyReLU(0.2)")
    return {f"{key}.weight": tensors["weight"], f"{key}.bias": tensors["bias"]}


def _check_interps(layers, allowed):
    """Each Interp must be one of `allowed` (mode, scale) pairs: rejects e.g. the -x2/-x3
    animevideov3 graphs, which are the x4 network followed by a bicubic downscale."""
    for kind, name, params in layers:
        if kind == "Interp":
            mode, sy, sx = params.get("0"), float(params.get("1", 1)), float(params.get("2", 1))
            if (mode, sy, sx) not in allowed:
                raise ConversionError(f"{name}: Interp mode {mode} scale {sy}x{sx} is not part of the "
                                      f"official network (a post-resize? convert the -x4 model instead)")


def to_rrdbnet(layers, owned):
    convs = len(owned)
    if (convs - 6) % 15 or any(kind != "Convolution" for (kind, _), _ in owned):
        raise ConversionError(f"{convs} weight layers do not make an RRDBNet (6 + 15 x num_block convs)")
    _check_interps(layers, {("1", 2.0, 2.0)})
    if sum(kind == "Interp" for kind, _, _ in layers) != 2:
        raise ConversionError("an RRDBNet x4 graph has exactly two nearest x2 upsamples")
    num_block = (convs - 6) // 15
    residuals = [p for kind, _, p in layers if kind == "Eltwise"]
    if len(residuals) != 4 * num_block or any(p != RESIDUAL_SUM for p in residuals):
        raise ConversionError("the residuals must be 4 per block, each out = 0.2 * branch + x")
    first = owned[0][1]["weight"]
    num_feat, in_ch = first.shape[:2]
    num_grow = owned[1][1]["weight"].shape[0]
    num_out = owned[-1][1]["weight"].shape[0]
    if in_ch != num_out:
        raise ConversionError(f"conv_first takes {in_ch} channels for {num_out} colours: only x4 graphs "
                              "(no pixel-unshuffle) are supported")
    sd = _expect_conv(owned[0], "conv_first", in_ch, num_feat, False)
    i = 1
    for b in range(num_block):
        for r in (1, 2, 3):
            for c in range(1, 6):
                out_ch = num_feat if c == 5 else num_grow
                sd.update(_expect_conv(owned[i], f"body.{b}.rdb{r}.conv{c}", num_feat + (c - 1) * num_grow,
                                       out_ch, leaky=c < 5))
                i += 1
    for key, leaky in (("conv_body", False), ("conv_up1", True), ("conv_up2", True), ("conv_hr", True)):
        sd.update(_expect_conv(owned[i], key, num_feat, num_feat, leaky))
        i += 1
    sd.update(_expect_conv(owned[i], "conv_last", num_feat, num_out, False))
    return sd, "params_ema", f"RRDBNet num_feat={num_feat} num_block={num_block} num_grow_ch={num_grow} x4"


def to_srvgg(layers, owned):
    pixel_shuffles = [int(p["0"]) for kind, _, p in layers if kind == "PixelShuffle"]
    if len(pixel_shuffles) != 1:
        raise ConversionError("an SRVGGNetCompact graph has exactly one PixelShuffle")
    upscale = pixel_shuffles[0]
    _check_interps(layers, {("1", float(upscale), float(upscale))})
    first = owned[0][1]["weight"]
    num_feat, in_ch = first.shape[:2]
    sd = {}
    for index, entry in enumerate(owned[:-1]):
        (kind, name), tensors = entry
        if index % 2 == 0:
            sd.update(_expect_conv(entry, f"body.{index}", in_ch if index == 0 else num_feat, num_feat, False))
        elif kind != "PReLU" or tensors["weight"].shape != (num_feat,):
            raise ConversionError(f"{name}: expected PReLU({num_feat}) as body.{index}, found {kind}")
        else:
            sd[f"body.{index}.weight"] = tensors["weight"]
    last = len(owned) - 1
    if last % 2:
        raise ConversionError("the SRVGG body must end with a convolution after a PReLU")
    sd.update(_expect_conv(owned[last], f"body.{last}", num_feat, in_ch * upscale * upscale, False))
    return sd, "params", f"SRVGGNetCompact num_feat={num_feat} num_conv={last // 2 - 1} x{upscale}"


def convert(param_path, bin_path):
    layers = parse_param(param_path)
    owned = read_weights(layers, bin_path)
    if not owned:
        raise ConversionError(f"{param_path}: no weights")
    if any(kind == "PReLU" for (kind, _), _ in owned):
        return to_srvgg(layers, owned)
    return to_rrdbnet(layers, owned)


def save(state_dict, wrapper, out_path, dtype, description):
    def cast(value):
        return value.astype(np.float32) if dtype == "f32" else value

    if out_path.endswith(".safetensors"):
        names = {np.dtype("<f4"): "F32", np.dtype("<f2"): "F16"}
        tensors = {k: (names[cast(v).dtype], cast(v)) for k, v in state_dict.items()}
        write_safetensors(out_path, tensors, {"format": "pt", "source": "ncnn2pth", "network": description})
    elif out_path.endswith(".pth"):
        import torch
        torch.save({wrapper: {k: torch.from_numpy(np.array(cast(v))) for k, v in state_dict.items()}}, out_path)
    else:
        raise ConversionError(f"{out_path}: output must end in .safetensors or .pth")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("param")
    parser.add_argument("bin")
    parser.add_argument("out", help="OUT.safetensors or OUT.pth")
    parser.add_argument("--dtype", choices=("f32", "native"), default="f32",
                        help="f32: widen everything (default); native: keep the ncnn fp16 weights")
    args = parser.parse_args()
    try:
        state_dict, wrapper, description = convert(args.param, args.bin)
        save(state_dict, wrapper, args.out, args.dtype, description)
    except (ConversionError, OSError, KeyError, ValueError) as error:
        print(f"ncnn2pth: {error}", file=sys.stderr)
        return 1
    count = sum(v.size for v in state_dict.values())
    print(f"{args.out}: {description}, {len(state_dict)} tensors, {count} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
