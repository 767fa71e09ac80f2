# shellcheck shell=bash
# Sourced by every shell test: the result lines tests/run-tests counts (PASS name, FAIL
# name: why, SKIP name: why) and the checks the scripts share. End a script with finish.
#   pass NAME | fail NAME WHY | skip NAME WHY
#   check NAME STATUS WHY            PASS when STATUS is 0, else FAIL with WHY
#   expect_error NAME STATUS LOG RE  a run that must fail cleanly: STATUS as tests/filter/
#                                    _lib.sh's ff returns it (0 ran, 1 error, 2 signal),
#                                    LOG holding the extended regex RE (any case)
#   finish                           exits nonzero when anything failed

failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP $1: $2"; }
finish() { [ "$failures" -eq 0 ]; exit $?; }

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
