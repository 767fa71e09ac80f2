/*
 * Fuzz target bodies (see fuzz_targets.h). Plain C with the project's strict flags: built
 * with -fsanitize=fuzzer by mk/fuzz.mak, and into the replay test by the normal build.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../models/inflate.h"
#include "../../models/model.h"
#include "../../models/pickle.h"
#include "../../models/zip.h"
#include "fuzz_targets.h"

#define NAME "fuzz.pth"

/* Storage bytes the pickle target gives one input, all storages together: the generated
 * fixtures fit; larger declarations (most of the official checkpoint) get no
 * storage, and a "missing storage" refusal. Kept small: it costs every execution. */
#define PICKLE_STORAGE_BUDGET ((size_t)512 << 10)
/* Storages the harness provides (RealESRGAN_x4plus has ~700; the fixtures far fewer); the
 * duplicate check below is quadratic in it. */
#define PICKLE_MAX_STORAGES 1024

static void broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz: loader contract broken: %s: %s\n", what, detail);
    abort();
}

/* A pointer range [p, p + n) must lie in the arena. */
static void check_in_arena(const ResrModel *m, const float *p, size_t n, const char *conv)
{
    if (!p || p < m->weights || n > m->weights_count ||
        (size_t)(p - m->weights) > m->weights_count - n)
        broken("tensor outside the weight arena", conv);
}

/* The outcome of a load: either a clean refusal or a consistent, finite model. */
static void check_outcome(int ret, ResrModel *m, const char *err)
{
    if (ret < 0) {
        if (m)
            broken("refusal returned a model", err);
        if (ret != -EINVAL && ret != -EFBIG && ret != -ENOMEM)
            broken("unexpected error code", err);
        if (strncmp(err, NAME ": ", strlen(NAME) + 2) || strlen(err) < strlen(NAME) + 6)
            broken("error message does not name the file and the problem", err);
        return;
    }
    if (!m || ret != 0)
        broken("success without a model", "");
    if (m->arch != RESR_ARCH_RRDBNET && m->arch != RESR_ARCH_SRVGG)
        broken("unknown architecture", resr_arch_name(m->arch));
    if (m->scale < 1 || m->scale > 4 || m->num_convs < 2 || !m->convs)
        broken("implausible hyper-parameters", m->source_format);
    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        if (c->in_channels < 1 || c->out_channels < 1)
            broken("empty convolution", c->name);
        check_in_arena(m, c->weight, (size_t)c->in_channels * c->out_channels * 9, c->name);
        check_in_arena(m, c->bias, (size_t)c->out_channels, c->name);
        if (c->activation == RESR_ACT_PRELU)
            check_in_arena(m, c->prelu_slope, (size_t)c->out_channels, c->name);
    }
    for (size_t i = 0; i < m->weights_count; i++)
        if (!isfinite(m->weights[i]))
            broken("non-finite weight accepted", m->source_format);
}

static void load_and_check(const uint8_t *data, size_t size)
{
    ResrModel *m = NULL;
    char err[512];

    memset(err, 0x55, sizeof(err));  /* an unterminated message shows up as garbage */
    const int ret = resr_model_load_buffer(&m, data, size, NAME, err, sizeof(err));
    if (ret < 0 && !memchr(err, 0, sizeof(err)))
        broken("error message not terminated", "");
    check_outcome(ret, m, err);
    resr_model_free(&m);
}

void resr_fuzz_pth(const uint8_t *data, size_t size)
{
    load_and_check(data, size);
}

void resr_fuzz_safetensors(const uint8_t *data, size_t size)
{
    load_and_check(data, size);
}

/* ---- a stored zip built in memory ---- */

typedef struct ZipEntryOut {
    char name[96];
    const uint8_t *data;
    size_t size;
} ZipEntryOut;

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

/* A stored zip of the entries, with their CRC-32s; NULL when out of memory. */
static uint8_t *build_zip(const ZipEntryOut *e, size_t n, size_t *out_size)
{
    size_t total = 22;
    for (size_t i = 0; i < n; i++)
        total += 30 + 46 + 2 * strlen(e[i].name) + e[i].size;
    uint8_t *z = malloc(total), *p = z;
    uint32_t *crcs = malloc((n ? n : 1) * sizeof(*crcs));
    size_t *offsets = malloc((n ? n : 1) * sizeof(*offsets));
    if (!z || !crcs || !offsets) {
        free(z);
        z = NULL;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const size_t nl = strlen(e[i].name);
        crcs[i] = resr_crc32(0, e[i].data, e[i].size);
        offsets[i] = (size_t)(p - z);
        p = put32(p, 0x04034b50u);
        p = put16(put16(put16(put16(put16(p, 20), 0), 0), 0), 0);
        p = put32(put32(put32(p, crcs[i]), (uint32_t)e[i].size), (uint32_t)e[i].size);
        p = put16(put16(p, (unsigned)nl), 0);
        memcpy(p, e[i].name, nl);
        p += nl;
        if (e[i].size)
            memcpy(p, e[i].data, e[i].size);
        p += e[i].size;
    }
    const size_t cd = (size_t)(p - z);
    for (size_t i = 0; i < n; i++) {
        const size_t nl = strlen(e[i].name);
        p = put32(p, 0x02014b50u);
        p = put16(put16(put16(put16(put16(put16(p, 20), 20), 0), 0), 0), 0);
        p = put32(put32(put32(p, crcs[i]), (uint32_t)e[i].size), (uint32_t)e[i].size);
        p = put16(put16(put16(put16(put16(p, (unsigned)nl), 0), 0), 0), 0);
        p = put32(put32(p, 0), (uint32_t)offsets[i]);
        memcpy(p, e[i].name, nl);
        p += nl;
    }
    const size_t cd_size = (size_t)(p - z) - cd;
    p = put32(p, 0x06054b50u);
    p = put16(put16(put16(put16(p, 0), 0), (unsigned)n), (unsigned)n);
    p = put16(put32(put32(p, (uint32_t)cd_size), (uint32_t)cd), 0);
    *out_size = (size_t)(p - z);
done:
    free(crcs);
    free(offsets);
    return z;
}

/* The zip entry name a storage value refers to, as state_dict.c forms it; 0 if invalid. */
static int storage_entry_name(const ResrPickle *pk, const ResrPickleValue *s, char *name,
                              size_t name_size)
{
    const ResrPickleValue *key = &pk->values[s->u.storage.key];
    if (key->type == RESR_PK_INT) {
        snprintf(name, name_size, "archive/data/%lld", (long long)key->u.i);
        return 1;
    }
    if (key->type != RESR_PK_STR || !key->u.str.len || key->u.str.len >= 64 ||
        memchr(key->u.str.ptr, 0, key->u.str.len) || memchr(key->u.str.ptr, '/', key->u.str.len))
        return 0;
    snprintf(name, name_size, "archive/data/%.*s", (int)key->u.str.len, key->u.str.ptr);
    return 1;
}

void resr_fuzz_pickle(const uint8_t *data, size_t size)
{
    /* 0.25f as float32; as float16/bfloat16 halves: 0 and 1.625 / 0.25: finite in all */
    static uint8_t fill[PICKLE_STORAGE_BUDGET];
    static int filled;
    ResrPickle pk;
    ZipEntryOut *entries = NULL;
    size_t n = 0, budget = PICKLE_STORAGE_BUDGET, zsize = 0;
    char err[512];

    if (!filled) {
        for (size_t i = 0; i < sizeof(fill); i += 4)
            memcpy(fill + i, "\x00\x00\x80\x3e", 4);
        filled = 1;
    }
    /* the storages it declares, when the pickle parses at all */
    if (resr_pickle_parse(&pk, data, size, err, sizeof(err)) == 0) {
        entries = calloc((size_t)pk.count + 2, sizeof(*entries));
        if (!entries) {
            resr_pickle_free(&pk);
            return;
        }
        for (uint32_t i = 0; i < pk.count && n < PICKLE_MAX_STORAGES; i++) {
            const ResrPickleValue *s = &pk.values[i];
            char name[96];
            if (s->type != RESR_PK_STORAGE || !storage_entry_name(&pk, s, name, sizeof(name)))
                continue;
            const size_t esize = (size_t)(resr_dtype_size(s->u.storage.dtype) ?
                                          resr_dtype_size(s->u.storage.dtype) : 4);
            if ((uint64_t)s->u.storage.numel > budget / esize)
                continue;
            int dup = 0;
            for (size_t k = 0; k < n && !dup; k++)
                dup = !strcmp(entries[k].name, name);
            if (dup)
                continue;
            snprintf(entries[n].name, sizeof(entries[n].name), "%s", name);
            entries[n].data = fill;
            entries[n].size = (size_t)s->u.storage.numel * esize;
            budget -= entries[n].size;
            n++;
        }
        resr_pickle_free(&pk);
    } else {
        entries = calloc(2, sizeof(*entries));
        if (!entries)
            return;
    }
    snprintf(entries[n].name, sizeof(entries[n].name), "archive/data.pkl");
    entries[n].data = data;
    entries[n++].size = size;
    snprintf(entries[n].name, sizeof(entries[n].name), "archive/byteorder");
    entries[n].data = (const uint8_t *)"little";
    entries[n++].size = 6;

    uint8_t *z = build_zip(entries, n, &zsize);
    if (z)
        load_and_check(z, zsize);
    free(z);
    free(entries);
}

/* ---- DEFLATE ---- */

void resr_fuzz_inflate(const uint8_t *data, size_t size)
{
    static uint8_t out[65536 + 64];
    const char *why = NULL;
    size_t got = (size_t)-1;

    if (size < 2)
        return;
    /* the declared size of the entry: exercises "more than declared" at every length */
    const size_t cap = (size_t)(data[0] | data[1] << 8);
    memset(out + cap, 0xa5, 64);
    const int ret = resr_inflate(out, cap, &got, data + 2, size - 2, &why);
    for (int i = 0; i < 64; i++)
        if (out[cap + i] != 0xa5)
            broken("inflate wrote past its buffer", "");
    if (ret == 0 && got > cap)
        broken("inflate reports more bytes than fit", "");
    if (ret < 0 && ((ret != -EINVAL && ret != -EFBIG) || !why || !why[0]))
        broken("inflate failed without a reason", why ? why : "(null)");
}

const ResrFuzzTargetInfo resr_fuzz_targets[] = {
    { "pth",         resr_fuzz_pth },
    { "pickle",      resr_fuzz_pickle },
    { "safetensors", resr_fuzz_safetensors },
    { "inflate",     resr_fuzz_inflate },
    { NULL,          NULL },
};
