#!/usr/bin/env bash
# tools/archive-upscale picks an ffmpeg that can do the job: one with the realesrgan filter
# and a supported version (7.1, 8.x, 9.0). Fakes stand in for a distribution's ffmpeg (5.1
# without the filter, as Debian bookworm's) and for an unsupported version; the tool runs
# from a copy of tools/ with no ./ffmpeg beside it, as in a clone that was never built.
here=$(dirname "$0")
. "$here/_lib.sh"

CASES=(rejects_ffmpeg_without_filter rejects_unsupported_version rejects_given_ffmpeg
       skips_to_usable_ffmpeg)
if [ ! -x "$FFMPEG" ] || [ ! -x "$FFPROBE" ]; then
    for name in "${CASES[@]}"; do skip "$name" "ffmpeg not built"; done
    exit 0
fi

mkdir -p "$WORK/clone/tools" "$WORK/debian" "$WORK/old" "$WORK/good"
cp "$TOOL" "$WORK/clone/tools/archive-upscale"
cp -r "$(dirname "$TOOL")/archive_upscale" "$WORK/clone/tools/"    # the tool's modules
tool=$WORK/clone/tools/archive-upscale

# fake DIR VERSION FILTER: an ffmpeg that reports VERSION and lists FILTER
fake() {
    cat > "$1/ffmpeg" <<EOF
#!/bin/sh
case "\$*" in
    *-version*) echo "ffmpeg version $2 Copyright (c) 2000-2024 the FFmpeg developers" ;;
    *-filters*) printf ' ... %s              V->V       (fake)\n ... scale  V->V  Scale.\n' "$3" ;;
    *) echo "fake ffmpeg run with: \$*" >&2; exit 1 ;;
esac
EOF
    chmod +x "$1/ffmpeg"
}
fake "$WORK/debian" 5.1.6-0+deb12u1 hqdn3d
fake "$WORK/old" 6.1.1 realesrgan
ln -s "$(cd "$(dirname "$FFMPEG")" && pwd)/$(basename "$FFMPEG")" "$WORK/good/ffmpeg"
ln -s "$(cd "$(dirname "$FFPROBE")" && pwd)/$(basename "$FFPROBE")" "$WORK/good/ffprobe"
touch "$WORK/input.mkv"

# run_tool LOG PATH [ARGS...]: the copied tool with $FFMPEG unset and PATH as given
run_tool() {
    local log=$1 path=$2
    shift 2
    env -u FFMPEG -u FFPROBE PATH="$path:/usr/bin:/bin" "$PY" "$tool" "$@" > "$log" 2>&1
}

# refused NAME LOG STATUS REGEX: a clean refusal naming the binary and why
refused() {
    local name=$1 log=$2 status=$3 regex=$4
    if [ "$status" -eq 0 ]; then
        fail "$name" "the tool ran"
    elif grep -q Traceback "$log"; then
        fail "$name" "a Python traceback: $(tail -1 "$log")"
    elif ! grep -qE -- "$regex" "$log"; then
        fail "$name" "no /$regex/ in: $(head -3 "$log" | tr '\n' ' ')"
    else
        echo "# $name: $(grep -m1 -E -- "$regex" "$log")"
        pass "$name"
    fi
}

run_tool "$WORK/a.log" "$WORK/debian" --local 1 -- "$WORK/input.mkv" "$WORK/a.mkv" -c:v ffv1 --vf null
refused rejects_ffmpeg_without_filter "$WORK/a.log" $? \
    "rejected $WORK/debian/ffmpeg: it is FFmpeg 5\.1\.6-0\+deb12u1 without the realesrgan filter"

run_tool "$WORK/b.log" "$WORK/old" --local 1 -- "$WORK/input.mkv" "$WORK/b.mkv" -c:v ffv1 --vf null
refused rejects_unsupported_version "$WORK/b.log" $? \
    "rejected $WORK/old/ffmpeg: it is FFmpeg 6\.1\.1; supported versions: 7\.1, 8\.x, 9\.0"

run_tool "$WORK/c.log" "$WORK/good" --ffmpeg "$WORK/debian/ffmpeg" --local 1 -- "$WORK/input.mkv" "$WORK/c.mkv" -c:v ffv1 --vf null
refused rejects_given_ffmpeg "$WORK/c.log" $? \
    "--ffmpeg $WORK/debian/ffmpeg is FFmpeg 5\.1\.6-0\+deb12u1 without the realesrgan filter"

# the distribution's ffmpeg first on PATH, the project's build after it: the build is used
skips_to_usable() {
    "$FFMPEG" -hide_banner -nostdin -loglevel error -f lavfi -i testsrc2=size=64x48:rate=10:duration=1 \
        -c:v ffv1 "$WORK/src.mkv" || { echo "cannot make a source"; return 1; }
    run_tool "$WORK/d.log" "$WORK/debian:$WORK/good" --local 1 -- "$WORK/src.mkv" "$WORK/d.mkv" -c:v ffv1 --vf null ||
        { echo "the tool failed: $(tail -2 "$WORK/d.log" | tr '\n' ' ')"; return 1; }
    grep -q "skipped $WORK/debian/ffmpeg: it is FFmpeg 5.1.6" "$WORK/d.log" ||
        { echo "no 'skipped' line: $(head -2 "$WORK/d.log" | tr '\n' ' ')"; return 1; }
    [ "$("$FFPROBE" -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$WORK/d.mkv")" = 10 ] ||
        { echo "the output does not hold the 10 frames"; return 1; }
    echo "# skips_to_usable_ffmpeg: $(grep -m1 'skipped' "$WORK/d.log")"
}
out=$(skips_to_usable)
check skips_to_usable_ffmpeg $? "$(echo "$out" | tail -1)"
echo "$out" | grep '^#'

finish
