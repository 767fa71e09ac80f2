/*
 * The oneDNN convolution path (onednn.h). One convolution call of the network (conv3x3.h's
 * ResrConvParams) becomes one oneDNN primitive execution on dense NHWC operands:
 *
 * - src: the conv's input *with its halo*, (h + 2) x (w + 2) pixels from (-1, -1), and no
 *   padding in the primitive: the network zeroes the halo where it is the image border and
 *   leaves real rows there inside RRDBNet's tail strips, exactly as the hand-written kernel
 *   reads it. Most inputs are dense as they lie (a w + 2 wide buffer of in_channels) and are
 *   read in place; a dense block's channel prefix and a nearest-upsampled input are first
 *   copied or upsampled into dense scratch.
 * - dst: dense scratch [h][w][oc]; bias and LeakyReLU (eltwise relu) are fused in the
 *   primitive; PReLU, the scaled residual adds and the store (NHWC view, planar,
 *   pixel-shuffled) are one pass after it (epilogue).
 *
 * Why copies: oneDNN 2.6's fast convolutions (jit:avx2, brgconv) accept only dense
 * tensors; a strided view (a dense block's channel slice, a row with halo columns) sends
 * the primitive to its reference implementation, ~100x slower (measured with
 * ONEDNN_VERBOSE=1, cpu/README.md). The copies move a few hundred bytes per pixel against
 * ~70 kFLOP of convolution per pixel.
 *
 * Primitives are cached per conv and output size (Key): a frame plan has at most a few tile
 * sizes and tail-strip heights. The reordered weights are shared between the entries of a
 * conv when oneDNN picked the same weights layout.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onednn.h"
#include "thread_pool.h"

#if defined(__has_include)
#if __has_include("build/onednn_config.h")
#include "build/onednn_config.h"
#endif
#endif
#ifndef RESR_HAVE_ONEDNN
#define RESR_HAVE_ONEDNN 0
#endif

#if RESR_HAVE_ONEDNN

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

/* primitives kept per conv: tile sizes of a plan (4) x tail-strip heights, with room */
#define CACHE_WAYS 8
/* reordered weight layouts kept per conv (oneDNN picks one per ISA, rarely two) */
#define WEIGHT_WAYS 2

/* What a primitive depends on besides the conv: the output size (operands are dense). */
typedef struct Key {
    int w, h;
} Key;

typedef struct Weights {
    dnnl_memory_desc_t md;
    dnnl_memory_t mem;          /* owns its buffer */
} Weights;

typedef struct Entry {
    Key key;
    dnnl_primitive_t prim;
    dnnl_memory_t src, dst;
    const Weights *weights;
} Entry;

typedef struct ConvCache {
    Entry entry[CACHE_WAYS];
    int used, next;             /* entries filled; the next to replace when full */
    Weights weights[WEIGHT_WAYS];
    int weight_count;
    dnnl_memory_t bias;         /* [out_channels], a view of the model's array */
} ConvCache;

struct ResrOnednn {
    const ResrModel *model;
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    ResrThreadPool *pool;       /* the network's: the copies and the epilogue, in row bands */
    int threads;
    int bf16;
    ConvCache *convs;           /* [model->num_convs] */
    float *in, *out;            /* scratch: dense input (copied or upsampled), dense output */
    size_t in_floats, out_floats;
    char impl[64];
};

int resr_onednn_built(void)
{
    return 1;
}

int resr_onednn_isa_has_bf16(void)
{
    const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    /* ISA values are bit sets, each containing the ones below it */
    return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
}

static dnnl_status_t nhwc_md(dnnl_memory_desc_t *md, int c, int w, int h, ptrdiff_t pixel,
                             ptrdiff_t row);

/* Fills every float of mem with v (a constant survives any reordering of the elements). */
static dnnl_status_t fill_memory(dnnl_memory_t mem, float v)
{
    const dnnl_memory_desc_t *md;
    void *p;
    dnnl_status_t st;

    if ((st = dnnl_memory_get_memory_desc(mem, &md)) || (st = dnnl_memory_get_data_handle(mem, &p)))
        return st;
    if (md->data_type != dnnl_f32)
        return dnnl_unimplemented;
    for (size_t i = 0; i < dnnl_memory_desc_get_size(md) / sizeof(float); i++)
        ((float *)p)[i] = v;
    return dnnl_success;
}

/*
 * Whether oneDNN really computes an f32 3x3 conv (64 -> 64 channels, as our layers) in bf16
 * under the bf16 math mode. A CPU with AMX is not enough: oneDNN 2.6 (Debian 12) accepts the
 * mode and computes fp32. Probe: input 1 + 2^-9 (bf16 rounds it to 1), weights 2^-6, no
 * bias: fp32 gives 9 * 64 * (1 + 2^-9) * 2^-6 = 9.0176, bf16 gives 9 exactly.
 */
static int bf16_math_applied(void)
{
    const dnnl_dims_t wdims = { 64, 64, 3, 3 }, one = { 1, 1 }, zero = { 0, 0 };
    dnnl_engine_t engine = NULL;
    dnnl_stream_t stream = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t src = NULL, wei = NULL, dst = NULL;
    dnnl_memory_desc_t smd, wmd, dmd;
    dnnl_convolution_desc_t cd;
    float *out = NULL;
    int applied = 0;

    if (nhwc_md(&smd, 64, 3, 3, 64, 3 * 64) || nhwc_md(&dmd, 64, 1, 1, 64, 64) ||
        dnnl_memory_desc_init_by_tag(&wmd, 4, wdims, dnnl_f32, dnnl_format_tag_any) ||
        dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                           &smd, &wmd, NULL, &dmd, one, zero, zero) ||
        dnnl_engine_create(&engine, dnnl_cpu, 0) ||
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) ||
        dnnl_primitive_attr_create(&attr) ||
        dnnl_primitive_attr_set_fpmath_mode(attr, dnnl_fpmath_mode_bf16) ||
        dnnl_primitive_desc_create(&pd, &cd, attr, engine, NULL) ||
        dnnl_primitive_create(&prim, pd) ||
        dnnl_memory_create(&src, &smd, engine, DNNL_MEMORY_ALLOCATE) ||
        dnnl_memory_create(&wei, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), engine,
                           DNNL_MEMORY_ALLOCATE) ||
        dnnl_memory_create(&dst, &dmd, engine, DNNL_MEMORY_ALLOCATE) ||
        fill_memory(src, 1.0f + 0x1p-9f) || fill_memory(wei, 0x1p-6f) || fill_memory(dst, 0.0f))
        goto end;
    {
        const dnnl_exec_arg_t args[] = { { DNNL_ARG_SRC, src }, { DNNL_ARG_WEIGHTS, wei },
                                         { DNNL_ARG_DST, dst } };
        if (dnnl_primitive_execute(prim, stream, 3, args) || dnnl_stream_wait(stream) ||
            dnnl_memory_get_data_handle(dst, (void **)&out))
            goto end;
    }
    applied = out[0] > 8.999f && out[0] < 9.001f;
end:
    dnnl_memory_destroy(dst);
    dnnl_memory_destroy(wei);
    dnnl_memory_destroy(src);
    dnnl_primitive_destroy(prim);
    dnnl_primitive_desc_destroy(pd);
    dnnl_primitive_attr_destroy(attr);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
    return applied;
}

static pthread_once_t bf16_probe_once = PTHREAD_ONCE_INIT;
static int bf16_applied;

static void bf16_probe(void)
{
    bf16_applied = bf16_math_applied();
}

int resr_onednn_have_bf16(void)
{
    if (!resr_onednn_isa_has_bf16())
        return 0;
    pthread_once(&bf16_probe_once, bf16_probe);
    return bf16_applied;
}

int resr_onednn_have_avx512(void)
{
    const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
}

const char *resr_onednn_isa_name(void)
{
    static const struct { dnnl_cpu_isa_t isa; const char *name; } names[] = {
        { dnnl_cpu_isa_avx512_core_amx,  "avx512_core_amx" },
        { dnnl_cpu_isa_avx512_core_bf16, "avx512_core_bf16" },
        { dnnl_cpu_isa_avx512_core_vnni, "avx512_core_vnni" },
        { dnnl_cpu_isa_avx512_core,      "avx512_core" },
        { dnnl_cpu_isa_avx2_vnni,        "avx2_vnni" },
        { dnnl_cpu_isa_avx2,             "avx2" },
        { dnnl_cpu_isa_avx,              "avx" },
        { dnnl_cpu_isa_sse41,            "sse41" },
    };
    const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((isa & names[i].isa) == names[i].isa)
            return names[i].name;
    return "generic";
}

static int dnnl_err(dnnl_status_t st)
{
    return st == dnnl_success ? 0 : st == dnnl_out_of_memory ? -ENOMEM :
           st == dnnl_unimplemented ? -ENOTSUP : -EINVAL;
}

/* ----------------------------------------------------------------------------------------
 * memory descriptors
 */

/* A w x h NHWC view with the given strides, as oneDNN's logical NCHW dims. */
static dnnl_status_t nhwc_md(dnnl_memory_desc_t *md, int c, int w, int h, ptrdiff_t pixel,
                             ptrdiff_t row)
{
    const dnnl_dims_t dims = { 1, c, h, w };
    const dnnl_dims_t strides = { (dnnl_dim_t)h * row, 1, row, pixel };
    return dnnl_memory_desc_init_by_strides(md, 4, dims, dnnl_f32, strides);
}

/* One contiguous vector of n floats. */
static dnnl_status_t vector_md(dnnl_memory_desc_t *md, int n)
{
    const dnnl_dims_t dims = { n };
    return dnnl_memory_desc_init_by_tag(md, 1, dims, dnnl_f32, dnnl_a);
}

/* ----------------------------------------------------------------------------------------
 * creating a primitive
 */

/*
 * The activation after bias: LeakyReLU as relu with a slope. PReLU stays in the epilogue:
 * oneDNN 2.6's jit:avx2 convolution rejects the prelu post-op (ONEDNN_VERBOSE shows
 * ref:any), and the epilogue touches every output anyway.
 */
static dnnl_status_t build_post_ops(dnnl_post_ops_t po, const ResrConvPacked *cv)
{
    if (cv->activation == RESR_ACT_LEAKY_RELU)
        return dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, cv->slope[0], 0.0f);
    return dnnl_success;
}

/*
 * The primitive descriptor of conv cv for key k:
 * src [k.h + 2][k.w + 2][ic] (the halo included, no padding), weights in oneDNN's choice of
 * layout, bias [oc], dst [k.h][k.w][oc]; stride 1.
 */
static dnnl_status_t create_pd(ResrOnednn *dnn, const ResrConvPacked *cv, const Key *k,
                               dnnl_primitive_desc_t *pd)
{
    const int ic = cv->in_channels, oc = cv->out_channels;
    const dnnl_dims_t wdims = { oc, ic, 3, 3 };
    const dnnl_dims_t one = { 1, 1 }, zero = { 0, 0 };
    dnnl_memory_desc_t src, wei, bias, dst;
    dnnl_convolution_desc_t cd;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_status_t st;

    if ((st = nhwc_md(&src, ic, k->w + 2, k->h + 2, ic, (ptrdiff_t)(k->w + 2) * ic)) ||
        (st = dnnl_memory_desc_init_by_tag(&wei, 4, wdims, dnnl_f32, dnnl_format_tag_any)) ||
        (st = vector_md(&bias, oc)) ||
        (st = nhwc_md(&dst, oc, k->w, k->h, oc, (ptrdiff_t)k->w * oc)) ||
        (st = dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                 &src, &wei, &bias, &dst, one, zero, zero)) ||
        (st = dnnl_primitive_attr_create(&attr)) ||
        (st = dnnl_post_ops_create(&po)) ||
        (st = build_post_ops(po, cv)) ||
        (st = dnnl_primitive_attr_set_post_ops(attr, po)) ||
        (dnn->bf16 && (st = dnnl_primitive_attr_set_fpmath_mode(attr, dnnl_fpmath_mode_bf16))))
        goto fail;
    st = dnnl_primitive_desc_create(pd, &cd, attr, dnn->engine, NULL);
fail:
    dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_destroy(attr);
    return st;
}

/* The conv's weights in the layout pd wants: reordered once per layout. */
static dnnl_status_t conv_weights(ResrOnednn *dnn, ConvCache *cc, const ResrConv3x3 *conv,
                                  const_dnnl_primitive_desc_t pd, const Weights **out)
{
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_dims_t dims = { conv->out_channels, conv->in_channels, 3, 3 };
    dnnl_memory_desc_t user_md;
    dnnl_memory_t user = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    Weights *w;
    dnnl_status_t st;

    for (int i = 0; i < cc->weight_count; i++)
        if (dnnl_memory_desc_equal(&cc->weights[i].md, want)) {
            *out = &cc->weights[i];
            return dnnl_success;
        }
    if (cc->weight_count == WEIGHT_WAYS)
        return dnnl_unimplemented;
    w = &cc->weights[cc->weight_count];
    w->md = *want;
    if ((st = dnnl_memory_create(&w->mem, want, dnn->engine, DNNL_MEMORY_ALLOCATE)))
        return st;
    if (!(st = dnnl_memory_desc_init_by_tag(&user_md, 4, dims, dnnl_f32, dnnl_oihw)) &&
        !(st = dnnl_memory_create(&user, &user_md, dnn->engine, (void *)conv->weight)) &&
        !(st = dnnl_reorder_primitive_desc_create(&rpd, &user_md, dnn->engine, want, dnn->engine, NULL)) &&
        !(st = dnnl_primitive_create(&reorder, rpd))) {
        const dnnl_exec_arg_t args[] = { { DNNL_ARG_FROM, user }, { DNNL_ARG_TO, w->mem } };
        if (!(st = dnnl_primitive_execute(reorder, dnn->stream, 2, args)))
            st = dnnl_stream_wait(dnn->stream);
    }
    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(rpd);
    dnnl_memory_destroy(user);
    if (st) {
        dnnl_memory_destroy(w->mem);
        w->mem = NULL;
        return st;
    }
    cc->weight_count++;
    *out = w;
    return dnnl_success;
}

static void entry_clear(Entry *e)
{
    dnnl_primitive_destroy(e->prim);
    dnnl_memory_destroy(e->src);
    dnnl_memory_destroy(e->dst);
    memset(e, 0, sizeof(*e));
}

/* Memory objects with no buffer of their own: execute() points them at the call's operands. */
static dnnl_status_t entry_memories(ResrOnednn *dnn, Entry *e, const_dnnl_primitive_desc_t pd)
{
    dnnl_status_t st = dnnl_memory_create(&e->src, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0),
                                          dnn->engine, DNNL_MEMORY_NONE);
    return st ? st : dnnl_memory_create(&e->dst, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0),
                                        dnn->engine, DNNL_MEMORY_NONE);
}

/* A new cache entry of conv `index` for key k (replacing the oldest when full). */
static int create_entry(ResrOnednn *dnn, int index, const ResrConvPacked *cv, const Key *k,
                        Entry **out)
{
    ConvCache *cc = &dnn->convs[index];
    Entry *e = &cc->entry[cc->used < CACHE_WAYS ? cc->used : cc->next];
    dnnl_primitive_desc_t pd = NULL;
    const char *impl = NULL;
    dnnl_status_t st;

    entry_clear(e);
    e->key = *k;
    if (!(st = create_pd(dnn, cv, k, &pd)) &&
        !(st = conv_weights(dnn, cc, &dnn->model->convs[index], pd, &e->weights)) &&
        !(st = entry_memories(dnn, e, pd)) &&
        !(st = dnnl_primitive_create(&e->prim, pd))) {
        if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
            snprintf(dnn->impl, sizeof(dnn->impl), "%s", impl);
    }
    dnnl_primitive_desc_destroy(pd);
    if (st) {
        entry_clear(e);
        return dnnl_err(st);
    }
    if (cc->used < CACHE_WAYS)
        cc->used++;
    else
        cc->next = (cc->next + 1) % CACHE_WAYS;
    *out = e;
    return 0;
}

static int find_entry(ResrOnednn *dnn, int index, const ResrConvPacked *cv, const Key *k,
                      Entry **out)
{
    ConvCache *cc = &dnn->convs[index];
    for (int i = 0; i < cc->used; i++)
        if (!memcmp(&cc->entry[i].key, k, sizeof(*k))) {
            *out = &cc->entry[i];
            return 0;
        }
    return create_entry(dnn, index, cv, k, out);
}

/* ----------------------------------------------------------------------------------------
 * running one call
 */

/* Whether the (w + 2) x (h + 2) input of p, halo included, is one dense NHWC tensor. */
static int input_dense(const ResrConvParams *p)
{
    const ptrdiff_t c = p->conv->in_channels;
    return p->upsample == 1 && p->in.pixel == c && p->in.row == (p->width + 2) * c;
}

/*
 * dst: [h + 2][w + 2][c] dense, the halo included
 * in:  the source view; upsampled x2, read at floor(i / 2) for index i >= -1 (the
 *      upsampled halo is the source's)
 */
static void dense_input(float *dst, const ResrConvParams *p, int y0, int y1)
{
    const int w = p->width, c = p->conv->in_channels, u = p->upsample;
    for (int y = y0; y < y1; y++)
        for (int x = -1; x <= w; x++)
            memcpy(dst + ((size_t)(y + 1) * (w + 2) + (x + 1)) * c,
                   p->in.data + ((y + u) / u - 1) * p->in.row + ((x + u) / u - 1) * p->in.pixel,
                   c * sizeof(float));
}

/*
 * The epilogue after the primitive, as conv3x3.h defines it: PReLU, v = v * s1 + res1, v = v * s2
 * + res2 (each if present; the multiply rounded before the add, as the kernels do), then
 * the store. src: [h][w][oc] dense, bias and activation applied. A residual may be the
 * destination itself: each element is read before it is written.
 */
static void epilogue(const ResrConvParams *p, const float *src, int oc, int y0, int y1)
{
    const int s = p->shuffle, s2 = s * s;
    const float *prelu = p->conv->activation == RESR_ACT_PRELU ? p->conv->slope : NULL;
    for (int y = y0; y < y1; y++)
        for (int x = 0; x < p->width; x++) {
            const float *v = src + ((size_t)y * p->width + x) * oc;
            const float *r1 = p->res1.data ? p->res1.data + y * p->res1.row + x * p->res1.pixel : NULL;
            const float *r2 = p->res2.data ? p->res2.data + y * p->res2.row + x * p->res2.pixel : NULL;
            float *d = p->store == RESR_STORE_NHWC ? p->dst.data + y * p->dst.row + x * p->dst.pixel : NULL;
            for (int c = 0; c < oc; c++) {
                float t = v[c];
                if (prelu && t < 0.0f)
                    t *= prelu[c];
                if (r1) {
                    const float m = t * p->res1_scale;
                    t = m + r1[c];
                }
                if (r2) {
                    const float m = t * p->res2_scale;
                    t = m + r2[c];
                }
                if (d) {
                    d[c] = t;
                } else if (p->store == RESR_STORE_PLANAR) {
                    p->planar.data[c * p->planar.plane + y * p->planar.row + x] = t;
                } else {   /* RESR_STORE_SHUFFLE_ADD: channel c is sub-pixel (i, j) of colour ch */
                    const int ch = c / s2, i = c / s % s, j = c % s;
                    p->planar.data[ch * p->planar.plane + (y * s + i) * p->planar.row + x * s + j] =
                        t + p->base.data[ch * p->base.plane + y * p->base.row + x];
                }
            }
        }
}

/* The copy-in and the epilogue of one call, in bands of rows on the network's pool. */
typedef struct Bands {
    const ResrConvParams *p;
    float *buf;
    int first, rows, jobs;   /* rows first .. first + rows - 1 */
} Bands;

static void input_band(void *ctx, int job, int thread)
{
    const Bands *b = ctx;
    (void)thread;
    dense_input(b->buf, b->p, b->first + (int)((long)b->rows * job / b->jobs),
                b->first + (int)((long)b->rows * (job + 1) / b->jobs));
}

static void epilogue_band(void *ctx, int job, int thread)
{
    const Bands *b = ctx;
    (void)thread;
    epilogue(b->p, b->buf, b->p->conv->out_channels, (int)((long)b->rows * job / b->jobs),
             (int)((long)b->rows * (job + 1) / b->jobs));
}

/* fn over rows [first, first + rows) in a few bands per thread (balance on a busy machine). */
static void run_bands(ResrOnednn *dnn, ResrJobFn fn, const ResrConvParams *p, float *buf, int first,
                      int rows)
{
    const int threads = resr_thread_pool_threads(dnn->pool);
    Bands b = { p, buf, first, rows, threads == 1 ? 1 : 4 * threads };
    if (b.jobs > rows)
        b.jobs = rows;
    resr_thread_pool_run(dnn->pool, fn, &b, b.jobs);
}

static dnnl_status_t execute(ResrOnednn *dnn, int index, Entry *e, void *src, void *dst)
{
    const ConvCache *cc = &dnn->convs[index];
    dnnl_exec_arg_t args[4];
    int n = 0;
    dnnl_status_t st;

    if ((st = dnnl_memory_set_data_handle(e->src, src)) ||
        (st = dnnl_memory_set_data_handle(e->dst, dst)))
        return st;
    args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, e->src };
    args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, e->weights->mem };
    args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_BIAS, cc->bias };
    args[n++] = (dnnl_exec_arg_t){ DNNL_ARG_DST, e->dst };
    /* OpenMP's thread count is per calling thread: set it for this one, every call */
    omp_set_num_threads(dnn->threads);
    if ((st = dnnl_primitive_execute(e->prim, dnn->stream, n, args)))
        return st;
    return dnnl_stream_wait(dnn->stream);
}

int resr_onednn_prepare(ResrOnednn *dnn, int index, const ResrConvParams *p)
{
    const Key k = { p->width, p->height };
    Entry *e;
    if (index < 0 || index >= dnn->model->num_convs)
        return -EINVAL;
    return find_entry(dnn, index, p->conv, &k, &e);
}

int resr_onednn_conv(ResrOnednn *dnn, int index, const ResrConvParams *p)
{
    const ResrConvPacked *cv = p->conv;
    const Key k = { p->width, p->height };
    const size_t in = (size_t)(p->width + 2) * (p->height + 2) * cv->in_channels;
    const size_t out = (size_t)p->width * p->height * cv->out_channels;
    float *src;
    Entry *e = NULL;
    int ret;

    if (index < 0 || index >= dnn->model->num_convs || (p->upsample != 1 && p->upsample != 2) ||
        out > dnn->out_floats || (!input_dense(p) && in > dnn->in_floats))
        return -EINVAL;
    if ((ret = find_entry(dnn, index, cv, &k, &e)) < 0)
        return ret;
    if (input_dense(p)) {
        src = p->in.data - p->in.row - p->in.pixel;
    } else {
        run_bands(dnn, input_band, p, dnn->in, -1, p->height + 2);
        src = dnn->in;
    }
    if ((ret = dnnl_err(execute(dnn, index, e, src, dnn->out))) < 0)
        return ret;
    run_bands(dnn, epilogue_band, p, dnn->out, 0, p->height);
    return 0;
}

/* ----------------------------------------------------------------------------------------
 * lifetime
 */

static dnnl_status_t vector_memory(ResrOnednn *dnn, dnnl_memory_t *mem, const float *v, int n)
{
    dnnl_memory_desc_t md;
    dnnl_status_t st = vector_md(&md, n);
    return st ? st : dnnl_memory_create(mem, &md, dnn->engine, (void *)v);
}

int resr_onednn_create(ResrOnednn **out, const ResrModel *model, ResrPrecision precision,
                       ResrThreadPool *pool)
{
    ResrOnednn *dnn;
    dnnl_status_t st;

    *out = NULL;
    if (precision != RESR_PRECISION_FP32 && precision != RESR_PRECISION_BF16)
        return -EINVAL;
    if (precision == RESR_PRECISION_BF16 && !resr_onednn_have_bf16())
        return -ENOTSUP;
    if (!(dnn = calloc(1, sizeof(*dnn))))
        return -ENOMEM;
    dnn->model = model;
    dnn->pool = pool;
    dnn->threads = resr_thread_pool_threads(pool);
    dnn->bf16 = precision == RESR_PRECISION_BF16;
    snprintf(dnn->impl, sizeof(dnn->impl), "none yet");
    if (!(dnn->convs = calloc(model->num_convs, sizeof(*dnn->convs)))) {
        free(dnn);
        return -ENOMEM;
    }
    if ((st = dnnl_engine_create(&dnn->engine, dnnl_cpu, 0)) ||
        (st = dnnl_stream_create(&dnn->stream, dnn->engine, dnnl_stream_default_flags)))
        goto fail;
    for (int i = 0; i < model->num_convs; i++) {
        const ResrConv3x3 *c = &model->convs[i];
        if ((st = vector_memory(dnn, &dnn->convs[i].bias, c->bias, c->out_channels)))
            goto fail;
    }
    *out = dnn;
    return 0;
fail:
    resr_onednn_free(&dnn);
    return dnnl_err(st);
}

int resr_onednn_reserve(ResrOnednn *dnn, size_t in_floats, size_t out_floats)
{
    if (in_floats > dnn->in_floats) {
        float *p = aligned_alloc(64, (in_floats * sizeof(float) + 63) & ~(size_t)63);
        if (!p)
            return -ENOMEM;
        free(dnn->in);
        dnn->in = p, dnn->in_floats = in_floats;
    }
    if (out_floats > dnn->out_floats) {
        float *p = aligned_alloc(64, (out_floats * sizeof(float) + 63) & ~(size_t)63);
        if (!p)
            return -ENOMEM;
        free(dnn->out);
        dnn->out = p, dnn->out_floats = out_floats;
    }
    return 0;
}

const char *resr_onednn_impl(const ResrOnednn *dnn)
{
    return dnn->impl;
}

void resr_onednn_free(ResrOnednn **pdnn)
{
    ResrOnednn *dnn = *pdnn;
    if (!dnn)
        return;
    if (dnn->convs)
        for (int i = 0; i < dnn->model->num_convs; i++) {
            ConvCache *cc = &dnn->convs[i];
            for (int j = 0; j < CACHE_WAYS; j++)
                entry_clear(&cc->entry[j]);
            for (int j = 0; j < cc->weight_count; j++)
                dnnl_memory_destroy(cc->weights[j].mem);
            dnnl_memory_destroy(cc->bias);
        }
    free(dnn->convs);
    dnnl_stream_destroy(dnn->stream);
    dnnl_engine_destroy(dnn->engine);
    free(dnn->in);
    free(dnn->out);
    free(dnn);
    *pdnn = NULL;
}

#else /* !RESR_HAVE_ONEDNN */

int resr_onednn_built(void)
{
    return 0;
}

int resr_onednn_isa_has_bf16(void)
{
    return 0;
}

int resr_onednn_have_bf16(void)
{
    return 0;
}

int resr_onednn_have_avx512(void)
{
    return 0;
}

const char *resr_onednn_isa_name(void)
{
    return "none";
}

int resr_onednn_create(ResrOnednn **out, const ResrModel *model, ResrPrecision precision,
                       ResrThreadPool *pool)
{
    (void)model, (void)precision, (void)pool;
    *out = NULL;
    return -ENOSYS;
}

int resr_onednn_reserve(ResrOnednn *dnn, size_t in_floats, size_t out_floats)
{
    (void)dnn, (void)in_floats, (void)out_floats;
    return -ENOSYS;
}

int resr_onednn_conv(ResrOnednn *dnn, int index, const ResrConvParams *p)
{
    (void)dnn, (void)index, (void)p;
    return -ENOSYS;
}

int resr_onednn_prepare(ResrOnednn *dnn, int index, const ResrConvParams *p)
{
    (void)dnn, (void)index, (void)p;
    return -ENOSYS;
}

const char *resr_onednn_impl(const ResrOnednn *dnn)
{
    (void)dnn;
    return "none";
}

void resr_onednn_free(ResrOnednn **dnn)
{
    *dnn = NULL;
}

#endif /* RESR_HAVE_ONEDNN */
