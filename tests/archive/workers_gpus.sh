#!/usr/bin/env bash
# One GPU per worker, tested without GPUs: a fake nvidia-smi on PATH lists GPUs, and the
# ffmpeg the tool runs is a wrapper that records each segment run's CUDA_VISIBLE_DEVICES and
# arguments before it runs the real ffmpeg. Checks: --local 3 takes the three listed GPUs
# round-robin (each segment's ffmpeg saw the GPU its state records), --gpus 0,2 restricts
# them, no GPUs leave CUDA_VISIBLE_DEVICES alone; for Slurm (a fake sbatch, squeue and
# scontrol), --slurm-gpus 1 asks every array task for --gres=gpu:1, the arrays are split by
# MaxArraySize, and an array task run as Slurm runs it records Slurm's CUDA_VISIBLE_DEVICES.
here=$(dirname "$0")
. "$here/_lib.sh"

CASES=(local3_gpus_round_robin local3_each_ffmpeg_on_its_gpu gpus_option_restricts no_gpus_no_pinning
       slurm_gres_per_task slurm_arrays_split_by_max_array_size slurm_task_records_its_gpu)
needs_components "${CASES[@]}"
SRC=$WORK/clip.mkv
"$FFMPEG" -hide_banner -nostdin -y -v error -f lavfi -i testsrc2=size=64x48:rate=25 -frames:v 50 \
    -c:v ffv1 -g 10 "$SRC" || { for c in "${CASES[@]}"; do fail "$c" "cannot make the clip"; done; finish; }
VF="scale=2*iw:2*ih:flags=neighbor"

mkdir -p "$WORK/gpu3" "$WORK/nogpu" "$WORK/slurm"
printf '#!/bin/sh\n[ "$1" = -L ] || exit 2\nprintf "GPU 0: Fake GPU (UUID: GPU-a)\\nGPU 1: Fake GPU (UUID: GPU-b)\\nGPU 2: Fake GPU (UUID: GPU-c)\\n"\n' \
    > "$WORK/gpu3/nvidia-smi"
printf '#!/bin/sh\necho "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver" >&2\nexit 9\n' \
    > "$WORK/nogpu/nvidia-smi"
# the ffmpeg wrapper: "GPU SEGMENT-FILE" for every segment run (those write -progress)
cat > "$WORK/ffmpeg" <<EOF2
#!/bin/sh
case " \$* " in *" -progress "*)
    for a; do case "\$a" in */src/*.nut) seg=\$(basename "\$a" .nut);; esac; done
    echo "\${CUDA_VISIBLE_DEVICES-unset} \$seg" >> "\$GPU_LOG";;
esac
exec "$FFMPEG" "\$@"
EOF2
chmod +x "$WORK/gpu3/nvidia-smi" "$WORK/nogpu/nvidia-smi" "$WORK/ffmpeg"

# run NAME PATHDIR OPTIONS...: a local run with the wrapper; GPU log in $WORK/NAME.gpus
run() {
    local name=$1 dir=$2
    shift 2
    (unset CUDA_VISIBLE_DEVICES; PATH=$dir:$PATH GPU_LOG=$WORK/$name.gpus \
        "$TOOL" --ffmpeg "$WORK/ffmpeg" --segment-seconds 0.3 --poll 1000 --workdir "$WORK/$name.work" \
        --keep-segments "$@" -- "$SRC" "$WORK/$name.mkv" -c:v ffv1 --vf "$VF" > "$WORK/$name.log" 2>&1)
}
# the GPUs the segments' ffmpeg saw, and those their states record: "SEGMENT GPU" lines
seen() { awk '{ print $2, $1 }' "$WORK/$1.gpus" | sort; }
recorded() {
    local f
    for f in "$WORK/$1.work"/state/*.json; do
        "$PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); print("%05d" % int(sys.argv[1][-10:-5]), s["gpu"] if s["gpu"] is not None else "unset")' "$f"
    done | sort
}
gpus_used() { awk '{ print $1 }' "$WORK/$1.gpus" | sort -u | tr '\n' ' '; }

run local3 "$WORK/gpu3" --local 3
status=$?
segments=$(find "$WORK/local3.work/src" -name '*.nut' | wc -l)
if [ $status = 0 ] && [ "$segments" -ge 4 ] && [ "$(gpus_used local3)" = "0 1 2 " ] &&
   grep -q "3 local worker(s) on GPU(s) 0,1,2" "$WORK/local3.log"; then
    pass local3_gpus_round_robin
else
    fail local3_gpus_round_robin "exit status $status, $segments segments, GPUs used '$(gpus_used local3)': $(tail -n 3 "$WORK/local3.log" | tr '\n' ' ')"
fi
if [ "$(seen local3 | wc -l)" = "$segments" ] && [ "$(seen local3)" = "$(recorded local3)" ]; then
    pass local3_each_ffmpeg_on_its_gpu
else
    fail local3_each_ffmpeg_on_its_gpu "ffmpeg saw '$(seen local3 | tr '\n' ' ')', states record '$(recorded local3 | tr '\n' ' ')'"
fi

run pick "$WORK/gpu3" --local 3 --gpus 0,2
status=$?
if [ $status = 0 ] && [ "$(gpus_used pick)" = "0 2 " ] && [ "$(seen pick)" = "$(recorded pick)" ]; then
    pass gpus_option_restricts
else
    fail gpus_option_restricts "exit status $status, GPUs used '$(gpus_used pick)'"
fi

run none "$WORK/nogpu" --local 2
status=$?
if [ $status = 0 ] && [ "$(gpus_used none)" = "unset " ] && [ "$(seen none)" = "$(recorded none)" ]; then
    pass no_gpus_no_pinning
else
    fail no_gpus_no_pinning "exit status $status, GPUs used '$(gpus_used none)'"
fi

# --- Slurm, faked: sbatch records its arguments and answers a job id; the job is then gone
cat > "$WORK/slurm/sbatch" <<EOF2
#!/bin/sh
n=\$(ls "$WORK/slurm" | grep -c '^call')
echo "\$*" > "$WORK/slurm/call\$n.args"
echo \$((4242 + n))
EOF2
printf '#!/bin/sh\nexit 0\n' > "$WORK/slurm/squeue"
printf '#!/bin/sh\n[ "$*" = "show config" ] && echo "MaxArraySize            = 2"\n' > "$WORK/slurm/scontrol"
chmod +x "$WORK/slurm/"*
(PATH=$WORK/slurm:$PATH "$TOOL" --slurm --slurm-gpus 1 --retries 0 --segment-seconds 0.3 --poll 1000 \
    --workdir "$WORK/s.work" -- "$SRC" "$WORK/s.mkv" -c:v ffv1 --vf "$VF" > "$WORK/s.log" 2>&1)
status=$?
segments=$(find "$WORK/s.work/src" -name '*.nut' | wc -l)
calls=$(ls "$WORK/slurm" | grep -c '\.args$')
gres=$(cat "$WORK/slurm"/call*.args | grep -c -- '--gres=gpu:1 ')
if [ $status = 1 ] && [ "$calls" -ge 2 ] && [ "$gres" = "$calls" ] &&
   grep -q "segment(s) failed" "$WORK/s.log"; then
    pass slurm_gres_per_task
else
    fail slurm_gres_per_task "exit status $status, $calls sbatch calls, $gres with --gres=gpu:1: $(head -n 2 "$WORK/slurm/call0.args" 2>/dev/null)"
fi
# MaxArraySize 2: arrays of ids 0-1, and together every segment once
arrays=$(grep -o -- '--array=[^ ]*' "$WORK/slurm"/call*.args | sed 's/.*=//' | sort | uniq -c | awk '{ print $2 "x" $1 }' | tr '\n' ' ')
listed=$(cat "$WORK/s.work"/tasks/*.list | awk '{ print $2 }' | sort -n | tr '\n' ' ')
want_listed=$(seq 0 $((segments - 1)) | tr '\n' ' ')
want_calls=$(( (segments + 1) / 2 ))
if [ "$calls" = "$want_calls" ] && [ "$listed" = "$want_listed" ] && ! grep -q -- '--array=0-[2-9]' "$WORK/slurm"/call*.args; then
    pass slurm_arrays_split_by_max_array_size
else
    fail slurm_arrays_split_by_max_array_size "$segments segments: $calls arrays ($arrays), listed '$listed'"
fi
# an array task as Slurm runs it (the script, the list, the task id; Slurm's GPU)
list=$(awk '{ print $NF }' "$WORK/slurm/call0.args")
script=$(awk '{ print $(NF-1) }' "$WORK/slurm/call0.args")
SLURM_ARRAY_JOB_ID=4242 SLURM_ARRAY_TASK_ID=1 CUDA_VISIBLE_DEVICES=5 sh "$script" "$list" > "$WORK/task.log" 2>&1
status=$?
seg=$(sed -n 2p "$list" | awk '{ print $2 }')
if [ $status = 0 ] && [ "$(state_field "$WORK/s.work" "$seg" gpu)" = 5 ] &&
   [ "$(state_field "$WORK/s.work" "$seg" slurm)" = 4242_1 ] && [ "$(state_field "$WORK/s.work" "$seg" status)" = done ]; then
    pass slurm_task_records_its_gpu
else
    fail slurm_task_records_its_gpu "exit status $status, segment $seg state: $(cat "$WORK/s.work/state/0000$seg.json" 2>/dev/null | tr '\n' ' ') $(tail -n 2 "$WORK/task.log")"
fi
finish
