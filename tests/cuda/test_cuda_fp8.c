/*
 * precision=fp8's conv kernel (resr_conv3x3_fp8_bn*, its CPU twin in emulate.h: tap pairs in
 * mma.sync.m16n8k32 e4m3, per-channel weight scales, the input scale folded into the
 * epilogue) against the CPU engine's fp32 conv layer (cpu/conv3x3.c) on the same fp16
 * inputs: the first convs' shapes (3 channels padded to 16, 12) and the SRVGG/RRDBNet
 * body's (64, 96, 192 in; 32, 48, 64 out), with the residual epilogue. Then: planted errors
 * (a wrong weight scale, a wrong input scale) must fail the same comparison; inputs beyond
 * the calibrated range must be reported as an overflow whose rescaled rerun clips nothing
 * and matches the reference (the control's judge, control_math.cuh); and the calibration's
 * scale rule.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cpu/conv3x3.h"
#include "../../cuda/fp8_calibrate.h"
#include "../common/synthetic_model.h"
#include "../common/test_util.h"
#include "emulate.h"

/*
 * The tolerance, from e4m3's precision. A normal e4m3 value has 3 mantissa bits, so
 * neighbours are 2^-3 apart relative to the value and rounding errs by at most u = 2^-4
 * relative. A product of two rounded operands errs by at most 2u + u^2 relative, which is
 * rtol: it bounds the error when the terms of the sum do not cancel. Where they do (random
 * signs), the terms' errors are independent roundings: each has a standard deviation of at
 * most sqrt(2/3) u |x w| (two uniform relative errors in [-u, u]), so the sum's is at most
 * sqrt(2/3) u sqrt(sum (x w)^2), and atol is 5 of those for the largest such sum of the
 * case, plus the absolute error of operands below e4m3's normal range (2^-6 after
 * scaling: half the subnormal step, 2^-10, per operand, times the other operand's sum).
 * Wrong scales, taps or channels err by about |ref| itself, far outside this.
 */
#define U_E4M3 0.0625

static uint32_t rng = 20261206;

/* the tests' xorshift (tests/common/synthetic_model.c) on this file's stream */
static float uniform(float lo, float hi)
{
    return resr_synthetic_uniform(&rng, lo, hi);
}

typedef struct Fp8Case {
    const char *name;
    int cin, cout, w, h;
    int in_extra;         /* channels of the input view beyond cin (random: weights are 0) */
    int res;              /* RRDB's residual adds, out * 0.2 + r, twice */
    ResrActivation act;
} Fp8Case;

/* What a run changes on purpose (planted errors, out-of-range input). */
typedef struct Fp8Plant {
    float wscale_factor;  /* multiplies every packed weight scale (1: none) */
    float in_scale_factor;/* multiplies the input scale the kernel is given, not acc_scale */
    float input_gain;     /* inputs beyond the calibrated range (1: none) */
} Fp8Plant;

typedef struct Fp8Result {
    int mismatches, nans;
    double worst, rms_err, rms_pred, atol;
    unsigned overflow;
    float status_max, in_max;
    float in_scale;
} Fp8Result;

typedef struct Fp8Data {
    float *weight, *bias, *prelu;
    uint16_t *in, *res1;  /* fp16 */
    float *res2;
    int iw, ih, in_pixel;
} Fp8Data;

static void data_make(Fp8Data *d, const Fp8Case *c)
{
    const float wr = sqrtf(3.0f / (c->cin * 9));
    const size_t npix = (size_t)c->w * c->h;

    d->iw = c->w, d->ih = c->h, d->in_pixel = c->cin + c->in_extra;
    d->weight = malloc(sizeof(float) * c->cout * c->cin * 9);
    d->bias = malloc(sizeof(float) * c->cout);
    d->prelu = malloc(sizeof(float) * c->cout);
    d->in = malloc(2 * npix * d->in_pixel);
    d->res1 = malloc(2 * npix * c->cout);
    d->res2 = malloc(sizeof(float) * npix * c->cout);
    for (int i = 0; i < c->cout * c->cin * 9; i++)
        d->weight[i] = uniform(-wr, wr) * (i % 7 == 0 ? 0.05f : 1.0f);   /* some small weights */
    for (int i = 0; i < c->cout; i++) {
        d->bias[i] = uniform(-0.1f, 0.1f);
        d->prelu[i] = uniform(0.0f, 0.5f);
    }
    /* activations: mostly positive after (Leaky/P)ReLU, a few large, some tiny */
    for (size_t i = 0; i < npix * d->in_pixel; i++) {
        float v = uniform(-0.3f, 1.0f);
        if (i % 97 == 0)
            v *= 3.0f;
        if (i % 13 == 0)
            v *= 1e-3f;
        d->in[i] = resr_float_to_half(v);
    }
    for (size_t i = 0; i < npix * c->cout; i++) {
        d->res1[i] = resr_float_to_half(uniform(-1.0f, 1.0f));
        d->res2[i] = uniform(-1.0f, 1.0f);
    }
}

static void data_free(Fp8Data *d)
{
    free(d->weight), free(d->bias), free(d->prelu), free(d->in), free(d->res1), free(d->res2);
}

static void conv_of(ResrConv3x3 *conv, const Fp8Case *c, const Fp8Data *d)
{
    memset(conv, 0, sizeof(*conv));
    conv->in_channels = c->cin;
    conv->out_channels = c->cout;
    conv->weight = d->weight;
    conv->bias = d->bias;
    conv->activation = c->act;
    conv->leaky_slope = 0.2f;
    conv->prelu_slope = d->prelu;
}

/* The reference: cpu/conv3x3.c over the same fp16 inputs (times gain), in fp32. */
static int reference(float *out, const Fp8Case *c, const Fp8Data *d, float gain)
{
    const int hw = c->w + 2;
    ResrConv3x3 conv;
    ResrConvPacked packed;
    float *in = calloc((size_t)(c->h + 2) * hw * c->cin, sizeof(float));
    float *r1 = malloc(sizeof(float) * c->w * c->h * c->cout);
    int ret;

    conv_of(&conv, c, d);
    if (!in || !r1 || (ret = resr_conv3x3_pack(&packed, &conv)) < 0) {
        free(in), free(r1);
        return -1;
    }
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            for (int ch = 0; ch < c->cin; ch++)
                in[((size_t)(y + 1) * hw + x + 1) * c->cin + ch] =
                    resr_half_to_float(d->in[((size_t)y * c->w + x) * d->in_pixel + ch]) * gain;
    for (size_t i = 0; i < (size_t)c->w * c->h * c->cout; i++)
        r1[i] = resr_half_to_float(d->res1[i]);
    ResrConvParams p;
    memset(&p, 0, sizeof(p));
    p.conv = &packed;
    p.in = (ResrNhwc){ in + ((size_t)hw + 1) * c->cin, c->cin, (ptrdiff_t)hw * c->cin };
    p.upsample = 1;
    p.width = c->w;
    p.height = c->h;
    if (c->res) {
        p.res1 = (ResrNhwc){ r1, c->cout, (ptrdiff_t)c->w * c->cout };
        p.res2 = (ResrNhwc){ d->res2, c->cout, (ptrdiff_t)c->w * c->cout };
        p.res1_scale = p.res2_scale = 0.2f;
    }
    p.store = RESR_STORE_NHWC;
    p.dst = (ResrNhwc){ out, c->cout, (ptrdiff_t)c->w * c->cout };
    resr_conv3x3_rows_fn()(p, 0, c->h);
    resr_conv3x3_packed_free(&packed);
    free(in), free(r1);
    return 0;
}

/*
 * Runs conv 1 of a three-conv model (the fp8 one: the first and last stay fp16) through the
 * fp8 kernel's twin and compares it with the reference. act_scale: the control's activation
 * scale the inputs carry (1, or lowered by a retry). Returns -1 when something could not run.
 */
static int run_fp8(Fp8Result *r, const Fp8Case *c, const Fp8Data *d, const Fp8Plant *pl, float act_scale)
{
    const size_t npix = (size_t)c->w * c->h, nout = npix * c->cout;
    ResrConv3x3 convs[3];
    ResrModel model = { 0 };
    ResrCudaWeights wts;
    ResrCudaLaunch launch;
    ResrCudaStatus status = { 0, 0 };
    ResrCudaControl control;
    uint16_t *in = malloc(2 * npix * d->in_pixel);
    float *got = malloc(sizeof(float) * nout), *ref = malloc(sizeof(float) * nout);
    uint16_t *dst = malloc(2 * nout);
    float *res2 = malloc(sizeof(float) * nout);
    uint16_t *res1 = malloc(2 * nout);
    int ret = -1;

    memset(r, 0, sizeof(*r));
    memset(&control, 0, sizeof(control));
    control.act_scale = act_scale;
    for (int i = 0; i < 3; i++)
        conv_of(&convs[i], c, d);
    model.arch = RESR_ARCH_SRVGG;
    model.num_feat = 16;
    model.num_convs = 3;
    model.convs = convs;
    if (!in || !got || !ref || !dst || !res2 || !res1 || reference(ref, c, d, pl->input_gain) < 0 ||
        resr_cuda_weights_pack(&wts, &model, RESR_PRECISION_FP8) < 0)
        goto end;
    if (!wts.convs[1].fp8 || wts.convs[0].fp8 || wts.convs[2].fp8) {
        printf("  only the middle conv should be fp8\n");
        goto end_pack;
    }

    /* the stored input: the activations times the control's scale, in fp16 */
    float in_max = 0.0f;
    for (size_t i = 0; i < npix * d->in_pixel; i++) {
        const float v = resr_half_to_float(d->in[i]) * pl->input_gain;
        if ((int)(i % d->in_pixel) < c->cin)
            in_max = fmaxf(in_max, fabsf(v));
        in[i] = resr_float_to_half(v * act_scale);
    }
    for (size_t i = 0; i < nout; i++) {
        res1[i] = resr_float_to_half(resr_half_to_float(d->res1[i]) * act_scale);
        res2[i] = d->res2[i] * act_scale;
    }
    /* the scale calibration picks for inputs like these (gain 1: the calibrated range) */
    float in_max_cal = 0.0f;
    for (size_t i = 0; i < npix * d->in_pixel; i++)
        if ((int)(i % d->in_pixel) < c->cin)
            in_max_cal = fmaxf(in_max_cal, fabsf(resr_half_to_float(d->in[i])));
    wts.convs[1].in_scale = resr_cuda_fp8_in_scale(in_max_cal);
    float *wscale = (float *)(wts.blob + wts.convs[1].wscale);
    for (int n = 0; n < wts.convs[1].weight_cout; n++)
        wscale[n] *= pl->wscale_factor;

    ResrConvArgs *a = &resr_cuda_conv_launch(&launch, &model, &wts, (uint64_t)(uintptr_t)wts.blob, 1,
                                             c->w, c->h, act_scale, (uint64_t)(uintptr_t)&status)->args.conv;
    if (launch.kernel < RESR_KERNEL_CONV_FP8_FIRST) {
        printf("  conv 1 is not launched on an fp8 kernel\n");
        goto end_pack;
    }
    a->in_scale *= pl->in_scale_factor;
    a->control = (uint64_t)(uintptr_t)&control;
    a->in = (uint64_t)(uintptr_t)in;
    a->in_pixel = d->in_pixel;
    a->in_width = d->iw;
    a->in_height = d->ih;
    if (c->res) {
        a->res1 = (uint64_t)(uintptr_t)res1;
        a->res1_pixel = c->cout;
        a->res2 = (uint64_t)(uintptr_t)res2;
        a->res2_pixel = c->cout;
        a->res1_scale = a->res2_scale = 0.2f;
    }
    a->dst = (uint64_t)(uintptr_t)dst;
    a->dst_pixel = c->cout;
    a->dst_f32 = (uint64_t)(uintptr_t)got;
    a->dst_f32_pixel = c->cout;
    if (emu_launch(NULL, &launch) < 0) {
        printf("  emulation failed\n");
        goto end_pack;
    }

    /* the tolerance of each output (see U_E4M3), and the predicted rms error */
    const float s = wts.convs[1].in_scale;
    double max_rss = 0.0, max_abs_term = 0.0, pred2 = 0.0, err2 = 0.0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            for (int n = 0; n < c->cout; n++) {
                double rss = 0.0, sum_w = 0.0, sum_x = 0.0;
                for (int ci = 0; ci < c->cin; ci++)
                    for (int t = 0; t < 9; t++) {
                        const int oy = y + t / 3 - 1, ox = x + t % 3 - 1;
                        if (oy < 0 || oy >= c->h || ox < 0 || ox >= c->w)
                            continue;
                        const double xv = resr_half_to_float(d->in[((size_t)oy * c->w + ox) * d->in_pixel + ci]) *
                                          (double)pl->input_gain;
                        const double wv = d->weight[((size_t)n * c->cin + ci) * 9 + t];
                        rss += xv * xv * wv * wv;
                        sum_w += fabs(wv);
                        sum_x += fabs(xv);
                    }
                rss = sqrt(rss) * (c->res ? 0.04 : 1.0);   /* two 0.2 residual scales */
                max_rss = fmax(max_rss, rss);
                pred2 += (2.0 / 3.0) * U_E4M3 * U_E4M3 * rss * rss;
                max_abs_term = fmax(max_abs_term, (sum_w * 0x1p-10 / (s * act_scale) +
                                                   sum_x * 0x1p-10 * (wscale[n] / pl->wscale_factor)) *
                                                  (c->res ? 0.04 : 1.0));
            }
    r->atol = 5.0 * sqrt(2.0 / 3.0) * U_E4M3 * max_rss + max_abs_term;
    const double rtol = 2 * U_E4M3 + U_E4M3 * U_E4M3;
    for (size_t i = 0; i < nout; i++) {
        const double want = ref[i] * (double)act_scale, v = got[i];
        const double err = fabs(v - want), tol = (r->atol + rtol * fabs(ref[i])) * act_scale;
        if (v != v) {
            r->nans++;
            continue;
        }
        err2 += err * err;
        r->worst = fmax(r->worst, err / act_scale);
        if (!(err <= tol) && r->mismatches++ < 3)
            printf("  %s: output %zu (y %zu x %zu c %zu): got %.6g, fp32 layer %.6g, tol %.3g\n", c->name, i,
                   i / c->cout / c->w, i / c->cout % c->w, i % c->cout, v / act_scale, want / act_scale,
                   tol / act_scale);
    }
    r->rms_err = sqrt(err2 / nout) / act_scale;
    r->rms_pred = sqrt(pred2 / nout);
    r->overflow = status.overflow;
    memcpy(&r->status_max, &status.max_abs_bits, 4);
    r->in_max = in_max * act_scale * s;
    r->in_scale = s;
    ret = 0;
end_pack:
    resr_cuda_weights_free(&wts);
end:
    free(in), free(got), free(ref), free(dst), free(res2), free(res1);
    return ret;
}

static const Fp8Plant no_plant = { 1.0f, 1.0f, 1.0f };

static void test_case(const Fp8Case *c)
{
    char name[96];
    Fp8Data d;
    Fp8Result r;

    snprintf(name, sizeof(name), "fp8_vs_fp32_layer_%s", c->name);
    data_make(&d, c);
    if (run_fp8(&r, c, &d, &no_plant, 1.0f) < 0)
        resr_test_fail(name, "could not run");
    else if (r.nans)
        resr_test_fail(name, "%d NaN outputs", r.nans);
    else if (r.mismatches)
        resr_test_fail(name, "%d outputs beyond atol %.3g + rtol %.3g |ref| (worst %.3g)", r.mismatches,
                       r.atol, 2 * U_E4M3 + U_E4M3 * U_E4M3, r.worst);
    else if (r.rms_err > 1.5 * r.rms_pred)
        resr_test_fail(name, "rms error %.3g above 1.5x the predicted %.3g", r.rms_err, r.rms_pred);
    else if (r.overflow)
        resr_test_fail(name, "overflow reported for inputs in the calibrated range");
    else {
        printf("  %s: cin %d cout %d %dx%d, in_scale %g, worst %.3g (atol %.3g), rms %.3g (predicted %.3g)\n",
               c->name, c->cin, c->cout, c->w, c->h, r.in_scale, r.worst, r.atol, r.rms_err, r.rms_pred);
        resr_test_pass(name);
    }
    data_free(&d);
}

/* The comparison must catch a wrong weight scale and a wrong input scale (x1.25: twice
 * e4m3's own relative error u; an error under u is e4m3's rounding by design). */
static void test_planted(const Fp8Case *c)
{
    const Fp8Plant plants[] = { { 2.0f, 1.0f, 1.0f }, { 1.0f, 2.0f, 1.0f }, { 1.25f, 1.0f, 1.0f } };
    const char *names[] = { "weight scale x2", "input scale x2", "weight scale x1.25" };
    Fp8Data d;
    Fp8Result r;
    int caught = 0;

    data_make(&d, c);
    for (int i = 0; i < 3; i++) {
        if (run_fp8(&r, c, &d, &plants[i], 1.0f) < 0)
            continue;
        const int failed = r.nans || r.mismatches || r.rms_err > 1.5 * r.rms_pred;
        printf("  planted %s: %d mismatches, rms %.3g (predicted %.3g): %s\n", names[i], r.mismatches,
               r.rms_err, r.rms_pred, failed ? "caught" : "NOT caught");
        caught += failed;
    }
    resr_test_check(caught == 3, "fp8_planted_errors_fail", "%d of 3 planted errors caught", caught);
    data_free(&d);
}

/*
 * Inputs 8x beyond the calibrated range: e4m3 clips them at 448 (cvt.satfinite), the
 * kernel must report an overflow with a maximum that makes the judge lower the scale enough,
 * and the rerun at that scale must clip nothing and match the reference.
 */
static void test_saturation(const Fp8Case *c)
{
    const Fp8Plant big = { 1.0f, 1.0f, 8.0f };
    Fp8Data d;
    Fp8Result r;
    ResrCudaControl control;
    ResrControlArgs judge = { 0 };

    data_make(&d, c);
    if (run_fp8(&r, c, &d, &big, 1.0f) < 0) {
        resr_test_fail("fp8_saturation_retry", "could not run");
        goto end;
    }
    printf("  8x the calibrated range: max |input * in_scale| %.4g, overflow %u, status max %.4g\n",
           r.in_max, r.overflow, r.status_max);
    if (!r.overflow || !(r.in_max > RESR_E4M3_MAX)) {
        resr_test_fail("fp8_saturation_retry", "clipped inputs (max %.4g) not reported", r.in_max);
        goto end;
    }
    /* the judge (control_math.cuh), as the control kernel runs it after the pass */
    memset(&control, 0, sizeof(control));
    control.act_scale = 1.0f;
    control.status.overflow = r.overflow;
    memcpy(&control.status.max_abs_bits, &r.status_max, 4);
    judge.op = RESR_CONTROL_JUDGE;
    judge.control = (uint64_t)(uintptr_t)&control;
    judge.rescale = 1;
    resr_control_step(&judge);
    const float lowered = control.act_scale;
    if (control.skip || !(lowered < 1.0f)) {
        resr_test_fail("fp8_saturation_retry", "the judge accepted the pass (scale %g)", lowered);
        goto end;
    }
    if (run_fp8(&r, c, &d, &big, lowered) < 0) {
        resr_test_fail("fp8_saturation_retry", "could not rerun");
        goto end;
    }
    printf("  rerun at scale %g: max |input * in_scale| %.4g, overflow %u, worst %.3g (atol %.3g)\n", lowered,
           r.in_max, r.overflow, r.worst, r.atol);
    resr_test_check(!r.overflow && r.in_max <= RESR_E4M3_MAX && !r.mismatches && !r.nans,
                    "fp8_saturation_retry", "rerun: overflow %u, max %.4g, %d mismatches, %d NaN",
                    r.overflow, r.in_max, r.mismatches, r.nans);
end:
    data_free(&d);
}

/* The calibration's rule: the power of two putting the maximum at or under 448/4. */
static void test_in_scale(void)
{
    const struct { float max_abs, want; } cases[] = {
        { 1.0f, 64.0f }, { 112.0f, 1.0f }, { 112.5f, 0.5f }, { 0.75f, 128.0f }, { 0.0f, 1.0f },
        { 1e-9f, 16384.0f }, { 1e9f, 1.0f / 16384.0f }, { INFINITY, 1.0f }, { NAN, 1.0f },
    };
    int bad = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const float got = resr_cuda_fp8_in_scale(cases[i].max_abs);
        if (got != cases[i].want && bad++ < 3)
            printf("  in_scale(%g) = %g, want %g\n", cases[i].max_abs, got, cases[i].want);
    }
    resr_test_check(!bad, "fp8_in_scale_rule", "%d wrong", bad);
}

int main(void)
{
    const ResrActivation LR = RESR_ACT_LEAKY_RELU, PR = RESR_ACT_PRELU, NO = RESR_ACT_NONE;
    const Fp8Case cases[] = {
        /* name              cin cout   w   h extra res act */
        { "cin3_cout64",       3,  64, 23, 17, 13, 0, PR },
        { "cin12_cout64",     12,  64, 13, 11,  4, 0, NO },
        { "cin64_cout64",     64,  64, 37, 13,  0, 0, LR },
        { "cin64_cout48",     64,  48, 16,  8,  0, 0, PR },
        { "cin96_cout32",     96,  32, 21, 19, 96, 0, LR },
        { "cin192_cout32",   192,  32, 17,  9,  0, 0, LR },
        { "cin192_cout64_res", 192, 64, 17, 9,  0, 1, NO },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        test_case(&cases[i]);
    test_planted(&cases[2]);
    test_saturation(&cases[3]);
    test_in_scale();
    return resr_test_exit();
}
