/*
 * The weights loader end to end: DEFLATE against zlib's streams, zip, npy, fp16/bf16
 * conversion, real checkpoints written by torch.save and by hand (values compared with
 * what torch reads, from expected.npz), the official realesr-animevideov3.pth, and a
 * hostile set (malicious pickles, zip bombs, overflowing sizes, truncations, random
 * corruption) that must each fail with an error naming the problem.
 *
 * usage: test_loader [DATA_DIR [SHARED_MODELS_DIR]]
 *   defaults: tests/models/data and $RESR_SHARED_MODELS or ../shared/models (run from the
 *   repository root).
 * Fixtures: /usr/bin/python3 tests/models/make_test_models.py
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../models/inflate.h"
#include "../../models/model.h"
#include "../../models/pickle.h"
#include "../../models/safetensors.h"
#include "../../models/state_dict.h"
#include "../../models/zip.h"
#include "../common/npy.h"
#include "../common/test_util.h"

#define PWNED "/tmp/resr_pickle_pwned"

static const char *data_dir = "tests/models/data";
static const char *shared_dir = "../shared/models";
static ResrNpz expected;
static int have_expected;

/* ------------------------------------------------------------------ helpers */

static const char *in_data(const char *name)
{
    static char buf[4][1024];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", data_dir, name);
    return buf[slot];
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc(n ? (size_t)n : 1);
        if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
        *size = (size_t)n;
    }
    fclose(f);
    return data;
}

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Reads an expected float32 array; 0 on success. */
static int expect_array(const char *key, ResrNpyArray *out, char *why, size_t why_size)
{
    if (!have_expected) {
        snprintf(why, why_size, "expected.npz not loaded");
        return -1;
    }
    return resr_npz_read_f32(&expected, key, out, why, why_size);
}

/* Exact comparison of n floats against expected[key] (conversions must be exact). */
static int matches_expected(const char *key, const float *got, size_t n, char *why,
                            size_t why_size)
{
    ResrNpyArray ref;
    if (expect_array(key, &ref, why, why_size) < 0)
        return 0;
    int ok = ref.count == n;
    if (!ok)
        snprintf(why, why_size, "%s: %zu values, expected %zu", key, n, ref.count);
    else if (!(ok = resr_test_allclose(got, ref.data, n, 0.0f, 0.0f, why, why_size))) {
        char tmp[256];
        snprintf(tmp, sizeof(tmp), "%s: %s", key, why);
        snprintf(why, why_size, "%s", tmp);
    }
    resr_npy_free(&ref);
    return ok;
}

/* ------------------------------------------------------------------ inflate, crc, fp16 */

static void test_crc32(void)
{
    const uint8_t *s = (const uint8_t *)"123456789";
    const uint32_t whole = resr_crc32(0, s, 9);
    const uint32_t split = resr_crc32(resr_crc32(0, s, 4), s + 4, 5);
    resr_test_check(whole == 0xcbf43926u && split == whole, "crc32/check_value",
                    "got %08x / %08x, expected cbf43926", whole, split);
}

static void test_inflate_vectors(void)
{
    size_t size = 0;
    uint8_t *file = read_file(in_data("inflate_vectors.zip"), &size);
    ResrZip zip;
    char err[512];
    uint32_t rng = 12345;

    if (!file || resr_zip_open(&zip, file, size, err, sizeof(err)) < 0) {
        resr_test_fail("inflate/vectors", "cannot open inflate_vectors.zip (run "
                       "make_test_models.py)");
        free(file);
        return;
    }
    int streams = 0;
    for (size_t i = 0; i < zip.count; i++) {
        const ResrZipEntry *e = &zip.entries[i];
        char name[300], raw_name[300];
        ResrZipData comp, raw;

        if (strncmp(e->name, "deflate/", 8))
            continue;
        streams++;
        snprintf(name, sizeof(name), "inflate/%s", e->name + 8);
        snprintf(raw_name, sizeof(raw_name), "raw/%s", e->name + 8);
        *strrchr(raw_name, '.') = 0;
        const ResrZipEntry *re = resr_zip_find(&zip, raw_name);
        /* the raw side goes through our inflate too, checked by zlib's CRC-32 */
        if (!re || resr_zip_read(&zip, e, &comp, err, sizeof(err)) < 0 ||
            resr_zip_read(&zip, re, &raw, err, sizeof(err)) < 0) {
            resr_test_fail(name, "cannot read the vector: %s", err);
            continue;
        }
        uint8_t *out = malloc(raw.size + 1);
        size_t got = 0;
        const char *why = "";
        int ret = resr_inflate(out, raw.size, &got, comp.data, comp.size, &why);
        int ok = ret == 0 && got == raw.size && !memcmp(out, raw.data, raw.size);
        if (ok && raw.size) {
            /* one byte less room than the stream needs: refused, not overrun */
            ret = resr_inflate(out, raw.size - 1, &got, comp.data, comp.size, &why);
            ok = ret == -EFBIG;
        }
        /* every proper prefix of a stream is incomplete */
        const size_t step = comp.size > 4000 ? comp.size / 997 : 1;
        for (size_t k = 0; ok && k < comp.size; k += step)
            if (resr_inflate(out, raw.size, &got, comp.data, k, &why) == 0)
                ok = 0;
        /* random bit flips: anything but a crash (ASan watches) */
        uint8_t *mut = malloc(comp.size + 1);
        for (int it = 0; it < 60 && comp.size; it++) {
            memcpy(mut, comp.data, comp.size);
            for (int f = 0; f < 1 + it % 3; f++)
                mut[rng_next(&rng) % comp.size] ^= (uint8_t)(1u << (rng_next(&rng) % 8));
            (void)resr_inflate(out, raw.size, &got, mut, comp.size, &why);
        }
        free(mut);
        resr_test_check(ok, name, "ret %d (%s), %zu of %zu bytes", ret, why, got, raw.size);
        free(out);
        resr_zip_data_free(&comp);
        resr_zip_data_free(&raw);
    }
    resr_test_check(streams >= 40, "inflate/vector_count", "only %d streams", streams);

    static const struct { const char *entry, *why; } bad[] = {
        { "bad/too_far",       "distance too far back" },
        { "bad/block_type_3",  "invalid block type" },
        { "bad/stored_nlen",   "stored block length check failed" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char name[128];
        ResrZipData comp;
        uint8_t out[70000];
        size_t got;
        const char *why = "";
        snprintf(name, sizeof(name), "inflate/%s", bad[i].entry);
        const ResrZipEntry *e = resr_zip_find(&zip, bad[i].entry);
        if (!e || resr_zip_read(&zip, e, &comp, err, sizeof(err)) < 0) {
            resr_test_fail(name, "missing vector");
            continue;
        }
        const int ret = resr_inflate(out, sizeof(out), &got, comp.data, comp.size, &why);
        resr_test_check(ret == -EINVAL && strstr(why, bad[i].why), name, "ret %d, why '%s'",
                        ret, why ? why : "");
        resr_zip_data_free(&comp);
    }
    resr_zip_close(&zip);
    free(file);
}

static void test_half_conversions(void)
{
    int bad = -1;
    for (uint32_t h = 0; h < 65536 && bad < 0; h++) {
        const float got = resr_f16_to_f32((uint16_t)h);
        const int exp = (h >> 10) & 31, man = h & 1023, neg = h >> 15;
        float ref;
        if (exp == 31) {
            ref = man ? NAN : INFINITY;
            if (man ? !isnan(got) : !(isinf(got))) bad = (int)h;
            if (!!signbit(got) != neg) bad = (int)h;
            continue;
        }
        /* an independent formula: subnormals man * 2^-24, normals (1024 + man) * 2^(e-25) */
        ref = exp ? ldexpf((float)(1024 + man), exp - 25) : ldexpf((float)man, -24);
        if (neg)
            ref = -ref;
        if (memcmp(&ref, &got, sizeof(ref)))
            bad = (int)h;
    }
    resr_test_check(bad < 0, "f16/all_65536_values", "0x%04x converts to %.9g", bad,
                    bad >= 0 ? (double)resr_f16_to_f32((uint16_t)bad) : 0.0);

    int ok = resr_bf16_to_f32(0x3f80) == 1.0f && resr_bf16_to_f32(0xc000) == -2.0f &&
             isinf(resr_bf16_to_f32(0x7f80)) && isnan(resr_bf16_to_f32(0x7fc0)) &&
             resr_bf16_to_f32(0x0001) == ldexpf(1.0f, -133) &&
             resr_bf16_to_f32(0x3e4d) == 0.2001953125f;
    resr_test_check(ok, "bf16/values", "mismatch");
}

/* ------------------------------------------------------------------ npy */

static void test_npy(void)
{
    ResrNpz npz;
    ResrNpyArray a;
    char err[512];
    int ok;

    if (resr_npz_open(&npz, in_data("npy_test.npz"), err, sizeof(err)) < 0) {
        resr_test_fail("npy/open", "%s", err);
        return;
    }
    ok = resr_npz_read(&npz, "f32", &a, err, sizeof(err)) == 0 && a.dtype == RESR_NPY_F32 &&
         a.ndim == 3 && a.shape[0] == 2 && a.shape[1] == 3 && a.shape[2] == 4 && a.count == 24;
    for (size_t i = 0; ok && i < a.count; i++)
        ok = ((float *)a.data)[i] == (float)i * 0.5f - 3.0f;
    resr_test_check(ok, "npy/f32_compressed", "%s", err);
    resr_npy_free(&a);

    ok = resr_npz_read_f32(&npz, "f16", &a, err, sizeof(err)) == 0 && a.count == 10 &&
         a.ndim == 1;
    for (size_t i = 0; ok && i < a.count; i++)
        ok = ((float *)a.data)[i] == (float)i / 8.0f;
    resr_test_check(ok, "npy/f16", "%s", err);
    resr_npy_free(&a);

    ok = resr_npz_read(&npz, "u8", &a, err, sizeof(err)) == 0 && a.dtype == RESR_NPY_U8 &&
         a.count == 256 && a.shape[0] == 16;
    for (size_t i = 0; ok && i < a.count; i++)
        ok = ((uint8_t *)a.data)[i] == i;
    resr_test_check(ok, "npy/u8", "%s", err);
    resr_npy_free(&a);

    ok = resr_npz_read_f32(&npz, "u16", &a, err, sizeof(err)) == 0 && a.count == 12;
    for (size_t i = 0; ok && i < a.count; i++)
        ok = ((float *)a.data)[i] == (float)(i * 5000);
    resr_test_check(ok, "npy/u16", "%s", err);
    resr_npy_free(&a);

    ok = resr_npz_read(&npz, "nope", &a, err, sizeof(err)) == -ENOENT;
    resr_test_check(ok, "npy/missing_array", "not -ENOENT");
    resr_npz_close(&npz);

    if (resr_npz_open(&npz, in_data("npy_test_stored.npz"), err, sizeof(err)) < 0) {
        resr_test_fail("npy/open_stored", "%s", err);
        return;
    }
    ok = resr_npz_read(&npz, "f32", &a, err, sizeof(err)) == 0 && a.count == 24 &&
         ((float *)a.data)[23] == 23 * 0.5f - 3.0f;
    resr_test_check(ok, "npy/f32_stored", "%s", err);
    resr_npy_free(&a);
    ok = resr_npz_read(&npz, "f64", &a, err, sizeof(err)) == -EINVAL && strstr(err, "<f8");
    resr_test_check(ok, "npy/refuses_f64", "%s", err);
    ok = resr_npz_read(&npz, "fortran", &a, err, sizeof(err)) == -EINVAL && strstr(err, "C order");
    resr_test_check(ok, "npy/refuses_fortran_order", "%s", err);
    resr_npz_close(&npz);
}

/* ------------------------------------------------------------------ safetensors JSON */

static int parse_header(const char *json, const uint8_t *payload, size_t payload_size,
                        ResrSafeTensors *st, char *err, size_t err_size)
{
    const size_t n = strlen(json);
    uint8_t *buf = malloc(8 + n + payload_size);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, json, n);
    memcpy(buf + 8 + n, payload, payload_size);
    const int ret = resr_safetensors_parse(st, buf, 8 + n + payload_size, err, err_size);
    for (size_t i = 0; ret == 0 && i < st->count; i++)
        st->tensors[i].data = NULL;  /* it pointed into buf */
    free(buf);
    return ret;
}

static void test_safetensors_json(void)
{
    ResrSafeTensors st;
    char err[512] = "";
    const uint8_t payload[4] = { 0, 0, 0x80, 0x3f };

    /* escapes in names, nested metadata with every JSON value kind, whitespace */
    int ret = parse_header("{ \"__metadata__\": {\"n\": [1, -2.5e3, true, false, null, {\"x\": "
                           "\"y\"}]},\n\t\"a\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\n\": {\"shape\": [1], "
                           "\"dtype\": \"F32\", \"data_offsets\": [0, 4], \"extra\": {}} }  ",
                           payload, sizeof(payload), &st, err, sizeof(err));
    const char *want = "a\xc3\xa9\xf0\x9f\x98\x80\"\\/\n";
    int ok = ret == 0 && st.count == 1 && !strcmp(st.tensors[0].name, want) &&
             st.tensors[0].dtype == RESR_DTYPE_F32 && st.tensors[0].ndim == 1 &&
             st.tensors[0].numel == 1 && st.tensors[0].size == 4;
    resr_test_check(ok, "safetensors/json_escapes_and_metadata", "ret %d '%s' name '%s'", ret,
                    err, ret == 0 && st.count ? st.tensors[0].name : "");
    if (ret == 0)
        resr_safetensors_free(&st);

    static const struct { const char *json, *why; } bad[] = {
        { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}",
          "expected '}'" },
        { "{\"\\ud83d\": 1}", "unpaired surrogate" },
        { "{\"\\u0000\": 1}", "NUL character" },
        { "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}",
          "non-negative integer" },
        { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}",
          "more than 2 entries" },
        { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", "exactly one dtype" },
        { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1, 2, 3, 4, 5, 6, 7, 8, 9], "
          "\"data_offsets\": [0, 4]}}", "more than 8 entries" },
        { "{\"a\": {\"dtype\": \"F32\", \"shape\": [99999999999999999999], "
          "\"data_offsets\": [0, 4]}}", "integer too large" },
        { "{} x", "trailing bytes" },
        { "{\"__metadata__\": tru}", "expected a value" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "safetensors/json_refused_%zu", i);
        err[0] = 0;
        ret = parse_header(bad[i].json, payload, sizeof(payload), &st, err, sizeof(err));
        resr_test_check(ret < 0 && strstr(err, bad[i].why), name, "ret %d '%s', wanted '%s'", ret,
                        err, bad[i].why);
        if (ret == 0)
            resr_safetensors_free(&st);
    }
}

/* ------------------------------------------------------------------ good checkpoints */

typedef struct GoodCase {
    const char *file;
    const char *stem;        /* expected.npz keys: stem/<tensor name> */
    const char *key_prefix;  /* "module." for DataParallel files */
    ResrArch arch;
    int scale, num_feat;
    int num_block, num_grow_ch, unshuffle;  /* RRDBNet */
    int num_conv;                           /* SRVGG */
    const char *format, *container, *dtype;
} GoodCase;

static const GoodCase good_cases[] = {
    { "rrdb_x4_f32.pth", "rrdb_x4_f32", "", RESR_ARCH_RRDBNET, 4, 8, 2, 4, 1, 0,
      "pth", "params_ema", "float32" },
    { "rrdb_x2_f16.pth", "rrdb_x2_f16", "", RESR_ARCH_RRDBNET, 2, 8, 1, 4, 2, 0,
      "pth", "params", "float16" },
    { "rrdb_x1_bf16_bare.pth", "rrdb_x1_bf16_bare", "", RESR_ARCH_RRDBNET, 1, 8, 1, 4, 4, 0,
      "pth", "", "bfloat16" },
    { "srvgg_x4_f32.pth", "srvgg_x4_f32", "", RESR_ARCH_SRVGG, 4, 8, 0, 0, 1, 3,
      "pth", "params", "float32" },
    { "srvgg_x3_both.pth", "srvgg_x3_both", "", RESR_ARCH_SRVGG, 3, 8, 0, 0, 1, 3,
      "pth", "params_ema", "float32" },
    { "srvgg_x2_deflated.pth", "srvgg_x2_deflated", "", RESR_ARCH_SRVGG, 2, 8, 0, 0, 1, 2,
      "pth", "params", "float32" },
    { "srvgg_x4_module_prefix.pth", "srvgg_x4_module_prefix", "module.", RESR_ARCH_SRVGG, 4, 8,
      0, 0, 1, 3, "pth", "params", "float32" },
    { "crafted_long_keys.pth", "crafted_long_keys", "", RESR_ARCH_SRVGG, 2, 8, 0, 0, 1, 1,
      "pth", "params", "float32" },
    { "zip_crafted_ok.pth", NULL, "", RESR_ARCH_SRVGG, 2, 8, 0, 0, 1, 1,
      "pth", "params", "float32" },
    { "rrdb_x4_f32.safetensors", "rrdb_x4_f32_st", "", RESR_ARCH_RRDBNET, 4, 8, 1, 4, 1, 0,
      "safetensors", "", "float32" },
    { "srvgg_x4_f16.safetensors", "srvgg_x4_f16_st", "", RESR_ARCH_SRVGG, 4, 8, 0, 0, 1, 3,
      "safetensors", "", "float16" },
    { "srvgg_x2_bf16.safetensors", "srvgg_x2_bf16_st", "", RESR_ARCH_SRVGG, 2, 8, 0, 0, 1, 3,
      "safetensors", "", "bfloat16" },
};

/* Names, shapes and activations of the conv list, against the documented forward order. */
static int check_structure(const ResrModel *m, char *why, size_t why_size)
{
    char name[64];
    const int nf = m->num_feat, gc = m->num_grow_ch;

    if (m->arch == RESR_ARCH_SRVGG) {
        if (m->num_convs != m->num_conv + 2)
            return snprintf(why, why_size, "num_convs %d", m->num_convs), 0;
        for (int i = 0; i < m->num_convs; i++) {
            const ResrConv3x3 *c = &m->convs[i];
            const int last = i == m->num_convs - 1;
            snprintf(name, sizeof(name), "body.%d", 2 * i);
            if (strcmp(c->name, name) || c->in_channels != (i ? nf : 3) ||
                c->out_channels != (last ? 3 * m->scale * m->scale : nf) ||
                c->activation != (last ? RESR_ACT_NONE : RESR_ACT_PRELU) ||
                (!last && !c->prelu_slope))
                return snprintf(why, why_size, "conv %d (%s) is wrong", i, c->name), 0;
        }
        return 1;
    }
    if (m->num_convs != 1 + 15 * m->num_block + 5)
        return snprintf(why, why_size, "num_convs %d", m->num_convs), 0;
    const ResrConv3x3 *c = &m->convs[0];
    if (strcmp(c->name, "conv_first") || c->in_channels != 3 * m->unshuffle * m->unshuffle ||
        c->activation != RESR_ACT_NONE)
        return snprintf(why, why_size, "conv_first is wrong"), 0;
    for (int b = 0; b < m->num_block; b++)
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 5; k++) {
                c = &m->convs[resr_rrdb_conv_index(b, r, k)];
                snprintf(name, sizeof(name), "body.%d.rdb%d.conv%d", b, r + 1, k + 1);
                if (strcmp(c->name, name) || c->in_channels != nf + k * gc ||
                    c->out_channels != (k == 4 ? nf : gc) ||
                    c->activation != (k == 4 ? RESR_ACT_NONE : RESR_ACT_LEAKY_RELU) ||
                    (k < 4 && c->leaky_slope != 0.2f))
                    return snprintf(why, why_size, "%s is wrong (got %s)", name, c->name), 0;
            }
    static const char *tail[5] = { "conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last" };
    for (int i = 0; i < 5; i++) {
        c = &m->convs[resr_rrdb_tail_index(m, i)];
        const ResrActivation act = i == 0 || i == 4 ? RESR_ACT_NONE : RESR_ACT_LEAKY_RELU;
        if (strcmp(c->name, tail[i]) || c->activation != act || c->in_channels != nf ||
            c->out_channels != (i == 4 ? 3 : nf))
            return snprintf(why, why_size, "%s is wrong", tail[i]), 0;
    }
    return 1;
}

/* Every weight, bias and slope the model points at equals what torch reads. */
static int check_values(const ResrModel *m, const char *stem, const char *prefix, char *why,
                        size_t why_size, int64_t *counted)
{
    char key[300];
    *counted = 0;
    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        const size_t nw = (size_t)c->out_channels * c->in_channels * 9;
        if (((uintptr_t)c->weight & 63) || ((uintptr_t)c->bias & 63))
            return snprintf(why, why_size, "%s is not 64-byte aligned", c->name), 0;
        snprintf(key, sizeof(key), "%s/%s%s.weight", stem, prefix, c->name);
        if (!matches_expected(key, c->weight, nw, why, why_size))
            return 0;
        snprintf(key, sizeof(key), "%s/%s%s.bias", stem, prefix, c->name);
        if (!matches_expected(key, c->bias, (size_t)c->out_channels, why, why_size))
            return 0;
        *counted += (int64_t)nw + c->out_channels;
        if (c->activation == RESR_ACT_PRELU) {
            int idx = 0;
            sscanf(c->name, "body.%d", &idx);
            snprintf(key, sizeof(key), "%s/%sbody.%d.weight", stem, prefix, idx + 1);
            if (!matches_expected(key, c->prelu_slope, (size_t)c->out_channels, why, why_size))
                return 0;
            *counted += c->out_channels;
        }
    }
    return 1;
}

static double expected_flops(const ResrModel *m)
{
    /* 2 x 9 x Cin x Cout per pixel computed; RRDBNet's tail runs at 4x and 16x the area */
    double f = 0;
    for (int i = 0; i < m->num_convs; i++) {
        double area = 1;
        if (m->arch == RESR_ARCH_RRDBNET) {
            const char *n = m->convs[i].name;
            area = !strcmp(n, "conv_up1") ? 4 : !strcmp(n, "conv_up2") || !strcmp(n, "conv_hr") ||
                   !strcmp(n, "conv_last") ? 16 : 1;
            area /= (double)(m->unshuffle * m->unshuffle);
        }
        f += 2.0 * 9 * m->convs[i].in_channels * m->convs[i].out_channels * area;
    }
    return f;
}

static void test_good_checkpoints(void)
{
    for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
        const GoodCase *g = &good_cases[i];
        ResrModel *m = NULL;
        char err[512] = "", why[1024] = "", name[200];
        const char *path = in_data(g->file);
        int ok;

        snprintf(name, sizeof(name), "load/%s", g->file);
        if (resr_model_load(&m, path, err, sizeof(err)) < 0 || !m) {
            resr_test_fail(name, "%s", err);
            continue;
        }
        ok = m->arch == g->arch && m->scale == g->scale && m->num_feat == g->num_feat &&
             m->num_in_ch == 3 && m->num_out_ch == 3 && m->unshuffle == g->unshuffle &&
             !strcmp(m->source_format, g->format) && !strcmp(m->source_container, g->container) &&
             !strcmp(m->source_dtype, g->dtype);
        if (g->arch == RESR_ARCH_RRDBNET)
            ok = ok && m->num_block == g->num_block && m->num_grow_ch == g->num_grow_ch;
        else
            ok = ok && m->num_conv == g->num_conv;
        if (!ok)
            snprintf(why, sizeof(why), "got %s x%d nf %d nb %d gc %d u %d nc %d, %s/%s/%s",
                     resr_arch_name(m->arch), m->scale, m->num_feat, m->num_block,
                     m->num_grow_ch, m->unshuffle, m->num_conv, m->source_format,
                     m->source_container, m->source_dtype);
        ok = ok && check_structure(m, why, sizeof(why));
        resr_test_check(ok, name, "%s", why);

        if (g->stem) {
            int64_t counted = 0;
            snprintf(name, sizeof(name), "values/%s", g->file);
            ok = check_values(m, g->stem, g->key_prefix, why, sizeof(why), &counted);
            /* every tensor torch saved is accounted for by the conv list */
            size_t expected_params = 0;
            char prefix[128];
            snprintf(prefix, sizeof(prefix), "%s/", g->stem);
            for (size_t k = 0; ok && k < expected.zip.count; k++) {
                if (strncmp(expected.zip.entries[k].name, prefix, strlen(prefix)))
                    continue;
                ResrNpyArray a;
                char key[300];
                snprintf(key, sizeof(key), "%.*s", (int)(expected.zip.entries[k].name_len - 4),
                         expected.zip.entries[k].name);
                if (resr_npz_read(&expected, key, &a, why, sizeof(why)) == 0)
                    expected_params += a.count;
                resr_npy_free(&a);
            }
            if (ok && (counted != m->num_params || (int64_t)expected_params != m->num_params)) {
                ok = 0;
                snprintf(why, sizeof(why), "num_params %lld, conv list holds %lld, torch %zu",
                         (long long)m->num_params, (long long)counted, expected_params);
            }
            resr_test_check(ok, name, "%s", why);

            ResrNpyArray r;
            char key[200];
            snprintf(key, sizeof(key), "radius/%s", g->stem);
            if (resr_npz_read_f32(&expected, key, &r, why, sizeof(why)) == 0) {
                snprintf(name, sizeof(name), "receptive_radius/%s", g->file);
                resr_test_check(m->receptive_radius == (int)((float *)r.data)[0], name,
                                "model says %d, PyTorch measures %d", m->receptive_radius,
                                (int)((float *)r.data)[0]);
                resr_npy_free(&r);
            }
        }
        snprintf(name, sizeof(name), "flops/%s", g->file);
        const double flops = resr_model_flops_per_input_pixel(m);
        resr_test_check(fabs(flops - expected_flops(m)) < 1e-6 * flops && flops > 0, name,
                        "%.1f vs %.1f", flops, expected_flops(m));
        resr_model_free(&m);
        resr_test_check(m == NULL, "free/nulls_pointer", "not NULL");
    }
    resr_model_free(NULL);
}

/* x4plus / x2plus costs and radii from shapes alone (no 67 MB file in the repo). */
static void test_published_costs(void)
{
    static ResrConv3x3 convs[1 + 15 * 23 + 5];
    ResrModel m;
    memset(&m, 0, sizeof(m));
    m.arch = RESR_ARCH_RRDBNET;
    m.num_feat = 64;
    m.num_grow_ch = 32;
    m.num_block = 23;
    m.num_convs = 1 + 15 * 23 + 5;
    m.convs = convs;
    for (int u = 1; u <= 2; u++) {
        m.unshuffle = u;
        convs[0].in_channels = 3 * u * u;
        convs[0].out_channels = 64;
        for (int b = 0; b < 23; b++)
            for (int r = 0; r < 3; r++)
                for (int k = 0; k < 5; k++) {
                    convs[resr_rrdb_conv_index(b, r, k)].in_channels = 64 + 32 * k;
                    convs[resr_rrdb_conv_index(b, r, k)].out_channels = k == 4 ? 64 : 32;
                }
        for (int i = 0; i < 5; i++) {
            convs[resr_rrdb_tail_index(&m, i)].in_channels = 64;
            convs[resr_rrdb_tail_index(&m, i)].out_channels = i == 4 ? 3 : 64;
        }
        const double f = resr_model_flops_per_input_pixel(&m);
        /* x4plus: 17,926,848 multiply-adds per pixel = 35.85 MFLOP (the quoted 35.9) */
        const double want = u == 1 ? 35853696.0 : 8966016.0;
        resr_test_check(f == want, u == 1 ? "flops/x4plus_shape" : "flops/x2plus_shape",
                        "%.0f, expected %.0f", f, want);
    }
}

/* ------------------------------------------------------------------ the official model */

static void test_official(void)
{
    char path[1024], err[512] = "", why[1024] = "";
    ResrModel *m = NULL;
    snprintf(path, sizeof(path), "%s/realesr-animevideov3.pth", shared_dir);

    if (!file_exists(path)) {
        resr_test_skip_data("official/animevideov3", "%s not found", path);
        return;
    }
    if (resr_model_load(&m, path, err, sizeof(err)) < 0) {
        resr_test_fail("official/animevideov3", "%s", err);
        return;
    }
    int ok = m->arch == RESR_ARCH_SRVGG && m->scale == 4 && m->num_feat == 64 &&
             m->num_conv == 16 && m->num_convs == 18 && m->num_params == 621424 &&
             m->receptive_radius == 18 && !strcmp(m->source_container, "params") &&
             !strcmp(m->source_dtype, "float32") && check_structure(m, why, sizeof(why));
    resr_test_check(ok, "official/animevideov3_shape", "%s x%d nf %d nc %d params %lld r %d %s",
                    resr_arch_name(m->arch), m->scale, m->num_feat, m->num_conv,
                    (long long)m->num_params, m->receptive_radius, why);
    const double f = resr_model_flops_per_input_pixel(m);
    resr_test_check(f == 1238400.0, "official/animevideov3_flops", "%.0f (want 1238400 = 1.24 "
                    "MFLOP)", f);

    if (have_expected) {
        ok = matches_expected("official/body.0.weight", m->convs[0].weight, 64 * 3 * 9, why,
                              sizeof(why)) &&
             matches_expected("official/body.1.weight", m->convs[0].prelu_slope, 64, why,
                              sizeof(why)) &&
             matches_expected("official/body.33.weight", m->convs[16].prelu_slope, 64, why,
                              sizeof(why)) &&
             matches_expected("official/body.34.bias", m->convs[17].bias, 48, why, sizeof(why));
        resr_test_check(ok, "official/animevideov3_values", "%s", why);
    }
    resr_model_free(&m);

    /* every tensor's sum, against torch's float64 sums */
    size_t size = 0;
    uint8_t *file = read_file(path, &size);
    ResrStateDict sd;
    if (file && have_expected && resr_state_dict_load(&sd, file, size, err, sizeof(err)) == 0) {
        ok = sd.count == 53;
        if (!ok)
            snprintf(why, sizeof(why), "%zu tensors", sd.count);
        for (size_t i = 0; ok && i < sd.count; i++) {
            char key[300];
            ResrNpyArray r;
            double sum = 0;
            for (int64_t k = 0; k < sd.tensors[i].numel; k++)
                sum += sd.tensors[i].data[k];
            snprintf(key, sizeof(key), "official_sum/%s", sd.tensors[i].name);
            if (resr_npz_read_f32(&expected, key, &r, why, sizeof(why)) < 0) {
                ok = 0;
                break;
            }
            const double ref = ((float *)r.data)[0];
            if (fabs(sum - ref) > 1e-4 + 1e-6 * fabs(ref)) {
                ok = 0;
                snprintf(why, sizeof(why), "%s sums to %.9g, torch %.9g", sd.tensors[i].name,
                         sum, ref);
            }
            resr_npy_free(&r);
        }
        resr_test_check(ok, "official/animevideov3_all_sums", "%s", why);
        resr_state_dict_free(&sd);
    } else {
        resr_test_fail("official/animevideov3_all_sums", "%s", err);
    }

    /* zip lookups by suffix: the root folder is the file's name */
    ResrZip zip;
    size_t matches = 0;
    if (file && resr_zip_open(&zip, file, size, err, sizeof(err)) == 0) {
        const ResrZipEntry *pkl = resr_zip_find_suffix(&zip, "data.pkl", &matches);
        ok = pkl && !strcmp(pkl->name, "realesr-animevideov3.pth/data.pkl") && matches == 1 &&
             !resr_zip_find_suffix(&zip, "ata.pkl", &matches) && matches == 0 &&
             resr_zip_find(&zip, "realesr-animevideov3.pth/version");
        resr_test_check(ok, "zip/find_suffix", "lookup failed");

        /* every proper prefix of the real data.pkl is refused cleanly */
        ResrZipData bytes;
        if (pkl && resr_zip_read(&zip, pkl, &bytes, err, sizeof(err)) == 0) {
            ResrPickle pk;
            ok = resr_pickle_parse(&pk, bytes.data, bytes.size, err, sizeof(err)) == 0;
            resr_pickle_free(&pk);
            for (size_t k = 0; ok && k < bytes.size; k++) {
                if (resr_pickle_parse(&pk, bytes.data, k, err, sizeof(err)) == 0) {
                    ok = 0;
                    snprintf(why, sizeof(why), "prefix of %zu bytes parsed", k);
                    resr_pickle_free(&pk);
                } else if (!err[0]) {
                    ok = 0;
                    snprintf(why, sizeof(why), "prefix of %zu bytes: empty message", k);
                }
            }
            resr_test_check(ok, "pickle/every_prefix_of_official", "%s", why);
            resr_zip_data_free(&bytes);
        }
        resr_zip_close(&zip);
    }
    free(file);
}

/* ------------------------------------------------------------------ hostile files */

typedef struct BadCase {
    const char *file;
    const char *message;   /* must appear in the error */
} BadCase;

static const BadCase bad_cases[] = {
    /* pickles that would run code */
    { "evil_posix_system.pth",   "refusing pickle global 'posix.system' (only state-dict tensors are loaded)" },
    { "evil_os_system.pth",      "refusing pickle global 'os.system' (only state-dict tensors are loaded)" },
    { "evil_builtins_eval.pth",  "refusing pickle global 'builtins.eval'" },
    { "evil_stack_global.pth",   "refusing pickle global 'subprocess.check_call'" },
    { "evil_inst.pth",           "refusing pickle opcode INST" },
    { "evil_newobj.pth",         "refusing pickle opcode NEWOBJ" },
    { "evil_reduce_storage.pth", "calls a storage type" },
    { "evil_rebuild_args.pth",   "tensor rebuild at byte" },
    /* malformed pickles */
    { "evil_unknown_opcode.pth", "unknown pickle opcode 0xff" },
    { "evil_deep_marks.pth",     "nests deeper than 256 marks" },
    { "evil_huge_long.pth",      "integer of 1000 bytes" },
    { "evil_memo_unset.pth",     "memo entry 7 read before written" },
    { "evil_memo_huge.pth",      "memo index 4294967280" },
    { "evil_stack_underflow.pth", "stack underflow" },
    { "evil_no_stop.pth",        "no STOP opcode" },
    /* state dicts that lie */
    { "evil_shape_overflow.pth", "tensor 'body.2.weight' has shape [1099511627776,1099511627776,1099511627776] whose element count overflows" },
    { "evil_offset_past_end.pth", "tensor 'body.0.bias' (8 elements at offset 5) runs past the end of its storage" },
    { "evil_noncontiguous.pth",  "tensor 'body.2.weight' is not contiguous" },
    { "evil_numel_lie.pth",      "holds 32 bytes, the pickle declares 100 float32 elements" },
    { "evil_long_storage.pth",   "tensor 'body.1.weight' has unsupported dtype int64" },
    { "evil_missing_storage.pth", "tensor 'body.3.weight': its storage 'data/999' is missing" },
    { "evil_duplicate_tensor.pth", "duplicate tensor 'body.0.weight'" },
    { "evil_param_flood.pth",    "checkpoint holds more than 268435456 parameters" },
    { "evil_duplicate_container.pth", "duplicate key 'params_ema'" },
    /* well-formed files that are not our networks */
    { "err_missing_key.pth",     "missing tensor 'body.3.weight'" },
    { "err_extra_key.pth",       "unexpected tensor 'foo.weight' for SRVGGNetCompact" },
    { "err_wrong_shape.pth",     "tensor 'body.0.rdb1.conv3.weight' has shape [4,12,3,3], expected [4,16,3,3]" },
    { "err_conv_shape.pth",      "tensor 'body.4.weight' has shape [8], expected [8,8,3,3]" },
    { "err_int64.pth",           "tensor 'body.0.bias' has unsupported dtype int64" },
    { "err_nan.pth",             "tensor 'body.2.weight' holds NaN at element 91" },
    { "err_inf_f16.pth",         "tensor 'body.4.bias' holds Inf at element 3" },
    { "err_unknown_arch.pth",    "unknown architecture: no 'conv_first.weight' or 'body.0.weight'" },
    { "err_not_a_dict.pth",      "checkpoint holds a tensor, not a state dict" },
    { "err_legacy.pth",          "legacy (PyTorch < 1.6) checkpoint format is not supported" },
    { "err_big_endian.pth",      "big-endian" },
    /* zip structure */
    { "zip_bomb_declared.pth",   "more than deflate can encode (zip bomb?)" },
    { "zip_bomb_stream.pth",     "inflates to more than its declared 4096 bytes" },
    { "zip_size_overflow.pth",   "runs past the archive data" },
    { "zip_offset_overflow.pth", "starts outside the archive data" },
    { "zip_zip64_missing.pth",   "corrupt zip64 extra field" },
    { "zip_cd_overflow.pth",     "truncated: zip central directory" },
    { "zip_count_lie.pth",       "5000 entries cannot fit" },
    { "zip_bad_crc.pth",         "is corrupt: CRC-32" },
    { "zip_local_name.pth",      "local header names a different file" },
    { "zip_bzip2.pth",           "compression method 12" },
    { "zip_encrypted.pth",       "is encrypted" },
    { "zip_duplicate_entry.pth", "duplicate zip entry 'crafted/data/0'" },
    { "zip_corrupt_deflate.pth", "invalid block type" },
    { "zip_no_pickle.pth",       "no data.pkl entry" },
    /* safetensors */
    { "st_truncated_header.safetensors", "truncated: safetensors header needs 1048576 bytes" },
    { "st_offset_past_end.safetensors",  "data_offsets" },
    { "st_int64.safetensors",            "tensor 'body.0.bias' has unsupported dtype I64" },
    { "st_shape_overflow.safetensors",   "safetensors tensor 'body.2.weight': shape is too large" },
    { "st_size_mismatch.safetensors",    "bytes of data for 384 F32 elements" },
    { "st_duplicate.safetensors",        "duplicate tensor 'body.0.weight'" },
    { "st_deep.safetensors",             "nests deeper than 16" },
    { "st_control_char.safetensors",     "control character in string" },
};

static void test_hostile(void)
{
    remove(PWNED);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const BadCase *b = &bad_cases[i];
        const char *path = in_data(b->file);
        char err[1024] = "", name[200];
        ResrModel *m = NULL;
        snprintf(name, sizeof(name), "refuse/%s", b->file);
        if (!file_exists(path)) {
            resr_test_fail(name, "fixture missing (run make_test_models.py)");
            continue;
        }
        const int ret = resr_model_load(&m, path, err, sizeof(err));
        resr_test_check(ret < 0 && !m && strstr(err, path) && strstr(err, b->message), name,
                        "ret %d, error '%s', wanted '%s'", ret, err, b->message);
        resr_model_free(&m);
    }
    resr_test_check(!file_exists(PWNED), "refuse/nothing_executed", "%s exists: a pickle payload "
                    "ran", PWNED);

    char err[512];
    ResrModel *m = NULL;
    int ret = resr_model_load(&m, "no/such/model.pth", err, sizeof(err));
    resr_test_check(ret == -ENOENT && !strcmp(err, "no/such/model.pth: no such file"),
                    "refuse/no_such_file", "ret %d '%s'", ret, err);
    ret = resr_model_load(&m, data_dir, err, sizeof(err));
    resr_test_check(ret < 0 && strstr(err, data_dir), "refuse/directory", "ret %d '%s'", ret, err);
    ret = resr_model_load_buffer(&m, (const uint8_t *)"", 0, "x.pth", err, sizeof(err));
    resr_test_check(ret < 0 && !strcmp(err, "x.pth: empty file"), "refuse/empty", "'%s'", err);
    ret = resr_model_load_buffer(&m, (const uint8_t *)"hello world!", 12, "x.bin", err,
                                 sizeof(err));
    resr_test_check(ret < 0 && strstr(err, "x.bin: not a PyTorch .pth (zip) or .safetensors file"),
                    "refuse/garbage", "'%s'", err);
    ret = resr_model_load_buffer(&m, (const uint8_t *)"PK\3\4 truncated", 15, "x.pth", err,
                                 sizeof(err));
    resr_test_check(ret < 0 && !strcmp(err, "x.pth: truncated: zip central directory not found"),
                    "refuse/truncated_zip", "'%s'", err);
}

/* Every k-th prefix of real files: a clean error each time, never a crash or a model. */
static void test_truncations(void)
{
    static const char *files[] = { "rrdb_x4_f32.pth", "srvgg_x2_deflated.pth",
                                   "crafted_long_keys.pth", "rrdb_x4_f32.safetensors",
                                   "srvgg_x2_bf16.safetensors", NULL };
    char official[1024];
    snprintf(official, sizeof(official), "%s/realesr-animevideov3.pth", shared_dir);

    for (int f = 0; f < 6; f++) {
        const char *path = f < 5 ? in_data(files[f]) : official;
        size_t size = 0;
        uint8_t *data = read_file(path, &size);
        char name[300], why[600] = "";
        if (!data) {
            snprintf(name, sizeof(name), "truncate/%s", f < 5 ? files[f] : "animevideov3");
            if (f == 5)
                resr_test_skip_data(name, "%s not found", path);
            else
                resr_test_fail(name, "cannot read %s", path);
            continue;
        }
        snprintf(name, sizeof(name), "truncate/%s", f < 5 ? files[f] : "animevideov3");
        const size_t step = size > 20000 ? size / 700 : 7;
        int ok = 1;
        size_t tried = 0;
        /* every step-th prefix, then the one a byte short of the whole file */
        for (size_t k = 0; ok && k < size;
             k = k + step < size - 1 ? k + step : k + 1 < size - 1 ? size - 1 : size) {
            ResrModel *m = NULL;
            char err[512] = "";
            /* a copy of exactly k bytes, so ASan sees any read past the end */
            uint8_t *cut = malloc(k ? k : 1);
            memcpy(cut, data, k);
            const int ret = resr_model_load_buffer(&m, cut, k, "cut.pth", err, sizeof(err));
            if (ret >= 0 || m || strncmp(err, "cut.pth: ", 9)) {
                ok = 0;
                snprintf(why, sizeof(why), "prefix %zu of %zu: ret %d '%s'", k, size, ret, err);
            }
            resr_model_free(&m);
            free(cut);
            tried++;
        }
        resr_test_check(ok && tried > 100, name, "%s (%zu prefixes)", why, tried);
        free(data);
    }

    /* the safetensors JSON header cut at every byte (with a consistent length prefix) */
    size_t size = 0;
    uint8_t *st = read_file(in_data("srvgg_x4_f16.safetensors"), &size);
    if (st && size > 8) {
        uint64_t hlen = 0;
        for (int i = 0; i < 8; i++)
            hlen |= (uint64_t)st[i] << (8 * i);
        int ok = hlen < size;
        char why[600] = "";
        for (uint64_t k = 0; ok && k <= hlen; k++) {
            uint8_t *buf = malloc(8 + k + 1);
            ResrSafeTensors t;
            for (int i = 0; i < 8; i++)
                buf[i] = (uint8_t)(k >> (8 * i));
            memcpy(buf + 8, st + 8, k);
            const int ret = resr_safetensors_parse(&t, buf, 8 + k, why, sizeof(why));
            /* only the full header (padded with spaces) may parse */
            const int whole = k >= hlen - 7 && ret == 0;
            if (ret == 0 && !whole)
                ok = 0, snprintf(why, sizeof(why), "header cut at %llu parsed",
                                 (unsigned long long)k);
            if (ret == 0)
                resr_safetensors_free(&t);
            free(buf);
        }
        resr_test_check(ok, "truncate/safetensors_header_every_byte", "%s", why);
    } else {
        resr_test_fail("truncate/safetensors_header_every_byte", "fixture missing");
    }
    free(st);
}

/* ------------------------------------------------------------------ random corruption */

/* A stored-only zip of the given entries with correct CRCs: corruption then reaches the
 * pickle and the tensors instead of stopping at the CRC check. */
static uint8_t *build_zip(const char **names, const uint8_t **datas, const size_t *sizes, int n,
                          size_t *out_size)
{
    size_t total = 22;
    for (int i = 0; i < n; i++)
        total += 30 + 46 + 2 * strlen(names[i]) + sizes[i];
    uint8_t *z = calloc(1, total), *p = z;
    size_t offsets[64];
    #define PUT16(v) do { *p++ = (uint8_t)(v); *p++ = (uint8_t)((v) >> 8); } while (0)
    #define PUT32(v) do { PUT16((v) & 0xffff); PUT16(((v) >> 16) & 0xffff); } while (0)
    for (int i = 0; i < n; i++) {
        const uint32_t crc = resr_crc32(0, datas[i], sizes[i]);
        const size_t nl = strlen(names[i]);
        offsets[i] = (size_t)(p - z);
        PUT32(0x04034b50u); PUT16(20); PUT16(0); PUT16(0); PUT16(0); PUT16(0);
        PUT32(crc); PUT32((uint32_t)sizes[i]); PUT32((uint32_t)sizes[i]); PUT16(nl); PUT16(0);
        memcpy(p, names[i], nl); p += nl;
        memcpy(p, datas[i], sizes[i]); p += sizes[i];
    }
    const size_t cd = (size_t)(p - z);
    for (int i = 0; i < n; i++) {
        const uint32_t crc = resr_crc32(0, datas[i], sizes[i]);
        const size_t nl = strlen(names[i]);
        PUT32(0x02014b50u); PUT16(20); PUT16(20); PUT16(0); PUT16(0); PUT16(0); PUT16(0);
        PUT32(crc); PUT32((uint32_t)sizes[i]); PUT32((uint32_t)sizes[i]); PUT16(nl); PUT16(0);
        PUT16(0); PUT16(0); PUT16(0); PUT32(0u); PUT32((uint32_t)offsets[i]);
        memcpy(p, names[i], nl); p += nl;
    }
    const size_t cd_size = (size_t)(p - z) - cd;
    PUT32(0x06054b50u); PUT16(0); PUT16(0); PUT16(n); PUT16(n);
    PUT32((uint32_t)cd_size); PUT32((uint32_t)cd); PUT16(0);
    #undef PUT16
    #undef PUT32
    *out_size = (size_t)(p - z);
    return z;
}

static void test_random_corruption(void)
{
    static const char *files[] = { "srvgg_x2_deflated.pth", "crafted_long_keys.pth",
                                   "srvgg_x4_f16.safetensors", "rrdb_x2_f16.pth" };
    uint32_t rng = 0x2545f491u;

    for (int f = 0; f < 4; f++) {
        size_t size = 0;
        uint8_t *data = read_file(in_data(files[f]), &size);
        char name[200];
        snprintf(name, sizeof(name), "fuzz/%s", files[f]);
        if (!data) {
            resr_test_fail(name, "fixture missing");
            continue;
        }
        int loaded = 0, refused = 0, silent = 0;
        uint8_t *mut = malloc(size);
        for (int it = 0; it < 500; it++) {
            ResrModel *m = NULL;
            char err[512] = "";
            memcpy(mut, data, size);
            const int flips = 1 + (int)(rng_next(&rng) % 4);
            for (int k = 0; k < flips; k++)
                mut[rng_next(&rng) % size] = (uint8_t)rng_next(&rng);
            if (resr_model_load_buffer(&m, mut, size, "fuzz.pth", err, sizeof(err)) == 0)
                loaded++;
            else if (strncmp(err, "fuzz.pth: ", 10) || !err[10])
                silent++;
            else
                refused++;
            resr_model_free(&m);
        }
        free(mut);
        free(data);
        printf("# %s: %d loaded, %d refused\n", name, loaded, refused);
        resr_test_check(silent == 0, name, "%d errors without a message", silent);
    }

    /* pickle corruption behind valid CRCs */
    size_t size = 0;
    uint8_t *data = read_file(in_data("zip_crafted_ok.pth"), &size);
    ResrZip zip;
    char err[512];
    if (!data || resr_zip_open(&zip, data, size, err, sizeof(err)) < 0 || zip.count > 64) {
        resr_test_fail("fuzz/pickle_behind_crc", "fixture missing");
        free(data);
        return;
    }
    const char *names[64];
    const uint8_t *datas[64];
    size_t sizes[64];
    ResrZipData parts[64];
    int pkl = -1, n = (int)zip.count;
    for (int i = 0; i < n; i++) {
        resr_zip_read(&zip, &zip.entries[i], &parts[i], err, sizeof(err));
        names[i] = zip.entries[i].name;
        datas[i] = parts[i].data;
        sizes[i] = parts[i].size;
        if (strstr(names[i], "data.pkl"))
            pkl = i;
    }
    int loaded = 0, refused = 0, silent = 0;
    uint8_t *mut = malloc(sizes[pkl] + 64);
    for (int it = 0; it < 3000; it++) {
        size_t msize = sizes[pkl];
        memcpy(mut, datas[pkl], msize);
        const int flips = 1 + (int)(rng_next(&rng) % 3);
        for (int k = 0; k < flips; k++) {
            const uint32_t r = rng_next(&rng);
            const size_t at = rng_next(&rng) % msize;
            /* small integers (sizes, offsets, memo slots) are where lies hurt most */
            mut[at] = r % 3 == 0 ? (uint8_t)r : r % 3 == 1 ? (uint8_t)(mut[at] + 1) : 0xff;
        }
        if (it % 7 == 0)
            msize = rng_next(&rng) % msize;
        datas[pkl] = mut;
        sizes[pkl] = msize;
        size_t zsize;
        uint8_t *z = build_zip(names, datas, sizes, n, &zsize);
        ResrModel *m = NULL;
        char e[512] = "";
        if (resr_model_load_buffer(&m, z, zsize, "fz.pth", e, sizeof(e)) == 0)
            loaded++;
        else if (strncmp(e, "fz.pth: ", 8) || !e[8])
            silent++;
        else
            refused++;
        resr_model_free(&m);
        free(z);
        datas[pkl] = parts[pkl].data;
        sizes[pkl] = parts[pkl].size;
    }
    free(mut);
    /* the unmutated rebuild must load: the harness itself is sound */
    size_t zsize;
    uint8_t *z = build_zip(names, datas, sizes, n, &zsize);
    ResrModel *m = NULL;
    const int base = resr_model_load_buffer(&m, z, zsize, "fz.pth", err, sizeof(err));
    resr_model_free(&m);
    free(z);
    printf("# fuzz/pickle_behind_crc: %d loaded, %d refused\n", loaded, refused);
    resr_test_check(silent == 0 && base == 0 && refused > 1000, "fuzz/pickle_behind_crc",
                    "%d silent errors, baseline %d (%s), %d refused", silent, base,
                    base ? err : "ok", refused);
    for (int i = 0; i < n; i++)
        resr_zip_data_free(&parts[i]);
    resr_zip_close(&zip);
    free(data);
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    char err[512];

    if (getenv("RESR_SHARED_MODELS"))
        shared_dir = getenv("RESR_SHARED_MODELS");
    if (argc > 1)
        data_dir = argv[1];
    if (argc > 2)
        shared_dir = argv[2];

    have_expected = resr_npz_open(&expected, in_data("expected.npz"), err, sizeof(err)) == 0;
    resr_test_check(have_expected, "fixtures/expected_npz", "%s (run /usr/bin/python3 "
                    "tests/models/make_test_models.py)", err);

    test_crc32();
    test_inflate_vectors();
    test_half_conversions();
    test_npy();
    test_safetensors_json();
    test_good_checkpoints();
    test_published_costs();
    test_official();
    test_hostile();
    test_truncations();
    test_random_corruption();

    if (have_expected)
        resr_npz_close(&expected);
    return resr_test_exit();
}
