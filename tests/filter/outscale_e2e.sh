#!/usr/bin/env bash
# outscale and what the filter logs, through ffmpeg:
#   - the output size: the input times outscale, truncated as the official script does, in
#     whole chroma samples;
#   - the content: the x4 network's output resized by the filter equals PIL's Lanczos
#     (Image.LANCZOS on float planes, tests/filter/_resize_ref.py) of the filter's own
#     full-scale output, >= 45 dB for 8-bit RGB and luma (only rounding differs), >= 60 dB
#     for float frames; 4:2:0 chroma is compared loosely (PIL has no chroma siting);
#   - outscale equal to the model's scale changes nothing; growing past the model's scale;
#   - the one-line summary at the default log level, per-frame timings at -v verbose,
#     ffmpeg's progress line (-stats) still printed.
. "$(dirname "$0")/_lib.sh"

CASES=(outscale_2x_rgb24 outscale_3.5x_rgb24 outscale_2x_gbrpf32 outscale_3.5x_yuv420p
       outscale_odd_sizes outscale_same_as_model outscale_grow_x2_model outscale_too_small
       summary_line verbose_timings progress_line)
require_ffmpeg "${CASES[@]}"
if [ ! -f "$MODEL" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "$MODEL missing"; done
    exit 0
fi

W=64 H=48
"$PY" "$HERE/_pattern.py" pattern $W $H "$WORK/pattern.raw" || { fail outscale_setup "pattern"; exit 1; }
SRC=(-f rawvideo -pix_fmt rgba64le -s "${W}x$H" -i "$WORK/pattern.raw")
TAG="scale=out_color_matrix=bt709:out_chroma_loc=left"

# dims FILE: WxH of the first video stream
dims() { "$FFPROBE" -v error -show_entries stream=width,height -of csv=s=x:p=0 "$1"; }

# resized NAME FMT FACTOR MIN_ALL MIN_LUMA [MODEL]: the filter at outscale=FACTOR against
# PIL's Lanczos of the filter's full-scale output
resized() {
    local name=$1 fmt=$2 factor=$3 min_all=$4 min_first=$5 model=${6:-$MODEL} scale=${7:-4}
    local full=$WORK/$name.full.nut out=$WORK/$name.out.nut fw fh ow oh report p0 all
    if ! ff "$WORK/$name.full.log" "${SRC[@]}" -vf "$TAG,format=$fmt,realesrgan=model=$model" \
            -c:v rawvideo -f nut "$full" ||
       ! ff "$WORK/$name.out.log" "${SRC[@]}" -vf "$TAG,format=$fmt,realesrgan=model=$model:outscale=$factor" \
            -c:v rawvideo -f nut "$out"; then
        fail "$name" "ffmpeg failed: $(log_excerpt "$WORK/$name.out.log")"
        return
    fi
    IFS=x read -r fw fh <<<"$(dims "$full")"
    IFS=x read -r ow oh <<<"$(dims "$out")"
    local want_w want_h
    want_w=$(awk -v n=$W -v f="$factor" 'BEGIN { printf "%d", int(n * f + 0.5) }')
    want_h=$(awk -v n=$H -v f="$factor" 'BEGIN { printf "%d", int(n * f + 0.5) }')
    if [ "$fw" != $((W * scale)) ] || [ "$fh" != $((H * scale)) ] || [ "$ow" != "$want_w" ] || [ "$oh" != "$want_h" ]; then
        fail "$name" "sizes: full ${fw}x$fh (want $((W * scale))x$((H * scale))), output ${ow}x$oh (want ${want_w}x$want_h)"
        return
    fi
    ff "$WORK/$name.raw1.log" -i "$full" -c:v rawvideo -f rawvideo "$WORK/$name.full.raw" &&
        ff "$WORK/$name.raw2.log" -i "$out" -c:v rawvideo -f rawvideo "$WORK/$name.out.raw"
    report=$("$PY" "$HERE/_resize_ref.py" "$fmt" "$fw" "$fh" "$WORK/$name.full.raw" "$ow" "$oh" "$WORK/$name.out.raw")
    read -r _ p0 _ _ _ all <<<"$report"
    echo "# $name: ${fw}x$fh -> ${ow}x$oh, against PIL Lanczos: $report"
    if at_least "$all" "$min_all" inf && at_least "$p0" "$min_first" inf; then
        pass "$name"
    else
        fail "$name" "$report (want all >= $min_all dB, first plane >= $min_first dB)"
    fi
}

resized outscale_2x_rgb24 rgb24 2 45 45
resized outscale_3.5x_rgb24 rgb24 3.5 45 45
resized outscale_2x_gbrpf32 gbrpf32le 2 60 60
# 4:2:0: luma as strictly as RGB; chroma sits left, PIL centres it, hence the loose total
resized outscale_3.5x_yuv420p yuv420p 3.5 35 45

# odd input: the official int(63 * 3.5) x int(47 * 3.5) = 220x164, then whole chroma samples
# (rounding=nearest: 221x165 for RGB, tests/filter/fidelity_e2e.sh)
odd_sizes() {
    local fmt want got
    for entry in "rgb24 220x164" "yuv420p 220x164" "yuv422p 220x164"; do
        read -r fmt want <<<"$entry"
        if ! ff "$WORK/odd.$fmt.log" -f rawvideo -pix_fmt rgba64le -s 63x47 -i "$WORK/pattern63.raw" \
                -vf "format=$fmt,realesrgan=model=$MODEL:outscale=3.5" -c:v rawvideo -f nut "$WORK/odd.$fmt.nut"; then
            echo "$fmt: ffmpeg failed: $(log_excerpt "$WORK/odd.$fmt.log")"
            return 1
        fi
        got=$(dims "$WORK/odd.$fmt.nut")
        [ "$got" = "$want" ] || { echo "$fmt: 63x47 x3.5 gave $got, want $want"; return 1; }
    done
}
"$PY" "$HERE/_pattern.py" pattern 63 47 "$WORK/pattern63.raw"
if why=$(odd_sizes); then pass outscale_odd_sizes; else fail outscale_odd_sizes "$why"; fi

# outscale 4 on an x4 model: no resize, the same bytes as without the option
if ff "$WORK/same.a.log" "${SRC[@]}" -vf "format=rgb24,realesrgan=model=$MODEL" -f rawvideo "$WORK/same.a" &&
   ff "$WORK/same.b.log" "${SRC[@]}" -vf "format=rgb24,realesrgan=model=$MODEL:outscale=4" -f rawvideo "$WORK/same.b" &&
   cmp -s "$WORK/same.a" "$WORK/same.b"; then
    pass outscale_same_as_model
else
    fail outscale_same_as_model "outscale=4 differs from the x4 model's own output"
fi

# an x2 model to 3x: growing after the network
if [ -f "$ROOT/tests/fixtures/rrdb_x2_f16.pth" ]; then
    resized outscale_grow_x2_model rgb24 3 45 45 "$ROOT/tests/fixtures/rrdb_x2_f16.pth" 2
else
    skip_data outscale_grow_x2_model "tests/fixtures/rrdb_x2_f16.pth missing"
fi

# more than 64x shrinking of the network's output is refused with a message
ff "$WORK/small.log" "${SRC[@]}" -vf "realesrgan=model=$MODEL:outscale=0.001" -f null -
status=$?
if crashed $status; then
    fail outscale_too_small "ffmpeg killed by a signal"
elif [ $status -ne 0 ] && grep -q "Cannot plan resizing 256x192 to 1x1" "$WORK/small.log"; then
    pass outscale_too_small
else
    fail outscale_too_small "status $status: $(log_excerpt "$WORK/small.log")"
fi

# the one-line summary (default log level) and per-frame timings (-v verbose)
ff "$WORK/info.log" "${SRC[@]}" -frames:v 1 -vf "realesrgan=model=$MODEL:outscale=2:threads=2" -f null -
if grep -qE "realesr-animevideov3.pth: SRVGGNetCompact x4, 0\.[0-9]+M parameters; backend cpu, fp32, 2 thread\(s\), tile auto \(pad 19, auto\); 64x48 -> 128x96, Lanczos to x2" "$WORK/info.log"; then
    echo "# $(grep -m1 'SRVGGNetCompact x4' "$WORK/info.log")"
    pass summary_line
else
    fail summary_line "no summary line: $(grep -m1 realesrgan "$WORK/info.log")"
fi
ff "$WORK/verbose.log" -v verbose -stream_loop 1 "${SRC[@]}" -frames:v 2 -vf "realesrgan=model=$MODEL:outscale=2" -f null -
n=$(grep -cE "frame [0-9]+ \(pts [0-9]+\): engine [0-9.]+ ms \(network [0-9.]+, conversion [0-9.]+\), resize [0-9.]+ ms, transfer [0-9.]+ ms; [0-9.]+ ms, [0-9.]+ fps" "$WORK/verbose.log")
if [ "$n" -eq 2 ]; then
    echo "# $(grep -m1 -E 'frame 1 \(pts' "$WORK/verbose.log")"
    pass verbose_timings
else
    fail verbose_timings "$n per-frame timing lines for 2 frames"
fi
# -stats: the progress line reaches its last frame
"$PY" "$HERE/_pattern.py" pattern 32 24 "$WORK/p32.raw"
ff "$WORK/stats.log" -stats -f rawvideo -pix_fmt rgba64le -s 32x24 -framerate 25 -stream_loop 4 -i "$WORK/p32.raw" \
   -vf "realesrgan=model=$MODEL" -f null -
if grep -qE "frame= *5 .*fps=.*speed=" "$WORK/stats.log"; then
    pass progress_line
else
    fail progress_line "no 'frame=    5 ... speed=' progress line: $(tr '\r' '\n' < "$WORK/stats.log" | grep -m1 'frame=')"
fi
finish
