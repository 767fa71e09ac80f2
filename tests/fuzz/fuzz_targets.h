/*
 * The loader's fuzz targets. Each takes arbitrary bytes, feeds them to one reader and
 * abort()s when the loader breaks its contract, so that libFuzzer (fuzz_main.c) reports it
 * like a crash: a refusal must return -EINVAL, -EFBIG or -ENOMEM with a message that names
 * the file and the problem; a model that loads must be consistent (every convolution's
 * weights inside the arena, all of them finite). Memory errors are the sanitizers' part.
 *
 * The same functions replay the kept corpus and regression inputs in make check
 * (test_fuzz_replay.c), without libFuzzer.
 */
#ifndef RESR_TESTS_FUZZ_TARGETS_H
#define RESR_TESTS_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

typedef void (*ResrFuzzTarget)(const uint8_t *data, size_t size);

typedef struct ResrFuzzTargetInfo {
    const char *name;        /* build/fuzz/fuzz_<name>, tests/fuzz/corpus/<name>/ */
    ResrFuzzTarget run;
} ResrFuzzTargetInfo;

/* A whole .pth (zip) file: zip structure, zip64, DEFLATE, CRC, then pickle and tensors. */
void resr_fuzz_pth(const uint8_t *data, size_t size);

/*
 * A data.pkl, put into a well-formed stored .pth beside storages of the sizes it declares
 * (filled with finite values), so that mutations reach the pickle interpreter, the state
 * dict checks and the architecture detection instead of stopping at a CRC.
 */
void resr_fuzz_pickle(const uint8_t *data, size_t size);

/* A whole .safetensors file: header length, JSON header, offsets, conversion, detection. */
void resr_fuzz_safetensors(const uint8_t *data, size_t size);

/* A raw DEFLATE stream, inflated into a buffer of a size taken from the first 2 bytes. */
void resr_fuzz_inflate(const uint8_t *data, size_t size);

/* All of the above, NULL-terminated. */
extern const ResrFuzzTargetInfo resr_fuzz_targets[];

#endif /* RESR_TESTS_FUZZ_TARGETS_H */
