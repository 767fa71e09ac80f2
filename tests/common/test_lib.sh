# shellcheck shell=bash
# Sourced by every shell test: the result lines tests/run-tests counts (PASS name, FAIL
# name: why, SKIP name: why) and the checks the scripts share. End a script with finish.
#   pass NAME | fail NAME WHY | skip NAME WHY | skip_data NAME WHY
#   skip NAME WHY                    a case this machine cannot run: no GPU, no AVX2, a
#                                    sanitized build. Always a plain SKIP.
#   skip_data NAME WHY               a case whose DATA is missing: weights, media, fixtures,
#                                    goldens, or a reference package that tools/install-deps
#                                    installs (PyTorch). Prints "SKIP NAME: missing data: WHY";
#                                    with RESR_STRICT=1 (CI, .ci/run) it is a FAIL instead,
#                                    since CI must have every piece of data (tests/run-tests
#                                    applies the same rule to such lines of any test program).
#   check NAME STATUS WHY            PASS when STATUS is 0, else FAIL with WHY
#   expect_error NAME STATUS LOG RE  a run that must fail cleanly: STATUS as tests/filter/
#                                    _lib.sh's ff returns it (0 ran, 1 error, 2 signal),
#                                    LOG holding the extended regex RE (any case)
#   at_least VALUE MIN [inf]         true when VALUE is a finite decimal number >= MIN,
#                                    compared as numbers (never as strings: awk takes "nan"
#                                    >= 50 as true); "inf" (zero error: identical frames)
#                                    only with the third argument; nan, -inf, "" are false
#   finish                           exits nonzero when anything failed

failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP $1: $2"; }
skip_data() {
    if [ "${RESR_STRICT:-0}" = 1 ]; then
        fail "$1" "missing data (RESR_STRICT=1 fails it): $2"
    else
        echo "SKIP $1: missing data: $2"
    fi
}
finish() { [ "$failures" -eq 0 ]; exit $?; }

at_least() {
    local value=$1 min=$2
    [ "$value" = inf ] && [ "${3:-}" = inf ] && return 0
    [[ $value =~ ^[-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$ ]] || return 1
    [[ $min =~ ^[-+]?[0-9]+(\.[0-9]*)?$ ]] || return 1
    awk -v v="$value" -v m="$min" 'BEGIN { exit !(v + 0 >= m + 0) }'
}

check() {
    if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1" "$3"; fi
}

expect_error() {
    local name=$1 status=$2 log=$3 regex=$4
    if [ "$status" -eq 2 ]; then
        fail "$name" "killed by a signal"
    elif [ "$status" -eq 0 ]; then
        fail "$name" "succeeded"
    elif ! grep -qiE "$regex" "$log"; then
        fail "$name" "status $status but no /$regex/ in the log: $(grep -m1 -iE 'error|invalid|fail|cannot|unable|not ' "$log" | cut -c1-200)"
    else
        echo "# $name: $(grep -m1 -iE "$regex" "$log" | cut -c1-200)"
        pass "$name"
    fi
}
