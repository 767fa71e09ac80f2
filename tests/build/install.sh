#!/usr/bin/env bash
# make install / make uninstall (mk/install.mak, tools/install-tree) into temporary
# prefixes: the programs, the manual page, the model directory; the installed ffmpeg finds a
# model installed there by name (and a copy of it elsewhere does not); uninstall removes
# exactly what was installed and keeps what was there before or was added since.
set -uo pipefail
. tests/common/test_lib.sh

root=$(pwd)
if [ "$(readlink -f "${FFMPEG:-}")" != "$(readlink -f "$root/ffmpeg")" ] || [ ! -f config.mak ]; then
    skip install "FFMPEG is not this checkout's ./ffmpeg (or no config.mak): make install installs that one"
    finish
fi
unset MAKEFLAGS MFLAGS MAKELEVEL
tmp=${TMPDIR:-/tmp}
model=tests/fixtures/srvgg_x2_f16.pth

# every path under DIR, relative, sorted
tree() { (cd "$1" && find . -mindepth 1 | sort); }

# --- 1. a fresh prefix: install, use, uninstall, nothing left ------------------------------------
prefix=$tmp/prefix
make -s install PREFIX="$prefix" INSTALL_MODELS="$model" > "$tmp/install.log" 2>&1
check install-runs $? "make install failed: $(tail -n 5 "$tmp/install.log")"

missing=
for f in bin/ffmpeg bin/ffprobe bin/resr-inspect share/man/man1/ffmpeg-realesrgan.1 \
         share/doc/realesrgan/realesrgan.texi share/realesrgan/models/srvgg_x2_f16.pth \
         share/realesrgan/install-manifest; do
    [ -f "$prefix/$f" ] || missing="$missing $f"
done
check install-files $([ -z "$missing" ]; echo $?) "not installed:$missing"
[ -x "$prefix/bin/ffmpeg" ] && [ -x "$prefix/bin/ffprobe" ]
check install-executable $? "bin/ffmpeg or bin/ffprobe not executable"

# the manual page: a man(7) page with the filter's options in it
man_page=$prefix/share/man/man1/ffmpeg-realesrgan.1
grep -q '^\.TH "\{0,1\}FFMPEG-REALESRGAN' "$man_page" && grep -q '^\.SH "\{0,1\}FILTER' "$man_page" &&
    grep -q 'outscale' "$man_page" && grep -q 'REALESRGAN_MODEL_PATH' "$man_page"
check install-man-page $? "$man_page lacks its title, FILTER section or the options"

# the installed ffmpeg, from a directory without ./models, with an empty model cache and no
# REALESRGAN_MODEL_PATH: the model can only come from PREFIX/share/realesrgan/models
mkdir -p "$tmp/cwd" "$tmp/home" "$tmp/cache"
run_installed() {
    (cd "$tmp/cwd" && env -u REALESRGAN_MODEL_PATH HOME="$tmp/home" XDG_CACHE_HOME="$tmp/cache" \
        "$1" -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=s=16x12:d=0.08:r=25 \
        -vf realesrgan=model=srvgg_x2_f16 -f nut -c:v rawvideo -y "$2")
}
run_installed "$prefix/bin/ffmpeg" "$tmp/out.nut" > "$tmp/run.log" 2>&1
status=$?
size=$("$prefix/bin/ffprobe" -v error -select_streams v:0 -show_entries stream=width,height \
           -of csv=p=0 "$tmp/out.nut" 2>/dev/null)
frames=$("$prefix/bin/ffprobe" -v error -count_frames -select_streams v:0 \
           -show_entries stream=nb_read_frames -of csv=p=0 "$tmp/out.nut" 2>/dev/null)
[ $status -eq 0 ] && [ "$size" = "32,24" ] && [ "${frames:-0}" -eq 2 ] 2>/dev/null
check installed-ffmpeg-finds-model $? "status $status, size '$size', frames '$frames': $(head -c 300 "$tmp/run.log")"

# control: the same binary outside the prefix does not find the model by that name
mkdir -p "$tmp/elsewhere/bin"
cp "$prefix/bin/ffmpeg" "$tmp/elsewhere/bin/ffmpeg"
run_installed "$tmp/elsewhere/bin/ffmpeg" "$tmp/out2.nut" > "$tmp/run2.log" 2>&1
status=$?
[ $status -ne 0 ] && grep -qi 'srvgg_x2_f16' "$tmp/run2.log"
check model-lookup-control $? "an ffmpeg outside the prefix ran with model=srvgg_x2_f16 (status $status)"

make -s uninstall PREFIX="$prefix" > "$tmp/uninstall.log" 2>&1
check uninstall-runs $? "make uninstall failed: $(tail -n 5 "$tmp/uninstall.log")"
left=$(tree "$prefix")
check uninstall-leaves-nothing $([ -z "$left" ]; echo $?) "left behind: $(echo $left)"

# --- 2. a prefix in use: what was there before, or was added since, stays -----------------------
prefix=$tmp/used
mkdir -p "$prefix/bin" "$prefix/share/man/man1"
echo other > "$prefix/bin/other-tool"
echo page > "$prefix/share/man/man1/other.1"
before=$(tree "$prefix")
make -s install PREFIX="$prefix" > "$tmp/install2.log" 2>&1
check install-into-used-prefix $? "make install failed: $(tail -n 5 "$tmp/install2.log")"
cp "$model" "$prefix/share/realesrgan/models/mine.pth"
make -s uninstall PREFIX="$prefix" > "$tmp/uninstall2.log" 2>&1
status=$?
left=$(tree "$prefix")
expected=$(printf '%s\n' "$before" ./share/realesrgan ./share/realesrgan/models \
               ./share/realesrgan/models/mine.pth | sort)
[ $status -eq 0 ] && [ "$left" = "$expected" ] && grep -q 'kept .*share/realesrgan/models' "$tmp/uninstall2.log"
check uninstall-keeps-others $? "status $status; left: $(echo $left); expected: $(echo $expected)"

# --- 3. nothing installed: a clear error ---------------------------------------------------------
make -s uninstall PREFIX="$tmp/empty" > "$tmp/uninstall3.log" 2>&1
status=$?
[ $status -ne 0 ] && grep -q 'nothing installed' "$tmp/uninstall3.log"
check uninstall-nothing-installed $? "status $status: $(head -c 200 "$tmp/uninstall3.log")"

finish
