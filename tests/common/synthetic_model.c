/*
 * Random-weight models for tests. The conv list follows model.h's forward order exactly,
 * so engines cannot tell a synthetic model from a loaded one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synthetic_model.h"

float resr_synthetic_uniform(uint32_t *state, float lo, float hi)
{
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return lo + (hi - lo) * (float)(x >> 8) * (1.0f / 16777216.0f);
}

static void set_conv(ResrConv3x3 *conv, int in, int out, ResrActivation act,
                     const char *fmt, int a, int b, int c)
{
    snprintf(conv->name, sizeof(conv->name), fmt, a, b, c);
    conv->in_channels  = in;
    conv->out_channels = out;
    conv->activation   = act;
    conv->leaky_slope  = act == RESR_ACT_LEAKY_RELU ? 0.2f : 0.0f;
}

/* Names, shapes and activations of every conv in forward order; returns the count. */
static int describe_convs(const ResrModel *m, ResrConv3x3 *convs)
{
    int n = 0;

    if (m->arch == RESR_ARCH_SRVGG) {
        set_conv(&convs[n++], m->num_in_ch, m->num_feat, RESR_ACT_PRELU, "body.%d", 0, 0, 0);
        for (int k = 1; k <= m->num_conv; k++)
            set_conv(&convs[n++], m->num_feat, m->num_feat, RESR_ACT_PRELU, "body.%d", 2 * k, 0, 0);
        set_conv(&convs[n++], m->num_feat, m->num_out_ch * m->scale * m->scale, RESR_ACT_NONE,
                 "body.%d", 2 * m->num_conv + 2, 0, 0);
        return n;
    }

    const int u2 = m->unshuffle * m->unshuffle, nf = m->num_feat, gc = m->num_grow_ch;
    set_conv(&convs[n++], m->num_in_ch * u2, nf, RESR_ACT_NONE, "conv_first", 0, 0, 0);
    for (int b = 0; b < m->num_block; b++)
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 5; k++)
                set_conv(&convs[n++], nf + k * gc, k == 4 ? nf : gc,
                         k == 4 ? RESR_ACT_NONE : RESR_ACT_LEAKY_RELU,
                         "body.%d.rdb%d.conv%d", b, r + 1, k + 1);
    set_conv(&convs[n++], nf, nf, RESR_ACT_NONE,       "conv_body", 0, 0, 0);
    set_conv(&convs[n++], nf, nf, RESR_ACT_LEAKY_RELU, "conv_up1", 0, 0, 0);
    set_conv(&convs[n++], nf, nf, RESR_ACT_LEAKY_RELU, "conv_up2", 0, 0, 0);
    set_conv(&convs[n++], nf, nf, RESR_ACT_LEAKY_RELU, "conv_hr", 0, 0, 0);
    set_conv(&convs[n++], nf, m->num_out_ch, RESR_ACT_NONE, "conv_last", 0, 0, 0);
    return n;
}

/*
 * Input pixels per side an output pixel depends on. RRDBNet: 2 + 15*num_block convs at
 * the unshuffled resolution, then conv_up1 at 2x and conv_up2, conv_hr, conv_last at 4x;
 * three 4x convs reach 3 pixels = 2 pixels at 2x through the nearest upsample, plus
 * conv_up1's one is 3 at 2x = 2 at 1x. Unshuffle blocks add u - 1 for alignment.
 */
static int receptive_radius(const ResrModel *m)
{
    if (m->arch == RESR_ARCH_SRVGG)
        return m->num_conv + 2;
    return m->unshuffle * (2 + 15 * m->num_block + 2) + m->unshuffle - 1;
}

int resr_synthetic_model_create(ResrModel **out, const ResrSyntheticShape *shape, uint32_t seed)
{
    ResrModel *m = NULL;
    int ret;

    *out = NULL;
    if (shape->num_feat < 1 || shape->scale < 1 || shape->scale > 8)
        return -EINVAL;
    if (shape->arch == RESR_ARCH_SRVGG) {
        if (shape->num_conv < 0)
            return -EINVAL;
    } else if (shape->arch == RESR_ARCH_RRDBNET) {
        if ((shape->scale != 1 && shape->scale != 2 && shape->scale != 4) ||
            shape->num_block < 0 || shape->num_grow_ch < 1)
            return -EINVAL;
    } else {
        return -EINVAL;
    }

    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->arch        = shape->arch;
    m->scale       = shape->scale;
    m->num_in_ch   = 3;
    m->num_out_ch  = 3;
    m->num_feat    = shape->num_feat;
    if (shape->arch == RESR_ARCH_RRDBNET) {
        m->num_block   = shape->num_block;
        m->num_grow_ch = shape->num_grow_ch;
        m->unshuffle   = 4 / shape->scale;
        m->num_convs   = 1 + 15 * shape->num_block + 5;
    } else {
        m->num_conv  = shape->num_conv;
        m->unshuffle = 1;
        m->num_convs = shape->num_conv + 2;
    }

    m->convs = calloc(m->num_convs, sizeof(*m->convs));
    if (!m->convs) {
        ret = -ENOMEM;
        goto fail;
    }
    describe_convs(m, m->convs);

    size_t count = 0;
    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        count += (size_t)c->out_channels * c->in_channels * 9 + c->out_channels;
        if (c->activation == RESR_ACT_PRELU)
            count += c->out_channels;
    }
    m->weights = malloc(count * sizeof(*m->weights));
    if (!m->weights) {
        ret = -ENOMEM;
        goto fail;
    }
    m->weights_count = count;
    m->num_params    = (int64_t)count;

    uint32_t state = seed * 2654435761u + 1;
    float *w = m->weights;
    for (int i = 0; i < m->num_convs; i++) {
        ResrConv3x3 *c = &m->convs[i];
        const size_t nw = (size_t)c->out_channels * c->in_channels * 9;
        const float bound = sqrtf(3.0f / (9.0f * c->in_channels));

        c->weight = w;
        for (size_t k = 0; k < nw; k++)
            *w++ = resr_synthetic_uniform(&state, -bound, bound);
        c->bias = w;
        for (int k = 0; k < c->out_channels; k++)
            *w++ = resr_synthetic_uniform(&state, -0.1f, 0.1f);
        if (c->activation == RESR_ACT_PRELU) {
            c->prelu_slope = w;
            for (int k = 0; k < c->out_channels; k++)
                *w++ = resr_synthetic_uniform(&state, 0.0f, 0.5f);
        }
    }
    m->receptive_radius = receptive_radius(m);

    *out = m;
    return 0;
fail:
    resr_synthetic_model_free(&m);
    return ret;
}

void resr_synthetic_model_free(ResrModel **model)
{
    if (!*model)
        return;
    free((*model)->weights);
    free((*model)->convs);
    free(*model);
    *model = NULL;
}
