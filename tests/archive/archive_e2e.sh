#!/usr/bin/env bash
# tools/archive-upscale end to end with realesrgan (realesr-animevideov3) on the shared clip,
# downscaled to 80x60 with a keyframe every 40 frames: 181 frames in 5 segments.
#   - single process: the reference frames (ffmpeg -vf realesrgan, one process);
#   - --local 2: two workers on this machine; one task is killed mid-run, the run reports
#     that segment failed, and --resume redoes that segment alone;
#   - --slurm: a real one-node Slurm (munged, slurmctld, slurmd started here, stopped after),
#     one job array; one array task is cancelled mid-run and the driver killed with it; the
#     array goes on, --resume waits for it, then redoes the cancelled segment alone.
# Each OUTPUT must hold the source's frame count, frame times, duration, audio packets,
# subtitles and chapters, and every frame must equal the single-process one.
# The Slurm cases SKIP when not root or slurm-wlm/munge are missing (tools/install-deps).
# Timings of the three runs are printed as '#' lines.
here=$(dirname "$0")
. "$here/_lib.sh"
. "$here/_slurm.sh"

OUTPUT_CHECKS=(frames_equal_single_process timestamps_and_duration audio_in_sync subtitles_chapters)
LOCAL_CHECKS=(kill_reports_the_segment resume_redoes_only_it "${OUTPUT_CHECKS[@]}")
SLURM_CHECKS=(cancel_recorded resume_waits_for_the_array resume_redoes_only_it "${OUTPUT_CHECKS[@]}")
ALL=()
for c in "${LOCAL_CHECKS[@]}"; do ALL+=("local2_$c"); done
for c in "${SLURM_CHECKS[@]}"; do ALL+=("slurm_$c"); done
needs_components "${ALL[@]}"
if [ ! -f "$CLIP" ] || [ ! -f "$MODEL" ]; then
    for name in "${ALL[@]}"; do skip_data "$name" "$CLIP or $MODEL missing"; done
    exit 0
fi

SRC=$WORK/source.mkv
VF="realesrgan=model=$MODEL:dedup=-1"   # (dedup restarts per segment: see doc/archive.md)
if ! make_source "$SRC" 80 60; then
    for name in "${ALL[@]}"; do fail "$name" "cannot make the test source"; done
    finish
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

t=$(now)
video_md5s "$SRC" "$VF" > "$WORK/ref.md5s"
echo "# single process (ffmpeg -vf realesrgan, all cores): $(wc -l < "$WORK/ref.md5s") frames in $(elapsed "$t") s"

# run_with_kill MODE KILLER KILL_DRIVER RUNNER_ARGS...: the tool with RUNNER_ARGS; once
# segment 2 runs, KILLER WORKDIR ends its task (and the driver is killed too when KILL_DRIVER
# is yes); then --resume. Sets the result cases of MODE.
run_with_kill() {
    local mode=$1 killer=$2 kill_driver=$3
    shift 3
    local wd=$WORK/$mode.work out=$WORK/$mode.mkv
    local opts=("$@" --segment-seconds 1.5 --retries 0 --poll 2 --keep-segments --workdir "$wd")
    local job=(-- "$SRC" "$out" -c:v ffv1 --vf "$VF")
    local t0 t1 status
    t0=$(now)
    "$TOOL" "${opts[@]}" "${job[@]}" > "$WORK/$mode.run1.log" 2>&1 &
    local driver=$!
    local killed=no
    if wait_running "$wd" 2 600 "$driver"; then
        "$killer" "$wd" && killed=yes
        [ "$kill_driver" = no ] || kill -KILL "$driver"
    fi
    wait "$driver"
    status=$?
    local first_run
    first_run=$(elapsed "$t0")
    local segments
    segments=$(find "$wd/src" -name '*.nut' 2>/dev/null | wc -l)
    if [ "$kill_driver" = no ]; then
        if [ $killed = yes ] && [ $status = 1 ] && grep -q "1 segment(s) failed: 2;" "$WORK/$mode.run1.log" &&
           [ "$segments" -ge 4 ]; then
            pass "${mode}_kill_reports_the_segment"
        else
            fail "${mode}_kill_reports_the_segment" "killed=$killed, exit status $status, $segments segments: $(tail -n 3 "$WORK/$mode.run1.log" | tr '\n' ' ')"
        fi
    else
        local i
        for i in $(seq 50); do [ "$(state_field "$wd" 2 status)" = failed ] && break; sleep 0.2; done
        if [ $killed = yes ] && [ "$segments" -ge 4 ] &&
           state_field "$wd" 2 error | grep -q "terminated by SIGTERM"; then
            pass "${mode}_cancel_recorded"
        else
            fail "${mode}_cancel_recorded" "killed=$killed, $segments segments, segment 2: $(state_field "$wd" 2 status) $(state_field "$wd" 2 error)"
        fi
    fi

    # the segments finished by now must stay untouched
    out_stamps "$wd" | grep -v '^00002' > "$WORK/$mode.stamps.before"
    t1=$(now)
    "$TOOL" "${opts[@]}" --resume "${job[@]}" > "$WORK/$mode.run2.log" 2>&1
    status=$?
    echo "# $mode: first run (segment 2 killed) $first_run s, --resume $(elapsed "$t1") s; total $(elapsed "$t0") s for $segments segments"
    out_stamps "$wd" | grep -F -f <(cut -d' ' -f1 "$WORK/$mode.stamps.before") > "$WORK/$mode.stamps.after"
    if [ "$kill_driver" = yes ]; then
        if grep -q "of an earlier run is still active: waiting for it" "$WORK/$mode.run2.log"; then
            pass "${mode}_resume_waits_for_the_array"
        else
            fail "${mode}_resume_waits_for_the_array" "$(head -n 3 "$WORK/$mode.run2.log" | tr '\n' ' ')"
        fi
    fi
    local attempts='' want=''
    for i in $(seq 0 $((segments - 1))); do
        attempts="$attempts$(state_field "$wd" "$i" attempt)"
        if [ "$i" = 2 ]; then want=${want}2; else want=${want}1; fi
    done
    if [ $status = 0 ] && grep -q "resuming: $((segments - 1)) of $segments segments are done and valid; to do: 2\$" "$WORK/$mode.run2.log" &&
       [ -s "$WORK/$mode.stamps.before" ] && cmp -s "$WORK/$mode.stamps.before" "$WORK/$mode.stamps.after" &&
       [ "$attempts" = "$want" ]; then
        pass "${mode}_resume_redoes_only_it"
    else
        fail "${mode}_resume_redoes_only_it" "exit status $status, attempts per segment '$attempts' (want 1 but 2 for segment 2), other segments $(cmp -s "$WORK/$mode.stamps.before" "$WORK/$mode.stamps.after" && echo untouched || echo rewritten): $(tail -n 4 "$WORK/$mode.run2.log" | tr '\n' ' ')"
    fi
    check_output "$mode" "$out" "$SRC" "$WORK/ref.md5s"
    if [ "${RESR_TEST_VERBOSE:-0}" = 1 ]; then
        cat "$WORK/$mode.run1.log" "$WORK/$mode.run2.log"
    fi
}

# a local task: its process group (the task and its ffmpeg)
kill_local_task() {
    local pid
    pid=$(state_field "$1" 2 pid)
    [ -n "$pid" ] && kill -KILL -- "-$pid"
}
# a Slurm array task: scancel
kill_slurm_task() {
    local task
    task=$(state_field "$1" 2 slurm)
    [ -n "$task" ] && scancel "$task"
}

run_with_kill local2 kill_local_task no --local 2

why=$(slurm_why_not)
if [ -n "$why" ]; then
    for c in "${SLURM_CHECKS[@]}"; do skip "slurm_$c" "$why"; done
    finish
fi
cleanup_hooks+=(slurm_stop)
if ! slurm_start > "$WORK/slurm-start.log" 2>&1; then
    for c in "${SLURM_CHECKS[@]}"; do fail "slurm_$c" "the test cluster did not start: $(tail -n 12 "$WORK/slurm-start.log" | tr '\n' ' ')"; done
    finish
fi
# one CPU per task: two tasks at a time on a 2-core machine, like --local 2
run_with_kill slurm kill_slurm_task yes --slurm --slurm-opts "--cpus-per-task=1"
finish
