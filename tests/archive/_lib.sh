# shellcheck shell=bash disable=SC2034
# Sourced by tests/archive/*.sh: paths, a small source clip with audio,
# subtitles and chapters, and the checks that an archive-upscale OUTPUT is the source's.
set -u

ROOT=${RESR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FFMPEG=${FFMPEG:-$ROOT/ffmpeg}
FFPROBE=${FFPROBE:-$ROOT/ffprobe}
export FFMPEG FFPROBE
SHARED=${RESR_SHARED:-$ROOT/../shared}   # tests/common/shared.sh
MODEL=$SHARED/models/realesr-animevideov3.pth
CLIP=$ROOT/media/onepiece_demo.mp4   # the demo clip kept in the repository (media/README.md)
TOOL=$ROOT/tools/archive-upscale
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/resr-archive.XXXXXX")
cleanup_hooks=()
_cleanup() {
    local hook
    for hook in ${cleanup_hooks[@]+"${cleanup_hooks[@]}"}; do "$hook"; done
    rm -rf "$WORK"
}
trap _cleanup EXIT

. "$ROOT/tests/common/test_lib.sh"

# needs_components CASE...: skips every case (and ends the script) when ./ffmpeg lacks what
# the tool needs (an old build: re-run ./configure && make)
needs_components() {
    if [ "${RESR_SANITIZED:-0}" = 1 ]; then
        # make check-asan: these runs add no code of ours beyond the filter's (tests/filter)
        for name; do skip "$name" "not under the sanitizers (the tool is Python; the filter is covered by tests/filter)"; done
        exit 0
    fi
    if [ ! -x "$FFMPEG" ] || [ ! -x "$FFPROBE" ]; then
        for name; do skip "$name" "ffmpeg not built"; done
        exit 0
    fi
    local missing=
    "$FFMPEG" -hide_banner -h muxer=segment 2>/dev/null | grep -q "^Muxer segment" || missing="$missing segment-muxer"
    "$FFMPEG" -hide_banner -h demuxer=concat 2>/dev/null | grep -q "^Demuxer concat" || missing="$missing concat-demuxer"
    "$FFMPEG" -hide_banner -h demuxer=srt 2>/dev/null | grep -q "^Demuxer srt" || missing="$missing srt-demuxer"
    "$FFMPEG" -hide_banner -h demuxer=ffmetadata 2>/dev/null | grep -q "^Demuxer ffmetadata" || missing="$missing ffmetadata-demuxer"
    if [ -n "$missing" ]; then
        for name; do fail "$name" "./ffmpeg lacks$missing: re-run ./configure && make"; done
        exit 1
    fi
}

# needs_filters "FILTER..." CASE...: fails every case (and ends the script) when ./ffmpeg lacks
# one of the filters (a build configured before ./configure enabled them)
needs_filters() {
    local want=$1 f missing=
    shift
    for f in $want; do
        "$FFMPEG" -hide_banner -h filter="$f" 2>/dev/null | grep -q "^Filter $f" || missing="$missing $f"
    done
    if [ -n "$missing" ]; then
        for name; do fail "$name" "./ffmpeg lacks the filter(s)$missing: re-run ./configure && make"; done
        exit 1
    fi
}

# make_source OUT W H: the shared clip downscaled to WxH (H.264 with B-frames and a keyframe
# every 40 frames when libx264 is there, else FFV1), its AAC audio copied, an SRT subtitle
# track and two chapters, in Matroska
make_source() {
    local out=$1 w=$2 h=$3 venc
    cat > "$WORK/subs.srt" <<'EOF'
1
00:00:00,500 --> 00:00:02,000
First line

2
00:00:03,250 --> 00:00:04,750
Second line

3
00:00:06,000 --> 00:00:07,000
Third line
EOF
    cat > "$WORK/chapters.txt" <<'EOF'
;FFMETADATA1
title=archive test
[CHAPTER]
TIMEBASE=1/1000
START=0
END=3000
title=Opening
[CHAPTER]
TIMEBASE=1/1000
START=3000
END=7549
title=Fight
EOF
    if "$FFMPEG" -hide_banner -encoders 2>/dev/null | grep -q libx264; then
        venc=(-c:v libx264 -preset veryfast -threads 1
              -x264-params keyint=40:min-keyint=40:scenecut=0:bframes=2:open-gop=0)
    else
        venc=(-c:v ffv1 -g 40)
    fi
    "$FFMPEG" -hide_banner -nostdin -y -v error -i "$CLIP" -f srt -i "$WORK/subs.srt" \
        -f ffmetadata -i "$WORK/chapters.txt" -map 0:v -map 0:a -map 1:0 -map_metadata 2 -map_chapters 2 \
        -vf "scale=$w:$h" "${venc[@]}" -c:a copy -c:s copy -metadata:s:s:0 language=eng "$out"
}

# video_md5s FILE [FILTERS]: the md5 of every decoded (and filtered) video frame, one a line
video_md5s() {
    local file=$1 vf=${2:-}
    "$FFMPEG" -hide_banner -nostdin -v error -i "$file" -map 0:v:0 ${vf:+-vf "$vf"} \
        -fps_mode passthrough -c:v rawvideo -f framemd5 - | grep -v '^#' | awk -F', *' '{ print $6 }'
}

# packets FILE SPEC: every packet of the streams SPEC (a, s:0 ...) by stream copy:
# dts, pts, duration, size, md5
packets() {
    "$FFMPEG" -hide_banner -nostdin -v error -i "$1" -map "0:$2" -c copy -f framemd5 - | grep -v '^#'
}

frame_times() {
    # (the first field: frames with side data get more columns)
    "$FFPROBE" -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 "$1" | cut -d, -f1
}

# check_output NAME OUT SRC REF_MD5S: OUT holds SRC's frame count, frame times, duration,
# audio packets, subtitles and chapters, and each frame equals the single-process result
check_output() {
    local name=$1 out=$2 src=$3 ref=$4
    if [ ! -f "$out" ]; then
        for c in frames_equal_single_process timestamps_and_duration audio_in_sync subtitles_chapters; do
            fail "${name}_$c" "no output $out"
        done
        return
    fi
    video_md5s "$out" > "$WORK/$name.md5s"
    local n_out n_ref
    n_out=$(wc -l < "$WORK/$name.md5s")
    n_ref=$(wc -l < "$ref")
    if [ "$n_out" -eq "$n_ref" ] && [ "$n_ref" -gt 0 ] && cmp -s "$WORK/$name.md5s" "$ref"; then
        pass "${name}_frames_equal_single_process"
    else
        fail "${name}_frames_equal_single_process" "$n_out frames vs $n_ref; first difference: $(diff "$ref" "$WORK/$name.md5s" | head -3 | tr '\n' ' ')"
    fi

    frame_times "$src" > "$WORK/$name.src_times"
    frame_times "$out" > "$WORK/$name.out_times"
    local d_src d_out vd_src vd_out
    d_src=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 "$src")
    d_out=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 "$out")
    vd_src=$("$FFPROBE" -v error -select_streams v:0 -show_entries stream_tags=DURATION -of csv=p=0 "$src")
    vd_out=$("$FFPROBE" -v error -select_streams v:0 -show_entries stream_tags=DURATION -of csv=p=0 "$out")
    if [ -s "$WORK/$name.src_times" ] && cmp -s "$WORK/$name.src_times" "$WORK/$name.out_times" &&
       [ "$d_src" = "$d_out" ] && [ "$vd_src" = "$vd_out" ]; then
        pass "${name}_timestamps_and_duration"
    else
        fail "${name}_timestamps_and_duration" "duration $d_out (video $vd_out) vs source $d_src ($vd_src); frame times: $(diff "$WORK/$name.src_times" "$WORK/$name.out_times" | head -3 | tr '\n' ' ')"
    fi

    packets "$src" a > "$WORK/$name.src_audio"
    packets "$out" a > "$WORK/$name.out_audio"
    if [ -s "$WORK/$name.src_audio" ] && cmp -s "$WORK/$name.src_audio" "$WORK/$name.out_audio"; then
        pass "${name}_audio_in_sync"
    else
        fail "${name}_audio_in_sync" "$(wc -l < "$WORK/$name.out_audio") audio packets vs $(wc -l < "$WORK/$name.src_audio"); $(diff "$WORK/$name.src_audio" "$WORK/$name.out_audio" | head -3 | tr '\n' ' ')"
    fi

    local chap_src chap_out lang
    chap_src=$("$FFPROBE" -v error -show_chapters -of csv=p=0 "$src")
    chap_out=$("$FFPROBE" -v error -show_chapters -of csv=p=0 "$out")
    lang=$("$FFPROBE" -v error -select_streams s:0 -show_entries stream_tags=language -of csv=p=0 "$out")
    if [ "$(packets "$src" s)" = "$(packets "$out" s)" ] && [ -n "$(packets "$out" s)" ] &&
       [ "$lang" = eng ] && [ -n "$chap_src" ] && [ "$chap_src" = "$chap_out" ]; then
        pass "${name}_subtitles_chapters"
    else
        fail "${name}_subtitles_chapters" "subtitle packets, language '$lang' or chapters differ: '$chap_out' vs '$chap_src'"
    fi
}

# state_field WORKDIR SEGMENT FIELD: a field of a segment's state file
state_field() {
    "$PY" -c 'import json, sys
try:
    print(json.load(open(sys.argv[1] + "/state/%05d.json" % int(sys.argv[2]))).get(sys.argv[3], ""))
except (OSError, ValueError):
    print("")' "$1" "$2" "$3"
}

# progress_frames WORKDIR SEGMENT: frames the running segment has finished
progress_frames() {
    local f
    f=$(printf '%s/progress/%05d.txt' "$1" "$2")
    [ -f "$f" ] && grep '^frame=' "$f" | tail -n1 | cut -d= -f2 || echo 0
}

# wait_running WORKDIR SEGMENT TIMEOUT DRIVER_PID: until the segment is running and has
# finished a frame; fails when the driver ends first
wait_running() {
    local i
    for i in $(seq $(($3 * 5))); do
        kill -0 "$4" 2>/dev/null || return 1
        if [ "$(state_field "$1" "$2" status)" = running ] && [ "$(progress_frames "$1" "$2")" -ge 1 ] 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# out_stamps WORKDIR: "segment inode mtime" of every upscaled segment (not the partial
# files of running ones: NNNNN.HOST.PID.partial.nut)
out_stamps() {
    local f
    for f in "$1"/out/[0-9][0-9][0-9][0-9][0-9].nut; do
        [ -f "$f" ] && echo "$(basename "$f") $(stat -c '%i %Y.%y' "$f")"
    done
}
