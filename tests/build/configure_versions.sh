#!/usr/bin/env bash
# ./configure --ffmpeg-source: the FFmpeg version is recognised (VERSION file, else
# libavfilter's version), the matching patch series chosen (config.mak's FFMPEG_SERIES,
# which the Makefile applies), and an unsupported version or a patched tree refused with a
# message naming the supported series. Runs configure in a scratch copy of the project
# (configure, tools/, patches/) on small fake trees, and on the release tarballs of
# third_party/ when they are there.
set -uo pipefail
. tests/common/test_lib.sh

root=$(pwd)
tmp=${TMPDIR:-/tmp}
proj=$tmp/proj
mkdir -p "$proj"
cp -r configure tools patches "$proj/"

# fake_tree DIR [VERSION [LAVFI_MAJOR LAVFI_MINOR]]: just enough of an FFmpeg tree
fake_tree() {
    mkdir -p "$1/libavfilter"
    : > "$1/configure"
    echo 'extern const FFFilter ff_vf_null;' > "$1/libavfilter/allfilters.c"
    [ -z "${2:-}" ] || echo "$2" > "$1/VERSION"
    [ -z "${3:-}" ] || printf '#define LIBAVFILTER_VERSION_MAJOR  %s\n#define LIBAVFILTER_VERSION_MINOR  %s\n' \
                              "$3" "$4" > "$1/libavfilter/version_major.h"
}

# configure_with SOURCE: run configure on it; $log holds its output, $series config.mak's
configure_with() {
    rm -f "$proj/config.mak"
    (cd "$proj" && ./configure --minimal --disable-cuda --ffmpeg-source="$1") > "$tmp/log" 2>&1
    status=$?
    series=$(sed -n 's/^FFMPEG_SERIES = //p' "$proj/config.mak" 2>/dev/null)
}

# accepted NAME SOURCE SERIES
accepted() {
    configure_with "$2"
    [ $status -eq 0 ] && [ "$series" = "$3" ] && ls "$proj/patches/ffmpeg-$series/"*.patch >/dev/null 2>&1
    check "$1" $? "status $status, FFMPEG_SERIES '$series', expected $3: $(grep -m1 error "$tmp/log")"
}

# refused NAME SOURCE REGEX: nonzero, no config.mak, the message matching REGEX
refused() {
    configure_with "$2"
    if [ $status -ne 0 ] && [ ! -f "$proj/config.mak" ] && grep -qE "$3" "$tmp/log"; then
        echo "# $1: $(grep -m1 error "$tmp/log")"
        pass "$1"
    else
        fail "$1" "status $status, config.mak $([ -f "$proj/config.mak" ] && echo written || echo absent): $(tail -n 2 "$tmp/log")"
    fi
}

supported='supported.*7\.1, 8\.x, 9\.0|7\.1, 8\.x, 9\.0'
# a new fake tree each (called in $(...): a fresh directory, not a counter)
tree() { local d; d=$(mktemp -d "$tmp/tree.XXXXXX"); fake_tree "$d" "$@"; echo "$d"; }

accepted version-7.1 "$(tree 7.1.5)" 7.1
accepted version-8.0 "$(tree 8.0.1)" 8.x
accepted version-8.1 "$(tree 8.1.2)" 8.x
accepted version-9.0 "$(tree 9.0.2)" 9.0
# a git checkout: no VERSION, libavfilter's version decides
accepted git-tree-lavfi-11 "$(tree '' 11 3)" 8.x
accepted git-tree-lavfi-10.4 "$(tree '' 10 4)" 7.1
refused unsupported-6.1 "$(tree 6.1.2)" "FFmpeg 6\.1\.2 .*not supported.*($supported)"
refused unsupported-7.0 "$(tree 7.0.2)" "FFmpeg 7\.0\.2 .*not supported.*($supported)"
refused unsupported-9.1 "$(tree 9.1)" "FFmpeg 9\.1 .*not supported.*($supported)"
refused git-tree-lavfi-10.1 "$(tree '' 10 1)" "7\.0 \(libavfilter 10\.1\).*not supported.*($supported)"
refused git-tree-lavfi-13 "$(tree '' 13 0)" "libavfilter 13\.0.*not supported.*($supported)"

t=$(tree 9.0.2)
echo 'extern const FFFilter ff_vf_realesrgan;' >> "$t/libavfilter/allfilters.c"
refused already-patched "$t" "already registers realesrgan"
refused not-a-tree "$tmp" "not an FFmpeg source tree"

# a tarball: its version read from inside; a 7.1.5 that is not the release tarball is used
# with a warning naming the pinned checksum
t=$(tree 7.1.5)
mkdir -p "$tmp/tar" && cp -r "$t" "$tmp/tar/ffmpeg-7.1.5"
tar -C "$tmp/tar" -cJf "$tmp/fake-7.1.5.tar.xz" ffmpeg-7.1.5
configure_with "$tmp/fake-7.1.5.tar.xz"
[ $status -eq 0 ] && [ "$series" = 7.1 ] && grep -q "is not FFmpeg 7.1.5's release tarball" "$tmp/log"
check tarball-version-and-checksum $? "status $status, series '$series': $(grep -m1 -E 'error|warning' "$tmp/log")"
echo junk | xz > "$tmp/junk.tar.xz"
refused not-a-tarball "$tmp/junk.tar.xz" "not an FFmpeg source tarball"

# the real release tarballs, where fetched (tools/fetch-sources ffmpeg-7.1 ffmpeg-8.x)
for v in 7.1.5:7.1 8.1.2:8.x 9.0.2:9.0; do
    tarball=$root/third_party/ffmpeg_${v%%:*}.orig.tar.xz
    if [ ! -f "$tarball" ]; then
        skip "release-${v%%:*}" "$tarball not fetched (tools/fetch-sources)"
        continue
    fi
    configure_with "$tarball"
    [ $status -eq 0 ] && [ "$series" = "${v##*:}" ] && ! grep -q "release tarball" "$tmp/log"
    check "release-${v%%:*}" $? "status $status, series '$series': $(grep -m1 -E 'error|warning: .*tarball' "$tmp/log")"
done

finish
