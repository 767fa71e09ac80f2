# Fuzzing the weights loader with libFuzzer (clang, ASan + UBSan): tests/fuzz/.
#
#   make fuzz [FUZZ_TIME=600]   every target FUZZ_TIME seconds, one after the other
#   make fuzz-ci                every target 25 s (CI: under 2 minutes in all)
#   make fuzz-build             build/fuzz/fuzz_{pth,pickle,safetensors,inflate} and seeds
#   make fuzz-merge             minimise build/fuzz/corpus/<t> into tests/fuzz/corpus/<t>
#
# A finding lands in build/fuzz/artifacts/<target>/; reproduce it with
# `build/fuzz/fuzz_<target> FILE`, fix it, and keep it in tests/fuzz/regressions/<target>/
# (make check replays that folder through build/tests/fuzz/test_fuzz_replay).

FUZZ_CC      ?= clang
FUZZ_TIME    ?= 600
FUZZ_TARGETS := pth pickle safetensors inflate
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -g -O1 -fno-omit-frame-pointer -Wall -pthread $(FUZZ_SAN)
FUZZ_COV     := -fsanitize=fuzzer-no-link -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt
FUZZ_SRCS    := $(filter-out models/resr_inspect.c,$(wildcard models/*.c)) tests/fuzz/fuzz_targets.c
FUZZ_OBJS    := $(FUZZ_SRCS:%.c=build/fuzz/obj/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/obj/%.o: %.c tests/fuzz/coverage-ignore.txt
	@mkdir -p $(@D)
	@$(if $(Q),echo "FUZZCC	$<")
	$(Q)$(FUZZ_CC) $(RESR_CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_COV) -MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_main.c $(FUZZ_OBJS)
	@$(if $(Q),echo "FUZZLD	$@")
	$(Q)$(FUZZ_CC) $(RESR_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DRESR_FUZZ_TARGET=resr_fuzz_$* \
	    -o $@ $^ $(RESR_LDLIBS) || { echo "fuzz: $(FUZZ_CC) cannot link libFuzzer: install" \
	    "libclang-rt-dev (tools/install-deps)" >&2; exit 1; }

# real and generated checkpoints; rebuilt when the fixtures change
build/fuzz/seeds/.stamp: tests/fuzz/make_seeds.py $(wildcard tests/models/data/* tests/fixtures/*)
	@rm -rf build/fuzz/seeds
	python3 tests/fuzz/make_seeds.py build/fuzz/seeds
	@touch $@

# (the objects named here are kept, not removed as intermediate files)
fuzz-build: $(FUZZ_BINS) $(FUZZ_OBJS) build/fuzz/seeds/.stamp

fuzz: fuzz-build
	tests/fuzz/run-fuzz $(FUZZ_TIME)

fuzz-ci: fuzz-build
	tests/fuzz/run-fuzz 25

# Keeps what a long run found, minimised (libFuzzer's -merge keeps the inputs that add
# coverage), as the corpus in git; inputs are capped so the corpus stays small.
fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do                                                           \
	    mkdir -p tests/fuzz/corpus/$$t build/fuzz/corpus/$$t &&                              \
	    build/fuzz/fuzz_$$t -merge=1 -max_len=16384 tests/fuzz/corpus/$$t build/fuzz/corpus/$$t \
	        build/fuzz/seeds/$$t 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files' ;            \
	done

# the replay test runs the target bodies without libFuzzer (the library last, for the linker)
build/tests/fuzz/test_fuzz_replay: build/obj/tests/fuzz/test_fuzz_replay.o \
                                   build/obj/tests/fuzz/fuzz_targets.o $(TEST_COMMON) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "LD	$@")
	$(Q)$(CC) $(RESR_CFLAGS) -o $@ $^ $(RESR_LDLIBS)

-include $(wildcard $(FUZZ_OBJS:.o=.d) build/obj/tests/fuzz/fuzz_targets.d)

.PHONY: fuzz fuzz-ci fuzz-build fuzz-merge
