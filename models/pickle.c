/*
 * Pickle interpretation, opcode by opcode, as Python's _Unpickler.load does, minus every
 * way to run code: find_class is an allow-list lookup, REDUCE a switch over that list.
 * Values live in one growing array and refer to each other by index, so the memo and
 * shared references cost nothing and nothing is ever freed early.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pickle.h"

#define NO_VALUE UINT32_MAX

typedef struct Parser {
    ResrPickle *pk;
    const uint8_t *data;
    size_t size, pos, op_pos;
    uint32_t *stack;
    uint32_t sp, stack_cap;
    uint32_t marks[RESR_PICKLE_MAX_MARKS];  /* stack heights at each MARK */
    int nmarks;
    uint32_t *memo;
    uint32_t memo_len, memo_cap, memo_count;
    char *err;
    size_t err_size;
} Parser;

typedef struct StorageType {
    const char *name;
    ResrDType dtype;
    const char *dtype_name;
} StorageType;

static const StorageType storage_types[] = {
    { "FloatStorage",         RESR_DTYPE_F32,         "float32" },
    { "HalfStorage",          RESR_DTYPE_F16,         "float16" },
    { "BFloat16Storage",      RESR_DTYPE_BF16,        "bfloat16" },
    { "DoubleStorage",        RESR_DTYPE_UNSUPPORTED, "float64" },
    { "LongStorage",          RESR_DTYPE_UNSUPPORTED, "int64" },
    { "IntStorage",           RESR_DTYPE_UNSUPPORTED, "int32" },
    { "ShortStorage",         RESR_DTYPE_UNSUPPORTED, "int16" },
    { "CharStorage",          RESR_DTYPE_UNSUPPORTED, "int8" },
    { "ByteStorage",          RESR_DTYPE_UNSUPPORTED, "uint8" },
    { "BoolStorage",          RESR_DTYPE_UNSUPPORTED, "bool" },
    { "ComplexFloatStorage",  RESR_DTYPE_UNSUPPORTED, "complex64" },
    { "ComplexDoubleStorage", RESR_DTYPE_UNSUPPORTED, "complex128" },
    { "QInt8Storage",         RESR_DTYPE_UNSUPPORTED, "qint8" },
    { "QUInt8Storage",        RESR_DTYPE_UNSUPPORTED, "quint8" },
    { "QInt32Storage",        RESR_DTYPE_UNSUPPORTED, "qint32" },
    { "UntypedStorage",       RESR_DTYPE_UNSUPPORTED, "untyped bytes" },
};

static int fail(Parser *p, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = resr_vset_error(p->err, p->err_size, -EINVAL, fmt, ap);
    va_end(ap);
    return ret;
}

static int fail_nomem(Parser *p)
{
    return resr_set_error(p->err, p->err_size, -ENOMEM, "out of memory interpreting the pickle");
}

/* Printable, bounded rendering of untrusted bytes for messages. */
static const char *printable(char *buf, size_t buf_size, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < buf_size; i++)
        buf[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (o + 4 >= buf_size && len > o) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
    return buf;
}

const char *resr_pickle_type_name(ResrPickleType type)
{
    switch (type) {
    case RESR_PK_NONE:    return "None";
    case RESR_PK_BOOL:    return "bool";
    case RESR_PK_INT:     return "int";
    case RESR_PK_FLOAT:   return "float";
    case RESR_PK_STR:     return "str";
    case RESR_PK_TUPLE:   return "tuple";
    case RESR_PK_LIST:    return "list";
    case RESR_PK_DICT:    return "dict";
    case RESR_PK_GLOBAL:  return "global";
    case RESR_PK_STORAGE: return "storage";
    case RESR_PK_TENSOR:  return "tensor";
    }
    return "?";
}

/* Grows *ptr to hold at least need elements; limit bounds the count. */
static int grow(void **ptr, uint32_t *cap, uint32_t need, size_t elem, uint32_t limit)
{
    if (need <= *cap)
        return 0;
    if (need > limit)
        return -1;
    uint32_t new_cap = *cap ? *cap : 16;
    while (new_cap < need)
        new_cap = new_cap > limit / 2 ? limit : new_cap * 2;
    void *n = realloc(*ptr, (size_t)new_cap * elem);
    if (!n)
        return -2;
    *ptr = n;
    *cap = new_cap;
    return 0;
}

static int grow_err(Parser *p, int r, const char *what)
{
    return r == -2 ? fail_nomem(p) : fail(p, "pickle has too many %s (limit reached at byte %zu)",
                                          what, p->op_pos);
}

static ResrPickleValue *val(Parser *p, uint32_t i) { return &p->pk->values[i]; }

static int new_value(Parser *p, ResrPickleType type, uint32_t *idx)
{
    ResrPickle *pk = p->pk;
    int r = grow((void **)&pk->values, &pk->cap, pk->count + 1, sizeof(*pk->values),
                 RESR_PICKLE_MAX_VALUES);
    if (r < 0)
        return grow_err(p, r, "values");
    memset(&pk->values[pk->count], 0, sizeof(pk->values[0]));
    pk->values[pk->count].type = type;
    *idx = pk->count++;
    return 0;
}

static int push(Parser *p, uint32_t idx)
{
    int r = grow((void **)&p->stack, &p->stack_cap, p->sp + 1, sizeof(*p->stack),
                 RESR_PICKLE_MAX_STACK);
    if (r < 0)
        return grow_err(p, r, "stack items");
    p->stack[p->sp++] = idx;
    return 0;
}

static int push_new(Parser *p, ResrPickleType type, uint32_t *idx)
{
    int ret = new_value(p, type, idx);
    return ret < 0 ? ret : push(p, *idx);
}

/* Items above the innermost MARK are the only ones an opcode may take, as in Python. */
static uint32_t stack_floor(const Parser *p)
{
    return p->nmarks ? p->marks[p->nmarks - 1] : 0;
}

static int pop(Parser *p, uint32_t *idx)
{
    if (p->sp <= stack_floor(p))
        return fail(p, "corrupt pickle: stack underflow at byte %zu", p->op_pos);
    *idx = p->stack[--p->sp];
    return 0;
}

static int top(Parser *p, uint32_t *idx)
{
    if (p->sp <= stack_floor(p))
        return fail(p, "corrupt pickle: stack underflow at byte %zu", p->op_pos);
    *idx = p->stack[p->sp - 1];
    return 0;
}

static int pop_mark(Parser *p, uint32_t *mark)
{
    if (!p->nmarks)
        return fail(p, "corrupt pickle: no MARK for the opcode at byte %zu", p->op_pos);
    *mark = p->marks[--p->nmarks];
    return 0;
}

static int seq_append(Parser *p, uint32_t container, uint32_t item)
{
    ResrPickleValue *c = val(p, container);
    int r = grow((void **)&c->u.seq.items, &c->u.seq.cap, c->u.seq.len + 1,
                 sizeof(*c->u.seq.items), RESR_PICKLE_MAX_STACK);
    if (r < 0)
        return grow_err(p, r, "container items");
    c->u.seq.items[c->u.seq.len++] = item;
    return 0;
}

/* Moves stack[from..sp) into a new sequence of the given type and pushes it. */
static int collect(Parser *p, ResrPickleType type, uint32_t from)
{
    uint32_t idx;
    int ret;

    if (type == RESR_PK_DICT && (p->sp - from) % 2)
        return fail(p, "corrupt pickle: odd number of dict items at byte %zu", p->op_pos);
    if ((ret = new_value(p, type, &idx)) < 0)
        return ret;
    for (uint32_t i = from; i < p->sp; i++)
        if ((ret = seq_append(p, idx, p->stack[i])) < 0)
            return ret;
    p->sp = from;
    return push(p, idx);
}

static int read_bytes(Parser *p, size_t n, const uint8_t **out)
{
    if (n > p->size - p->pos)
        return fail(p, "truncated pickle: opcode at byte %zu needs %zu more bytes", p->op_pos, n);
    *out = p->data + p->pos;
    p->pos += n;
    return 0;
}

static int read_uint(Parser *p, int n, uint64_t *out)
{
    const uint8_t *b = NULL;
    int ret = read_bytes(p, (size_t)n, &b);
    if (ret < 0)
        return ret;
    *out = 0;
    for (int i = 0; i < n; i++)
        *out |= (uint64_t)b[i] << (8 * i);
    return 0;
}

static int push_int(Parser *p, int64_t v)
{
    uint32_t idx;
    int ret = push_new(p, RESR_PK_INT, &idx);
    if (ret >= 0)
        val(p, idx)->u.i = v;
    return ret;
}

/* LONG1 / LONG4: little-endian two's complement of n bytes; state dicts need <= 8. */
static int push_long(Parser *p, uint64_t n)
{
    const uint8_t *b = NULL;
    uint64_t v = 0;
    int ret;

    if (n > 8)
        return fail(p, "pickle integer of %llu bytes at byte %zu is too large",
                    (unsigned long long)n, p->op_pos);
    if ((ret = read_bytes(p, (size_t)n, &b)) < 0)
        return ret;
    for (uint64_t i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    if (n > 0 && n < 8 && (b[n - 1] & 0x80))
        v |= ~(uint64_t)0 << (8 * n);  /* sign-extend */
    return push_int(p, (int64_t)v);
}

static int push_str(Parser *p, uint64_t n)
{
    const uint8_t *b = NULL;
    uint32_t idx;
    int ret;

    if (n > p->size - p->pos)
        return fail(p, "truncated pickle: string of %llu bytes at byte %zu",
                    (unsigned long long)n, p->op_pos);
    if ((ret = read_bytes(p, (size_t)n, &b)) < 0 || (ret = push_new(p, RESR_PK_STR, &idx)) < 0)
        return ret;
    val(p, idx)->u.str.ptr = (const char *)b;
    val(p, idx)->u.str.len = (size_t)n;
    return 0;
}

static int str_is(const ResrPickleValue *v, const char *s)
{
    const size_t n = strlen(s);
    return v->type == RESR_PK_STR && v->u.str.len == n && !memcmp(v->u.str.ptr, s, n);
}

static int span_is(const char *p, size_t n, const char *s)
{
    return strlen(s) == n && !memcmp(p, s, n);
}

/* The allow-list: torch.load's find_class without the import. */
static int push_global(Parser *p, const char *module, size_t mlen, const char *name, size_t nlen)
{
    ResrPickleGlobal kind = 0;
    const StorageType *st = NULL;
    uint32_t idx;
    int ret;

    if (span_is(module, mlen, "collections") && span_is(name, nlen, "OrderedDict"))
        kind = RESR_PKG_ORDERED_DICT;
    else if (span_is(module, mlen, "torch._utils")) {
        if (span_is(name, nlen, "_rebuild_tensor_v2"))
            kind = RESR_PKG_REBUILD_TENSOR_V2;
        else if (span_is(name, nlen, "_rebuild_tensor"))
            kind = RESR_PKG_REBUILD_TENSOR;
        else if (span_is(name, nlen, "_rebuild_parameter"))
            kind = RESR_PKG_REBUILD_PARAMETER;
        else if (span_is(name, nlen, "_rebuild_parameter_with_state"))
            kind = RESR_PKG_REBUILD_PARAMETER_WITH_STATE;
    } else if (span_is(module, mlen, "torch")) {
        for (size_t i = 0; i < sizeof(storage_types) / sizeof(storage_types[0]); i++)
            if (span_is(name, nlen, storage_types[i].name)) {
                kind = RESR_PKG_STORAGE_TYPE;
                st = &storage_types[i];
            }
    }
    if (!kind) {
        char m[96], n[96];
        return fail(p, "refusing pickle global '%s.%s' (only state-dict tensors are loaded)",
                    printable(m, sizeof(m), module, mlen), printable(n, sizeof(n), name, nlen));
    }
    if ((ret = push_new(p, RESR_PK_GLOBAL, &idx)) < 0)
        return ret;
    val(p, idx)->u.global.kind = kind;
    if (st) {
        val(p, idx)->u.global.dtype = st->dtype;
        val(p, idx)->u.global.dtype_name = st->dtype_name;
    }
    return 0;
}

static int read_line(Parser *p, const char **s, size_t *len)
{
    const size_t max = 256;
    const size_t left = p->size - p->pos;
    const uint8_t *start = p->data + p->pos;
    const uint8_t *nl = memchr(start, '\n', left < max ? left : max);
    if (!nl)
        return fail(p, "corrupt pickle: unterminated GLOBAL name at byte %zu", p->op_pos);
    *s = (const char *)start;
    *len = (size_t)(nl - start);
    p->pos += *len + 1;
    return 0;
}

static int op_global(Parser *p)
{
    const char *module = NULL, *name = NULL;
    size_t mlen = 0, nlen = 0;
    int ret;
    if ((ret = read_line(p, &module, &mlen)) < 0 || (ret = read_line(p, &name, &nlen)) < 0)
        return ret;
    return push_global(p, module, mlen, name, nlen);
}

static int op_stack_global(Parser *p)
{
    uint32_t mi = 0, ni = 0;
    int ret;
    if ((ret = pop(p, &ni)) < 0 || (ret = pop(p, &mi)) < 0)
        return ret;
    const ResrPickleValue *m = val(p, mi), *n = val(p, ni);
    if (m->type != RESR_PK_STR || n->type != RESR_PK_STR)
        return fail(p, "corrupt pickle: STACK_GLOBAL needs two strings at byte %zu", p->op_pos);
    return push_global(p, m->u.str.ptr, m->u.str.len, n->u.str.ptr, n->u.str.len);
}

/* BINPERSID: ('storage', storage_type, key, location, numel) names a zip data entry. */
static int op_binpersid(Parser *p)
{
    uint32_t pid = 0, idx = 0;
    int ret;

    if ((ret = pop(p, &pid)) < 0)
        return ret;
    const ResrPickleValue *t = val(p, pid);
    if (t->type != RESR_PK_TUPLE || t->u.seq.len != 5 ||
        !str_is(val(p, t->u.seq.items[0]), "storage"))
        return fail(p, "unsupported pickle persistent id at byte %zu (expected a torch storage)",
                    p->op_pos);
    const ResrPickleValue *type = val(p, t->u.seq.items[1]);
    const uint32_t key = t->u.seq.items[2];
    const ResrPickleValue *numel = val(p, t->u.seq.items[4]);
    if (type->type != RESR_PK_GLOBAL || type->u.global.kind != RESR_PKG_STORAGE_TYPE)
        return fail(p, "pickle storage at byte %zu has no torch storage type", p->op_pos);
    if (val(p, key)->type != RESR_PK_STR && val(p, key)->type != RESR_PK_INT)
        return fail(p, "pickle storage key at byte %zu is a %s", p->op_pos,
                    resr_pickle_type_name(val(p, key)->type));
    if (numel->type != RESR_PK_INT || numel->u.i < 0)
        return fail(p, "pickle storage at byte %zu has an invalid size", p->op_pos);

    const ResrDType dtype = type->u.global.dtype;
    const char *dtype_name = type->u.global.dtype_name;
    const int64_t n = numel->u.i;
    if ((ret = push_new(p, RESR_PK_STORAGE, &idx)) < 0)
        return ret;
    val(p, idx)->u.storage.dtype = dtype;
    val(p, idx)->u.storage.dtype_name = dtype_name;
    val(p, idx)->u.storage.key = key;
    val(p, idx)->u.storage.numel = n;
    return 0;
}

static int int_tuple(Parser *p, uint32_t idx, int64_t *out, int *n, const char *what)
{
    const ResrPickleValue *t = val(p, idx);
    if (t->type != RESR_PK_TUPLE)
        return fail(p, "tensor %s at byte %zu is a %s, not a tuple", what, p->op_pos,
                    resr_pickle_type_name(t->type));
    if (t->u.seq.len > RESR_MAX_DIMS)
        return fail(p, "tensor at byte %zu has %u dimensions (at most %d supported)", p->op_pos,
                    t->u.seq.len, RESR_MAX_DIMS);
    for (uint32_t i = 0; i < t->u.seq.len; i++) {
        const ResrPickleValue *v = val(p, t->u.seq.items[i]);
        if (v->type != RESR_PK_INT || v->u.i < 0)
            return fail(p, "tensor %s at byte %zu holds an invalid value", what, p->op_pos);
        out[i] = v->u.i;
    }
    *n = (int)t->u.seq.len;
    return 0;
}

/* _rebuild_tensor(storage, offset, size, stride) and _v2(..., requires_grad, hooks[, meta]) */
static int rebuild_tensor(Parser *p, const ResrPickleValue *args, int v2)
{
    ResrPickleTensor t;
    uint32_t idx;
    int ndim_stride, ret;
    const uint32_t n = args->u.seq.len;
    const uint32_t *a = args->u.seq.items;

    if (v2 ? n != 6 && n != 7 : n != 4)
        return fail(p, "tensor rebuild at byte %zu has %u arguments", p->op_pos, n);
    memset(&t, 0, sizeof(t));
    if (val(p, a[0])->type != RESR_PK_STORAGE)
        return fail(p, "tensor at byte %zu is not backed by a storage", p->op_pos);
    if (val(p, a[1])->type != RESR_PK_INT || val(p, a[1])->u.i < 0)
        return fail(p, "tensor at byte %zu has an invalid storage offset", p->op_pos);
    t.storage = a[0];
    t.offset = val(p, a[1])->u.i;
    if ((ret = int_tuple(p, a[2], t.shape, &t.ndim, "size")) < 0 ||
        (ret = int_tuple(p, a[3], t.stride, &ndim_stride, "stride")) < 0)
        return ret;
    if (ndim_stride != t.ndim)
        return fail(p, "tensor at byte %zu has %d sizes but %d strides", p->op_pos, t.ndim,
                    ndim_stride);
    if (v2 && (val(p, a[4])->type != RESR_PK_BOOL ||
               (val(p, a[5])->type != RESR_PK_DICT && val(p, a[5])->type != RESR_PK_NONE)))
        return fail(p, "tensor rebuild at byte %zu has invalid arguments", p->op_pos);

    ResrPickle *pk = p->pk;
    int r = grow((void **)&pk->tensors, &pk->tensor_cap, pk->tensor_count + 1,
                 sizeof(*pk->tensors), RESR_PICKLE_MAX_VALUES);
    if (r < 0)
        return grow_err(p, r, "tensors");
    pk->tensors[pk->tensor_count] = t;
    if ((ret = push_new(p, RESR_PK_TENSOR, &idx)) < 0)
        return ret;
    val(p, idx)->u.tensor = pk->tensor_count++;
    return 0;
}

static int op_reduce(Parser *p)
{
    uint32_t fi = 0, ai = 0, idx = 0;
    int ret;

    if ((ret = pop(p, &ai)) < 0 || (ret = pop(p, &fi)) < 0)
        return ret;
    const ResrPickleValue *f = val(p, fi), *args = val(p, ai);
    if (f->type != RESR_PK_GLOBAL)
        return fail(p, "pickle REDUCE at byte %zu calls a %s", p->op_pos,
                    resr_pickle_type_name(f->type));
    if (args->type != RESR_PK_TUPLE)
        return fail(p, "pickle REDUCE at byte %zu has no argument tuple", p->op_pos);

    switch (f->u.global.kind) {
    case RESR_PKG_ORDERED_DICT:
        if (args->u.seq.len != 0)
            return fail(p, "pickle OrderedDict at byte %zu has constructor arguments", p->op_pos);
        return push_new(p, RESR_PK_DICT, &idx);
    case RESR_PKG_REBUILD_TENSOR:
        return rebuild_tensor(p, args, 0);
    case RESR_PKG_REBUILD_TENSOR_V2:
        return rebuild_tensor(p, args, 1);
    case RESR_PKG_REBUILD_PARAMETER:
    case RESR_PKG_REBUILD_PARAMETER_WITH_STATE: {
        /* (data, requires_grad, hooks[, state]): a Parameter is its data for us */
        const uint32_t want = f->u.global.kind == RESR_PKG_REBUILD_PARAMETER ? 3 : 4;
        if (args->u.seq.len != want || val(p, args->u.seq.items[0])->type != RESR_PK_TENSOR)
            return fail(p, "parameter rebuild at byte %zu has invalid arguments", p->op_pos);
        return push(p, args->u.seq.items[0]);
    }
    case RESR_PKG_STORAGE_TYPE:
        break;
    }
    return fail(p, "pickle REDUCE at byte %zu calls a storage type", p->op_pos);
}

/* BUILD sets instance state: allowed only for an OrderedDict's attributes (_metadata). */
static int op_build(Parser *p)
{
    uint32_t si = 0, oi = 0;
    int ret;

    if ((ret = pop(p, &si)) < 0 || (ret = top(p, &oi)) < 0)
        return ret;
    const ResrPickleType st = val(p, si)->type, ot = val(p, oi)->type;
    if (ot != RESR_PK_DICT || (st != RESR_PK_DICT && st != RESR_PK_NONE))
        return fail(p, "pickle BUILD at byte %zu sets %s state on a %s (not allowed)",
                    p->op_pos, resr_pickle_type_name(st), resr_pickle_type_name(ot));
    return 0;
}

static int op_setitems(Parser *p, uint32_t from)
{
    uint32_t d;
    int ret;

    if (from <= stack_floor(p) || from > p->sp)
        return fail(p, "corrupt pickle: SETITEM without a dict at byte %zu", p->op_pos);
    d = p->stack[from - 1];
    if (val(p, d)->type != RESR_PK_DICT)
        return fail(p, "pickle SETITEM at byte %zu on a %s", p->op_pos,
                    resr_pickle_type_name(val(p, d)->type));
    if ((p->sp - from) % 2)
        return fail(p, "corrupt pickle: odd number of dict items at byte %zu", p->op_pos);
    for (uint32_t i = from; i < p->sp; i += 2) {
        if ((ret = seq_append(p, d, p->stack[i])) < 0 ||
            (ret = seq_append(p, d, p->stack[i + 1])) < 0)
            return ret;
    }
    p->sp = from;
    return 0;
}

static int op_appends(Parser *p, uint32_t from)
{
    uint32_t l;
    int ret;

    if (from <= stack_floor(p) || from > p->sp)
        return fail(p, "corrupt pickle: APPEND without a list at byte %zu", p->op_pos);
    l = p->stack[from - 1];
    if (val(p, l)->type != RESR_PK_LIST)
        return fail(p, "pickle APPEND at byte %zu on a %s", p->op_pos,
                    resr_pickle_type_name(val(p, l)->type));
    for (uint32_t i = from; i < p->sp; i++)
        if ((ret = seq_append(p, l, p->stack[i])) < 0)
            return ret;
    p->sp = from;
    return 0;
}

static int memo_put(Parser *p, uint64_t i)
{
    uint32_t v = 0;
    int ret;

    if ((ret = top(p, &v)) < 0)
        return ret;
    if (i >= RESR_PICKLE_MAX_MEMO)
        return fail(p, "pickle memo index %llu at byte %zu is too large", (unsigned long long)i,
                    p->op_pos);
    if (i >= p->memo_len) {
        int r = grow((void **)&p->memo, &p->memo_cap, (uint32_t)i + 1, sizeof(*p->memo),
                     RESR_PICKLE_MAX_MEMO);
        if (r < 0)
            return grow_err(p, r, "memo entries");
        for (uint32_t k = p->memo_len; k <= i; k++)
            p->memo[k] = NO_VALUE;
        p->memo_len = (uint32_t)i + 1;
    }
    if (p->memo[i] == NO_VALUE)
        p->memo_count++;
    p->memo[i] = v;
    return 0;
}

static int memo_get(Parser *p, uint64_t i)
{
    if (i >= p->memo_len || p->memo[i] == NO_VALUE)
        return fail(p, "corrupt pickle: memo entry %llu read before written (byte %zu)",
                    (unsigned long long)i, p->op_pos);
    return push(p, p->memo[i]);
}

static const char *refused_opcode_name(uint8_t op)
{
    switch (op) {
    case 'i':  return "INST";
    case 'o':  return "OBJ";
    case 0x81: return "NEWOBJ";
    case 0x92: return "NEWOBJ_EX";
    case 0x82: case 0x83: case 0x84: return "EXT";
    case 'P':  return "PERSID";
    case 0x8f: case 0x90: case 0x91: return "set";
    case 0x96: case 0x97: case 0x98: return "out-of-band buffer";
    case 'F':  case 'I': case 'L': case 'S': case 'V': case 'g': case 'p':
        return "protocol 0 text";
    }
    return NULL;
}

static int step(Parser *p, int *done)
{
    uint64_t n = 0;
    uint32_t idx = 0, mark = 0;
    const uint8_t *b = NULL;
    int ret;

    p->op_pos = p->pos;
    if (p->pos >= p->size)
        return fail(p, "truncated pickle: no STOP opcode");
    const uint8_t op = p->data[p->pos++];

    switch (op) {
    case 0x80: /* PROTO */
        if ((ret = read_uint(p, 1, &n)) < 0)
            return ret;
        if (n < 2 || n > 5)
            return fail(p, "unsupported pickle protocol %llu", (unsigned long long)n);
        return 0;
    case 0x95: /* FRAME: a length prefix only; the opcodes inside are read as usual */
        if ((ret = read_uint(p, 8, &n)) < 0)
            return ret;
        if (n > p->size - p->pos)
            return fail(p, "truncated pickle: frame at byte %zu", p->op_pos);
        return 0;
    case '.': /* STOP */
        if ((ret = pop(p, &p->pk->root)) < 0)
            return ret;
        *done = 1;
        return 0;
    case '(': /* MARK */
        if (p->nmarks >= RESR_PICKLE_MAX_MARKS)
            return fail(p, "pickle nests deeper than %d marks", RESR_PICKLE_MAX_MARKS);
        p->marks[p->nmarks++] = p->sp;
        return 0;
    case '0': /* POP */
        return pop(p, &idx);
    case '1': /* POP_MARK */
        if ((ret = pop_mark(p, &mark)) < 0)
            return ret;
        p->sp = mark;
        return 0;
    case '2': /* DUP */
        if ((ret = top(p, &idx)) < 0)
            return ret;
        return push(p, idx);

    case 'N':  return push_new(p, RESR_PK_NONE, &idx);
    case 0x88: /* NEWTRUE */
    case 0x89: /* NEWFALSE */
        if ((ret = push_new(p, RESR_PK_BOOL, &idx)) < 0)
            return ret;
        val(p, idx)->u.i = op == 0x88;
        return 0;
    case 'J': /* BININT */
        if ((ret = read_uint(p, 4, &n)) < 0)
            return ret;
        return push_int(p, (int32_t)(uint32_t)n);
    case 'K': /* BININT1 */
    case 'M': /* BININT2 */
        if ((ret = read_uint(p, op == 'K' ? 1 : 2, &n)) < 0)
            return ret;
        return push_int(p, (int64_t)n);
    case 0x8a: /* LONG1 */
    case 0x8b: /* LONG4 */
        if ((ret = read_uint(p, op == 0x8a ? 1 : 4, &n)) < 0)
            return ret;
        return push_long(p, n);
    case 'G': { /* BINFLOAT: big-endian IEEE double */
        uint64_t bits = 0;
        double d;
        if ((ret = read_bytes(p, 8, &b)) < 0)
            return ret;
        for (int i = 0; i < 8; i++)
            bits = bits << 8 | b[i];
        memcpy(&d, &bits, sizeof(d));
        if ((ret = push_new(p, RESR_PK_FLOAT, &idx)) < 0)
            return ret;
        val(p, idx)->u.f = d;
        return 0;
    }

    case 0x8c: /* SHORT_BINUNICODE */
    case 'U':  /* SHORT_BINSTRING */
    case 'C':  /* SHORT_BINBYTES */
        if ((ret = read_uint(p, 1, &n)) < 0)
            return ret;
        return push_str(p, n);
    case 'X':  /* BINUNICODE */
    case 'T':  /* BINSTRING */
    case 'B':  /* BINBYTES */
        if ((ret = read_uint(p, 4, &n)) < 0)
            return ret;
        return push_str(p, n);
    case 0x8d: /* BINUNICODE8 */
    case 0x8e: /* BINBYTES8 */
        if ((ret = read_uint(p, 8, &n)) < 0)
            return ret;
        return push_str(p, n);

    case '}':  return push_new(p, RESR_PK_DICT, &idx);
    case ']':  return push_new(p, RESR_PK_LIST, &idx);
    case ')':  return push_new(p, RESR_PK_TUPLE, &idx);
    case 't': /* TUPLE */
    case 'l': /* LIST */
    case 'd': /* DICT */
        if ((ret = pop_mark(p, &mark)) < 0)
            return ret;
        return collect(p, op == 't' ? RESR_PK_TUPLE : op == 'l' ? RESR_PK_LIST : RESR_PK_DICT,
                       mark);
    case 0x85: /* TUPLE1 */
    case 0x86: /* TUPLE2 */
    case 0x87: /* TUPLE3 */
        n = op - 0x84u;
        if (p->sp - stack_floor(p) < n)
            return fail(p, "corrupt pickle: stack underflow at byte %zu", p->op_pos);
        return collect(p, RESR_PK_TUPLE, p->sp - (uint32_t)n);

    case 'q': /* BINPUT */
    case 'r': /* LONG_BINPUT */
        if ((ret = read_uint(p, op == 'q' ? 1 : 4, &n)) < 0)
            return ret;
        return memo_put(p, n);
    case 0x94: /* MEMOIZE */
        return memo_put(p, p->memo_count);
    case 'h': /* BINGET */
    case 'j': /* LONG_BINGET */
        if ((ret = read_uint(p, op == 'h' ? 1 : 4, &n)) < 0)
            return ret;
        return memo_get(p, n);

    case 's': /* SETITEM */
        if (p->sp - stack_floor(p) < 3)
            return fail(p, "corrupt pickle: stack underflow at byte %zu", p->op_pos);
        return op_setitems(p, p->sp - 2);
    case 'u': /* SETITEMS */
        if ((ret = pop_mark(p, &mark)) < 0)
            return ret;
        return op_setitems(p, mark);
    case 'a': /* APPEND */
        if (p->sp - stack_floor(p) < 2)
            return fail(p, "corrupt pickle: stack underflow at byte %zu", p->op_pos);
        return op_appends(p, p->sp - 1);
    case 'e': /* APPENDS */
        if ((ret = pop_mark(p, &mark)) < 0)
            return ret;
        return op_appends(p, mark);

    case 'c':  return op_global(p);
    case 0x93: return op_stack_global(p);
    case 'R':  return op_reduce(p);
    case 'b':  return op_build(p);
    case 'Q':  return op_binpersid(p);
    }

    const char *refused = refused_opcode_name(op);
    if (refused)
        return fail(p, "refusing pickle opcode %s (0x%02x) at byte %zu (only state-dict tensors "
                    "are loaded)", refused, op, p->op_pos);
    return fail(p, "unknown pickle opcode 0x%02x at byte %zu", op, p->op_pos);
}

int resr_pickle_parse(ResrPickle *pk, const uint8_t *data, size_t size, char *err, size_t err_size)
{
    Parser p;
    int done = 0, ret = 0;

    memset(pk, 0, sizeof(*pk));
    memset(&p, 0, sizeof(p));
    p.pk = pk;
    p.data = data;
    p.size = size;
    p.err = err;
    p.err_size = err_size;

    if (size > RESR_PICKLE_MAX_SIZE) {
        ret = fail(&p, "pickle is %zu bytes (limit %zu)", size, RESR_PICKLE_MAX_SIZE);
        goto fail;
    }
    while (!done)
        if ((ret = step(&p, &done)) < 0)
            goto fail;
    free(p.stack);
    free(p.memo);
    return 0;
fail:
    free(p.stack);
    free(p.memo);
    resr_pickle_free(pk);
    return ret;
}

void resr_pickle_free(ResrPickle *pk)
{
    for (uint32_t i = 0; i < pk->count; i++) {
        const ResrPickleType t = pk->values[i].type;
        if (t == RESR_PK_TUPLE || t == RESR_PK_LIST || t == RESR_PK_DICT)
            free(pk->values[i].u.seq.items);
    }
    free(pk->values);
    free(pk->tensors);
    memset(pk, 0, sizeof(*pk));
}

uint32_t resr_pickle_dict_get(const ResrPickle *pk, uint32_t dict, const char *key, int *dups)
{
    const ResrPickleValue *d = &pk->values[dict];
    uint32_t found = NO_VALUE;

    *dups = 0;
    if (d->type != RESR_PK_DICT)
        return NO_VALUE;
    for (uint32_t i = 0; i + 1 < d->u.seq.len; i += 2) {
        if (!str_is(&pk->values[d->u.seq.items[i]], key))
            continue;
        if (found != NO_VALUE)
            (*dups)++;
        found = d->u.seq.items[i + 1];
    }
    return found;
}
