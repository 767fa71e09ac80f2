/*
 * The CUTLASS sm_90a epilogue's arithmetic on the CPU (issue 12): the EVT functors of
 * cuda/cutlass/resr_epilogue.cuh, compiled as host code with CUTLASS's Array types, fed
 * the accumulators of a conv and compared with the CPU engine's layer (cpu/conv3x3.c:
 * bias, LeakyReLU/PReLU, a scaled residual, all fused there by its own code).
 *
 * The accumulators come from the CPU layer itself run with zero bias and no activation
 * (conv only); the expected outputs from the same layer run with its bias, activation and
 * residual. The CPU starts its sums at the bias, the GPU adds the bias last: the two agree
 * to a few float ulps of the terms' magnitude, not bit for bit. Also checked exactly:
 * the activation scale (a power of two: exact), saturation and NaN handling of Narrow,
 * the max-|v| and overflow reductions. Built by mk/cutlass.mak, run by cutlass_sm90.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/cutlass/resr_epilogue.cuh"

extern "C" {
#include "cpu/conv3x3.h"
}

static int failures;

static void result(const char *name, bool ok, const char *why)
{
    if (ok)
        printf("PASS %s\n", name);
    else {
        printf("FAIL %s: %s\n", name, why);
        failures++;
    }
}

/* Deterministic values in [-1, 1). */
static float rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

enum { W = 7, H = 5, CI = 16, CO = 16, N = 8 /* fragment size of the Array functors */ };

/* A channels-last tensor with its one-pixel zero halo. */
struct Tensor {
    float buf[(H + 2) * (W + 2) * CI];
    ResrNhwc view(void) { return ResrNhwc{ buf + (W + 2 + 1) * CI, CI, (W + 2) * CI }; }
};

/* Runs the CPU layer over the whole (H x W) image into out[H*W*CO]. */
static int cpu_layer(const ResrConv3x3 *conv, Tensor *in, const float *res1, float res1_scale, float *out)
{
    ResrConvPacked pk;
    static float res_buf[H * W * CO];
    if (resr_conv3x3_pack(&pk, conv) < 0)
        return -1;
    ResrConvParams p;
    memset(&p, 0, sizeof(p));
    p.conv = &pk;
    p.in = in->view();
    p.upsample = 1;
    p.width = W;
    p.height = H;
    if (res1) {
        memcpy(res_buf, res1, sizeof(res_buf));
        p.res1 = ResrNhwc{ res_buf, CO, W * CO };
        p.res1_scale = res1_scale;
    }
    p.store = RESR_STORE_NHWC;
    p.dst = ResrNhwc{ out, CO, W * CO };
    resr_conv3x3_rows_fn()(p, 0, H);
    resr_conv3x3_packed_free(&pk);
    return 0;
}

/* The GPU epilogue's functors over the accumulators, N elements at a time as the EVT does. */
static void evt_epilogue(const float *acc, const float *bias, float bias_scale, const float *slope,
                         float acc_scale, const float *res1, float res1_scale, float *out)
{
    using V = cutlass::Array<float, N>;
    resr_cutlass::Activate<V> activate;
    resr_cutlass::ResidualAdd<V> residual;
    resr_cutlass::ActivateArgs aa;
    resr_cutlass::ResidualArgs ra;
    aa.acc_scale = acc_scale;
    ra.res1_scale = res1_scale;
    for (int i = 0; i < H * W * CO; i += N) {
        V a, b, s, sl, r;
        for (int k = 0; k < N; k++) {
            const int c = (i + k) % CO;
            a[k] = acc[i + k];
            b[k] = bias[c];
            s[k] = bias_scale;
            sl[k] = slope[c];
            r[k] = res1 ? res1[i + k] : 0.0f;
        }
        V v = activate(a, b, s, sl, aa);
        if (res1)
            v = residual(v, r, ra);
        for (int k = 0; k < N; k++)
            out[i + k] = v[k];
    }
}

/* Largest |got - want| relative to the layer's term magnitude; -1 on a non-finite value. */
static double worst_error(const float *got, const float *want, double magnitude)
{
    double worst = 0.0;
    for (int i = 0; i < H * W * CO; i++) {
        if (!isfinite(got[i]) || !isfinite(want[i]))
            return -1.0;
        const double e = fabs((double)got[i] - (double)want[i]) / magnitude;
        if (e > worst)
            worst = e;
    }
    return worst;
}

static void layer_case(const char *name, ResrActivation act, bool with_res, float scale)
{
    static float weight[CO * CI * 9], bias[CO], prelu[CO], slope[CO], res1[H * W * CO];
    static float acc[H * W * CO], want[H * W * CO], got[H * W * CO], zero[CO];
    static Tensor in;
    unsigned s = 12345u + (unsigned)act * 7u + (with_res ? 3u : 0u);
    char why[200];

    for (int i = 0; i < CO * CI * 9; i++)
        weight[i] = rnd(&s) * 0.3f;
    for (int c = 0; c < CO; c++) {
        bias[c] = rnd(&s);
        prelu[c] = 0.25f + 0.1f * rnd(&s);
    }
    for (int i = 0; i < H * W * CO; i++)
        res1[i] = rnd(&s);
    memset(in.buf, 0, sizeof(in.buf));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < CI; c++)
                in.buf[((y + 1) * (W + 2) + x + 1) * CI + c] = rnd(&s) * scale;
    for (int c = 0; c < CO; c++)
        slope[c] = act == RESR_ACT_PRELU ? prelu[c] : act == RESR_ACT_LEAKY_RELU ? 0.2f : 1.0f;

    /* conv only: the accumulators the wgmma main loop hands to the epilogue */
    ResrConv3x3 conv;
    memset(&conv, 0, sizeof(conv));
    conv.in_channels = CI;
    conv.out_channels = CO;
    conv.weight = weight;
    conv.bias = zero;
    conv.activation = RESR_ACT_NONE;
    /* the full layer; at an activation scale the engine scales the bias with the input */
    static float scaled_bias[CO];
    for (int c = 0; c < CO; c++)
        scaled_bias[c] = bias[c] * scale;
    ResrConv3x3 full = conv;
    full.bias = scaled_bias;
    full.activation = act;
    full.leaky_slope = 0.2f;
    full.prelu_slope = prelu;
    if (cpu_layer(&conv, &in, nullptr, 0.0f, acc) < 0 ||
        cpu_layer(&full, &in, with_res ? res1 : nullptr, 0.2f, want) < 0) {
        result(name, false, "out of memory");
        return;
    }
    evt_epilogue(acc, bias, scale, slope, 1.0f, with_res ? res1 : nullptr, 0.2f, got);
    /* terms: 9 * CI products of |w| <= 0.3, |x| <= scale, plus bias and residual */
    const double magnitude = (9.0 * CI * 0.3 + 1.0) * scale + (with_res ? 1.0 : 0.0);
    const double e = worst_error(got, want, magnitude);
    snprintf(why, sizeof(why), "largest error %.3g of the term magnitude %.3g (limit 1e-6; -1: non-finite)",
             e, magnitude);
    printf("# %s: largest error %.3g of %.3g\n", name, e, magnitude);
    result(name, e >= 0.0 && e <= 1e-6, why);
}

/* acc_scale undoes a weight packing scale: acc * 2^-k is exact, so the output must equal
 * the unscaled epilogue bit for bit. */
static void acc_scale_case(void)
{
    static const float acc[N] = { 3.0f, -5.5f, 0.125f, -0.75f, 1e4f, -1e4f, 0.0f, -0.0f };
    using V = cutlass::Array<float, N>;
    resr_cutlass::Activate<V> activate;
    resr_cutlass::ActivateArgs one, eighth;
    one.acc_scale = 1.0f;
    eighth.acc_scale = 0.125f;
    V a, a8, b, s, sl;
    for (int k = 0; k < N; k++) {
        a[k] = acc[k];
        a8[k] = acc[k] * 8.0f;
        b[k] = 0.5f * (float)k - 1.0f;
        s[k] = 1.0f;
        sl[k] = 0.25f;
    }
    V x = activate(a, b, s, sl, one), y = activate(a8, b, s, sl, eighth);
    bool ok = true;
    for (int k = 0; k < N; k++)
        ok = ok && x[k] == y[k];
    /* and the scalar functor (the one Sm90Compute reads Arguments from) agrees */
    resr_cutlass::Activate<float> scalar;
    for (int k = 0; k < N; k++)
        ok = ok && scalar(a[k], b[k], 1.0f, 0.25f, one) == x[k];
    result("cutlass_epilogue_acc_scale_exact", ok, "acc * 8 at acc_scale 1/8 differs from acc at 1");
}

static void narrow_case(void)
{
    const float inf = INFINITY, nan = NAN;
    const float in[N] = { 1e5f, -1e5f, nan, inf, -inf, 3.0f, 65504.0f, -65505.0f };
    const float want[N] = { 65504.0f, -65504.0f, -65504.0f, 65504.0f, -65504.0f, 3.0f, 65504.0f, -65504.0f };
    using V = cutlass::Array<float, N>;
    resr_cutlass::Narrow<V> narrow;
    resr_cutlass::NarrowArgs fp16, none;
    fp16.limit = 65504.0f;
    none.limit = 0.0f;
    V v;
    for (int k = 0; k < N; k++)
        v[k] = in[k];
    V o = narrow(v, fp16), p = narrow(v, none);
    bool ok = true;
    for (int k = 0; k < N; k++)
        ok = ok && o[k] == want[k];
    result("cutlass_epilogue_narrow_saturates", ok, "values past +-65504, Inf and NaN must saturate (NaN to -65504)");
    ok = true;
    for (int k = 0; k < N; k++)
        ok = ok && (isnan(in[k]) ? isnan(p[k]) : p[k] == in[k]);
    result("cutlass_epilogue_narrow_limit0_passes", ok, "limit 0 (float output) must store v unchanged");

    resr_cutlass::MaxAbsReduce<float> maxabs;
    resr_cutlass::OverflowReduce<float> overflow;
    float m = 0.0f, o1 = 0.0f, m2 = 0.0f, o2 = 0.0f;
    for (int k = 0; k < N; k++) {
        m = maxabs(m, in[k]);
        o1 = overflow(o1, in[k]);
    }
    const float fine[4] = { 1.0f, -65504.0f, 12.5f, -3.0f };
    for (int k = 0; k < 4; k++) {
        m2 = maxabs(m2, fine[k]);
        o2 = overflow(o2, fine[k]);
    }
    result("cutlass_epilogue_max_abs", isinf(m) && m > 0 && m2 == 65504.0f && o1 == 1.0f && o2 == 0.0f,
           "max |v| must see NaN as +Inf and equal the largest |v| otherwise; overflow only past 65504");
}

int main(void)
{
    layer_case("cutlass_epilogue_prelu_vs_cpu_layer", RESR_ACT_PRELU, false, 1.0f);
    layer_case("cutlass_epilogue_leaky_residual_vs_cpu_layer", RESR_ACT_LEAKY_RELU, true, 1.0f);
    layer_case("cutlass_epilogue_none_vs_cpu_layer", RESR_ACT_NONE, false, 1.0f);
    layer_case("cutlass_epilogue_prelu_act_scale_vs_cpu_layer", RESR_ACT_PRELU, false, 0.0625f);
    acc_scale_case();
    narrow_case();
    return failures ? 1 : 0;
}
