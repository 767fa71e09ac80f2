#!/usr/bin/env bash
# The harness's own rules (tests/common/test_lib.sh, tests/run-tests) can fail:
#   - at_least compares numbers as numbers: nan, -inf, "", text fail; inf only when allowed;
#   - skip_data is a SKIP, and a FAIL with RESR_STRICT=1; skip stays a SKIP either way;
#   - tests/run-tests, on a copy holding one fake test, counts data skips apart and turns
#     them into failures with RESR_STRICT=1 (also those a test program prints itself).
set -u
ROOT=${RESR_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/common/test_lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/resr-harness.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- at_least -----------------------------------------------------------------------------------
bad=
while read -r value min allow want; do
    [ "$allow" = - ] && allow=
    if at_least "$value" "$min" $allow; then got=yes; else got=no; fi
    [ "$got" = "$want" ] || bad="$bad [$value >= $min${allow:+ ($allow ok)}: $got, want $want]"
done <<'EOF'
50 50 - yes
50.01 50 - yes
49.99 50 - no
1e2 50 - yes
9 50 - no
120.94 50 - yes
-3 -5 - yes
nan 50 - no
-nan 50 - no
NaN 50 - no
inf 50 - no
inf 50 inf yes
-inf 50 inf no
Infinity 50 inf no
x 50 - no
64.65dB 50 - no
EOF
at_least "" 50 && bad="$bad [empty >= 50: yes]"
if [ -z "$bad" ]; then pass at_least_numeric; else fail at_least_numeric "$bad"; fi

# --- skip_data and skip in a test script --------------------------------------------------------
lib_run() {   # lib_run STRICT: a script using skip and skip_data, its output and status
    RESR_STRICT=$1 bash -c ". '$ROOT/tests/common/test_lib.sh'; skip gpu 'no GPU'; skip_data w 'weights.pth not found'; finish"
}
out=$(lib_run 0); status=$?
if [ $status = 0 ] && grep -qx 'SKIP gpu: no GPU' <<<"$out" &&
   grep -qx 'SKIP w: missing data: weights.pth not found' <<<"$out"; then
    pass skip_data_plain
else
    fail skip_data_plain "status $status, output: $(tr '\n' '|' <<<"$out")"
fi
out=$(lib_run 1); status=$?
if [ $status != 0 ] && grep -qx 'SKIP gpu: no GPU' <<<"$out" && grep -q '^FAIL w: missing data' <<<"$out"; then
    pass skip_data_strict
else
    fail skip_data_strict "status $status, output: $(tr '\n' '|' <<<"$out")"
fi

# --- tests/run-tests on a copy with one fake test ---------------------------------------------
copy=$WORK/tree
mkdir -p "$copy/tests/common" "$copy/tests/fake"
cp "$ROOT/tests/run-tests" "$copy/tests/"
cp "$ROOT/tests/common/shared.sh" "$ROOT/tests/common/test_lib.sh" "$copy/tests/common/"
# a test program printing its lines itself, as the C tests do
cat > "$copy/tests/fake/lines.sh" <<'EOF'
echo "PASS a"
echo "SKIP b: no CUDA device"
echo "SKIP c: missing data: clip.mp4 not found"
EOF
runner() {   # runner STRICT: the copy's runner output; its status in $runner_status
    out=$(cd "$copy" && RESR_STRICT=$1 RESR_SHARED=$WORK/none tests/run-tests 2>&1)
    runner_status=$?
}
runner 0
if [ $runner_status = 0 ] && grep -qx '1 passed, 0 failed, 2 skipped' <<<"$out" &&
   grep -q '^(1 of the skips for missing data' <<<"$out"; then
    pass run_tests_counts_data_skips
else
    fail run_tests_counts_data_skips "status $runner_status: $(tail -n 3 <<<"$out" | tr '\n' '|')"
fi
runner 1
if [ $runner_status != 0 ] && grep -qx '1 passed, 1 failed, 1 skipped' <<<"$out" &&
   grep -q '^FAIL c: missing data: clip.mp4 not found (RESR_STRICT=1' <<<"$out"; then
    pass run_tests_strict_fails_data_skips
else
    fail run_tests_strict_fails_data_skips "status $runner_status: $(tail -n 3 <<<"$out" | tr '\n' '|')"
fi
finish
