#!/usr/bin/python3
"""PyTorch CPU speed of the same networks bench_network.c runs, for comparison.

    /usr/bin/python3 tests/engine/bench_torch.py [srvgg|rrdb] [-s WxH] [-t threads] [-r runs]

The modules are the official architectures (Real-ESRGAN SRVGGNetCompact, basicsr RRDBNet)
written out with torch.nn, random weights; inference_mode, channels_last, best of runs.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SRVGGNetCompact(nn.Module):
    def __init__(self, num_feat=64, num_conv=16, upscale=4):
        super().__init__()
        self.upscale = upscale
        body = [nn.Conv2d(3, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            body += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        body.append(nn.Conv2d(num_feat, 3 * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(body)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        out = self.upsampler(out)
        return out + F.interpolate(x, scale_factor=self.upscale, mode='nearest')


class ResidualDenseBlock(nn.Module):
    def __init__(self, nf=64, gc=32):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
        self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
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
    def __init__(self, nf=64, gc=32, nb=23):
        super().__init__()
        self.conv_first = nn.Conv2d(3, nf, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode='nearest')))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode='nearest')))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


def conv_flops(model, x):
    """2 * multiply-adds of every Conv2d, measured with forward hooks."""
    total = [0]

    def hook(module, inputs, output):
        total[0] += 2 * output.numel() * module.in_channels * 9

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.inference_mode():
        model(x)
    for h in handles:
        h.remove()
    return total[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('arch', nargs='?', default='srvgg', choices=['srvgg', 'rrdb'])
    ap.add_argument('-s', '--size', default=None)
    ap.add_argument('-t', '--threads', type=int, default=2)
    ap.add_argument('-r', '--runs', type=int, default=5)
    ap.add_argument('--profile', action='store_true', help='per-op table from torch.profiler')
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    w, h = map(int, (args.size or ('320x240' if args.arch == 'srvgg' else '64x64')).split('x'))
    model = (SRVGGNetCompact() if args.arch == 'srvgg' else RRDBNet()).eval()
    model = model.to(memory_format=torch.channels_last)
    x = torch.rand(1, 3, h, w).contiguous(memory_format=torch.channels_last)
    flops = conv_flops(model, x)

    times, cpu_best = [], float('inf')
    with torch.inference_mode():
        model(x)  # warm-up: oneDNN primitive creation, page faults
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
            cpu_best = min(cpu_best, (time.process_time() - c0) * 1e3)
    times.sort()
    name = 'SRVGG(64,16)' if args.arch == 'srvgg' else 'RRDBNet(64,32,23)'
    print(f'torch {torch.__version__} {name} {w}x{h} x4, {args.threads} threads: '
          f'best {times[0]:.1f} ms, median {times[len(times) // 2]:.1f} ms per frame, '
          f'{flops / times[0] * 1e-6:.1f} GFLOP/s ({flops * 1e-9:.2f} GFLOP per frame); '
          f'best CPU time {cpu_best:.1f} ms = {flops / cpu_best * 1e-6:.1f} GFLOP/s per core')

    if args.profile:
        from torch.profiler import ProfilerActivity, profile
        with torch.inference_mode(), profile(activities=[ProfilerActivity.CPU]) as prof:
            model(x)
        print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=12))


if __name__ == '__main__':
    main()
