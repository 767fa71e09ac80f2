"""Checks of the reference itself, in the project's test format (PASS/FAIL/SKIP lines).

    /usr/bin/python3 tests/reference/selftest.py

Covers: the reshaping primitives against torch's, architecture detection, tiling with full
context, the official checkpoint loading strictly, the safetensors writer/reader, the PNG
decoder against PIL, the fixtures (pth == safetensors, dtypes, output not saturated), the
goldens (regenerated and compared bit for bit; x4plus ones within fp32 tolerance), the ncnn
conversion against the official animevideov3 weights, and the two CLIs end to end.
Exit status 1 if anything FAILs. Takes 1-3 minutes on 2 cores.
"""
import glob
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_goldens  # noqa: E402
from image_io import decode_png, write_raw_frame  # noqa: E402
from realesrgan_torch import (RRDBNet, SRVGGNetCompact, build_network, load_checkpoint, pixel_shuffle,  # noqa: E402
                              pixel_unshuffle, read_state_dict, upsample_nearest, upscale, upscale_tiled)
from safetensors_io import bf16_bits_to_f32, f32_to_bf16_bits, read_safetensors, write_safetensors  # noqa: E402

ROOT, SHARED = make_goldens.ROOT, make_goldens.SHARED
FIXTURES, GOLDEN, CACHE = make_goldens.FIXTURES_DIR, make_goldens.GOLDEN_DIR, make_goldens.MODELS_CACHE
OFFICIAL = make_goldens.ANIMEVIDEOV3


class Skip(Exception):
    pass


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def test_primitives():
    x = torch.randn(2, 3, 8, 12, generator=torch.Generator().manual_seed(0))
    for f in (2, 4):
        check(torch.equal(pixel_unshuffle(x, f), F.pixel_unshuffle(x, f)), f"pixel_unshuffle {f}")
        check(torch.equal(pixel_shuffle(pixel_unshuffle(x, f), f), x), f"pixel_shuffle {f}")
    check(torch.equal(upsample_nearest(x, 4), F.interpolate(x, scale_factor=4, mode="nearest")), "nearest x4")


def test_detection_and_full_context_tiling():
    torch.manual_seed(0)
    for net in [RRDBNet(scale=s, num_feat=8, num_block=2, num_grow_ch=4) for s in (4, 2, 1)] + \
               [SRVGGNetCompact(num_feat=8, num_conv=3, upscale=s) for s in (4, 2)]:
        rebuilt = build_network(net.eval().state_dict())
        check(type(rebuilt) is type(net) and rebuilt.scale == net.scale, f"rebuilt {type(net).__name__}")
        img = torch.rand(3, 13, 11)
        out = upscale(net, img)
        check(out.shape == (3, 13 * net.scale, 11 * net.scale), f"shape {tuple(out.shape)}")
        tiled = upscale_tiled(net, img, tile=4, tile_pad=20)  # the context covers the whole image
        check(torch.allclose(tiled, out, atol=1e-5), f"tiled != untiled, {type(net).__name__} x{net.scale}")


def test_official_checkpoint():
    if not os.path.exists(OFFICIAL):
        raise Skip(f"{OFFICIAL} missing")
    net = load_checkpoint(OFFICIAL)
    check(isinstance(net, SRVGGNetCompact) and net.scale == 4 and len(net.body) == 35, "animevideov3 layout")


def test_safetensors_roundtrip():
    values = np.array([1.0, -2.5, 3.14159, 1e-3, 65504.0], dtype=np.float32)
    bits = f32_to_bf16_bits(values)
    check(np.abs(bf16_bits_to_f32(bits) - values).max() <= np.abs(values).max() * 2 ** -8, "bf16 rounding")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.safetensors")
        write_safetensors(path, {"a": ("F32", values), "b": ("F16", values.astype(np.float16)),
                                 "c": ("BF16", bits.reshape(5, 1))}, {"k": "v"})
        tensors, metadata = read_safetensors(path)
        check(metadata == {"k": "v"}, "metadata")
        check(np.array_equal(tensors["a"], values), "F32")
        check(np.array_equal(tensors["b"], values.astype(np.float16).astype(np.float32)), "F16")
        check(tensors["c"].shape == (5, 1) and np.array_equal(tensors["c"][:, 0], bf16_bits_to_f32(bits)), "BF16")
        check((8 + int.from_bytes(open(path, "rb").read(8), "little")) % 8 == 0, "header alignment")


def test_png_decoder():
    paths = sorted(glob.glob(os.path.join(SHARED, "media", "images", "*.png")))
    if not paths:
        raise Skip("no PNGs in ../shared/media/images")
    for path in paths:
        decoded = decode_png(path)
        pil = np.asarray(Image.open(path))
        if decoded.dtype == np.uint16:
            decoded = (decoded >> 8).astype(np.uint8)  # PIL keeps the top byte of 16-bit samples
        check(np.array_equal(decoded.reshape(pil.shape), pil), os.path.basename(path))


def test_fixtures():
    expected = {"rrdb_x4.pth": {torch.float32}, "rrdb_x2_f16.pth": {torch.float16},
                "rrdb_x1_bf16.pth": {torch.bfloat16}, "srvgg_x4.pth": {torch.float32},
                "srvgg_x2_f16.pth": {torch.float16}}
    for name, dtypes in expected.items():
        checkpoint = torch.load(os.path.join(FIXTURES, name))
        state = checkpoint.get("params_ema", checkpoint.get("params", checkpoint))
        check({v.dtype for v in state.values()} == dtypes, f"{name} dtypes")
        out = upscale(load_checkpoint(os.path.join(FIXTURES, name)), make_goldens.fixture_input(13, 11))
        inside = float(((out >= 0) & (out <= 1)).float().mean())
        check(inside > 0.95 and float(out.std()) > 0.05, f"{name}: output saturated or flat "
              f"({inside:.2f} in range, std {float(out.std()):.3f})")
    for stem in ("srvgg_x4", "srvgg_x2_f16"):
        a = read_state_dict(os.path.join(FIXTURES, stem + ".pth"))
        b = read_state_dict(os.path.join(FIXTURES, stem + ".safetensors"))
        check(a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), f"{stem} pth != safetensors")
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(FIXTURES, "*")))
    check(size < 4 << 20, f"fixtures take {size} bytes")


def _golden(name):
    with np.load(os.path.join(GOLDEN, name + ".npz")) as archive:
        return {k: archive[k] for k in archive.files}


def _same_arrays(name, fresh):
    stored = _golden(name)
    check(stored.keys() == fresh.keys(), f"{name}: keys {sorted(stored)} vs {sorted(fresh)}")
    for key in stored:
        check(stored[key].dtype == fresh[key].dtype and np.array_equal(stored[key], fresh[key]),
              f"{name}.{key} differs from a fresh computation")


def test_fixture_goldens_reproduce():
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.pth"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        net = make_goldens.load_double(path)
        for golden in sorted(glob.glob(os.path.join(GOLDEN, stem + "_*.npz"))):
            name = os.path.basename(golden)[:-4]
            stored = _golden(name)
            height, width = stored["input"].shape[1:]
            if "_tile" in name:
                tile, pad = map(int, name.split("_tile")[1].split("pad"))
                img = make_goldens.fixture_input(width, height, x=40, y=30)
                fresh = make_goldens.golden_arrays(net, img, tile=tile, tile_pad=pad)
            else:
                fresh = make_goldens.golden_arrays(net, make_goldens.fixture_input(width, height))
            _same_arrays(name, fresh)


def test_animevideov3_goldens_reproduce():
    if not os.path.exists(OFFICIAL):
        raise Skip(f"{OFFICIAL} missing")
    net = make_goldens.load_double(OFFICIAL)
    images = sorted(glob.glob(os.path.join(SHARED, "media", "images", "*")))
    for image in images:
        name = "animevideov3_" + os.path.splitext(os.path.basename(image))[0]
        crop, where = make_goldens.image_crop(image, 64, 48)
        _same_arrays(name, dict(crop=where, **make_goldens.golden_arrays(net, crop)))


def test_x4plus_goldens():
    models = {"realesrgan-x4plus_0014": "realesrgan-x4plus", "realesrgan-x4plus-anime_0030": "realesrgan-x4plus-anime"}
    missing = [m for m in models.values() if not os.path.exists(os.path.join(CACHE, m + ".safetensors"))]
    if missing:
        raise Skip(f"run tests/reference/fetch_x4plus.sh first ({', '.join(missing)} not in build/models)")
    for name, model in models.items():
        golden = _golden(name)
        out = upscale(load_checkpoint(os.path.join(CACHE, model + ".safetensors")), golden["input"]).numpy()
        ref = golden["output"].astype(np.float32)
        error = np.abs(out - ref) - (1e-3 + 1e-3 * np.abs(ref))
        check(error.max() <= 0, f"{name}: fp32 differs from the golden by up to {np.abs(out - ref).max():.2e}")


def ncnn_fp16(values):
    """ncnn's float32_to_float16: truncate the mantissa, flush fp16-subnormal results to zero."""
    bits = values.view(np.uint32)
    exponent = ((bits >> 23) & 0xFF).astype(np.int32) - 127 + 15
    truncated = (bits & np.uint32(0xFFFFE000)).view(np.float32)
    return np.where(exponent <= 0, np.copysign(np.float32(0), values), truncated).astype(np.float32)


def test_ncnn_conversion_matches_official():
    converted_path = os.path.join(CACHE, "realesr-animevideov3-x4.safetensors")
    if not os.path.exists(converted_path) or not os.path.exists(OFFICIAL):
        raise Skip("needs tests/reference/fetch_x4plus.sh output and the official animevideov3")
    official = read_state_dict(OFFICIAL)
    converted, _ = read_safetensors(converted_path)
    check(official.keys() == converted.keys(), "key sets differ")
    for key, value in official.items():
        value = value.numpy()
        want = ncnn_fp16(value) if value.ndim == 4 else value  # ncnn keeps biases/slopes in fp32
        got = converted[key]
        check(got.shape == want.shape and np.array_equal(got, want) and
              np.array_equal(np.signbit(got), np.signbit(want)), f"{key} is not ncnn-fp16(official)")


def test_cli_roundtrip():
    golden = os.path.join(GOLDEN, "srvgg_x4_13x11.npz")
    with tempfile.TemporaryDirectory() as tmp:
        raw_in, raw_out = os.path.join(tmp, "in.raw"), os.path.join(tmp, "out.raw")
        write_raw_frame(raw_in, _golden("srvgg_x4_13x11")["input"], "gbrpf32le")
        run = [sys.executable, os.path.join(HERE, "run_reference.py"), "--model",
               os.path.join(FIXTURES, "srvgg_x4.safetensors"), "--in", raw_in, "--w", "13", "--h", "11",
               "--out", raw_out]
        subprocess.run(run, check=True, capture_output=True)
        compare = [sys.executable, os.path.join(HERE, "compare.py"), raw_out, golden, "--w", "52", "--h", "44"]
        result = subprocess.run(compare + ["--min-psnr", "60"], capture_output=True, text=True)
        check(result.returncode == 0, f"compare.py: {result.stdout.strip()}")
        with zipfile.ZipFile(golden) as archive:  # goldens use numpy's npz layout, fixed dates
            check(all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist()), "zip dates")


def main():
    torch.set_num_threads(2)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for name, test in [(n, f) for n, f in globals().items() if n.startswith("test_")]:
        try:
            test()
            status, why = "PASS", ""
        except Skip as skip:
            status, why = "SKIP", f": {skip}"
        except Exception as error:  # a failing case reports and the run goes on
            status, why = "FAIL", f": {type(error).__name__}: {error}"
        counts[status] += 1
        print(f"{status} reference.{name[5:]}{why}", flush=True)
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
