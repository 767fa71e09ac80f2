"""Reference resize for tests/filter/outscale_e2e.sh (numpy + PIL).

    _resize_ref.py FMT FW FH FULL.raw OW OH OUT.raw
        resizes each plane of FULL (a raw frame in FMT, FW x FH) to the output size with
        PIL's Image.LANCZOS on float images (mode 'F': double-precision Lanczos, a = 3,
        widened when shrinking) and prints the PSNR of OUT (the filter's output, FMT,
        OW x OH) against it, per plane and over all planes:
            psnr P0 P1 P2 all PALL
        in code units (peak 255, or 1.0 for float formats). FMT: rgb24, yuv420p, gbrpf32le.
"""
import math
import sys

import numpy as np
from PIL import Image


def planes(fmt, w, h, path):
    if fmt == "rgb24":
        a = np.fromfile(path, np.uint8).reshape(h, w, 3)
        return [a[..., c].astype(np.float64) for c in range(3)], 255.0
    if fmt == "yuv420p":
        a = np.fromfile(path, np.uint8)
        cw, ch = (w + 1) // 2, (h + 1) // 2
        y = a[:w * h].reshape(h, w)
        u = a[w * h:w * h + cw * ch].reshape(ch, cw)
        v = a[w * h + cw * ch:w * h + 2 * cw * ch].reshape(ch, cw)
        return [p.astype(np.float64) for p in (y, u, v)], 255.0
    if fmt == "gbrpf32le":
        a = np.fromfile(path, "<f4").reshape(3, h, w)
        return [a[c].astype(np.float64) for c in range(3)], 1.0
    raise SystemExit(f"_resize_ref.py: unknown format {fmt}")


def resize(plane, w, h):
    img = Image.fromarray(plane.astype(np.float32), mode="F")
    return np.asarray(img.resize((w, h), Image.LANCZOS), dtype=np.float64)


def psnr(a, b, peak):
    mse = float(np.mean((a - b) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(peak * peak / mse)


def main():
    fmt, fw, fh, full, ow, oh, out = sys.argv[1:8]
    fw, fh, ow, oh = int(fw), int(fh), int(ow), int(oh)
    src, peak = planes(fmt, fw, fh, full)
    got, _ = planes(fmt, ow, oh, out)
    refs = []
    for s, g in zip(src, got):
        r = resize(s, g.shape[1], g.shape[0])
        if peak == 255.0:
            r = np.clip(np.floor(r + 0.5), 0, 255)
        refs.append(r)
    per = [psnr(g, r, peak) for g, r in zip(got, refs)]
    all_ = psnr(np.concatenate([g.ravel() for g in got]), np.concatenate([r.ravel() for r in refs]), peak)
    print("psnr " + " ".join(f"{p:.2f}" for p in per) + f" all {all_:.2f}")


if __name__ == "__main__":
    main()
