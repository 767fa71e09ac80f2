#!/usr/bin/python3
"""Writes the checkpoint fixtures of tests/models/test_loader.c into tests/models/data/.

Run with Debian's /usr/bin/python3 (it has torch 1.13):

    /usr/bin/python3 tests/models/make_test_models.py

Three kinds of files:
  * real checkpoints written by torch.save (fp32/fp16/bf16 storages, params_ema / params /
    bare dicts, a re-zipped deflated copy with another root name, a DataParallel prefix)
    and .safetensors equivalents, with the values torch reads in expected.npz;
  * semantic errors written by torch.save too (missing/extra keys, wrong shape, int64,
    NaN, Inf, unknown architecture, legacy format);
  * hostile files crafted byte by byte (malicious pickle globals, opcodes, zip bombs,
    overflowing sizes, broken zip structures, broken safetensors headers).
Deterministic (fixed seeds and zip timestamps) except err_legacy.pth, whose legacy format
embeds Python object ids. Total size is kept under 2 MB.
"""
import collections
import io
import json
import os
import struct
import sys
import zipfile
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")
OFFICIAL = os.path.join(HERE, "..", "..", "..", "shared", "models", "realesr-animevideov3.pth")
PWNED = "/tmp/resr_pickle_pwned"  # what the malicious payloads would create

expected = {}  # npz key -> float32 array


# ---------------------------------------------------------------- the two networks (basicsr names)

def lrelu(x):
    return F.leaky_relu(x, 0.2)


class ResidualDenseBlock(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
        self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)

    def forward(self, x):
        x1 = lrelu(self.conv1(x))
        x2 = lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(nf, gc)
        self.rdb2 = ResidualDenseBlock(nf, gc)
        self.rdb3 = ResidualDenseBlock(nf, gc)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    def __init__(self, scale, nf, nb, gc):
        super().__init__()
        self.scale = scale
        in_ch = 3 * {4: 1, 2: 4, 1: 16}[scale]
        self.conv_first = nn.Conv2d(in_ch, nf, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)

    def forward(self, x):
        u = 4 // self.scale
        feat = self.conv_first(F.pixel_unshuffle(x, u) if u > 1 else x)
        feat = feat + self.conv_body(self.body(feat))
        feat = lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(lrelu(self.conv_hr(feat)))


class SRVGGNetCompact(nn.Module):
    def __init__(self, scale, nf, num_conv):
        super().__init__()
        self.scale = scale
        body = [nn.Conv2d(3, nf, 3, 1, 1), nn.PReLU(num_parameters=nf)]
        for _ in range(num_conv):
            body += [nn.Conv2d(nf, nf, 3, 1, 1), nn.PReLU(num_parameters=nf)]
        body.append(nn.Conv2d(nf, 3 * scale * scale, 3, 1, 1))
        self.body = nn.ModuleList(body)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        out = F.pixel_shuffle(out, self.scale)
        return out + F.interpolate(x, scale_factor=self.scale, mode="nearest")


def empirical_radius(model, u, width=320):
    """Largest horizontal distance, in input pixels, between a perturbed input pixel and
    the input pixel under an output pixel that changes (measured, float64, every phase)."""
    model = model.double().eval()
    g = torch.Generator().manual_seed(99)
    x = torch.rand(1, 3, 4 * u, width, generator=g, dtype=torch.float64)
    radius = 0
    with torch.no_grad():
        base = model(x)
        for p in range(width // 2, width // 2 + 4):
            y = x.clone()
            y[..., p] += 1.0
            changed = ((model(y) - base).abs().amax(dim=(0, 1, 2)) > 0).nonzero().flatten()
            assert 0 < changed.min() and changed.max() < base.shape[-1] - 1, "widen the input"
            centers = changed // model.scale
            radius = max(radius, int((centers - p).abs().max()))
    return radius


def randomized(model, seed):
    """Every parameter random (PReLU slopes too, so a mix-up of tensors cannot pass)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    return model


def rrdb(scale=4, seed=1, nb=1, stem=None):
    model = randomized(RRDBNet(scale, nf=8, nb=nb, gc=4), seed)
    if stem:
        expected[f"radius/{stem}"] = np.array([empirical_radius(model, 4 // scale)], np.float32)
    return model.float().state_dict()


def srvgg(scale=4, seed=2, num_conv=3, stem=None):
    model = randomized(SRVGGNetCompact(scale, nf=8, num_conv=num_conv), seed)
    if stem:
        expected[f"radius/{stem}"] = np.array([empirical_radius(model, 1)], np.float32)
    return model.float().state_dict()


def cast(sd, dtype):
    out = collections.OrderedDict((k, v.to(dtype)) for k, v in sd.items())
    out._metadata = getattr(sd, "_metadata", None)
    return out


def record(stem, sd):
    """expected.npz holds what torch reads back, as float32, under '<stem>/<tensor>'."""
    for k, v in sd.items():
        expected[f"{stem}/{k}"] = v.float().numpy()


def path(name):
    return os.path.join(OUT, name)


def save(name, obj, **kw):
    torch.save(obj, path(name), **kw)


# ---------------------------------------------------------------- zip building

def rezip(src, dst, root, method=zipfile.ZIP_DEFLATED, extra=None):
    """Copies a torch zip under another root folder (as the official file was repacked)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", method) as zout:
        for info in zin.infolist():
            rel = info.filename.split("/", 1)[1]
            zi = zipfile.ZipInfo(f"{root}/{rel}", date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = method
            zout.writestr(zi, zin.read(info))
        for rel, data in (extra or {}).items():
            zi = zipfile.ZipInfo(f"{root}/{rel}", date_time=(2024, 1, 1, 0, 0, 0))
            zout.writestr(zi, data)


def zip_bytes(entries, zip64=False, eocd_patch=None):
    """A zip written field by field, so that every field can lie. Each entry is a dict:
    name, data, and optionally method (0/8), size, comp_size, crc, flags, local_name,
    offset (central header's local header offset), zip64_extra (dict of overrides written
    as a zip64 extra field with 0xffffffff placeholders in the header)."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        raw = e["data"]
        method = e.get("method", 0)
        if method == 8:
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            comp = co.compress(raw) + co.flush()
        else:
            comp = raw
        comp = e.get("comp_data", comp)
        crc = e.get("crc", zlib.crc32(raw))
        size = e.get("size", len(raw))
        csize = e.get("comp_size", len(comp))
        flags = e.get("flags", 0)
        name = e["name"].encode()
        lname = e.get("local_name", e["name"]).encode()
        offset = e.get("offset", len(out))
        z64 = e.get("zip64_extra")
        extra = b""
        size32, csize32, offset32 = size, csize, offset
        if z64 is not None:
            fields = b""
            if "size" in z64:
                fields += struct.pack("<Q", z64["size"]); size32 = 0xFFFFFFFF
            if "comp_size" in z64:
                fields += struct.pack("<Q", z64["comp_size"]); csize32 = 0xFFFFFFFF
            if "offset" in z64:
                fields += struct.pack("<Q", z64["offset"]); offset32 = 0xFFFFFFFF
            extra = struct.pack("<HH", 1, len(fields)) + fields
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21,
                           crc, csize32, size32, len(lname), 0) + lname + comp
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, 0, 0x21,
                               crc, csize32, size32, len(name), len(extra), 0, 0, 0, 0,
                               offset32) + name + extra
    cd_offset = len(out)
    out += central
    n = len(entries)
    eocd = {"count": n, "cd_size": len(central), "cd_offset": cd_offset}
    eocd.update(eocd_patch or {})
    if zip64:
        z64_offset = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, eocd["count"],
                           eocd["count"], eocd["cd_size"], eocd["cd_offset"])
        out += struct.pack("<IIQI", 0x07064B50, 0, eocd.get("z64_offset", z64_offset), 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                           0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, eocd["count"], eocd["count"],
                           eocd["cd_size"], eocd["cd_offset"], 0)
    return bytes(out)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- pickles by hand

class Pickle:
    """Emits pickle opcodes one by one, for files the pickle module would never write."""

    def __init__(self, proto=2):
        self.b = bytearray(b"\x80" + bytes([proto]))

    def raw(self, b):
        self.b += b
        return self

    def mark(self):         return self.raw(b"(")
    def tuple(self):        return self.raw(b"t")
    def empty_tuple(self):  return self.raw(b")")
    def empty_dict(self):   return self.raw(b"}")
    def setitem(self):      return self.raw(b"s")
    def setitems(self):     return self.raw(b"u")
    def reduce(self):       return self.raw(b"R")
    def build(self):        return self.raw(b"b")
    def binpersid(self):    return self.raw(b"Q")
    def false(self):        return self.raw(b"\x89")
    def stop(self):         return self.raw(b".")

    def str(self, s):
        d = s.encode()
        return self.raw(b"X" + struct.pack("<I", len(d)) + d)

    def int(self, v):
        if 0 <= v < 256:
            return self.raw(b"K" + bytes([v]))
        if 0 <= v < 65536:
            return self.raw(b"M" + struct.pack("<H", v))
        if -2**31 <= v < 2**31:
            return self.raw(b"J" + struct.pack("<i", v))
        n = (v.bit_length() + 8) // 8
        return self.raw(b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True))

    def long1(self, v):
        n = (v.bit_length() + 8) // 8
        return self.raw(b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True))

    def glob(self, module, name):
        return self.raw(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def ordered_dict(self):
        return self.glob("collections", "OrderedDict").empty_tuple().reduce()

    def tensor(self, key, numel, shape, stride=None, offset=0, storage="FloatStorage",
               key_as_long=False):
        if stride is None:
            stride, acc = [], 1
            for s in reversed(shape):
                stride.insert(0, acc)
                acc *= s
        self.glob("torch._utils", "_rebuild_tensor_v2").mark()
        self.mark().str("storage").glob("torch", storage)
        self.long1(key) if key_as_long else self.str(str(key))
        self.str("cpu").int(numel).tuple().binpersid()
        self.int(offset)
        self.mark()
        for s in shape:
            self.int(s)
        self.tuple().mark()
        for s in stride:
            self.int(s)
        self.tuple().false().ordered_dict().tuple().reduce()
        return self


def crafted_srvgg(seed=3):
    """A tiny valid SRVGG state dict as (name, float32 array) pairs."""
    sd = srvgg(scale=2, seed=seed, num_conv=1)
    return [(k, v.numpy().astype(np.float32)) for k, v in sd.items()]


def crafted_pth(tensors, root="crafted", container="params", key_as_long=False,
                tweak=None, extra_entries=None, pickle_bytes=None, proto=2):
    """A .pth whose data.pkl we write by hand. tweak(i, name, kwargs) may alter a tensor's
    pickle fields; tensors are float32 arrays stored one per storage."""
    p = Pickle(proto)
    p.empty_dict()
    if container:
        p.str(container)
    p.ordered_dict().mark()
    entries = []
    for i, (name, arr) in enumerate(tensors):
        key = 94173430572560 + i if key_as_long else i
        kw = dict(key=key, numel=arr.size, shape=list(arr.shape), key_as_long=key_as_long)
        if tweak:
            tweak(i, name, kw)
        p.str(name).tensor(**kw)
        entries.append({"name": f"{root}/data/{key}", "data": arr.astype("<f4").tobytes()})
    p.setitems()
    p.empty_dict().str("_metadata").ordered_dict().setitem().build()
    if container:
        p.setitem()
    p.stop()
    pkl = bytes(p.b) if pickle_bytes is None else pickle_bytes
    files = [{"name": f"{root}/data.pkl", "data": pkl}] + entries + \
            [{"name": f"{root}/version", "data": b"3\n"}] + (extra_entries or [])
    return files


def evil_pickle(payload):
    return crafted_pth([], pickle_bytes=payload)


# ---------------------------------------------------------------- safetensors by hand

def safetensors_bytes(tensors, dtype="F32", metadata=None, header_override=None, pad=True):
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t in tensors:
        if dtype == "F32":
            b = t.float().numpy().astype("<f4").tobytes()
        elif dtype == "F16":
            b = t.half().numpy().astype("<f2").tobytes()
        else:  # BF16: the top half of each float32 (torch's own rounding done by .bfloat16())
            b = t.bfloat16().view(torch.int16).numpy().astype("<i2").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = header_override if header_override is not None else json.dumps(header).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


# ---------------------------------------------------------------- the fixtures

def good_files():
    sd = rrdb(4, seed=1, nb=2, stem="rrdb_x4_f32")
    save("rrdb_x4_f32.pth", {"params_ema": sd})
    record("rrdb_x4_f32", sd)

    sd = cast(rrdb(2, seed=4, stem="rrdb_x2_f16"), torch.float16)
    save("rrdb_x2_f16.pth", {"params": sd})
    record("rrdb_x2_f16", sd)

    sd = cast(rrdb(1, seed=5, stem="rrdb_x1_bf16_bare"), torch.bfloat16)
    save("rrdb_x1_bf16_bare.pth", sd)
    record("rrdb_x1_bf16_bare", sd)

    sd = srvgg(4, seed=6, stem="srvgg_x4_f32")
    save("srvgg_x4_f32.pth", {"params": sd})
    record("srvgg_x4_f32", sd)

    # both containers: the loader must take params_ema, whose values differ
    ema, plain = srvgg(3, seed=7), srvgg(3, seed=8)
    save("srvgg_x3_both.pth", {"params": plain, "params_ema": ema})
    record("srvgg_x3_both", ema)

    # repacked with deflate under another root name, as the official checkpoint is
    sd = srvgg(2, seed=9, num_conv=2, stem="srvgg_x2_deflated")
    save("tmp.pth", {"params": sd})
    rezip(path("tmp.pth"), path("srvgg_x2_deflated.pth"), "my-model.v2")
    record("srvgg_x2_deflated", sd)

    # nn.DataParallel keys
    sd = collections.OrderedDict(("module." + k, v) for k, v in srvgg(4, seed=10).items())
    save("srvgg_x4_module_prefix.pth", {"params": sd})
    record("srvgg_x4_module_prefix", sd)

    # a pickle we wrote ourselves: long-integer storage keys, zip64 end record
    tensors = crafted_srvgg(seed=11)
    write("crafted_long_keys.pth", zip_bytes(crafted_pth(tensors, key_as_long=True), zip64=True))
    for k, v in tensors:
        expected[f"crafted_long_keys/{k}"] = v

    # safetensors equivalents
    sd = rrdb(4, seed=12)
    write("rrdb_x4_f32.safetensors", safetensors_bytes(sd.items(), "F32",
                                                       metadata={"format": "pt"}))
    record("rrdb_x4_f32_st", sd)
    sd = srvgg(4, seed=13)
    write("srvgg_x4_f16.safetensors", safetensors_bytes(sd.items(), "F16"))
    record("srvgg_x4_f16_st", cast(sd, torch.float16))
    sd = srvgg(2, seed=14)
    write("srvgg_x2_bf16.safetensors", safetensors_bytes(sd.items(), "BF16",
                                                         metadata={"a\"b": "c\\u00e9"}))
    record("srvgg_x2_bf16_st", cast(sd, torch.bfloat16))
    os.remove(path("tmp.pth"))


def semantic_errors():
    sd = srvgg(4, seed=20)

    bad = collections.OrderedDict(sd)
    del bad["body.3.weight"]
    save("err_missing_key.pth", {"params": bad})

    bad = collections.OrderedDict(sd)
    bad["foo.weight"] = torch.zeros(3)
    save("err_extra_key.pth", {"params": bad})

    bad = collections.OrderedDict(rrdb(4, seed=21))
    bad["body.0.rdb1.conv3.weight"] = torch.zeros(4, 12, 3, 3)
    save("err_wrong_shape.pth", {"params_ema": bad})

    bad = collections.OrderedDict(sd)
    bad["body.0.bias"] = torch.arange(8, dtype=torch.int64)
    save("err_int64.pth", {"params": bad})

    bad = collections.OrderedDict(sd)
    w = bad["body.2.weight"].clone()
    w[1, 2, 0, 1] = float("nan")
    bad["body.2.weight"] = w
    save("err_nan.pth", {"params": bad})

    bad = cast(sd, torch.float16)
    b = bad["body.4.bias"].clone()
    b[3] = float("inf")
    bad["body.4.bias"] = b
    save("err_inf_f16.pth", {"params": bad})

    other = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4, 2))
    save("err_unknown_arch.pth", other.state_dict())

    save("err_not_a_dict.pth", torch.zeros(3))
    save("err_legacy.pth", {"params": sd}, _use_new_zipfile_serialization=False)

    bad = collections.OrderedDict(sd)
    bad["body.4.weight"] = torch.zeros(8)  # a PReLU's shape where a conv belongs
    save("err_conv_shape.pth", {"params": bad})

    save("tmp.pth", {"params": sd})
    rezip(path("tmp.pth"), path("err_big_endian.pth"), "be", zipfile.ZIP_STORED,
          extra={"byteorder": b"big"})
    os.remove(path("tmp.pth"))


def hostile_pickles():
    touch = f"touch {PWNED}"
    # what pickle.dumps really emits for a class whose __reduce__ returns os.system
    class Evil:
        def __reduce__(self):
            return (os.system, (touch,))
    write("evil_posix_system.pth", zip_bytes(evil_pickle(
        __import__("pickle").dumps({"params": Evil()}, protocol=2))))

    p = Pickle().glob("os", "system").str(touch).raw(b"\x85").reduce().stop()
    write("evil_os_system.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().glob("builtins", "eval").str(f"__import__('os').system('{touch}')")
    p.raw(b"\x85").reduce().stop()
    write("evil_builtins_eval.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle(4)
    p.raw(b"\x8c\x0asubprocess\x94\x8c\x0acheck_call\x94\x93\x94")
    p.mark().str("touch").str(PWNED).raw(b"l\x85").reduce().stop()
    write("evil_stack_global.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().mark().str(touch).raw(b"ios\nsystem\n").stop()
    write("evil_inst.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().glob("collections", "OrderedDict").empty_tuple().raw(b"\x81").stop()
    write("evil_newobj.pth", zip_bytes(evil_pickle(bytes(p.b))))

    # an allowed callable fed to REDUCE with the wrong things
    p = Pickle().glob("torch", "FloatStorage").empty_tuple().reduce().stop()
    write("evil_reduce_storage.pth", zip_bytes(evil_pickle(bytes(p.b))))
    p = Pickle().glob("torch._utils", "_rebuild_tensor_v2").str("x").raw(b"\x85").reduce().stop()
    write("evil_rebuild_args.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().empty_dict().str("x").raw(b"\xff").stop()
    write("evil_unknown_opcode.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().empty_dict().raw(b"(" * 300).stop()
    write("evil_deep_marks.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().raw(b"\x8b" + struct.pack("<I", 1000) + b"\x01" * 1000).stop()
    write("evil_huge_long.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().raw(b"h\x07").stop()
    write("evil_memo_unset.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().raw(b"s").stop()
    write("evil_stack_underflow.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().empty_dict().str("params")
    write("evil_no_stop.pth", zip_bytes(evil_pickle(bytes(p.b))))

    p = Pickle().empty_dict().raw(b"r" + struct.pack("<I", 0xFFFFFFF0)).stop()
    write("evil_memo_huge.pth", zip_bytes(evil_pickle(bytes(p.b))))

    # semantic lies inside an otherwise valid state dict
    t = crafted_srvgg(seed=30)

    def tw(target, **changes):
        def f(i, name, kw):
            if name == target:
                kw.update(changes)
        return f

    write("evil_shape_overflow.pth", zip_bytes(crafted_pth(
        t, tweak=tw("body.2.weight", shape=[2**40, 2**40, 2**40], stride=[0, 0, 0]))))
    write("evil_offset_past_end.pth", zip_bytes(crafted_pth(
        t, tweak=tw("body.0.bias", offset=5))))
    write("evil_noncontiguous.pth", zip_bytes(crafted_pth(
        t, tweak=tw("body.2.weight", stride=[1, 8, 64, 192]))))
    write("evil_numel_lie.pth", zip_bytes(crafted_pth(
        t, tweak=tw("body.1.weight", numel=100, shape=[100]))))
    write("evil_long_storage.pth", zip_bytes(crafted_pth(
        t, tweak=tw("body.1.weight", storage="LongStorage"))))

    def missing_storage(i, name, kw):
        if name == "body.3.weight":
            kw["key"] = 999
    write("evil_missing_storage.pth", zip_bytes(crafted_pth(t, tweak=missing_storage)))

    # 300 views of one 4 MiB storage: 315 M parameters from a 40 KB file
    p = Pickle().empty_dict().str("params").ordered_dict().mark()
    for i in range(300):
        p.str(f"t{i}").tensor(key=0, numel=1 << 20, shape=[1 << 20])
    p.setitems().setitem().stop()
    write("evil_param_flood.pth", zip_bytes(crafted_pth([], pickle_bytes=bytes(p.b)) + [
        {"name": "crafted/data/0", "data": bytes(4 << 20), "method": 8}]))

    dup = t + [t[0]]
    write("evil_duplicate_tensor.pth", zip_bytes(crafted_pth(dup)))

    p = Pickle().empty_dict().str("params_ema").empty_dict().setitem()
    p.str("params_ema").empty_dict().setitem().stop()
    write("evil_duplicate_container.pth", zip_bytes(evil_pickle(bytes(p.b))))


def hostile_zips():
    good = crafted_pth(crafted_srvgg(seed=40))
    write("zip_crafted_ok.pth", zip_bytes(good))  # the baseline the others distort

    # zip bomb: 4 GiB declared from a few hundred compressed bytes
    bomb = [dict(e) for e in good]
    bomb[1].update(method=8, data=bytes(1 << 20), size=0xFFFFFFF0)
    write("zip_bomb_declared.pth", zip_bytes(bomb))
    # within deflate's ratio, but the stream holds more than declared
    bomb = [dict(e) for e in good]
    bomb[1].update(method=8, data=bytes(1 << 20), size=4096)
    write("zip_bomb_stream.pth", zip_bytes(bomb))

    z = [dict(e) for e in good]
    z[1]["zip64_extra"] = {"comp_size": 0xFFFFFFFFFFFFFFF0}
    write("zip_size_overflow.pth", zip_bytes(z))
    z = [dict(e) for e in good]
    z[1]["zip64_extra"] = {"offset": 0xFFFFFFFFFFFFFF00}
    write("zip_offset_overflow.pth", zip_bytes(z))
    z = [dict(e) for e in good]
    z[1]["zip64_extra"] = {}  # placeholder fields without their values
    z[1]["comp_size"] = 0xFFFFFFFF
    write("zip_zip64_missing.pth", zip_bytes(z))
    write("zip_cd_overflow.pth", zip_bytes(good, zip64=True,
                                           eocd_patch={"cd_offset": 0xFFFFFFFFFFFFFFF0}))
    write("zip_count_lie.pth", zip_bytes(good, eocd_patch={"count": 5000}))

    z = [dict(e) for e in good]
    z[2]["crc"] = z[2].get("crc", zlib.crc32(z[2]["data"])) ^ 0x10
    write("zip_bad_crc.pth", zip_bytes(z))
    z = [dict(e) for e in good]
    z[2]["local_name"] = z[2]["name"][:-1] + "X"
    write("zip_local_name.pth", zip_bytes(z))
    z = [dict(e) for e in good]
    z[1]["method"] = 12
    write("zip_bzip2.pth", zip_bytes(z))
    z = [dict(e) for e in good]
    z[1]["flags"] = 1
    write("zip_encrypted.pth", zip_bytes(z))
    z = [dict(e) for e in good] + [dict(good[1])]
    write("zip_duplicate_entry.pth", zip_bytes(z))
    z = [dict(e) for e in good]
    z[1].update(method=8, comp_data=b"\xff\xff\xff\xff")  # block type 3
    write("zip_corrupt_deflate.pth", zip_bytes(z))
    z = [dict(e) for e in good if not e["name"].endswith("data.pkl")]
    write("zip_no_pickle.pth", zip_bytes(z))


def hostile_safetensors():
    sd = srvgg(4, seed=50)
    good = safetensors_bytes(sd.items(), "F32")
    hlen = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8:8 + hlen])

    def with_header(h, data=None):
        hb = json.dumps(h).encode()
        return struct.pack("<Q", len(hb)) + hb + (good[8 + hlen:] if data is None else data)

    write("st_truncated_header.safetensors", struct.pack("<Q", 1 << 20) + b'{"a":')
    h = json.loads(json.dumps(header))
    h["body.0.weight"]["data_offsets"][1] += 10**9
    write("st_offset_past_end.safetensors", with_header(h))
    h = json.loads(json.dumps(header))
    h["body.0.bias"]["dtype"] = "I64"
    h["body.0.bias"]["shape"] = [4]
    write("st_int64.safetensors", with_header(h))
    h = json.loads(json.dumps(header))
    h["body.2.weight"]["shape"] = [2**40, 2**40, 2**40]
    write("st_shape_overflow.safetensors", with_header(h))
    h = json.loads(json.dumps(header))
    h["body.2.weight"]["shape"] = [8, 8, 3, 2]
    write("st_size_mismatch.safetensors", with_header(h))
    raw = json.dumps(header).encode()
    first = list(header)[0]
    dup = raw[:-1] + b', "' + first.encode() + b'": ' + json.dumps(header[first]).encode() + b"}"
    write("st_duplicate.safetensors", struct.pack("<Q", len(dup)) + dup + good[8 + hlen:])
    bad = raw[:-1] + b', "__metadata__": ' + b"[" * 100 + b"]" * 100 + b"}"
    write("st_deep.safetensors", struct.pack("<Q", len(bad)) + bad + good[8 + hlen:])
    bad = b'{"body.0.weight": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "x\x01": 1}'
    write("st_control_char.safetensors", struct.pack("<Q", len(bad)) + bad + bytes(4))


class BitWriter:
    """LSB-first bit packing, as deflate streams are written."""

    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def bits(self, value, count):
        self.acc |= value << self.n
        self.n += count
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def huffman(self, code, length):  # Huffman codes go most significant bit first
        self.bits(int(format(code, f"0{length}b")[::-1], 2), length)

    def align(self):
        if self.n:
            self.bits(0, 8 - self.n)

    def done(self):
        self.align()
        return bytes(self.out)


def far_match_stream(history, distance):
    """A stored block of history, then a fixed-Huffman block copying 258 bytes from
    distance back (zlib's encoder never reaches further than 32506)."""
    w = BitWriter()
    w.bits(0, 1)
    w.bits(0, 2)
    w.align()
    w.bits(len(history), 16)
    w.bits(len(history) ^ 0xFFFF, 16)
    w.out += history
    w.bits(1, 1)
    w.bits(1, 2)
    w.huffman(0b11000101, 8)  # symbol 285: length 258
    w.huffman(29, 5)          # distance code 29: 24577 + 13 extra bits
    w.bits(distance - 24577, 13)
    w.huffman(0, 7)           # end of block
    return w.done()


def inflate_vectors():
    """Raw deflate streams zlib wrote with each strategy, beside the data they encode.
    The raw/ entries are deflated by Python's zipfile, so their CRC-32 (computed by zlib)
    also checks our decoder. bad/ streams must be refused."""
    rng = np.random.default_rng(0)
    text = (b"Real-ESRGAN upscales frames; the quick brown fox jumps over the lazy dog. " * 300)
    rnd = rng.integers(0, 256, 6000, dtype=np.uint8).tobytes()
    near = rng.integers(0, 256, 32000, dtype=np.uint8).tobytes()
    near = near + near[:400]  # a match 32000 bytes back
    mixed = b"".join(text[i:i + 97] + rnd[i % 5000:i % 5000 + 31] for i in range(0, 20000, 97))
    weights = torch.cat([v.flatten() for v in srvgg(4, seed=60).values()]).numpy().tobytes()[:8192]
    history = rng.integers(0, 256, 32768, dtype=np.uint8).tobytes()

    all_strategies = [("l0", 0, zlib.Z_DEFAULT_STRATEGY), ("l1", 1, zlib.Z_DEFAULT_STRATEGY),
                      ("l6", 6, zlib.Z_DEFAULT_STRATEGY), ("l9", 9, zlib.Z_DEFAULT_STRATEGY),
                      ("fixed", 9, zlib.Z_FIXED), ("huffman", 9, zlib.Z_HUFFMAN_ONLY),
                      ("rle", 9, zlib.Z_RLE)]
    few = [s for s in all_strategies if s[0] in ("l6", "fixed", "huffman")]
    data = {  # name: (raw bytes, strategies)
        "empty": (b"", all_strategies), "one": (b"x", all_strategies),
        "text": (text, all_strategies), "zeros": (bytes(100000), all_strategies),
        "mixed": (mixed, all_strategies), "random": (rnd, few), "weights": (weights, few),
        "near_distance": (near, few[:1]),
    }
    with zipfile.ZipFile(path("inflate_vectors.zip"), "w") as z:
        def put(name, payload, method):
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            z.writestr(zi, payload, compress_type=method, compresslevel=9)

        for name, (raw, strategies) in data.items():
            put(f"raw/{name}", raw, zipfile.ZIP_DEFLATED)
            for sname, level, strategy in strategies:
                co = zlib.compressobj(level, zlib.DEFLATED, -15, 8, strategy)
                # a sync flush mid-way adds an empty stored block and a block boundary
                mid = len(raw) // 3
                comp = co.compress(raw[:mid]) + co.flush(zlib.Z_SYNC_FLUSH) + \
                    co.compress(raw[mid:]) + co.flush()
                assert zlib.decompress(comp, -15) == raw
                put(f"deflate/{name}.{sname}", comp, zipfile.ZIP_STORED)

        far = far_match_stream(history, 32768)
        raw = history + history[:258]
        assert zlib.decompress(far, -15) == raw
        put("raw/max_distance", raw, zipfile.ZIP_DEFLATED)
        put("deflate/max_distance.handmade", far, zipfile.ZIP_STORED)
        # the same copy with one byte less of history: distance too far back
        put("bad/too_far", far_match_stream(history[1:], 32768), zipfile.ZIP_STORED)
        put("bad/block_type_3", b"\x07\x00", zipfile.ZIP_STORED)
        put("bad/stored_nlen", b"\x01\x05\x00\x00\x00hello", zipfile.ZIP_STORED)


def npz_fixture():
    a = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3
    b = (np.arange(10, dtype=np.float32) / 8).astype(np.float16)
    c = np.arange(256, dtype=np.uint8).reshape(16, 16)
    d = (np.arange(12, dtype=np.uint16) * 5000).reshape(3, 4)
    np.savez_compressed(path("npy_test.npz"), f32=a, f16=b, u8=c, u16=d)
    np.savez(path("npy_test_stored.npz"), f32=a, f64=a.astype(np.float64),
             fortran=np.asfortranarray(a))


def official_expected():
    if not os.path.exists(OFFICIAL):
        print("note: official model not found, skipping its expected values", file=sys.stderr)
        return
    sd = torch.load(OFFICIAL, map_location="cpu")["params"]
    for k in ("body.0.weight", "body.1.weight", "body.33.weight", "body.34.bias"):
        expected[f"official/{k}"] = sd[k].float().numpy()
    for k, v in sd.items():  # the sum of every tensor, accumulated in float64
        expected[f"official_sum/{k}"] = np.array([v.double().sum().item()], dtype=np.float32)
    expected["official_count"] = np.array([len(sd), sum(v.numel() for v in sd.values())],
                                          dtype=np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    good_files()
    semantic_errors()
    hostile_pickles()
    hostile_zips()
    hostile_safetensors()
    inflate_vectors()
    npz_fixture()
    official_expected()
    np.savez_compressed(path("expected.npz"), **expected)
    total = sum(os.path.getsize(path(f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, into {OUT}")


if __name__ == "__main__":
    main()
