"""PSNR and error statistics between two RGB frames (numpy only; any python3 with numpy).

    compare.py A B [--w W --h H] [--fmt gbrpf32le] [--fmt-b FMT] [--frame N] [--frame-b N]
               [--clamp] [--border N] [--min-psnr DB]

A and B are each one of:
    X.raw / any other name  a raw dump in --fmt (gbrpf32le, gbrp, gbrp16le, rgb24, rgb48le)
                            of --w x --h frames (ffmpeg -f rawvideo -pix_fmt FMT)
    X.npy                   float [3][h][w] RGB
    X.npz[:key]             an array in a golden file (default key: output)
    X.png / X.jpg           an image, converted as the official script does
Integer formats are scaled to [0,1]. --clamp clips both to [0,1] first (what an 8/16-bit
output would keep); --border ignores N pixels at each edge. Prints PSNR (peak 1.0) overall and
per channel, max and mean |A-B| and where the max is; exit status 1 if PSNR < --min-psnr.
"""
import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_io import RAW_FORMATS, load_image_rgb, read_raw_frame  # noqa: E402


def load_rgb(spec, width, height, fmt, frame):
    """-> float32 [3][h][w] from any of the accepted inputs (see the module doc)."""
    path, _, key = spec.partition(":") if ".npz:" in spec else (spec, "", "")
    lower = path.lower()
    if lower.endswith(".npz"):
        with np.load(path) as archive:
            return archive[key or "output"].astype(np.float32)
    if lower.endswith(".npy"):
        return np.load(path).astype(np.float32)
    if lower.endswith((".png", ".jpg", ".jpeg")):
        return load_image_rgb(path)[0]
    if not (width and height):
        raise SystemExit(f"{path}: a raw frame needs --w and --h")
    return read_raw_frame(path, width, height, fmt, frame)


def psnr_db(a, b):
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(1.0 / mse)


def main():
    parser = argparse.ArgumentParser(description="PSNR between two RGB frames")
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--w", type=int, default=0)
    parser.add_argument("--h", type=int, default=0)
    parser.add_argument("--fmt", default="gbrpf32le", choices=sorted(RAW_FORMATS))
    parser.add_argument("--fmt-b", choices=sorted(RAW_FORMATS), help="format of B if different")
    parser.add_argument("--frame", type=int, default=0, help="frame index in a multi-frame raw A")
    parser.add_argument("--frame-b", type=int, help="frame index in B (default: --frame)")
    parser.add_argument("--clamp", action="store_true", help="clip both to [0,1] first")
    parser.add_argument("--border", type=int, default=0, help="ignore this many edge pixels")
    parser.add_argument("--min-psnr", type=float, help="exit 1 when the PSNR is lower")
    args = parser.parse_args()

    a = load_rgb(args.a, args.w, args.h, args.fmt, args.frame)
    b = load_rgb(args.b, args.w, args.h, args.fmt_b or args.fmt,
                 args.frame if args.frame_b is None else args.frame_b)
    if a.shape != b.shape:
        print(f"shape mismatch: A {list(a.shape)} vs B {list(b.shape)}")
        return 1
    if args.clamp:
        a, b = np.clip(a, 0, 1), np.clip(b, 0, 1)
    if args.border:
        n = args.border
        a, b = a[:, n:-n, n:-n], b[:, n:-n, n:-n]
    for name, array in (("A", a), ("B", b)):
        bad = int(np.count_nonzero(~np.isfinite(array)))
        if bad:
            print(f"{name} has {bad} non-finite values")
            return 1
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
    c, y, x = np.unravel_index(int(diff.argmax()), diff.shape)
    total = psnr_db(a, b)
    channels = " ".join(f"{n}={psnr_db(a[i], b[i]):.2f}" for i, n in enumerate("RGB"))
    print(f"PSNR {total:.2f} dB ({channels})  max|diff| {diff.max():.6f} at {'RGB'[c]}({x},{y})  "
          f"mean|diff| {diff.mean():.6f}  size {a.shape[2]}x{a.shape[1]}")
    if args.min_psnr is not None and not total >= args.min_psnr:   # NaN fails too
        print(f"FAIL: PSNR {total:.2f} dB < {args.min_psnr} dB")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, KeyError) as error:
        print(f"{os.path.basename(sys.argv[0])}: {error}", file=sys.stderr)
        sys.exit(2)
