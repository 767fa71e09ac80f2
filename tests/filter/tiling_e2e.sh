#!/usr/bin/env bash
# Threads and tiles as ffmpeg users set them, on realesr-animevideov3 (SRVGGNetCompact):
#   - the CPU engine's workers follow -filter_threads, the filter's own threads option wins,
#     and the default is the graph's count capped at one per core (the INFO line says which);
#   - tile_pad's default is automatic: the receptive radius + 1 (19), shown as "pad 19, auto",
#     and with it tile=32 computes what the untiled frame computes: float output to 1e-5,
#     yuv420p output (whose chroma filter reads one pixel past the core) byte for byte;
#   - an explicit tile_pad is used as given (pad 4 leaves measurable seams).
. "$(dirname "$0")/_lib.sh"
CASES=(threads_filter_threads_1 threads_option_2 threads_default_per_core
       tile_pad_auto_shown tile_pad_auto_exact tile_pad_auto_exact_yuv420p
       tile_pad_explicit_kept)
require_ffmpeg "${CASES[@]}"
if [ ! -f "$MODEL" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "$MODEL missing"; done
    exit 0
fi
SRC="testsrc2=s=64x48:d=0.04"

# summary LOG: the filter's INFO line
summary() { grep -m1 'backend cpu' "$1"; }

ff "$WORK/ft1.log" -filter_threads 1 -f lavfi -i "$SRC" -vf "realesrgan=model=$MODEL" -f null -
if summary "$WORK/ft1.log" | grep -q ', 1 thread(s),'; then
    pass threads_filter_threads_1
else
    fail threads_filter_threads_1 "$(summary "$WORK/ft1.log" || log_excerpt "$WORK/ft1.log")"
fi

ff "$WORK/t2.log" -filter_threads 1 -f lavfi -i "$SRC" -vf "realesrgan=model=$MODEL:threads=2" -f null -
if summary "$WORK/t2.log" | grep -q ', 2 thread(s),'; then
    pass threads_option_2
else
    fail threads_option_2 "$(summary "$WORK/t2.log" || log_excerpt "$WORK/t2.log")"
fi

# FFmpeg's automatic graph count is min(cores + 1, 16): capped at the cores
cores=$(nproc)
want=$(( cores < 16 ? cores : 16 ))
ff "$WORK/td.log" -f lavfi -i "$SRC" -vf "realesrgan=model=$MODEL" -f null -
if summary "$WORK/td.log" | grep -q ", $want thread(s),"; then
    pass threads_default_per_core
else
    fail threads_default_per_core "want $want: $(summary "$WORK/td.log" || log_excerpt "$WORK/td.log")"
fi

if summary "$WORK/td.log" | grep -q 'tile auto (pad 19, auto);'; then
    pass tile_pad_auto_shown
else
    fail tile_pad_auto_shown "$(summary "$WORK/td.log" || log_excerpt "$WORK/td.log")"
fi

# float frames in and out: what the network computes, no rounding in between
upscale() {  # upscale NAME OPTIONS
    ff "$WORK/$1.log" -f lavfi -i "$SRC" \
        -vf "format=gbrpf32le,realesrgan=model=$MODEL$2" -f rawvideo -pix_fmt gbrpf32le "$WORK/$1.raw"
}
compare() {  # compare A B: "MAXABS PSNR" over the clipped [0,1] range
    "$PY" - "$WORK/$1.raw" "$WORK/$2.raw" <<'PYEOF'
import sys, numpy as np
a, b = (np.fromfile(p, dtype="<f4") for p in sys.argv[1:3])
if a.size != b.size or a.size == 0:
    print("size %d %d" % (a.size, b.size)); sys.exit()
mse = np.mean((np.clip(a, 0, 1) - np.clip(b, 0, 1)) ** 2)
print("%g %s" % (np.abs(a - b).max(), "inf" if mse == 0 else "%.2f" % (10 * np.log10(1 / mse))))
PYEOF
}
if upscale whole "" && upscale auto ":tile=32" && upscale pad4 ":tile=32:tile_pad=4"; then
    read -r diff_auto psnr_auto <<< "$(compare whole auto)"
    read -r diff_pad4 psnr_pad4 <<< "$(compare whole pad4)"
    echo "# tile 32 vs untiled: auto pad max |diff| $diff_auto ($psnr_auto dB); pad 4 max |diff| $diff_pad4 ($psnr_pad4 dB)"
    if "$PY" -c "import sys; sys.exit(not float('$diff_auto') <= 1e-5)" 2>/dev/null; then
        pass tile_pad_auto_exact
    else
        fail tile_pad_auto_exact "max |diff| $diff_auto ($psnr_auto dB)"
    fi
    if summary "$WORK/pad4.log" | grep -q 'tile 32 (pad 4);' &&
       "$PY" -c "import sys; sys.exit(not float('$diff_pad4') > 1e-3)" 2>/dev/null; then
        pass tile_pad_explicit_kept
    else
        fail tile_pad_explicit_kept "max |diff| $diff_pad4: $(summary "$WORK/pad4.log")"
    fi
else
    fail tile_pad_auto_exact "ffmpeg failed: $(log_excerpt "$WORK/whole.log") $(log_excerpt "$WORK/auto.log")"
    fail tile_pad_explicit_kept "ffmpeg failed: $(log_excerpt "$WORK/pad4.log")"
fi
# 8-bit 4:2:0 out: the same bytes (with pad 18, the radius alone, this frame differs)
frames_md5() {  # frames_md5 NAME OPTIONS
    ff "$WORK/$1.log" -f lavfi -i "testsrc2=s=160x96:d=0.04" -vf "realesrgan=model=$MODEL$2" \
        -f framemd5 "$WORK/$1.md5" && grep -v '^#' "$WORK/$1.md5" | cut -d, -f6
}
md5_whole=$(frames_md5 yuv_whole "")
md5_tiled=$(frames_md5 yuv_tiled ":tile=32")
if [ -n "$md5_whole" ] && [ "$md5_whole" = "$md5_tiled" ]; then
    pass tile_pad_auto_exact_yuv420p
else
    fail tile_pad_auto_exact_yuv420p "untiled $md5_whole, tiled $md5_tiled: $(log_excerpt "$WORK/yuv_tiled.log")"
fi
finish
