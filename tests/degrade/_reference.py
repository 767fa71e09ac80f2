"""Independent NumPy definitions of Real-ESRGAN's degradation stages, for the tests of
realesrgan_degrade. Written from the formulas of BasicSR's basicsr/data/degradations.py
(kernels), basicsr/utils/img_process_util.py (filter2D) and PyTorch's F.interpolate
(align_corners=False, no antialias: area = adaptive average pooling, bilinear, bicubic with
A = -0.75), in float64, sharing no code with the filter. The Bessel J1 of the sinc kernel
comes from its integral J1(x) = 1/pi int_0^pi cos(t - x sin t) dt (trapezoid rule, which
converges geometrically for this periodic integrand).
"""
import math

import numpy as np


def mesh(size):
    ax = np.arange(-size // 2 + 1.0, size // 2 + 1.0)
    xx, yy = np.meshgrid(ax, ax)   # xx along a row, yy down the rows
    return xx, yy


def inv_cov(sx, sy, theta):
    d = np.diag([sx * sx, sy * sy])
    u = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    return np.linalg.inv(u @ d @ u.T)


def quad(size, sx, sy, theta):
    xx, yy = mesh(size)
    grid = np.stack([xx, yy], -1)
    return np.sum((grid @ inv_cov(sx, sy, theta)) * grid, -1)


def bessel_j1(x, n=512):
    t = np.linspace(0.0, math.pi, n + 1)
    f = np.cos(t[None, :] - np.asarray(x, float).reshape(-1, 1) * np.sin(t[None, :]))
    integral = (f[:, 0] / 2 + f[:, 1:-1].sum(1) + f[:, -1] / 2) * (math.pi / n)
    return (integral / math.pi).reshape(np.shape(x))


def kernel(kind, size, sx=2.0, sy=None, theta=0.0, beta=1.0, cutoff=1.0):
    iso = kind.endswith("iso") and not kind.endswith("aniso")
    if sy is None or iso:
        sy = sx
    if iso:
        theta = 0.0
    if kind == "sinc":
        c = (size - 1) / 2
        i, j = np.mgrid[0:size, 0:size].astype(float)
        r = np.sqrt((i - c) ** 2 + (j - c) ** 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = cutoff * bessel_j1(cutoff * r) / (2 * math.pi * r)
        k[int(c), int(c)] = cutoff ** 2 / (4 * math.pi)
    else:
        q = quad(size, sx, sy, theta)
        if kind in ("iso", "aniso"):
            k = np.exp(-0.5 * q)
        elif kind.startswith("generalized"):
            k = np.exp(-0.5 * np.power(q, beta))
        else:
            k = 1.0 / (np.power(q, beta) + 1.0)
    return k / k.sum()


def filter2d(img, k):
    """img: (C, H, W); reflect pad by size//2, then cross-correlation (F.conv2d)."""
    r = k.shape[0] // 2
    p = np.pad(img, ((0, 0), (r, r), (r, r)), mode="reflect")
    out = np.zeros_like(img, dtype=float)
    h, w = img.shape[1:]
    for i in range(k.shape[0]):
        for j in range(k.shape[1]):
            out += k[i, j] * p[:, i:i + h, j:j + w]
    return out


def _axis_matrix(mode, n_in, n_out, scale_factor=None):
    """(n_out, n_in) matrix of one axis of F.interpolate."""
    m = np.zeros((n_out, n_in))
    scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    for o in range(n_out):
        if mode == "area":
            s = (o * n_in) // n_out
            e = -((-(o + 1) * n_in) // n_out)
            m[o, s:e] = 1.0 / (e - s)
            continue
        src = (o + 0.5) * scale - 0.5
        if mode == "bilinear":
            src = max(src, 0.0)
            i0 = min(int(math.floor(src)), n_in - 1)
            i1 = min(i0 + 1, n_in - 1)
            lam = src - i0
            m[o, i0] += 1 - lam
            m[o, i1] += lam
        else:
            a = -0.75
            i0 = math.floor(src)
            t = src - i0

            def near(x):   # |x| <= 1
                return ((a + 2) * x - (a + 3)) * x * x + 1

            def far(x):    # 1 < |x| < 2
                return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
            ws = [far(t + 1), near(t), near(1 - t), far(2 - t)]
            for d, wgt in zip(range(-1, 3), ws):
                m[o, min(max(i0 + d, 0), n_in - 1)] += wgt
    return m


def interpolate(img, mode, size=None, scale_factor=None):
    """img (C, H, W) -> F.interpolate(img, size=(h, w) | scale_factor=f, mode=mode)."""
    h, w = img.shape[1:]
    if size is None:
        size = (int(math.floor(h * scale_factor)), int(math.floor(w * scale_factor)))
        sf = scale_factor
    else:
        sf = None
    my = _axis_matrix(mode, h, size[0], sf if mode != "area" else None)
    mx = _axis_matrix(mode, w, size[1], sf if mode != "area" else None)
    return np.einsum("oh,chw,pw->cop", my, img, mx)


def psnr(a, b, peak=1.0):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("nan")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(peak * peak / mse)
