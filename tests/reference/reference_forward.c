/*
 * The reference forward pass: plain fp32 NCHW loops, one function per layer, exactly the
 * official PyTorch forward (basicsr RRDBNet, Real-ESRGAN SRVGGNetCompact). It is the oracle
 * every faster path is tested against, so it favours clarity; loops run over whole rows
 * innermost so the compiler can vectorise them and small tests finish in seconds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/colour_math.h"
#include "reference_forward.h"

/* ----------------------------------------------------------------------------------------
 * layers: outputs first, then inputs, then sizes
 */

/*
 * out:    [oc][h][w]
 * padded: [ic][h+2][w+2] scratch
 * in:     [ic][h][w]
 * weight: [oc][ic][3][3]
 * bias:   [oc]
 * Stride 1, zero padding 1: the input is first copied into a zero-bordered buffer, so the
 * 3x3 sum needs no border cases and its row loop vectorises.
 */
static void conv2d_3x3(float *out, float *padded, const float *in, const float *weight,
                       const float *bias, int ic, int oc, int h, int w)
{
    const size_t hw = (size_t)h * w, pw = (size_t)w + 2, phw = (size_t)(h + 2) * pw;

    memset(padded, 0, ic * phw * sizeof(*padded));
    for (int c = 0; c < ic; c++)
        for (int y = 0; y < h; y++)
            memcpy(padded + c * phw + (y + 1) * pw + 1, in + c * hw + (size_t)y * w,
                   w * sizeof(*in));

    for (int o = 0; o < oc; o++) {
        float *op = out + o * hw;
        for (size_t i = 0; i < hw; i++)
            op[i] = bias[o];
        for (int c = 0; c < ic; c++) {
            const float *k = weight + (size_t)(o * ic + c) * 9;
            for (int y = 0; y < h; y++) {
                const float *r0 = padded + c * phw + y * pw, *r1 = r0 + pw, *r2 = r1 + pw;
                float *orow = op + (size_t)y * w;
                for (int x = 0; x < w; x++)
                    orow[x] += k[0] * r0[x] + k[1] * r0[x + 1] + k[2] * r0[x + 2] +
                               k[3] * r1[x] + k[4] * r1[x + 1] + k[5] * r1[x + 2] +
                               k[6] * r2[x] + k[7] * r2[x + 1] + k[8] * r2[x + 2];
            }
        }
    }
}

/* x: [n], in place */
static void leaky_relu(float *x, float slope, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] >= 0.0f ? x[i] : x[i] * slope;
}

/* x: [c][hw], in place; slope: [c] */
static void prelu(float *x, const float *slope, int c, size_t hw)
{
    for (int k = 0; k < c; k++)
        leaky_relu(x + k * hw, slope[k], hw);
}

/*
 * out: [c*u*u][h/u][w/u]
 * in:  [c][h][w], h and w multiples of u
 * torch.nn.functional.pixel_unshuffle: out channel c*u*u + i*u + j holds in[c][y*u+i][x*u+j].
 */
static void pixel_unshuffle(float *out, const float *in, int c, int h, int w, int u)
{
    const int oh = h / u, ow = w / u;

    for (int k = 0; k < c; k++)
        for (int i = 0; i < u; i++)
            for (int j = 0; j < u; j++) {
                float *op = out + (size_t)((k * u + i) * u + j) * oh * ow;
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++)
                        op[(size_t)y * ow + x] = in[((size_t)k * h + y * u + i) * w + x * u + j];
            }
}

/*
 * out: [c][h*s][w*s]
 * in:  [c*s*s][h][w]
 * torch.nn.functional.pixel_shuffle, the inverse of pixel_unshuffle.
 */
static void pixel_shuffle(float *out, const float *in, int c, int h, int w, int s)
{
    const int oh = h * s, ow = w * s;

    for (int k = 0; k < c; k++)
        for (int i = 0; i < s; i++)
            for (int j = 0; j < s; j++) {
                const float *ip = in + (size_t)((k * s + i) * s + j) * h * w;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        out[((size_t)k * oh + y * s + i) * ow + x * s + j] = ip[(size_t)y * w + x];
            }
}

/*
 * out: [c][h*s][w*s]
 * in:  [c][h][w]
 * F.interpolate(mode='nearest', scale_factor=s) with integer s: source index = dst / s.
 */
static void upsample_nearest(float *out, const float *in, int c, int h, int w, int s)
{
    const int oh = h * s, ow = w * s;

    for (int k = 0; k < c; k++)
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
                out[((size_t)k * oh + y) * ow + x] = in[((size_t)k * h + y / s) * w + x / s];
}

/* out, a, b: [n]; out = a * scale + b (two roundings, as PyTorch's `a * scale + b`) */
static void add_scaled(float *out, const float *a, float scale, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float t = a[i] * scale;
        out[i] = t + b[i];
    }
}

/*
 * out:     [conv->out_channels][h][w]
 * scratch: [conv->in_channels][h+2][w+2]
 * in:      [conv->in_channels][h][w]
 * The convolution followed by its activation.
 */
static void conv_act(float *out, float *scratch, const float *in, const ResrConv3x3 *conv,
                     int h, int w)
{
    const size_t hw = (size_t)h * w;

    conv2d_3x3(out, scratch, in, conv->weight, conv->bias, conv->in_channels,
               conv->out_channels, h, w);
    if (conv->activation == RESR_ACT_LEAKY_RELU)
        leaky_relu(out, conv->leaky_slope, conv->out_channels * hw);
    else if (conv->activation == RESR_ACT_PRELU)
        prelu(out, conv->prelu_slope, conv->out_channels, hw);
}

/* ----------------------------------------------------------------------------------------
 * networks
 */

/* Bump allocation from the one buffer a forward pass uses. */
typedef struct Arena {
    float *base;
    size_t used;
} Arena;

static float *arena_take(Arena *a, size_t n)
{
    float *p = a->base ? a->base + a->used : NULL;
    a->used += (n + 15) & ~(size_t)15;
    return p;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

typedef struct RrdbBuffers {
    float *unshuffled;  /* [in*u*u][h][w] */
    float *feat;        /* [nf][h][w]: conv_first output, kept for the long skip */
    float *body;        /* [nf][h][w]: running RRDB input/output */
    float *dense;       /* [nf + 4*gc][h][w]: x, x1..x4 as one concatenation */
    float *rdb_a;       /* [nf][h][w] */
    float *rdb_b;       /* [nf][h][w] */
    float *up2_in;      /* [nf][2h][2w] */
    float *up2_out;     /* [nf][2h][2w] */
    float *up4_a;       /* [nf][4h][4w] */
    float *up4_b;       /* [nf][4h][4w] */
    float *scratch;     /* the largest conv input, zero-bordered */
} RrdbBuffers;

static void rrdb_plan(RrdbBuffers *b, Arena *a, const ResrModel *m, int h, int w)
{
    const size_t hw = (size_t)h * w, nf = m->num_feat;
    const int u = m->unshuffle;

    b->unshuffled = arena_take(a, (size_t)m->num_in_ch * u * u * hw);
    b->feat       = arena_take(a, nf * hw);
    b->body       = arena_take(a, nf * hw);
    b->dense      = arena_take(a, (nf + 4 * (size_t)m->num_grow_ch) * hw);
    b->rdb_a      = arena_take(a, nf * hw);
    b->rdb_b      = arena_take(a, nf * hw);
    b->up2_in     = arena_take(a, nf * 4 * hw);
    b->up2_out    = arena_take(a, nf * 4 * hw);
    b->up4_a      = arena_take(a, nf * 16 * hw);
    b->up4_b      = arena_take(a, nf * 16 * hw);
    b->scratch    = arena_take(a, max_size(max_size(m->num_in_ch * u * u, nf + 4 * (size_t)m->num_grow_ch) *
                                           (h + 2) * (w + 2),
                                           nf * (4 * (size_t)h + 2) * (4 * w + 2)));
}

/*
 * out:     [nf][h][w], must not alias x
 * x:       [nf][h][w]
 * dense:   [nf + 4*gc][h][w] scratch
 * scratch: [nf + 4*gc][h+2][w+2]
 * convs:   the block's five convolutions
 * ResidualDenseBlock: x1..x4 = lrelu(conv_k(cat(x, x1..x_{k-1}))), out = conv5(cat) * 0.2 + x.
 * In NCHW the concatenation is just consecutive channel planes.
 */
static void rdb_forward(float *out, const float *x, float *dense, float *scratch,
                        const ResrConv3x3 *convs, int h, int w)
{
    const size_t hw = (size_t)h * w;
    const int nf = convs[0].in_channels;

    memcpy(dense, x, nf * hw * sizeof(*dense));
    for (int k = 0; k < 4; k++)
        conv_act(dense + (size_t)convs[k].in_channels * hw, scratch, dense, &convs[k], h, w);
    conv_act(out, scratch, dense, &convs[4], h, w);
    add_scaled(out, out, 0.2f, x, nf * hw);
}

/*
 * out: [3][4h][4w]
 * in:  [3][h*u][w*u], u = model->unshuffle; h, w are the unshuffled (body) sizes
 */
static void rrdbnet_forward(float *out, const float *in, const ResrModel *m, const RrdbBuffers *b,
                            int h, int w)
{
    const size_t hw = (size_t)h * w, nf = m->num_feat;
    const ResrConv3x3 *convs = m->convs;
    const float *feat_in = in;

    if (m->unshuffle > 1) {
        pixel_unshuffle(b->unshuffled, in, m->num_in_ch, h * m->unshuffle, w * m->unshuffle,
                        m->unshuffle);
        feat_in = b->unshuffled;
    }
    conv_act(b->feat, b->scratch, feat_in, &convs[0], h, w);

    memcpy(b->body, b->feat, nf * hw * sizeof(*b->body));
    for (int blk = 0; blk < m->num_block; blk++) {
        rdb_forward(b->rdb_a, b->body,  b->dense, b->scratch, &convs[resr_rrdb_conv_index(blk, 0, 0)], h, w);
        rdb_forward(b->rdb_b, b->rdb_a, b->dense, b->scratch, &convs[resr_rrdb_conv_index(blk, 1, 0)], h, w);
        rdb_forward(b->rdb_a, b->rdb_b, b->dense, b->scratch, &convs[resr_rrdb_conv_index(blk, 2, 0)], h, w);
        add_scaled(b->body, b->rdb_a, 0.2f, b->body, nf * hw);
    }

    conv_act(b->rdb_a, b->scratch, b->body, &convs[resr_rrdb_tail_index(m, 0)], h, w); /* conv_body */
    add_scaled(b->feat, b->feat, 1.0f, b->rdb_a, nf * hw);                    /* feat + body */

    upsample_nearest(b->up2_in, b->feat, nf, h, w, 2);
    conv_act(b->up2_out, b->scratch, b->up2_in, &convs[resr_rrdb_tail_index(m, 1)], 2 * h, 2 * w);
    upsample_nearest(b->up4_a, b->up2_out, nf, 2 * h, 2 * w, 2);
    conv_act(b->up4_b, b->scratch, b->up4_a, &convs[resr_rrdb_tail_index(m, 2)], 4 * h, 4 * w);
    conv_act(b->up4_a, b->scratch, b->up4_b, &convs[resr_rrdb_tail_index(m, 3)], 4 * h, 4 * w);
    conv_act(out, b->scratch, b->up4_a, &convs[resr_rrdb_tail_index(m, 4)], 4 * h, 4 * w);
}

typedef struct SrvggBuffers {
    float *a;     /* [nf][h][w] */
    float *b;     /* [nf][h][w] */
    float *last;  /* [out*s*s][h][w] */
    float *base;  /* [out][h*s][w*s] */
    float *scratch; /* [nf][h+2][w+2]: conv inputs, zero-bordered */
} SrvggBuffers;

static void srvgg_plan(SrvggBuffers *b, Arena *a, const ResrModel *m, int h, int w)
{
    const size_t hw = (size_t)h * w, s2 = (size_t)m->scale * m->scale;

    b->a    = arena_take(a, m->num_feat * hw);
    b->b    = arena_take(a, m->num_feat * hw);
    b->last = arena_take(a, m->num_out_ch * s2 * hw);
    b->base = arena_take(a, m->num_out_ch * s2 * hw);
    b->scratch = arena_take(a, max_size(m->num_in_ch, m->num_feat) * (h + 2) * (w + 2));
}

/*
 * out: [3][h*s][w*s]
 * in:  [3][h][w]
 * SRVGGNetCompact: conv+PReLU chain, pixel_shuffle, plus the nearest-upsampled input.
 */
static void srvgg_forward(float *out, const float *in, const ResrModel *m, const SrvggBuffers *b,
                          int h, int w)
{
    const int s = m->scale;
    float *x = b->a, *y = b->b;

    conv_act(x, b->scratch, in, &m->convs[0], h, w);
    for (int k = 1; k <= m->num_conv; k++) {
        float *t;
        conv_act(y, b->scratch, x, &m->convs[k], h, w);
        t = x, x = y, y = t;
    }
    conv_act(b->last, b->scratch, x, &m->convs[m->num_conv + 1], h, w);
    pixel_shuffle(out, b->last, m->num_out_ch, h, w, s);
    upsample_nearest(b->base, in, m->num_in_ch, h, w, s);
    add_scaled(out, out, 1.0f, b->base, (size_t)m->num_out_ch * h * s * w * s);
}

/*
 * out: [c][ph][pw]
 * in:  [c][h][w]
 * Reflect-pads right and bottom, the official pre-padding to a multiple of the unshuffle
 * factor. Sizes smaller than the pad (which PyTorch rejects) keep mirroring back and forth.
 */
static void reflect_pad(float *out, const float *in, int c, int h, int w, int ph, int pw)
{
    for (int k = 0; k < c; k++)
        for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++)
                out[((size_t)k * ph + y) * pw + x] =
                    in[((size_t)k * h + resr_reflect_index(y, h)) * w + resr_reflect_index(x, w)];
}

/* out: [c][h][w] = the top-left h x w of in: [c][ih][iw] */
static void crop(float *out, const float *in, int c, int ih, int iw, int h, int w)
{
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            memcpy(out + ((size_t)k * h + y) * w, in + ((size_t)k * ih + y) * iw,
                   w * sizeof(*out));
}

int resr_reference_forward(const ResrModel *model, const float *in, int w, int h, float *out)
{
    const int u = resr_model_unshuffle(model);
    const int s = model->scale;
    const int pw = (w + u - 1) / u * u, ph = (h + u - 1) / u * u;
    const int padded = pw != w || ph != h;
    Arena arena = { 0 };
    RrdbBuffers rrdb;
    SrvggBuffers srvgg;
    float *padded_in, *padded_out;

    if (w < 1 || h < 1)
        return -EINVAL;
    if (model->arch == RESR_ARCH_RRDBNET && (model->unshuffle < 1 || s * u != 4))
        return -EINVAL;

    /* Plan once to size the arena, then again to place the buffers in it. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass) {
            arena.base = malloc(arena.used * sizeof(*arena.base));
            if (!arena.base)
                return -ENOMEM;
            arena.used = 0;
        }
        padded_in  = arena_take(&arena, padded ? (size_t)model->num_in_ch * ph * pw : 0);
        padded_out = arena_take(&arena, padded ? (size_t)model->num_out_ch * ph * s * pw * s : 0);
        if (model->arch == RESR_ARCH_RRDBNET)
            rrdb_plan(&rrdb, &arena, model, ph / u, pw / u);
        else
            srvgg_plan(&srvgg, &arena, model, ph, pw);
    }

    if (padded)
        reflect_pad(padded_in, in, model->num_in_ch, h, w, ph, pw);
    else
        padded_in = (float *)in, padded_out = out;

    if (model->arch == RESR_ARCH_RRDBNET)
        rrdbnet_forward(padded_out, padded_in, model, &rrdb, ph / u, pw / u);
    else
        srvgg_forward(padded_out, padded_in, model, &srvgg, ph, pw);

    if (padded)
        crop(out, padded_out, model->num_out_ch, ph * s, pw * s, h * s, w * s);
    free(arena.base);
    return 0;
}
