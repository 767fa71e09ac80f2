#!/usr/bin/env bash
# dn (realesr-general-x4v3's denoise strength) and model names, through ffmpeg. Fixtures:
# tests/filter/make_dn_fixtures.py (tiny SRVGG stand-ins named as the official pair, and
# their blend by the official RealESRGANer.dni in PyTorch); outputs compared as gbrpf32le
# bytes, so "equal" means bit for bit:
#   - dn=1 is the model itself, dn=0 the weak-denoise model, dn=0.4 the PyTorch blend
#     (the second file found beside the first by name), dn_model naming it explicitly;
#   - errors: dn on another model, a missing or unblendable dn_model, dn out of range;
#   - model=NAME through the model search path; an unknown name.
. "$(dirname "$0")/_lib.sh"

FIX=$ROOT/tests/fixtures
A=$FIX/tiny-realesr-general-x4v3.pth
B=$FIX/tiny-realesr-general-wdn-x4v3.pth
AB=$FIX/tiny-realesr-general-dni0.4.pth
CASES=(dn1_is_model dn0_is_wdn_model dn_blend_equals_pytorch dn_model_explicit
       error_dn_other_model error_dn_model_missing error_dn_model_unblendable error_dn_wdn_not_found
       error_dn_range model_by_name error_model_unknown_name)
require_ffmpeg "${CASES[@]}"
if [ ! -f "$A" ] || [ ! -f "$B" ] || [ ! -f "$AB" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "fixtures missing: run /usr/bin/python3 tests/filter/make_dn_fixtures.py"; done
    exit 0
fi

"$PY" "$HERE/_pattern.py" pattern 32 24 "$WORK/pattern.raw" || { fail dn_setup "pattern"; exit 1; }
SRC=(-f rawvideo -pix_fmt rgba64le -s 32x24 -i "$WORK/pattern.raw")

# run NAME FILTER-ARGS: gbrpf32le output in $WORK/NAME.f32
run() { ff "$WORK/$1.log" "${SRC[@]}" -vf "format=gbrpf32le,realesrgan=$2" -f rawvideo "$WORK/$1.f32"; }

# same CASE A B: the outputs of runs A and B are the same bytes
same() {
    if [ ! -s "$WORK/$2.f32" ] || [ ! -s "$WORK/$3.f32" ]; then
        fail "$1" "a run failed: $(log_excerpt "$WORK/$2.log") $(log_excerpt "$WORK/$3.log")"
    elif cmp -s "$WORK/$2.f32" "$WORK/$3.f32"; then
        pass "$1"
    else
        fail "$1" "$2 and $3 differ: $(cmp "$WORK/$2.f32" "$WORK/$3.f32" | head -1)"
    fi
}

run a "model=$A"
run a_dn1 "model=$A:dn=1"
run b "model=$B"
run a_dn0 "model=$A:dn=0"
run ab "model=$AB"
run a_dn04 "model=$A:dn=0.4"
same dn1_is_model a a_dn1
same dn0_is_wdn_model b a_dn0
# sanity: the two models and the blend are three different networks
if cmp -s "$WORK/a.f32" "$WORK/b.f32" || cmp -s "$WORK/a.f32" "$WORK/ab.f32"; then
    fail dn_blend_equals_pytorch "fixtures do not differ: the comparison would prove nothing"
else
    same dn_blend_equals_pytorch ab a_dn04
fi

# two other fixtures and their blend from tests/models/make_blend_fixtures.py, named explicitly
if [ -f "$FIX/srvgg_x4_b.pth" ] && [ -f "$FIX/srvgg_x4_dni0.3.pth" ]; then
    run x "model=$FIX/srvgg_x4.pth:dn=0.3:dn_model=$FIX/srvgg_x4_b.pth"
    run x_ref "model=$FIX/srvgg_x4_dni0.3.pth"
    same dn_model_explicit x_ref x
else
    skip_data dn_model_explicit "tests/fixtures/srvgg_x4_b.pth / srvgg_x4_dni0.3.pth missing"
fi

# filter_error NAME FILTER-ARGS REGEX: realesrgan=FILTER-ARGS must fail, logging REGEX
filter_error() {
    ff "$WORK/$1.log" "${SRC[@]}" -vf "realesrgan=$2" -f null -
    expect_error "$1" $? "$WORK/$1.log" "$3"
}
# any model but realesr-general-x4v3: a committed fixture, so that the case does not depend on
# the shared weights (with $MODEL absent it failed on "file not found" instead)
filter_error error_dn_other_model "model=$FIX/srvgg_x4.pth:dn=0.5" "dn=0.5 is the denoise strength of realesr-general-x4v3"
filter_error error_dn_model_missing "model=$A:dn=0.5:dn_model=$WORK/nowhere.pth" "nowhere\.pth"
if [ -f "$FIX/rrdb_x4.pth" ]; then
    filter_error error_dn_model_unblendable "model=$A:dn=0.5:dn_model=$FIX/rrdb_x4.pth" "cannot blend .*rrdb_x4\.pth"
else
    skip_data error_dn_model_unblendable "tests/fixtures/rrdb_x4.pth missing"
fi
mkdir -p "$WORK/lonely" "$WORK/empty"
cp "$A" "$WORK/lonely/realesr-general-x4v3.pth"
REALESRGAN_MODEL_PATH=$WORK/empty HOME=$WORK/empty XDG_CACHE_HOME=$WORK/empty \
    filter_error error_dn_wdn_not_found "model=$WORK/lonely/realesr-general-x4v3.pth:dn=0.5" \
    "dn=0.5 needs realesr-general-wdn-x4v3"
filter_error error_dn_range "model=$A:dn=1.5" "dn.*out of range|out of range.*dn"

# model=NAME: found on REALESRGAN_MODEL_PATH, the same network as the file
if [ -f "$MODEL" ]; then
    REALESRGAN_MODEL_PATH=$(dirname "$MODEL") \
        ff "$WORK/byname.log" "${SRC[@]}" -vf "format=gbrpf32le,realesrgan=model=realesr-animevideov3" -f rawvideo "$WORK/byname.f32"
    run bypath "model=$MODEL"
    same model_by_name bypath byname
else
    skip_data model_by_name "$MODEL missing"
fi
REALESRGAN_MODEL_PATH=$WORK/empty HOME=$WORK/empty XDG_CACHE_HOME=$WORK/empty \
    filter_error error_model_unknown_name "model=no-such-model" "no-such-model.*not a known model name"
finish
