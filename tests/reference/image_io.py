"""Images and raw frames as the reference sees them.

load_image_rgb() reproduces the official inference script's conversion (cv2.imread
IMREAD_UNCHANGED, then RealESRGANer.enhance): samples / 255, or / 65535 for 16-bit files;
gray -> R=G=B; RGBA -> RGB with the alpha returned separately. One official quirk is NOT
reproduced: enhance() picks the divisor from the image's maximum (> 256 means 16-bit), so a
dark 16-bit image would be divided by 255; here the divisor follows the file's bit depth.

PIL 9 decodes 16-bit RGB(A) PNGs only at 8 bits, so 16-bit PNGs go through the small decoder
below (non-interlaced, colour types 0/2/4/6); selftest.py compares it with PIL on the 8-bit
files and on the top byte of the 16-bit one.

Raw frames: planar G,B,R (FFmpeg's gbrp* order) or packed RGB, little-endian, no header.
"""
import struct
import zlib

import numpy as np
from PIL import Image

_PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def _unfilter_sequential(kind, line, up, upleft, bpp):
    # upleft[x] is the byte above-left of line[x] (zero for the first pixel)
    """PNG Average (3) / Paeth (4) reconstruction of one row, on Python ints for speed."""
    cur = [0] * (len(line) + bpp)
    for x, value in enumerate(line):
        left, above = cur[x], up[x]
        if kind == 3:
            pred = (left + above) >> 1
        else:
            diag = upleft[x]
            p = left + above - diag
            pa, pb, pc = abs(p - left), abs(p - above), abs(p - diag)
            pred = left if pa <= pb and pa <= pc else above if pb <= pc else diag
        cur[x + bpp] = (value + pred) & 0xFF
    return np.array(cur[bpp:], dtype=np.int32)


def decode_png(path):
    """-> uint8 or uint16 array [h][w][channels] (channels 1, 2, 3 or 4)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = ihdr
    if colour not in _PNG_CHANNELS or depth not in (8, 16) or interlace:
        raise ValueError(f"{path}: unsupported PNG (colour type {colour}, depth {depth}, interlace {interlace})")
    bpp = _PNG_CHANNELS[colour] * depth // 8
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8).reshape(height, stride + 1)
    rows = np.zeros((height + 1, stride + bpp), dtype=np.int32)  # row -1 and column -bpp are zero
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        up = rows[y, bpp:]
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + up) & 0xFF
        elif kind == 1:  # Sub: a running sum per byte lane
            cur = np.cumsum(line.reshape(width, bpp), axis=0).reshape(-1) & 0xFF
        elif kind in (3, 4):  # Average, Paeth: need the reconstructed left neighbour, sequential
            cur = _unfilter_sequential(kind, line.tolist(), up.tolist(), rows[y, :stride].tolist(), bpp)
        else:
            raise ValueError(f"{path}: bad PNG filter {kind} on row {y}")
        rows[y + 1, bpp:] = cur
    pixels = rows[1:, bpp:].astype(np.uint8)
    if depth == 16:
        pixels = pixels.reshape(height, width * _PNG_CHANNELS[colour], 2)
        pixels = (pixels[..., 0].astype(np.uint16) << 8) | pixels[..., 1]
    return pixels.reshape(height, width, _PNG_CHANNELS[colour])


def _png_bit_depth(path):
    with open(path, "rb") as f:
        head = f.read(33)
    return head[24] if head[:8] == b"\x89PNG\r\n\x1a\n" else 8


def load_image_rgb(path):
    """-> (rgb float32 [3][h][w] in [0,1], alpha float32 [h][w] or None)."""
    if _png_bit_depth(path) == 16:
        samples = decode_png(path).astype(np.float32) / 65535.0
    else:
        image = Image.open(path)
        if image.mode not in ("L", "LA", "RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
        samples = np.asarray(image, dtype=np.float32).reshape(image.size[1], image.size[0], -1) / 255.0
    channels = samples.shape[2]
    alpha = samples[:, :, -1].copy() if channels in (2, 4) else None
    colour = samples[:, :, :3] if channels >= 3 else np.repeat(samples[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(colour.transpose(2, 0, 1)), alpha


# ---------------------------------------------------------------------------- raw frames

RAW_FORMATS = {
    # name: (numpy dtype, planar, peak)
    "gbrpf32le": ("<f4", True, 1.0),
    "gbrp": ("u1", True, 255.0),
    "gbrp16le": ("<u2", True, 65535.0),
    "rgb24": ("u1", False, 255.0),
    "rgb48le": ("<u2", False, 65535.0),
}


def read_raw_frame(path, width, height, fmt, index=0):
    """Frame `index` of a raw dump -> float32 RGB [3][h][w] scaled to [0,1] (floats as stored)."""
    dtype, planar, peak = RAW_FORMATS[fmt]
    count = 3 * width * height
    itemsize = np.dtype(dtype).itemsize
    with open(path, "rb") as f:
        f.seek(index * count * itemsize)
        data = np.frombuffer(f.read(count * itemsize), dtype=dtype)
    if data.size != count:
        raise ValueError(f"{path}: frame {index} of {width}x{height} {fmt} is truncated")
    if planar:
        g, b, r = data.reshape(3, height, width)
        rgb = np.stack([r, g, b])
    else:
        rgb = data.reshape(height, width, 3).transpose(2, 0, 1)
    return rgb.astype(np.float32) / np.float32(peak)


def write_raw_frame(path, rgb, fmt):
    """float RGB [3][h][w] in [0,1] -> one raw frame (integer formats clamp and round)."""
    dtype, planar, peak = RAW_FORMATS[fmt]
    rgb = np.asarray(rgb, dtype=np.float32)
    if peak != 1.0:
        rgb = np.clip(np.rint(np.clip(rgb, 0, 1) * peak), 0, peak)
    frame = np.stack([rgb[1], rgb[2], rgb[0]]) if planar else rgb.transpose(1, 2, 0)
    with open(path, "wb") as f:
        f.write(np.ascontiguousarray(frame, dtype=dtype).tobytes())
