#!/usr/bin/env bash
# A batch on the real one-node Slurm cluster (tests/archive/_slurm.sh, MaxArraySize=4 so the
# queue needs several arrays): an interlaced and a progressive clip (32x24) and a corrupt file,
# with bwdif=send_field,realesrgan (animevideov3). One array task is cancelled while it runs and
# the driver killed; the resume
# waits for the arrays still running, redoes what is missing (done segments are kept) and
# every good file equals the one-process chain; the corrupt file is reported.
here=$(dirname "$0")
. "$here/_lib.sh"
. "$here/_slurm.sh"

CASES=(slurm_batch_several_arrays slurm_batch_killed_and_resumed slurm_batch_files_equal_single_process
       slurm_batch_corrupt_reported)
needs_components "${CASES[@]}"
needs_filters "bwdif tinterlace" "${CASES[@]}"
why=$(slurm_why_not)
if [ -n "$why" ]; then
    for c in "${CASES[@]}"; do skip "$c" "$why"; done
    exit 0
fi
if [ ! -f "$MODEL" ]; then
    for c in "${CASES[@]}"; do skip "$c" "$MODEL missing"; done
    exit 0
fi
mkdir -p "$WORK/in/prog"
"$FFMPEG" -hide_banner -nostdin -y -v error -f lavfi -i "testsrc2=size=32x24:rate=50" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" -vf "tinterlace=mode=merge" \
    -frames:v 50 -shortest -c:v ffv1 -g 10 -c:a pcm_s16le "$WORK/in/tape.mkv" &&
"$FFMPEG" -hide_banner -nostdin -y -v error -f lavfi -i "testsrc2=size=32x24:rate=25" -frames:v 30 \
    -c:v ffv1 -g 10 "$WORK/in/prog/film.mkv" ||
    { for c in "${CASES[@]}"; do fail "$c" "cannot make the clips"; done; finish; }
head -c 5000 /dev/urandom > "$WORK/in/prog/corrupt.mp4"
VF="bwdif=send_field,realesrgan=model=$MODEL:dedup=-1"   # (dedup restarts per segment: doc/archive.md)

cleanup_hooks+=(slurm_stop)
export SLURM_EXTRA_CONF=MaxArraySize=4
if ! slurm_start > "$WORK/slurm-start.log" 2>&1; then
    for c in "${CASES[@]}"; do fail "$c" "the test cluster did not start: $(tail -n 12 "$WORK/slurm-start.log" | tr '\n' ' ')"; done
    finish
fi
OUT=$WORK/out
WD=$OUT/.archive-work
setsid "$TOOL" --slurm --slurm-opts "--cpus-per-task=1" --segment-seconds 0.3 --poll 1000 \
    --batch "$WORK/in" -o "$OUT" -- -c:v ffv1 --vf "$VF" > "$WORK/run1.log" 2>&1 &
driver=$!
# a task running while another has finished: cancel the running one, kill the driver
task=
for _ in $(seq 600); do
    kill -0 $driver 2>/dev/null || break
    if grep -qs '"status": "done"' "$WD"/files/*/state/*.json; then
        task=$("$PY" - "$WD" <<'PY'
import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/files/*/state/*.json")):
    s = json.load(open(f))
    if s.get("status") == "running" and s.get("slurm"):
        print(s["slurm"], f); break
PY
)
        [ -n "$task" ] && break
    fi
    sleep 0.1
done
read -r task task_state <<< "$task"
[ -n "$task" ] && scancel "$task"
kill -KILL -- -$driver 2>/dev/null
wait $driver 2>/dev/null
done_before=$(grep -ls '"status": "done"' "$WD"/files/*/state/*.json | sort)
sleep 1     # the cancelled task records its end (SIGTERM)
cancelled_status=$(grep -o '"status": "[a-z]*"' "${task_state:-/dev/null}" | cut -d'"' -f4)
arrays=$(grep -c '"kind": "slurm"' "$WD/jobs.json" 2>/dev/null)
if [ "${arrays:-0}" -ge 2 ] && grep -q "submitted Slurm job array .* (4 tasks: 0-3)" "$WORK/run1.log"; then
    pass slurm_batch_several_arrays
else
    fail slurm_batch_several_arrays "${arrays:-0} arrays: $(grep submitted "$WORK/run1.log" | tr '\n' ' ')"
fi
"$TOOL" --resume --workdir "$WD" --poll 1000 > "$WORK/run2.log" 2>&1
status=$?
attempts=$(for f in $done_before; do "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["attempt"])' "$f"; done | sort -u | tr '\n' ' ')
n_before=$(echo "$done_before" | grep -c json)
# (the arrays go on while the driver is dead, and the resume waits for them first: at least the
# segments done at the kill are done when it resumes)
# the cancelled segment: failed (SIGTERM recorded), then redone as attempt 2 (or, when the
# task ended before scancel reached it, done as attempt 1)
redo=$("$PY" -c 'import json,sys; s = json.load(open(sys.argv[1])); print(s["status"], s["attempt"])' "${task_state:-/dev/null}" 2>/dev/null)
case "$cancelled_status $redo" in
    "failed done 2"|"done done 1") redo_ok=yes;;
    *) redo_ok=no;;
esac
if [ $status = 1 ] && [ -n "$task" ] && [ "$n_before" -ge 1 ] && [ "$attempts" = "1 " ] && [ $redo_ok = yes ] &&
   [ "$(grep -o 'resuming: [0-9]* of' "$WORK/run2.log" | awk '{ print $2 }')" -ge "$n_before" ] 2>/dev/null; then
    pass slurm_batch_killed_and_resumed
else
    fail slurm_batch_killed_and_resumed "exit status $status (1: the corrupt file), cancelled task '${task}' ($cancelled_status, then '$redo'), $n_before done before, their attempts '$attempts': $(tail -n 4 "$WORK/run2.log" | tr '\n' ' ')"
fi
frames_of() { "$FFMPEG" -hide_banner -nostdin -v error -i "$1" -map 0:v:0 ${2:+-vf "$2"} -fps_mode passthrough \
              -c:v rawvideo -f framemd5 - | grep -v '^#' | awk -F', *' '{ print $6 }'; }
bad=''
for f in tape prog/film; do
    [ -s "$OUT/$f.mkv" ] && [ "$(frames_of "$OUT/$f.mkv")" = "$(frames_of "$WORK/in/$f.mkv" "$VF")" ] || bad="$bad $f"
done
if [ -z "$bad" ]; then
    pass slurm_batch_files_equal_single_process
else
    fail slurm_batch_files_equal_single_process "differing or missing:$bad"
fi
if grep -q "FAILED $WORK/in/prog/corrupt.mp4" "$WORK/run2.log" && grep -q "batch: 2 of 3 file(s) done, 1 failed" "$WORK/run2.log"; then
    pass slurm_batch_corrupt_reported
else
    fail slurm_batch_corrupt_reported "$(grep 'batch:\|FAILED' "$WORK/run2.log" | tr '\n' ' ')"
fi
if [ "${RESR_TEST_VERBOSE:-0}" = 1 ]; then cat "$WORK/run1.log" "$WORK/run2.log"; fi
finish
