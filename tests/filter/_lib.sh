# shellcheck shell=bash disable=SC2034
# Sourced by the filter's end-to-end scripts (tests/filter/*.sh, and the reliability and
# fake-driver ones): paths, and running ffmpeg with its exit status and stderr kept. Result
# lines and checks: tests/common/test_lib.sh.
set -u

ROOT=${RESR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FFMPEG=${FFMPEG:-$ROOT/ffmpeg}
FFPROBE=${FFPROBE:-$ROOT/ffprobe}
SHARED=${RESR_SHARED:-$ROOT/../shared}   # tests/common/shared.sh
MODEL=$SHARED/models/realesr-animevideov3.pth
PY=/usr/bin/python3          # Debian's python: numpy (and torch for the reference)
HERE=$ROOT/tests/filter

WORK=$(mktemp -d "${TMPDIR:-/tmp}/resr-filter.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

. "$ROOT/tests/common/test_lib.sh"

# require_ffmpeg CASE...: without ./ffmpeg every case is skipped and the script ends.
require_ffmpeg() {
    if [ ! -x "$FFMPEG" ] || [ ! -x "$FFPROBE" ]; then
        for name; do skip "$name" "ffmpeg not built"; done
        exit 0
    fi
}

# ff LOG ARGS...: runs ffmpeg; stderr in LOG. Returns 0 on success, 1 when ffmpeg exits
# with an error, 2 when a signal ends it (bash cannot tell exit status 234, ffmpeg's
# AVERROR(EINVAL), from a signal, so a tiny Python runner looks).
ff() {
    local log=$1
    shift
    "$PY" - "$log" "$FFMPEG" -hide_banner -nostdin -y "$@" <<'PYEOF'
import subprocess, sys
log = sys.argv[1]
with open(log, "wb") as err, open(log + ".stdout", "wb") as out:
    code = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=err).returncode
with open(log + ".status", "w") as f:
    f.write(f"signal {-code}" if code < 0 else f"exit {code}")
sys.exit(2 if code < 0 else 1 if code else 0)
PYEOF
}

# crashed STATUS: ff's status for "ended by a signal"
crashed() { [ "$1" -eq 2 ]; }

# first error-ish line of a log, for FAIL messages
log_excerpt() { grep -m1 -iE 'error|invalid|fail|cannot|unable|not ' "$1" | cut -c1-200; }
