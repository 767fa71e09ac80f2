#!/usr/bin/env bash
# End to end on a real clip: media/onepiece_demo.mp4 downscaled to 160x120
# in the same graph, then realesrgan with realesr-animevideov3 (x4). Checks: 181 frames of
# 640x480, every frame's timestamps equal to the source's, the audio packets copied
# untouched, the one-line summary logged.
. "$(dirname "$0")/_lib.sh"

CASES=(video_summary_logged video_frame_count_and_size video_pts_equal_source video_audio_copied)
require_ffmpeg "${CASES[@]}"
CLIP=$ROOT/media/onepiece_demo.mp4   # the demo clip kept in the repository (media/README.md)
if [ ! -f "$CLIP" ] || [ ! -f "$MODEL" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "$CLIP or $MODEL missing"; done
    exit 0
fi

# the same graph without realesrgan, for timestamps and audio
ff "$WORK/ref.log" -i "$CLIP" -map 0:v -map 0:a? -vf scale=160:120 \
   -c:v rawvideo -c:a copy -f framemd5 "$WORK/ref.md5"
ref_status=$?
start=$(date +%s)
ff "$WORK/out.log" -i "$CLIP" -map 0:v -map 0:a? -vf "scale=160:120,realesrgan=model=$MODEL" \
   -c:v rawvideo -c:a copy -f framemd5 "$WORK/out.md5"
status=$?
echo "# 181 frames 160x120 -> 640x480 in $(( $(date +%s) - start )) s"

if [ $ref_status -ne 0 ]; then
    for name in "${CASES[@]}"; do fail "$name" "reference run failed: $(log_excerpt "$WORK/ref.log")"; done
    finish
fi
if [ $status -ne 0 ]; then
    for name in "${CASES[@]}"; do fail "$name" "ffmpeg exited $status: $(log_excerpt "$WORK/out.log")"; done
    finish
fi

if grep -q "SRVGGNetCompact x4" "$WORK/out.log"; then
    pass video_summary_logged
else
    fail video_summary_logged "no 'SRVGGNetCompact x4' summary line in the log"
fi

# framemd5 lines: stream, dts, pts, duration, size, md5
video() { grep -v '^#' "$1" | awk -F', *' '$1 == 0'; }
audio() { grep -v '^#' "$1" | awk -F', *' '$1 == 1'; }
frames=$(video "$WORK/out.md5" | wc -l)
sizes=$(video "$WORK/out.md5" | awk -F', *' '{ print $5 }' | sort -u | tr '\n' ' ')
ffprobe_dims=$("$FFMPEG" -hide_banner -nostdin -y -i "$CLIP" -frames:v 2 -an \
               -vf "scale=160:120,realesrgan=model=$MODEL" -c:v rawvideo -f nut "$WORK/two.nut" 2>/dev/null &&
               "$FFPROBE" -v error -select_streams v -show_entries stream=width,height,pix_fmt \
               -of csv=p=0 "$WORK/two.nut")
if [ "$frames" -eq 181 ] && [ "$sizes" = "460800 " ] && [ "$ffprobe_dims" = "640,480,yuv420p" ]; then
    pass video_frame_count_and_size
else
    fail video_frame_count_and_size "$frames frames, sizes '$sizes', stream '$ffprobe_dims' (want 181, 460800, 640,480,yuv420p)"
fi

# pts: the output's against the source's as ffprobe decodes them, in seconds
tb=$(grep -m1 '^#tb 0:' "$WORK/out.md5" | sed 's/^#tb 0: *//')
video "$WORK/out.md5" | awk -F', *' -v tb="$tb" 'BEGIN { split(tb, t, "/") } { printf "%.6f\n", $3 * t[1] / t[2] }' \
    > "$WORK/out.pts"
"$FFPROBE" -v error -select_streams v -show_entries frame=pts_time -of csv=p=0 "$CLIP" |
    awk '{ printf "%.6f\n", $1 }' > "$WORK/src.pts"
if [ -s "$WORK/src.pts" ] && cmp -s "$WORK/src.pts" "$WORK/out.pts" &&
   [ "$(video "$WORK/out.md5" | cut -d, -f1-4)" = "$(video "$WORK/ref.md5" | cut -d, -f1-4)" ]; then
    pass video_pts_equal_source
else
    fail video_pts_equal_source "$(diff "$WORK/src.pts" "$WORK/out.pts" | head -3 | tr '\n' ' ')"
fi

src_packets=$("$FFPROBE" -v error -select_streams a -count_packets -show_entries stream=nb_read_packets \
              -of csv=p=0 "$CLIP")
if [ -z "$src_packets" ]; then
    skip video_audio_copied "the clip has no audio stream"
elif [ "$(audio "$WORK/out.md5")" = "$(audio "$WORK/ref.md5")" ] &&
     [ "$(audio "$WORK/out.md5" | wc -l)" -eq "$src_packets" ]; then
    pass video_audio_copied
else
    fail video_audio_copied "audio packets differ from the stream copy ($(audio "$WORK/out.md5" | wc -l) of $src_packets)"
fi
finish
