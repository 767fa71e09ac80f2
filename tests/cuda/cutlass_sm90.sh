#!/usr/bin/env bash
# The CUTLASS sm_90a convs without a GPU (issue 12; cuda/README.md "CUTLASS sm_90a path"):
#   cutlass_sass_*       the built cubin's SASS holds wgmma (HGMMA) and TMA loads (UTMALDG,
#                        im2col among them), no local-memory spills, and each kernel's
#                        wgmma on its own operand type (the bf16 kernels' HGMMA .BF16);
#   cutlass_epilogue_*   the EVT functors, compiled as host code, against the CPU engine's
#                        conv layer (build/tests/cuda/cutlass_epilogue).
# (cutlass_sass_kernels: each kernel named in cuda/cutlass_plan.c is in the cubin.)
# SKIP when ./configure did not find CUTLASS (config.mak: CUTLASS_TARBALL), unless
# RESR_REQUIRE_CUTLASS=1 (CI with nvcc): then a missing piece FAILs, like missing data.
# cuobjdump: $CUDA_HOME/bin, PATH, or build/cuda-tools/ (make cuda-tools: NVIDIA's wheels).
#   tests/cuda/cutlass_sm90.sh [--sass-only]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/common/test_lib.sh

cubin=build/cuda/resr_cutlass_sm90a.cubin
epilogue=build/tests/cuda/cutlass_epilogue
require=${RESR_REQUIRE_CUTLASS:-0}

missing() {  # name why: SKIP, or FAIL when CUTLASS is required
    if [ "$require" = 1 ]; then fail "$1" "$2 (RESR_REQUIRE_CUTLASS=1)"; else skip "$1" "$2"; fi
}

tarball=$(sed -n 's/^CUTLASS_TARBALL = //p' config.mak 2>/dev/null)
if [ -z "$tarball" ]; then
    missing cutlass_sm90 "CUTLASS not configured (./configure --help: --enable-cutlass; tools/fetch-sources cutlass)"
    finish
fi

find_tool() {  # name: the first executable found
    local d
    for d in "${CUDA_HOME:-/usr/local/cuda}/bin" $(echo "${PATH:-}" | tr : ' ') build/cuda-tools/nvidia/cu13/bin; do
        [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}

sass_checks() {
    local cuobjdump nvdisasm sass
    if [ ! -f "$cubin" ]; then
        fail cutlass_sass "$cubin not built (make cutlass-kernels)"
        return
    fi
    if ! cuobjdump=$(find_tool cuobjdump) || ! nvdisasm=$(find_tool nvdisasm); then
        missing cutlass_sass "cuobjdump or nvdisasm not found (make cuda-tools fetches NVIDIA's wheels)"
        return
    fi
    sass=$(mktemp "${TMPDIR:-/tmp}/cutlass-sass.XXXXXX")
    if ! NVDISASM_PATH=$(dirname "$nvdisasm") "$cuobjdump" --dump-sass "$cubin" > "$sass" 2>&1; then
        fail cutlass_sass "cuobjdump failed: $(head -c 300 "$sass")"
        rm -f "$sass"
        return
    fi
    local kernels hgmma tma im2col spills
    kernels=$(grep -c 'Function : resr_conv3x3_sm90_' "$sass")
    hgmma=$(grep -cE '\bHGMMA\.' "$sass")
    tma=$(grep -cE '\bUTMALDG\.' "$sass")
    im2col=$(grep -cE '\bUTMALDG\.[0-9]D\.IM2COL\b' "$sass")
    spills=$(grep -cE '\b(LDL|STL)(\.[A-Z0-9]+)*\b' "$sass")
    echo "# $cubin: $kernels kernels, $hgmma HGMMA ($(grep -oE '\bHGMMA\.[0-9x]+(\.[A-Z0-9]+)+' "$sass" | sort -u | tr '\n' ' ')), $tma UTMALDG ($im2col im2col), $(grep -cE '\bUTMASTG\.' "$sass") UTMASTG, $spills local loads/stores"
    # every kernel cutlass_plan.c may choose is in the cubin, by name
    local name absent=
    for name in $(sed -n 's/^ *"\(resr_conv3x3_sm90_[a-z0-9_]*\)",$/\1/p' cuda/cutlass_plan.c); do
        grep -q "Function : $name\$" "$sass" || absent="$absent $name"
    done
    check cutlass_sass_kernels "$([ "$kernels" -ge 1 ] && [ -z "$absent" ]; echo $?)" \
        "$kernels resr_conv3x3_sm90_* kernels in $cubin; missing:${absent:- none}"
    check cutlass_sass_hgmma "$([ "$hgmma" -ge 1 ]; echo $?)" "no HGMMA (wgmma) instruction"
    check cutlass_sass_tma_im2col "$([ "$im2col" -ge 1 ] && [ "$tma" -gt "$im2col" ]; echo $?)" \
        "want TMA im2col loads (activations) and tiled loads (weights): $im2col im2col of $tma UTMALDG"
    check cutlass_sass_no_spills "$([ "$spills" -eq 0 ]; echo $?)" "$spills LDL/STL (register spills)"
    # the operand type as instantiated: the bf16 kernels' wgmma read bf16 (HGMMA...BF16), the
    # fp16 kernels' fp16 (no type suffix); per kernel, every HGMMA
    local mixed
    mixed=$(awk '/Function : /{f=$3} /HGMMA\./{bf=($0 ~ /HGMMA\.[0-9x]+\.F32\.BF16/); if ((f ~ /_bf16_/) != bf) print f}' "$sass" |
            sort -u | tr '\n' ' ')
    check cutlass_sass_operand_types "$([ -z "$mixed" ] && grep -q 'HGMMA\.[0-9x]*\.F32\.BF16' "$sass"; echo $?)" \
        "HGMMA operand type differs from the kernel's name in: ${mixed:-none}, or no bf16 HGMMA at all"
    rm -f "$sass"
}

sass_checks
if [ "${1:-}" != --sass-only ]; then
    if [ -x "$epilogue" ]; then
        "$epilogue" || fail cutlass_epilogue "$epilogue exited $?"
    else
        fail cutlass_epilogue "$epilogue not built (make)"
    fi
fi
finish
