#!/usr/bin/env bash
# resr-inspect end to end: what it prints for good checkpoints, its exit status and message
# for bad ones. Run by tests/run-tests from the project root with $RESR_INSPECT set.
set -u
inspect=${RESR_INSPECT:-build/bin/resr-inspect}
data=tests/models/data
official=${RESR_SHARED_MODELS:-../shared/models}/realesr-animevideov3.pth
. "$(dirname "$0")/../common/test_lib.sh"

if [ ! -x "$inspect" ]; then
    fail inspect/binary "$inspect not built"
    exit 1
fi

if [ -f "$official" ]; then
    out=$("$inspect" "$official" 2>&1); rc=$?
    want=$'arch:              SRVGGNetCompact\n  scale:             4\n  num_feat:          64\n  num_conv:          16\n  params:            621,424\n  MFLOP/input pixel: 1.24\n  receptive radius:  18 input pixels\n  stored as:         pth params, float32'
    [ "$rc" -eq 0 ] && [[ "$out" == *"$want"* ]]
    check inspect/official_animevideov3 $? "rc $rc, output: $out"
else
    skip_data inspect/official_animevideov3 "$official not found"
fi

out=$("$inspect" "$data/rrdb_x2_f16.pth" "$data/srvgg_x2_bf16.safetensors" 2>&1); rc=$?
[ "$rc" -eq 0 ] && [[ "$out" == *"num_block:         1"* ]] && [[ "$out" == *"unshuffle:         2"* ]] &&
    [[ "$out" == *"stored as:         pth params, float16"* ]] &&
    [[ "$out" == *"stored as:         safetensors, bfloat16"* ]] &&
    [[ "$out" == *"receptive radius:  38 input pixels"* ]]
check inspect/two_files $? "rc $rc, output: $out"

out=$("$inspect" "$data/srvgg_x4_f32.pth" "$data/evil_os_system.pth" 2>&1 >/dev/null); rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"evil_os_system.pth: refusing pickle global 'os.system'"* ]]
check inspect/refuses_with_status_1 $? "rc $rc, stderr: $out"

out=$("$inspect" 2>&1); rc=$?
[ "$rc" -eq 1 ] && [[ "$out" == *"usage: resr-inspect FILE..."* ]]
check inspect/usage $? "rc $rc, output: $out"

finish
