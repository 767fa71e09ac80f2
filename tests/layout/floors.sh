#!/usr/bin/env bash
# The floors of doc/architecture.md hold: tools/check-floors finds no upward include, no
# include across the engines, no FFmpeg or CUDA where they do not belong and no cycle in
# the project's tree. And the check can fail: on a copy of the sources, each rule broken
# once must be reported, naming the file.
set -u
ROOT=${RESR_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/common/test_lib.sh"
CHECK=$ROOT/tools/check-floors
WORK=$(mktemp -d "${TMPDIR:-/tmp}/resr-floors.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

out=$(python3 "$CHECK" --root "$ROOT" 2>&1)
check floors_hold $? "$out"
echo "# $(echo "$out" | tail -n 1)"

# broken COPY-NAME FILE LINE REGEX: a copy of the floors with LINE appended to FILE must be
# refused with a message matching REGEX
broken() {
    local name=$1 file=$2 line=$3 regex=$4 copy=$WORK/$1 status
    mkdir -p "$copy"
    cp -r "$ROOT/core" "$ROOT/cpu" "$ROOT/cuda" "$ROOT/models" "$ROOT/vf_realesrgan" "$ROOT/degrade" "$copy/"
    printf '%s\n' "$line" >> "$copy/$file"
    out=$(python3 "$CHECK" --root "$copy" 2>&1)
    status=$?
    if [ $status -eq 1 ] && echo "$out" | grep -qE "$regex"; then
        pass "$name"
    else
        fail "$name" "status $status, output: $(echo "$out" | head -n 3)"
    fi
}

broken floors_catch_upward core/engine.c '#include "../vf_realesrgan/formats.h"' \
    '^core/engine.c:[0-9]+: upward include: core/.*vf_realesrgan/formats.h'
broken floors_catch_engines_across cpu/cpu_engine.c '#include "../cuda/cuda_plan.h"' \
    '^cpu/cpu_engine.c:[0-9]+: the engines are side by side'
# issue 14: degrade/ (the degradation model) sits beside the engines, below the glue
broken floors_catch_degrade_ffmpeg degrade/noise.c '#include "libavutil/frame.h"' \
    '^degrade/noise.c:[0-9]+: degrade/ must not include FFmpeg'
broken floors_catch_degrade_engine degrade/noise.c '#include "../cpu/network.h"' \
    '^degrade/noise.c:[0-9]+: degrade/ sits beside the engines'
broken floors_catch_glue_internals vf_realesrgan/formats.c '#include "../cpu/network.h"' \
    '^vf_realesrgan/formats.c:[0-9]+: the glue uses an engine through cpu/cpu_engine.h only'
broken floors_catch_glue_engine_call vf_realesrgan/formats.c 'static void x(ResrEngine *e) { resr_cuda_engine_get_stats(e, 0); }' \
    '^vf_realesrgan/formats.c:[0-9]+: the glue calls resr_cuda_engine_get_stats'
broken floors_catch_ffmpeg_in_core core/tile_plan.c '#include "libavutil/frame.h"' \
    '^core/tile_plan.c:[0-9]+: core/ must not include FFmpeg'
broken floors_catch_ffmpeg_in_cuda_plan cuda/cuda_plan.c '#include "libavutil/frame.h"' \
    '^cuda/cuda_plan.c:[0-9]+: only cuda/cuda_engine.c may include FFmpeg'
broken floors_catch_cuda_in_models models/zoo.c '#include <cuda_runtime.h>' \
    '^models/zoo.c:[0-9]+: models/ must not include CUDA'
broken floors_catch_cycle core/pixel_format.h '#include "colour_math.h"' \
    '^include cycle: core/.*core/'
finish
