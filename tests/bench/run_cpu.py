#!/usr/bin/python3
"""make bench: our CPU network and ./ffmpeg against PyTorch CPU, same model, same frames, same threads.

    /usr/bin/python3 tests/bench/run_cpu.py [--rows R,R] [--pairs N] [--threads T] [--out-dir DIR]
                                            [--no-ffmpeg]

Rows: realesr-animevideov3 at 320x240 and 640x480 (frames of the demo clip, scaled), RealESRGAN
x4plus (23 RRDB blocks) at 64x64 and 128x128 (crops of it). Each row runs three sides, in the
same minutes, alternating, one frame each per pair (the order rotates from pair to pair):

  ours    build/bench/bench_cpu --serve: resr_network_forward, the network alone (float RGB in
          and out), warm; wall time of the forward call.
  torch   the independent reference definition (tests/reference/realesrgan_torch.py) with the
          same weights, PyTorch CPU (Debian's 1.13 in /usr/bin/python3), inference_mode,
          channels_last, warm, the same thread count; the layout-only helpers (nearest
          upsample, pixel (un)shuffle) are swapped for PyTorch's own F.interpolate /
          F.pixel_shuffle / F.pixel_unshuffle (what the official code calls; checked equal first).
  ffmpeg  ./ffmpeg -f rawvideo (rgb24) -i FRAMES -vf realesrgan=model=M:threads=T -f null - on
          two frames: the whole pipeline's time for the second (decode, the filter's conversions,
          network, muxing), from -progress; the time to the first frame less that is its start-up
          (process, model load, plan), reported apart.

Two more sides where available (issue 16): `onednn`, the same bench_cpu with RESR_CPU_BACKEND=onednn
(our network on its oneDNN convolutions), and `openvino`, the reference module exported to ONNX and
compiled by OpenVINO's CPU plugin in f32 (run under a Python that has the openvino module, e.g.
`make bench BENCH_PYTHON=build/bench-venv/bin/python`, a venv with --system-site-packages and
`pip install openvino`).

Reported per row: medians of each side's frames/s, the median and range of the per-pair ratios
ours/torch (speed: >1 = we are faster), the same from CPU time, and the largest difference
between our output and PyTorch's on the same frame. Then, per layer kind, the convolutions'
wall time inside each side's best timed frame, against that frame: where the time goes, on both
sides.
Written to DIR/RESULTS-cpu.md and DIR/RESULTS-cpu.csv (DIR: tests/bench).

This machine is shared and noisy: the absolute times are indicative, the per-pair ratios are
the figure to quote. FLOP counts come from the loaded model (models/flops.c via bench_cpu),
cross-checked against PyTorch forward hooks.
"""
import argparse
import csv
import datetime
import io
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), '..', '..'))
BENCH_CPU = os.path.join(ROOT, 'build', 'bench', 'bench_cpu')
FFMPEG = os.path.join(ROOT, 'ffmpeg')
WORK = os.path.join(ROOT, 'build', 'bench')
sys.path.insert(0, os.path.join(ROOT, 'tests', 'reference'))

# MODEL-WxH; animevideov3 frames are the clip scaled, x4plus frames crops of it (tile-like)
ROWS = ['animevideov3-320x240', 'animevideov3-640x480', 'x4plus-64x64', 'x4plus-128x128']


def parse_row(name):
    """'animevideov3-320x240' -> ('animevideov3', 320, 240, 'scale'), or None."""
    try:
        key, size = name.rsplit('-', 1)
        w, h = (int(v) for v in size.split('x'))
    except ValueError:
        return None
    if key not in ('animevideov3', 'x4plus') or w < 1 or h < 1 or w > 640 or h > 480:
        return None
    return key, w, h, 'scale' if key == 'animevideov3' else 'crop'


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def find_shared(rel):
    """The first copy of a shared data file (as tests/gpu/check.sh looks for them)."""
    dirs = [os.path.join(ROOT, 'build', 'gpu-check'), os.path.join(ROOT, 'shared'),
            os.environ.get('RESR_SHARED', os.path.join(ROOT, '..', 'shared'))]
    if os.environ.get('RESR_SHARED'):
        dirs.append(os.environ['RESR_SHARED'])
    for d in dirs:
        for cand in (os.path.join(d, rel), os.path.join(d, os.path.basename(rel))):
            if os.path.isfile(cand):
                return os.path.realpath(cand)
    return None


def random_model(kind, torch_ok):
    """A random-weight model of the official shape as .safetensors, for both sides (needs torch)."""
    path = os.path.join(WORK, f'{kind}-random.safetensors')
    if os.path.isfile(path):
        return path
    if not torch_ok:
        return None
    import torch
    import realesrgan_torch as R
    from safetensors_io import write_safetensors
    torch.manual_seed(0)
    net = R.RRDBNet() if kind == 'x4plus' else R.SRVGGNetCompact()
    os.makedirs(WORK, exist_ok=True)
    write_safetensors(path, {k: ('F32', v.detach().numpy()) for k, v in net.state_dict().items()})
    return path


def model_path(key, torch_ok):
    """(path, description) of the row's model: official weights where available."""
    if key == 'animevideov3':
        p = find_shared('models/realesr-animevideov3.pth')
        if p:
            return p, 'realesr-animevideov3.pth (official)'
        return random_model('animevideov3', torch_ok), 'SRVGGNetCompact(64, 16, x4), random weights'
    p = os.path.join(ROOT, 'build', 'models', 'realesrgan-x4plus.safetensors')
    if not os.path.isfile(p):
        r = subprocess.run([os.path.join(ROOT, 'tests', 'reference', 'fetch_x4plus.sh')],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode not in (0, 77):
            log(f'fetch_x4plus.sh failed: {r.stderr.strip()}')
    if os.path.isfile(p):
        return p, 'RealESRGAN_x4plus (ncnn-converted official weights, tests/reference/fetch_x4plus.sh)'
    return random_model('x4plus', torch_ok), 'RRDBNet(64, 32, 23 blocks, x4), random weights'


def make_frames(name, w, h, how, count):
    """count rgb24 frames of w x h from the demo clip (else a test pattern): [count][h][w][3]."""
    path = os.path.join(WORK, f'frames-{name}-{count}.rgb')
    if os.path.isfile(path) and os.path.getsize(path) == count * w * h * 3:
        return path
    video = find_shared('media/video/onepiece_demo.mp4')
    vf = f'scale={w}:{h}:flags=area' if how == 'scale' else f'crop={w}:{h}'
    # one frame a second from 2 s on: different content each pair
    src = ['-ss', '2', '-i', video] if video else ['-f', 'lavfi', '-i', f'testsrc2=size={w}x{h}:rate=1']
    cmd = [FFMPEG, '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', *src,
           '-vf', f'fps=1,{vf},format=rgb24', '-frames:v', str(count), '-f', 'rawvideo', path]
    subprocess.run(cmd, check=True)
    if os.path.getsize(path) != count * w * h * 3:
        raise RuntimeError(f'{path}: expected {count} frames of {w}x{h}')
    return path


def git_commit():
    try:
        head = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short=12', 'HEAD'], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(['git', '-C', ROOT, 'status', '--porcelain', '--untracked-files=no'],
                               capture_output=True, text=True).stdout.strip()
        return head + ('+dirty' if dirty else '')
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    name = line.split(':', 1)[1].strip()
                    break
            else:
                name = platform.processor() or 'unknown'
    except OSError:
        name = platform.processor() or 'unknown'
    flags = ''
    try:
        with open('/proc/cpuinfo') as f:
            fl = next((l for l in f if l.startswith('flags')), '').split()
        flags = '+'.join(x for x in ('avx2', 'fma', 'avx512f') if x in fl)
    except OSError:
        pass
    return f'{name}, {os.cpu_count()} logical CPUs' + (f', {flags}' if flags else '')


# ---------------------------------------------------------------------------- the three sides

class Ours:
    """bench_cpu --serve: one process per row, warm, answering frame and save commands."""

    def __init__(self, model, w, h, threads, frames, backend='native'):
        # the CPU network's convolutions: the hand-written kernels or oneDNN (issue 16)
        env = dict(os.environ, RESR_CPU_BACKEND=backend)
        self.p = subprocess.Popen([BENCH_CPU, model, '-s', f'{w}x{h}', '-t', str(threads), '--frames', frames,
                                   '--serve'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                                  env=env)
        self.convs = []   # (index, kind, w, h, cin, cout, flops)
        self.info = {}
        for line in self.p.stdout:
            f = line.split()
            if not f:
                continue
            if f[0] == 'model':
                self.info = dict(kv.split('=', 1) for kv in f[1:])
            elif f[0] == 'conv':
                self.convs.append((int(f[1]), f[2], int(f[3]), int(f[4]), int(f[5]), int(f[6]), float(f[7])))
            elif f[0] == 'ready':
                break
        else:
            raise RuntimeError(f'bench_cpu did not start (exit {self.p.wait()})')
        self.flops = float(self.info['flops'])

    def ask(self, cmd, want):
        self.p.stdin.write(cmd + '\n')
        line = self.p.stdout.readline().split()
        if not line or line[0] != want:
            raise RuntimeError(f'bench_cpu: {cmd!r} -> {line}')
        return line

    def frame(self, k):
        """(wall ms, CPU ms, [ms of each conv inside that forward])"""
        f = self.ask(f'frame {k}', 'frame')
        convs = self.p.stdout.readline().split()
        if not convs or convs[0] != 'convms' or len(convs) != len(self.convs) + 1:
            raise RuntimeError(f'bench_cpu: frame {k}: no per-conv times')
        return float(f[2]), float(f[3]), [float(v) for v in convs[1:]]

    def save(self, k, path):
        self.ask(f'save {k} {path}', 'saved')

    def close(self):
        try:
            self.p.stdin.write('quit\n')
            self.p.stdin.close()
        except OSError:
            pass
        self.p.wait()


class Torch:
    """The reference module with PyTorch's own layout ops, channels_last, warm. Forward hooks
    time each conv in place (perf_counter around the module call: two Python calls per conv,
    microseconds against milliseconds)."""

    def __init__(self, model, frames_path, w, h, count, threads):
        import numpy as np
        import torch
        import torch.nn.functional as F
        import realesrgan_torch as R
        self.torch, self.np = torch, np
        torch.set_num_threads(threads)
        net = R.load_checkpoint(model)
        probe = torch.rand(1, 3, 8, 12)
        with torch.inference_mode():
            ref = net(probe)
            R.upsample_nearest = lambda x, f: F.interpolate(x, scale_factor=f, mode='nearest')
            R.pixel_shuffle = F.pixel_shuffle
            R.pixel_unshuffle = F.pixel_unshuffle
            fast = net(probe)
        if not torch.equal(ref, fast):
            raise RuntimeError('F.interpolate / F.pixel_shuffle differ from the reference definitions')
        self.net = net.to(memory_format=torch.channels_last)
        raw = np.fromfile(frames_path, dtype=np.uint8).reshape(count, h, w, 3)
        self.x = [torch.from_numpy(raw[k].transpose(2, 0, 1).astype(np.float32) / 255.0).unsqueeze(0)
                  .contiguous(memory_format=torch.channels_last) for k in range(count)]
        self.convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
        self.flops = self.hook_flops(self.x[0])
        self.conv_ms = [0.0] * len(self.convs)
        for i, m in enumerate(self.convs):
            m.register_forward_pre_hook(self.pre_hook)
            m.register_forward_hook(self.make_post_hook(i))
        with torch.inference_mode():
            self.net(self.x[0])   # warm-up: oneDNN primitives, pages

    def pre_hook(self, module, inputs):
        self.t_conv = time.perf_counter()

    def make_post_hook(self, i):
        def hook(module, inputs, output):
            self.conv_ms[i] += (time.perf_counter() - self.t_conv) * 1e3
        return hook

    def hook_flops(self, x):
        total = [0]

        def hook(module, inputs, output):
            total[0] += 2 * output.numel() * module.in_channels * 9

        handles = [m.register_forward_hook(hook) for m in self.convs]
        with self.torch.inference_mode():
            self.net(x)
        for hd in handles:
            hd.remove()
        return float(total[0])

    def frame(self, k):
        """(wall ms, CPU ms, [ms of each conv inside], output)"""
        self.conv_ms = [0.0] * len(self.convs)
        with self.torch.inference_mode():
            t0, c0 = time.perf_counter(), time.process_time()
            out = self.net(self.x[k % len(self.x)])
            return (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3, self.conv_ms, out


class OpenVINO:
    """The same reference module, exported to ONNX (by the PyTorch at hand) and compiled by
    OpenVINO's CPU plugin with INFERENCE_PRECISION_HINT=f32 and the same thread count; warm.
    Its default precision (bf16 where the CPU has AMX or AVX512-BF16) is reported, not timed
    (on an AVX2 CPU it is f32 anyway)."""

    def __init__(self, torch_side, name, w, h, threads):
        import openvino as ov
        torch = torch_side.torch
        self.x = [x.contiguous().numpy() for x in torch_side.x]
        path = os.path.join(WORK, 'tmp', f'{name}.onnx')
        with torch.inference_mode():
            torch.onnx.export(torch_side.net, torch_side.x[0].contiguous(), path, opset_version=13,
                              input_names=['x'], output_names=['y'])
        core = ov.Core()
        model = core.read_model(path)
        self.version = ov.get_version()
        name_of = lambda t: str(t).split("'")[1] if "'" in str(t) else str(t)   # <Type: 'float32'>
        self.default_precision = name_of(core.get_property('CPU', 'INFERENCE_PRECISION_HINT'))
        cfg = {'INFERENCE_NUM_THREADS': threads, 'INFERENCE_PRECISION_HINT': 'f32',
               'PERFORMANCE_HINT': 'LATENCY', 'NUM_STREAMS': 1}
        self.compiled = core.compile_model(model, 'CPU', cfg)
        self.precision = name_of(self.compiled.get_property('INFERENCE_PRECISION_HINT'))
        self.req = self.compiled.create_infer_request()
        self.req.infer({0: self.x[0]})   # warm-up
        os.remove(path)

    def frame(self, k):
        """(wall ms, CPU ms, None, output [3*H*W] float32)"""
        t0, c0 = time.perf_counter(), time.process_time()
        res = self.req.infer({0: self.x[k % len(self.x)]})
        wall, cpu = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        return wall, cpu, None, next(iter(res.values())).reshape(-1)


def ffmpeg_frames(model, two_frames, w, h, threads):
    """./ffmpeg on a file of two rgb24 frames: (ms from the start to the first frame out, ms from
    the first frame out to the second: the whole pipeline's per-frame time once running).
    The frame counts come from -progress, read as they arrive (every 20 ms)."""
    cmd = [FFMPEG, '-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-stats_period', '0.02',
           '-progress', 'pipe:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', f'{w}x{h}', '-i', two_frames,
           '-vf', f'realesrgan=model={model}:threads={threads}:dedup=-1', '-f', 'null', '-']
    seen = {}
    with open(os.path.join(WORK, 'tmp', 'ffmpeg.err'), 'w+') as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        for line in p.stdout:
            if line.startswith('frame='):
                seen.setdefault(int(line[6:]), time.perf_counter())
        rc = p.wait()
        err.seek(0)
        msg = err.read().strip()
    if rc or 1 not in seen or 2 not in seen:
        raise RuntimeError(f'ffmpeg (exit {rc}, frames seen {sorted(seen)}): {msg}')
    return (seen[1] - t0) * 1e3, (seen[2] - seen[1]) * 1e3


# ---------------------------------------------------------------------------- one row

def median(xs):
    return statistics.median(xs) if xs else float('nan')


def run_row(name, args, torch_ok):
    key, w, h, how = parse_row(name)
    model, model_desc = model_path(key, torch_ok)
    if not model:
        log(f'{name}: no model (no official weights and no torch to make random ones): skipped')
        return None
    frames = make_frames(name, w, h, how, args.pairs)
    os.makedirs(os.path.join(WORK, 'tmp'), exist_ok=True)
    # ffmpeg's input for pair p: frames p and p + 1 (its per-frame time is the second's)
    two_frames = []
    with open(frames, 'rb') as f:
        raw = f.read()
    size = w * h * 3
    for k in range(args.pairs):
        fp = os.path.join(WORK, 'tmp', f'{name}-frames{k}.rgb')
        k2 = (k + 1) % args.pairs
        with open(fp, 'wb') as f:
            f.write(raw[k * size:(k + 1) * size] + raw[k2 * size:(k2 + 1) * size])
        two_frames.append(fp)

    log(f'== {name}: {model_desc}, {args.pairs} pairs, {args.threads} threads')
    ours = Ours(model, w, h, args.threads, frames)
    dnn = Ours(model, w, h, args.threads, frames, 'onednn') if not args.no_onednn else None
    if dnn and dnn.info.get('backend') != 'onednn':
        log(f'{name}: bench_cpu has no oneDNN path (built without it): onednn columns n/a')
        dnn.close()
        dnn = None
    tor = Torch(model, frames, w, h, args.pairs, args.threads) if torch_ok else None
    ovn = None
    if tor and not args.no_openvino:
        try:
            ovn = OpenVINO(tor, name, w, h, args.threads)
            row_ov = f'OpenVINO {ovn.version}, {ovn.precision} (its default on this CPU: {ovn.default_precision})'
            log(f'{name}: {row_ov}')
        except ImportError as e:
            log(f'{name}: OpenVINO not importable by {sys.executable} ({e}): openvino columns n/a')
    row = dict(row=name, model=model_desc, width=w, height=h, scale=int(ours.info['scale']),
               gflop_per_frame=ours.flops * 1e-9, threads=args.threads, pairs=args.pairs, impl=ours.info['impl'])
    if dnn:
        row['onednn_isa'] = dnn.info.get('isa')
    if tor and abs(tor.flops - ours.flops) > 1e-9 * ours.flops:
        raise RuntimeError(f'{name}: FLOPs per frame: ours {ours.flops:.6g}, PyTorch hooks {tor.flops:.6g}')

    # same model, same frame: our output against PyTorch's
    if tor:
        import numpy as np
        out_path = os.path.join(WORK, 'tmp', f'{name}-ours.f32')
        ours.save(0, out_path)
        mine = np.fromfile(out_path, dtype=np.float32)
        theirs = tor.frame(0)[3].contiguous().numpy().reshape(-1)
        row['max_abs_diff'] = float(np.max(np.abs(mine - theirs)))
        if ovn:
            row['openvino_max_abs_diff'] = float(np.max(np.abs(mine - ovn.frame(0)[3])))
            row['openvino'] = f'{ovn.version} {ovn.precision} (default {ovn.default_precision})'
        os.remove(out_path)

    sides = ['ours', 'onednn', 'torch', 'ffmpeg']
    if not tor:
        sides.remove('torch')
    if not dnn:
        sides.remove('onednn')
    if ovn:
        sides.insert(-1, 'openvino')
    if args.no_ffmpeg:
        sides.remove('ffmpeg')
    t = {s: [] for s in sides}
    startup = []
    for p in range(args.pairs):
        order = sides[p % len(sides):] + sides[:p % len(sides)]
        for s in order:
            if s == 'ours':
                t[s].append(ours.frame(p))
            elif s == 'onednn':
                t[s].append(dnn.frame(p))
            elif s == 'openvino':
                t[s].append(ovn.frame(p)[:3])
            elif s == 'torch':
                t[s].append(tor.frame(p)[:3])
            else:
                first, steady = ffmpeg_frames(model, two_frames[p], w, h, args.threads)
                t[s].append((steady, float('nan'), None))
                startup.append(first - steady)
        log('  pair %d: %s' % (p, ', '.join(f'{s} {t[s][-1][0]:.0f} ms' for s in sides)))

    for s in sides:
        row[f'{s}_ms'] = median([x[0] for x in t[s]])
        row[f'{s}_fps'] = 1e3 / row[f'{s}_ms']
        if s != 'ffmpeg':
            row[f'{s}_cpu_ms'] = median([x[1] for x in t[s]])
    if startup:
        row['ffmpeg_startup_ms'] = median(startup)
    row['ours_gflops'] = ours.flops / row['ours_ms'] * 1e-6
    if dnn:
        # oneDNN against the hand-written kernels, and against PyTorch, per pair
        dr = [o[0] / d[0] for o, d in zip(t['ours'], t['onednn'])]
        row['onednn_native'], row['onednn_native_min'], row['onednn_native_max'] = median(dr), min(dr), max(dr)
        row['onednn_native_cpu'] = median([o[1] / d[1] for o, d in zip(t['ours'], t['onednn'])])
        if tor:
            row['onednn_torch'] = median([tt[0] / d[0] for d, tt in zip(t['onednn'], t['torch'])])
        dnn.close()
    if ovn:
        # >1: ours (native) / ours (oneDNN) faster than OpenVINO, per pair
        row['native_openvino'] = median([v[0] / o[0] for o, v in zip(t['ours'], t['openvino'])])
        if dnn:
            row['onednn_openvino'] = median([v[0] / d[0] for d, v in zip(t['onednn'], t['openvino'])])
    if tor:
        row['torch_gflops'] = ours.flops / row['torch_ms'] * 1e-6
        ratios = [tt[0] / o[0] for o, tt in zip(t['ours'], t['torch'])]
        row['ratio'], row['ratio_min'], row['ratio_max'] = median(ratios), min(ratios), max(ratios)
        row['ratio_cpu'] = median([tt[1] / o[1] for o, tt in zip(t['ours'], t['torch'])])
        if 'ffmpeg' in t:
            fr = [tt[0] / f[0] for f, tt in zip(t['ffmpeg'], t['torch'])]
            row['ffmpeg_ratio'], row['ffmpeg_ratio_min'], row['ffmpeg_ratio_max'] = median(fr), min(fr), max(fr)

    # where the time goes: per layer kind, inside each side's best frame (its own decomposition)
    best_ours = min(t['ours'], key=lambda x: x[0])
    best_torch = min(t['torch'], key=lambda x: x[0]) if tor else None
    kinds = {}
    for (i, kind, cw, ch, cin, cout, flops) in ours.convs:
        k = kinds.setdefault(kind, dict(kind=kind, w=cw, h=ch, cin=cin, cout=cout, count=0, flops=0.0,
                                        ours_ms=0.0, torch_ms=0.0 if tor else None))
        k['count'] += 1
        k['flops'] += flops
        k['ours_ms'] += best_ours[2][i]
        if tor:
            k['torch_ms'] += best_torch[2][i]
    layers = list(kinds.values())
    row['ours_best_ms'] = best_ours[0]
    if tor:
        row['torch_best_ms'] = best_torch[0]
    ours.close()
    return row, layers


# ---------------------------------------------------------------------------- output

def fmt(v, spec):
    return 'n/a' if v is None or v != v else format(v, spec)


def table(rows):
    head = ['row', 'GFLOP/frame', 'ours fps', 'torch fps', 'ffmpeg fps', 'ffmpeg start-up ms', 'ours/torch (pairs)',
            'ffmpeg/torch (pairs)', 'CPU-time ratio', 'ours GFLOP/s', 'torch GFLOP/s', 'max |diff|',
            'onednn fps', 'onednn/native (pairs)', 'onednn/native CPU time', 'onednn/torch',
            'openvino fps', 'native/openvino', 'onednn/openvino', 'openvino max |diff|']
    lines = []
    for r in rows:
        g = r.get
        pair = (f"{fmt(g('ratio'), '.2f')}x [{fmt(g('ratio_min'), '.2f')}-{fmt(g('ratio_max'), '.2f')}]"
                if g('ratio') else 'n/a')
        fpair = (f"{fmt(g('ffmpeg_ratio'), '.2f')}x [{fmt(g('ffmpeg_ratio_min'), '.2f')}-"
                 f"{fmt(g('ffmpeg_ratio_max'), '.2f')}]" if g('ffmpeg_ratio') else 'n/a')
        lines.append([r['row'], fmt(g('gflop_per_frame'), '.1f'), fmt(g('ours_fps'), '.3f'),
                      fmt(g('torch_fps'), '.3f'), fmt(g('ffmpeg_fps'), '.3f'), fmt(g('ffmpeg_startup_ms'), '.0f'),
                      pair, fpair,
                      fmt(g('ratio_cpu'), '.2f') + ('x' if g('ratio_cpu') else ''),
                      fmt(g('ours_gflops'), '.1f'), fmt(g('torch_gflops'), '.1f'), fmt(g('max_abs_diff'), '.1e'),
                      fmt(g('onednn_fps'), '.3f'),
                      (f"{fmt(g('onednn_native'), '.2f')}x [{fmt(g('onednn_native_min'), '.2f')}-"
                       f"{fmt(g('onednn_native_max'), '.2f')}]" if g('onednn_native') else 'n/a'),
                      fmt(g('onednn_native_cpu'), '.2f'), fmt(g('onednn_torch'), '.2f'),
                      fmt(g('openvino_fps'), '.3f'), fmt(g('native_openvino'), '.2f'),
                      fmt(g('onednn_openvino'), '.2f'), fmt(g('openvino_max_abs_diff'), '.1e')])
    return head, lines


def markdown_table(head, lines):
    out = ['| ' + ' | '.join(head) + ' |', '|' + '|'.join(' --- ' for _ in head) + '|']
    out += ['| ' + ' | '.join(l) + ' |' for l in lines]
    return '\n'.join(out)


def text_table(head, lines):
    widths = [max(len(x) for x in col) for col in zip(head, *lines)]
    return '\n'.join('  '.join(c.ljust(wd) for c, wd in zip(l, widths)) for l in [head] + lines)


def layer_table(row, layers):
    total_o = row.get('ours_best_ms')
    total_t = row.get('torch_best_ms')
    head = ['layer', 'count', 'size', 'cin->cout', 'GFLOP', 'ours ms', 'ours GFLOP/s', 'ours share',
            'torch ms', 'torch GFLOP/s', 'torch share', 'torch/ours']
    lines = []
    so = st = 0.0
    for k in layers:
        to = k['ours_ms']
        tt = k.get('torch_ms')
        so += to
        st += tt or 0.0
        lines.append([k['kind'], str(k['count']), f"{k['w']}x{k['h']}", f"{k['cin']}->{k['cout']}",
                      f"{k['flops'] * 1e-9:.2f}", f'{to:.1f}', f"{k['flops'] / to * 1e-6:.1f}",
                      f'{100 * to / total_o:.1f}%', fmt(tt, '.1f'),
                      fmt(k['flops'] / tt * 1e-6 if tt else None, '.1f'),
                      fmt(100 * tt / total_t if tt and total_t else None, '.1f') + ('%' if tt and total_t else ''),
                      fmt(tt / to if tt else None, '.2f')])
    lines.append(['all convs', '', '', '', '', f'{so:.1f}', '', f'{100 * so / total_o:.1f}%',
                  fmt(st if total_t else None, '.1f'), '', fmt(100 * st / total_t if total_t else None, '.1f') +
                  ('%' if total_t else ''), ''])
    lines.append(['rest of the frame', '', '', '', '', f'{total_o - so:.1f}', '', f'{100 * (total_o - so) / total_o:.1f}%',
                  fmt(total_t - st if total_t else None, '.1f'), '',
                  fmt(100 * (total_t - st) / total_t if total_t else None, '.1f') + ('%' if total_t else ''), ''])
    return head, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rows', default=','.join(ROWS),
                    help='comma-separated MODEL-WxH, MODEL animevideov3 or x4plus (default: %(default)s)')
    ap.add_argument('--pairs', type=int, default=3, help='alternating measurements per row (default 3)')
    ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--no-ffmpeg', action='store_true', help='skip the whole-ffmpeg runs')
    ap.add_argument('--no-onednn', action='store_true', help='skip our network on its oneDNN path')
    ap.add_argument('--no-openvino', action='store_true', help='skip OpenVINO (needs the openvino module)')
    ap.add_argument('--out-dir', default=os.path.join(ROOT, 'tests', 'bench'))
    args = ap.parse_args()
    rows = [r for r in args.rows.split(',') if r]
    bad = [r for r in rows if not parse_row(r)]
    if bad or args.pairs < 1 or args.threads < 1:
        ap.error(f'unknown rows {bad}' if bad else 'pairs and threads must be >= 1')
    for f in [BENCH_CPU] + ([] if args.no_ffmpeg else [FFMPEG]):
        if not os.access(f, os.X_OK):
            sys.exit(f'{f} is missing: run `make bench` (it builds it), or make -j2 first')
    try:
        import torch
        torch_ok, torch_version = True, torch.__version__
    except ImportError as e:
        torch_ok, torch_version = False, f'unavailable ({e}): torch columns n/a'
        log(f'PyTorch not importable by {sys.executable}: {e}')

    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    results = []
    for name in rows:
        r = run_row(name, args, torch_ok)
        if r:
            results.append(r)
    load_after = os.getloadavg()

    meta = dict(date=started.strftime('%Y-%m-%d %H:%M UTC'), commit=git_commit(), cpu=cpu_model(),
                torch=torch_version, threads=args.threads, pairs=args.pairs,
                load=f'{load_before[0]:.1f} before, {load_after[0]:.1f} after (1-min load average)')
    head, lines = table([r for r, _ in results])
    print()
    print(f"CPU benchmark, {meta['date']}, commit {meta['commit']}")
    print(f"{meta['cpu']}; {args.threads} threads each side; PyTorch {torch_version}; load {meta['load']}")
    print(text_table(head, lines))

    md = io.StringIO()
    md.write('# CPU benchmark: our network and ffmpeg vs PyTorch CPU\n\n')
    md.write(f"- date: {meta['date']}\n- commit: {meta['commit']}\n- CPU: {meta['cpu']}\n"
             f"- threads: {args.threads} on every side; {args.pairs} alternating pairs per row\n"
             f"- PyTorch: {torch_version} ({sys.executable})\n- machine load: {meta['load']}\n"
             f"- command: `make bench` (tests/bench/run_cpu.py {' '.join(sys.argv[1:])})\n")
    isas = sorted({r.get('onednn_isa') for r, _ in results if r.get('onednn_isa')})
    ovs = sorted({r.get('openvino') for r, _ in results if r.get('openvino')})
    md.write(f"- oneDNN ISA (our onednn side): {', '.join(isas) or 'n/a'}\n"
             f"- OpenVINO: {', '.join(ovs) or 'n/a'}\n\n")
    md.write('Frames/s are medians over the pairs; `ours/torch` and `ffmpeg/torch` are the medians [and '
             'ranges] of per-pair speed ratios (>1: faster than PyTorch). `ours` is the network alone '
             '(resr_network_forward, float RGB in and out), `ffmpeg` the whole ./ffmpeg pipeline (rawvideo '
             'rgb24 in, the filter with its conversions, null muxer out) on its second frame, timed from '
             '-progress; its start-up (process, model load, plan) is the separate column, `torch` the reference network in PyTorch '
             '(inference_mode, channels_last). CPU-time ratio: the same from CPU time of all threads. '
             '`max |diff|`: our output against PyTorch\'s on the same frame (fp32, values in [0, 1] scale). '
             'Absolute times are indicative only: the machine is shared.\n\n')
    md.write(markdown_table(head, lines) + '\n\n')
    for r, layers in results:
        md.write(f"## {r['row']}: {r['model']}\n\n{r['width']}x{r['height']} -> x{r['scale']}, "
                 f"{r['gflop_per_frame']:.2f} GFLOP per frame, kernels {r['impl']}.\n\n")
        if layers:
            lh, ll = layer_table(r, layers)
            md.write('Wall time of the convolutions inside each side\'s best timed frame, summed per layer '
                     'kind, and their shares of that frame (ours %.1f ms%s). Torch\'s '
                     '"rest" holds its separate activations, concatenations, residual adds and upsampling, '
                     'which our convolutions fuse.\n\n'
                     % (r['ours_best_ms'],
                        f", torch {r['torch_best_ms']:.1f} ms" if r.get('torch_best_ms') else ''))
            md.write(markdown_table(lh, ll) + '\n\n')
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, 'RESULTS-cpu.md'), 'w') as f:
        f.write(md.getvalue())
    cols = ['date', 'commit', 'cpu', 'torch', 'row', 'model', 'width', 'height', 'scale', 'threads', 'pairs',
            'impl', 'gflop_per_frame', 'ours_ms', 'ours_fps', 'ours_cpu_ms', 'torch_ms', 'torch_fps', 'torch_cpu_ms',
            'ffmpeg_ms', 'ffmpeg_fps', 'ffmpeg_startup_ms', 'ratio', 'ratio_min', 'ratio_max', 'ratio_cpu',
            'ffmpeg_ratio', 'ffmpeg_ratio_min', 'ffmpeg_ratio_max', 'ours_gflops', 'torch_gflops', 'max_abs_diff',
            'onednn_ms', 'onednn_fps', 'onednn_cpu_ms', 'onednn_native', 'onednn_native_min', 'onednn_native_max',
            'onednn_native_cpu', 'onednn_torch', 'openvino', 'openvino_ms', 'openvino_fps', 'openvino_cpu_ms',
            'native_openvino', 'onednn_openvino', 'openvino_max_abs_diff']
    with open(os.path.join(args.out_dir, 'RESULTS-cpu.csv'), 'w', newline='') as f:
        wr = csv.DictWriter(f, fieldnames=cols, extrasaction='ignore')
        wr.writeheader()
        for r, _ in results:
            wr.writerow({**meta, **{k: (f'{v:.6g}' if isinstance(v, float) else v) for k, v in r.items()}})
    log(f"\nwritten: {os.path.join(args.out_dir, 'RESULTS-cpu.md')}, RESULTS-cpu.csv")


if __name__ == '__main__':
    main()
