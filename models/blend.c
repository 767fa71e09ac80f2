/*
 * Deep network interpolation (Wang et al., "Deep Network Interpolation for Continuous
 * Imagery Effect Transition"), as the official RealESRGANer.dni applies it to
 * realesr-general-x4v3 and its weak-denoise twin: every parameter of the result is
 * weight_a * a + (1 - weight_a) * b. PyTorch computes it per tensor in fp32 with the
 * Python float weights rounded to fp32; so does this, so the blend matches theirs bit for
 * bit on fp32 checkpoints.
 *
 * Convolutions are matched by position in forward order, not by place in the weight arena:
 * two files holding the same tensors in a different order blend correctly.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model.h"

/* each tensor starts on a 64-byte boundary, as in the loader's arena */
#define ALIGN_FLOATS 16

static size_t aligned(size_t n)
{
    return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
}

int resr_model_check_blendable(const ResrModel *a, const ResrModel *b, char *err,
                               size_t err_size)
{
    if (!a || !b)
        return resr_set_error(err, err_size, -EINVAL, "blend: missing model");
    if (a->arch != b->arch)
        return resr_set_error(err, err_size, -EINVAL, "blend: the models have different architectures (%s and %s)",
                       resr_arch_name(a->arch), resr_arch_name(b->arch));
    if (a->scale != b->scale)
        return resr_set_error(err, err_size, -EINVAL, "blend: the models have different scales (x%d and x%d)",
                       a->scale, b->scale);
    if (a->num_in_ch != b->num_in_ch || a->num_out_ch != b->num_out_ch ||
        a->num_feat != b->num_feat || a->num_block != b->num_block ||
        a->num_grow_ch != b->num_grow_ch || a->unshuffle != b->unshuffle ||
        a->num_conv != b->num_conv || a->num_convs != b->num_convs)
        return resr_set_error(err, err_size, -EINVAL, "blend: the models differ in shape (%s with num_feat %d, "
                       "%d convolutions, num_block %d, num_grow_ch %d, unshuffle %d; and num_feat "
                       "%d, %d convolutions, num_block %d, num_grow_ch %d, unshuffle %d)",
                       resr_arch_name(a->arch), a->num_feat, a->num_convs, a->num_block,
                       a->num_grow_ch, a->unshuffle, b->num_feat, b->num_convs, b->num_block,
                       b->num_grow_ch, b->unshuffle);
    for (int i = 0; i < a->num_convs; i++) {
        const ResrConv3x3 *ca = &a->convs[i], *cb = &b->convs[i];
        if (ca->in_channels != cb->in_channels || ca->out_channels != cb->out_channels)
            return resr_set_error(err, err_size, -EINVAL, "blend: convolution %d ('%s') is [%d,%d,3,3] in the "
                           "first model and [%d,%d,3,3] in the second", i, ca->name,
                           ca->out_channels, ca->in_channels, cb->out_channels, cb->in_channels);
        if (ca->activation != cb->activation || ca->leaky_slope != cb->leaky_slope ||
            !ca->prelu_slope != !cb->prelu_slope)
            return resr_set_error(err, err_size, -EINVAL, "blend: convolution %d ('%s') has different activations "
                           "in the two models", i, ca->name);
    }
    return 0;
}

/* out[i] = wa * a[i] + wb * b[i], each product and the sum rounded to fp32 as PyTorch does */
static void blend_tensor(float *out, const float *a, const float *b, size_t n, float wa, float wb)
{
    for (size_t i = 0; i < n; i++) {
        const float pa = wa * a[i], pb = wb * b[i];
        out[i] = pa + pb;
    }
}

int resr_model_blend(ResrModel **out, const ResrModel *a, const ResrModel *b, float weight_a)
{
    /* dni_weight = [w, 1 - w]: Python computes 1 - w in double, torch rounds it to fp32 */
    const float wa = weight_a, wb = (float)(1.0 - (double)weight_a);
    ResrModel *m = NULL;
    size_t total = 0;
    float *at;

    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!isfinite(weight_a) || resr_model_check_blendable(a, b, NULL, 0) < 0)
        return -EINVAL;

    for (int i = 0; i < a->num_convs; i++) {
        const ResrConv3x3 *c = &a->convs[i];
        total += aligned((size_t)c->out_channels * c->in_channels * 9) +
                 aligned((size_t)c->out_channels) +
                 (c->prelu_slope ? aligned((size_t)c->out_channels) : 0);
    }

    m = calloc(1, sizeof(*m));
    if (!m)
        goto fail;
    *m = *a;
    m->convs = NULL;
    m->weights = NULL;
    /* not read from a file */
    m->source_format[0] = m->source_container[0] = m->source_dtype[0] = 0;
    m->convs = malloc((size_t)a->num_convs * sizeof(*m->convs));
    m->weights = aligned_alloc(ALIGN_FLOATS * sizeof(float), (total ? total : ALIGN_FLOATS) *
                                                             sizeof(float));
    if (!m->convs || !m->weights)
        goto fail;
    /* alignment padding is zeroed so the arena is fully defined */
    memset(m->weights, 0, total * sizeof(float));
    m->weights_count = total;

    at = m->weights;
    for (int i = 0; i < a->num_convs; i++) {
        const ResrConv3x3 *ca = &a->convs[i], *cb = &b->convs[i];
        ResrConv3x3 *c = &m->convs[i];
        const size_t nw = (size_t)ca->out_channels * ca->in_channels * 9;
        const size_t nb = (size_t)ca->out_channels;

        *c = *ca;
        blend_tensor(at, ca->weight, cb->weight, nw, wa, wb);
        c->weight = at;
        at += aligned(nw);
        blend_tensor(at, ca->bias, cb->bias, nb, wa, wb);
        c->bias = at;
        at += aligned(nb);
        if (ca->prelu_slope) {
            blend_tensor(at, ca->prelu_slope, cb->prelu_slope, nb, wa, wb);
            c->prelu_slope = at;
            at += aligned(nb);
        }
    }
    *out = m;
    return 0;
fail:
    resr_model_free(&m);
    return -ENOMEM;
}
