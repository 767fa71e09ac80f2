#!/usr/bin/env bash
# The CPU network and engine tests again on the oneDNN convolution path (issue 16): their
# default (cpu_backend=auto) is the hand-written kernels on an AVX2 CPU and oneDNN on an
# AVX-512 one, so each path is covered on every machine. RESR_CPU_BACKEND overrides auto in
# the library (cpu/network.c); case names get an "onednn:" prefix. Then ffmpeg: the same
# frames through cpu_backend=native and cpu_backend=onednn agree within fp32 rounding, and
# precision=bf16 is refused where the CPU lacks bf16.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

if ! grep -q 'RESR_HAVE_ONEDNN 1' build/onednn_config.h 2>/dev/null; then
    echo "SKIP onednn_backends: built without oneDNN (./configure found none, or --disable-onednn)"
    exit 0
fi

status=0
for t in test_network test_reference test_cpu_engine; do
    bin=build/tests/engine/$t
    if [ ! -x "$bin" ]; then
        echo "FAIL onednn:$t: $bin not built"
        status=1
        continue
    fi
    RESR_CPU_BACKEND=onednn "$bin" > "${TMPDIR:-/tmp}/$t.log" 2>&1
    rc=$?
    sed -n -e 's/^\(PASS\|FAIL\|SKIP\) /\1 onednn:/p' "${TMPDIR:-/tmp}/$t.log"
    if [ $rc -ne 0 ]; then
        grep -q '^FAIL' "${TMPDIR:-/tmp}/$t.log" || echo "FAIL onednn:$t: exit status $rc"
        status=1
    fi
done

# ffmpeg, both paths, PSNR of the 8-bit outputs (rounding may flip a level here and there)
model=${RESR_SHARED:-../shared}/models/realesr-animevideov3.pth
if [ ! -x "${FFMPEG:-./ffmpeg}" ] || [ ! -f "$model" ]; then
    echo "SKIP onednn:ffmpeg_native_vs_onednn: no ffmpeg or no $model"
else
    out=$("${FFMPEG:-./ffmpeg}" -nostdin -hide_banner -loglevel error \
        -f lavfi -i testsrc2=s=48x32:d=0.12:r=25 -filter_complex \
        "[0]split[a][b];[a]realesrgan=model=$model:cpu_backend=native[x];[b]realesrgan=model=$model:cpu_backend=onednn[y];[x][y]psnr=stats_file=-" \
        -f null - 2>&1)
    rc=$?
    worst=$(printf '%s\n' "$out" | sed -n 's/.*psnr_avg:\([0-9.inf]*\).*/\1/p' | sort -g | head -n1)
    if [ $rc -ne 0 ] || [ -z "$worst" ]; then
        echo "FAIL onednn:ffmpeg_native_vs_onednn: ffmpeg failed ($rc): $(printf '%s' "$out" | tail -n 3)"
        status=1
    elif [ "$worst" != inf ] && ! awk -v p="$worst" 'BEGIN { exit !(p + 0 >= 50) }'; then
        echo "FAIL onednn:ffmpeg_native_vs_onednn: worst frame PSNR $worst dB < 50"
        status=1
    else
        echo "PASS onednn:ffmpeg_native_vs_onednn (worst frame PSNR $worst dB)"
    fi
fi

# precision=bf16 on a CPU without AVX512-BF16/AMX: refused, naming the problem, no crash
if [ -x "${FFMPEG:-./ffmpeg}" ] && [ -f "$model" ] && ! grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then
    msg=$("${FFMPEG:-./ffmpeg}" -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=s=16x16:d=0.04 \
        -vf "realesrgan=model=$model:precision=bf16" -f null - 2>&1)
    rc=$?
    # an error exit (ffmpeg's can be above 128, e.g. 161), not a signal (129..159)
    if [ $rc -ne 0 ] && { [ $rc -lt 129 ] || [ $rc -gt 159 ]; } && printf '%s' "$msg" | grep -q 'precision=bf16 needs a CPU with AVX512-BF16 or AMX'; then
        echo "PASS onednn:bf16_refused_without_isa"
    else
        echo "FAIL onednn:bf16_refused_without_isa: exit $rc: $(printf '%s' "$msg" | head -n 2)"
        status=1
    fi
fi

# precision=bf16 on a CPU with bf16: either it runs (this oneDNN applies its bf16 math mode;
# test_onednn then checks the result is bf16, not fp32) or it is refused naming the reason
# (the probe found fp32 computed under the mode: Debian's oneDNN 2.6); never a crash
if [ -x "${FFMPEG:-./ffmpeg}" ] && [ -f "$model" ] && grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then
    msg=$("${FFMPEG:-./ffmpeg}" -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=s=16x16:d=0.04 \
        -vf "realesrgan=model=$model:precision=bf16" -f null - 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$msg" ]; then
        echo "PASS onednn:bf16_with_isa (runs)"
    elif [ $rc -ne 0 ] && { [ $rc -lt 129 ] || [ $rc -gt 159 ]; } && printf '%s' "$msg" | grep -q 'computes our convolutions in fp32 under its bf16 math mode'; then
        echo "PASS onednn:bf16_with_isa (refused: this oneDNN computes fp32 under the bf16 mode)"
    else
        echo "FAIL onednn:bf16_with_isa: exit $rc: $(printf '%s' "$msg" | head -n 2)"
        status=1
    fi
fi
exit $status
