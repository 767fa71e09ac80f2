#!/usr/bin/env bash
# archive-upscale --batch: a tree of files (folders searched recursively, an @LIST file, one
# corrupt file) upscaled as one job with one queue of segments. Checks: every good file's
# frames equal the one-process chain, the output tree mirrors the input tree, the corrupt file
# is reported and the rest goes on, --status per file and overall, a batch killed midway and
# resumed (done segments kept), realesrgan in a batch, a changed file list refused, and a file
# whose segments fail reported while the other is done.
here=$(dirname "$0")
. "$here/_lib.sh"

CASES=(batch_files_equal_single_process batch_tree_mirrored batch_corrupt_file_reported
       batch_status_per_file batch_refuses_changed_files batch_killed_and_resumed
       batch_resumed_files_equal_single_process batch_realesrgan_equal_single_process
       batch_failing_segments_reported batch_finished_files_not_redone)
needs_components "${CASES[@]}"

# clip OUT FRAMES SIZE: a test pattern with a sine tone, FFV1 with a keyframe every 10 frames
clip() {
    mkdir -p "$(dirname "$1")"
    "$FFMPEG" -hide_banner -nostdin -y -v error -f lavfi -i "testsrc2=size=$3:rate=25" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -frames:v "$2" -shortest \
        -c:v ffv1 -g 10 -c:a pcm_s16le "$1"
}
IN=$WORK/in
clip "$IN/show/ep1.mkv" 50 64x48 && clip "$IN/show/s2/ep2.mkv" 30 64x48 &&
    clip "$WORK/extra/extra.mkv" 40 48x32 || { for c in "${CASES[@]}"; do fail "$c" "cannot make the clips"; done; finish; }
head -c 20000 /dev/urandom > "$IN/broken.mkv"       # "corrupt source"
printf '# the list: one file, relative to the list\nextra/extra.mkv\n' > "$WORK/list.txt"

VF="scale=2*iw:2*ih:flags=neighbor"
OUT=$WORK/out
"$TOOL" --local 2 --segment-seconds 0.5 --poll 1000 --batch "$IN" "@$WORK/list.txt" -o "$OUT" \
    -- -c:v ffv1 --vf "$VF" > "$WORK/a.log" 2>&1
status=$?
good=(show/ep1 show/s2/ep2 extra)
srcs=("$IN/show/ep1.mkv" "$IN/show/s2/ep2.mkv" "$WORK/extra/extra.mkv")
bad=''
for k in 0 1 2; do
    [ "$(video_md5s "$OUT/${good[$k]}.mkv")" = "$(video_md5s "${srcs[$k]}" "$VF")" ] &&
        [ "$(video_md5s "$OUT/${good[$k]}.mkv" | wc -l)" -ge 30 ] || bad="$bad ${good[$k]}"
done
if [ $status = 1 ] && [ -z "$bad" ]; then
    pass batch_files_equal_single_process
else
    fail batch_files_equal_single_process "exit status $status (1: a file failed), differing:$bad: $(tail -n 4 "$WORK/a.log" | tr '\n' ' ')"
fi
tree=$(cd "$OUT" && find . -name '*.mkv' -not -path './.archive-work/*' | sort | tr '\n' ' ')
if [ "$tree" = "./extra.mkv ./show/ep1.mkv ./show/s2/ep2.mkv " ]; then
    pass batch_tree_mirrored
else
    fail batch_tree_mirrored "output tree: $tree"
fi
if grep -q "^archive-upscale: broken.mkv: error: ffprobe" "$WORK/a.log" &&
   grep -q "batch: 3 of 4 file(s) done, 1 failed" "$WORK/a.log" && grep -q "FAILED $IN/broken.mkv" "$WORK/a.log"; then
    pass batch_corrupt_file_reported
else
    fail batch_corrupt_file_reported "$(grep -i 'broken\|batch:' "$WORK/a.log" | head -n 4 | tr '\n' ' ')"
fi
"$TOOL" --status --workdir "$OUT/.archive-work" > "$WORK/status.log" 2>&1
if grep -q "^archive-upscale: show/ep1.mkv: complete" "$WORK/status.log" &&
   grep -q "^archive-upscale: broken.mkv: FAILED" "$WORK/status.log" &&
   grep -q "^archive-upscale: batch: 3/4 files complete, 1 failed | frames 120/120" "$WORK/status.log"; then
    pass batch_status_per_file
else
    fail batch_status_per_file "$(tr '\n' ' ' < "$WORK/status.log")"
fi
"$TOOL" --resume --workdir "$OUT/.archive-work" --poll 1000 > "$WORK/resume.log" 2>&1
status=$?
if [ $status = 1 ] && [ "$(grep -c ' is complete (joined ' "$WORK/resume.log")" = 3 ] && ! grep -q splitting "$WORK/resume.log" &&
   grep -q "batch: 3 of 4 file(s) done, 1 failed" "$WORK/resume.log"; then
    pass batch_finished_files_not_redone
else
    fail batch_finished_files_not_redone "exit status $status: $(tr '\n' ' ' < "$WORK/resume.log" | cut -c1-400)"
fi
"$TOOL" --local 2 --segment-seconds 0.5 --batch "$IN" -o "$OUT" -- -c:v ffv1 --vf "$VF" > "$WORK/b.log" 2>&1
status=$?
if [ $status = 1 ] && grep -q "files differ: 1 left out" "$WORK/b.log"; then
    pass batch_refuses_changed_files
else
    fail batch_refuses_changed_files "exit status $status: $(head -n 3 "$WORK/b.log" | tr '\n' ' ')"
fi

# --- a file whose segments fail (crop larger than its frames) among one that works: the
# failure is reported with its segments and log, the other file is done
clip "$WORK/f/small.mkv" 20 64x48 && clip "$WORK/f/large.mkv" 20 160x120
"$TOOL" --local 2 --segment-seconds 0.3 --retries 0 --poll 1000 --batch "$WORK/f" -o "$WORK/fout" \
    -- -c:v ffv1 --vf "crop=100:100:0:0" > "$WORK/f.log" 2>&1
status=$?
if [ $status = 1 ] && grep -q "^archive-upscale: small.mkv: error: 2 segment(s) failed: 0 1 (segment 0: ffmpeg exited" "$WORK/f.log" &&
   grep -q "batch: 1 of 2 file(s) done, 1 failed" "$WORK/f.log" && [ ! -e "$WORK/fout/small.mkv" ] &&
   [ "$(video_md5s "$WORK/fout/large.mkv")" = "$(video_md5s "$WORK/f/large.mkv" "crop=100:100:0:0")" ]; then
    pass batch_failing_segments_reported
else
    fail batch_failing_segments_reported "exit status $status: $(grep 'error\|batch:' "$WORK/f.log" | head -n 3 | cut -c1-200 | tr '\n' ' ')"
fi

# --- killed midway (the driver and its workers, SIGKILL), then resumed: done segments kept
if [ ! -f "$MODEL" ]; then
    skip batch_killed_and_resumed "$MODEL missing"
    skip batch_resumed_files_equal_single_process "$MODEL missing"
    skip batch_realesrgan_equal_single_process "$MODEL missing"
    finish
fi
RVF="realesrgan=model=$MODEL:dedup=-1"   # (dedup restarts per segment: see doc/archive.md)
clip "$WORK/r/one.mkv" 20 32x24 && clip "$WORK/r/two/two.mkv" 30 32x24
ROUT=$WORK/rout
RWD=$ROUT/.archive-work
setsid "$TOOL" --local 1 --segment-seconds 0.3 --poll 1000 --batch "$WORK/r" -o "$ROUT" \
    -- -c:v ffv1 --vf "$RVF" > "$WORK/r1.log" 2>&1 &
driver=$!
for _ in $(seq 300); do
    [ "$(state_field "$RWD/files/0001" 0 status)" = running ] && break
    kill -0 $driver 2>/dev/null || break
    sleep 0.1
done
kill -KILL -- -$driver 2>/dev/null
wait $driver 2>/dev/null
done_before=$(for f in "$RWD"/files/*/state/*.json; do grep -l '"status": "done"' "$f"; done 2>/dev/null | sort)
"$TOOL" --resume --workdir "$RWD" --poll 1000 > "$WORK/r2.log" 2>&1
status=$?
attempts=$(for f in $done_before; do "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["attempt"])' "$f"; done | sort -u | tr '\n' ' ')
n_before=$(echo "$done_before" | grep -c json)
if [ $status = 0 ] && [ "$n_before" -ge 2 ] && [ "$attempts" = "1 " ] &&
   grep -q "resuming: $n_before of [0-9]* segments are done and valid" "$WORK/r2.log"; then
    pass batch_killed_and_resumed
else
    fail batch_killed_and_resumed "exit status $status, $n_before segments done before the kill, their attempts '$attempts': $(tail -n 3 "$WORK/r2.log" | tr '\n' ' ')"
fi
rbad=''
for f in one two/two; do
    [ "$(video_md5s "$ROUT/$f.mkv")" = "$(video_md5s "$WORK/r/$f.mkv" "$RVF")" ] && [ -s "$ROUT/$f.mkv" ] || rbad="$rbad $f"
done
if [ -z "$rbad" ]; then
    pass batch_resumed_files_equal_single_process
else
    fail batch_resumed_files_equal_single_process "differing:$rbad"
fi

# --- realesrgan, two workers, no kill
"$TOOL" --local 2 --segment-seconds 0.3 --poll 1000 --batch "$WORK/r/one.mkv" "$WORK/r/two/two.mkv" -o "$WORK/rout2" \
    -- -c:v ffv1 --vf "$RVF" > "$WORK/r3.log" 2>&1
status=$?
rbad=''
for f in one two; do
    src=$WORK/r/$f.mkv; [ $f = two ] && src=$WORK/r/two/two.mkv
    [ "$(video_md5s "$WORK/rout2/$f.mkv")" = "$(video_md5s "$src" "$RVF")" ] && [ -s "$WORK/rout2/$f.mkv" ] || rbad="$rbad $f"
done
if [ $status = 0 ] && [ -z "$rbad" ]; then
    pass batch_realesrgan_equal_single_process
else
    fail batch_realesrgan_equal_single_process "exit status $status, differing:$rbad: $(tail -n 3 "$WORK/r3.log" | tr '\n' ' ')"
fi
finish
