"""Every stage of realesrgan_degrade against the independent NumPy definitions of
_reference.py: 16-bit RGB in and out (rgb48le rawvideo), so the comparison is not limited
by 8-bit rounding. Prints PASS/FAIL lines; exit status 1 on any FAIL.

    _stages.py FFMPEG WORKDIR
"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _reference as ref  # noqa: E402

FFMPEG, WORK = (sys.argv[1], sys.argv[2]) if len(sys.argv) > 2 else ("ffmpeg", ".")
failures = 0
MIN_DB = 50.0


def report(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS {name}" + (f"  # {why}" if why else ""))
    else:
        failures += 1
        print(f"FAIL {name}: {why}")


def run_filter(img, args, out_w, out_h, fmt="rgb48le"):
    """img (3, H, W) floats in [0,1] -> the filter's output (3, h, w) floats (16-bit codes / 65535)."""
    _, h, w = img.shape
    codes = np.clip(np.rint(img * 65535), 0, 65535).astype("<u2")
    src = os.path.join(WORK, "in.raw")
    dst = os.path.join(WORK, "out.raw")
    codes.transpose(1, 2, 0).tofile(src)
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-y", "-v", "error", "-f", "rawvideo",
           "-pix_fmt", "rgb48le", "-s", f"{w}x{h}", "-i", src,
           "-vf", "realesrgan_degrade=" + args, "-f", "rawvideo", "-pix_fmt", fmt, dst]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()[-300:]
    out = np.fromfile(dst, "<u2")
    if out.size != out_w * out_h * 3:
        return None, f"{out.size} samples, expected {out_w}x{out_h}x3"
    return out.reshape(out_h, out_w, 3).transpose(2, 0, 1) / 65535.0, ""


def quantise(x):
    """the reference as the filter stores it: clamped to [0,1], 16-bit codes"""
    return np.clip(np.rint(np.clip(x, 0, 1) * 65535), 0, 65535) / 65535.0


def compare(name, img, args, expected):
    got, err = run_filter(img, args, expected.shape[2], expected.shape[1])
    if got is None:
        report(name, False, err)
        return
    db = ref.psnr(got, quantise(expected))
    # NaN compares false: a non-finite result fails
    report(name, db >= MIN_DB, f"{db:.1f} dB vs NumPy" if db >= MIN_DB else f"{db:.1f} dB < {MIN_DB} dB")

rng = np.random.default_rng(14)
# smooth-ish random image: the stages' differences show on structure, not only on noise
base = rng.random((3, 36, 44))
img = ref.filter2d(base, ref.kernel("iso", 5, 1.0)) * 0.8 + 0.1

kernels = [
    ("iso", dict(sx=2.5), "blur=iso:sigma_x=2.5"),
    ("aniso", dict(sx=3.0, sy=1.2, theta=0.7), "blur=aniso:sigma_x=3:sigma_y=1.2:theta=0.7"),
    ("generalized_iso", dict(sx=2.0, beta=0.6), "blur=generalized_iso:sigma_x=2:beta=0.6"),
    ("generalized_aniso", dict(sx=2.2, sy=0.9, theta=-1.1, beta=2.5),
     "blur=generalized_aniso:sigma_x=2.2:sigma_y=0.9:theta=-1.1:beta=2.5"),
    ("plateau_iso", dict(sx=1.5, beta=1.5), "blur=plateau_iso:sigma_x=1.5:beta=1.5"),
    ("plateau_aniso", dict(sx=2.8, sy=0.6, theta=2.0, beta=1.2),
     "blur=plateau_aniso:sigma_x=2.8:sigma_y=0.6:theta=2:beta=1.2"),
    ("sinc", dict(cutoff=1.1), "blur=sinc:cutoff=1.1"),
]


def main():
    # ---- every kernel type: kernel formula + reflect-padded filter2D --------------------------
    for kind, kw, opts in kernels:
        for size in (21, 7):
            k = ref.kernel(kind, size, **kw)
            compare(f"kernel_{kind}_{size}", img, f"preset=none:scale=1:blur_size={size}:{opts}",
                    ref.filter2d(img, k))

    # ---- resize modes: scale_factor semantics (the first resize) and size semantics (final) ---
    for mode in ("area", "bilinear", "bicubic"):
        for f in (0.37, 0.5, 1.3):
            # preset=none ends at input / scale: the factor resize, then back with a size
            there = ref.interpolate(img, mode, scale_factor=f)
            compare(f"resize_{mode}_factor{f}", img, f"preset=none:scale=1:resize={f}:resize_mode={mode}",
                    ref.interpolate(there, mode, size=img.shape[1:]))
        for scale in (2, 4):
            h, w = img.shape[1] // scale, img.shape[2] // scale
            compare(f"resize_{mode}_scale{scale}", img, f"preset=none:scale={scale}:resize_mode={mode}",
                    ref.interpolate(img, mode, size=(h, w)))

    # ---- blur, resize, final resize chained ---------------------------------------------------
    k = ref.kernel("aniso", 9, 1.7, 0.8, 0.3)
    chain = ref.interpolate(ref.interpolate(ref.filter2d(img, k), "bilinear", scale_factor=0.8),
                            "bilinear", size=(img.shape[1] // 2, img.shape[2] // 2))
    compare("chain_blur_resize_scale2", img,
            "preset=none:scale=2:blur=aniso:blur_size=9:sigma_x=1.7:sigma_y=0.8:theta=0.3:resize=0.8:resize_mode=bilinear",
            chain)

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
