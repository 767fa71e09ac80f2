#!/usr/bin/env bash
# Held frames (dedup, core/dedup.h) end to end on the CPU engine with realesr-animevideov3:
#  - a synthetic clip "drawn on twos" (testsrc2 at 12 fps made 24 fps: every picture at
#    least twice): with dedup=0 the frames reused (the INFO count and the verbose per-frame
#    lines) are the exact repeats numpy counts in the decoded input, and every output frame
#    is bit-identical to dedup=-1's;
#  - rgba frames A, A, then A with one code value changed in one alpha sample: at dedup=0
#    the second is reused, the third recomputed; outputs equal dedup=-1's;
#  - timestamps that go backwards (a seek) make the next frame computed, even if equal;
#  - thresholds outside -1 and 0..32 are refused with a message naming the option.
. "$(dirname "$0")/_lib.sh"

CASES=(dedup_twos_reused_half dedup_twos_output_equal dedup_verbose_lines
       dedup_one_alpha_code_value_recomputed dedup_seek_resets
       dedup_threshold_too_large_refused dedup_negative_threshold_refused dedup_off_no_count)
require_ffmpeg "${CASES[@]}"
if [ ! -f "$MODEL" ]; then
    for name in "${CASES[@]}"; do skip "$name" "$MODEL missing"; done
    exit 0
fi
RE="realesrgan=model=$MODEL"
video_md5() { grep -v '^#' "$1" | awk -F', *' '{ print $3, $6 }'; }

# --- drawn on twos: 12 pictures, 24 frames ----------------------------------------------------
TWOS=(-f lavfi -i "testsrc2=size=48x32:rate=12:duration=1" -vf)
ff "$WORK/twos.log" "${TWOS[@]}" "fps=24,$RE:dedup=0" -v verbose -f framemd5 "$WORK/twos.md5"
s1=$?
ff "$WORK/twos_off.log" "${TWOS[@]}" "fps=24,$RE:dedup=-1" -f framemd5 "$WORK/twos_off.md5"
s2=$?
if [ $s1 -ne 0 ] || [ $s2 -ne 0 ]; then
    fail dedup_twos_reused_half "ffmpeg failed: $(log_excerpt "$WORK/twos.log") $(log_excerpt "$WORK/twos_off.log")"
else
    # the reference count: frames equal to the previous one, in numpy
    "$FFMPEG" -v error -nostdin "${TWOS[@]}" fps=24 -f rawvideo -pix_fmt yuv420p "$WORK/twos.yuv"
    repeats=$("$PY" -c 'import sys, numpy as np
d = np.fromfile(sys.argv[1], np.uint8).reshape(-1, 48 * 32 * 3 // 2)
print(sum(int(np.array_equal(d[i], d[i - 1])) for i in range(1, len(d))))' "$WORK/twos.yuv")
    line=$(grep -o '[0-9]* of [0-9]* frames reused' "$WORK/twos.log")
    check dedup_twos_reused_half "$([ "$line" = "$repeats of 24 frames reused" ] && [ "$repeats" -ge 12 ]; echo $?)" \
          "log says '$line', want '$repeats of 24 frames reused' (at least 12)"
    frames=$(video_md5 "$WORK/twos.md5" | wc -l)
    check dedup_twos_output_equal "$([ "$frames" -eq 24 ] && [ "$(video_md5 "$WORK/twos.md5")" = "$(video_md5 "$WORK/twos_off.md5")" ]; echo $?)" \
          "$frames frames, or the frame md5s differ from dedup=-1's"
    lines=$(grep -c 'reused: the same picture' "$WORK/twos.log")
    check dedup_verbose_lines "$([ "$lines" -eq "$repeats" ]; echo $?)" "$lines verbose 'reused' lines, want $repeats"
fi

# --- one code value in one alpha sample --------------------------------------------------------
"$PY" - "$WORK/abc.rgba" <<'PYEOF'
import sys
import numpy as np
rng = np.random.default_rng(5)
a = rng.integers(0, 256, size=(24, 32, 4), dtype=np.uint8)
b = a.copy()
b[11, 17, 3] = a[11, 17, 3] + 1 if a[11, 17, 3] < 255 else 254
open(sys.argv[1], "wb").write(a.tobytes() + a.tobytes() + b.tobytes())
PYEOF
RAW=(-f rawvideo -pix_fmt rgba -s 32x24 -r 10 -i "$WORK/abc.rgba" -vf)
ff "$WORK/abc.log" "${RAW[@]}" "$RE:dedup=0" -v verbose -f framemd5 "$WORK/abc.md5"
s1=$?
ff "$WORK/abc_off.log" "${RAW[@]}" "$RE:dedup=-1" -f framemd5 "$WORK/abc_off.md5"
s2=$?
line=$(grep -o '[0-9]* of [0-9]* frames reused' "$WORK/abc.log")
reused=$(grep 'reused: the same picture' "$WORK/abc.log" | grep -o 'frame [0-9]*' | tr '\n' ' ')
check dedup_one_alpha_code_value_recomputed \
      "$([ $s1 -eq 0 ] && [ $s2 -eq 0 ] && [ "$line" = "1 of 3 frames reused" ] && [ "$reused" = "frame 1 " ] &&
         [ "$(video_md5 "$WORK/abc.md5")" = "$(video_md5 "$WORK/abc_off.md5")" ]; echo $?)" \
      "status $s1/$s2, '$line', reused '$reused' (want 1 of 3, frame 1), or outputs differ from dedup=-1's"

# --- a seek: pts 2, 1, 0 (the first two the same picture) ---------------------------------------
ff "$WORK/seek.log" -f rawvideo -pix_fmt rgba -s 32x24 -r 10 -i "$WORK/abc.rgba" \
   -vf "setpts=(2-N)/10/TB,$RE:dedup=0" -v verbose -fps_mode passthrough -f framemd5 "$WORK/seek.md5"
s1=$?
line=$(grep -o '[0-9]* of [0-9]* frames reused' "$WORK/seek.log")
check dedup_seek_resets "$([ $s1 -eq 0 ] && [ "$line" = "0 of 3 frames reused" ] &&
                           grep -q 'not comparing with the kept frame' "$WORK/seek.log"; echo $?)" \
      "status $s1, '$line' (want 0 of 3 and the verbose reset line): $(log_excerpt "$WORK/seek.log")"

# --- option values ------------------------------------------------------------------------------
ff "$WORK/big.log" "${RAW[@]}" "$RE:dedup=33" -f null -
expect_error dedup_threshold_too_large_refused $? "$WORK/big.log" "dedup"
ff "$WORK/neg.log" "${RAW[@]}" "$RE:dedup=-0.5" -f null -
expect_error dedup_negative_threshold_refused $? "$WORK/neg.log" "dedup=-0.5"
check dedup_off_no_count "$([ $s2 -eq 0 ] && ! grep -q 'frames reused' "$WORK/abc_off.log"; echo $?)" \
      "status $s2, or dedup=-1 logged a reuse count"
finish
