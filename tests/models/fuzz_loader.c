/*
 * libFuzzer target for the weights loader. The first input byte picks what the rest is:
 *   0: a whole checkpoint file (zip or safetensors) for resr_model_load_buffer
 *   1: a data.pkl, wrapped in a stored zip with valid CRCs beside eight float32 storages
 *      (data/0 .. data/7, 4096 elements each), so mutations reach the pickle interpreter,
 *      the state-dict checks and architecture detection instead of the CRC check
 *   2: a raw DEFLATE stream, inflated into at most 1 MiB
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined models/inflate.c models/zip.c \
 *       models/pickle.c models/safetensors.c models/state_dict.c models/model.c \
 *       tests/models/fuzz_loader.c -o fuzz_loader -lm
 *   ./fuzz_loader -max_total_time=120 corpus/ tests/models/data/
 *
 * Without libFuzzer, build with -DRESR_FUZZ_MAIN to replay inputs given as arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../models/inflate.h"
#include "../../models/model.h"
#include "../../models/zip.h"

#define STORAGES      8
#define STORAGE_NUMEL 4096

static uint8_t *put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    return put16(put16(p, v & 0xffff), v >> 16);
}

/* A stored zip: "f/data.pkl" = pkl, "f/data/<i>" = storage. */
static uint8_t *wrap(const uint8_t *pkl, size_t pkl_size, const uint8_t *storage, size_t *out)
{
    char names[STORAGES + 1][16];
    const uint8_t *datas[STORAGES + 1];
    size_t sizes[STORAGES + 1], offsets[STORAGES + 1], total = 22;

    snprintf(names[0], sizeof(names[0]), "f/data.pkl");
    datas[0] = pkl;
    sizes[0] = pkl_size;
    for (int i = 1; i <= STORAGES; i++) {
        snprintf(names[i], sizeof(names[i]), "f/data/%d", i - 1);
        datas[i] = storage;
        sizes[i] = STORAGE_NUMEL * 4;
    }
    for (int i = 0; i <= STORAGES; i++)
        total += 30 + 46 + 2 * strlen(names[i]) + sizes[i];
    uint8_t *z = malloc(total), *p = z;
    if (!z)
        return NULL;
    for (int i = 0; i <= STORAGES; i++) {
        const size_t nl = strlen(names[i]);
        offsets[i] = (size_t)(p - z);
        p = put32(p, 0x04034b50u);
        p = put16(put16(put16(put16(put16(p, 20), 0), 0), 0), 0);
        p = put32(put32(put32(p, resr_crc32(0, datas[i], sizes[i])), (uint32_t)sizes[i]),
                  (uint32_t)sizes[i]);
        p = put16(put16(p, (unsigned)nl), 0);
        memcpy(p, names[i], nl);
        p += nl;
        memcpy(p, datas[i], sizes[i]);
        p += sizes[i];
    }
    const size_t cd = (size_t)(p - z);
    for (int i = 0; i <= STORAGES; i++) {
        const size_t nl = strlen(names[i]);
        p = put32(p, 0x02014b50u);
        p = put16(put16(put16(put16(put16(put16(p, 20), 20), 0), 0), 0), 0);
        p = put32(put32(put32(p, resr_crc32(0, datas[i], sizes[i])), (uint32_t)sizes[i]),
                  (uint32_t)sizes[i]);
        p = put16(put16(put16(put16(put16(p, (unsigned)nl), 0), 0), 0), 0);
        p = put32(put32(p, 0), (uint32_t)offsets[i]);
        memcpy(p, names[i], nl);
        p += nl;
    }
    const size_t cd_size = (size_t)(p - z) - cd;
    p = put32(p, 0x06054b50u);
    p = put16(put16(put16(put16(p, 0), 0), STORAGES + 1), STORAGES + 1);
    p = put16(put32(put32(p, (uint32_t)cd_size), (uint32_t)cd), 0);
    *out = (size_t)(p - z);
    return z;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t storage[STORAGE_NUMEL * 4];
    static uint8_t inflated[1 << 20];
    ResrModel *m = NULL;
    char err[512];

    if (size < 1)
        return 0;
    const uint8_t mode = data[0] % 3;
    data++;
    size--;
    if (mode == 0) {
        resr_model_load_buffer(&m, data, size, "fuzz", err, sizeof(err));
    } else if (mode == 1) {
        size_t zsize = 0;
        for (size_t i = 0; i < sizeof(storage); i += 4)  /* 0.25f: finite weights */
            memcpy(storage + i, "\x00\x00\x80\x3e", 4);
        uint8_t *z = wrap(data, size, storage, &zsize);
        if (z)
            resr_model_load_buffer(&m, z, zsize, "fuzz", err, sizeof(err));
        free(z);
    } else {
        size_t got;
        const char *why;
        resr_inflate(inflated, sizeof(inflated), &got, data, size, &why);
    }
    resr_model_free(&m);
    return 0;
}

#ifdef RESR_FUZZ_MAIN
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f)
            continue;
        uint8_t *buf = malloc(64 << 20);
        const size_t n = fread(buf, 1, 64 << 20, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
    }
    return 0;
}
#endif
