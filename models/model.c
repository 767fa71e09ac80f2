/*
 * Architecture detection: the keys and shapes of a state dict fully determine an RRDBNet
 * or SRVGGNetCompact, so every hyper-parameter is read from a tensor shape, then every
 * tensor the network needs is checked for presence and exact shape, and anything left
 * over is refused (a checkpoint for some other network must not half-load).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model.h"
#include "state_dict.h"

/* Far above any published model; keeps every channel product comfortably in int. */
#define MAX_CHANNELS 4096
#define MAX_BLOCKS   1000
#define MAX_SCALE    16
/* A checkpoint is read whole; the largest official one is 67 MB. */
#define MAX_FILE_SIZE (4ull << 30)

typedef struct Detector {
    const ResrStateDict *sd;
    const char *prefix;    /* "module." when saved from nn.DataParallel, else "" */
    unsigned char *used;   /* per state-dict tensor */
    const char *file;
    char *err;
    size_t err_size;
} Detector;

static const ResrTensor *lookup(const Detector *d, const char *name)
{
    char full[RESR_TENSOR_NAME_MAX + 16];
    snprintf(full, sizeof(full), "%s%s", d->prefix, name);
    return resr_state_dict_find(d->sd, full);
}

static void format_shape(char *buf, size_t size, const int64_t *dims, int n)
{
    size_t o = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < n && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, i ? ",%lld" : "%lld", (long long)dims[i]);
    if (o < size)
        snprintf(buf + o, size - o, "]");
}

/* The tensor name with exactly this shape; marks it used. */
static int take(Detector *d, const char *name, const int64_t *shape, int ndim, const float **data)
{
    const ResrTensor *t = lookup(d, name);
    char got[160], want[160];

    if (!t)
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: missing tensor '%s%s'", d->file,
                       d->prefix, name);
    if (t->ndim != ndim || memcmp(t->shape, shape, (size_t)ndim * sizeof(*shape))) {
        format_shape(got, sizeof(got), t->shape, t->ndim);
        format_shape(want, sizeof(want), shape, ndim);
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: tensor '%s' has shape %s, expected %s",
                       d->file, t->name, got, want);
    }
    d->used[t - d->sd->tensors] = 1;
    *data = t->data;
    return 0;
}

static int take_conv(Detector *d, ResrConv3x3 *conv, const char *name, int in, int out,
                     ResrActivation act)
{
    const int64_t wshape[4] = { out, in, 3, 3 }, bshape[1] = { out };
    char key[RESR_TENSOR_NAME_MAX];
    int ret;

    snprintf(conv->name, sizeof(conv->name), "%s", name);
    conv->in_channels  = in;
    conv->out_channels = out;
    conv->activation   = act;
    conv->leaky_slope  = act == RESR_ACT_LEAKY_RELU ? 0.2f : 0.0f;
    snprintf(key, sizeof(key), "%s.weight", name);
    if ((ret = take(d, key, wshape, 4, &conv->weight)) < 0)
        return ret;
    snprintf(key, sizeof(key), "%s.bias", name);
    return take(d, key, bshape, 1, &conv->bias);
}

/* The shape of a 3x3 conv weight, checked to be one. */
static int conv_shape(Detector *d, const char *name, int *out, int *in)
{
    const ResrTensor *t = lookup(d, name);
    char got[160];

    if (!t)
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: missing tensor '%s%s'", d->file,
                       d->prefix, name);
    if (t->ndim != 4 || t->shape[2] != 3 || t->shape[3] != 3 || t->shape[0] < 1 ||
        t->shape[0] > MAX_CHANNELS || t->shape[1] < 1 || t->shape[1] > MAX_CHANNELS) {
        format_shape(got, sizeof(got), t->shape, t->ndim);
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: tensor '%s' has shape %s, expected a "
                       "3x3 convolution [out,in,3,3] with at most %d channels", d->file, t->name,
                       got, MAX_CHANNELS);
    }
    *out = (int)t->shape[0];
    *in = (int)t->shape[1];
    return 0;
}

/* Largest N among "body.N..." keys, or -1. */
static int max_body_index(const Detector *d)
{
    const size_t plen = strlen(d->prefix);
    int max = -1;

    for (size_t i = 0; i < d->sd->count; i++) {
        const char *s = d->sd->tensors[i].name;
        if (strncmp(s, d->prefix, plen) || strncmp(s + plen, "body.", 5))
            continue;
        s += plen + 5;
        long v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && v <= 1000000) {
            v = v * 10 + (*s++ - '0');
            digits++;
        }
        if (digits && *s == '.' && v > max)
            max = v > 1000000 ? 1000000 : (int)v;
    }
    return max;
}

static int detect_rrdbnet(Detector *d, ResrModel *m)
{
    int nf, cin, gc, unused, ret;
    char name[64];

    if ((ret = conv_shape(d, "conv_first.weight", &nf, &cin)) < 0)
        return ret;
    switch (cin) {
    case 3:  m->unshuffle = 1; break;
    case 12: m->unshuffle = 2; break;
    case 48: m->unshuffle = 4; break;
    default:
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: 'conv_first.weight' has %d input "
                       "channels, expected 3 (x4), 12 (x2) or 48 (x1)", d->file, cin);
    }
    if ((ret = conv_shape(d, "body.0.rdb1.conv1.weight", &gc, &unused)) < 0)
        return ret;
    const int nb = max_body_index(d) + 1;
    if (nb > MAX_BLOCKS)
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: %d RRDB blocks (at most %d supported)",
                       d->file, nb, MAX_BLOCKS);

    m->arch        = RESR_ARCH_RRDBNET;
    m->scale       = 4 / m->unshuffle;
    m->num_feat    = nf;
    m->num_grow_ch = gc;
    m->num_block   = nb;
    m->num_convs   = 1 + 15 * nb + 5;
    m->convs = calloc((size_t)m->num_convs, sizeof(*m->convs));
    if (!m->convs)
        return resr_set_error(d->err, d->err_size, -ENOMEM, "%s: out of memory", d->file);

    ResrConv3x3 *c = m->convs;
    if ((ret = take_conv(d, c++, "conv_first", cin, nf, RESR_ACT_NONE)) < 0)
        return ret;
    for (int b = 0; b < nb; b++)
        for (int r = 1; r <= 3; r++)
            for (int k = 0; k < 5; k++) {
                snprintf(name, sizeof(name), "body.%d.rdb%d.conv%d", b, r, k + 1);
                if ((ret = take_conv(d, c++, name, nf + k * gc, k == 4 ? nf : gc,
                                     k == 4 ? RESR_ACT_NONE : RESR_ACT_LEAKY_RELU)) < 0)
                    return ret;
            }
    if ((ret = take_conv(d, c++, "conv_body", nf, nf, RESR_ACT_NONE)) < 0 ||
        (ret = take_conv(d, c++, "conv_up1", nf, nf, RESR_ACT_LEAKY_RELU)) < 0 ||
        (ret = take_conv(d, c++, "conv_up2", nf, nf, RESR_ACT_LEAKY_RELU)) < 0 ||
        (ret = take_conv(d, c++, "conv_hr", nf, nf, RESR_ACT_LEAKY_RELU)) < 0 ||
        (ret = take_conv(d, c++, "conv_last", nf, m->num_out_ch, RESR_ACT_NONE)) < 0)
        return ret;

    /*
     * Reach at the unshuffled resolution: conv_first, 5 chained convs per dense block
     * (conv5 sees conv1..4 through the concatenation) and conv_body reach 2 + 15 nb
     * pixels. The 4x tail (conv_up2, conv_hr, conv_last: 3 pixels) and conv_up1 at 2x,
     * through two nearest x2 upsamples, add (left, right) = (2,1), (1,1), (1,1), (1,2)
     * unshuffled pixels for output phases 0..3 of 4. With the offset of the output's input
     * pixel inside its u-pixel unshuffle group (floor(u * phase / 4)), both sides peak at
     * exactly u * (15 nb + 4) input pixels; the test fixtures measure it with PyTorch.
     */
    m->receptive_radius = m->unshuffle * (15 * nb + 4);
    return 0;
}

static int detect_srvgg(Detector *d, ResrModel *m)
{
    int nf, cin, out, last_in, ret;
    char name[64];

    if ((ret = conv_shape(d, "body.0.weight", &nf, &cin)) < 0)
        return ret;
    if (cin != m->num_in_ch)
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: 'body.0.weight' has %d input channels, "
                       "expected %d", d->file, cin, m->num_in_ch);
    if (!lookup(d, "body.1.weight"))
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: missing tensor 'body.1.weight' "
                       "(SRVGGNetCompact is supported with PReLU activations only)", d->file);
    const int last = max_body_index(d);
    if (last < 2 || last % 2 || last / 2 - 1 > MAX_BLOCKS)
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: SRVGGNetCompact's last layer is "
                       "'body.%d', expected an even index of at least 2", d->file, last);
    snprintf(name, sizeof(name), "body.%d.weight", last);
    if ((ret = conv_shape(d, name, &out, &last_in)) < 0)
        return ret;
    int s = 1;
    while (s < MAX_SCALE && 3 * s * s < out)
        s++;
    if (3 * s * s != out)
        return resr_set_error(d->err, d->err_size, -EINVAL, "%s: '%s' has %d output channels, expected "
                       "3 x scale^2", d->file, name, out);

    m->arch      = RESR_ARCH_SRVGG;
    m->scale     = s;
    m->num_feat  = nf;
    m->num_conv  = last / 2 - 1;
    m->unshuffle = 1;
    m->num_convs = m->num_conv + 2;
    m->convs = calloc((size_t)m->num_convs, sizeof(*m->convs));
    if (!m->convs)
        return resr_set_error(d->err, d->err_size, -ENOMEM, "%s: out of memory", d->file);

    const int64_t slope_shape[1] = { nf };
    for (int i = 0; i < m->num_convs; i++) {
        ResrConv3x3 *c = &m->convs[i];
        const int is_last = i == m->num_convs - 1;
        snprintf(name, sizeof(name), "body.%d", 2 * i);
        if ((ret = take_conv(d, c, name, i ? nf : cin, is_last ? out : nf,
                             is_last ? RESR_ACT_NONE : RESR_ACT_PRELU)) < 0)
            return ret;
        if (!is_last) {
            snprintf(name, sizeof(name), "body.%d.weight", 2 * i + 1);
            if ((ret = take(d, name, slope_shape, 1, &c->prelu_slope)) < 0)
                return ret;
        }
    }
    /* every conv runs at the input resolution; the pixel shuffle maps whole pixels */
    m->receptive_radius = m->num_convs;
    return 0;
}

static void describe_source(ResrModel *m, const ResrStateDict *sd)
{
    size_t o = 0;

    snprintf(m->source_format, sizeof(m->source_format), "%s", sd->format);
    snprintf(m->source_container, sizeof(m->source_container), "%s", sd->container);
    for (int t = RESR_DTYPE_F32; t <= RESR_DTYPE_BF16; t++)
        if (sd->dtype_mask & (1u << t) && o < sizeof(m->source_dtype))
            o += (size_t)snprintf(m->source_dtype + o, sizeof(m->source_dtype) - o, "%s%s",
                                  o ? "+" : "", resr_dtype_name((ResrDType)t));
}

static int detect(ResrModel *m, const ResrStateDict *sd, const char *file, char *err,
                  size_t err_size)
{
    Detector d = { .sd = sd, .prefix = "", .file = file, .err = err, .err_size = err_size };
    int ret;

    if (sd->count == 0)
        return resr_set_error(err, err_size, -EINVAL, "%s: the state dict holds no tensors", file);
    /* nn.DataParallel checkpoints prefix every key; the official loader strips it too */
    size_t prefixed = 0;
    for (size_t i = 0; i < sd->count; i++)
        prefixed += !strncmp(sd->tensors[i].name, "module.", 7);
    if (prefixed == sd->count)
        d.prefix = "module.";

    d.used = calloc(sd->count, 1);
    if (!d.used)
        return resr_set_error(err, err_size, -ENOMEM, "%s: out of memory", file);
    m->num_in_ch  = 3;
    m->num_out_ch = 3;
    if (lookup(&d, "conv_first.weight"))
        ret = detect_rrdbnet(&d, m);
    else if (lookup(&d, "body.0.weight"))
        ret = detect_srvgg(&d, m);
    else
        ret = resr_set_error(err, err_size, -EINVAL, "%s: unknown architecture: no 'conv_first.weight' "
                      "or 'body.0.weight' (first tensor: '%s')", file, sd->tensors[0].name);
    if (ret < 0)
        goto done;

    m->num_params = 0;
    for (size_t i = 0; i < sd->count; i++) {
        if (!d.used[i]) {
            ret = resr_set_error(err, err_size, -EINVAL, "%s: unexpected tensor '%s' for %s", file,
                          sd->tensors[i].name, resr_arch_name(m->arch));
            goto done;
        }
        m->num_params += sd->tensors[i].numel;
    }
done:
    free(d.used);
    return ret;
}

int resr_model_load_buffer(ResrModel **out, const uint8_t *data, size_t size,
                           const char *name, char *err, size_t err_size)
{
    ResrStateDict sd;
    ResrModel *m = NULL;
    char why[512];
    int ret;

    *out = NULL;
    if ((ret = resr_state_dict_load(&sd, data, size, why, sizeof(why))) < 0)
        return resr_set_error(err, err_size, ret, "%s: %s", name, why);

    m = calloc(1, sizeof(*m));
    if (!m) {
        ret = resr_set_error(err, err_size, -ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    if ((ret = detect(m, &sd, name, err, err_size)) < 0)
        goto fail;
    describe_source(m, &sd);
    /* the model takes the arena over; convs already point into it */
    m->weights = sd.arena;
    m->weights_count = sd.arena_count;
    sd.arena = NULL;
    resr_state_dict_free(&sd);
    *out = m;
    return 0;
fail:
    resr_model_free(&m);
    resr_state_dict_free(&sd);
    return ret;
}

int resr_model_load(ResrModel **out, const char *path, char *err, size_t err_size)
{
    FILE *f = NULL;
    uint8_t *data = NULL;
    long size;
    int ret;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        ret = -errno;
        if (ret == -ENOENT)
            return resr_set_error(err, err_size, ret, "%s: no such file", path);
        return resr_set_error(err, err_size, ret ? ret : -EIO, "%s: cannot open: %s", path,
                       strerror(-ret));
    }
    /* a directory opens fine on Linux; the first read says what it is */
    errno = 0;
    if (getc(f) == EOF && ferror(f)) {
        ret = resr_set_error(err, err_size, errno ? -errno : -EIO, "%s: cannot read: %s", path,
                      errno ? strerror(errno) : "I/O error");
        goto done;
    }
    if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
        ret = resr_set_error(err, err_size, -EIO, "%s: cannot read (not a regular file?)", path);
        goto done;
    }
    if ((unsigned long long)size > MAX_FILE_SIZE) {
        ret = resr_set_error(err, err_size, -EFBIG, "%s: %ld bytes is too large for a checkpoint",
                      path, size);
        goto done;
    }
    data = malloc(size ? (size_t)size : 1);
    if (!data) {
        ret = resr_set_error(err, err_size, -ENOMEM, "%s: out of memory reading %ld bytes", path, size);
        goto done;
    }
    errno = 0;
    if (fread(data, 1, (size_t)size, f) != (size_t)size) {
        ret = resr_set_error(err, err_size, -EIO, "%s: read error: %s", path,
                      errno ? strerror(errno) : "file shrank while reading");
        goto done;
    }
    ret = resr_model_load_buffer(out, data, (size_t)size, path, err, err_size);
done:
    free(data);
    fclose(f);
    return ret;
}

void resr_model_free(ResrModel **model)
{
    if (!model || !*model)
        return;
    free((*model)->convs);
    free((*model)->weights);
    free(*model);
    *model = NULL;
}

const char *resr_arch_name(ResrArch arch)
{
    switch (arch) {
    case RESR_ARCH_RRDBNET: return "RRDBNet";
    case RESR_ARCH_SRVGG:   return "SRVGGNetCompact";
    }
    return "unknown";
}

double resr_model_flops_per_input_pixel(const ResrModel *m)
{
    double macs = 0.0;

    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        /* pixels this conv computes per input pixel */
        double area = 1.0;
        if (m->arch == RESR_ARCH_RRDBNET) {
            const double u2 = (double)m->unshuffle * m->unshuffle;
            const int tail = i - resr_rrdb_tail_index(m, 0);  /* 0 conv_body .. 4 conv_last */
            area = (tail >= 2 ? 16.0 : tail == 1 ? 4.0 : 1.0) / u2;
        }
        macs += area * 9.0 * c->in_channels * c->out_channels;
    }
    return 2.0 * macs;
}
