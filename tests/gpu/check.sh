#!/usr/bin/env bash
# The one-command GPU check of the CUDA engine (tests/gpu/README.md), sized to a lent GPU
# machine: 15 minutes in all, start included, few files back. So: everything that can be
# prepared is staged beforehand, every step is bounded (timeout), the whole check stays
# under 5 minutes (it can run twice), and its logs come back packed in at most 4 files.
#
#   tests/gpu/check.sh --stage    here, beforehand: third_party/ tarballs, the model and the
#                                 demo clip, and the kernels built with nvcc (SASS for
#                                 RESR_GPU_ARCH, default 90, and a PTX-only compute_75 fatbin)
#                                 into build/gpu-check/; then carry third_party + build/gpu-check
#   tests/gpu/check.sh            on the GPU machine: preflight, build, checks, summary last
#
# Steps: preflight (tool versions, runtime); build (tools/offline-build: FFmpeg from the
# tarballs; the staged kernels are used when they match this GPU and the sources, so nvcc
# does not run); engine-vs-cpu (tests/gpu/gpu_check.c: every architecture, sw_format,
# precision, odd sizes, tiles, fp16 overflow, steady-state driver tracing, resample);
# ptx-compute75 (the same program on the compute_75 PTX, JIT-compiled: the sm_75 branches);
# compute-sanitizer memcheck + racecheck; NVDEC -> realesrgan -> encode / vs the CPU engine
# through ./ffmpeg; a short benchmark (tests/gpu/bench_gpu.py: BENCH rows, never a failure).
# Prints PASS/FAIL/SKIP/BENCH lines and, last, the summary table. Exit status: nonzero when
# anything failed. $OUT (else build/gpu-check/out) receives summary.txt, check-logs.tar.gz
# (every log) and, with the benchmark, RESULTS-gpu.md / .csv.
#   RESR_GPU_CHECK_BUDGET    seconds for the whole check (default 290)
#   RESR_GPU_BENCH_SECONDS   the benchmark's share (default 70; 0: no benchmark)
#   RESR_GPU_BENCH_TORCH=1   the benchmark also measures PyTorch (eager, torch.compile: about
#                            2 more minutes; give it RESR_GPU_BENCH_SECONDS=200 and a budget)
#   RESR_GPU_BENCH_ONLY=1    build, then the benchmark alone
#   RESR_GPU_CHECK_FORCE=1   rehearsal without a GPU: the same steps against the fake driver
#                            (build/fake-cuda/libcuda.so.1, kernels in the CPU emulator) on
#                            tiny frames, budget 1500 s; what the fake has not (NVDEC,
#                            the sanitizer) SKIPs or is replaced by an upload
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
. tests/common/test_lib.sh   # at_least: PSNR compared as a number, nan fails
stage=$root/build/gpu-check
kernels=$stage/kernels
work=$stage/logs             # this run's logs, packed at the end
out=${OUT:-$stage/out}
export root stage

nvcc_path() {   # the nvcc configure found, else the usual places
    local n=${NVCC:-$(sed -n 's/^NVCC *= *//p' config.mak 2>/dev/null)}
    [ -n "$n" ] && [ -x "$n" ] && { echo "$n"; return; }
    command -v nvcc 2>/dev/null || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; }
}

find_shared() {   # find_shared RELATIVE-PATH: the first copy of a shared data file
    for dir in "$stage" "$root/shared" "$root/../shared" ${RESR_SHARED:+"$RESR_SHARED"}; do
        for cand in "$dir/$1" "$dir/$(basename "$1")"; do
            [ -f "$cand" ] && { echo "$cand"; return 0; }
        done
    done
    return 1
}

# the sources the kernels are built from (cuda/cuda.mak's CUDA_SRCS): the staged kernels
# are used only when these are unchanged
kernel_sources_sum() {
    cat cuda/*.cu cuda/*.cuh cuda/*.h core/*.h cuda/cuda.mak cuda/embed.sh 2>/dev/null | sha256sum | cut -d' ' -f1
}

# the CUTLASS sm_90a objects (mk/cutlass.mak: the cubin, its C array, the host Params object)
# and what they are built from; staged with --stage, used when unchanged
cutlass_files="resr_cutlass_sm90a.cubin resr_cutlass_cubin.c sm90_params.o sm90_noruntime.o resr_sm90_host.o"
cutlass_sources_sum() {
    cat cuda/cutlass/* cuda/*.cuh cuda/*.h core/*.h mk/cutlass.mak third_party/cutlass-*.tar.gz 2>/dev/null |
        sha256sum | cut -d' ' -f1
}

cutlass_check_sum() {   # what build/cuda/cutlass_check is built from, beyond cutlass_sources_sum
    { cutlass_sources_sum; cat tests/gpu/cutlass_check.cu cuda/*.cu cpu/conv3x3.[ch]; } | sha256sum | cut -d' ' -f1
}

# ---- --stage: everything the GPU machine should not have to do ---------------------------------
stage_kernels() {   # stage_kernels NAME GENCODE...: cuda/cuda.mak's rules, other outputs
    local name=$1 nvcc
    shift
    nvcc=$(nvcc_path) || true
    [ -n "$nvcc" ] || { echo "check.sh --stage: no nvcc: the GPU machine will build the kernels" >&2; return 1; }
    make -s -f cuda/cuda.mak NVCC="$nvcc" CUDA_GENCODE="$*" \
        CUDA_FATBIN="$kernels/$name.fatbin" CUDA_FATBIN_C="$kernels/$name.c" "$kernels/$name.c"
}

if [ "${1:-}" = --stage ]; then
    t0=$(date +%s)
    mkdir -p "$stage" "$kernels"
    tools/fetch-sources ffmpeg nv-codec-headers > /dev/null || { echo "check.sh --stage: tools/fetch-sources failed" >&2; exit 1; }
    for f in models/realesr-animevideov3.pth media/video/onepiece_demo.mp4; do
        src=$(find_shared "$f") || { echo "check.sh --stage: $f not found" >&2; exit 1; }
        [ "$src" = "$stage/$(basename "$f")" ] || cp "$src" "$stage/"
    done
    arch=${RESR_GPU_ARCH:-90}
    sum=$(kernel_sources_sum)
    if [ "$(cat "$kernels/sources.sha256" 2>/dev/null)" != "$sum" ] || [ "$(cat "$kernels/arch" 2>/dev/null)" != "$arch" ]; then
        rm -f "$kernels"/*.fatbin "$kernels"/*.c
        stage_kernels sm_$arch -gencode arch=compute_$arch,code=sm_$arch -gencode arch=compute_$arch,code=compute_$arch &&
            stage_kernels ptx75 -gencode arch=compute_75,code=compute_75 &&
            echo "$sum" > "$kernels/sources.sha256" && echo "$arch" > "$kernels/arch" ||
            echo "check.sh --stage: kernels not staged (the GPU machine builds them with its nvcc)" >&2
    fi
    # CUTLASS (when configured here): the ~2 minutes of nvcc the GPU machine is spared
    if grep -q '^CUTLASS_TARBALL = .' config.mak 2>/dev/null; then
        rm -rf "$kernels/cutlass"
        if make -s cutlass-engine && mkdir -p "$kernels/cutlass" &&
           (cd build/cuda && cp $cutlass_files "$kernels/cutlass/"); then
            cutlass_sources_sum > "$kernels/cutlass/sources.sha256"
        else
            echo "check.sh --stage: CUTLASS objects not staged (the GPU machine builds them)" >&2
        fi
        # tests/gpu/cutlass_check.cu (the kernels alone, runtime API, ~2 more minutes of nvcc):
        # built only here, so the GPU machine runs it or SKIPs the step, never compiles it
        if [ -d "$kernels/cutlass" ] && make -s cutlass-check && cp build/cuda/cutlass_check "$kernels/cutlass/"; then
            cutlass_check_sum > "$kernels/cutlass/check.sha256"
        else
            echo "check.sh --stage: tests/gpu/cutlass_check not staged (its step will SKIP)" >&2
        fi
    fi
    # what an earlier run (a rehearsal here) left: its logs, programs, objects and encode; the
    # GPU machine builds its own, and they would only eat the carry's 64 MiB
    rm -rf "$work" "$out" "$stage"/obj-* "$stage"/gpu_check "$stage"/gpu_check_ptx75 "$stage"/gpu_bench \
        "$stage"/upscaled.mkv
    echo "staged in $stage in $(( $(date +%s) - t0 )) s:"
    (cd "$stage" && find . -type f | sort | sed 's/^\.\//  /')
    echo "carry: [\"third_party\", \"build/gpu-check\"]: $(du -scm third_party "$stage" | tail -n 1 | cut -f1) MiB (limit 64)"
    exit 0
fi
case ${1:-} in
-h|--help) sed -n '2,30s/^# \{0,1\}//p' "$0"; exit 0 ;;
"") ;;
*) echo "check.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

# ---- the run: budget, result rows, summary and packing at exit ---------------------------------
start=$(date +%s)
budget=${RESR_GPU_CHECK_BUDGET:-290}
build_limit=170
deadline=$(( start + budget ))
rows=()        # "step|result|seconds|detail"
failed=0 overall="" gpu_name=""
rm -rf "$work" && mkdir -p "$work" "$out"

left() { echo $(( deadline - $(date +%s) )); }

row() {   # row STEP RESULT SECONDS DETAIL
    rows+=("$1|$2|$3|$4")
    case $2 in
    PASS) echo "PASS $1${4:+: $4}" ;;
    FAIL) echo "FAIL $1${4:+: $4}"; failed=1 ;;
    BENCH) echo "BENCH $1${4:+: $4}" ;;   # a measurement: reported, never a failure
    *)    echo "SKIP $1${4:+: $4}" ;;
    esac
}

summary() {
    echo
    echo "GPU check summary ($(( $(date +%s) - start )) s of $budget${gpu_name:+, $gpu_name})"
    printf '%-28s %-8s %6s  %s\n' step result seconds detail
    printf '%-28s %-8s %6s  %s\n' ---- ------ ------- ------
    for r in "${rows[@]}"; do
        IFS='|' read -r s res sec det <<< "$r"
        printf '%-28s %-8s %6s  %s\n' "$s" "$res" "$sec" "$det"
    done
    if [ ${#rows[@]} -eq 0 ] || [ "$overall" = SKIPPED ]; then
        echo "overall: SKIPPED"
    elif [ $failed = 1 ]; then
        echo "overall: FAILED"
    else
        echo "overall: PASSED"
    fi
}

# at exit, whatever happened: the summary into the logs, the logs packed into $OUT (summary.txt,
# check-logs.tar.gz, RESULTS-gpu.md/.csv: at most 4 files), and the summary printed last
finish_run() {
    trap - EXIT INT TERM
    summary > "$work/summary.txt"
    cp "$0" "$work/" 2>/dev/null
    cp "$work/summary.txt" "$out/"
    for f in RESULTS-gpu.md RESULTS-gpu.csv; do [ -f "$work/$f" ] && cp "$work/$f" "$out/"; done
    tar -czf "$out/check-logs.tar.gz" -C "$work" . 2>/dev/null
    echo "files in $out: $(cd "$out" && ls | tr '\n' ' ')"
    cat "$work/summary.txt"
    exit $failed
}
trap finish_run EXIT
trap 'row interrupted FAIL $(( $(date +%s) - start )) "stopped by a signal"; exit' INT TERM

# bounded SECONDS LOG COMMAND...: runs COMMAND (a function of this script or a program) for at
# most SECONDS, and never past the budget (8 s kept for the summary); output to LOG. Sets
# $secs; returns the status (124: timed out).
bounded() {
    local t=$1 log=$2 t0 rc cap
    shift 2
    cap=$(( $(left) - 8 ))
    [ "$t" -le "$cap" ] || t=$cap
    [ "$t" -ge 1 ] || t=1
    t0=$(date +%s)
    if declare -F "$1" >/dev/null; then
        timeout -k 5 "$t" bash -c "$(declare -f "$1"); $(printf '%q ' "$@")" > "$log" 2>&1
    else
        timeout -k 5 "$t" "$@" > "$log" 2>&1
    fi
    rc=$?
    secs=$(( $(date +%s) - t0 ))
    return $rc
}
why_failed() {   # why_failed STATUS LOG [REGEX]: "timed out" or the log's last / matching lines
    if [ "$1" = 124 ] || [ "$1" = 137 ]; then
        echo "timed out after ${secs}s: $(basename "$2")"
    elif [ -n "${3:-}" ] && grep -qiE "$3" "$2"; then
        grep -iE "$3" "$2" | head -n 2 | tr '\n' ' ' | cut -c1-300
    else
        echo "exit $1: $(tail -n 3 "$2" | tr '\n' ' ' | cut -c1-300)"
    fi
}
fits() {   # fits STEP SECONDS: true if SECONDS remain, else records a SKIP
    [ "$(left)" -ge "$2" ] && return 0
    row "$1" SKIP 0 "out of time ($(left) s left of the budget, needs about $2)"
    return 1
}

# ---- preflight: printed first ------------------------------------------------------------------
runtime_kind() {   # what the machine runs in, from the hints a guest can see
    local k
    k=$(uname -r)
    if grep -qi gvisor /proc/version 2>/dev/null || dmesg 2>/dev/null | grep -qi gvisor; then
        echo "gVisor (kernel $k)"
    elif case $k in *-fc-*|*firecracker*) true ;; *) false ;; esac; then
        echo "Firecracker microVM (kernel $k)"
    elif command -v systemd-detect-virt >/dev/null && systemd-detect-virt -q 2>/dev/null; then
        echo "$(systemd-detect-virt 2>/dev/null) (kernel $k)"
    elif [ -f /.dockerenv ]; then
        echo "container (kernel $k)"
    else
        echo "kernel $k"
    fi
}
pf() {   # pf NAME COMMAND: one preflight line, "missing" when it fails
    local v
    v=$(timeout 10 bash -c "$2" 2>/dev/null | tr -s '\n' ' ' | sed 's/ $//')
    printf '  %-18s %s\n' "$1" "${v:-missing}"
}
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
nvcc=$(nvcc_path || true)
{
    echo "preflight ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short=12 HEAD 2>/dev/null || echo 'unknown: no .git'))"
    pf nvidia-smi "nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader"
    pf nvcc "'$nvcc' --version | tail -n 2 | head -n 1"
    pf gcc "gcc --version | head -n 1"
    pf make "make --version | head -n 1"
    pf clang "clang --version | head -n 1"
    pf nasm "nasm -v"
    pf compute-sanitizer "'$sanitizer' --version | grep -i version | tail -n 1"
    pf python3 "python3 --version"
    pf runtime "echo \"$(runtime_kind); $(nproc) cores; $(free -g 2>/dev/null | awk '/^Mem/ { print $2 " GiB" }'); $(df -Pm . | awk 'NR == 2 { print int($4 / 1024) " GiB free on disk" }')\""
    pf staged "cd '$stage' && ls -m | head -c 300"
} | tee "$work/preflight.txt"

# ---- is there a GPU? ---------------------------------------------------------------------------
rehearsal=0
if command -v nvidia-smi >/dev/null 2>&1; then
    gpu_name=$(timeout 20 nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1) || gpu_name=
fi
if [ -z "$gpu_name" ] && [ "${RESR_GPU_CHECK_FORCE:-0}" = 1 ]; then
    gpu_name="no GPU: rehearsal against the fake driver"
    rehearsal=1
    # a CPU-only machine with a few shared cores builds FFmpeg slowly and emulates every kernel
    budget=${RESR_GPU_CHECK_BUDGET:-1500} build_limit=1200
    deadline=$(( start + budget ))
fi
if [ -z "$gpu_name" ]; then
    overall=SKIPPED
    row gpu SKIP 0 "no NVIDIA GPU (nvidia-smi lists none): nothing to check here"
    exit 0
fi
bench_reserve=${RESR_GPU_BENCH_SECONDS:-70}
bench_only=${RESR_GPU_BENCH_ONLY:-0}
if [ $rehearsal = 1 ]; then
    # the fake libcuda.so.1 (tests/cuda/fake_libcuda.c): kernels in the CPU emulator
    export LD_LIBRARY_PATH=$root/build/fake-cuda${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    arch=$(cat "$kernels/arch" 2>/dev/null || echo 90)
else
    arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d '. ')
    [ -n "$arch" ] || arch=90
fi
export CUDA_ARCHS=$arch

# ---- build -------------------------------------------------------------------------------------
# the staged kernels, when built for this GPU from these sources, go where cuda/cuda.mak puts
# its own, newer than the sources: make does not run nvcc
kernel_note="kernels built here for sm_$arch"
if [ -f "$kernels/sm_$arch.c" ] && [ "$(cat "$kernels/sources.sha256" 2>/dev/null)" = "$(kernel_sources_sum)" ]; then
    mkdir -p build/cuda
    cp "$kernels/sm_$arch.fatbin" build/cuda/resr_kernels.fatbin &&
        cp "$kernels/sm_$arch.c" build/cuda/resr_kernels_fatbin.c &&
        touch build/cuda/resr_kernels.fatbin && touch build/cuda/resr_kernels_fatbin.c &&
        kernel_note="staged kernels for sm_$arch"
elif [ -d "$kernels" ]; then
    kernel_note="kernels built here for sm_$arch (staged ones: $(ls "$kernels" | tr '\n' ' '), sources changed or another GPU)"
fi
# the staged CUTLASS objects: CUTLASS unpacked first (mk/cutlass.mak's stamp), then the objects,
# newer than it and the sources, so make keeps them
tarball=$(ls third_party/cutlass-*.tar.gz 2>/dev/null | head -n 1)
if [ -n "$tarball" ] && [ -f "$kernels/cutlass/sources.sha256" ] &&
   [ "$(cat "$kernels/cutlass/sources.sha256")" = "$(cutlass_sources_sum)" ]; then
    rm -rf build/cutlass && mkdir -p build/cutlass build/cuda &&
        tar -xzf "$tarball" -C build/cutlass --strip-components=1 && touch build/cutlass/.unpacked &&
        sleep 1 && for f in $cutlass_files; do cp "$kernels/cutlass/$f" build/cuda/ && touch "build/cuda/$f"; done &&
        kernel_note="$kernel_note, staged CUTLASS objects"
fi
jobs=$(nproc 2>/dev/null || echo 4)
if bounded $build_limit "$work/build.log" tools/offline-build -j"$jobs"; then
    row build PASS $secs "tools/offline-build -j$jobs, $kernel_note"
else
    rc=$?
    row build FAIL $secs "tools/offline-build: $(why_failed $rc "$work/build.log")"
    exit
fi

# the check programs: the CUDA engine, libresr.a and FFmpeg's libavutil (with CUDA)
ffb=$root/build/ffmpeg
nvinc=
for d in "$root/build/nv-codec-headers/include" /usr/local/include /usr/include; do
    [ -f "$d/ffnvcodec/dynlink_loader.h" ] && { nvinc=$d; break; }
done
export ffb nvinc
build_program() {   # build_program NAME FATBIN-C: tests/gpu/NAME.c + the engine -> $stage/NAME
    set -e
    local cflags="-std=c17 -O2 -D_POSIX_C_SOURCE=200112 -D_XOPEN_SOURCE=600 -I$ffb -I$root/build/ffmpeg-src -I$nvinc -I$root"
    local objs=() src obj extralibs dir=$stage/obj-$1 cutlass=() cutlass_libs=()
    mkdir -p "$dir"
    # the CUTLASS sm_90a convs, when this build has them (cuda_conv=cutlass)
    if [ -f build/cuda/resr_cutlass_cubin.c ] && [ -f build/cuda/resr_sm90_host.o ]; then
        cflags="$cflags -DRESR_HAVE_CUTLASS=1"
        cutlass=(build/cuda/resr_cutlass_cubin.c)
        cutlass_libs=(build/cuda/resr_sm90_host.o -lstdc++)
    fi
    for src in cuda/cuda_engine.c cuda/cuda_plan.c tests/common/synthetic_model.c "$2" "tests/gpu/${1%_ptx75}.c" \
               ${cutlass[@]+"${cutlass[@]}"}; do
        obj=$dir/$(basename "$src" .c).o
        cc $cflags -c -o "$obj" "$src"
        objs+=("$obj")
    done
    extralibs=$(sed -n 's/^EXTRALIBS-avutil=//p' "$ffb/ffbuild/config.mak")
    # libresr.a's CPU network may use oneDNN (build/onednn.mak, written by ./configure)
    local onednn_libs
    onednn_libs=$(sed -n 's/^RESR_ONEDNN_LIBS := *//p' "$root/build/onednn.mak" 2>/dev/null || true)
    cc -o "$stage/$1" "${objs[@]}" build/lib/libresr.a "$ffb/libavutil/libavutil.a" $extralibs $onednn_libs \
        ${cutlass_libs[@]+"${cutlass_libs[@]}"} -ldl -lpthread -lm
    echo "built $stage/$1 with $2"
}
if bounded 60 "$work/build-check.log" build_program gpu_check build/cuda/resr_kernels_fatbin.c; then
    row build-engine-check PASS $secs "tests/gpu/gpu_check.c linked against libavutil + libresr.a"
else
    rc=$?
    row build-engine-check FAIL $secs "$(why_failed $rc "$work/build-check.log" 'error')"
    exit
fi

# in the rehearsal the emulator runs every kernel lane by lane: tiny frames only
small=()
[ $rehearsal = 1 ] && small=(--small)

# ---- engine vs the CPU engine ------------------------------------------------------------------
engine_step() {   # engine_step STEP LOG SECONDS ARGS...: gpu_check, its PASS/FAIL lines summed up
    local step=$1 log=$2 t=$3 rc n_pass n_fail
    shift 3
    bounded "$t" "$log" "$@"
    rc=$?
    grep -E '^(PASS|FAIL|SKIP|ROW|  )' "$log"
    n_pass=$(grep -c '^PASS' "$log"); n_fail=$(grep -c '^FAIL' "$log")
    if [ $rc = 0 ] && [ "$n_fail" = 0 ] && [ "$n_pass" -gt 0 ]; then
        row "$step" PASS $secs "$n_pass cases${note:+ $note}: see ROW lines"
    else
        row "$step" FAIL $secs "$n_fail failed, $n_pass passed: $(why_failed $rc "$log" '^FAIL')"
    fi
}
if [ "$bench_only" = 1 ]; then
    row correctness SKIP 0 "RESR_GPU_BENCH_ONLY=1: engine, sanitizer and pipeline checks not run"
elif fits engine-vs-cpu 20; then
    note="(PSNR, non-finite, steady-state tracing)"
    [ $rehearsal = 1 ] && note="(--small on the fake driver)"
    engine_step engine-vs-cpu "$work/engine.log" 90 "$stage/gpu_check" ${small[@]+"${small[@]}"} --models "$stage"
fi

# ---- the wide mma.sync kernels (RESR_CUDA_TILES=wide: sm_80+, dynamic shared memory) vs the CPU
# engine: the same cases as engine-vs-cpu; the default keeps the legacy kernels until this passes
if [ "$bench_only" = 1 ]; then
    :
elif [ "$arch" -lt 80 ]; then
    row engine-wide-vs-cpu SKIP 0 "compute capability ${arch:0:-1}.${arch: -1}: the wide kernels need 8.0+ (cp.async)"
elif fits engine-wide-vs-cpu 20; then
    note="(RESR_CUDA_TILES=wide: the wide kernels where they apply)"
    [ $rehearsal = 1 ] && note="(--small, RESR_CUDA_TILES=wide on the fake driver)"
    RESR_CUDA_TILES=wide engine_step engine-wide-vs-cpu "$work/wide.log" 90 "$stage/gpu_check" \
        ${small[@]+"${small[@]}"} --models "$stage"
    if ! grep -qE ': [1-9][0-9]* conv launches on the wide kernels' "$work/wide.log"; then
        row engine-wide-vs-cpu-used FAIL 0 "no case ran a conv on the wide kernels (wide.log)"
    fi
fi

# ---- the CUTLASS sm_90a convs (cuda_conv=cutlass) vs the CPU engine -----------------------------
cutlass_built=no
[ -f build/cuda/resr_cutlass_cubin.c ] && [ -f build/cuda/resr_sm90_host.o ] && cutlass_built=yes
if [ "$bench_only" = 1 ]; then
    :
elif [ $cutlass_built = no ]; then
    row engine-cutlass-vs-cpu SKIP 0 "this build has no CUTLASS kernels (carry third_party/ with cutlass-*.tar.gz; ./configure's CUTLASS line)"
elif [ "$arch" != 90 ]; then
    row engine-cutlass-vs-cpu SKIP 0 "compute capability ${arch:0:-1}.${arch: -1}: the CUTLASS kernels are sm_90a (9.0 only)"
elif fits engine-cutlass-vs-cpu 20; then
    note="(cuda_conv=cutlass, fp16 and bf16: SRVGG body, RRDB growth/residual/hr convs on CUTLASS)"
    [ $rehearsal = 1 ] && note="(--small, cuda_conv=cutlass on the fake driver's CPU twin)"
    engine_step engine-cutlass-vs-cpu "$work/cutlass.log" 60 "$stage/gpu_check" ${small[@]+"${small[@]}"} \
        --cuda-conv cutlass --models "$stage"
fi

# ---- tests/gpu/cutlass_check: the three CUTLASS kernels alone vs the CPU engine's layer, then
# the 64->64 conv's TFLOP/s at 1080p beside the mma.sync kernel (exit 0 pass, 1 fail, 77 no sm_90)
cutlass_bin=$kernels/cutlass/cutlass_check
if [ "$bench_only" = 1 ]; then
    :
elif [ ! -x "$cutlass_bin" ]; then
    row cutlass-kernels SKIP 0 "no staged tests/gpu/cutlass_check (check.sh --stage with CUTLASS configured builds it)"
elif [ "$(cat "$kernels/cutlass/check.sha256" 2>/dev/null)" != "$(cutlass_check_sum)" ]; then
    row cutlass-kernels SKIP 0 "the staged cutlass_check is older than its sources: run check.sh --stage again"
elif [ $rehearsal = 0 ] && [ "$arch" != 90 ]; then
    row cutlass-kernels SKIP 0 "compute capability ${arch:0:-1}.${arch: -1}: the CUTLASS kernels are sm_90a (9.0 only)"
elif fits cutlass-kernels 30; then
    bounded 60 "$work/cutlass-kernels.log" "$cutlass_bin" --width 1920 --height 1080 --iters 20
    rc=$?
    grep -E '^(PASS|FAIL|SKIP|#)' "$work/cutlass-kernels.log"
    speed=$(grep -m 1 '^# conv 64->64' "$work/cutlass-kernels.log" | cut -c3-200)
    n_pass=$(grep -c '^PASS' "$work/cutlass-kernels.log"); n_fail=$(grep -c '^FAIL' "$work/cutlass-kernels.log")
    if [ $rc = 0 ] && [ "$n_fail" = 0 ] && [ "$n_pass" -gt 0 ]; then
        row cutlass-kernels PASS $secs "$n_pass cases vs the CPU layer${speed:+; $speed}"
    elif [ $rc = 77 ]; then
        row cutlass-kernels SKIP $secs "$(why_failed $rc "$work/cutlass-kernels.log" '^SKIP')"
    else
        row cutlass-kernels FAIL $secs "$n_fail failed, $n_pass passed: $(why_failed $rc "$work/cutlass-kernels.log" '^FAIL')"
    fi
fi

# ---- the compute_75 PTX, JIT-compiled by this GPU's driver: the sm_75 code paths -----------------
if [ "$bench_only" = 1 ]; then
    :
elif [ ! -f "$kernels/ptx75.c" ]; then
    row ptx-compute75 SKIP 0 "no staged PTX-only kernels ($kernels/ptx75.c): run tests/gpu/check.sh --stage where nvcc is"
elif fits ptx-compute75 30; then
    # the fatbin must hold PTX for compute_75 and no SASS at all, or the check proves nothing
    objdump=$(dirname "${nvcc:-/usr/local/cuda/bin/nvcc}")/cuobjdump
    content=
    if [ -x "$objdump" ]; then
        { "$objdump" --list-elf "$kernels/ptx75.fatbin"; "$objdump" --list-ptx "$kernels/ptx75.fatbin"; } \
            > "$work/ptx75-content.log" 2>&1
        # listings read "ELF file 1: x.1.sm_90.cubin" and "PTX file 1: x.1.sm_75.ptx"
        if grep -qiE '^ELF file|\.cubin' "$work/ptx75-content.log" ||
           ! grep -iE '^PTX file' "$work/ptx75-content.log" | grep -qE '(sm|compute)_75'; then
            content=bad
        else
            content=", no SASS (cuobjdump)"
        fi
    fi
    rc=0
    [ "$content" = bad ] || bounded 60 "$work/build-ptx75.log" build_program gpu_check_ptx75 "$kernels/ptx75.c" || rc=$?
    if [ "$content" = bad ]; then
        row ptx-compute75 FAIL 0 "the staged fatbin is not compute_75 PTX only: $(tr '\n' ' ' < "$work/ptx75-content.log" | cut -c1-200)"
    elif [ $rc != 0 ]; then
        row ptx-compute75 FAIL $secs "build: $(why_failed $rc "$work/build-ptx75.log" 'error')"
    else
        note="on compute_75 PTX only${content:-, unverified: no cuobjdump}, JIT-compiled by the driver"
        [ $rehearsal = 1 ] && note="(--small; the fake driver ignores the PTX: build and run mechanics only)"
        ptx_args=(--ptx75)
        [ $rehearsal = 1 ] && ptx_args=(--small)
        engine_step ptx-compute75 "$work/ptx75.log" 90 "$stage/gpu_check_ptx75" "${ptx_args[@]}" --models "$stage"
    fi
fi

# ---- compute-sanitizer ---------------------------------------------------------------------------
for tool in memcheck racecheck; do
    [ "$bench_only" = 1 ] && break
    if [ -z "$sanitizer" ]; then
        row "sanitizer-$tool" SKIP 0 "compute-sanitizer not installed"
        continue
    fi
    fits "sanitizer-$tool" 20 || continue
    log=$work/sanitizer-$tool.log
    bounded 60 "$log" "$sanitizer" --tool $tool --error-exitcode 9 "$stage/gpu_check" --small --models "$stage"
    rc=$?
    if [ $rc = 0 ]; then
        row "sanitizer-$tool" PASS $secs "$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$log" | tail -n 1)"
    elif grep -qiE 'device not supported|not supported on this|unable to (find|open) .*device|failed to (load|initialize)' "$log" &&
         ! grep -qE '^FAIL |Invalid|hazard' "$log"; then
        # the runtime refuses the tool (gVisor: "Device not supported"; the fake driver)
        row "sanitizer-$tool" SKIP $secs "the runtime refuses compute-sanitizer: $(grep -m1 -iE 'not supported|unable|failed' "$log" | cut -c1-160)"
    else
        row "sanitizer-$tool" FAIL $secs "$(why_failed $rc "$log" 'ERROR SUMMARY|RACECHECK SUMMARY|Invalid|hazard|^FAIL')"
    fi
done

# ---- ./ffmpeg: NVDEC -> realesrgan -> encode, and against the CPU engine --------------------------
video=$(find_shared media/video/onepiece_demo.mp4 || true)
model=$(find_shared models/realesr-animevideov3.pth || true)
if [ $rehearsal = 1 ]; then
    # the fake has no NVDEC: software decode, a 48x32 crop uploaded; a tiny model for the emulator
    model=$root/tests/fixtures/srvgg_x4.pth
    hw_dec=(-t 0.3) to_cuda="crop=48:32:0:0,format=nv12,hwupload_cuda," crop="crop=48:32:0:0," frames=2
else
    hw_dec=(-hwaccel cuda -hwaccel_output_format cuda -t 2) to_cuda='' crop='' frames=4
fi
ff() { ./ffmpeg -hide_banner -nostdin "$@"; }
if [ "$bench_only" = 1 ]; then
    :
elif [ -z "$video" ] || [ -z "$model" ]; then
    row pipeline SKIP 0 "onepiece_demo.mp4 / realesr-animevideov3.pth not found (run --stage where shared/ is)"
elif ! ./ffmpeg -hide_banner -hwaccels 2>/dev/null | grep -qx cuda; then
    row pipeline SKIP 0 "./ffmpeg was built without CUDA (no cuda in ffmpeg -hwaccels)"
elif fits pipeline 20; then
    vf="realesrgan=model=$model"
    # H100/H200 have no NVENC: hevc_nvenc must fail with a clear message, not crash or hang
    if bounded 30 "$work/nvenc.log" ff "${hw_dec[@]}" -i "$video" -vf "$to_cuda$vf" -c:v hevc_nvenc -f null -; then
        row pipeline-hevc_nvenc PASS $secs "this GPU encodes: NVDEC -> realesrgan -> hevc_nvenc ran"
    else
        rc=$?
        msg=$(grep -iE 'nvenc|encoder|device' "$work/nvenc.log" | grep -iv '^ *stream' | tail -n 2 | tr '\n' ' ' | cut -c1-240)
        if [ $rc != 124 ] && grep -qiE 'nvenc|no capable devices|unsupported device|openencodesession|libnvidia-encode' "$work/nvenc.log" &&
           ! grep -qiE 'segmentation|core dumped|assert' "$work/nvenc.log"; then
            row pipeline-hevc_nvenc PASS $secs "fails cleanly (no NVENC): $msg"
        else
            row pipeline-hevc_nvenc FAIL $secs "unclear failure: $(why_failed $rc "$work/nvenc.log") $msg"
        fi
    fi
    # the audio is mapped and copied explicitly: left to itself, the matroska muxer picks AC-3,
    # which the minimal build cannot encode (the 2026-12-04 FAIL)
    enc=(-c:v ffv1)
    ./ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx264 && enc=(-c:v libx264 -preset veryfast -crf 16)
    if bounded 40 "$work/pipeline.log" ff -y "${hw_dec[@]}" -i "$video" -map 0:v:0 -map '0:a:0?' \
            -vf "$to_cuda$vf,hwdownload,format=nv12" "${enc[@]}" -c:a copy "$stage/upscaled.mkv"; then
        got=$(./ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=width,height,nb_read_frames \
              -of csv=p=0 "$stage/upscaled.mkv" 2>/dev/null | tr '\n' ' ')
        audio=$(./ffprobe -v error -select_streams a:0 -show_entries stream=codec_name -of csv=p=0 "$stage/upscaled.mkv" 2>/dev/null)
        fps=$(grep -oE 'fps= *[0-9.]+' "$work/pipeline.log" | tail -n 1)
        row pipeline-nvdec-encode PASS $secs "${enc[1]}: ${got}(w,h,frames), audio ${audio:-none} copied; $fps"
    else
        rc=$?
        row pipeline-nvdec-encode FAIL $secs "$(why_failed $rc "$work/pipeline.log" 'error|failed')"
    fi
    # psnr_step STEP DETAIL FILTERGRAPH [INPUT-0 OPTIONS...]: the CUDA path against backend=cpu on
    # the same frames, >= 40 dB (fp16); -v verbose adds the CUDA run's per-frame timings
    # $require, when set: a regex the log must match too (what proves the path under test ran)
    psnr_step() {
        local step=$1 detail=$2 graph=$3 psnr timing rc
        shift 3
        fits "$step" 15 || return 0
        if bounded 40 "$work/$step.log" ff -v verbose "$@" -i "$video" -i "$video" -filter_complex "$graph" \
                -frames:v $frames -f null -; then
            psnr=$(grep -oE 'average:[-+0-9.a-z]+' "$work/$step.log" | tail -n 1 | cut -d: -f2)
            # the CUDA instance's per-frame line (the CPU one's reads "engine N ms (network ...")
            timing=$(grep -E 'frame [0-9]+ \(pts [^)]*\): engine [0-9.]+ ms, resize' "$work/$step.log" | tail -n 1 | sed 's/.*): //')
            if [ -n "${require:-}" ] && ! grep -qE "$require" "$work/$step.log"; then
                row "$step" FAIL $secs "$detail: $psnr dB, but the log lacks /$require/"
            elif at_least "$psnr" 40 inf; then
                row "$step" PASS $secs "$detail: $psnr dB; last CUDA frame: ${timing:-n/a}${require:+; $(grep -oE "$require[^;]*" "$work/$step.log" | head -n 1)}"
            else
                row "$step" FAIL $secs "$detail: '$psnr' dB, want a number >= 40"
            fi
        else
            rc=$?
            row "$step" FAIL $secs "$(why_failed $rc "$work/$step.log" 'error|failed|cannot')"
        fi
    }
    cpu="realesrgan=model=$model:backend=cpu"
    psnr_step pipeline-vs-cpu "$frames decoded frames, CUDA fp16 vs CPU fp32" \
        "[0:v]$to_cuda$vf,hwdownload,format=nv12[g];[1:v]${crop}format=nv12,${cpu}[c];[g][c]psnr" "${hw_dec[@]}"
    psnr_step pipeline-outscale "CUDA frames, outscale=2, out_format=p010le, vs CPU" \
        "[0:v]$to_cuda$vf:outscale=2:out_format=p010le,hwdownload,format=p010le[g];[1:v]${crop}format=nv12,$cpu:outscale=2,format=p010le[c];[g][c]psnr" \
        "${hw_dec[@]}"
    psnr_step pipeline-upload "software frames, backend=cuda, outscale=3, vs CPU" \
        "[0:v]${crop}format=nv12,$vf:backend=cuda:outscale=3[g];[1:v]${crop}format=nv12,$cpu:outscale=3[c];[g][c]psnr"
    if [ $cutlass_built = yes ] && [ "$arch" = 90 ]; then
        # the rehearsal's tiny fixture has no conv CUTLASS takes: a 64-channel SRVGG instead
        # (tests/cuda/_make_wide_models.py); a run where no conv reached CUTLASS fails
        cut_model=$model
        if [ $rehearsal = 1 ] && mkdir -p "$work/wide"; then
            for py in /usr/bin/python3 python3; do   # one with numpy (Debian's, here)
                "$py" tests/cuda/_make_wide_models.py "$work/wide" 2> /dev/null &&
                    cut_model=$work/wide/srvgg64_x4.safetensors && break
            done
        fi
        require='CUTLASS sm_90a convs: [1-9][0-9]* launch'
        psnr_step pipeline-cutlass-vs-cpu "$frames decoded frames, cuda_conv=cutlass fp16 vs CPU fp32" \
            "[0:v]${to_cuda}realesrgan=model=$cut_model:cuda_conv=cutlass,hwdownload,format=nv12[g];[1:v]${crop}format=nv12,realesrgan=model=$cut_model:backend=cpu[c];[g][c]psnr" \
            "${hw_dec[@]}"
        require=
    fi
    # held frames (dedup) on CUDA frames, decided on the device: dedup=12 against dedup=-1 on
    # the same decoded frames (the clip is drawn on threes); some frames reused, 40 dB or more
    if fits pipeline-dedup 20; then
        if bounded 40 "$work/pipeline-dedup.log" ff "${hw_dec[@]}" -i "$video" -filter_complex \
                "[0:v]${to_cuda}split[a][b];[a]$vf:dedup=12,hwdownload,format=nv12[g];[b]$vf:dedup=-1,hwdownload,format=nv12[c];[g][c]psnr" \
                -frames:v $(( frames * 6 )) -f null -; then
            psnr=$(grep -oE 'average:[-+0-9.a-z]+' "$work/pipeline-dedup.log" | tail -n 1 | cut -d: -f2)
            reused=$(grep -oE '[0-9]+ of [0-9]+ frames reused' "$work/pipeline-dedup.log" | head -n 1)
            if [ -n "$reused" ] && [ "${reused%% *}" -gt 0 ] && at_least "$psnr" 40 inf; then
                row pipeline-dedup PASS $secs "CUDA frames, dedup=12: $reused; $psnr dB against dedup=-1"
            else
                row pipeline-dedup FAIL $secs "dedup=12: '$reused', '$psnr' dB against dedup=-1 (want some reused, a number >= 40)"
            fi
        else
            rc=$?
            row pipeline-dedup FAIL $secs "$(why_failed $rc "$work/pipeline-dedup.log" 'error|failed|cannot')"
        fi
    fi
fi

# ---- benchmark: measurements, never a failure (tests/gpu/bench_gpu.py) ---------------------------
if [ "$bench_reserve" -le 0 ]; then
    row bench SKIP 0 "RESR_GPU_BENCH_SECONDS=$bench_reserve: no benchmark"
elif ! command -v python3 >/dev/null 2>&1; then
    row bench SKIP 0 "no python3 to run tests/gpu/bench_gpu.py"
elif fits bench 30; then
    rc=0
    bounded 60 "$work/build-bench.log" build_program gpu_bench build/cuda/resr_kernels_fatbin.c || rc=$?
    if [ $rc != 0 ]; then
        row bench BENCH $secs "gpu_bench did not build: $(why_failed $rc "$work/build-bench.log" error)"
    elif [ $rehearsal = 1 ]; then
        row bench SKIP $secs "rehearsal: gpu_bench built; timings of the CPU emulator would mean nothing"
    else
        t=$(( $(left) - 12 )); [ $t -le "$bench_reserve" ] || t=$bench_reserve
        torch=(--no-torch)
        [ "${RESR_GPU_BENCH_TORCH:-0}" = 1 ] && torch=()
        bounded $(( t + 5 )) "$work/bench.log" python3 tests/gpu/bench_gpu.py --bench "$stage/gpu_bench" \
            --models "$stage" --out "$work" --budget "$t" --e2e-frames 60 ${torch[@]+"${torch[@]}"}
        rc=$?
        n=0
        while IFS='|' read -r name detail; do
            row "$name" BENCH "$secs" "$detail"
            n=$((n + 1))
        done < <(sed -n 's/^BENCHROW //p' "$work/bench.log")
        [ $n -gt 0 ] || row bench BENCH $secs "nothing measured: $(why_failed $rc "$work/bench.log")"
    fi
fi
# finish_run (the EXIT trap): summary, packing, exit status
