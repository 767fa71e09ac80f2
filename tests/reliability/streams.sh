#!/usr/bin/env bash
# Awkward streams through ffmpeg -vf realesrgan (tests/RELIABILITY.md lists what each
# case shows):
#   - tiny and odd frame sizes (2x3, 3x2, 1x2, widths not a multiple of 2 or 4) in
#     subsampled, semi-planar, packed, gray, alpha and 10-bit formats: the output is 4x and
#     equals the numpy twin of the conversions around the exact float path (>= 50 dB);
#   - the pixel format changing mid-stream (PNG frames of rgb24, rgba, gray, rgb48):
#     the filter is configured anew for each and every frame comes out;
#   - variable frame rate: the output's timestamps are the input's, frame for frame;
#   - end of stream: N frames in, N frames out, for small N;
#   - SIGINT while encoding to MP4: ffmpeg stops cleanly and the file plays to the end;
#   - NaN and Inf samples in a float frame: read as 0 (NaN, -Inf) or 1 (+Inf), so the output
#     is finite and equal to that of the cleaned frame; the filter warns once.
# 1x1 frames and a resolution change are in tests/filter/errors_e2e.sh.
. "$(dirname "$0")/../filter/_lib.sh"
HERE_R=$ROOT/tests/reliability
FAST=$ROOT/tests/fixtures/srvgg_x4.pth   # 0.03 MFLOP per pixel: many frames quickly

SIZES=("yuv420p 2 3" "yuv420p 3 2" "nv12 2 3" "nv21 1 2" "rgb24 2 3" "gray 3 2" "yuv444p 5 1"
       "yuv420p 17 9" "nv12 18 10" "yuv422p 30 7" "rgb24 33 31" "yuv420p10le 13 11"
       "p010le 6 5" "yuva420p 7 5")
CASES=(pixfmt_change_midstream vfr_timestamps eof_flush_1_2_3_7 sigint_mp4_playable
       nonfinite_float_input nonfinite_float_warning)
for s in "${SIZES[@]}"; do
    set -- $s
    CASES+=("size_${2}x${3}_$1")
done
require_ffmpeg "${CASES[@]}"
if [ ! -f "$MODEL" ] || [ ! -f "$FAST" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "$MODEL or $FAST missing"; done
    exit 0
fi

# --- sizes -------------------------------------------------------------------------------------
# Against tests/filter/_twin.py (numpy, from core/colour_math.h's documented rules) around the exact
# float path, as formats_e2e.sh does at 64x48: >= 50 dB is equal up to rare 1-code rounding;
# a wrong stride, chroma size or offset at odd sizes costs tens of dB.
TAG="scale=out_color_matrix=bt709:out_chroma_loc=left"
twin() { "$PY" "$HERE/_twin.py" "$@"; }
for s in "${SIZES[@]}"; do
    set -- $s
    fmt=$1 w=$2 h=$3 ow=$((4 * $2)) oh=$((4 * $3)) name="size_${2}x${3}_$1"
    "$PY" "$HERE/_pattern.py" pattern "$w" "$h" "$WORK/$name.rgba"
    src=(-f rawvideo -pix_fmt rgba64le -s "${w}x$h" -i "$WORK/$name.rgba")
    if ! ff "$WORK/$name.log" "${src[@]}" -vf "$TAG,format=$fmt,realesrgan=model=$MODEL" \
            -c:v rawvideo -f nut "$WORK/$name.nut"; then
        fail "$name" "ffmpeg failed: $(log_excerpt "$WORK/$name.log")"
        continue
    fi
    # (the size from the file; the format from the encoder's stream line: NUT's raw video
    # tags do not tell p010le apart)
    got=$("$FFPROBE" -v error -show_entries stream=width,height -of csv=p=0 "$WORK/$name.nut"),$(
        sed -n '/^Output #0/,$p' "$WORK/$name.log" | grep -m1 -o "Video: rawvideo[^,]*, [a-z0-9]*" | sed 's/.*, //')
    if [ "$got" != "$ow,$oh,$fmt" ]; then
        fail "$name" "output '$got', want $ow,$oh,$fmt"
        continue
    fi
    if ! ff "$WORK/$name.n.log" -i "$WORK/$name.nut" -c:v copy -f rawvideo "$WORK/$name.native" ||
       ! ff "$WORK/$name.in.log" "${src[@]}" -vf "$TAG,format=$fmt" -f rawvideo "$WORK/$name.in" ||
       ! twin decode "$fmt" "$w" "$h" "$WORK/$name.in" "$WORK/$name.in.f32" ||
       ! ff "$WORK/$name.net.log" -f rawvideo -pix_fmt gbrpf32le -s "${w}x$h" -i "$WORK/$name.in.f32" \
            -vf "realesrgan=model=$MODEL" -f rawvideo "$WORK/$name.out.f32" ||
       ! twin encode "$fmt" $ow $oh "$WORK/$name.out.f32" "$WORK/$name.twin"; then
        fail "$name" "twin pipeline failed: $(log_excerpt "$WORK/$name.net.log")"
        continue
    fi
    db=$(twin psnr "$fmt" $ow $oh "$WORK/$name.native" "$WORK/$name.twin")
    echo "# $name: against the numpy twin: $db dB"
    if at_least "$db" 50; then
        pass "$name"
    else
        fail "$name" "differs from the numpy twin: $db dB"
    fi
done

# --- pixel format changes mid-stream -----------------------------------------------------------
"$PY" "$HERE/_pattern.py" pattern 64 48 "$WORK/p.raw"
n=1
for f in rgb24 rgba gray rgb48be; do
    ff "$WORK/png.log" -f rawvideo -pix_fmt rgba64le -s 64x48 -i "$WORK/p.raw" -vf format=$f \
       -c:v png "$WORK/fmt$n.png" || { fail pixfmt_change_midstream "setup: $(log_excerpt "$WORK/png.log")"; break; }
    n=$((n + 1))
done
if [ $n = 5 ]; then
    ff "$WORK/fmt.log" -v verbose -framerate 25 -i "$WORK/fmt%d.png" \
       -vf "realesrgan=model=$FAST,format=rgb24" -c:v rawvideo -f framemd5 "$WORK/fmt.md5"
    status=$?
    frames=$(grep -vc '^#' "$WORK/fmt.md5" 2>/dev/null)
    # one configuration per frame; rgb48be (not one of ours) arrives converted by ffmpeg
    configs=$(grep -cE 'realesrgan.*w:64 h:48 fmt:[a-z0-9]+ -> w:256 h:192' "$WORK/fmt.log")
    formats=$(grep -oE 'realesrgan.*w:64 h:48 fmt:[a-z0-9]+ -> w:256' "$WORK/fmt.log" | grep -oE 'fmt:[a-z0-9]+' | sort -u | tr '\n' ' ')
    echo "# pixfmt change: $frames frames, $configs configurations, formats $formats"
    if [ $status = 0 ] && [ "$frames" = 4 ] && [ "$configs" -ge 4 ] &&
       [ "$(echo "$formats" | wc -w)" -ge 3 ]; then
        pass pixfmt_change_midstream
    else
        fail pixfmt_change_midstream "status $status, $frames frames, $configs configurations ($formats): $(log_excerpt "$WORK/fmt.log")"
    fi
fi

# --- variable frame rate -----------------------------------------------------------------------
# irregular gaps (frames dropped in a pattern) and a jump; -fps_mode passthrough keeps them
vfr=(-f lavfi -i "testsrc2=s=32x24:r=25:d=2,select='not(eq(mod(n\,5)\,1))*not(eq(mod(n\,7)\,3))',setpts='PTS+gte(N\,20)*0.37/TB'" -fps_mode passthrough)
ff "$WORK/vfr_ref.log" "${vfr[@]}" -c:v rawvideo -f framemd5 "$WORK/vfr_ref.md5" &&
ff "$WORK/vfr.log" "${vfr[@]}" -vf "realesrgan=model=$FAST" -c:v rawvideo -f framemd5 "$WORK/vfr.md5"
status=$?
# framemd5: stream, dts, pts, duration, size, md5 -> keep pts and duration
cut -d, -f3,4 <(grep -v '^#' "$WORK/vfr_ref.md5") > "$WORK/vfr_ref.pts" 2>/dev/null
cut -d, -f3,4 <(grep -v '^#' "$WORK/vfr.md5") > "$WORK/vfr.pts" 2>/dev/null
nref=$(wc -l < "$WORK/vfr_ref.pts")
if [ $status = 0 ] && [ "$nref" -gt 20 ] && cmp -s "$WORK/vfr_ref.pts" "$WORK/vfr.pts"; then
    echo "# vfr: $nref frames, timestamps equal to the source's"
    pass vfr_timestamps
else
    fail vfr_timestamps "status $status, $nref source frames; differences: $(diff "$WORK/vfr_ref.pts" "$WORK/vfr.pts" 2>&1 | head -n 3 | tr '\n' ' ')"
fi

# --- NaN / Inf in float frames ------------------------------------------------------------------
# 16x12 gbrpf32le frames with NaN, +Inf and -Inf samples (twice: the warning comes once),
# and the same frames cleaned (NaN, -Inf -> 0, +Inf -> 1): the outputs must be finite and
# identical.
"$PY" - "$WORK/nf.f32" "$WORK/nf_clean.f32" <<'PYEOF'
import sys
import numpy as np
rng = np.random.default_rng(7)
planes = rng.random((3, 12, 16), dtype=np.float32)      # gbrp plane order: G, B, R
planes[0, 5, 5] = np.nan
planes[2, 3, 10] = np.inf
planes[1, 11, 2] = -np.inf
planes[0, 0, 15] = np.nan
clean = np.where(np.isnan(planes), 0, np.clip(planes, 0, 1)).astype(np.float32)
clean = np.where(np.isfinite(planes), planes, clean).astype(np.float32)
np.stack([planes, planes]).tofile(sys.argv[1])
np.stack([clean, clean]).tofile(sys.argv[2])
PYEOF
nf_src=(-f rawvideo -pix_fmt gbrpf32le -s 16x12)
ff "$WORK/nf.log" -v warning "${nf_src[@]}" -i "$WORK/nf.f32" -vf "realesrgan=model=$FAST" \
    -f rawvideo "$WORK/nf.out" &&
ff "$WORK/nf_clean.log" "${nf_src[@]}" -i "$WORK/nf_clean.f32" -vf "realesrgan=model=$FAST" \
    -f rawvideo "$WORK/nf_clean.out"
status=$?
verdict=$("$PY" - "$WORK/nf.out" "$WORK/nf_clean.out" <<'PYEOF'
import sys
import numpy as np
a, b = (np.fromfile(f, dtype=np.float32) for f in sys.argv[1:3])
if a.size != 2 * 3 * 64 * 48 or b.size != a.size:
    print(f"output sizes {a.size}, {b.size}, want {2 * 3 * 64 * 48}")
elif not np.isfinite(a).all():
    print(f"{np.count_nonzero(~np.isfinite(a))} non-finite output samples")
elif not np.array_equal(a, b):
    print(f"differs from the cleaned frame's output: max |diff| {np.abs(a - b).max():.3g}")
else:
    print("ok")
PYEOF
)
if [ $status = 0 ] && [ "$verdict" = ok ]; then
    pass nonfinite_float_input
else
    fail nonfinite_float_input "status $status, $verdict: $(log_excerpt "$WORK/nf.log")"
fi
# (the warning is logged by vf_realesrgan.c through resr_frame_count_nonfinite)
if ! grep -q resr_frame_count_nonfinite "$ROOT/vf_realesrgan/vf_realesrgan.c"; then
    skip nonfinite_float_warning "vf_realesrgan.c does not call resr_frame_count_nonfinite yet"
elif [ "$(grep -c 'NaN/Inf samples' "$WORK/nf.log")" = 1 ]; then
    pass nonfinite_float_warning
else
    fail nonfinite_float_warning "want one 'NaN/Inf samples' warning: $(log_excerpt "$WORK/nf.log")"
fi

# --- end of stream: every frame comes out --------------------------------------------------------
bad=
for n in 1 2 3 7; do
    ff "$WORK/eof$n.log" -f lavfi -i "testsrc2=s=24x16:r=25" -frames:v $n \
       -vf "realesrgan=model=$FAST" -c:v rawvideo -f framemd5 "$WORK/eof$n.md5"
    got=$(grep -vc '^#' "$WORK/eof$n.md5" 2>/dev/null)
    [ "$got" = "$n" ] || bad="$bad $n in -> $got out;"
done
if [ -z "$bad" ]; then pass eof_flush_1_2_3_7; else fail eof_flush_1_2_3_7 "$bad"; fi

# --- SIGINT while writing an MP4 --------------------------------------------------------------
# ffmpeg's first SIGINT stops reading input, flushes the graph and the encoder and writes the
# trailer (MP4's index is at the end: without it nothing plays).
codec=(-c:v libx264 -preset ultrafast -pix_fmt yuv420p)
"$FFMPEG" -hide_banner -encoders 2>/dev/null | grep -q libx264 || codec=(-c:v rawvideo -f mov)
"$FFMPEG" -hide_banner -nostdin -y -f lavfi -i "testsrc2=s=64x48:r=25" \
    -vf "realesrgan=model=$FAST" "${codec[@]}" -progress "$WORK/int.progress" \
    "$WORK/int.mp4" > /dev/null 2> "$WORK/int.log" &
pid=$!
for _ in $(seq 1 600); do
    frames=$(grep -o '^frame=[0-9]*' "$WORK/int.progress" 2>/dev/null | tail -n 1 | cut -d= -f2)
    [ "${frames:-0}" -ge 25 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
kill -INT $pid 2>/dev/null
# a clean stop takes well under a second; past 60 s it is hung
for _ in $(seq 1 600); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
    kill -KILL $pid
    wait $pid 2>/dev/null
    fail sigint_mp4_playable "ffmpeg still running 60 s after SIGINT"
else
    wait $pid
    status=$?
    decoded=$("$FFPROBE" -v error -count_frames -select_streams v:0 \
               -show_entries stream=nb_read_frames,width,height -of csv=p=0 "$WORK/int.mp4" 2>"$WORK/probe.err")
    errors=$("$FFMPEG" -hide_banner -nostdin -v error -i "$WORK/int.mp4" -f null - 2>&1 | head -n 3)
    echo "# sigint: ffmpeg exit $status after ${frames:-0}+ frames; file: $decoded (w,h,frames)"
    # ffmpeg exits 255 after a signal it handled; 128+n would be the signal killing it
    if [ $status -eq 255 ] && grep -q 'received signal 2' "$WORK/int.log" &&
       [ "${decoded%%,*}" = 256 ] && [ "${decoded##*,}" -ge 25 ] 2>/dev/null && [ -z "$errors" ]; then
        pass sigint_mp4_playable
    else
        fail sigint_mp4_playable "exit $status, probe '$decoded' $(head -c 200 "$WORK/probe.err"), decode errors '$errors': $(log_excerpt "$WORK/int.log")"
    fi
fi
finish
