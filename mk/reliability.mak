# Reliability tests that need more than the generic test rule (tests/RELIABILITY.md).
#
# (mk/asan.mak, included before this file, defines ASAN_CFLAGS.)
# test_soak counts the project's allocations: every malloc-family call of the objects it
# links goes through its own __wrap_ functions.

SOAK_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,--wrap=posix_memalign

build/tests/reliability/test_soak: build/obj/tests/reliability/test_soak.o $(TEST_COMMON) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "LD	$@")
	$(Q)$(CC) $(RESR_CFLAGS) $(SOAK_WRAP) -o $@ $^ $(RESR_LDLIBS)

build/asan/tests/reliability/test_soak: build/asan/obj/tests/reliability/test_soak.o \
        $(TEST_COMMON:build/obj/%=build/asan/obj/%) build/asan/lib/libresr.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ASAN_CFLAGS) $(SOAK_WRAP) -o $@ $^ $(RESR_LDLIBS)
