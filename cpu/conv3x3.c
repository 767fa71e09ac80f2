/*
 * 3x3 convolution as an implicit GEMM over channels-last activations with a zero halo.
 *
 * The output is computed in blocks of 6 consecutive pixels (in row-major order, so a block
 * may wrap to the next row and only the last block of a job is short) times 16 output
 * channels: 12 AVX2 accumulators, two weight vectors and one broadcast input value
 * fill the 16 ymm registers, and every k-step (one tap, one input channel) is 12 FMAs for
 * 2 weight loads and 6 broadcasts from L1. The reduction runs over (ky, kx, ic) in the
 * packed weight order, so weights stream sequentially. The portable path keeps the same
 * blocking and summation order, without FMA contraction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conv3x3.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RESR_HAVE_X86 1
#define RESR_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif

#define OCB RESR_CONV_OC_BLOCK
#define PX  6   /* pixels per microkernel block */

/* ----------------------------------------------------------------------------------------
 * weight packing
 */

int resr_conv3x3_pack(ResrConvPacked *pk, const ResrConv3x3 *conv)
{
    const int ic = conv->in_channels, oc = conv->out_channels;
    const int blocks = (oc + OCB - 1) / OCB;
    const size_t nw = (size_t)blocks * 9 * ic * OCB;

    memset(pk, 0, sizeof(*pk));
    pk->in_channels  = ic;
    pk->out_channels = oc;
    pk->oc_blocks    = blocks;
    pk->activation   = conv->activation;
    pk->weight = aligned_alloc(64, (nw * sizeof(float) + 63) & ~(size_t)63);
    pk->bias   = aligned_alloc(64, blocks * OCB * sizeof(float));
    pk->slope  = aligned_alloc(64, blocks * OCB * sizeof(float));
    if (!pk->weight || !pk->bias || !pk->slope) {
        resr_conv3x3_packed_free(pk);
        return -ENOMEM;
    }

    for (int b = 0; b < blocks; b++)
        for (int t = 0; t < 9; t++)
            for (int i = 0; i < ic; i++)
                for (int o = 0; o < OCB; o++) {
                    const int c = b * OCB + o;
                    pk->weight[(((size_t)b * 9 + t) * ic + i) * OCB + o] =
                        c < oc ? conv->weight[((size_t)c * ic + i) * 9 + t] : 0.0f;
                }
    for (int c = 0; c < blocks * OCB; c++) {
        pk->bias[c]  = c < oc ? conv->bias[c] : 0.0f;
        pk->slope[c] = c >= oc                               ? 0.0f
                     : conv->activation == RESR_ACT_PRELU      ? conv->prelu_slope[c]
                     : conv->activation == RESR_ACT_LEAKY_RELU ? conv->leaky_slope
                                                               : 1.0f;
    }
    return 0;
}

void resr_conv3x3_packed_free(ResrConvPacked *pk)
{
    free(pk->weight);
    free(pk->bias);
    free(pk->slope);
    memset(pk, 0, sizeof(*pk));
}

/* ----------------------------------------------------------------------------------------
 * epilogue, scalar: every store mode, and partial channel blocks
 */

static inline float activate(float v, ResrActivation act, float slope)
{
    return act == RESR_ACT_NONE || v >= 0.0f ? v : v * slope;
}

/* Scalar `a * s + b` as two roundings, like PyTorch's separate mul and add. */
static inline float mul_add(float a, float s, float b)
{
    float t = a * s;
    return t + b;
}

static inline float *nhwc_at(const ResrNhwc *t, int y, int x)
{
    return t->data + y * t->row + x * t->pixel;
}

/*
 * Up to PX output pixels, consecutive in row-major order, and where their 3x3 windows
 * read: tap (ky, kx) of pixel q is rows[q][ky] + cols[q][kx]. With a nearest-upsampled
 * input the taps of one window may repeat a source row or column.
 */
typedef struct PixelBlock {
    int count;
    int y[PX], x[PX];
    const float *rows[PX][3];
    ptrdiff_t cols[PX][3];
} PixelBlock;

/* Source index of upsampled index i >= -1 (the halo): floor(i / u). */
static inline int source_index(int i, int u)
{
    return (i + u) / u - 1;
}

/* The block of output pixels [p, p + count) of p.width-wide rows, p = y * width + x. */
static inline void pixel_block(PixelBlock *b, const ResrConvParams *p, int y, int x, int count)
{
    const int u = p->upsample;

    b->count = count;
    for (int q = 0; q < count; q++) {
        b->y[q] = y, b->x[q] = x;
        for (int k = 0; k < 3; k++) {
            b->rows[q][k] = p->in.data + source_index(y + k - 1, u) * p->in.row;
            b->cols[q][k] = source_index(x + k - 1, u) * p->in.pixel;
        }
        if (++x == p->width)
            x = 0, y++;
    }
}

/*
 * acc: [count][16] conv + bias of the block's pixels, channels ob*16 ..
 */
static void store_block_scalar(const ResrConvParams *p, int ob, const PixelBlock *b,
                               const float *acc)
{
    const ResrConvPacked *cv = p->conv;
    const int oc0 = ob * OCB;
    const int n = cv->out_channels - oc0 < OCB ? cv->out_channels - oc0 : OCB;
    const int s = p->shuffle, s2 = s * s;

    for (int o = 0; o < n; o++) {
        const int c = oc0 + o;
        /* RESR_STORE_SHUFFLE_ADD: channel c is sub-pixel (i, j) of colour ch */
        const int ch = s2 ? c / s2 : 0, i = s ? c / s % s : 0, j = s ? c % s : 0;
        for (int q = 0; q < b->count; q++) {
            const int y = b->y[q], x = b->x[q];
            float v = activate(acc[q * OCB + o], cv->activation, cv->slope[c]);

            if (p->res1.data)
                v = mul_add(v, p->res1_scale, nhwc_at(&p->res1, y, x)[c]);
            if (p->res2.data)
                v = mul_add(v, p->res2_scale, nhwc_at(&p->res2, y, x)[c]);

            switch (p->store) {
            case RESR_STORE_NHWC:
                nhwc_at(&p->dst, y, x)[c] = v;
                break;
            case RESR_STORE_PLANAR:
                p->planar.data[c * p->planar.plane + y * p->planar.row + x] = v;
                break;
            case RESR_STORE_SHUFFLE_ADD:
                p->planar.data[ch * p->planar.plane + (y * s + i) * p->planar.row + x * s + j] =
                    v + p->base.data[ch * p->base.plane + y * p->base.row + x];
                break;
            }
        }
    }
}

/* ----------------------------------------------------------------------------------------
 * portable path
 */

/*
 * acc: [count][16] out: conv + bias
 * w:   [3][3][ic][16] this channel block's packed weights
 */
static void kernel_portable(float *acc, const PixelBlock *b, const float *w, const float *bias,
                            int ic)
{
    for (int q = 0; q < b->count; q++)
        for (int o = 0; o < OCB; o++)
            acc[q * OCB + o] = bias[o];
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
            for (int i = 0; i < ic; i++, w += OCB)
                for (int q = 0; q < b->count; q++) {
                    const float v = b->rows[q][ky][b->cols[q][kx] + i];
                    for (int o = 0; o < OCB; o++)
                        acc[q * OCB + o] += v * w[o];
                }
        }
}

static void conv_rows_portable(ResrConvParams p, int y0, int y1)
{
    const ResrConvPacked *cv = p.conv;
    const size_t wblock = (size_t)9 * cv->in_channels * OCB;
    const long end = (long)y1 * p.width;
    float acc[PX * OCB];
    PixelBlock b;

    for (long i = (long)y0 * p.width; i < end; i += PX) {
        pixel_block(&b, &p, (int)(i / p.width), (int)(i % p.width), end - i < PX ? (int)(end - i) : PX);
        for (int ob = 0; ob < cv->oc_blocks; ob++) {
            kernel_portable(acc, &b, cv->weight + ob * wblock, cv->bias + ob * OCB, cv->in_channels);
            store_block_scalar(&p, ob, &b, acc);
        }
    }
}

/* ----------------------------------------------------------------------------------------
 * AVX2 + FMA path
 */
#ifdef RESR_HAVE_X86

/*
 * P is a compile-time constant in every instance. The accumulators are named variables,
 * not an array: GCC keeps arrays of vectors in memory across the loop.
 */
#define FOR_EACH_PIXEL(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define ACC_DECLARE(q) __m256 a##q##0 = b0, a##q##1 = b1;
#define ACC_TAP(q) const float *ip##q = P > q ? b->rows[q][ky] + b->cols[q][kx] : NULL;
#define ACC_FMA(q)                                                 \
    if (P > q) {                                                   \
        const __m256 v = _mm256_broadcast_ss(ip##q + i);           \
        a##q##0 = _mm256_fmadd_ps(v, w0, a##q##0);                 \
        a##q##1 = _mm256_fmadd_ps(v, w1, a##q##1);                 \
    }
#define ACC_STORE(q)                                               \
    if (P > q) {                                                   \
        _mm256_store_ps(acc + q * OCB, a##q##0);                   \
        _mm256_store_ps(acc + q * OCB + 8, a##q##1);               \
    }

static inline __attribute__((always_inline)) RESR_TARGET_AVX2
void kernel_avx2(float *acc, const PixelBlock *b, const float *w, const float *bias, int ic,
                 const int P)
{
    const __m256 b0 = _mm256_load_ps(bias), b1 = _mm256_load_ps(bias + 8);
    FOR_EACH_PIXEL(ACC_DECLARE)

    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
            FOR_EACH_PIXEL(ACC_TAP)
            for (int i = 0; i < ic; i++, w += OCB) {
                const __m256 w0 = _mm256_load_ps(w), w1 = _mm256_load_ps(w + 8);
                FOR_EACH_PIXEL(ACC_FMA)
            }
        }
    FOR_EACH_PIXEL(ACC_STORE)
}

#define KERNEL_AVX2_P(n)                                                                  \
    static RESR_TARGET_AVX2 void kernel_avx2_##n(float *acc, const PixelBlock *b,         \
                                                 const float *w, const float *bias, int ic) \
    {                                                                                     \
        kernel_avx2(acc, b, w, bias, ic, n);                                              \
    }
KERNEL_AVX2_P(1)
KERNEL_AVX2_P(2)
KERNEL_AVX2_P(3)
KERNEL_AVX2_P(4)
KERNEL_AVX2_P(5)
KERNEL_AVX2_P(6)

typedef void (*KernelFn)(float *, const PixelBlock *, const float *, const float *, int);
static const KernelFn kernels_avx2[PX + 1] = {
    NULL, kernel_avx2_1, kernel_avx2_2, kernel_avx2_3, kernel_avx2_4, kernel_avx2_5, kernel_avx2_6,
};

/* One 8-channel vector of the epilogue: activation, residuals. */
static inline __attribute__((always_inline)) RESR_TARGET_AVX2
__m256 epilogue8(const ResrConvParams *p, __m256 v, __m256 slope, int y, int x, int c)
{
    if (p->conv->activation != RESR_ACT_NONE) {
        const __m256 neg = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
        v = _mm256_blendv_ps(v, _mm256_mul_ps(v, slope), neg);
    }
    if (p->res1.data)
        v = _mm256_fmadd_ps(v, _mm256_set1_ps(p->res1_scale),
                            _mm256_loadu_ps(nhwc_at(&p->res1, y, x) + c));
    if (p->res2.data)
        v = _mm256_fmadd_ps(v, _mm256_set1_ps(p->res2_scale),
                            _mm256_loadu_ps(nhwc_at(&p->res2, y, x) + c));
    return v;
}

static RESR_TARGET_AVX2 void store_block_avx2(const ResrConvParams *p, int ob, const PixelBlock *b,
                                              const float *acc)
{
    const int c = ob * OCB;
    const __m256 s0 = _mm256_load_ps(p->conv->slope + c), s1 = _mm256_load_ps(p->conv->slope + c + 8);

    for (int q = 0; q < b->count; q++) {
        const int y = b->y[q], x = b->x[q];
        float *d = nhwc_at(&p->dst, y, x) + c;
        _mm256_storeu_ps(d,     epilogue8(p, _mm256_load_ps(acc + q * OCB), s0, y, x, c));
        _mm256_storeu_ps(d + 8, epilogue8(p, _mm256_load_ps(acc + q * OCB + 8), s1, y, x, c + 8));
    }
}

static RESR_TARGET_AVX2 void conv_rows_avx2(ResrConvParams p, int y0, int y1)
{
    const ResrConvPacked *cv = p.conv;
    const size_t wblock = (size_t)9 * cv->in_channels * OCB;
    const long end = (long)y1 * p.width;
    _Alignas(32) float acc[PX * OCB];
    PixelBlock b;

    /* Channel blocks innermost: the block's input window stays in L1 across them. */
    for (long i = (long)y0 * p.width; i < end; i += PX) {
        pixel_block(&b, &p, (int)(i / p.width), (int)(i % p.width), end - i < PX ? (int)(end - i) : PX);
        for (int ob = 0; ob < cv->oc_blocks; ob++) {
            const int vector_store = p.store == RESR_STORE_NHWC && (ob + 1) * OCB <= cv->out_channels;
            kernels_avx2[b.count](acc, &b, cv->weight + ob * wblock, cv->bias + ob * OCB,
                                  cv->in_channels);
            if (vector_store)
                store_block_avx2(&p, ob, &b, acc);
            else
                store_block_scalar(&p, ob, &b, acc);
        }
    }
}

int resr_conv3x3_have_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
int resr_conv3x3_have_avx2(void)
{
    return 0;
}
#endif

/* ----------------------------------------------------------------------------------------
 * dispatch
 */

static int force_portable;

void resr_conv3x3_force_portable(int force)
{
    force_portable = force;
}

ResrConvRowsFn resr_conv3x3_rows_fn(void)
{
#ifdef RESR_HAVE_X86
    if (!force_portable && resr_conv3x3_have_avx2())
        return conv_rows_avx2;
#endif
    return conv_rows_portable;
}

const char *resr_conv3x3_impl_name(void)
{
    return resr_conv3x3_rows_fn() == conv_rows_portable ? "portable" : "avx2+fma";
}
