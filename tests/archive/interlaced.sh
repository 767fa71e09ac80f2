#!/usr/bin/env bash
# Temporal, rate-changing chains in segments: a generated interlaced clip (FFV1, a keyframe
# every 10 frames, with audio) deinterlaced with bwdif=send_field (50 fields/s from 25 frames/s)
# by archive-upscale --local 2 in 5 segments; the joined output must equal, frame for frame
# (the md5 and the time of every frame), the same chain run on the whole file by one ffmpeg
# process. Also interlaced H.264 with B-frames (the field order in the bitstream), a send_frame
# deinterlacer followed by a scale, and a batch of an interlaced, a progressive and a corrupt file.
here=$(dirname "$0")
. "$here/_lib.sh"

CASES=(send_field_frames_equal_single_process send_field_times_equal_single_process
       send_field_audio_kept send_field_h264_bframes_equal_single_process yadif_then_scale_equal_single_process
       batch_mixed_good_files_equal_single_process batch_mixed_corrupt_reported)
needs_components "${CASES[@]}"
needs_filters "bwdif yadif tinterlace" "${CASES[@]}"

# clip OUT: 50 frames at 25 fps, each two fields of a 50 fps test pattern (top field first)
clip() {
    mkdir -p "$(dirname "$1")"
    "$FFMPEG" -hide_banner -nostdin -y -v error -f lavfi -i "testsrc2=size=64x48:rate=50" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -vf "tinterlace=mode=merge" \
        -frames:v 50 -shortest -c:v ffv1 -g 10 -c:a pcm_s16le "$1"
}
SRC=$WORK/in/tape.mkv
clip "$SRC" || { for c in "${CASES[@]}"; do fail "$c" "cannot make the interlaced clip"; done; finish; }

# framemd5 lines without the stream's header: pts, duration, size, md5 of every decoded frame
frames_of() { "$FFMPEG" -hide_banner -nostdin -v error -i "$1" -map 0:v:0 ${2:+-vf "$2"} -fps_mode passthrough \
              -c:v rawvideo -f framemd5 - | grep -v '^#' | awk -F', *' '{ print $6 }'; }
times_of() { "$FFPROBE" -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 "$1" | cut -d, -f1; }

VF=bwdif=send_field
"$FFMPEG" -hide_banner -nostdin -y -v error -i "$SRC" -map 0:v -vf "$VF" -c:v ffv1 "$WORK/ref.mkv"
"$TOOL" --local 2 --segment-seconds 0.3 --poll 1000 -- "$SRC" "$WORK/out.mkv" -c:v ffv1 --vf "$VF" > "$WORK/a.log" 2>&1
status=$?
segments=$(grep -o 'into [0-9]* segments' "$WORK/a.log" | awk '{ print $2 }')
n_ref=$(frames_of "$WORK/ref.mkv" | wc -l)
if [ $status = 0 ] && [ "${segments:-0}" -ge 4 ] && [ "$n_ref" = 100 ] &&
   [ "$(frames_of "$WORK/out.mkv")" = "$(frames_of "$WORK/ref.mkv")" ]; then
    pass send_field_frames_equal_single_process
else
    fail send_field_frames_equal_single_process "exit status $status, ${segments:-?} segments, $(frames_of "$WORK/out.mkv" | wc -l) frames vs $n_ref; first difference: $(diff <(frames_of "$WORK/ref.mkv") <(frames_of "$WORK/out.mkv") | head -n 3 | tr '\n' ' ') $(tail -n 3 "$WORK/a.log" | tr '\n' ' ')"
fi
if [ -s "$WORK/out.mkv" ] && [ "$(times_of "$WORK/out.mkv")" = "$(times_of "$WORK/ref.mkv")" ]; then
    pass send_field_times_equal_single_process
else
    fail send_field_times_equal_single_process "$(diff <(times_of "$WORK/ref.mkv") <(times_of "$WORK/out.mkv") | head -n 4 | tr '\n' ' ')"
fi
if [ -s "$WORK/out.mkv" ] && [ -n "$(packets "$SRC" a)" ] && [ "$(packets "$SRC" a)" = "$(packets "$WORK/out.mkv" a)" ]; then
    pass send_field_audio_kept
else
    fail send_field_audio_kept "the audio packets differ from the source's"
fi

# interlaced H.264 (top field first, coded as fields: +ildct+ilme), B-frames, a keyframe every
# 12 frames
if "$FFMPEG" -hide_banner -encoders 2>/dev/null | grep -q libx264; then
    "$FFMPEG" -hide_banner -nostdin -y -v error -f lavfi -i "testsrc2=size=64x48:rate=50" -vf tinterlace=mode=merge \
        -frames:v 60 -c:v libx264 -flags +ildct+ilme \
        -x264-params keyint=12:min-keyint=12:scenecut=0:bframes=2:open-gop=0:tff=1 "$WORK/h264.mkv"
    "$TOOL" --local 2 --segment-seconds 0.4 --poll 1000 -- "$WORK/h264.mkv" "$WORK/h264-out.mkv" -c:v ffv1 --vf "$VF" \
        > "$WORK/h.log" 2>&1
    status=$?
    "$FFMPEG" -hide_banner -nostdin -y -v error -i "$WORK/h264.mkv" -map 0:v -vf "$VF" -c:v ffv1 "$WORK/h264-ref.mkv"
    if [ $status = 0 ] && [ "$(frames_of "$WORK/h264-out.mkv" | wc -l)" = 120 ] &&
       [ "$(frames_of "$WORK/h264-out.mkv")" = "$(frames_of "$WORK/h264.mkv" "$VF")" ] &&
       [ "$(times_of "$WORK/h264-out.mkv")" = "$(times_of "$WORK/h264-ref.mkv")" ]; then
        pass send_field_h264_bframes_equal_single_process
    else
        fail send_field_h264_bframes_equal_single_process "exit status $status: $(tail -n 3 "$WORK/h.log" | tr '\n' ' ')"
    fi
else
    skip send_field_h264_bframes_equal_single_process "no libx264 in this ffmpeg"
fi

VF2="yadif=send_frame,scale=2*iw:2*ih:flags=neighbor"
"$TOOL" --local 2 --segment-seconds 0.3 --poll 1000 -- "$SRC" "$WORK/out2.mkv" -c:v ffv1 --vf "$VF2" > "$WORK/b.log" 2>&1
status=$?
if [ $status = 0 ] && [ "$(frames_of "$WORK/out2.mkv" | wc -l)" = 50 ] &&
   [ "$(frames_of "$WORK/out2.mkv")" = "$(frames_of "$SRC" "$VF2")" ]; then
    pass yadif_then_scale_equal_single_process
else
    fail yadif_then_scale_equal_single_process "exit status $status: $(tail -n 3 "$WORK/b.log" | tr '\n' ' ')"
fi

# --- a batch: interlaced, progressive (bwdif deinterlaces every frame: deint=all) and corrupt
mkdir -p "$WORK/in/prog"
"$FFMPEG" -hide_banner -nostdin -y -v error -f lavfi -i "testsrc2=size=64x48:rate=25" -frames:v 30 \
    -c:v ffv1 -g 10 "$WORK/in/prog/film.mkv"
head -c 5000 /dev/urandom > "$WORK/in/prog/corrupt.mp4"
"$TOOL" --local 2 --segment-seconds 0.3 --poll 1000 --batch "$WORK/in" -o "$WORK/bout" -- -c:v ffv1 --vf "$VF" \
    > "$WORK/c.log" 2>&1
status=$?
bad=''
for f in tape prog/film; do
    [ -s "$WORK/bout/$f.mkv" ] && [ "$(frames_of "$WORK/bout/$f.mkv")" = "$(frames_of "$WORK/in/$f.mkv" "$VF")" ] || bad="$bad $f"
done
if [ $status = 1 ] && [ -z "$bad" ]; then
    pass batch_mixed_good_files_equal_single_process
else
    fail batch_mixed_good_files_equal_single_process "exit status $status (want 1), differing:$bad: $(tail -n 4 "$WORK/c.log" | tr '\n' ' ')"
fi
if grep -q "FAILED $WORK/in/prog/corrupt.mp4" "$WORK/c.log" && grep -q "batch: 2 of 3 file(s) done, 1 failed" "$WORK/c.log"; then
    pass batch_mixed_corrupt_reported
else
    fail batch_mixed_corrupt_reported "$(grep 'batch:\|FAILED' "$WORK/c.log" | tr '\n' ' ')"
fi
finish
