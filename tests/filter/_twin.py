"""A numpy twin of the filter's colour conversion (core/colour_math.h), written from the
rules colour_math.h documents, for the end-to-end format checks. Raw frames are as ffmpeg's
rawvideo muxer writes them (planes back to back, no padding).

    _twin.py decode FMT W H IN.raw OUT.raw     FMT frame -> gbrpf32le (what the network sees)
    _twin.py encode FMT W H IN.raw OUT.raw     gbrpf32le -> FMT frame (what the filter writes)
    _twin.py psnr FMT W H A.raw B.raw          PSNR (dB, peak 1) of two FMT frames, decoded

YUV frames are read as BT.709 with left chroma siting (co-sited horizontally, between rows
vertically), limited range except yuvj* (full); gray is full range, written as BT.601 luma.
Reading interpolates chroma linearly at each luma position; writing filters chroma with a
tent of half-width s (the subsampling) centred on each chroma sample, taps clamped to the
frame; integers are clamped and rounded half up, floats kept as they are.
"""
import sys

import numpy as np

KR, KB = 0.2126, 0.0722          # BT.709
GRAY_KR, GRAY_KB = 0.299, 0.114  # BT.601 luma for gray output
SITING = (0.0, 0.5)              # left: luma offsets (x, y) of chroma sample 0, for s = 2


def spec(fmt):
    """(kind, dtype, depth, shift, layout, log2 subsampling (x, y), full range)"""
    packed = {"rgb24": "RGB", "bgr24": "BGR", "rgba": "RGBA", "bgra": "BGRA", "argb": "ARGB",
              "abgr": "ABGR", "rgb0": "RGBX", "bgr0": "BGRX", "0rgb": "XRGB", "0bgr": "XBGR"}
    if fmt in packed:
        return "packed", "u1", 8, 0, packed[fmt], (0, 0), True
    if fmt in ("rgb48le", "rgba64le"):
        return "packed", "<u2", 16, 0, "RGB" if fmt == "rgb48le" else "RGBA", (0, 0), True
    if fmt.startswith("gbr"):
        alpha = fmt.startswith("gbrap")
        depth = 32 if "f32" in fmt else int(fmt[5 if alpha else 4:].rstrip("le") or 8)
        dtype = "<f4" if depth == 32 else "<u2" if depth > 8 else "u1"
        return "planar_rgb", dtype, depth, 0, "GBRA" if alpha else "GBR", (0, 0), True
    if fmt.startswith("gray"):
        depth = 32 if "f32" in fmt else int(fmt[4:].rstrip("le") or 8)
        dtype = "<f4" if depth == 32 else "<u2" if depth > 8 else "u1"
        return "gray", dtype, depth, 0, "Y", (0, 0), True
    if fmt in ("nv12", "nv21"):
        return "semi", "u1", 8, 0, "UV" if fmt == "nv12" else "VU", (1, 1), False
    if fmt in ("p010le", "p016le"):
        depth = 10 if fmt == "p010le" else 16
        return "semi", "<u2", depth, 16 - depth, "UV", (1, 1), False
    # yuv[a|j]4xxp[NNle]
    full = fmt.startswith("yuvj")
    alpha = fmt.startswith("yuva")
    body = fmt[4:] if (full or alpha) else fmt[3:]
    sub = {"420": (1, 1), "422": (1, 0), "444": (0, 0)}[body[:3]]
    depth = int(body[4:].rstrip("le") or 8)
    dtype = "<u2" if depth > 8 else "u1"
    return "yuv", dtype, depth, 0, "YUVA" if alpha else "YUV", sub, full


def levels(depth, dtype, full, component):
    """(offset, range) with code = offset + range * value, component in 'RGBAY' or 'C'."""
    if dtype == "<f4":
        return 0.0, 1.0
    top = float(2 ** depth - 1)
    unit = 2.0 ** (depth - 8)
    if component == "Y" and not full:
        return 16 * unit, 219 * unit
    if component == "C":
        return (2.0 ** (depth - 1), top) if full else (128 * unit, 224 * unit)
    return 0.0, top


def chroma_size(w, h, sub):
    return -(-w >> sub[0]), -(-h >> sub[1])


def upsample(c, w, h, sub):
    """Linear interpolation of chroma plane c at every luma position, at the siting."""
    for axis, (s, off, n) in enumerate(((sub[1], SITING[1], h), (sub[0], SITING[0], w))):
        if not s:
            continue
        size = c.shape[axis]
        pos = (np.arange(n) - off * ((1 << s) - 1)) / (1 << s)
        i0 = np.floor(pos).astype(int)
        frac = pos - i0
        a, b = np.clip(i0, 0, size - 1), np.clip(i0 + 1, 0, size - 1)
        if axis == 0:
            c = c[a] * (1 - frac)[:, None] + c[b] * frac[:, None]
        else:
            c = c[:, a] * (1 - frac) + c[:, b] * frac
    return c


def downsample(c, sub):
    """Tent filter of half-width s centred on each chroma sample, taps clamped to the frame."""
    h, w = c.shape
    for axis, (s, off, n) in enumerate(((sub[1], SITING[1], h), (sub[0], SITING[0], w))):
        if not s:
            continue
        step = 1 << s
        count = -(-n // step)
        out = []
        for i in range(count):
            centre = i * step + off * (step - 1)
            taps = np.arange(int(np.floor(centre - step)) + 1, int(np.ceil(centre + step)))
            weight = step - np.abs(taps - centre)
            weight = weight / weight.sum()
            idx = np.clip(taps, 0, n - 1)
            part = c[idx] if axis == 0 else c[:, idx]
            out.append(np.tensordot(weight, part, axes=([0], [0])) if axis == 0 else part @ weight)
        c = np.stack(out, axis=axis)
    return c


def decode(fmt, w, h, data):
    """-> float64 [3][h][w] RGB as the network sees it"""
    kind, dtype, depth, shift, layout, sub, full = spec(fmt)
    raw = np.frombuffer(data, dtype).astype(np.float64)
    is_float = dtype == "<f4"
    if shift:
        raw = np.floor(raw / 2 ** shift)
    n = w * h
    if kind == "packed":
        px = raw.reshape(h, w, len(layout))
        off, rng = levels(depth, dtype, True, "R")
        return np.stack([(px[..., layout.index(c)] - off) / rng for c in "RGB"])
    if kind == "planar_rgb":
        planes = raw[:len(layout) * n].reshape(len(layout), h, w)
        off, rng = levels(depth, dtype, True, "R")
        return np.stack([(planes[layout.index(c)] - off) / rng for c in "RGB"])
    if kind == "gray":
        off, rng = levels(depth, dtype, True, "Y")
        y = (raw[:n].reshape(h, w) - off) / rng
        y = y if is_float else np.clip(y, 0, 1)
        return np.stack([y, y, y])
    cw, ch = chroma_size(w, h, sub)
    y = raw[:n].reshape(h, w)
    if kind == "yuv":
        u = raw[n:n + cw * ch].reshape(ch, cw)
        v = raw[n + cw * ch:n + 2 * cw * ch].reshape(ch, cw)
    else:
        uv = raw[n:n + 2 * cw * ch].reshape(ch, cw, 2)
        u, v = uv[..., layout.index("U")], uv[..., layout.index("V")]
    yo, yr = levels(depth, dtype, full, "Y")
    co, cr_ = levels(depth, dtype, full, "C")
    luma = (y - yo) / yr
    cb = (upsample(u, w, h, sub) - co) / cr_
    cr = (upsample(v, w, h, sub) - co) / cr_
    r = luma + 2 * (1 - KR) * cr
    b = luma + 2 * (1 - KB) * cb
    g = (luma - KR * r - KB * b) / (1 - KR - KB)
    return np.clip(np.stack([r, g, b]), 0, 1)


def quantise(values, dtype, depth, offset, rng, shift=0):
    code = offset + rng * values
    if dtype == "<f4":
        return code.astype("<f4")
    code = np.floor(np.clip(code, 0, 2 ** depth - 1) + 0.5).astype(np.int64) << shift
    return code.astype(dtype)


def encode(fmt, w, h, rgb):
    """float [3][h][w] RGB -> raw bytes of an FMT frame (alpha planes/bytes left 0)"""
    kind, dtype, depth, shift, layout, sub, full = spec(fmt)
    is_float = dtype == "<f4"
    rgb = rgb if is_float else np.clip(rgb, 0, 1)
    if kind in ("packed", "planar_rgb"):
        off, rng = levels(depth, dtype, True, "R")
        chans = {c: quantise(rgb["RGB".index(c)], dtype, depth, off, rng) for c in "RGB"}
        zero = np.zeros((h, w), dtype)
        stack = [chans.get(c, zero) for c in layout]
        if kind == "packed":
            px = np.stack(stack, axis=-1)
            if "X" in layout:
                px[..., layout.index("X")] = 255
            return px.tobytes()
        return b"".join(p.tobytes() for p in stack)
    if kind == "gray":
        y = GRAY_KR * rgb[0] + (1 - GRAY_KR - GRAY_KB) * rgb[1] + GRAY_KB * rgb[2]
        off, rng = levels(depth, dtype, True, "Y")
        return quantise(y, dtype, depth, off, rng).tobytes()
    luma = KR * rgb[0] + (1 - KR - KB) * rgb[1] + KB * rgb[2]
    yo, yr = levels(depth, dtype, full, "Y")
    co, crr = levels(depth, dtype, full, "C")
    small = np.stack([downsample(c, sub) for c in rgb])
    sl = KR * small[0] + (1 - KR - KB) * small[1] + KB * small[2]
    cb = (small[2] - sl) / (2 * (1 - KB))
    cr = (small[0] - sl) / (2 * (1 - KR))
    y = quantise(luma, dtype, depth, yo, yr, shift)
    u = quantise(cb, dtype, depth, co, crr, shift)
    v = quantise(cr, dtype, depth, co, crr, shift)
    if kind == "semi":
        uv = np.stack([u, v] if layout == "UV" else [v, u], axis=-1)
        return y.tobytes() + uv.tobytes()
    alpha = np.zeros((h, w), dtype).tobytes() if "A" in layout else b""
    return y.tobytes() + u.tobytes() + v.tobytes() + alpha


def read_gbrpf32(path, w, h):
    g, b, r = np.fromfile(path, "<f4").reshape(3, h, w).astype(np.float64)
    return np.stack([r, g, b])


def write_gbrpf32(path, rgb):
    np.stack([rgb[1], rgb[2], rgb[0]]).astype("<f4").tofile(path)


def main():
    if len(sys.argv) != 7 or sys.argv[1] not in ("decode", "encode", "psnr"):
        raise SystemExit(__doc__)
    what, fmt, w, h, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:]
    if what == "decode":
        write_gbrpf32(b, decode(fmt, w, h, open(a, "rb").read()))
    elif what == "encode":
        open(b, "wb").write(encode(fmt, w, h, read_gbrpf32(a, w, h)))
    else:
        x = np.clip(decode(fmt, w, h, open(a, "rb").read()), 0, 1)
        y = np.clip(decode(fmt, w, h, open(b, "rb").read()), 0, 1)
        mse = float(np.mean((x - y) ** 2))
        print("%.2f" % (99.0 if mse == 0 else 10 * np.log10(1 / mse)))


if __name__ == "__main__":
    main()
