/*
 * The JSON header is parsed by recursive descent with a depth limit; only the top-level
 * object and each tensor's {dtype, shape, data_offsets} are interpreted, anything else
 * (__metadata__, unknown fields) is validated as JSON and skipped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "safetensors.h"

#define MAX_DEPTH 16

typedef struct Json {
    const char *s;
    size_t len, pos;
    char *err;
    size_t err_size;
} Json;

typedef struct DTypeName {
    const char *name;
    ResrDType dtype;
} DTypeName;

static const DTypeName dtype_names[] = {
    { "F32", RESR_DTYPE_F32 }, { "F16", RESR_DTYPE_F16 }, { "BF16", RESR_DTYPE_BF16 },
};

static int fail(Json *j, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = resr_vset_error(j->err, j->err_size, -EINVAL, fmt, ap);
    va_end(ap);
    return ret;
}

static int syntax(Json *j, const char *what)
{
    return fail(j, "corrupt safetensors header: %s at byte %zu", what, j->pos + 8);
}

static void skip_ws(Json *j)
{
    while (j->pos < j->len && (j->s[j->pos] == ' ' || j->s[j->pos] == '\t' ||
                               j->s[j->pos] == '\n' || j->s[j->pos] == '\r'))
        j->pos++;
}

/* Consumes c (after whitespace); returns 1 if it was there. */
static int accept(Json *j, char c)
{
    skip_ws(j);
    if (j->pos < j->len && j->s[j->pos] == c) {
        j->pos++;
        return 1;
    }
    return 0;
}

static int hex4(Json *j, unsigned *out)
{
    *out = 0;
    if (j->len - j->pos < 4)
        return syntax(j, "truncated \\u escape");
    for (int i = 0; i < 4; i++) {
        const char c = j->s[j->pos++];
        const unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                         : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (d > 15)
            return syntax(j, "bad \\u escape");
        *out = *out << 4 | d;
    }
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/*
 * Parses a string. out (may be NULL to skip) receives a malloc'd NUL-terminated copy with
 * escapes decoded; escapes never decode longer than they are written, so the raw length
 * bounds the copy.
 */
static int parse_string(Json *j, char **out)
{
    char *buf = NULL;
    size_t o = 0;
    int ret;

    if (!accept(j, '"'))
        return syntax(j, "expected a string");
    if (out) {
        size_t end = j->pos;
        while (end < j->len && j->s[end] != '"')
            end += j->s[end] == '\\' ? 2 : 1;
        buf = malloc(end - j->pos + 1);
        if (!buf) {
            fail(j, "out of memory parsing the safetensors header");
            return -ENOMEM;
        }
    }
    for (;;) {
        if (j->pos >= j->len) {
            ret = syntax(j, "unterminated string");
            goto fail;
        }
        const unsigned char c = (unsigned char)j->s[j->pos++];
        if (c == '"')
            break;
        if (c < 0x20) {
            ret = syntax(j, "control character in string");
            goto fail;
        }
        if (c != '\\') {
            if (buf)
                buf[o++] = (char)c;
            continue;
        }
        if (j->pos >= j->len) {
            ret = syntax(j, "unterminated string");
            goto fail;
        }
        const char e = j->s[j->pos++];
        char lit = 0;
        switch (e) {
        case '"':  lit = '"';  break;
        case '\\': lit = '\\'; break;
        case '/':  lit = '/';  break;
        case 'b':  lit = '\b'; break;
        case 'f':  lit = '\f'; break;
        case 'n':  lit = '\n'; break;
        case 'r':  lit = '\r'; break;
        case 't':  lit = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if ((ret = hex4(j, &cp)) < 0)
                goto fail;
            if (cp >= 0xd800 && cp < 0xdc00) {
                if (j->len - j->pos < 2 || j->s[j->pos] != '\\' || j->s[j->pos + 1] != 'u') {
                    ret = syntax(j, "unpaired surrogate");
                    goto fail;
                }
                j->pos += 2;
                if ((ret = hex4(j, &lo)) < 0)
                    goto fail;
                if (lo < 0xdc00 || lo >= 0xe000) {
                    ret = syntax(j, "unpaired surrogate");
                    goto fail;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                ret = syntax(j, "unpaired surrogate");
                goto fail;
            }
            if (cp == 0) {
                ret = syntax(j, "NUL character in string");
                goto fail;
            }
            if (buf)
                o += put_utf8(buf + o, cp);
            continue;
        }
        default:
            ret = syntax(j, "bad escape");
            goto fail;
        }
        if (buf)
            buf[o++] = lit;
    }
    if (out) {
        buf[o] = 0;
        *out = buf;
    }
    return 0;
fail:
    free(buf);
    return ret;
}

/* A non-negative integer (what shapes and offsets are). */
static int parse_uint(Json *j, int64_t *out)
{
    uint64_t v = 0;
    size_t digits = 0;

    skip_ws(j);
    while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9') {
        const unsigned d = (unsigned)(j->s[j->pos++] - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            return fail(j, "safetensors header: integer too large at byte %zu", j->pos + 8);
        v = v * 10 + d;
        digits++;
    }
    if (!digits)
        return syntax(j, "expected a non-negative integer");
    if (j->pos < j->len && (j->s[j->pos] == '.' || j->s[j->pos] == 'e' || j->s[j->pos] == 'E'))
        return syntax(j, "expected an integer");
    *out = (int64_t)v;
    return 0;
}

static int skip_value(Json *j, int depth);

static int skip_number(Json *j)
{
    size_t digits = 0;
    if (j->pos < j->len && j->s[j->pos] == '-')
        j->pos++;
    while (j->pos < j->len && ((j->s[j->pos] >= '0' && j->s[j->pos] <= '9') ||
                               j->s[j->pos] == '.' || j->s[j->pos] == 'e' ||
                               j->s[j->pos] == 'E' || j->s[j->pos] == '+' || j->s[j->pos] == '-')) {
        j->pos++;
        digits++;
    }
    return digits ? 0 : syntax(j, "expected a value");
}

static int skip_literal(Json *j, const char *lit)
{
    const size_t n = strlen(lit);
    if (j->len - j->pos < n || memcmp(j->s + j->pos, lit, n))
        return syntax(j, "expected a value");
    j->pos += n;
    return 0;
}

static int skip_value(Json *j, int depth)
{
    int ret;

    if (depth > MAX_DEPTH)
        return fail(j, "safetensors header nests deeper than %d", MAX_DEPTH);
    skip_ws(j);
    if (j->pos >= j->len)
        return syntax(j, "truncated");
    switch (j->s[j->pos]) {
    case '"':
        return parse_string(j, NULL);
    case '{':
        j->pos++;
        if (accept(j, '}'))
            return 0;
        do {
            if ((ret = parse_string(j, NULL)) < 0)
                return ret;
            if (!accept(j, ':'))
                return syntax(j, "expected ':'");
            if ((ret = skip_value(j, depth + 1)) < 0)
                return ret;
        } while (accept(j, ','));
        return accept(j, '}') ? 0 : syntax(j, "expected '}'");
    case '[':
        j->pos++;
        if (accept(j, ']'))
            return 0;
        do {
            if ((ret = skip_value(j, depth + 1)) < 0)
                return ret;
        } while (accept(j, ','));
        return accept(j, ']') ? 0 : syntax(j, "expected ']'");
    case 't': return skip_literal(j, "true");
    case 'f': return skip_literal(j, "false");
    case 'n': return skip_literal(j, "null");
    }
    return skip_number(j);
}

static int parse_uint_array(Json *j, int64_t *out, int max, int *n, const char *tensor,
                            const char *field)
{
    int ret;

    *n = 0;
    if (!accept(j, '['))
        return fail(j, "safetensors tensor '%s': %s is not an array", tensor, field);
    if (accept(j, ']'))
        return 0;
    do {
        if (*n >= max)
            return fail(j, "safetensors tensor '%s': %s has more than %d entries", tensor,
                        field, max);
        if ((ret = parse_uint(j, &out[(*n)++])) < 0)
            return ret;
    } while (accept(j, ','));
    return accept(j, ']') ? 0 : syntax(j, "expected ']'");
}

/* {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]} */
static int parse_tensor(Json *j, ResrSafeTensor *t, int64_t offsets[2])
{
    char *key = NULL, *dtype = NULL;
    int have_dtype = 0, have_shape = 0, have_offsets = 0, n, ret = 0;

    if (!accept(j, '{'))
        return fail(j, "safetensors tensor '%s' is not an object", t->name);
    if (!accept(j, '}')) {
        do {
            if ((ret = parse_string(j, &key)) < 0)
                goto done;
            if (!accept(j, ':')) {
                ret = syntax(j, "expected ':'");
                goto done;
            }
            if (!strcmp(key, "dtype")) {
                if ((ret = parse_string(j, &dtype)) < 0)
                    goto done;
                snprintf(t->dtype_name, sizeof(t->dtype_name), "%s", dtype);
                free(dtype);
                dtype = NULL;
                have_dtype++;
            } else if (!strcmp(key, "shape")) {
                if ((ret = parse_uint_array(j, t->shape, RESR_MAX_DIMS, &t->ndim, t->name,
                                            "shape")) < 0)
                    goto done;
                have_shape++;
            } else if (!strcmp(key, "data_offsets")) {
                if ((ret = parse_uint_array(j, offsets, 2, &n, t->name, "data_offsets")) < 0)
                    goto done;
                if (n != 2) {
                    ret = fail(j, "safetensors tensor '%s': data_offsets needs 2 entries",
                               t->name);
                    goto done;
                }
                have_offsets++;
            } else if ((ret = skip_value(j, 2)) < 0) {
                goto done;
            }
            free(key);
            key = NULL;
        } while (accept(j, ','));
        if (!accept(j, '}')) {
            ret = syntax(j, "expected '}'");
            goto done;
        }
    }
    if (have_dtype != 1 || have_shape != 1 || have_offsets != 1)
        ret = fail(j, "safetensors tensor '%s' needs exactly one dtype, shape and data_offsets",
                   t->name);
done:
    free(key);
    free(dtype);
    return ret;
}

/* Checks offsets and sizes, then points the tensor at its bytes. */
static int place_tensor(Json *j, ResrSafeTensor *t, const int64_t off[2], const uint8_t *data,
                        size_t data_size)
{
    int64_t numel = 1;

    t->dtype = RESR_DTYPE_UNSUPPORTED;
    for (size_t i = 0; i < sizeof(dtype_names) / sizeof(dtype_names[0]); i++)
        if (!strcmp(t->dtype_name, dtype_names[i].name))
            t->dtype = dtype_names[i].dtype;
    for (int i = 0; i < t->ndim; i++) {
        if (t->shape[i] && numel > INT64_MAX / 4 / t->shape[i])
            return fail(j, "safetensors tensor '%s': shape is too large", t->name);
        numel *= t->shape[i];
    }
    t->numel = numel;
    if (off[0] > off[1] || (uint64_t)off[1] > data_size)
        return fail(j, "safetensors tensor '%s': data_offsets [%lld, %lld] outside the %zu data "
                    "bytes", t->name, (long long)off[0], (long long)off[1], data_size);
    /* an unsupported dtype is reported by the caller with the tensor's role in the model */
    if (t->dtype != RESR_DTYPE_UNSUPPORTED &&
        (uint64_t)(off[1] - off[0]) != (uint64_t)numel * (uint64_t)resr_dtype_size(t->dtype))
        return fail(j, "safetensors tensor '%s': %lld bytes of data for %lld %s elements",
                    t->name, (long long)(off[1] - off[0]), (long long)numel, t->dtype_name);
    t->data = data + off[0];
    t->size = (size_t)(off[1] - off[0]);
    return 0;
}

int resr_safetensors_probe(const uint8_t *data, size_t size)
{
    if (size < 10)
        return 0;
    uint64_t n = 0;
    for (int i = 0; i < 8; i++)
        n |= (uint64_t)data[i] << (8 * i);
    return n >= 2 && n <= RESR_SAFETENSORS_MAX_HEADER && data[8] == '{';
}

int resr_safetensors_parse(ResrSafeTensors *st, const uint8_t *data, size_t size,
                           char *err, size_t err_size)
{
    Json j = { .err = err, .err_size = err_size };
    uint64_t header = 0;
    char *name = NULL;
    int ret;

    memset(st, 0, sizeof(*st));
    if (size < 8)
        return fail(&j, "truncated: safetensors file shorter than its 8-byte header length");
    for (int i = 0; i < 8; i++)
        header |= (uint64_t)data[i] << (8 * i);
    if (header > RESR_SAFETENSORS_MAX_HEADER)
        return fail(&j, "safetensors header length %llu exceeds the format's limit",
                    (unsigned long long)header);
    if (header > size - 8)
        return fail(&j, "truncated: safetensors header needs %llu bytes, the file has %zu",
                    (unsigned long long)header, size - 8);
    j.s = (const char *)data + 8;
    j.len = (size_t)header;
    const uint8_t *tensor_data = data + 8 + header;
    const size_t data_size = size - 8 - (size_t)header;

    if (!accept(&j, '{'))
        return syntax(&j, "expected '{'");
    if (!accept(&j, '}')) {
        do {
            int64_t offsets[2] = { 0, 0 };
            if ((ret = parse_string(&j, &name)) < 0)
                goto fail;
            if (!accept(&j, ':')) {
                ret = syntax(&j, "expected ':'");
                goto fail;
            }
            if (!strcmp(name, "__metadata__")) {
                if ((ret = skip_value(&j, 1)) < 0)
                    goto fail;
                free(name);
                name = NULL;
                continue;
            }
            if (st->count >= RESR_SAFETENSORS_MAX_TENSORS) {
                ret = fail(&j, "safetensors file has more than %d tensors",
                           RESR_SAFETENSORS_MAX_TENSORS);
                goto fail;
            }
            if (st->count == st->cap) {
                const size_t cap = st->cap ? 2 * st->cap : 64;
                ResrSafeTensor *t = realloc(st->tensors, cap * sizeof(*t));
                if (!t) {
                    fail(&j, "out of memory parsing the safetensors header");
                    ret = -ENOMEM;
                    goto fail;
                }
                st->tensors = t;
                st->cap = cap;
            }
            ResrSafeTensor *t = &st->tensors[st->count++];
            memset(t, 0, sizeof(*t));
            t->name = name;
            name = NULL;
            if ((ret = parse_tensor(&j, t, offsets)) < 0 ||
                (ret = place_tensor(&j, t, offsets, tensor_data, data_size)) < 0)
                goto fail;
        } while (accept(&j, ','));
        if (!accept(&j, '}')) {
            ret = syntax(&j, "expected '}'");
            goto fail;
        }
    }
    skip_ws(&j);
    if (j.pos != j.len) {
        ret = syntax(&j, "trailing bytes after the header object");
        goto fail;
    }
    return 0;
fail:
    free(name);
    resr_safetensors_free(st);
    return ret;
}

void resr_safetensors_free(ResrSafeTensors *st)
{
    for (size_t i = 0; i < st->count; i++)
        free(st->tensors[i].name);
    free(st->tensors);
    memset(st, 0, sizeof(*st));
}
