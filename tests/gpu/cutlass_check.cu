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

struct Problem {
    int w, h;
    std::vector<float> in, weight, bias, slope;   /* fp16-rounded values; weight OIHW */
    std::vector<float> ref;                        /* CPU engine's layer, [h][w][64] */
};

static void make_problem(Problem *p, int w, int h, bool reference)
{
    unsigned s = 2024u;
    p->w = w;
    p->h = h;
    p->in.resize((size_t)w * h * NC);
    p->weight.resize(NC * NC * 9);
    p->bias.resize(NC);
    p->slope.resize(NC);
    for (auto &v : p->in) v = (float)Half(rnd(&s));
    for (auto &v : p->weight) v = (float)Half(rnd(&s) * 0.06f);
    for (int c = 0; c < NC; c++) {
        p->bias[c] = rnd(&s) * 0.1f;
        p->slope[c] = 0.2f + 0.05f * rnd(&s);
    }
    if (!reference)
        return;
    /* the CPU engine's layer over a zero-haloed copy */
    std::vector<float> halo((size_t)(w + 2) * (h + 2) * NC, 0.0f);
    for (int y = 0; y < h; y++)
        memcpy(&halo[((size_t)(y + 1) * (w + 2) + 1) * NC], &p->in[(size_t)y * w * NC], (size_t)w * NC * sizeof(float));
    ResrConv3x3 conv;
    memset(&conv, 0, sizeof(conv));
    conv.in_channels = conv.out_channels = NC;
    conv.weight = p->weight.data();
    conv.bias = p->bias.data();
    conv.activation = RESR_ACT_PRELU;
    conv.prelu_slope = p->slope.data();
    ResrConvPacked pk;
    if (resr_conv3x3_pack(&pk, &conv) < 0) {
        printf("FAIL cutlass_check: out of memory\n");
        exit(1);
    }
    p->ref.resize((size_t)w * h * NC);
    ResrConvParams cp;
    memset(&cp, 0, sizeof(cp));
    cp.conv = &pk;
    cp.in = ResrNhwc{ &halo[(size_t)(w + 2 + 1) * NC], NC, (ptrdiff_t)(w + 2) * NC };
    cp.upsample = 1;
    cp.width = w;
    cp.height = h;
    cp.store = RESR_STORE_NHWC;
    cp.dst = ResrNhwc{ p->ref.data(), NC, (ptrdiff_t)w * NC };
    resr_conv3x3_rows_fn()(cp, 0, h);
    resr_conv3x3_packed_free(&pk);
}

struct Device {
    Half *in, *out, *weight_krsc, *weight_mma;
    float *bias, *slope;
    ResrCudaControl *control;
};

/* CUTLASS params for the conv: input at `in` (pixel stride in_pitch), output at `out`
 * (pixel stride out_pitch), the epilogue tree's arguments (resr_epilogue.hpp). */
static Op::Params make_params(const Device &d, int w, int h, const Half *in, int in_pitch,
                              Half *out, int out_pitch)
{
    using PS = typename Op::ProblemShape;
    PS shape(cutlass::conv::Mode::kCrossCorrelation,
             { 1, h, w, NC }, { (int64_t)h * w * in_pitch, (int64_t)w * in_pitch, in_pitch, 1 },
             { NC, 3, 3, NC }, { 9 * NC, 3 * NC, NC, 1 },
             { (int64_t)h * w * out_pitch, (int64_t)w * out_pitch, out_pitch, 1 },
             { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, 1);
    typename Op::Arguments args{};
    args.problem_shape = shape;
    args.mainloop.ptr_A = in;
    args.mainloop.ptr_B = d.weight_krsc;
    cute::for_each(cute::make_seq<cute::rank<0>(typename Op::StrideD{})>{}, [&](auto i) {
        cute::get<0, i>(args.epilogue.dD) = shape.stride_C[PS::RankT - 2 - i];
    });
    args.epilogue.ptr_D = out;
    auto &t = args.epilogue.thread;         /* Narrow(Overflow(MaxAbs(Activated))) */
    auto &maxabs = t.op_0.op_0;             /* {Activated, reduction} */
    auto &activated = maxabs.op_0;          /* tuple {acc, bias, scale, slope, Activate} */
    cute::get<1>(activated).ptr_row = d.bias;
    cute::get<2>(activated).scalar_ptrs[0] = &d.control->act_scale;
    cute::get<3>(activated).ptr_row = d.slope;
    cute::get<4>(activated).acc_scale = 1.0f;
    maxabs.op_1.ptr_scalar = (float *)&d.control->status.max_abs_bits;
    t.op_0.op_1.ptr_scalar = (float *)&d.control->status.overflow;
    t.op_1.limit = 65504.0f;
    args.hw_info.device_id = 0;
    if (Op::can_implement(args) != true) {
        printf("FAIL cutlass_check: can_implement refused the problem\n");
        exit(1);
    }
    return Op::to_underlying_arguments(args, nullptr);
}

static void launch_cutlass(const Op::Params &params, const ResrCudaControl *control)
{
    const dim3 grid = Op::get_grid_shape(params), block = Op::get_block_shape();
    resr_conv3x3_sm90_f16_n64<<<grid, block, Op::SharedStorageSize>>>(params, (uint64_t)(uintptr_t)control);
}

static ResrConvArgs mma_args(const Device &d, int w, int h)
{
    ResrConvArgs a;
    memset(&a, 0, sizeof(a));
    a.in = (uint64_t)(uintptr_t)d.in;
    a.weight = (uint64_t)(uintptr_t)d.weight_mma;
    a.bias = (uint64_t)(uintptr_t)d.bias;
    a.slope = (uint64_t)(uintptr_t)d.slope;
    a.dst = (uint64_t)(uintptr_t)d.out;
    a.status = (uint64_t)(uintptr_t)&d.control->status;
    a.control = (uint64_t)(uintptr_t)d.control;
    a.width = a.in_width = w;
    a.height = a.in_height = h;
    a.in_pixel = a.dst_pixel = NC;
    a.in_channels = a.out_channels = a.weight_cout = NC;
    a.acc_scale = a.bias_scale = 1.0f;
    a.narrow_limit = 65504.0f;
    return a;
}

static void launch_mma(const ResrConvArgs &a)
{
    const dim3 grid((a.width + RESR_MMA_TW - 1) / RESR_MMA_TW, (a.height + RESR_MMA_TH(64) - 1) / RESR_MMA_TH(64), 1);
    resr_conv3x3_f16_bn64<<<grid, RESR_MMA_WARPS(64) * 32>>>(a);
}

/* Compares out (pixel stride pitch, channels c0..c0+63) with the reference. */
static void compare(const char *name, const Problem &p, const std::vector<Half> &out, int pitch, int c0)
{
    double worst = 0.0, se = 0.0, peak = 0.0;
    long bad = 0, nonfinite = 0;
    for (size_t px = 0; px < (size_t)p.w * p.h; px++)
        for (int c = 0; c < NC; c++) {
            const double g = (float)out[px * pitch + c0 + c], r = p.ref[px * NC + c];
            if (!isfinite(g)) { nonfinite++; continue; }
            const double d = fabs(g - r);
            if (d > 1e-3 * fabs(r) + 1e-3) bad++;
            worst = d > worst ? d : worst;
            se += d * d;
            peak = fabs(r) > peak ? fabs(r) : peak;
        }
    const double mse = se / ((double)p.w * p.h * NC);
    char why[256];
    snprintf(why, sizeof(why), "%ld values off (|d| > 1e-3|ref| + 1e-3), %ld non-finite; largest |d| %.3g; PSNR %.1f dB (peak %.3g)",
             bad, nonfinite, worst, 10.0 * log10(peak * peak / (mse > 0 ? mse : 1e-30)), peak);
    printf("# %s: %s\n", name, why);
    result(name, bad == 0 && nonfinite == 0, why);
}

static void upload_control(ResrCudaControl *dev, int skip)
{
    ResrCudaControl c;
    resr_cuda_control_init(&c);
    c.skip = (uint32_t)skip;
    CK(cudaMemcpy(dev, &c, sizeof(c), cudaMemcpyHostToDevice));
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

struct TimedCutlass { Op::Params params; const ResrCudaControl *control; };
static void run_cutlass(const void *c) { launch_cutlass(((const TimedCutlass *)c)->params, ((const TimedCutlass *)c)->control); }
static void run_mma(const void *c) { launch_mma(*(const ResrConvArgs *)c); }

/* Uploads the problem: KRSC weights for CUTLASS, [NC/16][9][64][16] for mma.sync. */
static void upload(Device *d, const Problem &p, size_t in_elems, size_t out_elems)
{
    std::vector<Half> krsc(NC * 9 * NC), mma(NC * 9 * NC), in(p.in.size());
    for (int o = 0; o < NC; o++)
        for (int i = 0; i < NC; i++)
            for (int t = 0; t < 9; t++) {
                const Half v = Half(p.weight[((size_t)o * NC + i) * 9 + t]);
                krsc[((size_t)o * 9 + t) * NC + i] = v;
                mma[(((size_t)(i / 16) * 9 + t) * NC + o) * 16 + i % 16] = v;
            }
    for (size_t i = 0; i < p.in.size(); i++)
        in[i] = Half(p.in[i]);
    CK(cudaMalloc(&d->in, in_elems * sizeof(Half)));
    CK(cudaMalloc(&d->out, out_elems * sizeof(Half)));
    CK(cudaMalloc(&d->weight_krsc, krsc.size() * sizeof(Half)));
    CK(cudaMalloc(&d->weight_mma, mma.size() * sizeof(Half)));
    CK(cudaMalloc(&d->bias, NC * sizeof(float)));
    CK(cudaMalloc(&d->slope, NC * sizeof(float)));
    CK(cudaMalloc(&d->control, sizeof(ResrCudaControl)));
    CK(cudaMemcpy(d->weight_krsc, krsc.data(), krsc.size() * sizeof(Half), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d->weight_mma, mma.data(), mma.size() * sizeof(Half), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d->bias, p.bias.data(), NC * sizeof(float), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d->slope, p.slope.data(), NC * sizeof(float), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d->in, in.data(), in.size() * sizeof(Half), cudaMemcpyHostToDevice));
    upload_control(d->control, 0);
}

static void release(Device *d)
{
    cudaFree(d->in); cudaFree(d->out); cudaFree(d->weight_krsc); cudaFree(d->weight_mma);
    cudaFree(d->bias); cudaFree(d->slope); cudaFree(d->control);
}

static void correctness(void)
{
    const int w = 200, h = 120;      /* not multiples of the tiles: partial tiles both ways */
    Problem p;
    make_problem(&p, w, h, true);
    Device d;
    const size_t px = (size_t)w * h;
    upload(&d, p, px * 192, px * 192);
    std::vector<Half> out(px * 192);

    /* packed views */
    CK(cudaMemset(d.out, 0, px * 192 * sizeof(Half)));
    Op::Params params = make_params(d, w, h, d.in, NC, d.out, NC);
    launch_cutlass(params, d.control);
    CK(cudaDeviceSynchronize());
    CK(cudaMemcpy(out.data(), d.out, px * NC * sizeof(Half), cudaMemcpyDeviceToHost));
    compare("cutlass_sm90_vs_cpu", p, out, NC, 0);

    ResrCudaControl ctl;
    CK(cudaMemcpy(&ctl, d.control, sizeof(ctl), cudaMemcpyDeviceToHost));
    float ref_max = 0.0f, got_max;
    for (float v : p.ref) ref_max = fabsf(v) > ref_max ? fabsf(v) : ref_max;
    memcpy(&got_max, &ctl.status.max_abs_bits, 4);
    char why[160];
    snprintf(why, sizeof(why), "status max |v| %.6g, CPU %.6g, overflow %u", got_max, ref_max, ctl.status.overflow);
    result("cutlass_sm90_status", fabsf(got_max - ref_max) <= 1e-4f * ref_max && ctl.status.overflow == 0, why);

    /* skip: a sentinel output stays */
    CK(cudaMemset(d.out, 0x7b, px * NC * sizeof(Half)));
    upload_control(d.control, 1);
    launch_cutlass(params, d.control);
    CK(cudaDeviceSynchronize());
    CK(cudaMemcpy(out.data(), d.out, px * NC * sizeof(Half), cudaMemcpyDeviceToHost));
    bool untouched = true;
    for (size_t i = 0; i < px * NC; i++) {
        uint16_t bits;
        memcpy(&bits, &out[i], 2);
        untouched = untouched && bits == 0x7b7b;
    }
    result("cutlass_sm90_skip", untouched, "a skipped launch wrote the output");
    upload_control(d.control, 0);

    /* concat views: input channels 64..127 of a 192-pitch buffer, output 128..191 */
    std::vector<Half> wide(px * 192, Half(0.0f)), in_wide(px * 192, Half(7.0f));
    for (size_t i = 0; i < px; i++)
        for (int c = 0; c < NC; c++)
            in_wide[i * 192 + 64 + c] = Half(p.in[i * NC + c]);
    CK(cudaMemcpy(d.in, in_wide.data(), px * 192 * sizeof(Half), cudaMemcpyHostToDevice));
    CK(cudaMemset(d.out, 0, px * 192 * sizeof(Half)));
    const char *vwhy;
    if (resr_sm90_check_view((uint64_t)(uintptr_t)(d.in + 64), 192, NC, 2, &vwhy) ||
        resr_sm90_check_view((uint64_t)(uintptr_t)(d.out + 128), 192, NC, 2, &vwhy))
        result("cutlass_sm90_concat_view", false, vwhy);
    Op::Params pv = make_params(d, w, h, d.in + 64, 192, d.out + 128, 192);
    launch_cutlass(pv, d.control);
    CK(cudaDeviceSynchronize());
    CK(cudaMemcpy(wide.data(), d.out, px * 192 * sizeof(Half), cudaMemcpyDeviceToHost));
    compare("cutlass_sm90_concat_view", p, wide, 192, 128);
    bool outside = true;
    for (size_t i = 0; i < px; i++)
        for (int c = 0; c < 128; c++)
            outside = outside && (float)wide[i * 192 + c] == 0.0f;
    result("cutlass_sm90_concat_view_outside", outside, "channels 0..127 of the output buffer were written");

    /* mma.sync on the packed input */
    std::vector<Half> packed(px * NC);
    for (size_t i = 0; i < px * NC; i++)
        packed[i] = Half(p.in[i]);
    CK(cudaMemcpy(d.in, packed.data(), px * NC * sizeof(Half), cudaMemcpyHostToDevice));
    CK(cudaMemset(d.out, 0, px * NC * sizeof(Half)));
    launch_mma(mma_args(d, w, h));
    CK(cudaDeviceSynchronize());
    CK(cudaMemcpy(out.data(), d.out, px * NC * sizeof(Half), cudaMemcpyDeviceToHost));
    compare("mma_sync_vs_cpu", p, out, NC, 0);
    release(&d);
}

static void benchmark(int w, int h, int iters)
{
    Problem p;
    make_problem(&p, w, h, false);
    Device d;
    const size_t px = (size_t)w * h;
    upload(&d, p, px * NC, px * NC);
    TimedCutlass tc = { make_params(d, w, h, d.in, NC, d.out, NC), d.control };
    ResrConvArgs ma = mma_args(d, w, h);
    const double flop = 2.0 * 9 * NC * NC * (double)px;
    const double t_cut = time_ms(run_cutlass, &tc, iters), t_mma = time_ms(run_mma, &ma, iters);
    CK(cudaGetLastError());
    printf("# conv 64->64 %dx%d: CUTLASS sm90 %.3f ms %.0f TFLOP/s | mma.sync bn64 %.3f ms %.0f TFLOP/s | CUTLASS/mma.sync %.2fx (smem %d B, %d threads)\n",
           w, h, t_cut, flop / t_cut * 1e-9, t_mma, flop / t_mma * 1e-9, t_mma / t_cut,
           (int)Op::SharedStorageSize, (int)Op::MaxThreadsPerBlock);
    release(&d);
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
    correctness();
    benchmark(w, h, iters);
    return failures ? 1 : 0;
}
