# AddressSanitizer + UndefinedBehaviorSanitizer builds, and valgrind memcheck on the CPU path.
#
#   make check-asan        the project's library, inspector and unit tests built with
#                          -fsanitize=address,undefined in build/asan/, plus ffmpeg with the
#                          filter sanitized (ASAN_FFMPEG below); runs every unit test and every
#                          end-to-end script against them. Any sanitizer report fails.
#   make check-asan-unit   the unit tests only (no FFmpeg)
#   make check-valgrind    valgrind memcheck on the loader test and the CPU filter in ./ffmpeg

ASAN_DIR     := build/asan
ASAN_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# our warnings, not as errors (instrumentation changes what -Wstack-usage sees)
ASAN_CFLAGS  := $(filter-out -Werror -Wstack-usage=%,$(RESR_CFLAGS)) -g $(ASAN_SAN)
ASAN_LIB     := $(ASAN_DIR)/lib/libresr.a
ASAN_LIBOBJS := $(LIB_SRCS:%.c=$(ASAN_DIR)/obj/%.o)
ASAN_COMMON  := $(TEST_COMMON:build/obj/%=$(ASAN_DIR)/obj/%)
ASAN_TESTS   := $(TEST_SRCS:tests/%.c=$(ASAN_DIR)/tests/%)
ASAN_INSPECT := $(ASAN_DIR)/bin/resr-inspect

$(ASAN_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "ASANCC	$<")
	$(Q)$(CC) $(RESR_CPPFLAGS) $(ASAN_CFLAGS) -MMD -MP -c -o $@ $<

$(ASAN_LIB): $(ASAN_LIBOBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(ASAN_INSPECT): $(ASAN_DIR)/obj/models/resr_inspect.o $(ASAN_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ASAN_CFLAGS) -o $@ $^ $(RESR_LDLIBS)

$(ASAN_DIR)/tests/%: $(ASAN_DIR)/obj/tests/%.o $(ASAN_COMMON) $(ASAN_LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "ASANLD	$@")
	$(Q)$(CC) $(ASAN_CFLAGS) -o $@ $^ $(RESR_LDLIBS)

# (as in mk/fuzz.mak: the replay test also needs the fuzz targets' bodies)
$(ASAN_DIR)/tests/fuzz/test_fuzz_replay: $(ASAN_DIR)/obj/tests/fuzz/test_fuzz_replay.o \
        $(ASAN_DIR)/obj/tests/fuzz/fuzz_targets.o $(ASAN_COMMON) $(ASAN_LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ASAN_CFLAGS) -o $@ $^ $(RESR_LDLIBS)

asan-unit-build: $(ASAN_TESTS) $(ASAN_INSPECT) $(ASAN_LIBOBJS) $(ASAN_COMMON) \
                 $(TEST_SRCS:%.c=$(ASAN_DIR)/obj/%.o) $(ASAN_DIR)/obj/tests/fuzz/fuzz_targets.o

# --- FFmpeg + filter, sanitized ---------------------------------------------------------------

# Two ways, ASAN_FFMPEG=filter (default) or full:
#  filter: a copy of the normal build (build/ffmpeg) in build/asan/ffmpeg-filter whose
#          project objects (libavfilter/realesrgan/: the glue, loader, engines) are rebuilt
#          with ASan + UBSan and linked with the sanitizer runtimes. FFmpeg's own code is
#          not instrumented, but every allocation goes through ASan's allocator and
#          LeakSanitizer sees the whole process. ~2 minutes: what CI runs.
#  full:   FFmpeg configured anew in build/asan/ffmpeg with --toolchain=gcc-asan-usan, every
#          object instrumented (CUDA left out: nothing of it runs here). A second whole
#          FFmpeg build, slower than the normal one: before a release.
ASAN_FFMPEG ?= filter
ASAN_FF_FILTER := $(ASAN_DIR)/ffmpeg-filter
ASAN_FF_FULL   := $(ASAN_DIR)/ffmpeg
ASAN_FFBUILD   := $(if $(filter full,$(ASAN_FFMPEG)),$(ASAN_FF_FULL),$(ASAN_FF_FILTER))

# A new snapshot whenever the normal build's ffmpeg is newer than the last one.
asan-ffmpeg-filter: ffmpeg ffprobe
	@if [ ! -f $(ASAN_FF_FILTER)/.resr-snapshot ] || [ $(FFBUILD)/ffmpeg -nt $(ASAN_FF_FILTER)/.resr-snapshot ]; then \
	    echo "copying $(FFBUILD) to $(ASAN_FF_FILTER)";                                       \
	    rm -rf $(ASAN_FF_FILTER) && mkdir -p $(ASAN_DIR) && cp -a $(FFBUILD) $(ASAN_FF_FILTER) && \
	    find $(ASAN_FF_FILTER)/libavfilter/realesrgan -name '*.o' -delete &&                  \
	    rm -f $(ASAN_FF_FILTER)/ffmpeg $(ASAN_FF_FILTER)/ffmpeg_g $(ASAN_FF_FILTER)/ffprobe    \
	        $(ASAN_FF_FILTER)/ffprobe_g && touch $(ASAN_FF_FILTER)/.resr-snapshot;             \
	fi
	+$(MAKE) -C $(ASAN_FF_FILTER) $(if $(V),V=$(V)) ffmpeg ffprobe ECFLAGS="-g $(ASAN_SAN)" \
	    LDEXEFLAGS="-fsanitize=address,undefined"

# The normal configuration without CUDA, with gcc's ASan + UBSan toolchain. (The full
# build autodetects: the NVIDIA parts are switched off, not only left out.)
ASAN_FFMPEG_FLAGS := $(filter-out --enable-ffnvcodec --enable-cuda --enable-cuvid --enable-nvdec \
                        --enable-nvenc --enable-cuda-llvm --enable-cuda-nvcc --nvcc=%,            \
                        $(FFMPEG_CONFIGURE_FLAGS)) --toolchain=gcc-asan-usan --disable-stripping \
                     $(if $(filter yes,$(FFMPEG_MINIMAL)),,--disable-ffnvcodec --disable-cuda-llvm \
                        --disable-cuvid --disable-nvdec --disable-nvenc)

# (build/ffmpeg.flags: the Makefile rewrites it when FFmpeg's flags change)
$(ASAN_FF_FULL)/.resr-configured: $(FFSRC)/.resr-stamp build/ffmpeg.flags
	@mkdir -p $(ASAN_FF_FULL)
	@if [ -f $@ ] && [ -f $(ASAN_FF_FULL)/ffbuild/config.mak ] && [ build/ffmpeg.flags -nt $@ ]; then \
	    echo "FFmpeg's configure flags changed: removing the sanitized build's old objects"; \
	    $(MAKE) -C $(ASAN_FF_FULL) clean > /dev/null; fi
	@echo "configuring the sanitized FFmpeg in $(ASAN_FF_FULL) (log: $(ASAN_FF_FULL)/configure.log)"
	@cd $(ASAN_FF_FULL) && $(ROOT)/$(FFSRC)/configure $(ASAN_FFMPEG_FLAGS) > configure.log 2>&1 || { \
	    tail -n 20 configure.log; echo "sanitized FFmpeg: configure failed" >&2; exit 1; }
	@grep -q '^#define CONFIG_REALESRGAN_FILTER 1' $(ASAN_FF_FULL)/config_components.h || { \
	    echo "sanitized FFmpeg was configured without the realesrgan filter" >&2; exit 1; }
	@touch $@

asan-ffmpeg-full: $(ASAN_FF_FULL)/.resr-configured
	+$(MAKE) -C $(ASAN_FF_FULL) $(if $(V),V=$(V)) ffmpeg ffprobe

asan-ffmpeg: asan-ffmpeg-$(if $(filter full,$(ASAN_FFMPEG)),full,filter)

# --- running ----------------------------------------------------------------------------------

ASAN_RUN   := tests/reliability/run-sanitized
# (every tests/*/*.sh but helpers named _*.sh, and tests/common, tests/reference: as tests/run-tests)
ASAN_E2E   := $(foreach t,$(filter-out tests/common/% tests/reference/%,$(wildcard tests/*/*.sh)), \
                  $(if $(filter _%,$(notdir $(t))),,$(t)))
ASAN_ENV   := -e FFMPEG=$(ROOT)/$(ASAN_FFBUILD)/ffmpeg -e FFPROBE=$(ROOT)/$(ASAN_FFBUILD)/ffprobe \
              -e RESR_INSPECT=$(ROOT)/$(ASAN_INSPECT) -e RESR_SANITIZED=1

check-asan-unit: asan-unit-build
	$(ASAN_RUN) $(ASAN_ENV) $(ASAN_TESTS)

check-asan: asan-unit-build asan-ffmpeg
	$(ASAN_RUN) $(ASAN_ENV) $(ASAN_TESTS) $(ASAN_E2E)

# valgrind: the loader's whole test (hostile files included) and two small frames through
# the CPU filter of the normal ./ffmpeg (optimised code, as shipped)
VALGRIND := valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
            --show-leak-kinds=definite --track-origins=yes --quiet

check-valgrind: all
	@mkdir -p $(ASAN_DIR)
	@command -v valgrind >/dev/null || { echo "check-valgrind: valgrind not installed" >&2; exit 1; }
	$(VALGRIND) build/tests/models/test_loader > $(ASAN_DIR)/valgrind-loader.log 2>&1 || \
	    { tail -n 40 $(ASAN_DIR)/valgrind-loader.log; exit 1; }
	@grep -c '^PASS' $(ASAN_DIR)/valgrind-loader.log | sed 's/^/valgrind test_loader: PASS lines: /'
	$(VALGRIND) ./ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=s=24x18:d=0.08:r=25 \
	    -vf realesrgan=model=$(or $(RESR_SHARED),../shared)/models/realesr-animevideov3.pth \
	    -f framemd5 - > $(ASAN_DIR)/valgrind-ffmpeg.log 2>&1 || \
	    { tail -n 40 $(ASAN_DIR)/valgrind-ffmpeg.log; exit 1; }
	@echo "valgrind ffmpeg realesrgan (2 frames 24x18 -> 96x72): clean"

-include $(wildcard $(ASAN_LIBOBJS:.o=.d) $(ASAN_COMMON:.o=.d) $(TEST_SRCS:%.c=$(ASAN_DIR)/obj/%.d) \
                   $(ASAN_DIR)/obj/tests/fuzz/fuzz_targets.d $(ASAN_DIR)/obj/models/resr_inspect.d)

.PHONY: check-asan check-asan-unit asan-unit-build asan-ffmpeg asan-ffmpeg-filter asan-ffmpeg-full \
        check-valgrind
