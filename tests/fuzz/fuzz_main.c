/*
 * libFuzzer entry point of one target, chosen at compile time (mk/fuzz.mak builds
 * build/fuzz/fuzz_<name> with -DRESR_FUZZ_TARGET=resr_fuzz_<name>).
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_targets.h"

#ifndef RESR_FUZZ_TARGET
#error "define RESR_FUZZ_TARGET to one of the functions in fuzz_targets.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RESR_FUZZ_TARGET(data, size);
    return 0;
}
