#!/usr/bin/python3
"""
Held frames (dedup): frames/s of ./ffmpeg with and without, side by side on the same clip,
and the output PSNR of the one against the other (README "Held frames").

Rows: the demo clip (../shared/media/video/onepiece_demo.mp4, drawn on threes, H.264 noise
on held frames) and a synthetic clip drawn on twos (testsrc2 at 12 fps made 24 fps, encoded
with libx264 crf 23 so that held frames differ by codec noise), both scaled to --size in the
graph. The two settings run alternately, --pairs times, the order swapped each pair; the
ratio is the median of the per-pair ratios (the machine is shared: absolute fps mean little).

  tests/bench/dedup_bench.py [--pairs 2] [--size 160x120] [--out tests/bench/RESULTS-dedup.md]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("RESR_SHARED", os.path.join(ROOT, "..", "shared"))
FFMPEG = os.path.join(ROOT, "ffmpeg")
MODEL = os.path.join(SHARED, "models", "realesr-animevideov3.pth")
DEMO = os.path.join(SHARED, "media", "video", "onepiece_demo.mp4")


def twos_clip(tmp):
    path = os.path.join(tmp, "twos.mp4")
    subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=640x480:rate=12:duration=4", "-vf", "fps=24", "-c:v", "libx264",
                    "-crf", "23", "-pix_fmt", "yuv420p", path], check=True)
    return path


def run(clip, size, dedup, out):
    """one ffmpeg run: (frames, seconds, the filter's reuse line)"""
    vf = f"scale={size.replace('x', ':')},realesrgan=model={MODEL}:dedup={dedup}"
    start = time.monotonic()
    p = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-y", "-i", clip, "-an", "-vf", vf,
                        "-f", "rawvideo", "-pix_fmt", "yuv420p", out],
                       stderr=subprocess.PIPE, text=True, check=True)
    seconds = time.monotonic() - start
    m = re.search(r"(\d+) of (\d+) frames reused", p.stderr)
    return seconds, m.group(0) if m else "no reuse line"


def psnr(a_path, b_path):
    a = np.fromfile(a_path, np.uint8).astype(np.float64)
    b = np.fromfile(b_path, np.uint8).astype(np.float64)
    if a.shape != b.shape:
        sys.exit("outputs differ in size")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def frames_of(path, size):
    w, h = (int(v) for v in size.split("x"))
    return os.path.getsize(path) // (w * 4 * h * 4 * 3 // 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--size", default="160x120")
    ap.add_argument("--dedup", default="12")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    for f in (FFMPEG, MODEL, DEMO):
        if not os.path.exists(f):
            sys.exit(f"missing {f}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, clip in (("demo clip (threes)", DEMO), ("synthetic twos (x264)", twos_clip(tmp))):
            on, off = os.path.join(tmp, "on.yuv"), os.path.join(tmp, "off.yuv")
            ratios, t_on, t_off = [], [], []
            for i in range(a.pairs):
                order = [(a.dedup, on), ("-1", off)]
                if i % 2:
                    order.reverse()
                times = {}
                for dedup, out in order:
                    times[dedup], line = run(clip, a.size, dedup, out)
                    if dedup != "-1":
                        reuse = line
                t_on.append(times[a.dedup])
                t_off.append(times["-1"])
                ratios.append(times["-1"] / times[a.dedup])
            n = frames_of(on, a.size)
            rows.append((label, n, reuse, n / statistics.median(t_off), n / statistics.median(t_on),
                         statistics.median(ratios), min(ratios), max(ratios), psnr(on, off)))
    head = (f"| clip ({a.size} in, x4) | frames | dedup={a.dedup} | fps dedup=-1 | fps dedup={a.dedup} | "
            "speed-up (pairs) | output PSNR vs dedup=-1 |\n| --- | --- | --- | --- | --- | --- | --- |")
    lines = [head] + [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.2f}x "
                      f"[{r[6]:.2f}-{r[7]:.2f}] | {r[8]:.1f} dB |" for r in rows]
    text = "\n".join(lines)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(f"# Held frames: ./ffmpeg with and without dedup\n\n- date: "
                    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n- command: "
                    f"`tests/bench/dedup_bench.py --pairs {a.pairs} --size {a.size}` (CPU engine, "
                    f"{os.cpu_count()} logical CPUs, shared machine)\n\n{text}\n")


if __name__ == "__main__":
    main()
