/*
 * The fast CPU network: every layer is one call of the fused 3x3 convolution (conv3x3.c)
 * over channels-last buffers with a zero halo, split by output rows across the pool.
 *
 * What is fused, and where:
 * - pixel unshuffle and planar -> NHWC: in the input conversion (to_nhwc_unshuffled);
 * - dense concatenation: conv1..4 of a dense block write their channel slice of one buffer;
 * - RDB and RRDB residuals: conv5's epilogue (the third RDB's does both scales);
 * - the long skip (feat + conv_body): conv_body's epilogue;
 * - the nearest x2 upsamples: conv_up1 and conv_up2 read their input upsampled;
 * - RRDBNet's 4x tail runs in row strips (rrdbnet_tail_4x), so at 4x only two strips of
 *   activations exist;
 * - NHWC -> planar output: conv_last's store; for SRVGG also pixel shuffle + the
 *   nearest-upsampled input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conv3x3.h"
#include "network.h"
#include "onednn.h"
#include "thread_pool.h"

/*
 * RRDBNet's 4x tail (conv_up2, conv_hr, conv_last) runs in strips of this many output rows,
 * so its two full-width activations exist for a strip (plus 2 + 2 context rows, computed
 * twice) rather than for the whole tile: at 4x they would be 2/3 of the arena. Even, so
 * strips start on the x2 upsample's phase.
 */
#define TAIL_STRIP 32

/* A channels-last buffer: rows of (width + 2) pixels, the outer ones the zero halo. */
typedef struct Buffer {
    float *base;
    size_t capacity;   /* floats */
    int channels;
} Buffer;

enum {
    /* RRDBNet */
    BUF_INPUT,         /* [h][w][3*u*u] unshuffled input */
    BUF_FEAT,          /* [h][w][nf] conv_first output, then feat + conv_body (the long skip) */
    BUF_DENSE0,        /* 3 x [h][w][nf + 4*gc]: each RDB's input and its x1..x4 */
    BUF_DENSE1,
    BUF_DENSE2,
    BUF_UP2,           /* [2h][2w][nf] conv_up1 output */
    BUF_STRIP_A,       /* [TAIL_STRIP + 4][4w][nf] conv_up2 output, one strip */
    BUF_STRIP_B,       /* [TAIL_STRIP + 2][4w][nf] conv_hr output, one strip */
    /* SRVGG reuses BUF_INPUT ([h][w][3]), BUF_DENSE0/1 as [h][w][nf] ping-pong */
    BUF_COUNT
};

struct ResrNetwork {
    const ResrModel *model;
    ResrThreadPool *pool;
    ResrConvRowsFn conv_rows;
    ResrConvPacked *convs;      /* [model->num_convs] */
    int plan_w, plan_h;         /* largest input tile planned for */
    float *arena;
    Buffer buf[BUF_COUNT];
    double *profile_ms;         /* [model->num_convs] or NULL: see resr_network_profile */
    ResrOnednn *dnn;            /* the oneDNN path, or NULL: the hand-written kernels */
    int error;                  /* the first failed conv of this forward (oneDNN only) */
    int dry;                    /* a forward that only creates the oneDNN primitives (plan) */
};

/* ----------------------------------------------------------------------------------------
 * buffers
 */

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* Sizes each buffer for an input tile of w x h; capacities in floats, halo included. */
static void buffer_shapes(const ResrModel *m, int w, int h, Buffer *buf)
{
    const int nf = m->num_feat;
    memset(buf, 0, BUF_COUNT * sizeof(*buf));
#define SHAPE(i, bw, rows, c) buf[i].capacity = (size_t)((bw) + 2) * (rows) * (c), buf[i].channels = (c)
    if (m->arch == RESR_ARCH_RRDBNET) {
        const int u = resr_model_unshuffle(m), lw = w / u, lh = h / u, dense = nf + 4 * m->num_grow_ch;
        const int strip = min_int(TAIL_STRIP, 4 * lh);
        SHAPE(BUF_INPUT,   lw, lh + 2, m->num_in_ch * u * u);
        SHAPE(BUF_FEAT,    lw, lh + 2, nf);
        SHAPE(BUF_DENSE0,  lw, lh + 2, dense);
        SHAPE(BUF_DENSE1,  lw, lh + 2, dense);
        SHAPE(BUF_DENSE2,  lw, lh + 2, dense);
        SHAPE(BUF_UP2,     2 * lw, 2 * lh + 2, nf);
        SHAPE(BUF_STRIP_A, 4 * lw, strip + 4, nf);
        SHAPE(BUF_STRIP_B, 4 * lw, strip + 2, nf);
    } else {
        SHAPE(BUF_INPUT,  w, h + 2, m->num_in_ch);
        SHAPE(BUF_DENSE0, w, h + 2, nf);
        SHAPE(BUF_DENSE1, w, h + 2, nf);
    }
#undef SHAPE
}

static size_t arena_floats(const Buffer *shapes)
{
    size_t total = 0;
    for (int i = 0; i < BUF_COUNT; i++)
        total += (shapes[i].capacity + 15) & ~(size_t)15;
    return total;
}

size_t resr_network_arena_bytes(const ResrModel *model, int max_w, int max_h)
{
    Buffer shapes[BUF_COUNT];
    buffer_shapes(model, max_w, max_h, shapes);
    return arena_floats(shapes) * sizeof(float) + 64;
}

/* The w-wide tensor in buffer b whose pixel (0, 0) is at buffer row `row`, column 1. */
static ResrNhwc view_at(const Buffer *b, int w, int row)
{
    const ptrdiff_t stride = (ptrdiff_t)(w + 2) * b->channels;
    return (ResrNhwc){ b->base + row * stride + b->channels, b->channels, stride };
}

/* The w-wide image tensor of buffer b: row 0 is the top halo. */
static ResrNhwc view(const Buffer *b, int w)
{
    return view_at(b, w, 1);
}

/* Zeroes buffer row `row` of a w-wide layout, halo columns included. */
static void zero_row(const Buffer *b, int w, int row)
{
    const size_t stride = (size_t)(w + 2) * b->channels;
    memset(b->base + row * stride, 0, stride * sizeof(float));
}

/* Zeroes the halo columns of buffer rows [0, rows) of a w-wide layout. */
static void zero_columns(const Buffer *b, int w, int rows)
{
    const size_t c = b->channels, stride = (size_t)(w + 2) * c;
    for (int y = 0; y < rows; y++) {
        memset(b->base + y * stride, 0, c * sizeof(float));
        memset(b->base + y * stride + (size_t)(w + 1) * c, 0, c * sizeof(float));
    }
}

/* Zeroes the one-pixel frame around a w x h image in buffer b (its layout depends on w). */
static void zero_halo(const Buffer *b, int w, int h)
{
    zero_row(b, w, 0);
    zero_row(b, w, h + 1);
    zero_columns(b, w, h + 2);
}

/*
 * The oneDNN path's dense scratch for input tiles up to w x h (onednn.h). Inputs copied:
 * a dense block's prefix (up to nf + 3gc channels at the low resolution), conv_up1's x2
 * upsample ([2h+2][2w+2][nf]), a tail strip's conv_up2 upsample (up to TAIL_STRIP + 4 rows
 * of 4w, plus the halo). Outputs: the largest is conv_up1's [2h][2w][nf].
 */
static int onednn_reserve(ResrNetwork *net, int w, int h)
{
    const ResrModel *m = net->model;
    const size_t nf = m->num_feat;
    if (m->arch == RESR_ARCH_RRDBNET) {
        const int u = resr_model_unshuffle(m), lw = w / u, lh = h / u;
        const size_t strip = min_int(TAIL_STRIP, 4 * lh);
        const size_t dense = (size_t)(lw + 2) * (lh + 2) * (nf + 3 * m->num_grow_ch);
        const size_t up1 = (size_t)(2 * lw + 2) * (2 * lh + 2) * nf;
        const size_t up2 = (size_t)(4 * lw + 2) * (strip + 6) * nf;
        const size_t out1 = (size_t)2 * lw * 2 * lh * nf, out2 = (size_t)4 * lw * (strip + 4) * nf;
        size_t in = dense > up1 ? dense : up1;
        in = in > up2 ? in : up2;
        return resr_onednn_reserve(net->dnn, in, out1 > out2 ? out1 : out2);
    }
    return resr_onednn_reserve(net->dnn, 0, (size_t)w * h *
                               max_int(m->num_feat, m->num_out_ch * m->scale * m->scale));
}

/*
 * The oneDNN path: creates the primitives of a w x h tile now, so that the frames that
 * follow (whole-frame tiles, or the inner tiles of a tiled frame) allocate nothing; edge
 * tiles of other sizes get theirs on first use. A forward that runs no convolution and
 * reads no input: the tile has no data.
 */
static int onednn_prepare(ResrNetwork *net, int w, int h)
{
    const int s = net->model->scale;
    ResrRgbTile in = { NULL, w, h, w, (ptrdiff_t)w * h };
    ResrRgbTile out = { NULL, w * s, h * s, w * s, (ptrdiff_t)w * s * h * s };
    int ret;

    net->dry = 1;
    ret = resr_network_forward(net, &in, &out);
    net->dry = 0;
    return ret;
}

int resr_network_plan(ResrNetwork *net, int max_w, int max_h)
{
    const int u = resr_model_unshuffle(net->model);
    Buffer shapes[BUF_COUNT];
    float *arena;
    int ret;

    if (max_w < 1 || max_h < 1 || max_w % u || max_h % u)
        return -EINVAL;
    if (max_w <= net->plan_w && max_h <= net->plan_h)
        return 0;
    max_w = max_int(max_w, net->plan_w);
    max_h = max_int(max_h, net->plan_h);

    buffer_shapes(net->model, max_w, max_h, shapes);
    if (net->dnn && (ret = onednn_reserve(net, max_w, max_h)) < 0)
        return ret;
    arena = aligned_alloc(64, arena_floats(shapes) * sizeof(float) + 64);
    if (!arena)
        return -ENOMEM;

    free(net->arena);
    net->arena = arena;
    for (int i = 0; i < BUF_COUNT; i++) {
        net->buf[i] = shapes[i];
        net->buf[i].base = shapes[i].capacity ? arena : NULL;
        arena += (shapes[i].capacity + 15) & ~(size_t)15;
    }
    net->plan_w = max_w;
    net->plan_h = max_h;
    return net->dnn ? onednn_prepare(net, max_w, max_h) : 0;
}

/* ----------------------------------------------------------------------------------------
 * running one convolution on the pool
 */

typedef struct ConvJob {
    ResrConvRowsFn rows;
    ResrConvParams params;
    int jobs;
} ConvJob;

static void conv_job(void *ctx, int job, int thread)
{
    const ConvJob *cj = ctx;
    const int h = cj->params.height;
    (void)thread;
    cj->rows(cj->params, (int)((long)h * job / cj->jobs), (int)((long)h * (job + 1) / cj->jobs));
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static void run_conv(ResrNetwork *net, const ResrConvParams *params)
{
    const int threads = resr_thread_pool_threads(net->pool);
    /* A few jobs per thread balance a noisy machine; each job still spans whole rows. */
    int jobs = threads == 1 ? 1 : 4 * threads;
    ConvJob cj = { net->conv_rows, *params, 0 };
    const double t0 = net->profile_ms ? now_ms() : 0.0;

    if (net->dnn) {
        const int index = (int)(params->conv - net->convs);
        const int ret = net->dry ? resr_onednn_prepare(net->dnn, index, params)
                                 : resr_onednn_conv(net->dnn, index, params);
        if (ret < 0 && !net->error)
            net->error = ret;
    } else {
        if (jobs > params->height)
            jobs = params->height;
        cj.jobs = jobs;
        resr_thread_pool_run(net->pool, conv_job, &cj, jobs);
    }
    if (net->profile_ms)
        net->profile_ms[params->conv - net->convs] += now_ms() - t0;
}

/* A plain conv, w x h output: in -> dst; callers add residuals, upsampling, other stores. */
static ResrConvParams conv_params(const ResrConvPacked *conv, ResrNhwc in, int w, int h,
                                  ResrNhwc dst)
{
    return (ResrConvParams){
        .conv = conv, .in = in, .upsample = 1, .width = w, .height = h,
        .store = RESR_STORE_NHWC, .dst = dst,
    };
}

/* ----------------------------------------------------------------------------------------
 * input conversion
 */

/*
 * dst: [h/u][w/u][3*u*u] channels-last, channel c*u*u + i*u + j = in[c][y*u+i][x*u+j]
 * in:  planar RGB tile, w x h
 */
static void to_nhwc_unshuffled(ResrNhwc dst, const ResrRgbTile *in, int channels, int u)
{
    const int oh = in->height / u, ow = in->width / u;

    for (int c = 0; c < channels; c++)
        for (int i = 0; i < u; i++)
            for (int j = 0; j < u; j++) {
                const int k = (c * u + i) * u + j;
                for (int y = 0; y < oh; y++) {
                    const float *src = in->data + c * in->plane_stride + (y * u + i) * in->row_stride + j;
                    float *d = dst.data + y * dst.row + k;
                    for (int x = 0; x < ow; x++)
                        d[x * dst.pixel] = src[x * u];
                }
            }
}

/* dst: [h][w][c] = src: [h][w][c] (interiors only) */
static void copy_nhwc(ResrNhwc dst, ResrNhwc src, int w, int h, int c)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy(dst.data + y * dst.row + x * dst.pixel, src.data + y * src.row + x * src.pixel,
                   c * sizeof(float));
}

/* ----------------------------------------------------------------------------------------
 * networks
 */

/*
 * conv_up2 (reading up2 x2-upsampled), conv_hr, conv_last over the w x h (4x) output, in
 * strips of TAIL_STRIP rows. Output rows [y0, y1) need conv_hr rows [y0-1, y1+1) and those
 * need conv_up2 rows [y0-2, y1+2): inside the image they are computed (again, at strip
 * edges), outside they are the zero padding. Strip buffer A holds conv_up2 rows y0-2 ..
 * y1+1 at buffer rows 0 .., B holds conv_hr rows y0-1 .. y1.
 */
static void rrdbnet_tail_4x(ResrNetwork *net, ResrNhwc up2, int w, int h, ResrRgbTile *out)
{
    const ResrModel *m = net->model;
    const Buffer *a = &net->buf[BUF_STRIP_A], *b = &net->buf[BUF_STRIP_B];
    const int strip = min_int(TAIL_STRIP, h);
    ResrConvParams p;

    zero_columns(a, w, strip + 4);
    zero_columns(b, w, strip + 2);
    for (int y0 = 0; y0 < h; y0 += strip) {
        const int y1 = min_int(y0 + strip, h);
        const int a0 = max_int(y0 - 2, 0), a1 = min_int(y1 + 2, h);
        const int b0 = max_int(y0 - 1, 0), b1 = min_int(y1 + 1, h);
        ResrNhwc src = up2;

        if (y0 == 0)   /* image row -1 */
            zero_row(a, w, -1 - (y0 - 2)), zero_row(b, w, -1 - (y0 - 1));
        if (y1 == h)   /* image row h */
            zero_row(a, w, h - (y0 - 2)), zero_row(b, w, h - (y0 - 1));

        /* a0 is even, so the strip's row 0 has the upsample's phase of image row 0 */
        src.data += a0 / 2 * src.row;
        p = conv_params(&net->convs[resr_rrdb_tail_index(m, 2)], src, w, a1 - a0,
                        view_at(a, w, a0 - (y0 - 2)));
        p.upsample = 2;
        run_conv(net, &p);
        p = conv_params(&net->convs[resr_rrdb_tail_index(m, 3)], view_at(a, w, b0 - (y0 - 2)), w,
                        b1 - b0, view_at(b, w, b0 - (y0 - 1)));
        run_conv(net, &p);
        p = conv_params(&net->convs[resr_rrdb_tail_index(m, 4)], view_at(b, w, 1), w, y1 - y0,
                        (ResrNhwc){ 0 });
        p.store  = RESR_STORE_PLANAR;
        /* (no data in onednn_prepare's forward) */
        p.planar = (ResrPlanar){ out->data ? out->data + y0 * out->row_stride : NULL, out->row_stride,
                                 out->plane_stride };
        run_conv(net, &p);
    }
}

static void rrdbnet_forward(ResrNetwork *net, const ResrRgbTile *in, ResrRgbTile *out)
{
    const ResrModel *m = net->model;
    const ResrConvPacked *cv = net->convs;
    const Buffer *b = net->buf;
    const int u = resr_model_unshuffle(m), w = in->width / u, h = in->height / u, nf = m->num_feat;
    const ResrNhwc dense[3] = { view(&b[BUF_DENSE0], w), view(&b[BUF_DENSE1], w),
                                view(&b[BUF_DENSE2], w) };
    const ResrNhwc feat = view(&b[BUF_FEAT], w), up2 = view(&b[BUF_UP2], 2 * w);
    ResrConvParams p;

    zero_halo(&b[BUF_INPUT], w, h);
    zero_halo(&b[BUF_FEAT], w, h);
    for (int i = 0; i < 3; i++)
        zero_halo(&b[BUF_DENSE0 + i], w, h);
    zero_halo(&b[BUF_UP2], 2 * w, 2 * h);

    if (!net->dry)
        to_nhwc_unshuffled(view(&b[BUF_INPUT], w), in, m->num_in_ch, u);
    p = conv_params(&cv[0], view(&b[BUF_INPUT], w), w, h, feat);
    run_conv(net, &p);
    copy_nhwc(dense[0], feat, w, h, nf);

    /*
     * Each RRDB: RDB r reads dense[r] (x in channels 0..nf-1, conv k writes its growth
     * slice), conv5 writes the next RDB's x. The third conv5 computes
     * rrdb_in + 0.2 * (x + 0.2 * conv5) in place over dense[0]'s x, the next RRDB's input.
     */
    for (int blk = 0; blk < m->num_block; blk++)
        for (int r = 0; r < 3; r++) {
            const ResrConvPacked *rdb = &cv[resr_rrdb_conv_index(blk, r, 0)];
            for (int k = 0; k < 4; k++) {
                p = conv_params(&rdb[k], dense[r], w, h, dense[r]);
                p.dst.data += rdb[k].in_channels;
                run_conv(net, &p);
            }
            p = conv_params(&rdb[4], dense[r], w, h, dense[(r + 1) % 3]);
            p.res1 = dense[r], p.res1_scale = 0.2f;
            if (r == 2)
                p.res2 = dense[0], p.res2_scale = 0.2f;
            run_conv(net, &p);
        }

    /* feat + conv_body(body), in place over feat */
    p = conv_params(&cv[resr_rrdb_tail_index(m, 0)], dense[0], w, h, feat);
    p.res1 = feat, p.res1_scale = 1.0f;
    run_conv(net, &p);
    /* conv_up1 on the x2 nearest upsample of it */
    p = conv_params(&cv[resr_rrdb_tail_index(m, 1)], feat, 2 * w, 2 * h, up2);
    p.upsample = 2;
    run_conv(net, &p);
    rrdbnet_tail_4x(net, up2, 4 * w, 4 * h, out);
}

static void srvgg_forward(ResrNetwork *net, const ResrRgbTile *in, ResrRgbTile *out)
{
    const ResrModel *m = net->model;
    const Buffer *b = net->buf;
    const int w = in->width, h = in->height;
    ResrNhwc x = view(&b[BUF_DENSE0], w), y = view(&b[BUF_DENSE1], w);
    ResrConvParams p;

    zero_halo(&b[BUF_INPUT], w, h);
    zero_halo(&b[BUF_DENSE0], w, h);
    zero_halo(&b[BUF_DENSE1], w, h);

    if (!net->dry)
        to_nhwc_unshuffled(view(&b[BUF_INPUT], w), in, m->num_in_ch, 1);
    p = conv_params(&net->convs[0], view(&b[BUF_INPUT], w), w, h, x);
    run_conv(net, &p);
    for (int k = 1; k <= m->num_conv; k++) {
        ResrNhwc t;
        p = conv_params(&net->convs[k], x, w, h, y);
        run_conv(net, &p);
        t = x, x = y, y = t;
    }
    p = conv_params(&net->convs[m->num_conv + 1], x, w, h, (ResrNhwc){ 0 });
    p.store   = RESR_STORE_SHUFFLE_ADD;
    p.shuffle = m->scale;
    p.planar  = (ResrPlanar){ out->data, out->row_stride, out->plane_stride };
    p.base    = (ResrPlanar){ in->data, in->row_stride, in->plane_stride };
    run_conv(net, &p);
}

int resr_network_forward(ResrNetwork *net, const ResrRgbTile *in, ResrRgbTile *out)
{
    const ResrModel *m = net->model;
    const int u = resr_model_unshuffle(m), s = m->scale;

    if (in->width < 1 || in->height < 1 || in->width % u || in->height % u ||
        in->width > net->plan_w || in->height > net->plan_h ||
        out->width != in->width * s || out->height != in->height * s)
        return -EINVAL;

    net->error = 0;
    if (m->arch == RESR_ARCH_RRDBNET)
        rrdbnet_forward(net, in, out);
    else
        srvgg_forward(net, in, out);
    return net->error;
}

/* ----------------------------------------------------------------------------------------
 * lifetime
 */

static int check_model(const ResrModel *m)
{
    if (m->num_in_ch != 3 || m->num_out_ch != 3 || m->num_feat < 1 || m->scale < 1)
        return -EINVAL;
    if (m->arch == RESR_ARCH_RRDBNET)
        return m->unshuffle >= 1 && m->unshuffle * m->scale == 4 && m->num_block >= 0 &&
               m->num_convs == 1 + 15 * m->num_block + 5 ? 0 : -EINVAL;
    if (m->arch == RESR_ARCH_SRVGG)
        return m->num_conv >= 0 && m->num_convs == m->num_conv + 2 ? 0 : -EINVAL;
    return -EINVAL;
}

int resr_network_create(ResrNetwork **out, const ResrModel *model, int threads)
{
    ResrNetwork *net;
    int ret;

    *out = NULL;
    if ((ret = check_model(model)) < 0)
        return ret;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)(n < 256 ? n : 256) : 1;
    }

    net = calloc(1, sizeof(*net));
    if (!net)
        return -ENOMEM;
    net->model = model;
    net->conv_rows = resr_conv3x3_rows_fn();
    net->convs = calloc(model->num_convs, sizeof(*net->convs));
    if (!net->convs) {
        ret = -ENOMEM;
        goto fail;
    }
    for (int i = 0; i < model->num_convs; i++)
        if ((ret = resr_conv3x3_pack(&net->convs[i], &model->convs[i])) < 0)
            goto fail;
    if ((ret = resr_thread_pool_create(&net->pool, threads)) < 0 ||
        (ret = resr_network_set_backend(net, RESR_CPU_BACKEND_AUTO, RESR_PRECISION_FP32)) < 0)
        goto fail;

    *out = net;
    return 0;
fail:
    resr_network_free(&net);
    return ret;
}

/*
 * AUTO: the environment's choice, if any; else oneDNN where its ISA is AVX-512 or better
 * (the hand-written kernels stop at AVX2), the hand-written kernels otherwise: on AVX2,
 * oneDNN 2.6's jit:avx2 NHWC convolution measured 1.6x slower in CPU time than them
 * (tests/bench/RESULTS-cpu.md).
 */
static ResrCpuBackend resolve_auto(void)
{
    const char *env = getenv("RESR_CPU_BACKEND");
    if (env && !strcmp(env, "native"))
        return RESR_CPU_BACKEND_NATIVE;
    if (env && !strcmp(env, "onednn"))
        return RESR_CPU_BACKEND_ONEDNN;
    return resr_onednn_built() && resr_onednn_have_avx512() ? RESR_CPU_BACKEND_ONEDNN
                                                            : RESR_CPU_BACKEND_NATIVE;
}

int resr_network_set_backend(ResrNetwork *net, ResrCpuBackend backend, ResrPrecision precision)
{
    const int automatic = backend == RESR_CPU_BACKEND_AUTO;
    ResrOnednn *dnn = NULL;
    int ret;

    if (backend != RESR_CPU_BACKEND_AUTO && backend != RESR_CPU_BACKEND_NATIVE &&
        backend != RESR_CPU_BACKEND_ONEDNN)
        return -EINVAL;
    if (precision != RESR_PRECISION_FP32 && precision != RESR_PRECISION_BF16)
        return -EINVAL;
    if (automatic)
        backend = precision == RESR_PRECISION_BF16 ? RESR_CPU_BACKEND_ONEDNN : resolve_auto();
    if (backend == RESR_CPU_BACKEND_NATIVE && precision != RESR_PRECISION_FP32)
        return -ENOTSUP;
    if (backend == RESR_CPU_BACKEND_ONEDNN) {
        ret = resr_onednn_create(&dnn, net->model, precision, net->pool);
        /* auto falls back to the hand-written kernels where oneDNN is not built in */
        if (ret == -ENOSYS && automatic && precision == RESR_PRECISION_FP32)
            backend = RESR_CPU_BACKEND_NATIVE;
        else if (ret < 0)
            return ret;
    }
    resr_onednn_free(&net->dnn);
    net->dnn = dnn;
    /* the scratch is sized by plan: plan again for the sizes planned so far */
    if (dnn && net->plan_w && ((ret = onednn_reserve(net, net->plan_w, net->plan_h)) < 0 ||
                               (ret = onednn_prepare(net, net->plan_w, net->plan_h)) < 0))
        return ret;
    return 0;
}

ResrCpuBackend resr_network_backend(const ResrNetwork *net)
{
    return net->dnn ? RESR_CPU_BACKEND_ONEDNN : RESR_CPU_BACKEND_NATIVE;
}

void resr_network_backend_name(const ResrNetwork *net, char *buf, size_t size)
{
    if (net->dnn)
        snprintf(buf, size, "onednn (isa %s, last primitive %s)", resr_onednn_isa_name(),
                 resr_onednn_impl(net->dnn));
    else
        snprintf(buf, size, "native (%s)", resr_conv3x3_impl_name());
}

void resr_network_profile(ResrNetwork *net, double *conv_ms)
{
    net->profile_ms = conv_ms;
}

void resr_network_free(ResrNetwork **pnet)
{
    ResrNetwork *net = *pnet;

    if (!net)
        return;
    resr_thread_pool_free(&net->pool);
    resr_onednn_free(&net->dnn);
    if (net->convs)
        for (int i = 0; i < net->model->num_convs; i++)
            resr_conv3x3_packed_free(&net->convs[i]);
    free(net->convs);
    free(net->arena);
    free(net);
    *pnet = NULL;
}
