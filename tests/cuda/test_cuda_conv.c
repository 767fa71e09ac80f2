/*
 * CPU twin of the CUDA conv kernels: each case packs one random convolution as the engine
 * does, emulates the kernel lane by lane (emulate.h) and compares every output element
 * with a plain convolution in double precision over the same operand-rounded inputs and
 * weights. Covers f16, bf16 and f32, every block width (BN 16/32/48/64, and a 96-channel
 * conv that needs two blocks along N), odd sizes, views with more channels than read,
 * the fused nearest-x2 upsampling, both residuals, PReLU, the fp16 narrowing limit; and
 * the shared-memory plan: no ldmatrix bank conflicts, aligned rows, no slot written twice.
 * Also checks the host's binary16/bfloat16 rounding against the compiler's _Float16.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cpu/conv3x3.h"
#include "../common/test_util.h"
#include "emulate.h"

static uint32_t rng = 12345;

static float uniform(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return lo + (hi - lo) * (float)(rng >> 8) * (1.0f / 16777216.0f);
}

static float round_operand(float v, int math)
{
    if (math == RESR_PRECISION_FP16)
        return resr_half_to_float(resr_float_to_half(v));
    if (math == RESR_PRECISION_BF16)
        return resr_bf16_to_float(resr_float_to_bf16(v));
    return v;
}

/* ---- binary16 / bfloat16 ------------------------------------------------------------------ */

static void test_half_bits(void)
{
#if defined(__FLT16_MAX__)
    long bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        _Float16 f;
        const uint16_t b = (uint16_t)h;
        memcpy(&f, &b, 2);
        const float want = (float)f, got = resr_half_to_float(b);
        if (!(want == got || (want != want && got != got)))
            bad++;
    }
    for (int i = 0; i < 2000000; i++) {
        const uint32_t bits = (uint32_t)(uniform(0.0f, 1.0f) * 4294967040.0f);
        const float v = resr_bits_float(bits);
        const _Float16 f = (_Float16)v;
        uint16_t want;
        memcpy(&want, &f, 2);
        const uint16_t got = resr_float_to_half(v);
        if (want != got && !(v != v))
            bad++;
    }
    const float edges[] = { 65504.0f, 65519.99f, 65520.0f, 6.1035156e-05f, 5.9604645e-08f,
                            2.9802322e-08f, 2.9802326e-08f, 1e-10f, -0.0f, INFINITY };
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        const _Float16 f = (_Float16)edges[i];
        uint16_t want;
        memcpy(&want, &f, 2);
        bad += resr_float_to_half(edges[i]) != want;
    }
    if (bad)
        resr_test_fail("half_bits", "%ld conversions differ from _Float16", bad);
    else
        resr_test_pass("half_bits");
#else
    printf("SKIP half_bits: compiler has no _Float16\n");
#endif
    /* bfloat16: round to nearest even on the upper 16 bits */
    const struct { uint32_t in; uint16_t out; } bf[] = {
        { 0x3f800000u, 0x3f80 }, { 0x3f808000u, 0x3f80 }, { 0x3f818000u, 0x3f82 },
        { 0x3f808001u, 0x3f81 }, { 0x7f7fffffu, 0x7f80 }, { 0xff800000u, 0xff80 },
    };
    int bad_bf = 0;
    for (size_t i = 0; i < sizeof(bf) / sizeof(bf[0]); i++)
        bad_bf += resr_float_to_bf16(resr_bits_float(bf[i].in)) != bf[i].out;
    if (bad_bf)
        resr_test_fail("bf16_bits", "%d roundings wrong", bad_bf);
    else
        resr_test_pass("bf16_bits");
}

/* ---- one convolution ------------------------------------------------------------------------ */

typedef struct ConvCase {
    const char *name;
    int math;
    int cin, cout;
    int w, h;            /* output size */
    int upsample;
    int in_extra;        /* channels in the input view beyond cin */
    int res1, res2;
    ResrActivation act;
    float act_scale;
    float big;           /* >0: scale inputs so outputs overflow fp16 */
    int stages;          /* 0: the legacy kernel; 2-4: the wide kernel with that pipeline */
} ConvCase;

/*
 * The expected epilogue, written from the PyTorch modules, not with the kernel's helpers
 * (conv_tiling.cuh's resr_conv_activate / resr_scaled_add: a fault there must not cancel
 * out). y = conv + bias, with activations carried at scale s, so the bias enters as bias * s;
 * nn.LeakyReLU(negative_slope=0.2): y if y > 0 else 0.2 y; nn.PReLU (slope a per channel):
 * max(0, y) + a min(0, y); RRDBNet's residuals, out * 0.2 + x, for each one present.
 * In double: the kernel's float epilogue differs from it by roundings only.
 */
static double expected_epilogue(const ConvCase *cc, double sum, double bias, double prelu_a,
                                double r1, double r2)
{
    double y = sum + bias * cc->act_scale;
    if (cc->act == RESR_ACT_LEAKY_RELU)
        y = y > 0.0 ? y : 0.2 * y;
    else if (cc->act == RESR_ACT_PRELU)
        y = fmax(0.0, y) + prelu_a * fmin(0.0, y);
    if (cc->res1)
        y = y * 0.2 + r1;
    if (cc->res2)
        y = y * 0.2 + r2;
    return y;
}

static void *alloc_operand(size_t n, int math)
{
    return calloc(n, math == RESR_PRECISION_FP32 ? 4 : 2);
}

/*
 * The wide kernel's dst_f32 against the fp32 CPU engine's conv layer (cpu/conv3x3.c) on
 * the same operand-rounded inputs and weights: |got - ref| <= atol + rtol * |ref|, NaN
 * fails, the first mismatches printed. (Same-resolution cases, activation scale 1.)
 */
static int check_against_cpu_layer(const ConvCase *cc, const ResrConv3x3 *conv, int weight_exp,
                                   const float *in_f, int in_pixel, const float *res1_f,
                                   const float *res2, const float *got)
{
    const double atol = 2e-4, rtol = 1e-4;
    const int w = cc->w, h = cc->h, cin = cc->cin, cout = cc->cout;
    const size_t nw = (size_t)cout * cin * 9;
    float *wr = malloc(sizeof(float) * nw);
    float *halo = calloc((size_t)(w + 2) * (h + 2) * cin, sizeof(float));
    float *ref = malloc(sizeof(float) * (size_t)w * h * cout);
    ResrConv3x3 rounded = *conv;
    ResrConvPacked packed;
    int bad = 0;

    if (!wr || !halo || !ref) {
        free(wr), free(halo), free(ref);
        return -1;
    }
    for (size_t i = 0; i < nw; i++)
        wr[i] = ldexpf(round_operand(ldexpf(conv->weight[i], weight_exp), cc->math), -weight_exp);
    rounded.weight = wr;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy(halo + ((size_t)(y + 1) * (w + 2) + x + 1) * cin, in_f + ((size_t)y * w + x) * in_pixel,
                   sizeof(float) * cin);
    if (resr_conv3x3_pack(&packed, &rounded) < 0) {
        free(wr), free(halo), free(ref);
        return -1;
    }
    ResrConvParams p;
    memset(&p, 0, sizeof(p));
    p.conv = &packed;
    p.in = (ResrNhwc){ halo + ((size_t)(w + 2) + 1) * cin, cin, (ptrdiff_t)(w + 2) * cin };
    p.upsample = 1;
    p.width = w;
    p.height = h;
    if (cc->res1)
        p.res1 = (ResrNhwc){ (float *)res1_f, cout, (ptrdiff_t)w * cout };
    if (cc->res2)
        p.res2 = (ResrNhwc){ (float *)res2, cout, (ptrdiff_t)w * cout };
    p.res1_scale = p.res2_scale = 0.2f;
    p.store = RESR_STORE_NHWC;
    p.dst = (ResrNhwc){ ref, cout, (ptrdiff_t)w * cout };
    resr_conv3x3_rows_fn()(p, 0, h);
    for (size_t i = 0; i < (size_t)w * h * cout && bad < 5; i++) {
        const double err = fabs((double)got[i] - ref[i]);
        if (!(err <= atol + rtol * fabs(ref[i]))) {
            printf("  vs cpu/conv3x3.c: y=%zu x=%zu c=%zu: got %.7g, cpu layer %.7g\n",
                   i / cout / w, i / cout % w, i % cout, got[i], ref[i]);
            bad++;
        }
    }
    resr_conv3x3_packed_free(&packed);
    free(wr), free(halo), free(ref);
    return bad;
}

static void run_conv_case(const ConvCase *cc)
{
    const int math = cc->math;
    const int iw = cc->upsample ? (cc->w + 1) / 2 : cc->w, ih = cc->upsample ? (cc->h + 1) / 2 : cc->h;
    const int in_pixel = cc->cin + cc->in_extra;
    const int dst_pixel = cc->cout + 8, dst_off = 4;   /* a view into a wider buffer */
    const size_t npix = (size_t)cc->w * cc->h;
    ResrConv3x3 conv = { 0 };
    ResrModel model = { 0 };
    ResrCudaWeights wts;
    ResrCudaLaunch launch;
    ResrCudaStatus status = { 0, 0 };
    char name[96];

    snprintf(name, sizeof(name), "conv_%s", cc->name);
    float *weight = malloc(sizeof(float) * cc->cout * cc->cin * 9);
    float *bias = malloc(sizeof(float) * cc->cout), *prelu = malloc(sizeof(float) * cc->cout);
    float *in_f = malloc(sizeof(float) * iw * ih * in_pixel);
    void *in = alloc_operand((size_t)iw * ih * in_pixel, math);
    void *res1 = alloc_operand(npix * cc->cout, math);
    float *res1_f = malloc(sizeof(float) * npix * cc->cout);
    float *res2 = malloc(sizeof(float) * npix * cc->cout);
    void *dst = alloc_operand(npix * dst_pixel, math);
    float *dst_f32 = malloc(sizeof(float) * npix * cc->cout);

    const float wr = sqrtf(3.0f / (cc->cin * 9));
    for (int i = 0; i < cc->cout * cc->cin * 9; i++)
        weight[i] = uniform(-wr, wr);
    for (int i = 0; i < cc->cout; i++) {
        bias[i] = uniform(-0.1f, 0.1f);
        prelu[i] = uniform(0.0f, 0.5f);
    }
    for (size_t i = 0; i < (size_t)iw * ih * in_pixel; i++) {
        const float v = uniform(-1.0f, 1.0f) * (cc->big > 0 ? cc->big : 1.0f) * cc->act_scale;
        resr_tensor_store(in, i, math, v);
        in_f[i] = emu_operand(in, i, math);
    }
    for (size_t i = 0; i < npix * cc->cout; i++) {
        resr_tensor_store(res1, i, math, uniform(-1.0f, 1.0f));
        res1_f[i] = emu_operand(res1, i, math);
        res2[i] = uniform(-1.0f, 1.0f);
    }
    memset(dst, 0x7b, npix * dst_pixel * (math == RESR_PRECISION_FP32 ? 4 : 2));

    conv.in_channels = cc->cin;
    conv.out_channels = cc->cout;
    conv.weight = weight;
    conv.bias = bias;
    conv.activation = cc->act;
    conv.leaky_slope = 0.2f;
    conv.prelu_slope = prelu;
    model.arch = RESR_ARCH_SRVGG;
    model.num_feat = 16;
    model.num_convs = 1;
    model.convs = &conv;
    if (resr_cuda_weights_pack(&wts, &model, math) < 0) {
        resr_test_fail(name, "pack failed");
        goto end;
    }

    wts.convs[0].wide_stages = cc->stages;
    ResrConvArgs *a = &resr_cuda_conv_launch(&launch, &model, &wts, (uint64_t)(uintptr_t)wts.blob, 0,
                                             cc->w, cc->h, cc->act_scale,
                                             (uint64_t)(uintptr_t)&status)->args.conv;
    a->in = (uint64_t)(uintptr_t)in;
    a->in_pixel = in_pixel;
    a->in_width = iw;
    a->in_height = ih;
    a->upsample = cc->upsample;
    if (cc->res1) {
        a->res1 = (uint64_t)(uintptr_t)res1;
        a->res1_pixel = cc->cout;
        a->res1_scale = 0.2f;
    }
    if (cc->res2) {
        a->res2 = (uint64_t)(uintptr_t)res2;
        a->res2_pixel = cc->cout;
        a->res2_scale = 0.2f;
    }
    a->dst = (uint64_t)(uintptr_t)dst + dst_off * (math == RESR_PRECISION_FP32 ? 4 : 2);
    a->dst_pixel = dst_pixel;
    a->dst_f32 = (uint64_t)(uintptr_t)dst_f32;
    a->dst_f32_pixel = cc->cout;

    const EmuCounters before = emu_counters;
    if (emu_launch(NULL, &launch) < 0) {
        resr_test_fail(name, "emulation failed");
        goto end_pack;
    }

    /* reference: double sums over the operand-rounded values the kernel sees */
    int bad = 0;
    double worst = 0.0;
    float ref_max = 0.0f;
    for (int y = 0; y < cc->h && bad < 5; y++)
        for (int x = 0; x < cc->w && bad < 5; x++)
            for (int c = 0; c < cc->cout && bad < 5; c++) {
                double sum = 0.0, mag = 0.0;
                for (int ci = 0; ci < cc->cin; ci++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            const int oy = y + ky - 1, ox = x + kx - 1;
                            if (oy < 0 || oy >= cc->h || ox < 0 || ox >= cc->w)
                                continue;
                            const int sy = oy >> cc->upsample, sx = ox >> cc->upsample;
                            const float wv = weight[((size_t)c * cc->cin + ci) * 9 + ky * 3 + kx];
                            const int we = wts.convs[0].weight_exp;
                            const double t = (double)in_f[((size_t)sy * iw + sx) * in_pixel + ci] *
                                ldexp(round_operand(ldexpf(wv, we), math), -we);
                            sum += t;
                            mag += fabs(t);
                        }
                const size_t o = (size_t)y * cc->w + x;
                const double v = expected_epilogue(cc, sum, bias[c], prelu[c],
                                                   res1_f[o * cc->cout + c], res2[o * cc->cout + c]);
                ref_max = fmaxf(ref_max, (float)fabs(v));
                const float got = dst_f32[o * cc->cout + c];
                const double tol = 1e-5 * (mag + 1.0) * (cc->act_scale > 1 ? cc->act_scale : 1);
                const double err = fabs((double)got - v);   /* NaN: !(err <= tol) below */
                if (err > worst)
                    worst = err;
                if (!(err <= tol)) {
                    printf("  mismatch y=%d x=%d c=%d: got %.7g want %.7g (tol %.3g)\n", y, x, c, got, v, tol);
                    bad++;
                }
                /* the narrowed store is the same value, saturated in fp16 */
                float n = got;
                if (math == RESR_PRECISION_FP16)
                    n = fminf(fmaxf(n, -RESR_CUDA_F16_LIMIT), RESR_CUDA_F16_LIMIT);
                const float stored = emu_operand(dst, o * dst_pixel + dst_off + c, math);
                if (stored != round_operand(n, math) || isnan(stored)) {
                    printf("  narrowed y=%d x=%d c=%d: %.7g from %.7g\n", y, x, c, stored, got);
                    bad++;
                }
            }
    /* the channels around the view stay untouched */
    for (size_t o = 0; o < npix && !bad; o++)
        for (int c = 0; c < dst_pixel; c++) {
            if (c >= dst_off && c < dst_off + cc->cout)
                continue;
            const size_t i = o * dst_pixel + c;
            const uint16_t guard16 = 0x7b7b;
            const int same = math == RESR_PRECISION_FP32 ? ((uint32_t *)dst)[i] == 0x7b7b7b7bu
                                                        : ((uint16_t *)dst)[i] == guard16;
            if (!same) {
                printf("  wrote outside the view: pixel %zu channel %d\n", o, c);
                bad++;
                break;
            }
        }

    const int wide = resr_cuda_kernel_is_wide(launch.kernel);
    if (wide != (cc->stages > 0)) {
        printf("  launched kernel %s\n", resr_cuda_kernel_names[launch.kernel]);
        bad++;
    }
    if (!bad && cc->stages && !cc->upsample && cc->act_scale == 1.0f && !cc->big) {
        const int cpu_bad = check_against_cpu_layer(cc, &conv, wts.convs[0].weight_exp, in_f, in_pixel,
                                                    res1_f, res2, dst_f32);
        bad += cpu_bad ? (cpu_bad < 0 ? 1 : cpu_bad) : 0;
    }
    /* shared memory read per mma: 4 ldmatrix phases of 8 rows x 16 bytes per ldmatrix.x4;
     * the legacy 4-row warps read 192 B, the wide kernel's A reuse 128 B */
    const long mmas = emu_counters.mmas - before.mmas;
    const long phases = emu_counters.ldmatrix_phases - before.ldmatrix_phases;
    const long want_bytes = wide ? 128 : math != RESR_PRECISION_FP32 && (wts.convs[0].bn == 32 ||
                                                                         wts.convs[0].bn == 64) ? 192 : 0;
    const long stage_errors = emu_counters.stage_errors - before.stage_errors;
    if (want_bytes && (!mmas || phases * 128 != want_bytes * mmas)) {
        printf("  ldmatrix: %ld phases for %ld mma = %.1f B per mma, expected %ld\n", phases, mmas,
               mmas ? phases * 128.0 / mmas : 0.0, want_bytes);
        bad++;
    }
    if (stage_errors) {
        printf("  %ld stage reads of a ring slot not holding their chunk\n", stage_errors);
        bad++;
    }
    const long conflicts = emu_counters.bank_conflicts - before.bank_conflicts;
    const long misaligned = emu_counters.misaligned - before.misaligned;
    const long collisions = emu_counters.slot_collisions - before.slot_collisions;
    const int expect_overflow = math == RESR_PRECISION_FP16 && ref_max > RESR_CUDA_F16_LIMIT;
    float recorded;
    memcpy(&recorded, &status.max_abs_bits, 4);
    if (bad)
        resr_test_fail(name, "%d mismatches (worst abs error %.3g)", bad, worst);
    else if (conflicts || misaligned || collisions)
        resr_test_fail(name, "shared memory: %ld bank conflicts, %ld misaligned rows, %ld slots written twice",
             conflicts, misaligned, collisions);
    else if (recorded != ref_max && fabsf(recorded - ref_max) > 1e-5f * ref_max + 1e-6f)
        resr_test_fail(name, "status max %.7g, reference max %.7g", recorded, ref_max);
    else if (!!status.overflow != expect_overflow)
        resr_test_fail(name, "status overflow %u, expected %s", status.overflow, expect_overflow ? "some" : "none");
    else {
        printf("  %s: %dx%d cin %d cout %d, %s, grid %ux%ux%u, %.0f B ldmatrix per mma, worst abs error "
               "%.3g, max |v| %.4g%s\n", cc->name, cc->w, cc->h, cc->cin, cc->cout,
               resr_cuda_kernel_names[launch.kernel], launch.grid[0], launch.grid[1], launch.grid[2],
               mmas ? phases * 128.0 / mmas : 0.0, worst, ref_max, status.overflow ? ", overflow flagged" : "");
        resr_test_pass(name);
    }
end_pack:
    resr_cuda_weights_free(&wts);
end:
    free(weight), free(bias), free(prelu), free(in_f), free(in), free(res1), free(res1_f);
    free(res2), free(dst), free(dst_f32);
}

int main(void)
{
    enum { F16 = RESR_PRECISION_FP16, BF16 = RESR_PRECISION_BF16, F32 = RESR_PRECISION_FP32 };
    const ResrActivation LR = RESR_ACT_LEAKY_RELU, PR = RESR_ACT_PRELU, NO = RESR_ACT_NONE;
    const ConvCase cases[] = {
        /* name                 math  cin cout   w   h  up extra r1 r2 act scale big stages */
        { "f16_bn64",           F16,  64,  64,  37, 13, 0,  0,   0, 0, LR, 1.0f, 0, 0 },
        { "f16_bn32_dense",     F16,  96,  32,  21, 19, 0,  96,  0, 0, LR, 1.0f, 0, 0 },
        { "f16_bn64_rdb_end",   F16, 192,  64,  17,  9, 0,  0,   1, 1, NO, 1.0f, 0, 0 },
        { "f16_bn48_prelu",     F16,  64,  48,  16,  8, 0,  0,   0, 0, PR, 1.0f, 0, 0 },
        { "f16_bn16_last",      F16,  64,   3,  19, 11, 0,  0,   0, 0, NO, 1.0f, 0, 0 },
        { "f16_bn64_x2",        F16,  96,  96,  15,  7, 0,  0,   0, 0, LR, 1.0f, 0, 0 },
        { "f16_upsample_odd",   F16,  32,  64,  33, 17, 1,  16,  0, 0, LR, 1.0f, 0, 0 },
        { "f16_scaled",         F16,  48,  64,  12, 10, 0,  0,   0, 1, LR, 0.0625f, 0, 0 },
        { "f16_overflow",       F16,  16,  32,  18,  9, 0,  0,   0, 0, LR, 1.0f, 60000.0f, 0 },
        { "f16_tiny",           F16,  16,  16,   1,  1, 0,  0,   1, 1, PR, 1.0f, 0, 0 },
        { "bf16_bn64",          BF16, 64,  64,  37, 13, 0,  0,   1, 1, LR, 1.0f, 0, 0 },
        { "bf16_bn32_up",       BF16, 64,  32,  31, 21, 1,  0,   0, 0, LR, 1.0f, 0, 0 },
        { "bf16_bn48",          BF16, 16,  48,   9, 30, 0,  0,   0, 0, PR, 1.0f, 0, 0 },
        { "bf16_bn16",          BF16, 32,  12,  17,  5, 0,  0,   0, 0, NO, 1.0f, 0, 0 },
        { "f32_bn64",           F32,  64,  64,  37, 13, 0,  0,   1, 1, LR, 1.0f, 0, 0 },
        { "f32_bn32_dense",     F32, 160,  32,  20,  9, 0,  32,  0, 0, LR, 1.0f, 0, 0 },
        { "f32_cin3",           F32,   3,  64,  23, 17, 0,  5,   0, 0, PR, 1.0f, 0, 0 },
        { "f32_up",             F32,  64,  64,  34, 18, 1,  0,   0, 0, LR, 1.0f, 0, 0 },
        { "f32_bn48",           F32,  64,  48,  16,  8, 0,  0,   0, 0, NO, 1.0f, 0, 0 },
        { "f32_bn16_x96",       F32,  24,  96,   7,  9, 0,  0,   0, 1, NO, 1.0f, 0, 0 },
        { "f16_cin12",          F16,  12,  64,  13, 11, 0,  4,   0, 0, NO, 1.0f, 0, 0 },
        /* the wide kernel (conv3x3_wide.cu): tiles 16x16 (bn64) and 32x16 (bn32), frames not
         * multiples of them, views into wider buffers (input pitch, dst offset and pitch),
         * more K chunks than stages and fewer, two blocks along N                  stages */
        { "wide_f16_bn64_s3",   F16,  64,  64,  37, 35, 0,  0,   0, 0, LR, 1.0f, 0,     3 },
        { "wide_f16_bn32_dense_s3", F16, 96, 32, 21, 45, 0, 96,  0, 0, LR, 1.0f, 0,     3 },
        { "wide_f16_bn64_rdb_end_s4", F16, 192, 64, 17, 9, 0, 0, 1, 1, NO, 1.0f, 0,     4 },
        { "wide_f16_bn64_x2_s2", F16, 96,  96,  15,  7, 0,  0,   0, 0, LR, 1.0f, 0,     2 },
        { "wide_f16_bn32_cin16_s4", F16, 16, 32, 18, 33, 0, 16,  1, 0, PR, 1.0f, 0,     4 },
        { "wide_f16_upsample_s3", F16, 32, 64,  33, 17, 1, 16,  0, 0, LR, 1.0f, 0,     3 },
        { "wide_f16_scaled_s3", F16,  48,  64,  12, 10, 0,  0,   0, 1, LR, 0.0625f, 0,  3 },
        { "wide_f16_overflow_s3", F16, 16, 32,  18,  9, 0,  0,   0, 0, LR, 1.0f, 60000.0f, 3 },
        { "wide_f16_tiny_s3",   F16,  16,  32,   1,  1, 0,  0,   1, 1, PR, 1.0f, 0,     3 },
        { "wide_bf16_bn64_s4",  BF16, 64,  64,  37, 13, 0,  0,   1, 1, LR, 1.0f, 0,     4 },
        { "wide_bf16_bn32_s3",  BF16, 160, 32,  20, 41, 0,  32,  0, 0, LR, 1.0f, 0,     3 },
        { "wide_bf16_bn32_up_s3", BF16, 64, 32, 31, 21, 1,  0,   0, 0, LR, 1.0f, 0,     3 },
    };

    test_half_bits();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_conv_case(&cases[i]);
    printf("  emulated %ld ldmatrix phases, %ld bank conflicts\n",
           emu_counters.ldmatrix_phases, emu_counters.bank_conflicts);
    fflush(stdout);
    return resr_test_exit();
}
