# The filter against each supported FFmpeg series (patches/ffmpeg-<series>/,
# vf_realesrgan/ffmpeg_compat.h; ./configure --ffmpeg-source picks one for the real build):
#   make check-ffmpeg-versions [FFMPEG_CHECK_SERIES="7.1 8.x"] [FFMPEG_CHECK_RUN=1]
# For each series: its release tarball (tools/fetch-sources ffmpeg-<series>, sha256-pinned),
# patched into build/versions/<series>/src, configured in build/versions/<series>/build with
# only the filter and the few components a smoke run needs (and CUDA when configured, so the
# CUDA engine compiles too), then libavfilter built; the filter must be registered and in
# libavfilter.a. FFMPEG_CHECK_RUN=1 also links that ffmpeg and runs the filter on a tiny
# model (x2 on a 16x12 test pattern). 9.0 is the default build itself (make, make check);
# FFMPEG_CHECK_SERIES="7.1 8.x 9.0" checks it the same way.

FFMPEG_CHECK_SERIES ?= 7.1 8.x
FFMPEG_CHECK_RUN    ?=
VERSIONS_DIR        := build/versions

# the smallest FFmpeg with the filter; lavfi's testsrc2, rawvideo, nut and the null muxer for
# the smoke run, which also needs the ffmpeg program
VERSIONS_RUN_FLAGS := --disable-ffplay --disable-ffprobe --enable-indev=lavfi              \
    --enable-protocol=file,pipe --enable-encoder=rawvideo,wrapped_avframe                 \
    --enable-decoder=rawvideo,wrapped_avframe                                               \
    --enable-muxer=nut,null,rawvideo --enable-demuxer=nut
VERSIONS_FLAGS := --disable-everything --disable-autodetect --disable-doc --enable-pthreads  \
    --disable-x86asm --cc=$(CC) --pkg-config=$(PKG_CONFIG)                                  \
    --enable-filter=realesrgan,testsrc2,format,scale,null                                     \
    $(if $(FFMPEG_CHECK_RUN),$(VERSIONS_RUN_FLAGS),--disable-programs)                       \
    $(if $(filter yes,$(CUDA)),--enable-ffnvcodec --enable-cuda)

# series -> the tools/fetch-sources name of its tarball
versions_source = $(if $(filter 9.0,$(1)),ffmpeg,ffmpeg-$(1))

check-ffmpeg-versions: $(foreach s,$(FFMPEG_CHECK_SERIES),check-ffmpeg-$(s))

# the CUDA engine's fatbin first when CUDA is configured (vf_realesrgan/ffmpeg.mak)
check-ffmpeg-%: $(if $(and $(filter yes,$(CUDA)),$(NVCC)),$(CUDA_FATBIN_C)) $(NVCODEC_PC) | config.mak
	@[ -d patches/ffmpeg-$* ] || { echo "check-ffmpeg-$*: no patches/ffmpeg-$*/ (series: 7.1 8.x 9.0)" >&2; exit 1; }
	@start=$$(date +%s); d=$(VERSIONS_DIR)/$*;                                                 \
	src=$$(tools/fetch-sources $(call versions_source,$*)) || exit 1;                          \
	tools/prepare-ffmpeg-source "$$src" $$d/src $(sort $(wildcard patches/ffmpeg-$*/*.patch)) || exit 1; \
	mkdir -p $$d/build;                                                                        \
	flags="$(strip $(VERSIONS_FLAGS))";                                                        \
	if [ ! -f $$d/build/.resr-configured ] || [ $$d/src/.resr-stamp -nt $$d/build/.resr-configured ] || \
	   [ "$$(cat $$d/build/.resr-configured)" != "$$flags" ]; then                             \
	    echo "check-ffmpeg-$*: configuring FFmpeg $$(cat $$d/src/VERSION) in $$d/build";       \
	    (cd $$d/build && PKG_CONFIG_PATH=$(NVCODEC_PREFIX)/lib/pkgconfig$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH} \
	        $(ROOT)/$$d/src/configure $$flags > configure.log 2>&1) ||                          \
	        { tail -n 20 $$d/build/configure.log; echo "check-ffmpeg-$*: FFmpeg's configure failed" >&2; exit 1; }; \
	    echo "$$flags" > $$d/build/.resr-configured;                                           \
	fi;                                                                                        \
	grep -q '^#define CONFIG_REALESRGAN_FILTER 1' $$d/build/config_components.h ||              \
	    { echo "check-ffmpeg-$*: FFmpeg was configured without the realesrgan filter ($$d/build/ffbuild/config.log)" >&2; exit 1; }; \
	$(MAKE) -C $$d/build $(if $(V),V=$(V)) libavfilter/libavfilter.a $(if $(FFMPEG_CHECK_RUN),ffmpeg) || \
	    { echo "check-ffmpeg-$*: building libavfilter with the filter against FFmpeg $$(cat $$d/src/VERSION) failed" >&2; exit 1; }; \
	nm $$d/build/libavfilter/libavfilter.a 2>/dev/null | grep -q ' [DdRr] ff_vf_realesrgan$$' || \
	    { echo "check-ffmpeg-$*: ff_vf_realesrgan is not in libavfilter.a" >&2; exit 1; };      \
	$(if $(FFMPEG_CHECK_RUN),tests/build/_version_smoke.sh $$d/build/ffmpeg || exit 1;)         \
	echo "check-ffmpeg-$*: FFmpeg $$(cat $$d/src/VERSION): the filter builds$(if $(FFMPEG_CHECK_RUN), and runs) ($$(( $$(date +%s) - start )) s)"

.PHONY: check-ffmpeg-versions
