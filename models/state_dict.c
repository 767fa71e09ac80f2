/*
 * From checkpoint bytes to named fp32 tensors. Both formats first produce a list of
 * pending tensors (name, shape, element type, where the bytes are); the list is sorted
 * by name to refuse duplicates, laid out in one arena, then filled. .pth tensors are
 * filled storage by storage, so each zip entry is inflated once and freed before the
 * next one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pickle.h"
#include "safetensors.h"
#include "state_dict.h"
#include "zip.h"

#define ARENA_ALIGN_FLOATS 16  /* 64 bytes: a cache line, and any SIMD load */

typedef struct Pending {
    ResrTensor t;
    const char *dtype_name;       /* as the file spells it, for messages */
    const uint8_t *bytes;         /* safetensors: the tensor's bytes */
    /* .pth: where the bytes are */
    char key[64];                 /* storage key: data/<key> in the zip */
    int64_t offset;               /* in elements */
    int64_t storage_numel;
} Pending;

float resr_f16_to_f32(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu, bits;
    float f;

    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | man << 13;       /* inf, nan (payload kept) */
    } else if (exp != 0) {
        bits = sign | (exp + 112) << 23 | man << 13; /* rebias 15 -> 127 */
    } else if (man == 0) {
        bits = sign;                                 /* signed zero */
    } else {
        /* subnormal: man * 2^-24; normalise so the leading one becomes implicit */
        uint32_t e = 113;
        while (!(man & 0x400u)) {
            man <<= 1;
            e--;
        }
        bits = sign | e << 23 | (man & 0x3ffu) << 13;
    }
    memcpy(&f, &bits, sizeof(f));
    return f;
}

float resr_bf16_to_f32(uint16_t b)
{
    const uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

const char *resr_dtype_name(ResrDType dtype)
{
    switch (dtype) {
    case RESR_DTYPE_F32:  return "float32";
    case RESR_DTYPE_F16:  return "float16";
    case RESR_DTYPE_BF16: return "bfloat16";
    case RESR_DTYPE_UNSUPPORTED: break;
    }
    return "unsupported";
}

static void format_dims(char *buf, size_t size, const int64_t *dims, int n)
{
    size_t o = 0;
    o += (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < n && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, i ? ",%lld" : "%lld", (long long)dims[i]);
    if (o < size)
        snprintf(buf + o, size - o, "]");
}

/* Element count of a shape, refusing products that overflow. */
static int shape_numel(Pending *p, char *err, size_t err_size)
{
    int64_t numel = 1;
    char dims[160];

    for (int i = 0; i < p->t.ndim; i++) {
        if (p->t.shape[i] < 0 || (p->t.shape[i] && numel > INT64_MAX / p->t.shape[i])) {
            format_dims(dims, sizeof(dims), p->t.shape, p->t.ndim);
            return resr_set_error(err, err_size, -EINVAL,
                           "tensor '%s' has shape %s whose element count overflows",
                           p->t.name, dims);
        }
        numel *= p->t.shape[i];
    }
    p->t.numel = numel;
    return 0;
}

static int copy_name(Pending *p, const char *name, size_t len, char *err, size_t err_size)
{
    if (len > RESR_TENSOR_NAME_MAX)
        return resr_set_error(err, err_size, -EINVAL, "tensor name of %zu bytes is too long", len);
    if (memchr(name, 0, len))
        return resr_set_error(err, err_size, -EINVAL, "tensor name contains a NUL byte");
    p->t.name = malloc(len + 1);
    if (!p->t.name)
        return resr_set_error(err, err_size, -ENOMEM, "out of memory");
    memcpy(p->t.name, name, len);
    p->t.name[len] = 0;
    return 0;
}

static int check_dtype(const Pending *p, char *err, size_t err_size)
{
    if (p->t.source_dtype == RESR_DTYPE_UNSUPPORTED)
        return resr_set_error(err, err_size, -EINVAL, "tensor '%s' has unsupported dtype %s (only "
                       "float32, float16 and bfloat16 weights are supported)", p->t.name,
                       p->dtype_name);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(((const Pending *)a)->t.name, ((const Pending *)b)->t.name);
}

/* by storage, then by where the tensor starts in it */
static int compare_keys(const void *a, const void *b)
{
    const Pending *pa = *(const Pending *const *)a, *pb = *(const Pending *const *)b;
    const int by_key = strcmp(pa->key, pb->key);
    if (by_key)
        return by_key;
    return (pa->offset > pb->offset) - (pa->offset < pb->offset);
}

/*
 * Converts numel elements to fp32. NaN and Inf weights are refused: one would turn every
 * output pixel it reaches into NaN or a clipped blow-up, no official checkpoint has any,
 * and a clear error beats a black or garbage video found hours later.
 */
static int convert(float *dst, const uint8_t *src, const Pending *p, char *err, size_t err_size)
{
    const int64_t n = p->t.numel;

    for (int64_t i = 0; i < n; i++) {
        float v;
        switch (p->t.source_dtype) {
        case RESR_DTYPE_F32: {
            const uint8_t *b = src + 4 * i;
            const uint32_t bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                                  (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
            memcpy(&v, &bits, sizeof(v));
            break;
        }
        case RESR_DTYPE_F16:
            v = resr_f16_to_f32((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
            break;
        case RESR_DTYPE_BF16:
            v = resr_bf16_to_f32((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
            break;
        default:
            return resr_set_error(err, err_size, -EINVAL, "tensor '%s' has an unsupported dtype",
                           p->t.name);
        }
        if (!isfinite(v))
            return resr_set_error(err, err_size, -EINVAL, "tensor '%s' holds %s at element %lld "
                           "(refusing weights that would poison the output)", p->t.name,
                           isnan(v) ? "NaN" : "Inf", (long long)i);
        dst[i] = v;
    }
    return 0;
}

/* Sorts, refuses duplicates, allocates the arena and assigns each tensor its place. */
static int layout(ResrStateDict *sd, Pending *pend, size_t n, char *err, size_t err_size)
{
    size_t total = 0;

    qsort(pend, n, sizeof(*pend), compare_names);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(pend[i - 1].t.name, pend[i].t.name))
            return resr_set_error(err, err_size, -EINVAL, "duplicate tensor '%s' in the state dict",
                           pend[i].t.name);
    for (size_t i = 0; i < n; i++) {
        const size_t rounded = ((size_t)pend[i].t.numel + ARENA_ALIGN_FLOATS - 1) /
                               ARENA_ALIGN_FLOATS * ARENA_ALIGN_FLOATS;
        if ((uint64_t)pend[i].t.numel > RESR_STATE_DICT_MAX_FLOATS ||
            rounded > RESR_STATE_DICT_MAX_FLOATS - total)
            return resr_set_error(err, err_size, -EFBIG, "checkpoint holds more than %zu parameters",
                           RESR_STATE_DICT_MAX_FLOATS);
        total += rounded;
    }
    sd->arena = aligned_alloc(ARENA_ALIGN_FLOATS * sizeof(float),
                              (total ? total : ARENA_ALIGN_FLOATS) * sizeof(float));
    if (!sd->arena)
        return resr_set_error(err, err_size, -ENOMEM, "out of memory for %zu parameters", total);
    sd->arena_count = total;

    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t rounded = ((size_t)pend[i].t.numel + ARENA_ALIGN_FLOATS - 1) /
                               ARENA_ALIGN_FLOATS * ARENA_ALIGN_FLOATS;
        pend[i].t.data = sd->arena + at;
        /* padding is zeroed so the arena is fully defined */
        memset(sd->arena + at + pend[i].t.numel, 0,
               (rounded - (size_t)pend[i].t.numel) * sizeof(float));
        at += rounded;
    }
    return 0;
}

/* Moves the finished tensors into sd; pend keeps nothing that needs freeing. */
static int publish(ResrStateDict *sd, Pending *pend, size_t n, char *err, size_t err_size)
{
    sd->tensors = calloc(n ? n : 1, sizeof(*sd->tensors));
    if (!sd->tensors)
        return resr_set_error(err, err_size, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        sd->tensors[i] = pend[i].t;
        sd->dtype_mask |= 1u << pend[i].t.source_dtype;
        pend[i].t.name = NULL;
    }
    sd->count = n;
    return 0;
}

static void free_pending(Pending *pend, size_t n)
{
    for (size_t i = 0; pend && i < n; i++)
        free(pend[i].t.name);
    free(pend);
}

/* ---- .safetensors ---- */

static int load_safetensors(ResrStateDict *sd, const uint8_t *data, size_t size,
                            char *err, size_t err_size)
{
    ResrSafeTensors st;
    Pending *pend = NULL;
    size_t n = 0;
    int ret;

    if ((ret = resr_safetensors_parse(&st, data, size, err, err_size)) < 0)
        return ret;
    sd->format = "safetensors";
    sd->container = "";
    pend = calloc(st.count ? st.count : 1, sizeof(*pend));
    if (!pend) {
        ret = resr_set_error(err, err_size, -ENOMEM, "out of memory");
        goto done;
    }
    for (; n < st.count; n++) {
        const ResrSafeTensor *t = &st.tensors[n];
        Pending *p = &pend[n];
        if ((ret = copy_name(p, t->name, strlen(t->name), err, err_size)) < 0)
            goto done;
        p->t.ndim = t->ndim;
        memcpy(p->t.shape, t->shape, sizeof(p->t.shape));
        p->t.numel = t->numel;
        p->t.source_dtype = t->dtype;
        p->dtype_name = t->dtype_name;
        p->bytes = t->data;
        if ((ret = check_dtype(p, err, err_size)) < 0)
            goto done;
    }
    if ((ret = layout(sd, pend, n, err, err_size)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if ((ret = convert(pend[i].t.data, pend[i].bytes, &pend[i], err, err_size)) < 0)
            goto done;
    ret = publish(sd, pend, n, err, err_size);
done:
    free_pending(pend, st.count);
    resr_safetensors_free(&st);
    return ret;
}

/* ---- .pth ---- */

/* The dict holding the tensors: params_ema (as the official code prefers), params, or root. */
static int find_state_dict(const ResrPickle *pk, ResrStateDict *sd, uint32_t *dict,
                           char *err, size_t err_size)
{
    static const char *const containers[] = { "params_ema", "params" };
    const ResrPickleValue *root = &pk->values[pk->root];

    if (root->type != RESR_PK_DICT)
        return resr_set_error(err, err_size, -EINVAL, "checkpoint holds a %s, not a state dict",
                       resr_pickle_type_name(root->type));
    for (int i = 0; i < 2; i++) {
        int dups;
        const uint32_t v = resr_pickle_dict_get(pk, pk->root, containers[i], &dups);
        if (v == UINT32_MAX)
            continue;
        if (dups)
            return resr_set_error(err, err_size, -EINVAL, "duplicate key '%s' in the checkpoint",
                           containers[i]);
        if (pk->values[v].type != RESR_PK_DICT)
            return resr_set_error(err, err_size, -EINVAL, "checkpoint '%s' is a %s, not a state dict",
                           containers[i], resr_pickle_type_name(pk->values[v].type));
        sd->container = containers[i];
        *dict = v;
        return 0;
    }
    sd->container = "";
    *dict = pk->root;
    return 0;
}

static int pending_from_pickle(const ResrPickle *pk, uint32_t dict, Pending **out, size_t *count,
                               char *err, size_t err_size)
{
    const ResrPickleValue *d = &pk->values[dict];
    const size_t n = d->u.seq.len / 2;
    char dims[160], strides[160];
    Pending *pend;
    int ret = 0;

    pend = calloc(n ? n : 1, sizeof(*pend));
    if (!pend)
        return resr_set_error(err, err_size, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const ResrPickleValue *k = &pk->values[d->u.seq.items[2 * i]];
        const ResrPickleValue *v = &pk->values[d->u.seq.items[2 * i + 1]];
        Pending *p = &pend[i];

        if (k->type != RESR_PK_STR) {
            ret = resr_set_error(err, err_size, -EINVAL, "state dict key is a %s, not a str",
                          resr_pickle_type_name(k->type));
            goto fail;
        }
        if ((ret = copy_name(p, k->u.str.ptr, k->u.str.len, err, err_size)) < 0)
            goto fail;
        if (v->type != RESR_PK_TENSOR) {
            ret = resr_set_error(err, err_size, -EINVAL, "state dict entry '%s' is a %s, not a tensor",
                          p->t.name, resr_pickle_type_name(v->type));
            goto fail;
        }
        const ResrPickleTensor *t = &pk->tensors[v->u.tensor];
        const ResrPickleValue *s = &pk->values[t->storage];
        const ResrPickleValue *key = &pk->values[s->u.storage.key];
        p->t.ndim = t->ndim;
        memcpy(p->t.shape, t->shape, sizeof(p->t.shape));
        p->t.source_dtype = s->u.storage.dtype;
        p->dtype_name = s->u.storage.dtype_name;
        p->offset = t->offset;
        p->storage_numel = s->u.storage.numel;
        if (key->type == RESR_PK_INT) {
            snprintf(p->key, sizeof(p->key), "%lld", (long long)key->u.i);
        } else if (key->u.str.len < sizeof(p->key) && key->u.str.len &&
                   !memchr(key->u.str.ptr, 0, key->u.str.len) &&
                   !memchr(key->u.str.ptr, '/', key->u.str.len)) {
            memcpy(p->key, key->u.str.ptr, key->u.str.len);
            p->key[key->u.str.len] = 0;
        } else {
            ret = resr_set_error(err, err_size, -EINVAL, "tensor '%s' has an invalid storage key",
                          p->t.name);
            goto fail;
        }
        if ((ret = check_dtype(p, err, err_size)) < 0 || (ret = shape_numel(p, err, err_size)) < 0)
            goto fail;

        /* contiguous: each dimension's stride is the product of the later sizes */
        int64_t expect = 1;
        for (int j = t->ndim - 1; j >= 0 && p->t.numel; j--) {
            if (t->shape[j] != 1 && t->stride[j] != expect) {
                format_dims(dims, sizeof(dims), t->shape, t->ndim);
                format_dims(strides, sizeof(strides), t->stride, t->ndim);
                ret = resr_set_error(err, err_size, -EINVAL, "tensor '%s' is not contiguous (shape %s, "
                              "stride %s)", p->t.name, dims, strides);
                goto fail;
            }
            expect *= t->shape[j];
        }
        if (p->offset > p->storage_numel || p->t.numel > p->storage_numel - p->offset) {
            ret = resr_set_error(err, err_size, -EINVAL, "tensor '%s' (%lld elements at offset %lld) "
                          "runs past the end of its storage 'data/%s' (%lld elements)", p->t.name,
                          (long long)p->t.numel, (long long)p->offset, p->key,
                          (long long)p->storage_numel);
            goto fail;
        }
    }
    *out = pend;
    *count = n;
    return 0;
fail:
    free_pending(pend, n);
    return ret;
}

/* Inflates each storage once and fills every tensor that views it. */
static int fill_from_storages(const ResrZip *zip, const char *prefix, Pending *pend, size_t n,
                              char *err, size_t err_size)
{
    Pending **order = NULL;
    ResrZipData bytes = { 0 };
    char entry_name[RESR_TENSOR_NAME_MAX + 128];
    int ret = 0;

    order = malloc((n ? n : 1) * sizeof(*order));
    if (!order)
        return resr_set_error(err, err_size, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        order[i] = &pend[i];
    qsort(order, n, sizeof(*order), compare_keys);

    /*
     * Tensors may view parts of one storage, never the same bytes twice: otherwise a small
     * file makes the loader convert far more than it holds (300 views of one 4 MiB storage
     * are 1.2 GiB of weights from 40 KB). Without overlap, the elements converted are at
     * most the storages' bytes, which the zip reader bounds by the file's size. No
     * checkpoint of these networks shares weights. Checked before anything is inflated.
     */
    const Pending *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const Pending *p = order[i];
        if (!p->t.numel)
            continue;
        /* (a storage has one element type; offsets count its elements) */
        if (prev && !strcmp(prev->key, p->key) &&
            (prev->t.source_dtype != p->t.source_dtype ||
             p->offset < prev->offset + prev->t.numel)) {
            ret = resr_set_error(err, err_size, -EINVAL, "tensors '%s' and '%s' share bytes of storage "
                          "'data/%s' (shared weights are not supported)", prev->t.name,
                          p->t.name, p->key);
            goto done;
        }
        prev = p;
    }

    for (size_t i = 0; i < n; i++) {
        Pending *p = order[i];
        if (i == 0 || strcmp(order[i - 1]->key, p->key)) {
            resr_zip_data_free(&bytes);
            snprintf(entry_name, sizeof(entry_name), "%sdata/%s", prefix, p->key);
            const ResrZipEntry *e = resr_zip_find(zip, entry_name);
            if (!e) {
                ret = resr_set_error(err, err_size, -EINVAL, "tensor '%s': its storage 'data/%s' is "
                              "missing from the archive", p->t.name, p->key);
                goto done;
            }
            if ((ret = resr_zip_read(zip, e, &bytes, err, err_size)) < 0)
                goto done;
        }
        const uint64_t esize = (uint64_t)resr_dtype_size(p->t.source_dtype);
        if ((uint64_t)p->storage_numel > UINT64_MAX / esize ||
            (uint64_t)p->storage_numel * esize != bytes.size) {
            ret = resr_set_error(err, err_size, -EINVAL, "tensor '%s': storage 'data/%s' holds %zu "
                          "bytes, the pickle declares %lld %s elements", p->t.name, p->key,
                          bytes.size, (long long)p->storage_numel, p->dtype_name);
            goto done;
        }
        if ((ret = convert(p->t.data, bytes.data + (size_t)p->offset * esize, p, err,
                           err_size)) < 0)
            goto done;
    }
done:
    resr_zip_data_free(&bytes);
    free(order);
    return ret;
}

static int load_pth(ResrStateDict *sd, const uint8_t *data, size_t size, char *err, size_t err_size)
{
    ResrZip zip;
    ResrZipData pkl = { 0 }, order = { 0 };
    ResrPickle pk;
    Pending *pend = NULL;
    size_t n = 0, matches;
    char prefix[256], name[300];
    uint32_t dict = 0;
    int ret;

    memset(&pk, 0, sizeof(pk));
    if ((ret = resr_zip_open(&zip, data, size, err, err_size)) < 0)
        return ret;
    sd->format = "pth";

    const ResrZipEntry *e = resr_zip_find_suffix(&zip, "data.pkl", &matches);
    if (!e) {
        ret = resr_set_error(err, err_size, -EINVAL, matches ? "zip holds %zu data.pkl entries"
                      : "zip is not a PyTorch checkpoint: no data.pkl entry", matches);
        goto done;
    }
    if (e->name_len - 8 >= sizeof(prefix)) {
        ret = resr_set_error(err, err_size, -EINVAL, "zip entry name '%s' is too long", e->name);
        goto done;
    }
    memcpy(prefix, e->name, e->name_len - 8);
    prefix[e->name_len - 8] = 0;

    /* torch >= 2.1 records the byte order; the storages are raw memory dumps */
    snprintf(name, sizeof(name), "%sbyteorder", prefix);
    const ResrZipEntry *bo = resr_zip_find(&zip, name);
    if (bo) {
        if ((ret = resr_zip_read(&zip, bo, &order, err, err_size)) < 0)
            goto done;
        if (order.size != 6 || memcmp(order.data, "little", 6)) {
            ret = resr_set_error(err, err_size, -EINVAL, "checkpoint was saved on a big-endian machine "
                          "(not supported)");
            goto done;
        }
    }

    if ((ret = resr_zip_read(&zip, e, &pkl, err, err_size)) < 0 ||
        (ret = resr_pickle_parse(&pk, pkl.data, pkl.size, err, err_size)) < 0 ||
        (ret = find_state_dict(&pk, sd, &dict, err, err_size)) < 0 ||
        (ret = pending_from_pickle(&pk, dict, &pend, &n, err, err_size)) < 0 ||
        (ret = layout(sd, pend, n, err, err_size)) < 0 ||
        (ret = fill_from_storages(&zip, prefix, pend, n, err, err_size)) < 0)
        goto done;
    ret = publish(sd, pend, n, err, err_size);
done:
    free_pending(pend, n);
    resr_pickle_free(&pk);
    resr_zip_data_free(&pkl);
    resr_zip_data_free(&order);
    resr_zip_close(&zip);
    return ret;
}

/* torch < 1.6 wrote a bare pickle stream starting with this magic number (LONG1 of 10 bytes) */
static const uint8_t legacy_magic[] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                        0x20, 0x6a, 0xa8, 0x50, 0x19 };

int resr_state_dict_load(ResrStateDict *sd, const uint8_t *data, size_t size,
                         char *err, size_t err_size)
{
    int ret;

    memset(sd, 0, sizeof(*sd));
    if (size >= 4 && data[0] == 'P' && data[1] == 'K')
        ret = load_pth(sd, data, size, err, err_size);
    else if (resr_safetensors_probe(data, size))
        ret = load_safetensors(sd, data, size, err, err_size);
    else if (size >= sizeof(legacy_magic) && !memcmp(data, legacy_magic, sizeof(legacy_magic)))
        ret = resr_set_error(err, err_size, -EINVAL, "legacy (PyTorch < 1.6) checkpoint format is not "
                      "supported; re-save it with a recent torch.save");
    else if (size == 0)
        ret = resr_set_error(err, err_size, -EINVAL, "empty file");
    else
        ret = resr_set_error(err, err_size, -EINVAL, "not a PyTorch .pth (zip) or .safetensors file");
    if (ret < 0)
        resr_state_dict_free(sd);
    return ret;
}

void resr_state_dict_free(ResrStateDict *sd)
{
    for (size_t i = 0; i < sd->count; i++)
        free(sd->tensors[i].name);
    free(sd->tensors);
    free(sd->arena);
    memset(sd, 0, sizeof(*sd));
}

static int compare_name_key(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const ResrTensor *)elem)->name);
}

const ResrTensor *resr_state_dict_find(const ResrStateDict *sd, const char *name)
{
    return bsearch(name, sd->tensors, sd->count, sizeof(*sd->tensors), compare_name_key);
}
