#!/usr/bin/env bash
# Bad input through ffmpeg: each must end with a clear message (checked) and an exit status
# that is not a signal; odd-but-valid input (1x1 frames, a resolution change mid-stream)
# must give correct output.
. "$(dirname "$0")/_lib.sh"

CASES=(error_no_model error_missing_model error_model_is_directory error_empty_model
       error_truncated_model error_unknown_arch error_hostile_models error_tile_negative
       error_tile_pad_range error_backend_foo error_backend_cuda error_cuda_device_index
       error_out_format_software error_out_format_unknown error_outscale_range error_outscale_negative
       error_device_range error_precision_foo error_precision_fp8_cpu error_alpha_foo error_rounding_foo error_pre_pad_range
       tiny_1x1_rgb24 tiny_1x1_yuv420p tiny_1x1_x2_x1_models resolution_change_reinit
       resolution_change_no_reinit)
require_ffmpeg "${CASES[@]}"
if [ ! -f "$MODEL" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "$MODEL missing"; done
    exit 0
fi

"$PY" "$HERE/_pattern.py" solid 8 6 200 30 90 "$WORK/solid.raw" || exit 1
SRC=(-f rawvideo -pix_fmt rgb24 -s 8x6 -i "$WORK/solid.raw")

# filter_error NAME "FILTER ARGS" REGEX: ffmpeg must fail (not crash) and log REGEX
filter_error() {
    ff "$WORK/$1.log" "${SRC[@]}" -vf "$2" -c:v rawvideo -f null -
    expect_error "$1" $? "$WORK/$1.log" "$3"
}

filter_error error_no_model "realesrgan" "No model given"
filter_error error_missing_model "realesrgan=model=$WORK/no_such_model.pth" "no_such_model\.pth"
mkdir -p "$WORK/a_directory.pth"
filter_error error_model_is_directory "realesrgan=model=$WORK/a_directory.pth" "a_directory\.pth"
: >"$WORK/empty.pth"
filter_error error_empty_model "realesrgan=model=$WORK/empty.pth" "empty\.pth"
head -c 300000 "$MODEL" >"$WORK/truncated.pth"
filter_error error_truncated_model "realesrgan=model=$WORK/truncated.pth" "truncated\.pth"
if [ -f "$ROOT/tests/models/data/err_unknown_arch.pth" ]; then
    filter_error error_unknown_arch "realesrgan=model=$ROOT/tests/models/data/err_unknown_arch.pth" \
                 "err_unknown_arch\.pth.*(arch|recogni|unknown|not a)"
else
    skip_data error_unknown_arch "tests/models/data/err_unknown_arch.pth missing"
fi

# every hostile or broken checkpoint the loader's tests use: refused cleanly, never a crash
if [ -d "$ROOT/tests/models/data" ]; then
    bad=""
    n=0
    for model in "$ROOT"/tests/models/data/*.pth "$ROOT"/tests/models/data/*.safetensors; do
        [ -e "$model" ] || continue
        base=$(basename "$model")
        n=$((n + 1))
        ff "$WORK/hostile.log" "${SRC[@]}" -vf "realesrgan=model=$model" -c:v rawvideo -f null -
        status=$?
        if crashed $status; then
            bad="$bad $base(signal $status)"
        elif [ $status -ne 0 ] && ! grep -qF "$base" "$WORK/hostile.log"; then
            bad="$bad $base(message without the file name)"
        elif [ $status -eq 0 ]; then
            case $base in
            *_ok.pth) ;;
            err_*|evil_*|st_*|zip_*) bad="$bad $base(accepted)" ;;
            esac
        fi
    done
    if [ -z "$bad" ]; then
        pass error_hostile_models
        echo "# $n checkpoints from tests/models/data"
    else
        fail error_hostile_models "$bad"
    fi
else
    skip_data error_hostile_models "tests/models/data missing"
fi

filter_error error_tile_negative "realesrgan=model=$MODEL:tile=-1" "tile.*out of range|out of range.*tile"
filter_error error_tile_pad_range "realesrgan=model=$MODEL:tile_pad=100000" "tile_pad.*out of range|out of range.*tile_pad"
filter_error error_backend_foo "realesrgan=model=$MODEL:backend=foo" "backend|foo"
# backend=cuda uploads software frames to a GPU: without one (or without a CUDA build) it
# must fail with a message saying so, not crash
if nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
    skip error_backend_cuda "this machine has a GPU: backend=cuda runs here (tests/gpu checks it)"
else
    filter_error error_backend_cuda "realesrgan=model=$MODEL:backend=cuda" \
                 "cannot open CUDA device 0: .*libcuda\.so\.1|this build has no CUDA engine"
fi
filter_error error_cuda_device_index "realesrgan=model=$MODEL:backend=cuda:device=7" \
             "cannot open CUDA device 7|this build has no CUDA engine"
filter_error error_out_format_software "realesrgan=model=$MODEL:out_format=p010le" \
             "out_format=p010le applies to CUDA frames"
filter_error error_out_format_unknown "realesrgan=model=$MODEL:out_format=nosuchformat" "nosuchformat"
filter_error error_outscale_range "realesrgan=model=$MODEL:outscale=17" "outscale.*out of range|out of range.*outscale"
filter_error error_outscale_negative "realesrgan=model=$MODEL:outscale=-1" "outscale.*out of range|out of range.*outscale"
filter_error error_device_range "realesrgan=model=$MODEL:device=-2" "device.*out of range|out of range.*device"
filter_error error_precision_foo "realesrgan=model=$MODEL:precision=fp4" "precision|fp4"
# fp8 is a CUDA precision (e4m3 tensor cores): the CPU engine refuses it, saying where it runs
filter_error error_precision_fp8_cpu "realesrgan=model=$MODEL:backend=cpu:precision=fp8" \
             "precision=fp8 runs on CUDA GPUs of compute capability 8\.9 or newer only"
filter_error error_alpha_foo "realesrgan=model=$MODEL:alpha=linear" "alpha|linear"
filter_error error_rounding_foo "realesrgan=model=$MODEL:rounding=up" "rounding|up"
filter_error error_pre_pad_range "realesrgan=model=$MODEL:pre_pad=-1" "pre_pad.*out of range|out of range.*pre_pad"

# tiny frames: output size, and finite values in float
tiny() {
    local name=$1 fmt=$2 model=$3 want_w=$4 status dims
    "$PY" "$HERE/_pattern.py" solid 1 1 10 200 120 "$WORK/one.raw"
    ff "$WORK/$name.log" -f rawvideo -pix_fmt rgb24 -s 1x1 -i "$WORK/one.raw" \
       -vf "format=$fmt,realesrgan=model=$model" -c:v rawvideo -f nut "$WORK/$name.nut"
    status=$?
    if [ $status -ne 0 ]; then
        echo "ffmpeg exited $status: $(log_excerpt "$WORK/$name.log")"
        return 1
    fi
    dims=$("$FFPROBE" -v error -show_entries stream=width,height -of csv=p=0 "$WORK/$name.nut")
    if [ "$dims" != "$want_w,$want_w" ]; then
        echo "output $dims, want ${want_w}x$want_w"
        return 1
    fi
    if ! ff "$WORK/$name.f.log" -f rawvideo -pix_fmt rgb24 -s 1x1 -i "$WORK/one.raw" \
            -vf "format=gbrpf32le,realesrgan=model=$model" -f rawvideo "$WORK/$name.f32" ||
       ! "$PY" -c 'import sys, numpy as np; a = np.fromfile(sys.argv[1], "<f4"); sys.exit(0 if a.size == 3 * int(sys.argv[2]) ** 2 and np.isfinite(a).all() else 1)' \
            "$WORK/$name.f32" "$want_w"; then
        echo "float output missing or not finite"
        return 1
    fi
}
if why=$(tiny tiny_1x1_rgb24 rgb24 "$MODEL" 4); then pass tiny_1x1_rgb24; else fail tiny_1x1_rgb24 "$why"; fi
if why=$(tiny tiny_1x1_yuv420p yuv420p "$MODEL" 4); then pass tiny_1x1_yuv420p; else fail tiny_1x1_yuv420p "$why"; fi
if [ -f "$ROOT/tests/fixtures/rrdb_x2_f16.pth" ] && [ -f "$ROOT/tests/fixtures/rrdb_x1_bf16.pth" ]; then
    if why=$(tiny tiny_x2 yuv420p "$ROOT/tests/fixtures/rrdb_x2_f16.pth" 2 &&
             tiny tiny_x1 yuv444p "$ROOT/tests/fixtures/rrdb_x1_bf16.pth" 1); then
        pass tiny_1x1_x2_x1_models
    else
        fail tiny_1x1_x2_x1_models "$why"
    fi
else
    skip_data tiny_1x1_x2_x1_models "tests/fixtures/rrdb_x{2,1}_*.pth missing"
fi

# A stream whose size changes: four PNG images read as one stream by the image2 demuxer,
# two of 64x48 then two of 40x30 (the PNG decoder takes each frame's size from the frame).
"$PY" "$HERE/_pattern.py" pattern 64 48 "$WORK/p64.raw"
"$PY" "$HERE/_pattern.py" pattern 40 30 "$WORK/p40.raw"
n=1
for s in 64x48 64x48 40x30 40x30; do
    if ! ff "$WORK/seg.log" -f rawvideo -pix_fmt rgba64le -s $s -i "$WORK/p${s%x*}.raw" \
            -vf format=rgb24 -c:v png "$WORK/img$n.png"; then
        fail resolution_change_setup "$(log_excerpt "$WORK/seg.log")"
        exit 1
    fi
    n=$((n + 1))
done
IMAGES=(-framerate 25 -i "$WORK/img%d.png")
ff "$WORK/reinit.log" -v verbose "${IMAGES[@]}" \
   -vf "realesrgan=model=$MODEL,scale=256:192" -c:v rawvideo -f framemd5 "$WORK/reinit.md5"
status=$?
frames=$(grep -vc '^#' "$WORK/reinit.md5" 2>/dev/null)
configs=$(grep -c "w:40 h:30 fmt:rgb24 -> w:160 h:120" "$WORK/reinit.log")
if [ $status -eq 0 ] && [ "$frames" -eq 4 ] && [ "$configs" -ge 1 ]; then
    pass resolution_change_reinit
else
    fail resolution_change_reinit "status $status, $frames frames, 40x30 configured $configs times: $(log_excerpt "$WORK/reinit.log")"
fi
ff "$WORK/noreinit.log" -reinit_filter 0 "${IMAGES[@]}" \
   -vf "realesrgan=model=$MODEL" -c:v rawvideo -f framemd5 "$WORK/noreinit.md5"
status=$?
if crashed $status; then
    fail resolution_change_no_reinit "ffmpeg killed by a signal (status $status)"
elif [ $status -ne 0 ] && grep -q "mid-stream" "$WORK/noreinit.log"; then
    echo "# $(grep -m1 'mid-stream' "$WORK/noreinit.log" | cut -c1-200)"
    pass resolution_change_no_reinit
else
    fail resolution_change_no_reinit "status $status without the mid-stream error: $(log_excerpt "$WORK/noreinit.log")"
fi
finish
