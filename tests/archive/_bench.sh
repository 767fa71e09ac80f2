#!/usr/bin/env bash
# Timings (not part of make check): the e2e clip (80x60 -> 320x240, 181 frames, 5 segments)
# upscaled by one ffmpeg process, by archive-upscale --local 2, and by a Slurm array on the
# test cluster (2 CPUs: two one-CPU tasks at a time). Run as root from the project root:
#   bash tests/archive/_bench.sh [WIDTH HEIGHT]
here=$(dirname "$0")
. "$here/_lib.sh"
. "$here/_slurm.sh"
w=${1:-80} h=${2:-60}
SRC=$WORK/source.mkv
make_source "$SRC" "$w" "$h" || exit 1
VF="realesrgan=model=$MODEL"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

t=$(now)
video_md5s "$SRC" "$VF" > "$WORK/ref.md5s"
echo "single process: $(elapsed "$t") s"

t=$(now)
"$TOOL" --local 2 --segment-seconds 1.5 --poll 1000 -- "$SRC" "$WORK/local.mkv" -c:v ffv1 --vf "$VF" 2>/dev/null
status=$?
echo "--local 2: $(elapsed "$t") s (exit status $status)"
cmp -s <(video_md5s "$WORK/local.mkv") "$WORK/ref.md5s" && echo "  frames equal the single process" || echo "  FRAMES DIFFER"

why=$(slurm_why_not)
[ -z "$why" ] || { echo "no Slurm: $why"; exit 0; }
cleanup_hooks+=(slurm_stop)
slurm_start > "$WORK/slurm-start.log" 2>&1 || { cat "$WORK/slurm-start.log"; exit 1; }
t=$(now)
"$TOOL" --slurm --slurm-opts --cpus-per-task=1 --segment-seconds 1.5 --poll 1000 -- "$SRC" "$WORK/slurm.mkv" \
    -c:v ffv1 --vf "$VF" 2>/dev/null
status=$?
echo "--slurm (2 one-CPU tasks at a time): $(elapsed "$t") s (exit status $status)"
cmp -s <(video_md5s "$WORK/slurm.mkv") "$WORK/ref.md5s" && echo "  frames equal the single process" || echo "  FRAMES DIFFER"
