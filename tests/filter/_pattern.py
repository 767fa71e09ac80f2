"""Test frames for the filter's end-to-end scripts (numpy only).

    _pattern.py pattern W H OUT.raw          rgba64le test pattern: gradients, 75% bars, a
                                             checkerboard, fine lines, noise; alpha ramp with
                                             a transparent hole
    _pattern.py solid W H R G B OUT.raw      one rgb24 frame of a single colour
    _pattern.py alpha-psnr FMT W H A.raw B.raw
                                             PSNR (dB) between the alpha channels of two raw
                                             frames in FMT (an alpha format)
"""
import sys

import numpy as np


def pattern(w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    rgb = np.zeros((h, w, 3))
    rgb[..., 0] = x / max(w - 1, 1)
    rgb[..., 1] = y / max(h - 1, 1)
    rgb[..., 2] = 0.5 + 0.45 * np.sin(x * 0.35) * np.cos(y * 0.27)
    bars = np.array([[.75, .75, .75], [.75, .75, 0], [0, .75, .75], [0, .75, 0],
                     [.75, 0, .75], [.75, 0, 0], [0, 0, .75]])
    top = h // 4
    rgb[:top] = bars[(x[:top] * 7 // w).astype(int)]
    checker = ((x // 4 + y // 4) % 2)[..., None]
    band = slice(h // 2, h // 2 + h // 8)
    rgb[band] = (0.1 + 0.8 * checker[band]) * np.ones(3)
    rgb[:, w - w // 6:] = ((x[:, w - w // 6:] % 2)[..., None] * 0.9) * np.ones(3)   # 1-px lines
    rng = np.random.default_rng(1)
    rgb[3 * h // 4:] += rng.normal(0, 0.05, rgb[3 * h // 4:].shape)
    alpha = 0.2 + 0.8 * x / max(w - 1, 1)
    alpha[(abs(x - w / 2) < w / 8) & (abs(y - h / 2) < h / 6)] = 0.0
    rgba = np.concatenate([np.clip(rgb, 0, 1), alpha[..., None]], axis=2)
    return np.round(rgba * 65535).astype("<u2")


# where alpha lives in a raw frame: (sample dtype, offset in samples, step in samples[, peak])
def alpha_samples(fmt, w, h, data):
    n = w * h
    c420, c422 = ((w + 1) // 2) * ((h + 1) // 2), ((w + 1) // 2) * h
    layouts = {
        "rgba": ("u1", 3, 4), "bgra": ("u1", 3, 4), "argb": ("u1", 0, 4), "abgr": ("u1", 0, 4),
        "rgba64le": ("<u2", 3, 4), "gbrap": ("u1", 3 * n, 1), "gbrap16le": ("<u2", 3 * n, 1),
        "yuva444p": ("u1", 3 * n, 1),
        "yuva420p": ("u1", n + 2 * c420, 1),
        "gbrap10le": ("<u2", 3 * n, 1, 1023), "gbrap12le": ("<u2", 3 * n, 1, 4095),
        "gbrapf32le": ("<f4", 3 * n, 1, 1.0),
        "yuva420p10le": ("<u2", n + 2 * c420, 1, 1023), "yuva422p10le": ("<u2", n + 2 * c422, 1, 1023),
        "yuva444p10le": ("<u2", 3 * n, 1, 1023), "yuva444p12le": ("<u2", 3 * n, 1, 4095),
        "yuva420p16le": ("<u2", n + 2 * c420, 1), "yuva444p16le": ("<u2", 3 * n, 1),
    }
    dtype, offset, step = layouts[fmt][:3]
    peak = layouts[fmt][3] if len(layouts[fmt]) > 3 else 255.0 if dtype == "u1" else 65535.0
    samples = np.frombuffer(data, dtype)
    alpha = samples[offset:offset + step * n:step].astype(np.float64)
    return alpha / peak


def main():
    what = sys.argv[1]
    if what == "pattern":
        w, h, out = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        pattern(w, h).tofile(out)
    elif what == "solid":
        w, h, r, g, b, out = *map(int, sys.argv[2:7]), sys.argv[7]
        np.tile(np.array([r, g, b], np.uint8), (h, w, 1)).tofile(out)
    elif what == "alpha-psnr":
        fmt, w, h = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        a, b = (alpha_samples(fmt, w, h, open(p, "rb").read()) for p in sys.argv[5:7])
        mse = float(np.mean((a - b) ** 2))
        print("%.2f" % (99.0 if mse == 0 else 10 * np.log10(1 / mse)))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
