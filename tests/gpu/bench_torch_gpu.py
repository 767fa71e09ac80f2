#!/usr/bin/env python3
"""PyTorch fp16 on the same GPU: the anchor of the GPU benchmark in tests/gpu/check.sh.

    python3 tests/gpu/bench_torch_gpu.py [--models DIR] [--iters N] [--budget SECONDS] [--case NAME]...
    python3 tests/gpu/bench_torch_gpu.py --make-models DIR     (numpy only: random RRDB checkpoints)

Measures, each with CUDA events after a warm-up, median of N >= 20 runs:
  PEAK   the GPU's fp16 tensor-core rate: an 8192 x 8192 x 8192 fp16 matmul (torch.matmul),
  TORCH  per case, the same network as gpu_bench (tests/reference/realesrgan_torch.py, the
         layout helpers swapped for PyTorch's own F.interpolate / F.pixel_shuffle /
         F.pixel_unshuffle), the same weights (DIR), fp16, channels_last:
           eager with cudnn.benchmark, and torch.compile (default mode; each compile in a child
           process bounded by what is left of --budget: RRDBNet's 351 convolutions take a while);
         the anchor is the faster of the two; peak memory (max_memory_allocated) of eager.
Prints "PEAK key=value ...", "TORCH key=value ..." lines (tests/gpu/bench_report.py reads them),
"SKIP ..." and exit 0 when torch or a CUDA device is missing.

--make-models writes random-x4plus.safetensors and random-x2plus.safetensors (23 RRDB blocks,
weights uniform in +-sqrt(3/fan_in), biases in +-0.1) so that gpu_bench, this script and ffmpeg
run the same RRDB weights when the official ones are not staged (the work does not depend on them).
"""
import argparse
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'reference'))

CASES = [  # name, model, input w, h (as tests/gpu/gpu_bench.c)
    ('x4plus-640x480', 'x4plus', 640, 480),
    ('x2plus-1920x1080', 'x2plus', 1920, 1080),
    ('animevideov3-1920x1080', 'animevideov3', 1920, 1080),
    ('animevideov3-1280x720', 'animevideov3', 1280, 720),
]
MODEL_FILES = {
    'x4plus': ['realesrgan-x4plus.safetensors', 'RealESRGAN_x4plus.pth', 'random-x4plus.safetensors'],
    'x2plus': ['realesrgan-x2plus.safetensors', 'RealESRGAN_x2plus.pth', 'random-x2plus.safetensors'],
    'animevideov3': ['realesr-animevideov3.pth'],
}


def make_models(out_dir):
    import numpy as np
    from safetensors_io import write_safetensors
    rng = np.random.default_rng(2024)

    def conv(tensors, name, cin, cout):
        bound = np.sqrt(3.0 / (cin * 9))
        tensors[name + '.weight'] = ('F32', rng.uniform(-bound, bound, (cout, cin, 3, 3)).astype(np.float32))
        tensors[name + '.bias'] = ('F32', rng.uniform(-0.1, 0.1, cout).astype(np.float32))

    os.makedirs(out_dir, exist_ok=True)
    for key, u in (('x4plus', 1), ('x2plus', 2)):
        t = {}
        conv(t, 'conv_first', 3 * u * u, 64)
        for b in range(23):
            for r in range(1, 4):
                for k in range(1, 6):
                    conv(t, f'body.{b}.rdb{r}.conv{k}', 64 + 32 * (k - 1), 64 if k == 5 else 32)
        for name in ('conv_body', 'conv_up1', 'conv_up2', 'conv_hr'):
            conv(t, name, 64, 64)
        conv(t, 'conv_last', 64, 3)
        path = os.path.join(out_dir, f'random-{key}.safetensors')
        write_safetensors(path, t)
        print(f'wrote {path}')


def model_file(key, models_dir):
    for name in MODEL_FILES[key]:
        path = os.path.join(models_dir, name)
        if os.path.isfile(path):
            return path
    return None


def build(key, models_dir):
    """(network fp16 channels_last on the GPU, description of the weights)."""
    import torch
    import torch.nn.functional as F
    import realesrgan_torch as R
    R.upsample_nearest = lambda x, f: F.interpolate(x, scale_factor=f, mode='nearest')
    R.pixel_shuffle = F.pixel_shuffle
    R.pixel_unshuffle = F.pixel_unshuffle
    path = model_file(key, models_dir)
    if path:
        net, source = R.load_checkpoint(path), os.path.basename(path)
    else:
        torch.manual_seed(0)
        net = (R.SRVGGNetCompact() if key == 'animevideov3' else R.RRDBNet(scale=4 if key == 'x4plus' else 2)).eval()
        source = 'random (torch init)'
    return net.half().cuda().to(memory_format=torch.channels_last), source


def time_ms(fn, iters, warmup=3):
    """Median and best ms of fn() over iters runs, CUDA events around each, after warmup runs."""
    import torch
    for _ in range(warmup):
        fn()
    ev = [torch.cuda.Event(enable_timing=True) for _ in range(iters + 1)]
    ev[0].record()
    for i in range(iters):
        fn()
        ev[i + 1].record()
    torch.cuda.synchronize()
    ms = sorted(ev[i].elapsed_time(ev[i + 1]) for i in range(iters))
    return ms[iters // 2] if iters % 2 else 0.5 * (ms[iters // 2 - 1] + ms[iters // 2]), ms[0]


def conv_flops(net, x):
    import torch
    total = [0]

    def hook(module, inputs, output):
        total[0] += 2 * output.numel() * module.in_channels * 9

    hs = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.inference_mode():
        net(x)
    for h in hs:
        h.remove()
    return total[0]


def peak_fp16(iters):
    import torch
    n = 8192
    a = torch.randn(n, n, device='cuda', dtype=torch.float16)
    b = torch.randn(n, n, device='cuda', dtype=torch.float16)
    med, best = time_ms(lambda: torch.matmul(a, b), iters)
    print(f'PEAK op=matmul_fp16_{n} ms={med:.3f} fp16_tflops={2 * n ** 3 / med * 1e-9:.1f} '
          f'best_tflops={2 * n ** 3 / best * 1e-9:.1f} device="{torch.cuda.get_device_name()}" '
          f'torch={torch.__version__}', flush=True)


def run_case(name, key, w, h, models_dir, iters, compiled):
    import torch
    torch.backends.cudnn.benchmark = True
    net, source = build(key, models_dir)
    x = torch.rand(1, 3, h, w, device='cuda').half().contiguous(memory_format=torch.channels_last)
    flops = conv_flops(net, x)
    if compiled:
        t0 = time.perf_counter()
        fn = torch.compile(net)
        with torch.inference_mode():
            fn(x)
            torch.cuda.synchronize()
            compile_s = time.perf_counter() - t0
            med, best = time_ms(lambda: fn(x), iters)
        print(f'COMPILE case={name} ms={med:.3f} best_ms={best:.3f} compile_s={compile_s:.0f}', flush=True)
        return
    torch.cuda.reset_peak_memory_stats()
    with torch.inference_mode():
        med, best = time_ms(lambda: net(x), iters)
    print(f'TORCH case={name} model={source.replace(" ", "_")} gflop={flops * 1e-9:.2f} eager_ms={med:.3f} '
          f'eager_best_ms={best:.3f} mem_mib={torch.cuda.max_memory_allocated() / 2 ** 20:.0f}', flush=True)


def compile_in_child(name, args, seconds):
    """torch.compile one case in a child process (its own session, killed at the deadline)."""
    cmd = [sys.executable, os.path.abspath(__file__), '--compile-one', name, '--models', args.models,
           '--iters', str(args.iters)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        print(f'COMPILE case={name} skipped=timeout_{seconds:.0f}s', flush=True)
        return
    line = next((l for l in out.splitlines() if l.startswith('COMPILE ')), None)
    if p.returncode == 0 and line:
        print(line, flush=True)
    else:
        last = (err.strip().splitlines() or ['no output'])[-1].replace(' ', '_')[:120]
        print(f'COMPILE case={name} failed={last}', flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--models', default=os.path.join(ROOT, 'build', 'gpu-check'))
    ap.add_argument('--iters', type=int, default=20)
    ap.add_argument('--budget', type=float, default=100, help='seconds for everything (compiles get the rest)')
    ap.add_argument('--case', action='append', help='only these cases')
    ap.add_argument('--make-models', metavar='DIR')
    ap.add_argument('--compile-one', metavar='CASE', help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.iters = max(args.iters, 20)
    if args.make_models:
        make_models(args.make_models)
        return
    start = time.perf_counter()
    try:
        import torch
    except ImportError as e:
        print(f'SKIP torch: {sys.executable} cannot import torch ({e})')
        return
    if not torch.cuda.is_available():
        print(f'SKIP torch: torch {torch.__version__} sees no CUDA device')
        return
    cases = [c for c in CASES if not args.case or c[0] in args.case]
    if args.compile_one:
        c = next(c for c in CASES if c[0] == args.compile_one)
        run_case(*c, args.models, args.iters, compiled=True)
        return

    peak_fp16(args.iters)
    for c in cases:
        try:
            run_case(*c, args.models, args.iters, compiled=False)
        except torch.cuda.OutOfMemoryError:
            print(f'TORCH case={c[0]} skipped=out_of_memory', flush=True)
        torch.cuda.empty_cache()
    # compiles, cheapest graphs first, each bounded by the budget left
    for c in sorted(cases, key=lambda c: (c[1] != 'animevideov3', c[2] * c[3])):
        left = args.budget - (time.perf_counter() - start)
        if left < 15:
            print(f'COMPILE case={c[0]} skipped=no_budget_left', flush=True)
            continue
        compile_in_child(c[0], args, left)


if __name__ == '__main__':
    main()
