#!/usr/bin/env bash
# The one-command GPU check of the CUDA engine (see tests/gpu/README.md).
#
#   tests/gpu/check.sh            build offline from third_party/, then check; SKIPs without a GPU
#   tests/gpu/check.sh --stage    (on a machine with the shared data) copy the model and the demo
#                                 video into build/gpu-check/ so that they travel with the tree
#
# Steps: build (tools/offline-build, fatbin for this GPU only), engine comparison CUDA vs CPU
# (tests/gpu/gpu_check.c: every architecture, sw_format, precision, odd sizes, tiles, fp16
# overflow, steady-state driver tracing), compute-sanitizer memcheck + racecheck on a small
# case, NVDEC -> realesrgan -> encode with ffmpeg; then the benchmark (tests/gpu/bench_gpu.py:
# BENCH rows, never a failure; RESULTS-gpu.md/.csv with the logs). Prints PASS/FAIL/SKIP/BENCH
# lines and, last, a summary table. Exit status: nonzero when anything failed. Logs: $OUT (or
# build/gpu-check/logs).
#   RESR_GPU_BENCH_SECONDS   the benchmark's share of the budget (default 120; 0: no benchmark)
#   RESR_GPU_BENCH_ONLY=1    build, then the benchmark alone (no correctness steps)
set -uo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)
stage=$root/build/gpu-check
logs=${OUT:-$stage/logs}
mkdir -p "$stage" "$logs"

find_shared() {   # find_shared RELATIVE-PATH: the first copy of a shared data file
    for dir in "$stage" "$root/shared" "$root/../shared" ${RESR_SHARED:+"$RESR_SHARED"}; do
        for cand in "$dir/$1" "$dir/$(basename "$1")"; do
            [ -f "$cand" ] && { echo "$cand"; return 0; }
        done
    done
    return 1
}

if [ "${1:-}" = --stage ]; then
    for f in models/realesr-animevideov3.pth media/video/onepiece_demo.mp4; do
        src=$(find_shared "$f") || { echo "check.sh --stage: $f not found" >&2; exit 1; }
        [ "$src" = "$stage/$(basename "$f")" ] || cp "$src" "$stage/"
    done
    echo "staged in $stage: $(ls "$stage" | tr '\n' ' ')"
    echo "carry: third_party build/gpu-check"
    exit 0
fi

start=$(date +%s)
rows=()        # "step|result|seconds|detail"
failed=0

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
    echo "GPU check summary ($(( $(date +%s) - start )) s${gpu_name:+, $gpu_name})"
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
    cp "$0" "$logs/" 2>/dev/null || true
}

overall=
# --- is there a GPU? -------------------------------------------------------------------------
gpu_name=
if command -v nvidia-smi >/dev/null 2>&1; then
    gpu_name=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null) || gpu_name=
    gpu_name=$(echo "$gpu_name" | head -n 1)
fi
# RESR_GPU_CHECK_FORCE=1 rehearses the build steps on a machine without a GPU
[ -z "$gpu_name" ] && [ "${RESR_GPU_CHECK_FORCE:-0}" = 1 ] && gpu_name="no GPU: forced rehearsal"
if [ -z "$gpu_name" ]; then
    overall=SKIPPED
    row gpu SKIP 0 "no NVIDIA GPU (nvidia-smi lists none): nothing to check here"
    summary | tee "$logs/summary.txt"
    exit 0
fi

# The device tool stops a command at 600 s: every step gets a timeout, and steps that
# could not finish before the deadline are skipped so that the summary always prints.
deadline=$(( start + ${RESR_GPU_CHECK_BUDGET:-560} ))
left() { echo $(( deadline - $(date +%s) )); }
fits() {   # fits STEP SECONDS: true if SECONDS remain, else records a SKIP
    [ "$(left)" -ge "$2" ] && return 0
    row "$1" SKIP 0 "out of time ($(left) s left of the budget, needs about $2)"
    return 1
}

# the benchmark runs last, in the time kept back for it here
bench_reserve=${RESR_GPU_BENCH_SECONDS:-120}
bench_only=${RESR_GPU_BENCH_ONLY:-0}

timed() {   # timed LOG COMMAND...: runs it, output to LOG; sets $secs and returns its status
    local t0=$(date +%s) rc
    "${@:2}" > "$1" 2>&1
    rc=$?
    secs=$(( $(date +%s) - t0 ))
    return $rc
}

# --- build ------------------------------------------------------------------------------------
jobs=$(nproc 2>/dev/null || echo 4)
export CUDA_ARCHS=${CUDA_ARCHS:-$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d '.')}
[ -n "$CUDA_ARCHS" ] || export CUDA_ARCHS=90
if timed "$logs/build.log" tools/offline-build -j"$jobs"; then
    row build PASS $secs "tools/offline-build -j$jobs, kernels for sm_$CUDA_ARCHS"
else
    row build FAIL $secs "tools/offline-build failed: tail of $logs/build.log: $(tail -n 3 "$logs/build.log" | tr '\n' ' ')"
    summary | tee "$logs/summary.txt"
    exit 1
fi

# the engine check program: the CUDA engine, libresr.a and FFmpeg's libavutil (with CUDA)
ffb=$root/build/ffmpeg
nvinc=
for d in "$root/build/nv-codec-headers/include" /usr/local/include /usr/include; do
    [ -f "$d/ffnvcodec/dynlink_loader.h" ] && { nvinc=$d; break; }
done
# the CUDA engine's objects, linked into gpu_check and gpu_bench
engine_srcs=(cuda/cuda_engine.c cuda/cuda_plan.c build/cuda/resr_kernels_fatbin.c tests/common/synthetic_model.c)
build_program() (   # build_program NAME: tests/gpu/NAME.c + the engine -> $stage/NAME
    set -e
    local cflags="-std=c17 -O2 -D_POSIX_C_SOURCE=200112 -D_XOPEN_SOURCE=600 -I$ffb -I$root/build/ffmpeg-src -I$nvinc -I$root"
    local objs=()
    for src in "${engine_srcs[@]}" "tests/gpu/$1.c"; do
        obj=$stage/$(basename "$src" .c).o
        cc $cflags -c -o "$obj" "$src"
        objs+=("$obj")
    done
    local extralibs
    extralibs=$(sed -n 's/^EXTRALIBS-avutil=//p' "$ffb/ffbuild/config.mak")
    cc -o "$stage/$1" "${objs[@]}" build/lib/libresr.a "$ffb/libavutil/libavutil.a" \
        $extralibs -ldl -lpthread -lm
)
build_check() (
    set -e
    local nvcc=${NVCC:-$(grep -s '^NVCC *=' config.mak | sed 's/^NVCC *= *//')}
    make -f cuda/cuda.mak cuda-kernels ${nvcc:+NVCC=$nvcc}
    build_program gpu_check
)
if timed "$logs/build-check.log" build_check; then
    row build-engine-check PASS $secs "tests/gpu/gpu_check.c linked against libavutil + libresr.a"
else
    row build-engine-check FAIL $secs "see $logs/build-check.log: $(tail -n 3 "$logs/build-check.log" | tr '\n' ' ')"
    summary | tee "$logs/summary.txt"
    exit 1
fi

# --- engine comparison -------------------------------------------------------------------------
if [ "$bench_only" = 1 ]; then
    row correctness SKIP 0 "RESR_GPU_BENCH_ONLY=1: engine, sanitizer and pipeline checks not run"
elif fits engine-vs-cpu 60; then
    t=$(( $(left) - 150 - bench_reserve )); [ $t -ge 60 ] || t=60
    timed "$logs/engine.log" timeout $t "$stage/gpu_check" --models "$stage"
    rc=$?
    grep -E '^(PASS|FAIL|SKIP|ROW|  )' "$logs/engine.log"
    n_pass=$(grep -c '^PASS' "$logs/engine.log"); n_fail=$(grep -c '^FAIL' "$logs/engine.log")
    if [ $rc = 0 ] && [ "$n_fail" = 0 ] && [ "$n_pass" -gt 0 ]; then
        row engine-vs-cpu PASS $secs "$n_pass cases (PSNR, non-finite, steady-state tracing): see ROW lines"
    else
        row engine-vs-cpu FAIL $secs "exit $rc$([ $rc = 124 ] && echo ' (timeout)'), $n_fail failed, $n_pass passed: $logs/engine.log"
    fi
fi

# --- compute-sanitizer -------------------------------------------------------------------------
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
[ "$bench_only" = 1 ] && sanitizer=skip
for tool in memcheck racecheck; do
    [ "$sanitizer" = skip ] && continue
    if [ -z "$sanitizer" ]; then
        row "sanitizer-$tool" SKIP 0 "compute-sanitizer not installed"
        continue
    fi
    fits "sanitizer-$tool" 45 || continue
    if timed "$logs/sanitizer-$tool.log" timeout 90 "$sanitizer" --tool $tool --error-exitcode 9 \
            "$stage/gpu_check" --small --models "$stage"; then
        row "sanitizer-$tool" PASS $secs "$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$logs/sanitizer-$tool.log" | tail -n 1)"
    else
        row "sanitizer-$tool" FAIL $secs "$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|Invalid|hazard' "$logs/sanitizer-$tool.log" | head -n 2 | tr '\n' ' ')"
    fi
done

# --- NVDEC -> realesrgan -> encode ---------------------------------------------------------------
video=$(find_shared media/video/onepiece_demo.mp4 || true)
model=$(find_shared models/realesr-animevideov3.pth || true)
if [ "$bench_only" = 1 ]; then
    :
elif [ -z "$video" ] || [ -z "$model" ]; then
    row pipeline SKIP 0 "onepiece_demo.mp4 / realesr-animevideov3.pth not found (run --stage where shared/ is)"
elif ! ./ffmpeg -hide_banner -hwaccels 2>/dev/null | grep -qx cuda; then
    row pipeline SKIP 0 "./ffmpeg was built without CUDA (no cuda in ffmpeg -hwaccels)"
elif fits pipeline 60; then
    dec=(-hwaccel cuda -hwaccel_output_format cuda -i "$video" -t 2)
    vf="realesrgan=model=$model"
    # H100/H200 have no NVENC: hevc_nvenc must fail with a clear message, not crash or hang
    if timed "$logs/nvenc.log" timeout 45 ./ffmpeg -hide_banner -nostdin "${dec[@]}" -vf "$vf" \
            -c:v hevc_nvenc -f null -; then
        row pipeline-hevc_nvenc PASS $secs "this GPU encodes: NVDEC -> realesrgan -> hevc_nvenc ran"
    else
        msg=$(grep -iE 'nvenc|encoder|device' "$logs/nvenc.log" | grep -iv '^ *stream' | tail -n 2 | tr '\n' ' ')
        if grep -qiE 'nvenc|no capable devices|unsupported device|openencodesession' "$logs/nvenc.log" &&
           ! grep -qiE 'segmentation|core dumped|assert' "$logs/nvenc.log"; then
            row pipeline-hevc_nvenc PASS $secs "fails cleanly (no NVENC): $msg"
        else
            row pipeline-hevc_nvenc FAIL $secs "unclear failure: $msg"
        fi
    fi
    enc=(-c:v ffv1)
    ./ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx264 && enc=(-c:v libx264 -preset veryfast -crf 16)
    if timed "$logs/pipeline.log" timeout 60 ./ffmpeg -hide_banner -nostdin -y "${dec[@]}" \
            -vf "$vf,hwdownload,format=nv12" "${enc[@]}" "$stage/upscaled.mkv"; then
        frames=$(./ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height \
                 -of csv=p=0 "$stage/upscaled.mkv" 2>/dev/null | tr '\n' ' ')
        fps=$(grep -oE 'fps= *[0-9.]+' "$logs/pipeline.log" | tail -n 1)
        row pipeline-nvdec-encode PASS $secs "${enc[1]}: $frames(w,h,frames) $fps"
    else
        row pipeline-nvdec-encode FAIL $secs "$(grep -iE 'error|failed' "$logs/pipeline.log" | head -n 2 | tr '\n' ' ')"
    fi
    # the same frames through the CPU engine: the GPU pipeline must match within 40 dB (fp16)
    psnr_t=$(( $(left) - 5 - bench_reserve )); [ $psnr_t -ge 30 ] || psnr_t=30
    if ! fits pipeline-vs-cpu 30; then
        :
    elif timed "$logs/pipeline-psnr.log" timeout $psnr_t ./ffmpeg -hide_banner -nostdin \
            -hwaccel cuda -hwaccel_output_format cuda -i "$video" -i "$video" -filter_complex \
            "[0:v]$vf,hwdownload,format=nv12[g];[1:v]format=nv12,realesrgan=model=$model:backend=cpu[c];[g][c]psnr" \
            -frames:v 4 -f null -; then
        psnr=$(grep -oE 'average:[0-9.inf]+' "$logs/pipeline-psnr.log" | tail -n 1 | cut -d: -f2)
        if awk -v p="$psnr" 'BEGIN { exit !(p == "inf" || p + 0 >= 40) }'; then
            row pipeline-vs-cpu PASS $secs "4 decoded frames, CUDA fp16 vs CPU fp32: $psnr dB"
        else
            row pipeline-vs-cpu FAIL $secs "CUDA vs CPU: $psnr dB < 40"
        fi
    else
        row pipeline-vs-cpu FAIL $secs "$(grep -iE 'error|failed' "$logs/pipeline-psnr.log" | head -n 2 | tr '\n' ' ')"
    fi
    # the filter's other GPU paths against the CPU engine, 4 frames each: outscale (the
    # resample kernel) with out_format on CUDA frames, and software frames that backend=cuda
    # uploads, resizes and downloads; -v verbose adds the per-frame timings of the CUDA run
    psnr_step() {   # psnr_step STEP DETAIL DECODE-OPTIONS FILTERGRAPH
        local step=$1 detail=$2 graph=$4 psnr timing
        fits "$step" 30 || return 0
        # $3 unquoted on purpose: zero or more decoder options for the first input
        # shellcheck disable=SC2086
        if timed "$logs/$step.log" timeout $(( $(left) - 5 )) ./ffmpeg -hide_banner -nostdin -v verbose \
                $3 -i "$video" -i "$video" -filter_complex "$graph" -frames:v 4 -f null -; then
            psnr=$(grep -oE 'average:[0-9.inf]+' "$logs/$step.log" | tail -n 1 | cut -d: -f2)
            # the CUDA instance's per-frame line (the CPU one's reads "engine N ms (network ...")
            timing=$(grep -E 'frame [0-9]+ \(pts [^)]*\): engine [0-9.]+ ms, resize' "$logs/$step.log" | tail -n 1 | sed 's/.*): //')
            if awk -v p="$psnr" 'BEGIN { exit !(p == "inf" || p + 0 >= 40) }'; then
                row "$step" PASS $secs "$detail: $psnr dB; last CUDA frame: $timing"
            else
                row "$step" FAIL $secs "$detail: $psnr dB < 40"
            fi
        else
            row "$step" FAIL $secs "$(grep -iE 'error|failed|cannot' "$logs/$step.log" | head -n 2 | tr '\n' ' ')"
        fi
    }
    psnr_step pipeline-outscale "CUDA frames, outscale=2, out_format=p010le, vs CPU" \
        "-hwaccel cuda -hwaccel_output_format cuda" \
        "[0:v]$vf:outscale=2:out_format=p010le,hwdownload,format=p010le[g];[1:v]format=nv12,realesrgan=model=$model:backend=cpu:outscale=2,format=p010le[c];[g][c]psnr"
    psnr_step pipeline-upload "software frames, backend=cuda, outscale=3, vs CPU" "" \
        "[0:v]format=nv12,$vf:backend=cuda:outscale=3[g];[1:v]format=nv12,realesrgan=model=$model:backend=cpu:outscale=3[c];[g][c]psnr"
    # held frames (dedup) on CUDA frames, decided on the device: 2 s of the clip with
    # dedup=12 against dedup=-1 on the same decoded frames; some frames reused, 40 dB or more
    if fits pipeline-dedup 30; then
        if timed "$logs/pipeline-dedup.log" timeout $(( $(left) - 5 )) ./ffmpeg -hide_banner -nostdin \
                -hwaccel cuda -hwaccel_output_format cuda -i "$video" -t 2 -filter_complex \
                "[0:v]split[a][b];[a]$vf:dedup=12,hwdownload,format=nv12[g];[b]$vf:dedup=-1,hwdownload,format=nv12[c];[g][c]psnr" \
                -f null -; then
            psnr=$(grep -oE 'average:[0-9.inf]+' "$logs/pipeline-dedup.log" | tail -n 1 | cut -d: -f2)
            reused=$(grep -oE '[0-9]+ of [0-9]+ frames reused' "$logs/pipeline-dedup.log" | head -n 1)
            if [ -n "$reused" ] && [ "${reused%% *}" -gt 0 ] &&
               awk -v p="$psnr" 'BEGIN { exit !(p == "inf" || p + 0 >= 40) }'; then
                row pipeline-dedup PASS $secs "CUDA frames, dedup=12: $reused; $psnr dB against dedup=-1"
            else
                row pipeline-dedup FAIL $secs "dedup=12: '$reused', $psnr dB against dedup=-1 (want some reused, >= 40 dB)"
            fi
        else
            row pipeline-dedup FAIL $secs "$(grep -iE 'error|failed|cannot' "$logs/pipeline-dedup.log" | head -n 2 | tr '\n' ' ')"
        fi
    fi
fi

# --- benchmark: measurements, never a failure (tests/gpu/bench_gpu.py) ---------------------------
if [ "$bench_reserve" -le 0 ]; then
    row bench SKIP 0 "RESR_GPU_BENCH_SECONDS=$bench_reserve: no benchmark"
elif ! command -v python3 >/dev/null 2>&1; then
    row bench SKIP 0 "no python3 to run tests/gpu/bench_gpu.py"
elif fits bench 45; then
    if timed "$logs/build-bench.log" build_program gpu_bench; then
        budget=$(( $(left) - 10 ))
        timed "$logs/bench.log" timeout $(( budget + 5 )) python3 tests/gpu/bench_gpu.py --bench "$stage/gpu_bench" \
            --models "$stage" --out "$logs" --budget $budget
        rc=$?
        n=0
        while IFS='|' read -r name detail; do
            row "$name" BENCH "$secs" "$detail"
            n=$((n + 1))
        done < <(sed -n 's/^BENCHROW //p' "$logs/bench.log")
        [ $n -gt 0 ] || row bench BENCH $secs "exit $rc$([ $rc = 124 ] && echo ' (timeout)'), nothing measured: $logs/bench.log"
    else
        row bench BENCH $secs "gpu_bench did not build: $(tail -n 3 "$logs/build-bench.log" | tr '\n' ' ')"
    fi
fi

summary | tee "$logs/summary.txt"
exit $failed
