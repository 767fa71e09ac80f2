/*
 * The CUTLASS sm_90a conv against the CPU engine and beside the mma.sync kernel, on an
 * H100/H200 (issue 12; tests/gpu/README.md, "CUTLASS check"). One 64->64 3x3 conv with
 * bias and PReLU, fp16 NHWC, as the SRVGG body runs it:
 *
 *   cutlass_sm90_vs_cpu         the CUTLASS kernel's fp16 output against the CPU engine's
 *                               fp32 layer (cpu/conv3x3.c) on the same fp16-rounded inputs
 *                               and weights: |d| <= 1e-3 |ref| + 1e-3 everywhere (fp16
 *                               storage is 2^-11 relative), PSNR printed;
 *   cutlass_sm90_concat_view    the input a channel slice (64..127) of a 192-pitch buffer,
 *                               the output at channels 128..191 of another: same check, and
 *                               the channels outside the slice untouched;
 *   cutlass_sm90_skip           control->skip set: the launch returns without writing;
 *   cutlass_sm90_status         the epilogue's max |v| in the control block equals the
 *                               CPU's largest |value|, within fp32 summation order;
 *   cutlass_sm90_growth_*       the C_out 32 kernel in place in a 192-pitch concat buffer
 *                               (channels 0..95 in, 96..127 out; the rest unchanged);
 *   cutlass_sm90_residual       the C_out 64 kernel with res1 as CUTLASS's source C;
 *   mma_sync_vs_cpu             the existing resr_conv3x3_f16_bn64 on the same data;
 *   and the TFLOP/s of both kernels at 1920x1080 (and --width/--height), side by side in
 *   one run (ratios, not absolute times, are the result).
 *
 * Build (mk/cutlass.mak: make cutlass-check; needs CUTLASS configured, nvcc, libresr.a):
 *   build/cuda/cutlass_check [--width W --height H --iters N]
 * Exit status: 0 all PASS, 1 a FAIL, 77 no sm_90 GPU (SKIP line printed).
 * Compiled here without a GPU; never run yet (2026-12-05).
 */
#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vector>

#include "../../cuda/cutlass/conv3x3_sm90.cu"
#include "../../cuda/conv3x3_mma.cu"

extern "C" {
#include "../../cpu/conv3x3.h"
#include "../../cuda/cutlass_plan.h"
}

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
    printf("FAIL cutlass_check: %s: %s\n", #x, cudaGetErrorString(e_)); exit(1); } } while (0)

using Op = resr_conv3x3_sm90_f16_n64_op;
using Half = cutlass::half_t;
enum { NC = 64 };

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

static float rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* One conv layer's data, fp16-rounded, and the CPU engine's output for it. */
struct Problem {
    int w, h, cin, cout;
    ResrActivation act;
    float res1_scale;                              /* 0: no residual */
    std::vector<float> in, weight, bias, slope;    /* in [h][w][cin]; weight OIHW */
    std::vector<float> res;                        /* [h][w][cout] */
    std::vector<float> ref;                        /* [h][w][cout] */
};

static void make_problem(Problem *p, int w, int h, int cin, int cout, ResrActivation act,
                         float res1_scale, bool reference)
{
    unsigned s = 2024u + (unsigned)(cin * 7 + cout);
    p->w = w, p->h = h, p->cin = cin, p->cout = cout, p->act = act, p->res1_scale = res1_scale;
    p->in.resize((size_t)w * h * cin);
    p->weight.resize((size_t)cout * cin * 9);
    p->bias.resize(cout);
    p->slope.resize(cout);
    p->res.resize((size_t)w * h * cout);
    for (auto &v : p->in) v = (float)Half(rnd(&s));
    for (auto &v : p->weight) v = (float)Half(rnd(&s) * 0.4f / sqrtf((float)cin));
    for (auto &v : p->res) v = (float)Half(rnd(&s));
    for (int c = 0; c < cout; c++) {
        p->bias[c] = rnd(&s) * 0.1f;
        p->slope[c] = act == RESR_ACT_PRELU ? 0.2f + 0.05f * rnd(&s) : act == RESR_ACT_LEAKY_RELU ? 0.2f : 1.0f;
    }
    if (!reference)
        return;
    /* the CPU engine's layer over a zero-haloed copy */
    std::vector<float> halo((size_t)(w + 2) * (h + 2) * cin, 0.0f);
    for (int y = 0; y < h; y++)
        memcpy(&halo[((size_t)(y + 1) * (w + 2) + 1) * cin], &p->in[(size_t)y * w * cin], (size_t)w * cin * sizeof(float));
    ResrConv3x3 conv;
    memset(&conv, 0, sizeof(conv));
    conv.in_channels = cin;
    conv.out_channels = cout;
    conv.weight = p->weight.data();
    conv.bias = p->bias.data();
    conv.activation = act;
    conv.leaky_slope = 0.2f;
    conv.prelu_slope = p->slope.data();
    ResrConvPacked pk;
    if (resr_conv3x3_pack(&pk, &conv) < 0) {
        printf("FAIL cutlass_check: out of memory\n");
        exit(1);
    }
    p->ref.resize((size_t)w * h * cout);
    std::vector<float> res = p->res;
    ResrConvParams cp;
    memset(&cp, 0, sizeof(cp));
    cp.conv = &pk;
    cp.in = ResrNhwc{ &halo[(size_t)(w + 2 + 1) * cin], cin, (ptrdiff_t)(w + 2) * cin };
    cp.upsample = 1;
    cp.width = w;
    cp.height = h;
    if (res1_scale != 0.0f) {
        cp.res1 = ResrNhwc{ res.data(), cout, (ptrdiff_t)w * cout };
        cp.res1_scale = res1_scale;
    }
    cp.store = RESR_STORE_NHWC;
    cp.dst = ResrNhwc{ p->ref.data(), cout, (ptrdiff_t)w * cout };
    resr_conv3x3_rows_fn()(cp, 0, h);
    resr_conv3x3_packed_free(&pk);
}

template <class T> static T *dev_alloc(size_t n)
{
    T *p;
    CK(cudaMalloc(&p, n * sizeof(T)));
    return p;
}

template <class T> static void to_dev(T *dst, const std::vector<T> &src)
{
    CK(cudaMemcpy(dst, src.data(), src.size() * sizeof(T), cudaMemcpyHostToDevice));
}

static std::vector<Half> halves(const std::vector<float> &v)
{
    std::vector<Half> h(v.size());
    for (size_t i = 0; i < v.size(); i++)
        h[i] = Half(v[i]);
    return h;
}

/* A layer's parameters on the device: KRSC weights for CUTLASS, [cin/16][9][cout][16] for
 * mma.sync, bias, slope, res1, and the control block. */
struct Layer {
    Half *krsc, *mma, *res;
    float *bias, *slope;
    ResrCudaControl *control;
};

static Layer upload_layer(const Problem &p)
{
    Layer l;
    std::vector<Half> krsc((size_t)p.cout * 9 * p.cin), mma((size_t)p.cout * 9 * p.cin);
    for (int o = 0; o < p.cout; o++)
        for (int i = 0; i < p.cin; i++)
            for (int t = 0; t < 9; t++) {
                const Half v = Half(p.weight[((size_t)o * p.cin + i) * 9 + t]);
                krsc[((size_t)o * 9 + t) * p.cin + i] = v;
                mma[(((size_t)(i / 16) * 9 + t) * p.cout + o) * 16 + i % 16] = v;
            }
    l.krsc = dev_alloc<Half>(krsc.size());
    l.mma = dev_alloc<Half>(mma.size());
    l.res = dev_alloc<Half>(p.res.size());
    l.bias = dev_alloc<float>(p.cout);
    l.slope = dev_alloc<float>(p.cout);
    l.control = dev_alloc<ResrCudaControl>(1);
    to_dev(l.krsc, krsc);
    to_dev(l.mma, mma);
    to_dev(l.res, halves(p.res));
    to_dev(l.bias, p.bias);
    to_dev(l.slope, p.slope);
    return l;
}

static void free_layer(Layer *l)
{
    cudaFree(l->krsc); cudaFree(l->mma); cudaFree(l->res); cudaFree(l->bias); cudaFree(l->slope);
    cudaFree(l->control);
}

static void upload_control(ResrCudaControl *dev, int skip)
{
    ResrCudaControl c;
    resr_cuda_control_init(&c);
    c.skip = (uint32_t)skip;
    CK(cudaMemcpy(dev, &c, sizeof(c), cudaMemcpyHostToDevice));
}

/* CUTLASS params: input at `in` (pixel stride in_pitch), output at `out` (out_pitch), res1
 * (packed, cout) as the source C of residual kernels; the epilogue tree's arguments
 * (conv3x3_sm90.cu, resr_epilogue.cuh). */
template <class K, bool Residual>
static typename K::Params make_params(const Problem &p, const Layer &l, const Half *in, int in_pitch,
                                      Half *out, int out_pitch)
{
    using PS = typename K::ProblemShape;
    const int w = p.w, h = p.h;
    PS shape(cutlass::conv::Mode::kCrossCorrelation,
             { 1, h, w, p.cin }, { (int64_t)h * w * in_pitch, (int64_t)w * in_pitch, in_pitch, 1 },
             { p.cout, 3, 3, p.cin }, { 9 * p.cin, 3 * p.cin, p.cin, 1 },
             { (int64_t)h * w * out_pitch, (int64_t)w * out_pitch, out_pitch, 1 },
             { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, 1);
    typename K::Arguments args{};
    args.problem_shape = shape;
    args.mainloop.ptr_A = in;
    args.mainloop.ptr_B = l.krsc;
    cute::for_each(cute::make_seq<cute::rank<0>(typename K::StrideD{})>{}, [&](auto i) {
        cute::get<0, i>(args.epilogue.dD) = shape.stride_C[PS::RankT - 2 - i];
    });
    args.epilogue.ptr_D = out;
    auto &t = args.epilogue.thread;         /* Narrow(Overflow(MaxAbs(Summed))) */
    auto &maxabs = t.op_0.op_0;             /* {Summed, reduction} */
    auto set_activated = [&](auto &activated) {   /* tuple {acc, bias, scale, slope, Activate} */
        cute::get<1>(activated).ptr_row = l.bias;
        cute::get<2>(activated).scalar_ptrs[0] = &l.control->act_scale;
        cute::get<3>(activated).ptr_row = l.slope;
        cute::get<4>(activated).acc_scale = 1.0f;
    };
    if constexpr (Residual) {
        /* res1 packed (pixel stride cout) */
        const int64_t rs[4] = { (int64_t)h * w * p.cout, (int64_t)w * p.cout, p.cout, 1 };
        cute::for_each(cute::make_seq<cute::rank<0>(typename K::StrideC{})>{}, [&](auto i) {
            cute::get<0, i>(args.epilogue.dC) = rs[PS::RankT - 2 - i];
        });
        args.epilogue.ptr_C = l.res;
        set_activated(maxabs.op_0.op_0);    /* Summed = {Activated, C, ResidualAdd} */
        maxabs.op_0.op_2.res1_scale = p.res1_scale;
    } else {
        set_activated(maxabs.op_0);
    }
    maxabs.op_1.ptr_scalar = (float *)&l.control->status.max_abs_bits;
    t.op_0.op_1.ptr_scalar = (float *)&l.control->status.overflow;
    t.op_1.limit = 65504.0f;
    args.hw_info.device_id = 0;
    if (!K::can_implement(args)) {
        printf("FAIL cutlass_check: can_implement refused the problem (%d -> %d)\n", p.cin, p.cout);
        exit(1);
    }
    return K::to_underlying_arguments(args, nullptr);
}

template <class K>
static void launch(void (*entry)(const typename K::Params, const uint64_t), const typename K::Params &params,
                   const ResrCudaControl *control)
{
    const dim3 grid = K::get_grid_shape(params), block = K::get_block_shape();
    entry<<<grid, block, K::SharedStorageSize>>>(params, (uint64_t)(uintptr_t)control);
}

static ResrConvArgs mma_args(const Problem &p, const Layer &l, const Half *in, Half *out)
{
    ResrConvArgs a;
    memset(&a, 0, sizeof(a));
    a.in = (uint64_t)(uintptr_t)in;
    a.weight = (uint64_t)(uintptr_t)l.mma;
    a.bias = (uint64_t)(uintptr_t)l.bias;
    a.slope = (uint64_t)(uintptr_t)l.slope;
    a.dst = (uint64_t)(uintptr_t)out;
    a.status = (uint64_t)(uintptr_t)&l.control->status;
    a.control = (uint64_t)(uintptr_t)l.control;
    a.width = a.in_width = p.w;
    a.height = a.in_height = p.h;
    a.in_pixel = p.cin;
    a.dst_pixel = p.cout;
    a.in_channels = p.cin;
    a.out_channels = a.weight_cout = p.cout;
    a.acc_scale = a.bias_scale = 1.0f;
    a.narrow_limit = 65504.0f;
    return a;
}

static void launch_mma(const ResrConvArgs &a)
{
    const dim3 grid((a.width + RESR_MMA_TW - 1) / RESR_MMA_TW, (a.height + RESR_MMA_TH(64) - 1) / RESR_MMA_TH(64), 1);
    resr_conv3x3_f16_bn64<<<grid, RESR_MMA_WARPS(64) * 32>>>(a);
}

/* Compares out (pixel stride pitch, channels c0..c0+cout-1) with the reference. */
static void compare(const char *name, const Problem &p, const std::vector<Half> &out, int pitch, int c0)
{
    double worst = 0.0, se = 0.0, peak = 0.0;
    long bad = 0, nonfinite = 0;
    for (size_t px = 0; px < (size_t)p.w * p.h; px++)
        for (int c = 0; c < p.cout; c++) {
            const double g = (float)out[px * pitch + c0 + c], r = p.ref[px * p.cout + c];
            if (!isfinite(g)) { nonfinite++; continue; }
            const double d = fabs(g - r);
            if (d > 1e-3 * fabs(r) + 1e-3) bad++;
            worst = d > worst ? d : worst;
            se += d * d;
            peak = fabs(r) > peak ? fabs(r) : peak;
        }
    const double mse = se / ((double)p.w * p.h * p.cout);
    char why[256];
    snprintf(why, sizeof(why), "%ld values off (|d| > 1e-3|ref| + 1e-3), %ld non-finite; largest |d| %.3g; PSNR %.1f dB (peak %.3g)",
             bad, nonfinite, worst, 10.0 * log10(peak * peak / (mse > 0 ? mse : 1e-30)), peak);
    printf("# %s: %s\n", name, why);
    result(name, bad == 0 && nonfinite == 0, why);
}

static std::vector<Half> from_dev(const Half *src, size_t n)
{
    std::vector<Half> h(n);
    CK(cudaDeviceSynchronize());
    CK(cudaMemcpy(h.data(), src, n * sizeof(Half), cudaMemcpyDeviceToHost));
    return h;
}

static double time_ms(void (*fn)(const void *), const void *ctx, int iters)
{
    cudaEvent_t a, b;
    float ms = 0.0f;
    CK(cudaEventCreate(&a));
    CK(cudaEventCreate(&b));
    fn(ctx);                                   /* warm-up */
    CK(cudaEventRecord(a));
    for (int i = 0; i < iters; i++)
        fn(ctx);
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    CK(cudaEventElapsedTime(&ms, a, b));
    return ms / iters;
}

/* 64 -> 64, PReLU: packed views, the control block's status and skip, the concat views,
 * and the mma.sync kernel on the same data. */
static void body_conv(int w, int h)
{
    Problem p;
    make_problem(&p, w, h, NC, NC, RESR_ACT_PRELU, 0.0f, true);
    Layer l = upload_layer(p);
    const size_t px = (size_t)w * h;
    Half *in = dev_alloc<Half>(px * 192), *out = dev_alloc<Half>(px * 192);

    to_dev(in, halves(p.in));
    upload_control(l.control, 0);
    CK(cudaMemset(out, 0, px * 192 * sizeof(Half)));
    const Op::Params params = make_params<Op, false>(p, l, in, NC, out, NC);
    launch<Op>(resr_conv3x3_sm90_f16_n64, params, l.control);
    compare("cutlass_sm90_vs_cpu", p, from_dev(out, px * NC), NC, 0);

    ResrCudaControl ctl;
    CK(cudaMemcpy(&ctl, l.control, sizeof(ctl), cudaMemcpyDeviceToHost));
    float ref_max = 0.0f, got_max;
    for (float v : p.ref) ref_max = fabsf(v) > ref_max ? fabsf(v) : ref_max;
    memcpy(&got_max, &ctl.status.max_abs_bits, 4);
    char why[160];
    snprintf(why, sizeof(why), "status max |v| %.6g, CPU %.6g, overflow %u", got_max, ref_max, ctl.status.overflow);
    result("cutlass_sm90_status", fabsf(got_max - ref_max) <= 1e-4f * ref_max && ctl.status.overflow == 0, why);

    /* skip: a sentinel output stays */
    CK(cudaMemset(out, 0x7b, px * NC * sizeof(Half)));
    upload_control(l.control, 1);
    launch<Op>(resr_conv3x3_sm90_f16_n64, params, l.control);
    std::vector<Half> o = from_dev(out, px * NC);
    bool untouched = true;
    for (size_t i = 0; i < px * NC; i++) {
        uint16_t bits;
        memcpy(&bits, &o[i], 2);
        untouched = untouched && bits == 0x7b7b;
    }
    result("cutlass_sm90_skip", untouched, "a skipped launch wrote the output");
    upload_control(l.control, 0);

    /* concat views: input channels 64..127 of a 192-pitch buffer, output 128..191 */
    std::vector<Half> in_wide(px * 192, Half(7.0f));
    for (size_t i = 0; i < px; i++)
        for (int c = 0; c < NC; c++)
            in_wide[i * 192 + 64 + c] = Half(p.in[i * NC + c]);
    to_dev(in, in_wide);
    CK(cudaMemset(out, 0, px * 192 * sizeof(Half)));
    const char *vwhy = "";
    const bool views_ok = !resr_sm90_check_view((uint64_t)(uintptr_t)(in + 64), 192, NC, 2, &vwhy) &&
                          !resr_sm90_check_view((uint64_t)(uintptr_t)(out + 128), 192, NC, 2, &vwhy);
    result("cutlass_sm90_concat_view_checked", views_ok, vwhy);
    launch<Op>(resr_conv3x3_sm90_f16_n64, make_params<Op, false>(p, l, in + 64, 192, out + 128, 192), l.control);
    std::vector<Half> wide = from_dev(out, px * 192);
    compare("cutlass_sm90_concat_view", p, wide, 192, 128);
    bool outside = true;
    for (size_t i = 0; i < px; i++)
        for (int c = 0; c < 128; c++)
            outside = outside && (float)wide[i * 192 + c] == 0.0f;
    result("cutlass_sm90_concat_view_outside", outside, "channels 0..127 of the output buffer were written");

    /* mma.sync on the packed input */
    to_dev(in, halves(p.in));
    CK(cudaMemset(out, 0, px * NC * sizeof(Half)));
    launch_mma(mma_args(p, l, in, out));
    compare("mma_sync_vs_cpu", p, from_dev(out, px * NC), NC, 0);
    cudaFree(in);
    cudaFree(out);
    free_layer(&l);
}

/* A growth conv as the dense block runs it, in place in the 192-pitch concat buffer:
 * channels 0..95 in, 96..127 out (LeakyReLU). */
static void growth_conv(int w, int h)
{
    using K = resr_conv3x3_sm90_f16_n32_op;
    Problem p;
    make_problem(&p, w, h, 96, 32, RESR_ACT_LEAKY_RELU, 0.0f, true);
    Layer l = upload_layer(p);
    const size_t px = (size_t)w * h;
    std::vector<Half> buf(px * 192, Half(0.0f));
    for (size_t i = 0; i < px; i++)
        for (int c = 0; c < 96; c++)
            buf[i * 192 + c] = Half(p.in[i * 96 + c]);
    Half *concat = dev_alloc<Half>(px * 192);
    to_dev(concat, buf);
    upload_control(l.control, 0);
    CK(cudaFuncSetAttribute(resr_conv3x3_sm90_f16_n32, cudaFuncAttributeMaxDynamicSharedMemorySize,
                            (int)K::SharedStorageSize));
    launch<K>(resr_conv3x3_sm90_f16_n32, make_params<K, false>(p, l, concat, 192, concat + 96, 192), l.control);
    std::vector<Half> got = from_dev(concat, px * 192);
    compare("cutlass_sm90_growth_in_place", p, got, 192, 96);
    bool kept = true;
    for (size_t i = 0; i < px; i++)
        for (int c = 0; c < 192; c++)
            if (c < 96 || c >= 128)
                kept = kept && got[i * 192 + c] == buf[i * 192 + c];
    result("cutlass_sm90_growth_other_channels", kept, "channels outside 96..127 changed");
    cudaFree(concat);
    free_layer(&l);
}

/* The 5th dense conv: 192 -> 64, no activation, v * 0.2 + res1, res1 as source C. */
static void residual_conv(int w, int h)
{
    using K = resr_conv3x3_sm90_f16_n64_res_op;
    Problem p;
    make_problem(&p, w, h, 192, NC, RESR_ACT_NONE, 0.2f, true);
    Layer l = upload_layer(p);
    const size_t px = (size_t)w * h;
    Half *in = dev_alloc<Half>(px * 192), *out = dev_alloc<Half>(px * NC);
    to_dev(in, halves(p.in));
    upload_control(l.control, 0);
    CK(cudaFuncSetAttribute(resr_conv3x3_sm90_f16_n64_res, cudaFuncAttributeMaxDynamicSharedMemorySize,
                            (int)K::SharedStorageSize));
    launch<K>(resr_conv3x3_sm90_f16_n64_res, make_params<K, true>(p, l, in, 192, out, NC), l.control);
    compare("cutlass_sm90_residual", p, from_dev(out, px * NC), NC, 0);
    cudaFree(in);
    cudaFree(out);
    free_layer(&l);
}

struct TimedCutlass { Op::Params params; const ResrCudaControl *control; };
static void run_cutlass(const void *c)
{
    const TimedCutlass *t = (const TimedCutlass *)c;
    launch<Op>(resr_conv3x3_sm90_f16_n64, t->params, t->control);
}
static void run_mma(const void *c) { launch_mma(*(const ResrConvArgs *)c); }

static void benchmark(int w, int h, int iters)
{
    Problem p;
    make_problem(&p, w, h, NC, NC, RESR_ACT_PRELU, 0.0f, false);
    Layer l = upload_layer(p);
    const size_t px = (size_t)w * h;
    Half *in = dev_alloc<Half>(px * NC), *out = dev_alloc<Half>(px * NC);
    to_dev(in, halves(p.in));
    upload_control(l.control, 0);
    TimedCutlass tc = { make_params<Op, false>(p, l, in, NC, out, NC), l.control };
    ResrConvArgs ma = mma_args(p, l, in, out);
    const double flop = 2.0 * 9 * NC * NC * (double)px;
    const double t_cut = time_ms(run_cutlass, &tc, iters), t_mma = time_ms(run_mma, &ma, iters);
    CK(cudaGetLastError());
    printf("# conv 64->64 %dx%d: CUTLASS sm90 %.3f ms %.0f TFLOP/s | mma.sync bn64 %.3f ms %.0f TFLOP/s | CUTLASS/mma.sync %.2fx (smem %d B, %d threads)\n",
           w, h, t_cut, flop / t_cut * 1e-9, t_mma, flop / t_mma * 1e-9, t_mma / t_cut,
           (int)Op::SharedStorageSize, (int)Op::MaxThreadsPerBlock);
    cudaFree(in);
    cudaFree(out);
    free_layer(&l);
}

int main(int argc, char **argv)
{
    int w = 1920, h = 1080, iters = 20, dev_major = 0, dev_minor = 0, n = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--width")) w = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--height")) h = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--iters")) iters = atoi(argv[i + 1]);
        else { fprintf(stderr, "cutlass_check: unknown option %s\n", argv[i]); return 2; }
    }
    if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
        printf("SKIP cutlass_check: no CUDA device\n");
        return 77;
    }
    CK(cudaDeviceGetAttribute(&dev_major, cudaDevAttrComputeCapabilityMajor, 0));
    CK(cudaDeviceGetAttribute(&dev_minor, cudaDevAttrComputeCapabilityMinor, 0));
    if (!resr_sm90_device_ok(dev_major, dev_minor)) {
        printf("SKIP cutlass_check: compute capability %d.%d, the sm_90a kernels need 9.0\n", dev_major, dev_minor);
        return 77;
    }
    CK(cudaFuncSetAttribute(resr_conv3x3_sm90_f16_n64, cudaFuncAttributeMaxDynamicSharedMemorySize,
                            (int)Op::SharedStorageSize));
    /* not multiples of the tiles: partial tiles both ways */
    body_conv(200, 120);
    growth_conv(200, 120);
    residual_conv(136, 72);
    benchmark(w, h, iters);
    return failures ? 1 : 0;
}
