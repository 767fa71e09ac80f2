#!/usr/bin/env bash
# What trying real files found (issue 13, item 6), through ffmpeg:
#   - a 16-bit PNG stays 16-bit (the PNG coder's big-endian formats are negotiated, not
#     rgba 8-bit), and every big-endian format gives the same samples as its little-endian
#     twin (compared as numbers after converting both to the twin);
#   - outscale's rounded size keeps the display aspect ratio: 64x48 at outscale 1.3 is 83x62
#     with a SAR making the DAR 4:3, for a square and an unknown input SAR;
#   - tile=1 is raised (with a warning) and gives what the whole frame gives;
#   - PQ/HLG transfer and interlaced frames: one warning each, none for plain SDR.
. "$(dirname "$0")/_lib.sh"

CASES=(png16_stays_16bit be_matches_le sar_absorbs_rounding tile_1_raised
       hdr_transfer_warning hlg_transfer_warning interlaced_warning no_warning_sdr)
require_ffmpeg "${CASES[@]}"
PNG16=$SHARED/media/images/tree_alpha_16bit.png
if [ ! -f "$MODEL" ]; then
    for name in "${CASES[@]}"; do skip "$name" "$MODEL missing"; done
    exit 0
fi

W=32 H=24
"$PY" "$HERE/_pattern.py" pattern $W $H "$WORK/pattern.raw" || { fail real_files_setup "pattern"; exit 1; }
SRC=(-f rawvideo -pix_fmt rgba64le -s "${W}x$H" -i "$WORK/pattern.raw")
VF="realesrgan=model=$MODEL"

probe() { "$FFPROBE" -v error -select_streams v:0 -show_entries "stream=$1" -of csv=p=0 "$2"; }

# --- 16 bits in, 16 bits out ----------------------------------------------------------------
png16() {
    local fmt
    if [ ! -f "$PNG16" ]; then
        skip png16_stays_16bit "$PNG16 missing"
        return
    fi
    if ! ff "$WORK/png16.log" -i "$PNG16" -vf "crop=40:30:150:100,$VF" "$WORK/png16.png"; then
        fail png16_stays_16bit "ffmpeg failed: $(log_excerpt "$WORK/png16.log")"
        return
    fi
    fmt=$(probe pix_fmt "$WORK/png16.png")
    echo "# png16_stays_16bit: $(probe pix_fmt "$PNG16") in, $fmt out"
    if [ "$fmt" = rgba64be ]; then pass png16_stays_16bit; else fail png16_stays_16bit "output $fmt, want rgba64be"; fi
}
png16

# same_samples BE LE: the filter on BE frames and on LE frames, both written as LE
be_matches_le() {
    local be le report
    for pair in rgba64be:rgba64le rgb48be:rgb48le gray16be:gray16le gbrp10be:gbrp10le \
                yuv420p10be:yuv420p10le yuv444p16be:yuv444p16le p010be:p010le gbrpf32be:gbrpf32le; do
        be=${pair%:*} le=${pair#*:}
        if ! ff "$WORK/$be.log" -v verbose "${SRC[@]}" -vf "format=$be,$VF" -f rawvideo -pix_fmt "$le" "$WORK/$be.raw" ||
           ! ff "$WORK/$le.log" "${SRC[@]}" -vf "format=$le,$VF" -f rawvideo -pix_fmt "$le" "$WORK/$le.raw"; then
            echo "$be: ffmpeg failed: $(log_excerpt "$WORK/$be.log") $(log_excerpt "$WORK/$le.log")"
            return 1
        fi
        # the filter must have taken the big-endian frames itself (no conversion before it)
        if ! grep -qE " fmt:$be -> " "$WORK/$be.log"; then
            echo "$be: the filter did not negotiate $be: $(grep -m1 ' fmt:.* -> ' "$WORK/$be.log")"
            return 1
        fi
        report=$("$PY" - "$WORK/$be.raw" "$WORK/$le.raw" "$le" <<'PYEOF'
import sys
import numpy as np
dtype = "<f4" if "f32" in sys.argv[3] else "<u2"
a, b = (np.fromfile(p, dtype).astype(np.float64) for p in sys.argv[1:3])
if a.size == 0 or a.size != b.size or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
    print("bad sizes %d %d or non-finite samples" % (a.size, b.size)); sys.exit(1)
d = float(np.max(np.abs(a - b)))
print("%d samples, max difference %g" % (a.size, d)); sys.exit(d != 0)
PYEOF
        ) || { echo "$be: $report"; return 1; }
        echo "# be_matches_le: $be: $report"
    done
}
out=$(be_matches_le)
check be_matches_le $? "$(echo "$out" | grep -v '^#' | tail -1)"
echo "$out" | grep '^#'

# --- SAR ------------------------------------------------------------------------------------
sar_case() {
    local sar_filter=$1 dims sar
    if ! ff "$WORK/sar.log" "${SRC[@]}" -frames:v 1 -vf "scale=64:48,${sar_filter}format=rgb24,$VF:outscale=1.3" \
            -c:v rawvideo -f nut "$WORK/sar.nut"; then
        echo "ffmpeg failed: $(log_excerpt "$WORK/sar.log")"
        return 1
    fi
    dims=$(probe width,height "$WORK/sar.nut")
    sar=$(probe sample_aspect_ratio "$WORK/sar.nut")
    "$PY" - "$dims" "$sar" "$sar_filter" <<'PYEOF'
import sys
w, h = (int(v) for v in sys.argv[1].split(","))
num, den = (int(v) for v in sys.argv[2].replace("/", ":").split(":"))
dar = w * num / (h * den) if num and den else float("nan")
print("# sar_absorbs_rounding [%s]: 64x48 -> %dx%d SAR %d:%d DAR %.6f" % (sys.argv[3] or "unknown SAR", w, h, num, den, dar))
# int(64 * 1.3) x int(48 * 1.3), DAR 4:3 to a millionth
sys.exit(0 if (w, h) == (83, 62) and abs(dar - 4 / 3) < 1e-6 else 1)
PYEOF
}
out=$(sar_case "setsar=1," && sar_case "")
check sar_absorbs_rounding $? "$(echo "$out" | tail -1)"
echo "$out" | grep '^#'

# --- tile=1 ---------------------------------------------------------------------------------
tile_one() {
    if ! ff "$WORK/t1.log" "${SRC[@]}" -vf "format=rgb24,$VF:tile=1" -f rawvideo "$WORK/t1.raw" ||
       ! ff "$WORK/t0.log" "${SRC[@]}" -vf "format=rgb24,$VF" -f rawvideo "$WORK/t0.raw"; then
        echo "ffmpeg failed: $(log_excerpt "$WORK/t1.log")"
        return 1
    fi
    grep -q "tile=1 with tile_pad .* raised to tile=" "$WORK/t1.log" || { echo "no warning"; return 1; }
    echo "# tile_1_raised: $(grep -m1 'raised to tile=' "$WORK/t1.log" | sed 's/.*\] //')"
    # SRVGGNetCompact's automatic pad makes tiles compute exactly what the whole frame does
    cmp -s "$WORK/t1.raw" "$WORK/t0.raw" || { echo "tiled output differs from the whole frame's"; return 1; }
}
out=$(tile_one)
check tile_1_raised $? "$(echo "$out" | tail -1)"
echo "$out" | grep '^#'

# --- one-time warnings ----------------------------------------------------------------------
# warnings NAME "DECODER OPTIONS" FILTERS REGEX COUNT: three frames decoded with the colour or
# field properties the options give (as a decoder reading them from a file would), through
# FILTERS and the filter; REGEX in the log COUNT times
warnings() {
    local name=$1 opts=$2 filters=$3 regex=$4 want=$5 n
    # shellcheck disable=SC2086
    if ! ff "$WORK/$name.log" -stream_loop 2 $opts "${SRC[@]}" -vf "$filters,$VF" -f null -; then
        fail "$name" "ffmpeg failed: $(log_excerpt "$WORK/$name.log")"
        return
    fi
    n=$(grep -ciE "$regex" "$WORK/$name.log")
    echo "# $name: $n x /$regex/ $(grep -m1 -iE "$regex" "$WORK/$name.log" | sed 's/.*\] //' | cut -c1-120)"
    if [ "$n" -eq "$want" ]; then pass "$name"; else fail "$name" "/$regex/ $n times, want $want"; fi
}
warnings hdr_transfer_warning "-color_trc smpte2084 -colorspace bt2020nc" format=yuv420p10le \
    "smpte2084 transfer \(HDR\)" 1
warnings hlg_transfer_warning "-color_trc arib-std-b67 -colorspace bt2020nc" format=yuv420p10le \
    "arib-std-b67 transfer \(HDR\)" 1
warnings interlaced_warning "-field_order tt" format=yuv420p "Interlaced frames.*deinterlace first" 1
warnings no_warning_sdr "-color_trc bt709 -field_order progressive" format=yuv420p "HDR|Interlaced" 0

finish
