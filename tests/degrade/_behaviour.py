"""realesrgan_degrade's behaviour end to end: noise statistics, JPEG against libavcodec's own
mjpeg round trip through the ffmpeg command line, reproducibility (same seed, any thread
count), odd sizes, 10/16-bit input. Prints PASS/FAIL lines; exit status 1 on any FAIL.

    _behaviour.py FFMPEG WORKDIR
"""
import hashlib
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _reference as ref  # noqa: E402

FFMPEG, WORK = sys.argv[1], sys.argv[2]
failures = 0


def report(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS {name}" + (f"  # {why}" if why else ""))
    else:
        failures += 1
        print(f"FAIL {name}: {why}")


def ffmpeg(args):
    r = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-y", "-v", "error"] + args,
                       capture_output=True, text=True)
    return r.returncode, r.stderr.strip()[-300:]


def write_raw(img8, name):
    """img8 (H, W, 3) uint8 -> rawvideo rgb24 file"""
    path = os.path.join(WORK, name)
    img8.astype(np.uint8).tofile(path)
    return path


def raw_in(path, w, h, fmt="rgb24"):
    return ["-f", "rawvideo", "-pix_fmt", fmt, "-s", f"{w}x{h}", "-i", path]


def degrade_rgb24(src, w, h, opts, extra=()):
    out = os.path.join(WORK, "out.rgb")
    code, err = ffmpeg(list(extra) + raw_in(src, w, h) + ["-vf", "realesrgan_degrade=" + opts,
                                                           "-f", "rawvideo", "-pix_fmt", "rgb24", out])
    if code:
        return None, err
    return np.fromfile(out, np.uint8), ""


rng = np.random.default_rng(2014)

# ---- Gaussian noise: mean, std, gray vs colour -------------------------------------------
W = H = 192
flat = np.full((H, W, 3), 128, np.uint8)
src = write_raw(flat, "flat.rgb")
for gray in (0, 1):
    out, err = degrade_rgb24(src, W, H, f"preset=none:scale=1:noise=gaussian:noise_sigma=12:gray_noise={gray}:seed=3")
    name = f"noise_gaussian_gray{gray}"
    if out is None:
        report(name, False, err)
        continue
    d = out.reshape(H, W, 3).astype(float) - 128.0
    std = d.std()
    mean = d.mean()
    same = np.mean((d[..., 0] == d[..., 1]) & (d[..., 1] == d[..., 2]))
    corr = np.corrcoef(d[..., 0].ravel(), d[..., 1].ravel())[0, 1]
    # the output is rounded to 8 bits: std^2 = 12^2 + 1/12
    ok = abs(mean) < 0.2 and abs(std - math.sqrt(144 + 1 / 12)) < 0.3
    ok = ok and (same == 1.0 if gray else (same < 0.1 and abs(corr) < 0.05))
    report(name, ok, f"mean {mean:.3f}, std {std:.3f} (12.003), R=G=B share {same:.3f}, corr(R,G) {corr:.3f}")

# ---- Poisson noise: per-level variance q*v/v^2 * scale^2 with v = 256 distinct values -------
ramp = np.tile(np.arange(256, dtype=np.uint8)[None, :, None], (256, 1, 3))
src = write_raw(ramp, "ramp.rgb")
for gray in (0, 1):
    out, err = degrade_rgb24(src, 256, 256, f"preset=none:scale=1:noise=poisson:poisson_scale=1.5:gray_noise={gray}:seed=9")
    name = f"noise_poisson_gray{gray}"
    if out is None:
        report(name, False, err)
        continue
    d = (out.reshape(256, 256, 3).astype(float) - ramp) / 255.0
    cols = np.arange(64, 192)     # away from clipping at 0 and 1
    q = cols / 255.0
    # the gray draw uses the luma of R=G=B, equal to the value here
    expect = 1.5 * np.sqrt(q / 256.0)
    got = d[:, cols, 0].std(0)
    rel = np.abs(got / expect - 1)
    means = d[:, cols, :].mean()
    same = np.mean((d[..., 0] == d[..., 1]) & (d[..., 1] == d[..., 2]))
    ok = np.median(rel) < 0.08 and abs(means) < 0.01 and (same == 1.0 if gray else same < 0.5)
    report(name, ok, f"median |std/expected - 1| {np.median(rel):.3f}, mean {means:.4f}, R=G=B share {same:.3f}")

# ---- JPEG: the filter's JPEG against ffmpeg's own mjpeg encode + decode ---------------------
W, H = 96, 64
# a smooth picture (random 6x8 colours, bicubic-enlarged) with some texture: JPEG's losses
# then come from the codec more than from 4:2:0 on per-pixel colour noise
coarse = ref.interpolate(rng.random((3, 6, 8)), "bicubic", size=(H, W))
pic = np.clip(coarse + 0.08 * ref.filter2d(rng.random((3, H, W)) - 0.5, ref.kernel("iso", 5, 0.8)), 0, 1)
pic8 = np.clip(np.rint(pic.transpose(1, 2, 0) * 255), 0, 255).astype(np.uint8)
src = write_raw(pic8, "pic.rgb")

def ijg_tables(q):
    """IJG quality scaling of the T.81 Annex K tables, natural order (written here again)."""
    luma = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
            14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
            49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
    chroma = [17, 18, 24, 47] + [99] * 4 + [18, 21, 26, 66] + [99] * 4 + [24, 26, 56] + [99] * 5 + \
             [47, 66] + [99] * 6 + [99] * 32
    f = 5000 // q if q < 50 else 200 - 2 * q
    sc = lambda t: [min(255, max(1, (v * f + 50) // 100)) for v in t]  # noqa: E731
    return sc(luma), sc(chroma)


prev = None
for q in (90, 60, 30, 10):
    out, err = degrade_rgb24(src, W, H, f"preset=none:scale=1:jpeg={q}")
    name = f"jpeg_q{q}_vs_libavcodec"
    if out is None:
        report(name, False, err)
        continue
    lum, chrom = ijg_tables(q)
    jpg = os.path.join(WORK, f"q{q}.jpg")
    back = os.path.join(WORK, f"q{q}.rgb")
    code, err = ffmpeg(raw_in(src, W, H) + ["-pix_fmt", "yuvj420p", "-c:v", "mjpeg", "-q:v", "8",
                       "-intra_matrix", ",".join(map(str, lum)), "-chroma_intra_matrix", ",".join(map(str, chrom)),
                       "-frames:v", "1", jpg])
    if not code:
        code, err = ffmpeg(["-i", jpg, "-f", "rawvideo", "-pix_fmt", "rgb24", back])
    if code:
        report(name, False, "ffmpeg's own round trip failed: " + err)
        continue
    theirs = np.fromfile(back, np.uint8).astype(float)
    ours = out.astype(float)
    clean = pic8.ravel().astype(float)
    db_theirs = ref.psnr(ours / 255, theirs / 255)
    db_ours_clean = ref.psnr(ours / 255, clean / 255)
    db_theirs_clean = ref.psnr(theirs / 255, clean / 255)
    # same codec and tables; the colour conversions differ (ours: core/colour_math.h with
    # tent-filtered chroma, theirs: swscale), so close, not identical (the gray case below
    # is exact), and our round trip loses no more than ffmpeg's own
    ok = db_theirs >= 30 and db_ours_clean >= db_theirs_clean - 0.5
    ok = ok and (prev is None or db_ours_clean < prev)
    report(name, ok, f"ours vs ffmpeg -c:v mjpeg {db_theirs:.1f} dB; vs clean: ours {db_ours_clean:.2f} dB, "
           f"ffmpeg {db_theirs_clean:.2f} dB")
    prev = db_ours_clean

# gray input: R = G = B, so the filter's YUV is Y = the value, chroma neutral, exactly what
# ffmpeg's own gray -> yuvj420p gives: the same encoder input, and the outputs must be
# identical bytes
gray8 = pic8[..., 1].copy()
gsrc = os.path.join(WORK, "gray.raw")
gray8.tofile(gsrc)
for q in (75, 20):
    lum, chrom = ijg_tables(q)
    ours_path, jpg, theirs_path = (os.path.join(WORK, n) for n in ("g_ours.raw", "g.jpg", "g_theirs.raw"))
    c1, e1 = ffmpeg(raw_in(gsrc, W, H, "gray") + ["-vf", f"realesrgan_degrade=preset=none:scale=1:jpeg={q}",
                    "-f", "rawvideo", "-pix_fmt", "gray", ours_path])
    c2, e2 = ffmpeg(raw_in(gsrc, W, H, "gray") + ["-pix_fmt", "yuvj420p", "-c:v", "mjpeg", "-q:v", "8",
                    "-intra_matrix", ",".join(map(str, lum)), "-chroma_intra_matrix", ",".join(map(str, chrom)),
                    "-frames:v", "1", jpg])
    c3, e3 = ffmpeg(["-i", jpg, "-f", "rawvideo", "-pix_fmt", "gray", theirs_path]) if not c2 else (c2, e2)
    name = f"jpeg_gray_q{q}_identical_to_libavcodec"
    if c1 or c3:
        report(name, False, e1 or e3)
        continue
    ours = np.fromfile(ours_path, np.uint8)
    theirs = np.fromfile(theirs_path, np.uint8)
    changed = np.mean(ours != gray8.ravel())
    report(name, ours.size == theirs.size and np.array_equal(ours, theirs) and changed > 0.1,
           f"{np.count_nonzero(ours != theirs)} of {ours.size} samples differ; JPEG changed {changed:.0%} of the input")

# ---- reproducibility: same seed -> same bytes on any thread count; other seed differs ------
W, H = 128, 96
big = np.clip(np.rint(ref.interpolate(pic, "bilinear", size=(H, W)).transpose(1, 2, 0) * 255), 0, 255)
src = write_raw(big.astype(np.uint8), "big.rgb")
digests = {}
for seed, threads in ((1, 1), (1, 4), (1, 3), (2, 4)):
    out, err = degrade_rgb24(src, W, H, f"seed={seed}", extra=["-filter_threads", str(threads)])
    digests[(seed, threads)] = hashlib.md5(out.tobytes()).hexdigest() if out is not None else err
again, _ = degrade_rgb24(src, W, H, "seed=1", extra=["-filter_threads", "2"])
same = digests[(1, 1)] == digests[(1, 4)] == digests[(1, 3)]
report("seed_reproducible_any_threads", same and again is not None and
       hashlib.md5(again.tobytes()).hexdigest() == digests[(1, 1)], str(digests))
report("seed_other_differs", digests[(2, 4)] != digests[(1, 4)], str(digests))

# several frames: per-frame streams, the same on a second run
vid = os.path.join(WORK, "v.rgb")
np.concatenate([np.roll(big, 7 * i, 1).astype(np.uint8).ravel() for i in range(4)]).tofile(vid)
runs = []
for threads in (1, 4):
    out = os.path.join(WORK, f"v{threads}.rgb")
    code, err = ffmpeg(["-filter_threads", str(threads)] + raw_in(vid, W, H) +
                       ["-vf", "realesrgan_degrade=seed=5", "-f", "rawvideo", "-pix_fmt", "rgb24", out])
    runs.append(np.fromfile(out, np.uint8) if not code else None)
ok = runs[0] is not None and runs[1] is not None and np.array_equal(runs[0], runs[1])
frames = runs[0].reshape(4, -1) if ok else None
report("frames_reproducible", ok and len({f.tobytes() for f in frames}) == 4,
       "frames differ between runs, or repeat")

# ---- odd sizes -----------------------------------------------------------------------------
for (w, h, scale) in ((1, 1, 1), (2, 3, 2), (5, 1, 1), (17, 5, 4), (9, 7, 2), (13, 13, 4)):
    tiny = write_raw(rng.integers(0, 256, (h, w, 3)), "tiny.rgb")
    for preset in ("x4plus", "none:blur=iso:noise=gaussian:jpeg=50:resize=0.6"):
        out, err = degrade_rgb24(tiny, w, h, f"preset={preset}:scale={scale}:seed=4")
        ok = out is not None and out.size == (w // scale) * (h // scale) * 3
        report(f"odd_size_{w}x{h}_scale{scale}_{preset.split(':')[0]}", ok,
               err if out is None else f"{out.size} bytes")

# ---- 10- and 16-bit input keep their format and agree with the 8-bit path -------------------
W, H = 64, 48
img16 = np.clip(np.rint(ref.interpolate(pic, "bilinear", size=(H, W)) * 65535), 0, 65535).astype("<u2")
src16 = os.path.join(WORK, "in16.raw")
img16.transpose(1, 2, 0).tofile(src16)
opts = "preset=none:scale=2:blur=aniso:sigma_x=2:sigma_y=1:theta=0.5:blur_size=9:resize_mode=bicubic"
results = {}
for fmt in ("rgb48le", "gbrp16le", "yuv420p10le", "yuv444p16le", "rgb24"):
    out = os.path.join(WORK, f"o_{fmt}.raw")
    # showinfo after the filter names the format it produced (format= fixed its input)
    r = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-y"] + raw_in(src16, W, H, "rgb48le") +
                       ["-vf", f"format={fmt},realesrgan_degrade={opts},showinfo",
                        "-f", "rawvideo", "-pix_fmt", "rgb48le", out], capture_output=True, text=True)
    if r.returncode:
        report(f"depth_{fmt}", False, r.stderr.strip()[-300:])
        continue
    results[fmt] = np.fromfile(out, "<u2").reshape(H // 2, W // 2, 3) / 65535.0
    info = next((ln for ln in r.stderr.splitlines() if " fmt:" in ln), "")
    report(f"depth_{fmt}_keeps_format", f" fmt:{fmt.replace('le', '')} " in info or f" fmt:{fmt} " in info,
           "showinfo: " + info[-120:])
# the reference for each: the same input through swscale into that format and back to
# rgb48 (so it carries the same loss, e.g. 4:2:0), the filter on rgb48, and swscale into the
# format again (the output's 4:2:0); what remains is our YUV <-> RGB against swscale's
# (4:2:0: our tent chroma filter against swscale's, on a picture with sharp colour edges)
for fmt, limit in (("gbrp16le", 90), ("yuv444p16le", 60), ("yuv420p10le", 30), ("rgb24", 45)):
    if fmt not in results:
        continue
    out = os.path.join(WORK, f"r_{fmt}.raw")
    code, err = ffmpeg(raw_in(src16, W, H, "rgb48le") + ["-vf", f"format={fmt},format=rgb48le,realesrgan_degrade={opts},format={fmt}",
                       "-f", "rawvideo", "-pix_fmt", "rgb48le", out])
    if code:
        report(f"depth_{fmt}_matches_rgb48", False, err)
        continue
    db = ref.psnr(results[fmt], np.fromfile(out, "<u2").reshape(H // 2, W // 2, 3) / 65535.0)
    report(f"depth_{fmt}_matches_rgb48", db >= limit, f"{db:.1f} dB vs the rgb48 path (>= {limit})")

# ---- an untagged HD YUV frame: read as BT.709 (its size), and written back the same way
# although the output is SD-sized; a flat colour (inside the RGB gamut) keeps its codes
W, H = 1280, 720
yuv = os.path.join(WORK, "flat_hd.yuv")
np.concatenate([np.full(W * H, 110, np.uint8), np.full(W * H // 4, 100, np.uint8),
                np.full(W * H // 4, 170, np.uint8)]).tofile(yuv)
out = os.path.join(WORK, "flat_sd.yuv")
r = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-y"] + raw_in(yuv, W, H, "yuv420p") +
                   ["-vf", "realesrgan_degrade=preset=none,showinfo", "-f", "rawvideo", "-pix_fmt", "yuv420p", out],
                   capture_output=True, text=True)
if r.returncode:
    report("hd_matrix_kept", False, r.stderr.strip()[-300:])
else:
    o = np.fromfile(out, np.uint8)
    w, h = W // 4, H // 4
    planes = o[:w * h], o[w * h:w * h * 5 // 4], o[w * h * 5 // 4:]
    got = [int(p.min()) for p in planes] + [int(p.max()) for p in planes]
    tagged = "bt709" in next((ln for ln in r.stderr.splitlines() if "color_range" in ln or "colorspace" in ln
                              or "bt709" in ln), "")
    # in gamut under BT.709; read as 709 and written as 601, Y would be 115
    ok = all(abs(a - b) <= 1 for a, b in zip(got, [110, 100, 170] * 2))
    report("hd_matrix_kept", ok and tagged, f"Y,U,V min/max {got}, BT.709 tag {'yes' if tagged else 'no'}")

sys.exit(1 if failures else 0)
