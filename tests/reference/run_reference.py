"""Upscale one frame with the PyTorch reference, for cross-checking the filter's output.

    /usr/bin/python3 tests/reference/run_reference.py --model M.pth|M.safetensors --in IN --out OUT
        [--w W --h H --fmt gbrpf32le --frame N] [--out-fmt FMT] [--tile T --tile-pad P]
        [--pre-pad N] [--clamp] [--fp64]

IN:  X.npy (float [3][h][w] RGB), X.npz (its `input`), X.png/X.jpg (official conversion), or a
     raw dump in --fmt with --w/--h (e.g. `ffmpeg ... -f rawvideo -pix_fmt gbrpf32le in.raw`).
OUT: X.npy (float32 [3][H][W], raw unclamped unless --clamp), X.png (8-bit, clamped), or raw
     in --out-fmt (default --fmt; integer formats are clamped and rounded, floats kept raw
     unless --clamp). Then e.g.
         compare.py ffmpeg_out.raw ref_out.raw --w 256 --h 192 --fmt gbrpf32le --clamp
--tile/--tile-pad reproduce the official RealESRGANer.tile_process; --pre-pad its pre_pad
(default 0, as in inference_realesrgan.py). --fp64 computes in double precision.
"""
import argparse
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import load_rgb  # noqa: E402
from image_io import RAW_FORMATS, write_raw_frame  # noqa: E402
from realesrgan_torch import load_checkpoint, upscale, upscale_tiled  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description="PyTorch reference upscale of one frame")
    parser.add_argument("--model", required=True)
    parser.add_argument("--in", dest="input", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--w", type=int, default=0)
    parser.add_argument("--h", type=int, default=0)
    parser.add_argument("--fmt", default="gbrpf32le", choices=sorted(RAW_FORMATS), help="raw input format")
    parser.add_argument("--out-fmt", choices=sorted(RAW_FORMATS), help="raw output format (default --fmt)")
    parser.add_argument("--frame", type=int, default=0, help="frame index in a multi-frame raw input")
    parser.add_argument("--tile", type=int, default=0, help="official tile size, 0 = whole frame")
    parser.add_argument("--tile-pad", type=int, default=10)
    parser.add_argument("--pre-pad", type=int, default=0)
    parser.add_argument("--clamp", action="store_true", help="clip the output to [0,1]")
    parser.add_argument("--fp64", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    spec = args.input + ":input" if args.input.lower().endswith(".npz") else args.input
    img = load_rgb(spec, args.w, args.h, args.fmt, args.frame)
    net = load_checkpoint(args.model)
    if args.fp64:
        net = net.double()
    if args.tile:
        out = upscale_tiled(net, img, args.tile, args.tile_pad, args.pre_pad)
    else:
        out = upscale(net, img, args.pre_pad)
    out = out.float().numpy()
    if args.clamp:
        out = np.clip(out, 0, 1)

    lower = args.out.lower()
    if lower.endswith(".npy"):
        np.save(args.out, out)
    elif lower.endswith(".png"):
        Image.fromarray(np.rint(np.clip(out, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)).save(args.out)
    else:
        write_raw_frame(args.out, out, args.out_fmt or args.fmt)
    print(f"{args.out}: {out.shape[2]}x{out.shape[1]} from {img.shape[2]}x{img.shape[1]} "
          f"({type(net).__name__} x{net.scale})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, KeyError) as error:
        print(f"{os.path.basename(sys.argv[0])}: {error}", file=sys.stderr)
        sys.exit(2)
