#!/usr/bin/env python3
"""Seed inputs for the fuzz targets, from the project's real and generated checkpoints.

    tests/fuzz/make_seeds.py OUT_DIR [SHARED_MODELS_DIR]

writes OUT_DIR/<target>/<name> for the targets of tests/fuzz/fuzz_targets.h:
  pth          every .pth/.zip/.npz under tests/models/data and tests/fixtures up to 256 KiB
  pickle       the data.pkl of every .pth there, and of the official realesr-animevideov3.pth
  safetensors  every .safetensors there up to 256 KiB
  inflate      the raw DEFLATE streams of every deflated zip entry (official checkpoint
               included), and zlib's streams of varied data at every level and strategy,
               each behind the 2-byte output size the target reads first
Only the standard library is needed. The kept corpus (tests/fuzz/corpus/) is separate: what
the fuzzer found interesting, minimised.
"""
import os
import struct
import sys
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCES = [os.path.join(ROOT, "tests", "models", "data"), os.path.join(ROOT, "tests", "fixtures")]
MAX_SEED = 256 << 10


def files(exts):
    for d in SOURCES:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(exts):
                yield os.path.join(d, name)


def raw_deflate_streams(path):
    """(stream, size) of each deflated entry, read from the local headers."""
    with open(path, "rb") as f:
        blob = f.read()
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return
    for info in z.infolist():
        if info.compress_type != zipfile.ZIP_DEFLATED:
            continue
        off = info.header_offset
        if blob[off:off + 4] != b"PK\3\4":
            continue
        name_len, extra_len = struct.unpack("<HH", blob[off + 26:off + 30])
        start = off + 30 + name_len + extra_len
        yield blob[start:start + info.compress_size], info.file_size


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared", "models")
    official = os.path.join(shared, "realesr-animevideov3.pth")
    counts = {}

    def put(target, name, data):
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1

    for path in files((".pth", ".zip", ".npz")):
        base = os.path.basename(path)
        if os.path.getsize(path) <= MAX_SEED:
            with open(path, "rb") as f:
                put("pth", base, f.read())
    for path in list(files((".pth",))) + ([official] if os.path.exists(official) else []):
        try:
            z = zipfile.ZipFile(path)
            for info in z.infolist():
                if info.filename.endswith("data.pkl"):
                    put("pickle", os.path.basename(path) + ".pkl", z.read(info))
        except Exception:  # the hostile fixtures: not all are readable zips
            pass
    for path in files((".safetensors",)):
        if os.path.getsize(path) <= MAX_SEED:
            with open(path, "rb") as f:
                put("safetensors", os.path.basename(path), f.read())

    k = 0
    for path in list(files((".pth", ".zip", ".npz"))) + [official]:
        if not os.path.exists(path):
            continue
        try:
            for stream, size in raw_deflate_streams(path):
                if len(stream) <= MAX_SEED:
                    put("inflate", "entry%03d" % k, struct.pack("<H", min(size, 65535)) + stream)
                    k += 1
        except Exception:
            pass
    samples = [b"", b"a", b"abc" * 1000, bytes(5000), bytes(range(256)) * 40,
               os.urandom(3000), b"The quick brown fox jumps over the lazy dog. " * 300]
    for i, s in enumerate(samples):
        for level in (0, 1, 6, 9):
            for strategy in (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY,
                             zlib.Z_RLE, zlib.Z_FIXED):
                c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
                stream = c.compress(s) + c.flush()
                put("inflate", "zlib_%d_%d_%d" % (i, level, strategy),
                    struct.pack("<H", min(len(s), 65535)) + stream)
    print(" ".join("%s: %d" % kv for kv in sorted(counts.items())))


if __name__ == "__main__":
    main()
