#!/usr/bin/env bash
# Every pixel format the filter advertises, through ffmpeg on a 64x48 test pattern
# (tests/filter/_pattern.py, rgba64le: bars, gradients, a checkerboard, 1-pixel lines,
# noise, an alpha ramp with a hole), converted to the format F by swscale and tagged BT.709
# with left chroma siting. For each F:
#   - realesrgan's output is F at 256x192;
#   - twin: the filter's F output equals tests/filter/_twin.py (a numpy implementation of
#     the documented conversion) decoding the same F input, running the network on gbrpf32le
#     (exact), and encoding back to F: >= 50 dB, i.e. equal up to rare 1-code rounding;
#   - swscale: the filter in F agrees with swscale doing both conversions around the network
#     in gbrpf32le (a loose, independent check: swscale's kernels differ, its 8-bit YUV
#     decode is off by up to 1/255, and its gray16/grayf32 range handling is inconsistent,
#     so gray is left to the twin);
#   - alpha formats: our bicubic alpha against swscale's Catmull-Rom (bicubic B=0, C=0.5)
#     upscale of the same frame's alpha.
# A swapped channel, wrong matrix, range, siting or bit shift costs tens of dB in each.
. "$(dirname "$0")/_lib.sh"

# format  bits-per-pixel  min-PSNR against swscale (0: not compared)
FORMATS=(
    "rgb24 24 45"     "bgr24 24 45"     "rgba 32 45"      "bgra 32 45"
    "argb 32 45"      "abgr 32 45"      "rgb0 32 45"      "bgr0 32 45"
    "0rgb 32 45"      "0bgr 32 45"      "rgb48le 48 60"   "rgba64le 64 60"
    "gbrp 24 45"      "gbrp10le 48 55"  "gbrp12le 48 60"  "gbrp16le 48 60"
    "gbrpf32le 96 60" "gbrap 32 45"     "gbrap16le 64 60"
    "gray 8 0"        "gray10le 16 0"   "gray16le 16 0"   "grayf32le 32 0"
    "yuv420p 12 28"   "yuv422p 16 28"   "yuv444p 24 45"
    "yuvj420p 12 28"  "yuvj422p 16 28"  "yuvj444p 24 42"
    "yuva420p 20 28"  "yuva444p 32 45"
    "yuv420p10le 24 28" "yuv422p10le 32 28" "yuv444p10le 48 50"
    "yuv420p12le 24 28" "yuv420p16le 24 28" "yuv444p16le 48 50"
    "nv12 12 28"      "nv21 12 28"      "p010le 24 28"    "p016le 24 28"
    "gbrp14le 48 60"  "gbrap10le 64 55" "gbrap12le 64 60" "gbrapf32le 128 60"
    "gray12le 16 0"   "gray14le 16 0"
    "yuv422p12le 32 28" "yuv444p12le 48 50" "yuv422p16le 32 28"
    "yuva420p10le 40 28" "yuva422p10le 48 28" "yuva444p10le 64 50"
    "yuva444p12le 64 50" "yuva420p16le 40 28" "yuva444p16le 64 50"
)
CASES=()
for entry in "${FORMATS[@]}"; do CASES+=("format_${entry%% *}"); done
require_ffmpeg "${CASES[@]}"
if [ ! -f "$MODEL" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "$MODEL missing"; done
    exit 0
fi

W=64 H=48 OW=256 OH=192
"$PY" "$HERE/_pattern.py" pattern $W $H "$WORK/pattern.raw" || { fail format_setup "pattern"; exit 1; }
SRC=(-f rawvideo -pix_fmt rgba64le -s "${W}x$H" -i "$WORK/pattern.raw")
TAG="scale=out_color_matrix=bt709:out_chroma_loc=left"
SR="realesrgan=model=$MODEL"

for entry in "${FORMATS[@]}"; do
    read -r fmt bpp min_db <<<"$entry"
    name=format_$fmt
    a=$WORK/$fmt.a.raw b=$WORK/$fmt.b.raw

    ff "$WORK/$fmt.fmt.log" "${SRC[@]}" -vf "$TAG,format=$fmt,$SR" -c:v rawvideo -f rawvideo "$WORK/$fmt.native"
    status=$?
    if [ $status -ne 0 ]; then
        fail "$name" "ffmpeg exited $status: $(log_excerpt "$WORK/$fmt.fmt.log")"
        continue
    fi
    # the encoder's stream line names the filter's output format
    out_fmt=$(sed -n '/^Output #0/,$p' "$WORK/$fmt.fmt.log" | grep -m1 -o "Video: rawvideo[^,]*, [a-z0-9]*" | sed 's/.*, //')
    size=$(stat -c %s "$WORK/$fmt.native")
    if [ "$out_fmt" != "$fmt" ] || [ "$size" -ne $((OW * OH * bpp / 8)) ]; then
        fail "$name" "output is '$out_fmt', $size bytes (want $fmt, $((OW * OH * bpp / 8)))"
        continue
    fi

    # the twin: same F input, our conversions replaced by numpy around the exact float path
    twin() { "$PY" "$HERE/_twin.py" "$@"; }
    if ! ff "$WORK/$fmt.in.log" "${SRC[@]}" -vf "$TAG,format=$fmt" -c:v rawvideo -f rawvideo "$WORK/$fmt.in" ||
       ! twin decode "$fmt" $W $H "$WORK/$fmt.in" "$WORK/$fmt.in.f32" ||
       ! ff "$WORK/$fmt.net.log" -f rawvideo -pix_fmt gbrpf32le -s "${W}x$H" -i "$WORK/$fmt.in.f32" \
            -vf "$SR" -f rawvideo "$WORK/$fmt.out.f32" ||
       ! twin encode "$fmt" $OW $OH "$WORK/$fmt.out.f32" "$WORK/$fmt.twin"; then
        fail "$name" "twin pipeline failed: $(log_excerpt "$WORK/$fmt.net.log")"
        continue
    fi
    twin_db=$(twin psnr "$fmt" $OW $OH "$WORK/$fmt.native" "$WORK/$fmt.twin")
    if ! at_least "$twin_db" 50; then
        fail "$name" "differs from the numpy twin: $twin_db dB"
        continue
    fi

    swscale_db=-
    if [ "$min_db" -gt 0 ]; then
        if ! ff "$WORK/$fmt.a.log" "${SRC[@]}" -vf "$TAG,format=$fmt,$SR,format=gbrpf32le" -f rawvideo "$a" ||
           ! ff "$WORK/$fmt.b.log" "${SRC[@]}" \
                -vf "$TAG,format=$fmt,format=gbrpf32le,$SR,$TAG,format=$fmt,format=gbrpf32le" -f rawvideo "$b"; then
            fail "$name" "swscale runs failed: $(log_excerpt "$WORK/$fmt.a.log") $(log_excerpt "$WORK/$fmt.b.log")"
            continue
        fi
        report=$("$PY" "$ROOT/tests/reference/compare.py" "$a" "$b" --w $OW --h $OH --fmt gbrpf32le \
                 --clamp --min-psnr "$min_db" 2>&1)
        cmp_status=$?
        swscale_db=$(echo "$report" | head -1 | awk '{ print $2 }')
        if [ $cmp_status -ne 0 ]; then
            fail "$name" "against swscale below $min_db dB: $(echo "$report" | head -1)"
            continue
        fi
    fi
    echo "# $fmt: twin $twin_db dB, swscale $swscale_db dB"

    case $fmt in rgba|bgra|argb|abgr|rgba64le|gbrap|gbrap16le|yuva420p|yuva444p|gbrap1[02]le|gbrapf32le|yuva4[24]*p1[026]le)
        if ! ff "$WORK/$fmt.alpha.log" "${SRC[@]}" \
                -vf "$TAG,format=$fmt,scale=$OW:$OH:flags=bicubic+accurate_rnd:param0=0:param1=0.5" \
                -c:v rawvideo -f rawvideo "$WORK/$fmt.scaled"; then
            fail "$name" "swscale upscale failed: $(log_excerpt "$WORK/$fmt.alpha.log")"
            continue
        fi
        alpha_db=$("$PY" "$HERE/_pattern.py" alpha-psnr "$fmt" $OW $OH "$WORK/$fmt.native" "$WORK/$fmt.scaled")
        echo "# $fmt alpha vs swscale Catmull-Rom: $alpha_db dB"
        if ! at_least "$alpha_db" 35; then
            fail "$name" "alpha differs from a Catmull-Rom upscale: $alpha_db dB"
            continue
        fi
        ;;
    esac
    pass "$name"
done
finish
