/*
 * .npy format: "\x93NUMPY", version, header length, a Python dict literal
 * {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces, then
 * the raw elements.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../models/state_dict.h"
#include "npy.h"

static int set_err(char *err, size_t err_size, int ret, const char *fmt, ...)
{
    va_list ap;
    if (err && err_size) {
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return ret;
}

/* Finds key in the header and returns a pointer just past "'key':" and its spaces. */
static const char *field(const char *h, size_t len, const char *key)
{
    char pattern[64];
    const size_t plen = (size_t)snprintf(pattern, sizeof(pattern), "'%s':", key);
    for (size_t i = 0; i + plen <= len; i++) {
        if (memcmp(h + i, pattern, plen))
            continue;
        i += plen;
        while (i < len && h[i] == ' ')
            i++;
        return h + i;
    }
    return NULL;
}

int resr_npy_parse(const uint8_t *data, size_t size, ResrNpyArray *out, char *err, size_t err_size)
{
    size_t hlen, hstart;
    int esize;

    memset(out, 0, sizeof(*out));
    if (size < 10 || memcmp(data, "\x93NUMPY", 6))
        return set_err(err, err_size, -EINVAL, "not a .npy file");
    if (data[6] == 1) {
        hlen = (size_t)data[8] | (size_t)data[9] << 8;
        hstart = 10;
    } else if ((data[6] == 2 || data[6] == 3) && size >= 12) {
        hlen = (size_t)data[8] | (size_t)data[9] << 8 | (size_t)data[10] << 16 |
               (size_t)data[11] << 24;
        hstart = 12;
    } else {
        return set_err(err, err_size, -EINVAL, ".npy version %d not supported", data[6]);
    }
    if (hlen > size - hstart)
        return set_err(err, err_size, -EINVAL, "truncated .npy header");
    const char *h = (const char *)data + hstart, *end = h + hlen, *p;

    if (!(p = field(h, hlen, "descr")) || end - p < 5 || *p != '\'')
        return set_err(err, err_size, -EINVAL, ".npy header has no descr");
    if (!memcmp(p, "'<f4'", 5))      { out->dtype = RESR_NPY_F32; esize = 4; }
    else if (!memcmp(p, "'<f2'", 5)) { out->dtype = RESR_NPY_F16; esize = 2; }
    else if (!memcmp(p, "'|u1'", 5)) { out->dtype = RESR_NPY_U8;  esize = 1; }
    else if (!memcmp(p, "'<u2'", 5)) { out->dtype = RESR_NPY_U16; esize = 2; }
    else {
        const char *q = memchr(p + 1, '\'', (size_t)(end - p - 1));
        return set_err(err, err_size, -EINVAL, ".npy dtype %.*s not supported (float32, "
                       "float16, uint8, uint16 only)", q ? (int)(q - p + 1) : 8, p);
    }
    if (!(p = field(h, hlen, "fortran_order")) || end - p < 5 || memcmp(p, "False", 5))
        return set_err(err, err_size, -EINVAL, ".npy array is not in C order");
    if (!(p = field(h, hlen, "shape")) || p >= end || *p != '(')
        return set_err(err, err_size, -EINVAL, ".npy header has no shape");
    p++;
    out->count = 1;
    for (;;) {
        while (p < end && (*p == ' ' || *p == ','))
            p++;
        if (p < end && *p == ')')
            break;
        if (p >= end || *p < '0' || *p > '9' || out->ndim == RESR_NPY_MAX_DIMS)
            return set_err(err, err_size, -EINVAL, "bad .npy shape");
        int64_t v = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return set_err(err, err_size, -EINVAL, "bad .npy shape");
            v = v * 10 + (*p++ - '0');
        }
        if (v && out->count > SIZE_MAX / 8 / (size_t)v)
            return set_err(err, err_size, -EINVAL, ".npy array too large");
        out->shape[out->ndim++] = v;
        out->count *= (size_t)v;
    }
    const size_t body = size - hstart - hlen;
    if (body != out->count * (size_t)esize)
        return set_err(err, err_size, -EINVAL, ".npy holds %zu data bytes, its shape needs %zu",
                       body, out->count * (size_t)esize);
    out->data = malloc(body ? body : 1);
    if (!out->data)
        return set_err(err, err_size, -ENOMEM, "out of memory");
    memcpy(out->data, data + hstart + hlen, body);
    return 0;
}

int resr_npz_open(ResrNpz *npz, const char *path, char *err, size_t err_size)
{
    FILE *f;
    long size;
    int ret;

    memset(npz, 0, sizeof(*npz));
    f = fopen(path, "rb");
    if (!f)
        return set_err(err, err_size, -ENOENT, "%s: cannot open", path);
    if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
        fclose(f);
        return set_err(err, err_size, -EIO, "%s: cannot read", path);
    }
    npz->file = malloc(size ? (size_t)size : 1);
    npz->size = (size_t)size;
    if (!npz->file || fread(npz->file, 1, npz->size, f) != npz->size) {
        fclose(f);
        resr_npz_close(npz);
        return set_err(err, err_size, -EIO, "%s: cannot read", path);
    }
    fclose(f);
    if ((ret = resr_zip_open(&npz->zip, npz->file, npz->size, err, err_size)) < 0) {
        free(npz->file);
        memset(npz, 0, sizeof(*npz));
        return ret;
    }
    return 0;
}

void resr_npz_close(ResrNpz *npz)
{
    resr_zip_close(&npz->zip);
    free(npz->file);
    memset(npz, 0, sizeof(*npz));
}

int resr_npz_read(const ResrNpz *npz, const char *name, ResrNpyArray *out,
                  char *err, size_t err_size)
{
    char entry_name[512];
    ResrZipData bytes;
    int ret;

    memset(out, 0, sizeof(*out));
    snprintf(entry_name, sizeof(entry_name), "%s.npy", name);
    const ResrZipEntry *e = resr_zip_find(&npz->zip, entry_name);
    if (!e)
        return set_err(err, err_size, -ENOENT, "no array '%s' in the npz", name);
    if ((ret = resr_zip_read(&npz->zip, e, &bytes, err, err_size)) < 0)
        return ret;
    ret = resr_npy_parse(bytes.data, bytes.size, out, err, err_size);
    resr_zip_data_free(&bytes);
    return ret;
}

int resr_npz_read_f32(const ResrNpz *npz, const char *name, ResrNpyArray *out,
                      char *err, size_t err_size)
{
    ResrNpyArray raw;
    int ret;

    if ((ret = resr_npz_read(npz, name, &raw, err, err_size)) < 0)
        return ret;
    if (raw.dtype == RESR_NPY_F32) {
        *out = raw;
        return 0;
    }
    *out = raw;
    out->dtype = RESR_NPY_F32;
    out->data = malloc((raw.count ? raw.count : 1) * sizeof(float));
    if (!out->data) {
        resr_npy_free(&raw);
        return set_err(err, err_size, -ENOMEM, "out of memory");
    }
    float *dst = out->data;
    for (size_t i = 0; i < raw.count; i++) {
        switch (raw.dtype) {
        case RESR_NPY_F16: {
            const uint8_t *b = (const uint8_t *)raw.data + 2 * i;
            dst[i] = resr_f16_to_f32((uint16_t)(b[0] | b[1] << 8));
            break;
        }
        case RESR_NPY_U8:
            dst[i] = ((const uint8_t *)raw.data)[i];
            break;
        case RESR_NPY_U16: {
            const uint8_t *b = (const uint8_t *)raw.data + 2 * i;
            dst[i] = (float)(b[0] | b[1] << 8);
            break;
        }
        case RESR_NPY_F32:
            break;
        }
    }
    resr_npy_free(&raw);
    return 0;
}

void resr_npy_free(ResrNpyArray *a)
{
    free(a->data);
    memset(a, 0, sizeof(*a));
}
