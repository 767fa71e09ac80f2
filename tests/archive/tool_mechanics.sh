#!/usr/bin/env bash
# tools/archive-upscale's bookkeeping, quickly (a nearest-neighbour scale instead of
# realesrgan): a complete --local run; MP4 output (subtitles become mov_text); a preview of
# one segment (--only), then the refusals of changed options and of a changed source, --status,
# resuming the rest, --restart, a finished job; a frame-dropping filter is caught, fps refused by name.
here=$(dirname "$0")
. "$here/_lib.sh"

CASES=(scale_frames_equal_single_process scale_timestamps_and_duration scale_audio_in_sync
       scale_subtitles_chapters mp4_output_subtitles_as_mov_text preview_only_one_segment
       refuses_changed_filter refuses_changed_encoder_options refuses_changed_source
       status_reports_progress resume_after_preview restart_starts_over finished_job_not_redone
       frame_dropping_filter_caught unsegmentable_filter_refused)
needs_components "${CASES[@]}"
needs_filters "thumbnail" "${CASES[@]}"
if [ ! -f "$CLIP" ]; then
    for name in "${CASES[@]}"; do skip_data "$name" "$CLIP missing"; done
    exit 0
fi
SRC=$WORK/source.mkv
if ! make_source "$SRC" 160 120; then
    for name in "${CASES[@]}"; do fail "$name" "cannot make the test source"; done
    finish
fi
VF="scale=2*iw:2*ih:flags=neighbor"
video_md5s "$SRC" "$VF" > "$WORK/ref.md5s"

# --- a complete run
"$TOOL" --local 2 --segment-seconds 1.5 --workdir "$WORK/a.work" -- "$SRC" "$WORK/a.mkv" \
    -c:v ffv1 --vf "$VF" > "$WORK/a.log" 2>&1 || cat "$WORK/a.log"
check_output scale "$WORK/a.mkv" "$SRC" "$WORK/ref.md5s"

# --- MP4: H.264 lossless, the SRT track as mov_text, chapters kept
if "$FFMPEG" -hide_banner -encoders 2>/dev/null | grep -q libx264; then
    "$TOOL" --local 2 --segment-seconds 3 -- "$SRC" "$WORK/b.mp4" -c:v libx264 -qp 0 -preset ultrafast \
        --vf "$VF" > "$WORK/b.log" 2>&1
    status=$?
    sub=$("$FFPROBE" -v error -select_streams s:0 -show_entries stream=codec_name -of csv=p=0 "$WORK/b.mp4" 2>/dev/null)
    # the cues (mov_text also stores 2-byte empty samples for the gaps between them)
    nsub=$("$FFPROBE" -v error -select_streams s:0 -show_entries packet=pts_time,size -of csv=p=0 "$WORK/b.mp4" |
           awk -F, '$2 > 2 { printf "%s ", $1 }')
    chap=$("$FFPROBE" -v error -show_chapters -show_entries chapter=start_time,end_time -of csv=p=0 "$WORK/b.mp4" 2>/dev/null)
    chap_src=$("$FFPROBE" -v error -show_chapters -show_entries chapter=start_time,end_time -of csv=p=0 "$SRC")
    if [ $status = 0 ] && [ "$sub" = mov_text ] && [ "$nsub" = "0.500000 3.250000 6.000000 " ] && [ "$chap" = "$chap_src" ] &&
       [ "$(video_md5s "$WORK/b.mp4")" = "$(cat "$WORK/ref.md5s")" ]; then
        pass mp4_output_subtitles_as_mov_text
    else
        fail mp4_output_subtitles_as_mov_text "exit status $status, subtitle '$sub' x$nsub, chapters '$chap' vs '$chap_src': $(tail -n 3 "$WORK/b.log" | tr '\n' ' ')"
    fi
else
    skip mp4_output_subtitles_as_mov_text "no libx264 in this ffmpeg"
fi

# --- a preview, then what a rerun may and may not do
cp "$SRC" "$WORK/c-src.mkv"
wd=$WORK/c.work
run_c() { "$TOOL" --local 1 --segment-seconds 1.5 --workdir "$wd" "$@"; }
run_c --only 0 -- "$WORK/c-src.mkv" "$WORK/c.mkv" -c:v ffv1 --vf "$VF" > "$WORK/c1.log" 2>&1
status=$?
segments=$(find "$wd/src" -name '*.nut' 2>/dev/null | wc -l)
if [ $status = 0 ] && [ "$(state_field "$wd" 0 status)" = "done" ] && [ -z "$(state_field "$wd" 1 status)" ] &&
   [ ! -e "$WORK/c.mkv" ] && [ "$segments" -ge 4 ]; then
    pass preview_only_one_segment
else
    fail preview_only_one_segment "exit status $status, $segments segments, states '$(state_field "$wd" 0 status)' '$(state_field "$wd" 1 status)': $(tail -n 3 "$WORK/c1.log" | tr '\n' ' ')"
fi

run_c -- "$WORK/c-src.mkv" "$WORK/c.mkv" -c:v ffv1 --vf "scale=2*iw:2*ih:flags=bilinear" > "$WORK/c2.log" 2>&1
status=$?
if [ $status = 1 ] && grep -q "not mixed" "$WORK/c2.log" && grep -q "^  vf was 'scale=2\*iw:2\*ih:flags=neighbor'" "$WORK/c2.log"; then
    pass refuses_changed_filter
else
    fail refuses_changed_filter "exit status $status: $(head -n 4 "$WORK/c2.log" | tr '\n' ' ')"
fi
run_c -- "$WORK/c-src.mkv" "$WORK/c.mkv" -c:v ffv1 -level 3 --vf "$VF" > "$WORK/c3.log" 2>&1
status=$?
if [ $status = 1 ] && grep -q "output_options was" "$WORK/c3.log"; then
    pass refuses_changed_encoder_options
else
    fail refuses_changed_encoder_options "exit status $status: $(head -n 4 "$WORK/c3.log" | tr '\n' ' ')"
fi
"$FFMPEG" -hide_banner -nostdin -y -v error -i "$SRC" -map 0 -c copy -metadata title=other "$WORK/c-src.mkv"
run_c -- "$WORK/c-src.mkv" "$WORK/c.mkv" -c:v ffv1 --vf "$VF" > "$WORK/c4.log" 2>&1
status=$?
if [ $status = 1 ] && grep -q "INPUT's content changed" "$WORK/c4.log"; then
    pass refuses_changed_source
else
    fail refuses_changed_source "exit status $status: $(head -n 4 "$WORK/c4.log" | tr '\n' ' ')"
fi
cp "$SRC" "$WORK/c-src.mkv"     # the original content again (a new mtime: checked by sha256)

"$TOOL" --status --workdir "$wd" > "$WORK/c5.log" 2>&1
if grep -q "segments 1/$segments done, 0 running, 0 failed | frames 40/181" "$WORK/c5.log"; then
    pass status_reports_progress
else
    fail status_reports_progress "$(tr '\n' ' ' < "$WORK/c5.log")"
fi

run_c -- "$WORK/c-src.mkv" "$WORK/c.mkv" -c:v ffv1 --vf "$VF" > "$WORK/c6.log" 2>&1
status=$?
if [ $status = 0 ] && grep -q "resuming: 1 of $segments segments are done and valid; to do: 1 2 3 4" "$WORK/c6.log" &&
   [ "$(video_md5s "$WORK/c.mkv")" = "$(cat "$WORK/ref.md5s")" ]; then
    pass resume_after_preview
else
    fail resume_after_preview "exit status $status: $(tail -n 4 "$WORK/c6.log" | tr '\n' ' ')"
fi

run_c -- "$WORK/c-src.mkv" "$WORK/c.mkv" -c:v ffv1 --vf "$VF" > "$WORK/c7.log" 2>&1
status=$?
if [ $status = 0 ] && grep -q "is complete" "$WORK/c7.log"; then
    pass finished_job_not_redone
else
    fail finished_job_not_redone "exit status $status: $(tail -n 3 "$WORK/c7.log" | tr '\n' ' ')"
fi

run_c --restart -y -- "$WORK/c-src.mkv" "$WORK/c.mkv" -c:v ffv1 --vf "scale=2*iw:2*ih:flags=bilinear" > "$WORK/c8.log" 2>&1
status=$?
if [ $status = 0 ] && grep -q "discarding" "$WORK/c8.log" &&
   [ "$(video_md5s "$WORK/c.mkv")" = "$(video_md5s "$SRC" "scale=2*iw:2*ih:flags=bilinear")" ]; then
    pass restart_starts_over
else
    fail restart_starts_over "exit status $status: $(tail -n 3 "$WORK/c8.log" | tr '\n' ' ')"
fi

# --- thumbnail=2 keeps one frame of two (a filter the tool does not know): every segment must
# fail its frame count, no OUTPUT
"$TOOL" --local 2 --segment-seconds 1.5 --retries 0 -- "$SRC" "$WORK/d.mkv" -c:v ffv1 --vf thumbnail=2 \
    > "$WORK/d.log" 2>&1
status=$?
if [ $status = 1 ] && [ ! -e "$WORK/d.mkv" ] && grep -q "frames, expected 40" "$WORK/d.log" &&
   grep -q "segment(s) failed: 0 1 2 3 4" "$WORK/d.log"; then
    pass frame_dropping_filter_caught
else
    fail frame_dropping_filter_caught "exit status $status: $(tail -n 3 "$WORK/d.log" | tr '\n' ' ')"
fi
# --- fps cannot be cut into segments exactly: refused by name before any work
"$TOOL" --local 2 --segment-seconds 1.5 -- "$SRC" "$WORK/e.mkv" -c:v ffv1 --vf "scale=iw:ih,fps=10" > "$WORK/e.log" 2>&1
status=$?
if [ $status = 1 ] && grep -q "the filter 'fps' cannot run in independent segments" "$WORK/e.log" &&
   [ ! -e "$WORK/e.mkv.archive-work" ]; then
    pass unsegmentable_filter_refused
else
    fail unsegmentable_filter_refused "exit status $status: $(tail -n 3 "$WORK/e.log" | tr '\n' ' ')"
fi
finish
