/* The CUTLASS sm_90a path's host checks (cutlass_plan.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/precision.h"

#include "cutlass_plan.h"

const char *const resr_sm90_kernel_names[RESR_SM90_KERNEL_COUNT] = {
    "resr_conv3x3_sm90_f16_n64",
    "resr_conv3x3_sm90_f16_n32",
    "resr_conv3x3_sm90_f16_n64_res",
    "resr_conv3x3_sm90_bf16_n64",
    "resr_conv3x3_sm90_bf16_n32",
    "resr_conv3x3_sm90_bf16_n64_res",
};

int resr_sm90_kernel_is_bf16(int kernel)
{
    return kernel >= RESR_SM90_CONV_BF16_N64 && kernel <= RESR_SM90_CONV_BF16_N64_RES;
}

int resr_sm90_device_ok(int cc_major, int cc_minor)
{
    return cc_major == 9 && cc_minor == 0;
}

int resr_sm90_kernel_for(const ResrSm90Conv *conv, const char **why)
{
    /* the bf16 kernels follow the fp16 ones in the same order */
    const int bf16 = conv->math == RESR_PRECISION_BF16 ? RESR_SM90_CONV_BF16_N64 - RESR_SM90_CONV_F16_N64 : 0;

    *why = "";
    if (conv->math != RESR_PRECISION_FP16 && conv->math != RESR_PRECISION_BF16)
        *why = "only fp16 and bf16 are instantiated";
    else if (conv->upsample != 1)
        *why = "nearest-upsampled inputs are not a TMA im2col view";
    else if (conv->has_res2 || conv->has_dst_f32)
        *why = "a float residual or float output is not instantiated";
    else if (conv->in_channels % 8 || conv->in_channels < 8)
        *why = "input channels must be a multiple of 8 (pad with zero weights)";
    else if (conv->out_channels == 64)
        return bf16 + (conv->has_res1 ? RESR_SM90_CONV_F16_N64_RES : RESR_SM90_CONV_F16_N64);
    else if (conv->out_channels == 32 && !conv->has_res1)
        return bf16 + RESR_SM90_CONV_F16_N32;
    else
        *why = "no kernel for this output channel count (instantiated: 64, 64 + res1, 32)";
    return -1;
}

int resr_sm90_check_view(uint64_t base, int64_t pixel_stride, int channels, int elem_size,
                         const char **why)
{
    *why = "";
    if (elem_size <= 0 || channels <= 0)
        *why = "empty view";
    else if (base % 16)
        *why = "base address not 16-byte aligned (TMA)";
    else if ((channels * elem_size) % 16)
        *why = "channel count not a multiple of 16 bytes (TMA box)";
    else if (pixel_stride < channels)
        *why = "pixel stride smaller than the channel count";
    else if ((pixel_stride * elem_size) % 16)
        *why = "pixel stride (pitch) not a multiple of 16 bytes (TMA)";
    else
        return 0;
    return -EINVAL;
}

void resr_sm90_conv_of(ResrSm90Conv *out, const ResrConvArgs *a, const ResrConv3x3 *conv,
                       ResrPrecision math)
{
    memset(out, 0, sizeof(*out));
    out->math = math;
    out->in_channels = conv->in_channels;
    out->out_channels = conv->out_channels;
    out->upsample = a->upsample ? 2 : 1;
    out->has_res1 = a->res1 != 0;
    out->has_res2 = a->res2 != 0;
    out->has_dst_f32 = a->dst_f32 != 0;
}

static size_t align256(size_t v) { return (v + 255) & ~(size_t)255; }

size_t resr_sm90_epilogue_offset(int in_channels, int out_channels)
{
    return align256((size_t)out_channels * 9 * in_channels * 2);
}

static int candidate(const ResrConv3x3 *c)
{
    return c->in_channels >= 8 && c->in_channels % 8 == 0 &&
           (c->out_channels == 32 || c->out_channels == 64);
}

/* RRDB's 5th dense conv adds its input times 0.2 (the residual scale of the architecture) */
static float res1_scale_of(const ResrModel *m, int index)
{
    return m->arch == RESR_ARCH_RRDBNET && index >= 1 && index < resr_rrdb_tail_index(m, 0) &&
           (index - 1) % 5 == 4 ? 0.2f : 1.0f;
}

static void pack_one(uint8_t *at, const ResrModel *m, int index, int weight_exp, ResrPrecision math)
{
    const ResrConv3x3 *c = &m->convs[index];
    const int cin = c->in_channels, cout = c->out_channels;
    ResrSm90EpilogueHead *head = (ResrSm90EpilogueHead *)(at + resr_sm90_epilogue_offset(cin, cout));
    float *bias = (float *)(head + 1), *slope = bias + cout;

    for (int n = 0; n < cout; n++)
        for (int tap = 0; tap < 9; tap++)
            for (int k = 0; k < cin; k++)
                resr_tensor_store(at, ((int64_t)n * 9 + tap) * cin + k, math,
                                  ldexpf(c->weight[((size_t)n * cin + k) * 9 + tap], weight_exp));
    memset(head, 0, sizeof(*head));
    head->acc_scale = ldexpf(1.0f, -weight_exp);
    head->res1_scale = res1_scale_of(m, index);
    for (int n = 0; n < cout; n++) {
        bias[n] = c->bias[n];
        slope[n] = c->activation == RESR_ACT_LEAKY_RELU ? c->leaky_slope :
                   c->activation == RESR_ACT_PRELU ? c->prelu_slope[n] : 1.0f;
    }
}

int resr_sm90_weights_pack(ResrSm90Weights *w, const ResrModel *m, const int *weight_exp,
                           ResrPrecision math)
{
    size_t used = 0;

    memset(w, 0, sizeof(*w));
    if (math != RESR_PRECISION_FP16 && math != RESR_PRECISION_BF16)
        return -EINVAL;   /* the kernels read 2-byte weights */
    w->num_convs = m->num_convs;
    if (!(w->offset = calloc(m->num_convs, sizeof(*w->offset))) ||
        !(w->res1_scale = calloc(m->num_convs, sizeof(*w->res1_scale)))) {
        resr_sm90_weights_free(w);
        return -ENOMEM;
    }
    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        w->offset[i] = RESR_SM90_NO_WEIGHTS;
        w->res1_scale[i] = res1_scale_of(m, i);
        if (!candidate(c))
            continue;
        w->offset[i] = used;
        used = align256(used + resr_sm90_epilogue_offset(c->in_channels, c->out_channels) +
                        sizeof(ResrSm90EpilogueHead) + 2 * sizeof(float) * c->out_channels);
    }
    w->size = used;
    if (used && !(w->blob = aligned_alloc(256, used))) {
        resr_sm90_weights_free(w);
        return -ENOMEM;
    }
    for (int i = 0; i < m->num_convs; i++)
        if (w->offset[i] != RESR_SM90_NO_WEIGHTS)
            pack_one(w->blob + w->offset[i], m, i, weight_exp[i], math);
    return 0;
}

void resr_sm90_weights_free(ResrSm90Weights *w)
{
    free(w->offset);
    free(w->res1_scale);
    free(w->blob);
    memset(w, 0, sizeof(*w));
}

int resr_sm90_conv_index(const ResrCudaWeights *w, uint64_t weights_base, uint64_t weight)
{
    int lo = 0, hi = w->num_convs - 1;

    /* the packing lays the convs out in order: offsets ascend */
    while (lo <= hi) {
        const int mid = (lo + hi) / 2;
        const uint64_t at = weights_base + w->convs[mid].weight;
        if (at == weight)
            return mid;
        if (at < weight)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int views_ok(const ResrConvArgs *a, const ResrConv3x3 *c, const char **why)
{
    return resr_sm90_check_view(a->in, a->in_pixel, c->in_channels, 2, why) == 0 &&
           resr_sm90_check_view(a->dst, a->dst_pixel, c->out_channels, 2, why) == 0 &&
           (!a->res1 || resr_sm90_check_view(a->res1, a->res1_pixel, c->out_channels, 2, why) == 0);
}

int resr_sm90_route(const ResrCudaLaunch *l, const ResrModel *m, const ResrCudaWeights *w,
                    uint64_t weights_base, const ResrSm90Weights *sw, int *index, const char **why)
{
    const ResrConvArgs *a = &l->args.conv;
    ResrSm90Conv conv;
    int k;

    *index = -1;
    *why = "not a conv";
    if (!resr_cuda_kernel_is_conv(l->kernel))
        return -1;
    *index = resr_sm90_conv_index(w, weights_base, a->weight);
    if (*index < 0 || *index >= sw->num_convs || sw->offset[*index] == RESR_SM90_NO_WEIGHTS) {
        *why = "no CUTLASS weights for this conv (C_in a multiple of 8, C_out 32 or 64)";
        return -1;
    }
    resr_sm90_conv_of(&conv, a, &m->convs[*index], w->math);
    if ((k = resr_sm90_kernel_for(&conv, why)) < 0 || !views_ok(a, &m->convs[*index], why))
        return -1;
    if (!a->control) {
        *why = "no control block (the epilogue reads the scale from it)";
        return -1;
    }
    if (a->res1 && a->res1_scale != sw->res1_scale[*index]) {
        *why = "residual scale differs from the packed record";
        return -1;
    }
    return k;
}
