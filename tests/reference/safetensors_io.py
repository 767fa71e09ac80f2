"""Read and write .safetensors files with numpy only (no `safetensors` package here).

Format: u64 little-endian header length N, N bytes of JSON
{name: {"dtype": "F32"|"F16"|"BF16", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}},
then the tensor bytes, offsets relative to the end of the header. The header is padded with
spaces to a multiple of 8 bytes, as the reference writer does.

numpy has no bfloat16: BF16 tensors are exchanged as uint16 bit patterns (see bf16_bits_to_f32).
"""
import json
import struct

import numpy as np

_NUMPY_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"), "F64": np.dtype("<f8")}


def bf16_bits_to_f32(bits):
    """uint16 bfloat16 bit patterns -> float32 (exact: bf16 is the top half of an f32)."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16_bits(values):
    """float32 -> uint16 bfloat16 bit patterns, round to nearest even (finite inputs)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounding = 0x7FFF + ((bits >> 16) & 1)
    return ((bits + rounding) >> 16).astype(np.uint16)


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (dtype string, numpy array)}; BF16 arrays are uint16 bit patterns."""
    header = {}
    blobs = []
    offset = 0
    # widest dtype first, then by name (as the reference writer does): every tensor stays aligned
    for name in sorted(tensors, key=lambda n: (-_NUMPY_DTYPES[tensors[n][0]].itemsize, n)):
        dtype, array = tensors[name]
        data = np.ascontiguousarray(array, dtype=_NUMPY_DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def read_safetensors(path):
    """-> ({name: float32 numpy array}, metadata dict). Only the dtypes this project uses."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_len,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + header_len])
    data = memoryview(raw)[8 + header_len:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=_NUMPY_DTYPES[info["dtype"]]).reshape(info["shape"])
        if info["dtype"] == "BF16":
            array = bf16_bits_to_f32(array)
        tensors[name] = array.astype(np.float32)
    return tensors, metadata
