#!/usr/bin/python3
"""Test vectors for the C reference network, from torch ops written here (not our C code).

    /usr/bin/python3 tests/engine/make_engine_vectors.py

Writes tests/engine/data/<case>.npz (a few KB each; deterministic bytes), one tiny random
model per case, covering what the real checkpoints do not: SRVGG at x2/x3/x4 with 1x1 and
odd inputs, RRDBNet x4/x2/x1 with inputs that need the reflect pre-padding. Each holds
    meta    uint16 [6]  arch (1 RRDBNet, 2 SRVGG), scale, num_feat, num_grow_ch, num_block, num_conv
    input   float32 [3][h][w]  in [0, 1)
    output  float32 [3][h*s][w*s]  computed in float64 from the stored float32 weights
    <checkpoint key>  float16: every weight, bias and PReLU slope under its official name
                      (conv_first.weight, body.0.rdb1.conv1.bias, body.1.weight, ...); the
                      values are drawn on the float16 grid, so float32 holds them exactly
The forward passes follow basicsr's RRDBNet and Real-ESRGAN's SRVGGNetCompact and
inference script (reflect pad right/bottom to a multiple of the unshuffle factor, crop).
"""
import io
import math
import os
import zipfile

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')


def uniform(gen, shape, lo, hi):
    return torch.rand(shape, generator=gen, dtype=torch.float32) * (hi - lo) + lo


def uniform_f16(gen, shape, lo, hi):
    """Parameters: representable in float16 (halves the files), exact in float32."""
    return uniform(gen, shape, lo, hi).half().float()


def conv_params(gen, state, name, cin, cout):
    bound = math.sqrt(3.0 / (9 * cin))  # unit-variance-preserving, like tests/common/synthetic_model.c
    state[name + '.weight'] = uniform_f16(gen, (cout, cin, 3, 3), -bound, bound)
    state[name + '.bias'] = uniform_f16(gen, (cout,), -0.1, 0.1)


def srvgg_state(gen, scale, nf, num_conv):
    state = {}
    conv_params(gen, state, 'body.0', 3, nf)
    state['body.1.weight'] = uniform_f16(gen, (nf,), 0.0, 0.5)
    for k in range(1, num_conv + 1):
        conv_params(gen, state, f'body.{2 * k}', nf, nf)
        state[f'body.{2 * k + 1}.weight'] = uniform_f16(gen, (nf,), 0.0, 0.5)
    conv_params(gen, state, f'body.{2 * num_conv + 2}', nf, 3 * scale * scale)
    return state


def rrdb_state(gen, scale, nf, gc, nb):
    state = {}
    conv_params(gen, state, 'conv_first', 3 * (4 // scale) ** 2, nf)
    for b in range(nb):
        for r in range(1, 4):
            for k in range(1, 6):
                conv_params(gen, state, f'body.{b}.rdb{r}.conv{k}', nf + (k - 1) * gc, nf if k == 5 else gc)
    for name in ('conv_body', 'conv_up1', 'conv_up2', 'conv_hr'):
        conv_params(gen, state, name, nf, nf)
    conv_params(gen, state, 'conv_last', nf, 3)
    return state


def conv(state, name, x):
    return F.conv2d(x, state[name + '.weight'], state[name + '.bias'], padding=1)


def srvgg_forward(state, scale, num_conv, x):
    out = x
    for k in range(num_conv + 1):
        out = F.prelu(conv(state, f'body.{2 * k}', out), state[f'body.{2 * k + 1}.weight'])
    out = F.pixel_shuffle(conv(state, f'body.{2 * num_conv + 2}', out), scale)
    return out + F.interpolate(x, scale_factor=scale, mode='nearest')


def rrdb_forward(state, scale, nb, x):
    lrelu = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731
    if scale < 4:
        x = F.pixel_unshuffle(x, 4 // scale)
    feat = conv(state, 'conv_first', x)
    body = feat
    for b in range(nb):
        rrdb_in = body
        for r in range(1, 4):
            p = f'body.{b}.rdb{r}.conv'
            x1 = lrelu(conv(state, p + '1', body))
            x2 = lrelu(conv(state, p + '2', torch.cat((body, x1), 1)))
            x3 = lrelu(conv(state, p + '3', torch.cat((body, x1, x2), 1)))
            x4 = lrelu(conv(state, p + '4', torch.cat((body, x1, x2, x3), 1)))
            x5 = conv(state, p + '5', torch.cat((body, x1, x2, x3, x4), 1))
            body = x5 * 0.2 + body
        body = body * 0.2 + rrdb_in
    feat = feat + conv(state, 'conv_body', body)
    feat = lrelu(conv(state, 'conv_up1', F.interpolate(feat, scale_factor=2, mode='nearest')))
    feat = lrelu(conv(state, 'conv_up2', F.interpolate(feat, scale_factor=2, mode='nearest')))
    return conv(state, 'conv_last', lrelu(conv(state, 'conv_hr', feat)))


def upscale(arch, state, scale, shape, img):
    """Real-ESRGAN's pre_process / process / post_process on one [3][h][w] image, float64."""
    x = torch.from_numpy(img).double().unsqueeze(0)
    state = {k: v.double() for k, v in state.items()}
    h, w = img.shape[1:]
    u = 4 // scale if arch == 'rrdb' else 1
    pad_h, pad_w = (u - h % u) % u, (u - w % u) % u
    if pad_h or pad_w:
        x = F.pad(x, (0, pad_w, 0, pad_h), 'reflect')
    with torch.no_grad():
        if arch == 'rrdb':
            out = rrdb_forward(state, scale, shape['num_block'], x)
        else:
            out = srvgg_forward(state, scale, shape['num_conv'], x)
    return out[0, :, :h * scale, :w * scale].numpy().astype(np.float32)


def save_npz(path, arrays):
    """savez_compressed's layout with a fixed date, so reruns are byte-identical."""
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            member = zipfile.ZipInfo(key + '.npy', date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, buffer.getvalue())
    print(f'  {os.path.relpath(path)}  {os.path.getsize(path)} bytes')


# name, arch, scale, shape, (w, h)
CASES = [
    ('srvgg_x4_f8_c2_7x5', 'srvgg', 4, dict(num_feat=8, num_conv=2), (7, 5)),
    ('srvgg_x3_f8_c1_4x3', 'srvgg', 3, dict(num_feat=8, num_conv=1), (4, 3)),
    ('srvgg_x2_f16_c2_1x1', 'srvgg', 2, dict(num_feat=16, num_conv=2), (1, 1)),
    ('rrdb_x4_f8_g4_b1_6x5', 'rrdb', 4, dict(num_feat=8, num_grow_ch=4, num_block=1), (6, 5)),
    ('rrdb_x2_f8_g4_b1_7x5', 'rrdb', 2, dict(num_feat=8, num_grow_ch=4, num_block=1), (7, 5)),
    ('rrdb_x2_f8_g4_b1_3x2', 'rrdb', 2, dict(num_feat=8, num_grow_ch=4, num_block=1), (3, 2)),
    ('rrdb_x1_f8_g4_b1_6x5', 'rrdb', 1, dict(num_feat=8, num_grow_ch=4, num_block=1), (6, 5)),
    ('rrdb_x1_f8_g4_b1_8x4', 'rrdb', 1, dict(num_feat=8, num_grow_ch=4, num_block=1), (8, 4)),
]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for index, (name, arch, scale, shape, (w, h)) in enumerate(CASES):
        gen = torch.Generator().manual_seed(1000 + index)
        if arch == 'srvgg':
            state = srvgg_state(gen, scale, shape['num_feat'], shape['num_conv'])
        else:
            state = rrdb_state(gen, scale, shape['num_feat'], shape['num_grow_ch'], shape['num_block'])
        img = uniform(gen, (3, h, w), 0.0, 1.0).numpy()
        meta = np.array([1 if arch == 'rrdb' else 2, scale, shape['num_feat'], shape.get('num_grow_ch', 0),
                         shape.get('num_block', 0), shape.get('num_conv', 0)], dtype=np.uint16)
        arrays = {'meta': meta, 'input': img, 'output': upscale(arch, state, scale, shape, img)}
        arrays.update({k: v.half().numpy() for k, v in state.items()})
        save_npz(os.path.join(OUT_DIR, name + '.npz'), arrays)


if __name__ == '__main__':
    main()
