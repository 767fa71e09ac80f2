#!/usr/bin/env bash
# Timings (not part of make check): the e2e clip (80x60 -> 320x240, 181 frames, 5 segments)
# upscaled by one ffmpeg process, by archive-upscale --local 2, and by a Slurm array on the
# test cluster (2 CPUs: two one-CPU tasks at a time). Run as root from the project root:
#   bash tests/archive/_bench.sh [WIDTH HEIGHT]
# The batch row alone (8 small clips, one queue, --local 1 vs --local 2, frames/s and ratio):
#   bash tests/archive/_bench.sh batch
here=$(dirname "$0")
. "$here/_lib.sh"
. "$here/_slurm.sh"
VF="realesrgan=model=$MODEL"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# batch_row: 8 clips of 64x48 (15 to 36 frames, 204 in all, a keyframe every 10 frames) as
# one --batch, 1 then 2 local workers (each pinned to its share of the CPUs), side by side
batch_row() {
    local k n frames=0 t1 t2 s1 s2
    mkdir -p "$WORK/b8"
    for k in 0 1 2 3 4 5 6 7; do
        n=$((15 + 3 * k))
        frames=$((frames + n))
        "$FFMPEG" -hide_banner -nostdin -y -v error -f lavfi -i "testsrc2=size=64x48:rate=25" -frames:v $n \
            -c:v ffv1 -g 10 "$WORK/b8/clip$k.mkv" || return 1
    done
    t1=$(now)
    "$TOOL" --local 1 --segment-seconds 0.4 --poll 1000 --batch "$WORK/b8" -o "$WORK/b8-1" -- -c:v ffv1 --vf "$VF" 2>/dev/null
    s1=$?
    t1=$(elapsed "$t1")
    t2=$(now)
    "$TOOL" --local 2 --segment-seconds 0.4 --poll 1000 --batch "$WORK/b8" -o "$WORK/b8-2" -- -c:v ffv1 --vf "$VF" 2>/dev/null
    s2=$?
    t2=$(elapsed "$t2")
    awk -v f=$frames -v a="$t1" -v b="$t2" -v s1=$s1 -v s2=$s2 'BEGIN {
        printf "batch of 8 clips (%d frames, 64x48 -> 256x192): --local 1 %.1f s = %.2f fps (exit status %d), --local 2 %.1f s = %.2f fps (exit status %d), ratio %.2f\n",
               f, a, f / a, s1, b, f / b, s2, a / b }'
    for k in 0 1 2 3 4 5 6 7; do
        cmp -s <(video_md5s "$WORK/b8-1/clip$k.mkv") <(video_md5s "$WORK/b8-2/clip$k.mkv") &&
            cmp -s <(video_md5s "$WORK/b8-1/clip$k.mkv") <(video_md5s "$WORK/b8/clip$k.mkv" "$VF") ||
            echo "  clip$k: FRAMES DIFFER"
    done
}
if [ "${1:-}" = batch ]; then
    batch_row
    exit 0
fi

w=${1:-80} h=${2:-60}
SRC=$WORK/source.mkv
make_source "$SRC" "$w" "$h" || exit 1

t=$(now)
video_md5s "$SRC" "$VF" > "$WORK/ref.md5s"
echo "single process: $(elapsed "$t") s"

t=$(now)
"$TOOL" --local 2 --segment-seconds 1.5 --poll 1000 -- "$SRC" "$WORK/local.mkv" -c:v ffv1 --vf "$VF" 2>/dev/null
status=$?
echo "--local 2: $(elapsed "$t") s (exit status $status)"
cmp -s <(video_md5s "$WORK/local.mkv") "$WORK/ref.md5s" && echo "  frames equal the single process" || echo "  FRAMES DIFFER"
batch_row

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
