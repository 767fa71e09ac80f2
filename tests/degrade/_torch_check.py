"""realesrgan_degrade's blur and resize against PyTorch itself (Debian's torch): F.interpolate
(area, bilinear, bicubic; align_corners=False, no antialias; scale_factor and size) and
BasicSR's filter2D (F.pad reflect + F.conv2d) with the kernels of _reference.py. Float64 in
torch, 16-bit RGB through the filter; each case must reach 50 dB. Prints PASS/FAIL lines.

    _torch_check.py FFMPEG WORKDIR
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _reference as ref  # noqa: E402
import _stages  # noqa: E402  (run_filter, quantise, report; runs nothing on import)

MIN_DB = 50.0


def t(img):
    return torch.from_numpy(img[None].astype(np.float64))


def filter2d_torch(img, k):
    r = k.shape[0] // 2
    x = F.pad(t(img), (r, r, r, r), mode="reflect")
    w = torch.from_numpy(k[None, None]).repeat(3, 1, 1, 1)
    return F.conv2d(x, w, groups=3)[0].numpy()


def check(name, img, opts, expected):
    got, err = _stages.run_filter(img, opts, expected.shape[2], expected.shape[1])
    if got is None:
        _stages.report(name, False, err)
        return
    db = ref.psnr(got, _stages.quantise(expected))
    _stages.report(name, db >= MIN_DB, f"{db:.1f} dB vs PyTorch" if db >= MIN_DB else f"{db:.1f} dB < {MIN_DB} dB")


img = _stages.img
for mode in ("area", "bilinear", "bicubic"):
    for f in (0.37, 1.3):
        there = F.interpolate(t(img), scale_factor=f, mode=mode, **({} if mode == "area" else {"align_corners": False}))
        back = F.interpolate(there, size=img.shape[1:], mode=mode, **({} if mode == "area" else {"align_corners": False}))
        check(f"torch_resize_{mode}_factor{f}", img, f"preset=none:scale=1:resize={f}:resize_mode={mode}",
              back[0].numpy())
        # the NumPy reference itself agrees with PyTorch
        mine = ref.interpolate(img, mode, scale_factor=f)
        db = ref.psnr(mine, there[0].numpy())
        _stages.report(f"numpy_reference_matches_torch_{mode}_{f}", db >= 100, f"{db:.1f} dB")
    size = (img.shape[1] // 4, img.shape[2] // 4)
    check(f"torch_resize_{mode}_scale4", img, f"preset=none:scale=4:resize_mode={mode}",
          F.interpolate(t(img), size=size, mode=mode, **({} if mode == "area" else {"align_corners": False}))[0].numpy())

for kind, kw, opts in _stages.kernels:
    k = ref.kernel(kind, 21, **kw)
    check(f"torch_filter2d_{kind}", img, f"preset=none:scale=1:blur_size=21:{opts}", filter2d_torch(img, k))

sys.exit(1 if _stages.failures else 0)
