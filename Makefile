# realesrgan for FFmpeg.   ./configure && make -j2 && make check
#
# Two builds of the same sources:
#  - FFmpeg 9.0.2 with the filter: build/ffmpeg-src is the patched source (the project root
#    is symlinked into it as libavfilter/realesrgan, vf_realesrgan/ffmpeg.mak lists the
#    objects), build/ffmpeg the out-of-tree build; ./ffmpeg and ./ffprobe link to it.
#  - standalone, with our own strict flags: build/lib/libresr.a (the floors below the FFmpeg
#    glue: models/, core/, cpu/ and cuda/'s plain C; doc/architecture.md), build/bin/resr-inspect,
#    and the unit tests build/tests/<area>/test_*.

-include config.mak

ROOT    := $(CURDIR)
FFSRC   := build/ffmpeg-src
FFBUILD := build/ffmpeg
# the patch series for the source's version (configure: FFMPEG_SERIES)
PATCHES := $(sort $(wildcard patches/ffmpeg-$(or $(FFMPEG_SERIES),9.0)/*.patch))

# sub-makes (FFmpeg, nv-codec-headers) do not inherit our command-line variables: a
# `make CFLAGS=...` must not replace FFmpeg's flags. V=1 shows FFmpeg's commands.
MAKEOVERRIDES :=

# short command echo like FFmpeg's; V=1 prints the commands
ifeq ($(V),1)
Q :=
else
Q := @
endif

all: ffmpeg ffprobe lib inspect tests

# --- standalone library, inspector and unit tests --------------------------------------------

# the feature macros FFmpeg's configure defines on glibc, so that code compiling here also
# compiles inside FFmpeg (e.g. MAP_ANONYMOUS needs more than _XOPEN_SOURCE=600)
RESR_CPPFLAGS := -I. -D_ISOC11_SOURCE -D_FILE_OFFSET_BITS=64 -D_LARGEFILE_SOURCE \
                 -D_POSIX_C_SOURCE=200112 -D_XOPEN_SOURCE=600
# plus the warnings FFmpeg's build enables, as errors here: code must be warning-free there
# (where missing prototypes and VLAs are errors)
RESR_CFLAGS   := -std=c11 -O2 -Wall -Wextra -Werror -pthread                                  \
                 -Wvla -Wmissing-prototypes -Wstrict-prototypes -Wundef -Wwrite-strings     \
                 -Wpointer-arith -Wredundant-decls -Wstack-usage=122880 -Wimplicit-fallthrough=5
RESR_LDLIBS   := -lm
# oneDNN (issue 16): ./configure writes build/onednn.mak (empty when absent or disabled)
-include build/onednn.mak
RESR_CPPFLAGS += $(RESR_ONEDNN_CFLAGS)
RESR_LDLIBS   += $(RESR_ONEDNN_LIBS)

# everything but FFmpeg's side (the glue in vf_realesrgan/, cuda/cuda_engine.c) and the CLI
LIB_SRCS    := $(filter-out cuda/cuda_engine.c models/resr_inspect.c, \
                   $(wildcard models/*.c core/*.c cpu/*.c cuda/*.c degrade/*.c))
LIB_OBJS    := $(LIB_SRCS:%.c=build/obj/%.o)
LIB         := build/lib/libresr.a
INSPECT     := build/bin/resr-inspect
TEST_SRCS   := $(wildcard tests/*/test_*.c)
# shared by the tests: helpers, and the reference forward (tests/reference/, never in libresr.a)
TEST_COMMON := $(patsubst %.c,build/obj/%.o,$(wildcard tests/common/*.c tests/reference/*.c))
TEST_OBJS   := $(TEST_SRCS:%.c=build/obj/%.o)
TEST_BINS   := $(TEST_SRCS:tests/%.c=build/tests/%)

lib: $(LIB)
inspect: $(if $(wildcard models/resr_inspect.c),$(INSPECT))
# the objects named here are not intermediate files: make keeps them, and rebuilds them
tests: $(TEST_BINS) $(TEST_OBJS) $(TEST_COMMON)

build/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "CC	$<")
	$(Q)$(CC) $(RESR_CPPFLAGS) $(RESR_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "AR	$@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(INSPECT): build/obj/models/resr_inspect.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "LD	$@")
	$(Q)$(CC) $(RESR_CFLAGS) -o $@ $^ $(RESR_LDLIBS)

build/tests/%: build/obj/tests/%.o $(TEST_COMMON) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "LD	$@")
	$(Q)$(CC) $(RESR_CFLAGS) -o $@ $^ $(RESR_LDLIBS)

# Private nv-codec-headers when the system's are missing or older than 12.1 (before the
# feature makefiles: mk/glue.mak's fake driver needs them too).
ifneq ($(NVCODEC_TARBALL),)
NVCODEC_PREFIX := $(ROOT)/build/nv-codec-headers
NVCODEC_PC     := build/nv-codec-headers/lib/pkgconfig/ffnvcodec.pc
$(NVCODEC_PC): $(NVCODEC_TARBALL)
	rm -rf build/nv-codec-headers.src build/nv-codec-headers
	mkdir -p build/nv-codec-headers.src
	tools/xzcat $(NVCODEC_TARBALL) | tar -x -C build/nv-codec-headers.src --strip-components=1
	$(MAKE) -C build/nv-codec-headers.src install PREFIX=$(NVCODEC_PREFIX)
	rm -rf build/nv-codec-headers.src
endif

# CUDA kernels: build/cuda/resr_kernels_fatbin.c from cuda/*.cu with $(NVCC) (config.mak)
-include cuda/cuda.mak

# Feature areas (benchmarks, fuzzing, sanitizers, model zoo, demo) add their targets here.
-include $(sort $(wildcard mk/*.mak))

-include $(wildcard $(LIB_OBJS:.o=.d) $(TEST_COMMON:.o=.d) $(TEST_OBJS:.o=.d) build/obj/models/resr_inspect.d)

# --- FFmpeg with the filter ----------------------------------------------------------------

# A plain `make` or `make check` in a fresh checkout configures with the defaults first
# (GNU make remakes an included makefile, then restarts with it). Not for `make demo` and
# `make models`: the demo installs the dependencies, then configures itself.
ifeq ($(filter demo models,$(MAKECMDGOALS)),)
config.mak:
	@echo "config.mak is missing: running ./configure with its defaults (./configure --help)"
	./configure
endif

# Extracted once; re-patched when patches/ change. The script touches the stamp only when it
# changed the tree, so FFmpeg re-configures only then.
$(FFSRC)/.resr-stamp: FORCE | config.mak
	tools/prepare-ffmpeg-source $(FFMPEG_SOURCE) $(FFSRC) $(PATCHES)

# FFmpeg re-configures when its flags change, not on every change of config.mak: a new
# FFMPEG_CONFIGURATION string in config.h means rebuilding all of FFmpeg.
FFMPEG_FLAGS_FILE := build/ffmpeg.flags
ifneq ($(FFMPEG_CONFIGURE_FLAGS),)
ifneq ($(file < $(FFMPEG_FLAGS_FILE)),$(FFMPEG_CONFIGURE_FLAGS))
$(shell mkdir -p build)
$(file > $(FFMPEG_FLAGS_FILE),$(FFMPEG_CONFIGURE_FLAGS))
endif
endif

# What configure decided must be in the build; FFmpeg drops an unbuildable component silently.
FFMPEG_EXPECT := REALESRGAN_FILTER                                                          \
    $(if $(filter yes,$(CUDA)),HWUPLOAD_CUDA_FILTER H264_NVENC_ENCODER HEVC_CUVID_DECODER)  \
    $(if $(filter llvm nvcc,$(FFMPEG_CUDA_COMPILER)),SCALE_CUDA_FILTER BWDIF_CUDA_FILTER)   \
    $(if $(filter yes,$(HAVE_X264)),LIBX264_ENCODER)                                        \
    $(if $(filter yes,$(HAVE_ZLIB)),PNG_DECODER PNG_ENCODER)                              \
    $(FFMPEG_EXPECT_CONFIG)
# issue 14: the degradation filter and what its JPEG stage and tools/restoration-eval use
FFMPEG_EXPECT += REALESRGAN_DEGRADE_FILTER MJPEG_ENCODER MJPEG_DECODER HSTACK_FILTER VSTACK_FILTER

# New flags over an old build: its objects go first. FFmpeg's assembly objects do not depend
# on config.asm, so ./configure --minimal, make, ./configure, make linked x86 objects built
# without the decoders the full build enables (undefined ff_rv40_*_ssse3).
$(FFBUILD)/.resr-configured: $(FFSRC)/.resr-stamp $(FFMPEG_FLAGS_FILE) $(NVCODEC_PC)
	@mkdir -p $(FFBUILD)
	@if [ -f $@ ] && [ -f $(FFBUILD)/ffbuild/config.mak ] && [ $(FFMPEG_FLAGS_FILE) -nt $@ ]; then \
	    echo "FFmpeg's configure flags changed: removing its old objects"; \
	    $(MAKE) -C $(FFBUILD) clean > /dev/null; fi
	@echo "configuring FFmpeg in $(FFBUILD) (log: $(FFBUILD)/configure.log)"
	@cd $(FFBUILD) && PKG_CONFIG_PATH=$(NVCODEC_PREFIX)/lib/pkgconfig$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH} \
	    $(ROOT)/$(FFSRC)/configure $(FFMPEG_CONFIGURE_FLAGS) > configure.log 2>&1 || {      \
	    tail -n 20 configure.log;                                                            \
	    echo "FFmpeg's configure failed: see $(FFBUILD)/configure.log, $(FFBUILD)/ffbuild/config.log" >&2; \
	    exit 1; }
	@for c in $(FFMPEG_EXPECT); do                                                            \
	    grep -q "^#define CONFIG_$$c 1" $(FFBUILD)/config_components.h $(FFBUILD)/config.h || { \
	        echo "FFmpeg was configured without $$c: see $(FFBUILD)/ffbuild/config.log" >&2;   \
	        exit 1; };                                                                       \
	done
	@touch $@

# With CUDA and nvcc, the filter gets the CUDA engine: the fatbin comes first, and its C
# file's presence tells vf_realesrgan/ffmpeg.mak to build the engine into libavfilter.
RESR_CUDA_ENGINE := $(if $(and $(filter yes,$(CUDA)),$(NVCC),$(CUDA_FATBIN_C)),yes,no)
ifeq ($(RESR_CUDA_ENGINE),yes)
ffmpeg-build: $(CUDA_FATBIN_C)
else
ffmpeg-build: no-cuda-fatbin
endif

# a fatbin left from an earlier configuration with CUDA must not reach FFmpeg's build
no-cuda-fatbin:
	@rm -f $(CUDA_FATBIN_C)

ffmpeg-build: $(FFBUILD)/.resr-configured
	+$(MAKE) -C $(FFBUILD) $(if $(V),V=$(V)) ffmpeg ffprobe

ffmpeg ffprobe: ffmpeg-build
	@ln -sfn $(FFBUILD)/$@ $@

# --- tests, install, clean ---------------------------------------------------------------------

check: all
	tests/run-tests

# make install, make uninstall: mk/install.mak

# the standalone build only; `make ffmpeg-clean` for FFmpeg's objects
clean:
	rm -rf build/obj build/lib build/bin build/tests

ffmpeg-clean:
	if [ -d $(FFBUILD) ]; then $(MAKE) -C $(FFBUILD) clean; fi
	rm -f $(FFBUILD)/.resr-configured

# everything but third_party/ (the downloaded tarballs)
distclean:
	rm -rf build config.mak ffmpeg ffprobe

help:
	@echo "targets: all (default): ffmpeg ffprobe lib inspect tests"
	@echo "         check: build all, run tests/run-tests"
	@echo "         lib, inspect, tests: standalone build only (no FFmpeg)"
	@echo "         check-ffmpeg-versions [FFMPEG_CHECK_RUN=1]: the filter against FFmpeg 7.1, 8.x (mk/versions.mak)"
	@echo "         install [PREFIX=...] [INSTALL_MODELS=...], uninstall, clean, ffmpeg-clean, distclean"

.PHONY: all lib inspect tests no-cuda-fatbin ffmpeg-build ffmpeg ffprobe check clean ffmpeg-clean \
        distclean help FORCE
.DELETE_ON_ERROR:
