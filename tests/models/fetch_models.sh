#!/usr/bin/env bash
# tools/fetch-models without the network: a refused connection fails fast with the manual
# instructions, a file:// mirror stands in for GitHub (the shared official copy must be
# accepted and installed, wrong bytes refused and removed), a model already in the search
# path is not downloaded. Run by tests/run-tests from the project root.
set -u
root=$(pwd)
fetch=$root/tools/fetch-models
official=${RESR_SHARED_MODELS:-../shared/models}/realesr-animevideov3.pth
case $official in /*) ;; *) official=$root/$official ;; esac
. "$root/tests/common/test_lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-models.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/cwd" "$work/home"
cd "$work/cwd" || exit 1
export HOME=$work/home PREFIX=$work/prefix
unset XDG_CACHE_HOME REALESRGAN_MODEL_PATH

out=$("$fetch" --list); rc=$?
[ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 7 ] &&
    [[ "$out" == *"RealESRGAN_x2plus RRDBNET 2 v0.2.1 67061725 49fafd45f8fd7aa8d31ab2a22d14d91b536c34494a5cfe31eb5d89c2fa266abb"* ]] &&
    [[ "$out" == *"realesr-animevideov3 SRVGG 4 v0.2.5.0 2504012 b8a8376811077954d82ca3fcf476f1ac3da3e8a68a4f4d71363008000a18b75d 4e1e09ba96d08bd4b8455e8897c3242a3501e3766f359941ea894122e158a932"* ]]
check fetch_models/list $? "rc $rc: $out"

# port 9 (discard) on localhost: nothing listens, the connection is refused at once
start=$(date +%s)
err=$(REALESRGAN_RELEASES_URL=http://127.0.0.1:9 "$fetch" -q realesr-general-x4v3 2>&1 >/dev/null); rc=$?
took=$(( $(date +%s) - start ))
[ $rc -eq 1 ] && [ $took -lt 20 ] && [[ "$err" == *"cannot download http://127.0.0.1:9/v0.2.5.0/realesr-general-x4v3.pth"* ]] &&
    [[ "$err" == *"On a connected machine"* ]] && [[ "$err" == *"4885111 bytes, sha256 8dc7edb9ac80ccdc30c3a5dca6616509367f05fbc184ad95b731f05bece96292"* ]] &&
    [[ "$err" == *"$HOME/.cache/realesrgan/realesr-general-x4v3.pth"* ]] &&
    [ -z "$(ls -A "$HOME/.cache/realesrgan" 2>/dev/null)" ]
check fetch_models/offline_fails_fast $? "rc $rc after ${took}s, left: $(ls -A "$HOME/.cache/realesrgan" 2>&1), stderr: $err"

err=$("$fetch" nosuchmodel 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"unknown model 'nosuchmodel'; known: RealESRGAN_x4plus"*"realesr-general-wdn-x4v3"* ]]
check fetch_models/unknown_name $? "rc $rc: $err"

"$fetch" --bogus >/dev/null 2>&1
check fetch_models/usage_status_2 $(( $? != 2 )) "status $?"

if ! command -v curl >/dev/null; then
    skip fetch_models/mirror "curl not installed (the file:// mirror needs it)"
elif [ ! -f "$official" ]; then
    skip_data fetch_models/mirror "$official not found"
else
    mkdir -p "$work/mirror/v0.2.5.0" "$work/mirror/v0.1.0"
    cp "$official" "$work/mirror/v0.2.5.0/"
    head -c 4096 /dev/zero > "$work/mirror/v0.1.0/RealESRGAN_x4plus.pth"
    export REALESRGAN_RELEASES_URL=file://$work/mirror

    out=$("$fetch" -q --dir "$work/dest" realesr-animevideov3 2>&1); rc=$?
    [ $rc -eq 0 ] && [ "$out" = "$work/dest/realesr-animevideov3.pth" ] &&
        cmp -s "$official" "$work/dest/realesr-animevideov3.pth" && [ ! -e "$work/dest/realesr-animevideov3.pth.part" ]
    check fetch_models/mirror_download_verified $? "rc $rc: $out"

    err=$("$fetch" -q --dir "$work/dest" RealESRGAN_x4plus 2>&1 >/dev/null); rc=$?
    [ $rc -eq 1 ] && [[ "$err" == *"sha256 "*" is not that of the official RealESRGAN_x4plus.pth (4fa0d38905f75ac06eb49a7951b426670021be3018265fd191d2125df9d682f1)"* ]] &&
        [[ "$err" == *"4096 bytes, expected 67040989"* ]] && [[ "$err" == *"not installed"* ]] &&
        [ ! -e "$work/dest/RealESRGAN_x4plus.pth" ] && [ ! -e "$work/dest/RealESRGAN_x4plus.pth.part" ]
    check fetch_models/mirror_wrong_bytes_refused $? "rc $rc: $err"

    # found in the search path: no download (the mirror has nothing for this name)
    rm -rf "$work/mirror/v0.2.5.0"
    out=$(REALESRGAN_MODEL_PATH=$work/dest "$fetch" -q realesr-animevideov3 2>&1); rc=$?
    [ $rc -eq 0 ] && [ "$out" = "$work/dest/realesr-animevideov3.pth" ]
    check fetch_models/found_not_downloaded $? "rc $rc: $out"
fi
finish
