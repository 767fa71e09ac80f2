#!/usr/bin/env bash
# Where the filter follows the official inference_realesrgan.py / RealESRGANer (issue 13,
# item 4), each against a reference computed here with numpy from the official definition:
#   - outscale's size: int(w * outscale) truncated by default (Python's int() of the same
#     double product), the nearest with rounding=nearest, whole chroma samples for 4:2:0;
#   - pre_pad: the official F.pad(img, (0, pre_pad, 0, pre_pad), 'reflect') before the network
#     and the crop after: the filter with pre_pad=10 equals the filter without it on the frame
#     numpy reflect-padded by 10 at the right and bottom, cropped (float output, exact), and
#     differs from pre_pad=0 at the edges; for SRVGGNetCompact x4 and an RRDBNet x2 fixture;
#   - alpha=network: the official RGBA path (alpha GRAY2RGB through the network, clamp to
#     [0,1], RGB2GRAY = 0.299 R + 0.587 G + 0.114 B, *255 rounded) computed in numpy from the
#     network's float output on the (a, a, a) frame: within 1 code value; alpha=auto is the
#     network for an RRDBNet model and bicubic for SRVGGNetCompact; alpha=network is refused
#     with backend=cuda.
. "$(dirname "$0")/_lib.sh"

CASES=(outscale_truncates outscale_rounding_nearest pre_pad_reflect alpha_network
       alpha_network_layouts alpha_auto_by_arch)
require_ffmpeg "${CASES[@]}"
RRDB=$ROOT/tests/fixtures/rrdb_x2_f16.pth
if [ ! -f "$MODEL" ]; then
    for name in "${CASES[@]}"; do skip "$name" "$MODEL missing"; done
    exit 0
fi

W=40 H=30
"$PY" "$HERE/_pattern.py" pattern $W $H "$WORK/pattern.raw" || { fail fidelity_setup "pattern"; exit 1; }
SRC=(-f rawvideo -pix_fmt rgba64le -s "${W}x$H" -i "$WORK/pattern.raw")
VF="realesrgan=model=$MODEL"

dims() { "$FFPROBE" -v error -show_entries stream=width,height -of csv=s=x:p=0 "$1"; }

# --- outscale's size --------------------------------------------------------------------------
# sizes NAME OPTS ENTRY...: ENTRY is "FMT WxH FACTOR"; the reference is Python's int(w * s)
# (rounding=nearest: floor(w * s + 0.5)), down to whole chroma samples
sizes() {
    local name=$1 opts=$2 fmt in factor got want
    shift 2
    for entry; do
        read -r fmt in factor <<<"$entry"
        "$PY" "$HERE/_pattern.py" pattern "${in%x*}" "${in#*x}" "$WORK/size.raw" || return 1
        if ! ff "$WORK/$name.log" -f rawvideo -pix_fmt rgba64le -s "$in" -i "$WORK/size.raw" \
                -vf "format=$fmt,$VF:outscale=$factor$opts" -c:v rawvideo -f nut "$WORK/$name.nut"; then
            echo "$fmt $in x$factor: ffmpeg failed: $(log_excerpt "$WORK/$name.log")"
            return 1
        fi
        got=$(dims "$WORK/$name.nut")
        want=$("$PY" -c '
import math, sys
w, h = (int(v) for v in sys.argv[1].split("x"))
s, nearest, sub = float(sys.argv[2]), sys.argv[3] == "nearest", 2 if sys.argv[4] == "yuv420p" else 1
def size(n):
    if nearest:
        return max(sub, math.floor(n * s / sub + 0.5) * sub)
    return max(sub, int(n * s) // sub * sub)      # the official int(w * outscale)
print("%dx%d" % (size(w), size(h)))
' "$in" "$factor" "${opts##*=}" "$fmt")
        echo "# $name: $fmt $in x$factor -> $got (reference $want)"
        [ "$got" = "$want" ] || { echo "$fmt $in x$factor gave $got, want $want"; return 1; }
    done
}
out=$(sizes outscale_truncates "" "rgb24 63x47 3.5" "rgb24 64x48 1.3" "rgb24 100x100 1.1" \
      "yuv420p 63x47 3.5" "rgb24 33x17 0.5" "rgb24 100x100 0.29")
check outscale_truncates $? "$(echo "$out" | grep -v '^#' | tail -1)"
echo "$out" | grep '^#'
out=$(sizes outscale_rounding_nearest ":rounding=nearest" "rgb24 63x47 3.5" "rgb24 64x48 1.3" \
      "yuv420p 63x47 3.5")
check outscale_rounding_nearest $? "$(echo "$out" | grep -v '^#' | tail -1)"
echo "$out" | grep '^#'

# --- pre_pad ----------------------------------------------------------------------------------
# pre_pad MODEL SCALE: 40x30 + 10 = 50x40, a multiple of the x2 model's unshuffle factor too,
# so no mod padding follows (whose reflect-of-a-reflect we do not reproduce)
pre_pad() {
    local model=$1 scale=$2 pp=10 report
    ff "$WORK/in.log" "${SRC[@]}" -f rawvideo -pix_fmt gbrpf32le "$WORK/in.f32" || return 1
    # numpy's reflect padding (what torch's F.pad 'reflect' is), right and bottom
    "$PY" - "$WORK/in.f32" "$WORK/padded.f32" $W $H $pp <<'PYEOF' || return 1
import sys
import numpy as np
w, h, pp = (int(v) for v in sys.argv[3:6])
x = np.fromfile(sys.argv[1], "<f4").reshape(3, h, w)
np.pad(x, ((0, 0), (0, pp), (0, pp)), mode="reflect").astype("<f4").tofile(sys.argv[2])
PYEOF
    if ! ff "$WORK/pp.log" -f rawvideo -pix_fmt gbrpf32le -s ${W}x$H -i "$WORK/in.f32" \
            -vf "realesrgan=model=$model:pre_pad=$pp" -f rawvideo -pix_fmt gbrpf32le "$WORK/pp.out" ||
       ! ff "$WORK/p0.log" -f rawvideo -pix_fmt gbrpf32le -s ${W}x$H -i "$WORK/in.f32" \
            -vf "realesrgan=model=$model" -f rawvideo -pix_fmt gbrpf32le "$WORK/p0.out" ||
       ! ff "$WORK/ref.log" -f rawvideo -pix_fmt gbrpf32le -s $((W + pp))x$((H + pp)) -i "$WORK/padded.f32" \
            -vf "realesrgan=model=$model" -f rawvideo -pix_fmt gbrpf32le "$WORK/ref.out"; then
        echo "ffmpeg failed: $(log_excerpt "$WORK/pp.log") $(log_excerpt "$WORK/ref.log")"
        return 1
    fi
    grep -q "pre_pad $pp" "$WORK/pp.log" || { echo "the INFO line does not show pre_pad"; return 1; }
    report=$("$PY" - "$WORK/pp.out" "$WORK/p0.out" "$WORK/ref.out" $W $H $pp "$scale" <<'PYEOF'
import sys
import numpy as np
w, h, pp, s = (int(v) for v in sys.argv[4:8])
got = np.fromfile(sys.argv[1], "<f4").astype(np.float64)
plain = np.fromfile(sys.argv[2], "<f4").astype(np.float64)
ref = np.fromfile(sys.argv[3], "<f4").astype(np.float64)
if got.size != 3 * h * s * w * s or plain.size != got.size or ref.size != 3 * (h + pp) * s * (w + pp) * s:
    print("sizes: %d %d %d" % (got.size, plain.size, ref.size)); sys.exit(1)
got, plain = got.reshape(3, h * s, w * s), plain.reshape(3, h * s, w * s)
ref = ref.reshape(3, (h + pp) * s, (w + pp) * s)[:, :h * s, :w * s]
if not (np.all(np.isfinite(got)) and np.all(np.isfinite(ref))):
    print("non-finite samples"); sys.exit(1)
d_ref = float(np.max(np.abs(got - ref)))
d_plain = float(np.max(np.abs(got - plain)))
print("max |pre_pad - reference| %.3g, max |pre_pad - pre_pad=0| %.3g" % (d_ref, d_plain))
# the same network on the same padded frame; pre_pad must change the edges
sys.exit(0 if d_ref <= 1e-5 and d_plain > 1e-3 else 1)
PYEOF
    ) || { echo "$report"; return 1; }
    echo "# pre_pad_reflect: $(basename "$model"): $report"
}
out=$(pre_pad "$MODEL" 4 && if [ -f "$RRDB" ]; then pre_pad "$RRDB" 2; else echo "$RRDB missing"; false; fi)
check pre_pad_reflect $? "$(echo "$out" | grep -v '^#' | tail -1)"
echo "$out" | grep '^#'

# --- alpha ------------------------------------------------------------------------------------
alpha_network() {
    local report
    # the RGBA frame, and its alpha as a float (a, a, a) frame for the network alone
    ff "$WORK/rgba.log" "${SRC[@]}" -f rawvideo -pix_fmt rgba "$WORK/in.rgba" || return 1
    "$PY" - "$WORK/in.rgba" "$WORK/alpha3.f32" $W $H <<'PYEOF' || return 1
import sys
import numpy as np
w, h = int(sys.argv[3]), int(sys.argv[4])
a = np.fromfile(sys.argv[1], np.uint8).reshape(h, w, 4)[..., 3].astype(np.float32) / np.float32(255)
np.stack([a, a, a]).astype("<f4").tofile(sys.argv[2])     # gbrp order: G, B, R are all a
PYEOF
    if ! ff "$WORK/an.log" -f rawvideo -pix_fmt rgba -s ${W}x$H -i "$WORK/in.rgba" \
            -vf "$VF:alpha=network" -f rawvideo -pix_fmt rgba "$WORK/an.out" ||
       ! ff "$WORK/ab.log" -f rawvideo -pix_fmt rgba -s ${W}x$H -i "$WORK/in.rgba" \
            -vf "$VF:alpha=bicubic" -f rawvideo -pix_fmt rgba "$WORK/ab.out" ||
       ! ff "$WORK/a3.log" -f rawvideo -pix_fmt gbrpf32le -s ${W}x$H -i "$WORK/alpha3.f32" \
            -vf "$VF" -f rawvideo -pix_fmt gbrpf32le "$WORK/a3.out"; then
        echo "ffmpeg failed: $(log_excerpt "$WORK/an.log") $(log_excerpt "$WORK/a3.log")"
        return 1
    fi
    report=$("$PY" - "$WORK/an.out" "$WORK/ab.out" "$WORK/a3.out" $W $H <<'PYEOF'
import sys
import numpy as np
w, h, s = int(sys.argv[4]), int(sys.argv[5]), 4
net = np.fromfile(sys.argv[1], np.uint8).reshape(h * s, w * s, 4)
bic = np.fromfile(sys.argv[2], np.uint8).reshape(h * s, w * s, 4)
g, b, r = np.fromfile(sys.argv[3], "<f4").astype(np.float64).reshape(3, h * s, w * s)
if not np.all(np.isfinite([g, b, r])):
    print("non-finite network output"); sys.exit(1)
# realesrgan/utils.py: output_alpha = clamp_(0, 1); cv2.cvtColor(BGR2GRAY); then * 255, round
r, g, b = (np.clip(c, 0, 1) for c in (r, g, b))
ref = np.round((0.299 * r + 0.587 * g + 0.114 * b) * 255.0)
d_net = np.abs(net[..., 3].astype(np.float64) - ref)
d_bic = np.abs(bic[..., 3].astype(np.float64) - ref)
same_rgb = np.array_equal(net[..., :3], bic[..., :3])
print("alpha=network vs official: max %d, mean %.3f code values; alpha=bicubic vs official: max %d; "
      "colour planes identical: %s" % (d_net.max(), d_net.mean(), d_bic.max(), same_rgb))
sys.exit(0 if d_net.max() <= 1 and d_bic.max() > 1 and same_rgb else 1)
PYEOF
    ) || { echo "$report"; return 1; }
    echo "# alpha_network: $report"
}
out=$(alpha_network)
check alpha_network $? "$(echo "$out" | grep -v '^#' | tail -1)"
echo "$out" | grep '^#'

# the alpha engine in other layouts: 16-bit big-endian packed (byte-swapped around the
# engine), 16-bit planar, 4:2:0 with a full-size alpha plane; the same alpha in (x257 for
# 16 bits), so the official reference above holds to half a code; and with outscale
alpha_layouts() {
    local fmt report
    # the inputs written here, not by swscale (whose rgba -> rgba64 is not exactly x257)
    "$PY" - "$WORK/in.rgba" "$WORK/al_in" $W $H <<'PYEOF' || return 1
import sys
import numpy as np
w, h = int(sys.argv[3]), int(sys.argv[4])
px = np.fromfile(sys.argv[1], np.uint8).reshape(h, w, 4).astype(np.uint16)
(px * 257).astype(">u2").tofile(sys.argv[2] + ".rgba64be")
np.stack([px[..., 1], px[..., 2], px[..., 0], px[..., 3]]).__mul__(257).astype("<u2").tofile(sys.argv[2] + ".gbrap16le")
y = px[..., 1].astype(np.uint8)
chroma = np.full((h // 2, w // 2), 128, np.uint8)
np.concatenate([y.ravel(), chroma.ravel(), chroma.ravel(), px[..., 3].astype(np.uint8).ravel()]).tofile(sys.argv[2] + ".yuva420p")
PYEOF
    for fmt in rgba64be gbrap16le yuva420p; do
        if ! ff "$WORK/al.$fmt.log" -f rawvideo -pix_fmt "$fmt" -s ${W}x$H -i "$WORK/al_in.$fmt" \
                -vf "$VF:alpha=network" -f rawvideo -pix_fmt "$fmt" "$WORK/al.$fmt"; then
            echo "$fmt: ffmpeg failed: $(log_excerpt "$WORK/al.$fmt.log")"
            return 1
        fi
        report=$("$PY" - "$WORK/al.$fmt" "$WORK/a3.out" $W $H "$fmt" <<'PYEOF'
import sys
import numpy as np
w, h, s, fmt = int(sys.argv[3]), int(sys.argv[4]), 4, sys.argv[5]
n = w * s * h * s
g, b, r = (np.clip(c, 0, 1) for c in np.fromfile(sys.argv[2], "<f4").astype(np.float64).reshape(3, n))
ref = 0.299 * r + 0.587 * g + 0.114 * b
if fmt == "rgba64be":
    a = np.fromfile(sys.argv[1], ">u2").astype(np.float64)[3::4] / 65535
    tol = 0.5 / 65535 + 1e-6
elif fmt == "gbrap16le":
    a = np.fromfile(sys.argv[1], "<u2").astype(np.float64)[3 * n:4 * n] / 65535
    tol = 0.5 / 65535 + 1e-6
else:
    c = (w * s // 2) * (h * s // 2)
    a = np.fromfile(sys.argv[1], np.uint8).astype(np.float64)[n + 2 * c:2 * n + 2 * c] / 255
    tol = 0.5 / 255 + 1e-5   # half a code, plus float32 vs float64 at a .5 tie
if a.size != n:
    print("%s: %d alpha samples, want %d" % (fmt, a.size, n)); sys.exit(1)
d = float(np.max(np.abs(a - ref)))
print("%s: max |alpha - official| %.2e (tolerance %.2e)" % (fmt, d, tol))
sys.exit(0 if d <= tol else 1)
PYEOF
        ) || { echo "$report"; return 1; }
        echo "# alpha_network_layouts: $report"
    done
    ff "$WORK/al.os.log" -f rawvideo -pix_fmt rgba -s ${W}x$H -i "$WORK/in.rgba" \
        -vf "$VF:alpha=network:outscale=2.5" -f rawvideo "$WORK/al.os" ||
        { echo "outscale: ffmpeg failed: $(log_excerpt "$WORK/al.os.log")"; return 1; }
    [ "$(stat -c %s "$WORK/al.os")" -eq $((W * 5 / 2 * H * 5 / 2 * 4)) ] || { echo "outscale: wrong size"; return 1; }
}
out=$(alpha_layouts)
check alpha_network_layouts $? "$(echo "$out" | grep -v '^#' | tail -1)"
echo "$out" | grep '^#'

# alpha=auto: the network for RRDBNet (the INFO line says so), bicubic for SRVGGNetCompact;
# explicit alpha=network with backend=cuda is refused (or the build has no CUDA engine)
alpha_auto() {
    if [ ! -f "$RRDB" ]; then
        echo "$RRDB missing"
        return 1
    fi
    ff "$WORK/rr.log" -f rawvideo -pix_fmt rgba -s ${W}x$H -i "$WORK/in.rgba" \
        -vf "realesrgan=model=$RRDB" -f null - || { echo "RRDBNet: $(log_excerpt "$WORK/rr.log")"; return 1; }
    ff "$WORK/sv.log" -f rawvideo -pix_fmt rgba -s ${W}x$H -i "$WORK/in.rgba" \
        -vf "$VF" -f null - || { echo "SRVGG: $(log_excerpt "$WORK/sv.log")"; return 1; }
    grep -q "alpha through the network" "$WORK/rr.log" || { echo "RRDBNet: alpha not through the network"; return 1; }
    ! grep -q "alpha through the network" "$WORK/sv.log" || { echo "SRVGG: alpha through the network"; return 1; }
    ff "$WORK/cu.log" -f rawvideo -pix_fmt rgba -s ${W}x$H -i "$WORK/in.rgba" \
        -vf "$VF:alpha=network:backend=cuda" -f null -
    [ $? -eq 1 ] && grep -qiE "alpha=network runs on the CPU engine|no CUDA engine|cannot open CUDA device" "$WORK/cu.log" ||
        { echo "alpha=network with backend=cuda: $(log_excerpt "$WORK/cu.log")"; return 1; }
    echo "# alpha_auto_by_arch: RRDBNet: $(grep -o 'alpha through the network' "$WORK/rr.log"); backend=cuda: $(grep -m1 -oiE "alpha=network runs on the CPU engine|no CUDA engine|cannot open CUDA device" "$WORK/cu.log")"
}
out=$(alpha_auto)
check alpha_auto_by_arch $? "$(echo "$out" | grep -v '^#' | tail -1)"
echo "$out" | grep '^#'

finish
