#!/usr/bin/env bash
# The README's CPU pipelines, run small with the test fixture model: raw frames through
# pipes, a NUT stream with audio from another program, and doc/examples/upscale_image.c
# built against the FFmpeg build tree, whose output must equal ffmpeg's byte for byte.
# Run by tests/run-tests from the project root ($FFMPEG, $FFPROBE set).
set -u
ffmpeg=${FFMPEG:-./ffmpeg}
ffprobe=${FFPROBE:-./ffprobe}
model=tests/fixtures/srvgg_x4.pth     # SRVGGNetCompact x4, tiny
. "$(dirname "$0")/../common/test_lib.sh"

if [ ! -x "$ffmpeg" ]; then
    fail doc/ffmpeg "$ffmpeg not built"
    exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/readme-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT
q=(-hide_banner -nostdin -loglevel error)

# "Piping": raw RGB frames in on stdin, raw RGB frames out on stdout
"$ffmpeg" "${q[@]}" -f lavfi -i testsrc2=size=24x16:rate=10:duration=0.3 -f rawvideo -pix_fmt rgb24 pipe:1 |
    "$ffmpeg" "${q[@]}" -f rawvideo -pix_fmt rgb24 -video_size 24x16 -framerate 10 -i pipe:0 \
        -vf "realesrgan=model=$model" -f rawvideo -pix_fmt rgb24 pipe:1 > "$work/raw.rgb"
size=$(stat -c %s "$work/raw.rgb")
[ "$size" -eq $((96 * 64 * 3 * 3)) ]
check doc/pipe_rawvideo $? "$size bytes out, expected 3 frames of 96x64 rgb24"

# "Piping": `-` for stdin and stdout (the fd protocol), the same frames as pipe:0 / pipe:1
"$ffmpeg" "${q[@]}" -f lavfi -i testsrc2=size=24x16:rate=10:duration=0.3 -f rawvideo -pix_fmt rgb24 - |
    "$ffmpeg" "${q[@]}" -f rawvideo -pix_fmt rgb24 -video_size 24x16 -framerate 10 -i - \
        -vf "realesrgan=model=$model" -f rawvideo -pix_fmt rgb24 - > "$work/dash.rgb"
cmp -s "$work/raw.rgb" "$work/dash.rgb"
check doc/pipe_dash $? "'-i -' / '-' output differs from pipe:0 / pipe:1 ($(stat -c %s "$work/dash.rgb") bytes)"

# "Piping": another program's NUT stream (video and audio) in, a file out, audio copied
"$ffmpeg" "${q[@]}" -f lavfi -i testsrc2=size=32x24:rate=10:duration=0.5 \
    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=0.5 \
    -c:v rawvideo -c:a pcm_s16le -f nut pipe:1 |
    "$ffmpeg" "${q[@]}" -f nut -i pipe:0 -vf "realesrgan=model=$model" -c:v ffv1 -c:a copy \
        -y "$work/nut.mkv"
streams=$("$ffprobe" -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames \
          -of csv=p=0 "$work/nut.mkv" 2>&1 | paste -sd' ')
[ "$streams" = "ffv1,128,96,5 pcm_s16le,,," ] || [[ "$streams" == "ffv1,128,96,5 pcm_s16le"* ]]
check doc/pipe_nut_with_audio $? "streams: $streams"

# "libavfilter from C": doc/examples/upscale_image.c against the build tree
build=build/ffmpeg src=build/ffmpeg-src
if [ ! -f "$build/libavfilter/libavfilter.a" ] || [ ! -d "$src/libavfilter" ]; then
    skip doc/libavfilter_example "no static FFmpeg build in $build"
else
    cc=${CC:-cc}
    # as the README: FFmpeg's static libraries, then the system libraries each needs as
    # FFmpeg's configure found them (the full build's libass, x265, ...; -lz, -lm alone in
    # a minimal one)
    libs=() extralibs=()
    for l in avfilter avformat avcodec swresample swscale avutil; do
        libs+=("$build/lib$l/lib$l.a")
        read -r -a more <<< "$(sed -n "s/^EXTRALIBS-$l=//p" "$build/ffbuild/config.mak")"
        extralibs+=(${more[@]+"${more[@]}"})
    done
    # the oneDNN path's libraries when configured with it (build/onednn.mak, README)
    onednn_libs=$(sed -n 's/^RESR_ONEDNN_LIBS := *//p' build/onednn.mak 2>/dev/null)
    # a build with CUTLASS (./configure --enable-cutlass): the host object that makes the sm_90a
    # kernels' parameters, and the C++ library it needs (vf_realesrgan/ffmpeg.mak, README)
    [ -f build/cuda/resr_cutlass_cubin.c ] && [ -f build/cuda/resr_sm90_host.o ] &&
        onednn_libs="$onednn_libs build/cuda/resr_sm90_host.o -lstdc++"
    # shellcheck disable=SC2086  # (a list of flags)
    if ! out=$("$cc" -std=c17 -O2 -Wall -Wextra -Werror -I"$build" -I"$src" -o "$work/upscale_image" \
            doc/examples/upscale_image.c "${libs[@]}" ${extralibs[@]+"${extralibs[@]}"} -ldl $onednn_libs 2>&1); then
        check doc/libavfilter_example_builds 1 "$out"
    else
        check doc/libavfilter_example_builds 0 ""
        "$ffmpeg" "${q[@]}" -f lavfi -i testsrc2=size=40x30 -frames:v 1 -f rawvideo -pix_fmt rgb24 \
            "$work/in.rgb"
        { printf 'P6\n40 30\n255\n'; cat "$work/in.rgb"; } > "$work/in.ppm"
        msg=$("$work/upscale_image" "$model" "$work/in.ppm" "$work/out.ppm" 2>&1); rc=$?
        tail -c $((160 * 120 * 3)) "$work/out.ppm" > "$work/example.rgb"
        "$ffmpeg" "${q[@]}" -f rawvideo -pix_fmt rgb24 -video_size 40x30 -i "$work/in.rgb" \
            -vf "realesrgan=model=$model,format=rgb24" -f rawvideo -pix_fmt rgb24 "$work/ffmpeg.rgb"
        [ $rc -eq 0 ] && [ "$(head -c 15 "$work/out.ppm")" = $'P6\n160 120\n255' ] &&
            cmp -s "$work/example.rgb" "$work/ffmpeg.rgb"
        check doc/libavfilter_example_matches_ffmpeg $? "rc $rc: $msg"

        msg=$("$work/upscale_image" no-such-model "$work/in.ppm" "$work/bad.ppm" 2>&1); rc=$?
        [ $rc -eq 1 ] && [ ! -e "$work/bad.ppm" ] && [[ "$msg" == *"no-such-model"* ]]
        check doc/libavfilter_example_reports_errors $? "rc $rc: $msg"
    fi
fi
finish
