/*
 * Weight packing, arena plan and per-tile launch lists of the CUDA engine (see cuda_plan.h).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../core/e4m3.h"
#include "../core/precision.h"
#include "conv_wide_tiling.cuh"
#include "cuda_plan.h"
#include "fp8_calibrate.h"   /* resr_cuda_fp8_conv */

const char *const resr_cuda_kernel_names[RESR_KERNEL_COUNT] = {
    "resr_conv3x3_f16_bn16",  "resr_conv3x3_f16_bn32",  "resr_conv3x3_f16_bn48",  "resr_conv3x3_f16_bn64",
    "resr_conv3x3_bf16_bn16", "resr_conv3x3_bf16_bn32", "resr_conv3x3_bf16_bn48", "resr_conv3x3_bf16_bn64",
    "resr_conv3x3_f32_bn16",  "resr_conv3x3_f32_bn32",  "resr_conv3x3_f32_bn48",  "resr_conv3x3_f32_bn64",
    "resr_frame_to_net", "resr_net_to_frame", "resr_alpha_upscale_kernel", "resr_control_kernel",
    "resr_dedup_compare", "resr_dedup_copy",
    "resr_conv3x3w_f16_bn32", "resr_conv3x3w_f16_bn64", "resr_conv3x3w_bf16_bn32", "resr_conv3x3w_bf16_bn64",
    "resr_conv3x3_fp8_bn16",  "resr_conv3x3_fp8_bn32",  "resr_conv3x3_fp8_bn48",  "resr_conv3x3_fp8_bn64",
};

static int round_up(int v, int m) { return (v + m - 1) / m * m; }
static size_t align256(size_t v) { return (v + 255) & ~(size_t)255; }

static int chunk_channels(ResrPrecision math)
{
    return math == RESR_PRECISION_FP32 ? RESR_F32_KC : RESR_MMA_KC;
}

static size_t operand_size(ResrPrecision math)
{
    return math == RESR_PRECISION_FP32 ? 4 : 2;
}

/* ---- weights ---------------------------------------------------------------------------- */

static void layout_conv(ResrCudaConvLayout *l, const ResrConv3x3 *conv, ResrPrecision math,
                        size_t *offset)
{
    const int cout16 = round_up(conv->out_channels, 16);

    l->bn = cout16 <= 64 ? cout16 : 64;
    l->weight_cout = round_up(cout16, l->bn);
    l->in_channels = round_up(conv->in_channels, chunk_channels(math));
    l->weight = *offset;
    *offset = align256(*offset + (size_t)l->in_channels * 9 * l->weight_cout * operand_size(math));
    l->bias = *offset;
    *offset = align256(*offset + (size_t)l->weight_cout * sizeof(float));
    l->slope = *offset;
    *offset = align256(*offset + (size_t)l->weight_cout * sizeof(float));
    if (l->fp8) {
        l->wscale = *offset;
        *offset = align256(*offset + (size_t)l->weight_cout * sizeof(float));
    }
}

/* fp8: the per-output-channel weight scale, max|w[n]| / 448 (1 for an all-zero channel), so
 * each channel's largest weight lands on e4m3's largest value. */
static float fp8_weight_scale(const ResrConv3x3 *conv, int n)
{
    const size_t k = (size_t)conv->in_channels * 9;
    float max_abs = 0.0f;

    if (n >= conv->out_channels)
        return 1.0f;
    for (size_t i = 0; i < k; i++)
        max_abs = fmaxf(max_abs, fabsf(conv->weight[n * k + i]));
    return max_abs > 0.0f && isfinite(max_abs) ? max_abs / RESR_E4M3_MAX : 1.0f;
}

/* The power of two that brings the largest |weight| to [2^11, 2^12) in fp16. */
static int weight_exponent(const ResrConv3x3 *conv, ResrPrecision math)
{
    const size_t n = (size_t)conv->out_channels * conv->in_channels * 9;
    float max_abs = 0.0f;
    int e = 0;

    if (math != RESR_PRECISION_FP16)
        return 0;
    for (size_t i = 0; i < n; i++)
        max_abs = fabsf(conv->weight[i]) > max_abs ? fabsf(conv->weight[i]) : max_abs;
    if (!(max_abs > 0.0f) || !isfinite(max_abs))
        return 0;
    while (e < 24 && ldexpf(max_abs, e + 1) < 4096.0f)
        e++;
    while (e > -24 && ldexpf(max_abs, e) >= 4096.0f)
        e--;
    return e;
}

static void pack_conv(uint8_t *blob, const ResrCudaConvLayout *l, const ResrConv3x3 *conv,
                      ResrPrecision math)
{
    const int kc = chunk_channels(math), cout = l->weight_cout;
    uint8_t *wt = blob + l->weight;
    float *bias = (float *)(blob + l->bias), *slope = (float *)(blob + l->slope);
    float *wscale = l->fp8 ? (float *)(blob + l->wscale) : NULL;

    for (int n = 0; wscale && n < cout; n++)
        wscale[n] = fp8_weight_scale(conv, n);
    for (int chunk = 0; chunk < l->in_channels / kc; chunk++)
        for (int tap = 0; tap < 9; tap++)
            for (int n = 0; n < cout; n++)
                for (int k = 0; k < kc; k++) {
                    const int ci = chunk * kc + k;
                    float v = n < conv->out_channels && ci < conv->in_channels ?
                        ldexpf(conv->weight[((size_t)n * conv->in_channels + ci) * 9 + tap],
                               l->weight_exp) : 0.0f;
                    /* fp8: the e4m3 value, stored in fp16 (exactly: e4m3 is a subset) */
                    if (wscale)
                        v = resr_e4m3_round(v / wscale[n]);
                    /* mma: [chunk][tap][n][k]; f32: [chunk][tap][k][n] */
                    const size_t i = math == RESR_PRECISION_FP32 ?
                        (((size_t)chunk * 9 + tap) * kc + k) * cout + n :
                        (((size_t)chunk * 9 + tap) * cout + n) * kc + k;
                    resr_tensor_store(wt, (int64_t)i, math, v);
                }
    for (int n = 0; n < cout; n++) {
        const int real = n < conv->out_channels;
        bias[n] = real ? conv->bias[n] : 0.0f;
        slope[n] = !real ? 1.0f :
                   conv->activation == RESR_ACT_LEAKY_RELU ? conv->leaky_slope :
                   conv->activation == RESR_ACT_PRELU ? conv->prelu_slope[n] : 1.0f;
    }
}

int resr_cuda_weights_pack(ResrCudaWeights *w, const ResrModel *model, ResrPrecision math)
{
    size_t offset = 0;

    memset(w, 0, sizeof(*w));
    if (model->arch == RESR_ARCH_RRDBNET &&
        (model->num_feat % 16 || model->num_grow_ch % 16))
        return -ENOTSUP;
    if (model->arch == RESR_ARCH_SRVGG && model->num_feat % 16)
        return -ENOTSUP;

    /* fp8 stores activations (and packs its first and last conv) in fp16 */
    w->fp8 = math == RESR_PRECISION_FP8;
    w->math = math = w->fp8 ? RESR_PRECISION_FP16 : math;
    w->num_convs = model->num_convs;
    w->convs = calloc(model->num_convs, sizeof(*w->convs));
    if (!w->convs)
        return -ENOMEM;
    for (int i = 0; i < model->num_convs; i++) {
        w->convs[i].fp8 = w->fp8 && resr_cuda_fp8_conv(model, i);
        w->convs[i].in_scale = 1.0f;
        layout_conv(&w->convs[i], &model->convs[i], math, &offset);
        w->convs[i].weight_exp = w->convs[i].fp8 ? 0 : weight_exponent(&model->convs[i], math);
    }
    w->size = offset;
    w->blob = aligned_alloc(256, offset);
    if (!w->blob) {
        resr_cuda_weights_free(w);
        return -ENOMEM;
    }
    for (int i = 0; i < model->num_convs; i++)
        pack_conv(w->blob, &w->convs[i], &model->convs[i], math);
    return 0;
}

void resr_cuda_weights_free(ResrCudaWeights *w)
{
    free(w->convs);
    free(w->blob);
    memset(w, 0, sizeof(*w));
}

/* ---- arena -------------------------------------------------------------------------------- */

static size_t take(size_t *used, size_t bytes)
{
    const size_t at = *used;
    *used = align256(*used + bytes);
    return at;
}

void resr_cuda_arena_plan(ResrCudaArena *a, const ResrModel *m, ResrPrecision math,
                          int max_w, int max_h)
{
    const int u = resr_model_unshuffle(m), s = m->scale;
    const size_t es = operand_size(math), nf = m->num_feat;
    const size_t hw = (size_t)(max_w / u) * (max_h / u);
    size_t used = 0;

    memset(a, 0, sizeof(*a));
    a->max_w = max_w;
    a->max_h = max_h;
    a->in_pixel = round_up(m->num_in_ch * u * u, chunk_channels(math));
    a->input = take(&used, hw * a->in_pixel * es);
    if (m->arch == RESR_ARCH_RRDBNET) {
        const size_t dense = nf + 4 * (size_t)m->num_grow_ch;
        a->dense[0] = take(&used, hw * dense * es);
        a->dense[1] = take(&used, hw * dense * es);
        a->feat     = take(&used, hw * nf * sizeof(float));
        a->trunk    = take(&used, hw * nf * sizeof(float));
        a->up1      = take(&used, 4 * hw * nf * es);
        a->up2      = take(&used, 16 * hw * nf * es);
        a->hr       = take(&used, 16 * hw * nf * es);
        a->out_pixel = m->num_out_ch;
        a->output   = take(&used, 16 * hw * m->num_out_ch * sizeof(float));
    } else {
        a->act[0] = take(&used, hw * nf * es);
        a->act[1] = take(&used, hw * nf * es);
        a->out_pixel = m->num_out_ch * s * s;
        a->output = take(&used, hw * a->out_pixel * sizeof(float));
    }
    a->size = used;
}

/* ---- launches ----------------------------------------------------------------------------- */

ResrCudaLaunch *resr_cuda_conv_launch(ResrCudaLaunch *l, const ResrModel *m, const ResrCudaWeights *w,
                                   uint64_t weights_base, int index, int out_w, int out_h,
                                   float act_scale, uint64_t status)
{
    const ResrCudaConvLayout *cl = &w->convs[index];
    const int math = w->math;
    ResrConvArgs *a = &l->args.conv;

    memset(l, 0, sizeof(*l));
    l->kernel = RESR_KERNEL_CONV_FIRST + 4 * math + cl->bn / 16 - 1;
    if (math == RESR_PRECISION_FP32) {
        l->grid[0] = (out_w + RESR_F32_TW - 1) / RESR_F32_TW;
        l->grid[1] = (out_h + RESR_F32_TH - 1) / RESR_F32_TH;
        l->block[0] = RESR_F32_THREADS;
    } else if (cl->wide_stages && !cl->fp8) {   /* fp8 has its own kernel (below) */
        l->kernel = resr_cuda_wide_kernel(math, cl->bn);
        l->grid[0] = (out_w + RESR_MMA_TW - 1) / RESR_MMA_TW;
        l->grid[1] = (out_h + RESR_WIDE_TH(cl->bn) - 1) / RESR_WIDE_TH(cl->bn);
        l->block[0] = RESR_WIDE_THREADS;
        l->smem = cl->wide_stages * RESR_WIDE_STAGE_BYTES(cl->bn);
    } else {
        l->grid[0] = (out_w + RESR_MMA_TW - 1) / RESR_MMA_TW;
        l->grid[1] = (out_h + RESR_MMA_TH(cl->bn) - 1) / RESR_MMA_TH(cl->bn);
        l->block[0] = RESR_MMA_WARPS(cl->bn) * 32;
    }
    l->grid[2] = cl->weight_cout / cl->bn;
    l->block[1] = l->block[2] = 1;
    if (cl->fp8) {
        l->kernel = RESR_KERNEL_CONV_FP8_FIRST + cl->bn / 16 - 1;
        a->in_scale = cl->in_scale;
        a->out_scale = weights_base + cl->wscale;
    }

    a->weight = weights_base + cl->weight;
    a->bias = weights_base + cl->bias;
    a->slope = weights_base + cl->slope;
    a->status = status;
    a->width = a->in_width = out_w;
    a->height = a->in_height = out_h;
    a->in_channels = cl->in_channels;
    a->out_channels = m->convs[index].out_channels;
    a->weight_cout = cl->weight_cout;
    a->acc_scale = cl->fp8 ? 1.0f / cl->in_scale : ldexpf(1.0f, -cl->weight_exp);
    a->bias_scale = act_scale;
    a->res1_scale = a->res2_scale = 1.0f;
    a->narrow_limit = math == RESR_PRECISION_FP16 ? RESR_CUDA_F16_LIMIT : 0.0f;
    return l;
}

/* The conv launches read the scale from the control block: their own bias_scale is unused. */
#define UNUSED_SCALE 1.0f

static int rrdb_program(ResrCudaLaunch *l, const ResrModel *m, const ResrCudaWeights *w,
                        uint64_t wb, const ResrCudaArena *ar, uint64_t ab, int W, int H,
                        uint64_t status)
{
    const size_t es = operand_size(w->math);
    const int nf = m->num_feat, gc = m->num_grow_ch, dense = nf + 4 * gc;
    const uint64_t feat = ab + ar->feat, trunk = ab + ar->trunk;
    const uint64_t buf[2] = { ab + ar->dense[0], ab + ar->dense[1] };
    int n = 0, cur = 0;
    ResrConvArgs *a;

    /* conv_first: to the first dense buffer's x and, in fp32, to feat (the long skip) */
    a = &resr_cuda_conv_launch(&l[n++], m, w, wb, 0, W, H, UNUSED_SCALE, status)->args.conv;
    a->in = ab + ar->input;
    a->in_pixel = ar->in_pixel;
    a->dst = buf[cur];
    a->dst_pixel = dense;
    a->dst_f32 = feat;
    a->dst_f32_pixel = nf;

    for (int b = 0; b < m->num_block; b++) {
        for (int r = 0; r < 3; r++) {
            const uint64_t x = buf[cur], next = buf[cur ^ 1];
            for (int k = 0; k < 5; k++) {
                a = &resr_cuda_conv_launch(&l[n++], m, w, wb, resr_rrdb_conv_index(b, r, k), W, H,
                                 UNUSED_SCALE, status)->args.conv;
                a->in = x;
                a->in_pixel = dense;
                a->dst_pixel = dense;
                if (k < 4) {
                    /* x1..x4 land in the concatenation itself */
                    a->dst = x + (uint64_t)(nf + k * gc) * es;
                    continue;
                }
                /* conv5 * 0.2 + x; the third also closes the RRDB: (...) * 0.2 + trunk */
                a->res1 = x;
                a->res1_pixel = dense;
                a->res1_scale = 0.2f;
                a->dst = next;
                if (r == 2) {
                    a->res2 = b == 0 ? feat : trunk;
                    a->res2_pixel = nf;
                    a->res2_scale = 0.2f;
                    a->dst_f32 = trunk;
                    a->dst_f32_pixel = nf;
                }
            }
            cur ^= 1;
        }
    }

    /* conv_body + feat, into the other dense buffer's first nf channels */
    a = &resr_cuda_conv_launch(&l[n++], m, w, wb, resr_rrdb_tail_index(m, 0), W, H, UNUSED_SCALE, status)->args.conv;
    a->in = buf[cur];
    a->in_pixel = dense;
    a->res2 = feat;
    a->res2_pixel = nf;
    a->dst = buf[cur ^ 1];
    a->dst_pixel = dense;

    /* two nearest-x2 upsamplings, fused into the conv's input indexing */
    const uint64_t up_in[2] = { buf[cur ^ 1], ab + ar->up1 };
    const int up_pixel[2] = { dense, nf };
    const uint64_t up_out[2] = { ab + ar->up1, ab + ar->up2 };
    for (int i = 0; i < 2; i++) {
        const int f = 2 << i;
        a = &resr_cuda_conv_launch(&l[n++], m, w, wb, resr_rrdb_tail_index(m, 1 + i), W * f, H * f,
                         UNUSED_SCALE, status)->args.conv;
        a->in = up_in[i];
        a->in_pixel = up_pixel[i];
        a->in_width = W * f / 2;
        a->in_height = H * f / 2;
        a->upsample = 1;
        a->dst = up_out[i];
        a->dst_pixel = nf;
    }

    a = &resr_cuda_conv_launch(&l[n++], m, w, wb, resr_rrdb_tail_index(m, 3), W * 4, H * 4, UNUSED_SCALE, status)->args.conv;
    a->in = ab + ar->up2;
    a->in_pixel = nf;
    a->dst = ab + ar->hr;
    a->dst_pixel = nf;

    a = &resr_cuda_conv_launch(&l[n++], m, w, wb, resr_rrdb_tail_index(m, 4), W * 4, H * 4, UNUSED_SCALE, status)->args.conv;
    a->in = ab + ar->hr;
    a->in_pixel = nf;
    a->dst_f32 = ab + ar->output;
    a->dst_f32_pixel = ar->out_pixel;
    return n;
}

static int srvgg_program(ResrCudaLaunch *l, const ResrModel *m, const ResrCudaWeights *w,
                         uint64_t wb, const ResrCudaArena *ar, uint64_t ab, int W, int H,
                         uint64_t status)
{
    const int nf = m->num_feat;
    uint64_t in = ab + ar->input;
    int in_pixel = ar->in_pixel, n = 0;

    for (int k = 0; k <= m->num_conv + 1; k++) {
        ResrConvArgs *a = &resr_cuda_conv_launch(&l[n++], m, w, wb, k, W, H, UNUSED_SCALE, status)->args.conv;
        a->in = in;
        a->in_pixel = in_pixel;
        if (k == m->num_conv + 1) {
            a->dst_f32 = ab + ar->output;
            a->dst_f32_pixel = ar->out_pixel;
        } else {
            a->dst = ab + ar->act[k & 1];
            a->dst_pixel = nf;
            in = a->dst;
            in_pixel = nf;
        }
    }
    return n;
}

int resr_cuda_max_launches(const ResrModel *model)
{
    return model->num_convs + 2;
}

int resr_cuda_tile_program(ResrCudaLaunch *launches, const ResrModel *m,
                           const ResrCudaWeights *w, uint64_t weights_base,
                           const ResrCudaArena *ar, uint64_t arena_base,
                           const ResrCudaFrames *f, const ResrTile *tile, uint64_t control)
{
    const uint64_t status = control + offsetof(ResrCudaControl, status);
    const int u = resr_model_unshuffle(m), s = m->scale;
    const int W = tile->input.w / u, H = tile->input.h / u;
    ResrCudaLaunch *l = launches;
    int n = 0;

    /* frame -> network input */
    memset(l, 0, sizeof(*l));
    l->kernel = RESR_KERNEL_FRAME_TO_NET;
    l->block[0] = 32;
    l->block[1] = 4;
    l->block[2] = 1;
    l->grid[0] = (W + 31) / 32;
    l->grid[1] = (H + 3) / 4;
    l->grid[2] = 1;
    ResrInputArgs *in = &l->args.input;
    in->fmt = f->in_fmt;
    in->frame = f->in;
    in->frame_w = f->in_w;
    in->frame_h = f->in_h;
    in->x0 = tile->input.x;
    in->y0 = tile->input.y;
    in->w = tile->input.w;
    in->h = tile->input.h;
    in->unshuffle = u;
    in->dst_pixel = ar->in_pixel;
    in->dst = arena_base + ar->input;
    in->math = w->math;
    in->value_scale = 1.0f;
    in->control = control;
    n++;

    const int convs = m->arch == RESR_ARCH_RRDBNET ?
        rrdb_program(launches + n, m, w, weights_base, ar, arena_base, W, H, status) :
        srvgg_program(launches + n, m, w, weights_base, ar, arena_base, W, H, status);
    for (int i = n; i < n + convs; i++)
        launches[i].args.conv.control = control;
    n += convs;

    /* network output -> frame: the core of the tile, cropped to the frame */
    l = &launches[n++];
    memset(l, 0, sizeof(*l));
    l->kernel = RESR_KERNEL_NET_TO_FRAME;
    l->block[0] = 32;
    l->block[1] = 4;
    l->block[2] = 1;
    l->grid[0] = (tile->output.w + 31) / 32;
    l->grid[1] = (tile->output.h + 3) / 4;
    l->grid[2] = 1;
    ResrOutputArgs *out = &l->args.output;
    out->fmt = f->out_fmt;
    out->frame = f->out;
    out->net = arena_base + ar->output;
    out->net_pixel = ar->out_pixel;
    out->shuffle = m->arch == RESR_ARCH_SRVGG ? s : 1;
    out->base = m->arch == RESR_ARCH_SRVGG ? arena_base + ar->input : 0;
    out->base_pixel = ar->in_pixel;
    out->tile_w = tile->input.w * s;
    out->tile_h = tile->input.h * s;
    out->cx = (tile->core.x - tile->input.x) * s;
    out->cy = (tile->core.y - tile->input.y) * s;
    out->cw = tile->output.w;
    out->ch = tile->output.h;
    out->dst_x = tile->output.x;
    out->dst_y = tile->output.y;
    out->math = w->math;
    out->value_scale = 1.0f;
    out->control = control;
    return n;
}

void resr_cuda_alpha_launch(ResrCudaLaunch *l, const ResrCudaFrames *f, int scale)
{
    ResrAlphaArgs *a = &l->args.alpha;

    memset(l, 0, sizeof(*l));
    l->kernel = RESR_KERNEL_ALPHA;
    l->block[0] = 32;
    l->block[1] = 4;
    l->block[2] = 1;
    l->grid[0] = (f->in_w * scale + 31) / 32;
    l->grid[1] = (f->in_h * scale + 3) / 4;
    l->grid[2] = 1;
    a->fmt = f->in_fmt;
    a->src = f->in;
    a->dst = f->out;
    a->src_w = f->in_w;
    a->src_h = f->in_h;
    a->scale = scale;
    a->w = f->in_w * scale;
    a->h = f->in_h * scale;
}

/* ---- frame driver -------------------------------------------------------------------------- */

static int control_launch_forget(const ResrCudaBackend *be, uint64_t control, int op, int last_pass,
                                 int rescale, int forget)
{
    ResrCudaLaunch l;

    memset(&l, 0, sizeof(l));
    l.args.control.forget = forget;
    l.kernel = RESR_KERNEL_CONTROL;
    l.grid[0] = l.grid[1] = l.grid[2] = 1;
    l.block[0] = 32;
    l.block[1] = l.block[2] = 1;
    l.args.control.control = control;
    l.args.control.op = op;
    l.args.control.last_pass = last_pass;
    l.args.control.rescale = rescale;
    return be->launch(be->opaque, &l);
}

static int control_launch(const ResrCudaBackend *be, uint64_t control, int op, int last_pass, int rescale)
{
    return control_launch_forget(be, control, op, last_pass, rescale, 0);
}

/* ---- held frames (dedup) --------------------------------------------------------------- */

/* The compare of the new input with the kept one, one launch per stored component, between
 * DEDUP_BEGIN and DEDUP_DECIDE: the decision is on the device. */
static int dedup_compare(const ResrCudaBackend *be, const ResrCudaFrames *f, uint64_t control)
{
    int comps[4], ret;
    const int n = resr_stored_components(&f->in_fmt, comps);

    if ((ret = control_launch_forget(be, control, RESR_CONTROL_DEDUP_BEGIN, 0, 0, f->forget)) < 0)
        return ret;
    for (int i = 0; i < n; i++) {
        ResrCudaLaunch l;
        ResrDedupCompareArgs *a = &l.args.compare;
        int cw, ch;

        memset(&l, 0, sizeof(l));
        resr_dedup_component_size(&f->in_fmt, comps[i], f->in_w, f->in_h, &cw, &ch);
        l.kernel = RESR_KERNEL_DEDUP_COMPARE;
        l.block[0] = 32;
        l.block[1] = 4;
        l.block[2] = 1;
        l.grid[0] = ((cw + RESR_DEDUP_BLOCK - 1) / RESR_DEDUP_BLOCK + 31) / 32;
        l.grid[1] = ((ch + RESR_DEDUP_BLOCK - 1) / RESR_DEDUP_BLOCK + 3) / 4;
        l.grid[2] = 1;
        a->fmt = f->in_fmt;
        a->a = f->in;
        a->b = f->kept_in;
        a->comp = comps[i];
        a->cw = cw;
        a->ch = ch;
        a->threshold = f->dedup_threshold;
        a->control = control;
        if ((ret = be->launch(be->opaque, &l)) < 0)
            return ret;
    }
    return control_launch(be, control, RESR_CONTROL_DEDUP_DECIDE, 0, 0);
}

/* Copies the planes of a w x h frame of fmt, src -> dst, when the frame's reuse flag is
 * when_reuse. */
static int dedup_copy(const ResrCudaBackend *be, const ResrPixelFormat *fmt, int w, int h,
                      const ResrPlanes *src, const ResrPlanes *dst, int when_reuse, uint64_t control)
{
    size_t row_bytes[RESR_MAX_PLANES];
    int rows[RESR_MAX_PLANES], ret;
    const int planes = resr_plane_layout(fmt, w, h, row_bytes, rows);

    for (int p = 0; p < planes; p++) {
        ResrCudaLaunch l;
        ResrDedupCopyArgs *a = &l.args.copy;

        memset(&l, 0, sizeof(l));
        l.kernel = RESR_KERNEL_DEDUP_COPY;
        l.block[0] = 128;
        l.block[1] = l.block[2] = 1;
        l.grid[0] = (unsigned)((row_bytes[p] + 127) / 128);
        l.grid[1] = (unsigned)rows[p];
        l.grid[2] = 1;
        a->src = (uint64_t)(uintptr_t)src->data[p];
        a->dst = (uint64_t)(uintptr_t)dst->data[p];
        a->src_pitch = src->linesize[p];
        a->dst_pitch = dst->linesize[p];
        a->row_bytes = (int32_t)row_bytes[p];
        a->rows = rows[p];
        a->when_reuse = when_reuse;
        a->control = control;
        if ((ret = be->launch(be->opaque, &l)) < 0)
            return ret;
    }
    return 0;
}

/* After the network: a reused frame gets the kept output; a computed one becomes the kept
 * one (the network-size output: a resize after it runs on either). */
static int dedup_finish(const ResrCudaBackend *be, const ResrCudaFrames *f, int scale, uint64_t control)
{
    const int ow = f->in_w * scale, oh = f->in_h * scale;
    int ret;

    if ((ret = dedup_copy(be, &f->out_fmt, ow, oh, &f->kept_out, &f->out, 1, control)) < 0 ||
        (ret = dedup_copy(be, &f->in_fmt, f->in_w, f->in_h, &f->in, &f->kept_in, 0, control)) < 0 ||
        (ret = dedup_copy(be, &f->out_fmt, ow, oh, &f->out, &f->kept_out, 0, control)) < 0)
        return ret;
    return 0;
}

/* One tile: its program `passes` times, judged on the device after each pass. */
static int run_tile(const ResrCudaBackend *be, const ResrCudaLaunch *launches, int n, uint64_t control,
                    int passes, int rescale)
{
    int ret;

    if ((ret = control_launch(be, control, RESR_CONTROL_TILE_BEGIN, 0, rescale)) < 0)
        return ret;
    for (int pass = 0; pass < passes; pass++) {
        for (int i = 0; i < n; i++)
            if ((ret = be->launch(be->opaque, &launches[i])) < 0)
                return ret;
        if ((ret = control_launch(be, control, RESR_CONTROL_JUDGE, pass == passes - 1, rescale)) < 0)
            return ret;
    }
    return 0;
}

int resr_cuda_run_frame(const ResrCudaBackend *be, ResrCudaLaunch *launches,
                        const ResrModel *model, const ResrCudaWeights *w, uint64_t weights_base,
                        const ResrCudaArena *arena, uint64_t arena_base, uint64_t control,
                        const ResrCudaFrames *frames, const ResrTilePlan *plan,
                        int read_status, ResrCudaRunStats *stats)
{
    const int rescale = w->math == RESR_PRECISION_FP16;
    const int passes = rescale ? 1 + RESR_CUDA_RETRY_PASSES : 1;
    int ret;

    memset(stats, 0, sizeof(*stats));
    if (frames->dedup && (ret = dedup_compare(be, frames, control)) < 0)
        return ret;
    for (int t = 0; t < plan->count; t++) {
        const int n = resr_cuda_tile_program(launches, model, w, weights_base, arena, arena_base,
                                             frames, &plan->tiles[t], control);
        if ((ret = run_tile(be, launches, n, control, passes, rescale)) < 0)
            return ret;
    }
    if (frames->in_fmt.has_alpha && frames->out_fmt.has_alpha) {
        resr_cuda_alpha_launch(&launches[0], frames, model->scale);
        launches[0].args.alpha.control = frames->dedup ? control : 0;
        if ((ret = be->launch(be->opaque, &launches[0])) < 0)
            return ret;
    }
    if (frames->dedup && (ret = dedup_finish(be, frames, model->scale, control)) < 0)
        return ret;
    /* FRAME_END before DEDUP_END: a reused frame leaves the scale and the counts alone */
    if ((ret = control_launch(be, control, RESR_CONTROL_FRAME_END, 0, rescale)) < 0 ||
        (frames->dedup && (ret = control_launch(be, control, RESR_CONTROL_DEDUP_END, 0, rescale)) < 0))
        return ret;
    if (read_status) {
        ResrCudaControl c;
        if ((ret = be->control_read(be->opaque, control, &c)) < 0)
            return ret;
        resr_cuda_run_stats(stats, &c);
    }
    return 0;
}

void resr_cuda_run_stats(ResrCudaRunStats *stats, const ResrCudaControl *c)
{
    stats->tiles = (int)c->last.tiles;
    stats->retries = (int)c->last.retries;
    stats->saturated = (int)c->last.saturated;
    stats->max_abs = resr_bits_float(c->last.max_abs_bits);
    stats->act_scale = c->act_scale;
}
