/*
 * The GPU half of tests/gpu/check.sh: the CUDA engine against the CPU engine on a real GPU.
 *
 *   gpu_check [--small] [--models DIR] [--cuda-conv cutlass]
 *
 * Cases: every network architecture (RRDBNet x4/x2/x1 with the official shapes, random
 * weights; SRVGGNetCompact as realesr-animevideov3 when DIR has it, else random), every
 * accepted sw_format, odd sizes, explicit tiles, fp32 / fp16 / bf16; each output frame
 * downloaded and compared with the CPU engine's (fp32) output of the same input frame:
 * PSNR over every component in code units, fp32 >= 50 dB, fp16/bf16 >= 40 dB; and no
 * activation non-finite (the kernels record the largest |activation|, Inf for NaN/Inf).
 * An fp16 overflow case: the model rescaled so its activations exceed fp16's range (the
 * factor chosen from the engine's own fp32 activation statistics; the output is unchanged
 * in exact arithmetic) must be rerun at a smaller scale and still meet 40 dB.
 * Steady state: the driver API is traced (the CudaFunctions table wrapped): after the
 * first frame, no memory allocation, no host copy and no stream synchronisation inside
 * plan() + run() in any precision (fp16 overflow is judged on the device; the check's own
 * finish() after each frame is not counted).
 * outscale: the resample kernel against the CPU engine's resize (cpu/resample.c) on the same frame, every
 * accepted sw_format, shrinking and growing: bit for bit (tests/cuda/test_cuda_resample.c
 * proves the same on the CPU with the kernel's own code; this is the hardware's word).
 * --small: a few tiny cases touching every kernel, for compute-sanitizer.
 * --cuda-conv cutlass: fp16 and bf16 cases with the engine's convs on the CUTLASS sm_90a kernels
 * where they apply (compute capability 9.0, a build with CUTLASS; else each case FAILs with
 * the engine's refusal), the same thresholds; a case where no conv ran on CUTLASS FAILs.
 * --ptx75: linked with a fatbin holding compute_75 PTX only (check.sh's ptx-compute75 step),
 *   which a newer GPU JIT-compiles: the sm_75 branches of the kernels (m16n8k8 mma, no
 *   cp.async) that never run from an H200's own SASS. fp16 and fp32 only: bf16 needs sm_80
 *   code, which a compute_75 build has not (the engine never launches it below sm_80).
 * Prints PASS/FAIL/SKIP lines, then "ROW ..." lines the summary table is made of.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libavutil/frame.h"
#include "libavutil/hwcontext.h"
#include "libavutil/hwcontext_cuda_internal.h"
#include "libavutil/imgutils.h"
#include "libavutil/pixdesc.h"

#include "cpu/convert.h"
#include "cpu/cpu_engine.h"
#include "cpu/resample.h"
#include "cuda/cuda_engine.h"
#include "cuda/kernel_args.h"
#include "tests/common/synthetic_model.h"
#include "tests/common/test_util.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* --cuda-conv cutlass: the engine's convs on CUTLASS sm_90a where they apply (issue 12) */
static ResrCudaConv cuda_conv = RESR_CUDA_CONV_AUTO;

static void engine_log(void *ctx, int level, const char *fmt, va_list args)
{
    (void)ctx;
    if (level <= AV_LOG_WARNING)
        vfprintf(stderr, fmt, args);
}

/* ---- driver-API tracing --------------------------------------------------------------- */

typedef struct Trace {
    long allocs, copies_to_host, copies_to_device, launches;
    size_t bytes_to_host, bytes_to_device;
    long syncs;        /* cuStreamSynchronize / cuEventSynchronize */
    long run_syncs;    /* of which inside plan() + run() (run_cuda) */
} Trace;

static Trace trace;
static CudaFunctions real;   /* the original table */

static CUresult CUDAAPI t_alloc(CUdeviceptr *p, size_t n) { trace.allocs++; return real.cuMemAlloc(p, n); }
static CUresult CUDAAPI t_dtoh(void *d, CUdeviceptr s, size_t n)
{ trace.copies_to_host++; trace.bytes_to_host += n; return real.cuMemcpyDtoH(d, s, n); }
static CUresult CUDAAPI t_dtoh_async(void *d, CUdeviceptr s, size_t n, CUstream st)
{ trace.copies_to_host++; trace.bytes_to_host += n; return real.cuMemcpyDtoHAsync(d, s, n, st); }
static CUresult CUDAAPI t_htod(CUdeviceptr d, const void *s, size_t n)
{ trace.copies_to_device++; trace.bytes_to_device += n; return real.cuMemcpyHtoD(d, s, n); }
static CUresult CUDAAPI t_htod_async(CUdeviceptr d, const void *s, size_t n, CUstream st)
{ trace.copies_to_device++; trace.bytes_to_device += n; return real.cuMemcpyHtoDAsync(d, s, n, st); }
static CUresult CUDAAPI t_2d(const CUDA_MEMCPY2D *c)
{
    if (c->dstMemoryType == CU_MEMORYTYPE_HOST) { trace.copies_to_host++; trace.bytes_to_host += c->WidthInBytes * c->Height; }
    if (c->srcMemoryType == CU_MEMORYTYPE_HOST) { trace.copies_to_device++; trace.bytes_to_device += c->WidthInBytes * c->Height; }
    return real.cuMemcpy2D(c);
}
static CUresult CUDAAPI t_2d_async(const CUDA_MEMCPY2D *c, CUstream st)
{
    if (c->dstMemoryType == CU_MEMORYTYPE_HOST) { trace.copies_to_host++; trace.bytes_to_host += c->WidthInBytes * c->Height; }
    if (c->srcMemoryType == CU_MEMORYTYPE_HOST) { trace.copies_to_device++; trace.bytes_to_device += c->WidthInBytes * c->Height; }
    return real.cuMemcpy2DAsync(c, st);
}
static CUresult CUDAAPI t_memcpy(CUdeviceptr d, CUdeviceptr s, size_t n)
{ trace.copies_to_host++; trace.bytes_to_host += n; return real.cuMemcpy(d, s, n); }   /* unified: counted */
static CUresult CUDAAPI t_memcpy_async(CUdeviceptr d, CUdeviceptr s, size_t n, CUstream st)
{ trace.copies_to_host++; trace.bytes_to_host += n; return real.cuMemcpyAsync(d, s, n, st); }
static CUresult CUDAAPI t_sync(CUstream st) { trace.syncs++; return real.cuStreamSynchronize(st); }
static CUresult CUDAAPI t_event_sync(CUevent ev) { trace.syncs++; return real.cuEventSynchronize(ev); }
static CUresult CUDAAPI t_launch(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                 unsigned bz, unsigned smem, CUstream st, void **params, void **extra)
{ trace.launches++; return real.cuLaunchKernel(f, gx, gy, gz, bx, by, bz, smem, st, params, extra); }

static void trace_install(CudaFunctions *cu)
{
    real = *cu;
    cu->cuMemAlloc = t_alloc;
    cu->cuMemcpyDtoH = t_dtoh;
    cu->cuMemcpyDtoHAsync = t_dtoh_async;
    cu->cuMemcpyHtoD = t_htod;
    cu->cuMemcpyHtoDAsync = t_htod_async;
    cu->cuMemcpy2D = t_2d;
    cu->cuMemcpy2DAsync = t_2d_async;
    cu->cuMemcpy = t_memcpy;
    cu->cuMemcpyAsync = t_memcpy_async;
    cu->cuLaunchKernel = t_launch;
    cu->cuStreamSynchronize = t_sync;
    cu->cuEventSynchronize = t_event_sync;
}

/* ---- formats and frames --------------------------------------------------------------- */

/* As the glue describes formats (vf_realesrgan/formats.c); YUV as BT.709 limited range, chroma left. */
static int describe(ResrPixelFormat *f, enum AVPixelFormat format)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(format);

    memset(f, 0, sizeof(*f));
    if (!d)
        return -1;
    f->is_rgb = !!(d->flags & AV_PIX_FMT_FLAG_RGB);
    f->has_alpha = !!(d->flags & AV_PIX_FMT_FLAG_ALPHA);
    f->depth = d->comp[0].depth;
    f->type = f->depth > 8 ? RESR_SAMPLE_U16 : RESR_SAMPLE_U8;
    f->log2_chroma_w = d->log2_chroma_w;
    f->log2_chroma_h = d->log2_chroma_h;
    for (int i = 0; i < d->nb_components; i++)
        f->comp[i] = (ResrComponent){ d->comp[i].plane, d->comp[i].step, d->comp[i].offset, d->comp[i].shift };
    if (!f->is_rgb) {
        f->kr = 0.2126f;
        f->kb = 0.0722f;
        f->chroma_loc = RESR_CHROMA_LEFT;
    }
    return 0;
}

static ResrPlanes planes_of(const AVFrame *f)
{
    ResrPlanes p;
    for (int i = 0; i < 4; i++) {
        p.data[i] = f->data[i];
        p.linesize[i] = f->linesize[i];
    }
    return p;
}

static unsigned read_code(const ResrPixelFormat *f, const AVFrame *fr, int c, int x, int y)
{
    const ResrComponent *k = &f->comp[c];
    const uint8_t *p = fr->data[k->plane] + (ptrdiff_t)y * fr->linesize[k->plane] + k->offset +
                       (ptrdiff_t)x * k->step;
    if (f->type == RESR_SAMPLE_U8)
        return p[0];
    uint16_t v;
    memcpy(&v, p, 2);
    return v >> k->shift;
}

/* PSNR over all components, in code units. */
static double frame_psnr(const ResrPixelFormat *f, const AVFrame *a, const AVFrame *b, int w, int h)
{
    const double peak = (double)((1u << f->depth) - 1);
    const int comps = f->has_alpha ? 4 : 3;
    double se = 0.0;
    long n = 0;

    for (int c = 0; c < comps; c++) {
        const int chroma = !f->is_rgb && (c == 1 || c == 2);
        const int cw = chroma ? -((-w) >> f->log2_chroma_w) : w;
        const int ch = chroma ? -((-h) >> f->log2_chroma_h) : h;
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++) {
                const double d = (double)read_code(f, a, c, x, y) - read_code(f, b, c, x, y);
                se += d * d;
                n++;
            }
    }
    return se > 0 ? 10.0 * log10(peak * peak / (se / n)) : INFINITY;
}

/* A test picture: gradients, rings, edges and noise, RGB in [0,1]; alpha a ramp. */
static void make_picture(float *rgb, int w, int h, uint32_t seed)
{
    uint32_t st = seed;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const float fx = (float)x / w, fy = (float)y / h;
            const float ring = 0.5f + 0.5f * sinf(40.0f * ((fx - 0.5f) * (fx - 0.5f) + (fy - 0.4f) * (fy - 0.4f)));
            const float edge = ((x / 7 + y / 5) & 1) ? 0.8f : 0.2f;
            for (int c = 0; c < 3; c++) {
                const float noise = resr_synthetic_uniform(&st, -0.05f, 0.05f);
                float v = (c == 0 ? fx : c == 1 ? fy : 1.0f - fx) * 0.4f + ring * 0.3f + edge * 0.3f + noise;
                rgb[((size_t)c * h + y) * w + x] = v < 0 ? 0 : v > 1 ? 1 : v;
            }
        }
}

static AVFrame *software_frame(enum AVPixelFormat fmt, int w, int h)
{
    AVFrame *f = av_frame_alloc();
    if (!f)
        return NULL;
    f->format = fmt;
    f->width = w;
    f->height = h;
    if (av_frame_get_buffer(f, 0) < 0)
        av_frame_free(&f);
    return f;
}

static AVFrame *cuda_frame(AVBufferRef *device, enum AVPixelFormat sw, int w, int h)
{
    AVBufferRef *ref = av_hwframe_ctx_alloc(device);
    AVFrame *f = NULL;

    if (!ref)
        return NULL;
    AVHWFramesContext *fc = (AVHWFramesContext *)ref->data;
    fc->format = AV_PIX_FMT_CUDA;
    fc->sw_format = sw;
    fc->width = w;
    fc->height = h;
    if (av_hwframe_ctx_init(ref) >= 0 && (f = av_frame_alloc()) && av_hwframe_get_buffer(ref, f, 0) < 0)
        av_frame_free(&f);
    av_buffer_unref(&ref);
    return f;
}

/*
 * Host <-> device copy of a whole frame. av_hwframe_transfer_data copies height >> 1
 * chroma rows, so odd-height 4:2:0 frames (97x61, 11x9 here) would lose their last chroma
 * row: the engine would read, or the comparison find, whatever the memory held. dst
 * without buffers gets them (a host frame of src's size and dst's format).
 */
static int transfer(AVFrame *dst, const AVFrame *src, AVBufferRef *device)
{
    AVCUDADeviceContext *hwctx = ((AVHWDeviceContext *)device->data)->hwctx;
    CudaFunctions *cu = hwctx->internal->cuda_dl;
    const int to_device = !src->hw_frames_ctx;
    const AVFrame *sw = to_device ? src : dst;
    CUcontext dummy;
    int ret = 0;

    if (!dst->buf[0]) {
        dst->width = src->width;
        dst->height = src->height;
        if (av_frame_get_buffer(dst, 0) < 0)
            return -ENOMEM;
    }
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(sw->format);
    if (cu->cuCtxPushCurrent(hwctx->cuda_ctx) != CUDA_SUCCESS)
        return -EIO;
    for (int p = 0; p < 4 && sw->data[p] && ret == 0; p++) {
        const int chroma = p == 1 || p == 2;
        CUDA_MEMCPY2D cpy = {
            .srcMemoryType = to_device ? CU_MEMORYTYPE_HOST : CU_MEMORYTYPE_DEVICE,
            .srcHost       = src->data[p],
            .srcDevice     = (CUdeviceptr)(uintptr_t)src->data[p],
            .srcPitch      = (size_t)src->linesize[p],
            .dstMemoryType = to_device ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST,
            .dstHost       = dst->data[p],
            .dstDevice     = (CUdeviceptr)(uintptr_t)dst->data[p],
            .dstPitch      = (size_t)dst->linesize[p],
            .WidthInBytes  = (size_t)av_image_get_linesize(sw->format, sw->width, p),
            .Height        = (size_t)(chroma ? -((-sw->height) >> d->log2_chroma_h) : sw->height),
        };
        ret = cu->cuMemcpy2D(&cpy) == CUDA_SUCCESS ? 0 : -EIO;
    }
    cu->cuCtxPopCurrent(&dummy);
    return ret;
}

/* ---- one comparison ------------------------------------------------------------------- */

typedef struct Case {
    const char *model_name;
    ResrModel *model;
    enum AVPixelFormat in_fmt, out_fmt;
    int w, h;
    ResrPrecision precision;
    int tile, tile_pad;
    int overflow;        /* rescale the model past fp16's range first */
    int frames;          /* > 1: steady-state tracing over these frames */
} Case;

static const char *precision_name(ResrPrecision p)
{
    return resr_precision_name(p);
}

/* First conv (weights, bias) and every later bias times k, last conv's weights / k. */
static void rescale_model(ResrModel *m, float k)
{
    for (int i = 0; i < m->num_convs; i++) {
        ResrConv3x3 *c = &m->convs[i];
        float *wt = (float *)c->weight, *b = (float *)c->bias;
        const size_t nw = (size_t)c->out_channels * c->in_channels * 9;
        if (i == 0)
            for (size_t j = 0; j < nw; j++)
                wt[j] *= k;
        if (i == m->num_convs - 1)
            for (size_t j = 0; j < nw; j++)
                wt[j] /= k;
        else
            for (int j = 0; j < c->out_channels; j++)
                b[j] *= k;
    }
}

static int run_cuda(ResrEngine *e, const ResrFrameGeometry *g, AVFrame *hw_in, AVFrame *hw_out)
{
    int ret;
    ResrPlanes in = planes_of(hw_in), out = planes_of(hw_out);

    const long syncs = trace.syncs;
    if ((ret = e->ops->plan(e, g)) < 0 || (ret = e->ops->run(e, &in, &out)) < 0)
        return ret;
    trace.run_syncs += trace.syncs - syncs;
    return e->ops->finish(e);
}

static void run_case(const Case *c, AVBufferRef *device)
{
    ResrModel *m = c->model;
    const int s = m->scale, ow = c->w * s, oh = c->h * s;
    ResrFrameGeometry g;
    ResrEngine *cpu = NULL, *gpu = NULL;
    AVFrame *sw_in = NULL, *cpu_out = NULL, *gpu_out = NULL, *hw_in = NULL, *hw_out = NULL;
    float *rgb = NULL, overflow_k = 1.0f;
    char name[160];
    int ret;

    snprintf(name, sizeof(name), "cuda_%s_%s%s%s_%dx%d_%s%s%s", c->model_name, av_get_pix_fmt_name(c->in_fmt),
             c->out_fmt != c->in_fmt ? "_to_" : "", c->out_fmt != c->in_fmt ? av_get_pix_fmt_name(c->out_fmt) : "",
             c->w, c->h, precision_name(c->precision), c->tile ? "_tiled" : "",
             c->overflow ? "_overflow" : c->frames > 1 ? "_steady" : "");
    memset(&g, 0, sizeof(g));
    g.in_width = c->w;
    g.in_height = c->h;
    g.out_width = ow;
    g.out_height = oh;
    describe(&g.in_format, c->in_fmt);
    describe(&g.out_format, c->out_fmt);
    /* CUDA frames in and out, as -hwaccel cuda gives them; the CPU engine's copy: host */
    g.in_memory = g.out_memory = RESR_MEMORY_DEVICE;
    ResrFrameGeometry host = g;
    host.in_memory = host.out_memory = RESR_MEMORY_HOST;

    const ResrEngineConfig gpu_cfg = { .tile = c->tile, .tile_pad = c->tile_pad, .precision = c->precision,
                                       .cuda_conv = cuda_conv, .log = engine_log };
    const ResrEngineConfig cpu_cfg = { .tile = c->tile, .tile_pad = c->tile_pad, .precision = RESR_PRECISION_FP32,
                                       .log = engine_log };

    /* input picture, on the host and uploaded (test setup, not the engine's business) */
    if (!(rgb = malloc(sizeof(float) * 3 * c->w * c->h)) || !(sw_in = software_frame(c->in_fmt, c->w, c->h)) ||
        !(hw_in = cuda_frame(device, c->in_fmt, c->w, c->h)) || !(hw_out = cuda_frame(device, c->out_fmt, ow, oh)) ||
        !(cpu_out = software_frame(c->out_fmt, ow, oh)) || !(gpu_out = av_frame_alloc())) {
        resr_test_fail(name, "cannot allocate frames");
        goto end;
    }
    make_picture(rgb, c->w, c->h, 7);
    ResrRgbTile tile = { rgb, c->w, c->h, c->w, (ptrdiff_t)c->w * c->h };
    ResrPlanes sw_planes = planes_of(sw_in);
    resr_rgb_to_frame(&g.in_format, &tile, 0, 0, c->w, c->h, &sw_planes, 0, 0);
    if (g.in_format.has_alpha)
        for (int y = 0; y < c->h; y++)
            for (int x = 0; x < c->w; x++)
                sw_in->data[g.in_format.comp[3].plane][(ptrdiff_t)y * sw_in->linesize[g.in_format.comp[3].plane] +
                                                       g.in_format.comp[3].offset + x * g.in_format.comp[3].step] =
                    (uint8_t)(255 * x / (c->w - 1 > 0 ? c->w - 1 : 1));
    if (transfer(hw_in, sw_in, device) < 0) {
        resr_test_fail(name, "upload failed");
        goto end;
    }

    if ((ret = resr_cuda_engine_create(&gpu, m, &gpu_cfg, device)) < 0) {
        if (ret == -ENOTSUP || (ret == -ENOSYS && c->precision == RESR_PRECISION_FP8))
            resr_test_skip(name, "CUDA engine: %s (fp8: compute capability 8.9+)", av_err2str(ret));
        else
            resr_test_fail(name, "CUDA engine: %s", av_err2str(ret));
        goto end;
    }
    resr_cuda_engine_collect_stats(gpu, c->frames <= 1);

    if (c->overflow) {
        /* activation statistics of an fp32 run pick k: the largest |activation| x k = 4 x 65504 */
        ResrEngine *probe = NULL;
        ResrCudaEngineStats st;
        const ResrEngineConfig probe_cfg = { .precision = RESR_PRECISION_FP32, .log = engine_log };
        if ((ret = resr_cuda_engine_create(&probe, m, &probe_cfg, device)) < 0) {
            resr_test_fail(name, "probe engine: %d", ret);
            goto end;
        }
        resr_cuda_engine_collect_stats(probe, 1);
        ret = run_cuda(probe, &g, hw_in, hw_out);
        resr_cuda_engine_get_stats(probe, &st);
        resr_engine_free(&probe);
        if (ret < 0 || !(st.max_abs > 0) || !isfinite(st.max_abs)) {
            resr_test_fail(name, "probe run: %d, max |activation| %g", ret, st.max_abs);
            goto end;
        }
        overflow_k = exp2f(ceilf(log2f(4.0f * 65504.0f / st.max_abs)));
        printf("  %s: fp32 max |activation| %.4g, model rescaled by %g\n", name, st.max_abs, overflow_k);
        rescale_model(m, overflow_k);
        /* the engine packed the unscaled weights: make it again */
        resr_engine_free(&gpu);
        if ((ret = resr_cuda_engine_create(&gpu, m, &gpu_cfg, device)) < 0) {
            resr_test_fail(name, "CUDA engine: %d", ret);
            goto end;
        }
        resr_cuda_engine_collect_stats(gpu, 1);
    }

    /* CPU engine, fp32: the reference */
    const double t0 = now();
    ResrPlanes cpu_out_planes = planes_of(cpu_out);
    if ((ret = resr_cpu_engine_create(&cpu, m, &cpu_cfg)) < 0 || (ret = cpu->ops->plan(cpu, &host)) < 0 ||
        (ret = cpu->ops->run(cpu, &sw_planes, &cpu_out_planes)) < 0) {
        resr_test_fail(name, "CPU engine failed: %d", ret);
        goto end;
    }
    const double t_cpu = now() - t0;

    /* CUDA: first frame plans and warms up; steady state traced over the rest */
    const double t1 = now();
    if ((ret = run_cuda(gpu, &g, hw_in, hw_out)) < 0) {
        resr_test_fail(name, "CUDA run failed: %d", ret);
        goto end;
    }
    double t_gpu = now() - t1;
    Trace steady = { 0 };
    ResrCudaEngineStats st0, st;
    resr_cuda_engine_get_stats(gpu, &st0);
    if (c->frames > 1) {
        memset(&trace, 0, sizeof(trace));
        const double t2 = now();
        for (int f = 1; f < c->frames; f++)
            if ((ret = run_cuda(gpu, &g, hw_in, hw_out)) < 0)
                break;
        t_gpu = (now() - t2) / (c->frames - 1);
        steady = trace;
        if (ret < 0) {
            resr_test_fail(name, "CUDA run failed: %d", ret);
            goto end;
        }
    }
    resr_cuda_engine_get_stats(gpu, &st);

    gpu_out->format = c->out_fmt;
    if (transfer(gpu_out, hw_out, device) < 0) {
        resr_test_fail(name, "download failed");
        goto end;
    }
    const double psnr = frame_psnr(&g.out_format, cpu_out, gpu_out, ow, oh);
    if (c->overflow)
        rescale_model(m, 1.0f / overflow_k);   /* powers of two: exactly the model again */
    /* fp8: e4m3's 3 mantissa bits; animevideov3 gives 35.3 dB in the emulator (fake_cuda_e2e) */
    const double need = c->precision == RESR_PRECISION_FP32 ? 50.0 : c->precision == RESR_PRECISION_FP8 ? 30.0 : 40.0;
    const int finite = c->frames > 1 || isfinite(st.max_abs);
    const double mpix = (double)ow * oh / 1e6;

    printf("ROW %-58s %7.2f dB  max|act| %-9.4g retries %-3llu tiles %-3llu cpu %7.1f ms  cuda %7.2f ms (%.1f Mpix/s)\n",
           name, psnr, st.max_abs, (unsigned long long)st.retries, (unsigned long long)(st.tiles / (st.frames ? st.frames : 1)),
           t_cpu * 1e3, t_gpu * 1e3, mpix / t_gpu);
    if (cuda_conv == RESR_CUDA_CONV_CUTLASS)
        printf("  %s: %llu conv launches on CUTLASS, %llu on mma.sync\n", name,
               (unsigned long long)st.sm90_launches, (unsigned long long)st.sm90_fallbacks);
    if (st.wide_launches)   /* RESR_CUDA_TILES=wide (check.sh's engine-wide-vs-cpu) */
        printf("  %s: %llu conv launches on the wide kernels\n", name, (unsigned long long)st.wide_launches);
    if (!(psnr >= need))   /* NaN fails too */
        resr_test_fail(name, "%.2f dB < %.0f dB", psnr, need);
    else if (cuda_conv == RESR_CUDA_CONV_CUTLASS && !st.sm90_launches)
        resr_test_fail(name, "cuda_conv=cutlass: no conv ran on CUTLASS");
    else if (!finite)
        resr_test_fail(name, "non-finite activation (max |activation| %g)", st.max_abs);
    else if (c->overflow && c->precision == RESR_PRECISION_FP16 && !st.retries)
        resr_test_fail(name, "activations up to %g were not rescaled", st.max_abs);
    else if (c->frames > 1 && (steady.allocs || steady.copies_to_device || steady.copies_to_host ||
                               steady.run_syncs))
        resr_test_fail(name, "steady state: %ld allocations, %ld copies to device (%zu B), %ld to host (%zu B), "
               "%ld synchronisations inside run()", steady.allocs, steady.copies_to_device, steady.bytes_to_device,
               steady.copies_to_host, steady.bytes_to_host, steady.run_syncs);
    else {
        if (c->frames > 1)
            printf("  steady state over %d frames: %ld launches, %ld allocations, %ld host copies, "
                   "%ld synchronisations inside run()\n", c->frames - 1, steady.launches,
                   steady.allocs, steady.copies_to_host + steady.copies_to_device, steady.run_syncs);
        printf("  %s: %.2f dB\n", name, psnr);
        resr_test_pass(name);
    }
end:
    resr_engine_free(&cpu);
    resr_engine_free(&gpu);
    av_frame_free(&sw_in), av_frame_free(&cpu_out), av_frame_free(&gpu_out);
    av_frame_free(&hw_in), av_frame_free(&hw_out);
    free(rgb);
}

/* ---- outscale ---------------------------------------------------------------------------- */

static void run_resample_case(AVBufferRef *device, ResrModel *m, enum AVPixelFormat fmt,
                              int sw, int sh, int dw, int dh)
{
    const ResrEngineConfig cfg = { .precision = RESR_PRECISION_FP16, .log = engine_log };
    ResrResamplePlan plan = { 0 };
    ResrPixelFormat f;
    ResrEngine *gpu = NULL;
    AVFrame *src = NULL, *hw_src = NULL, *hw_dst = NULL, *cpu_dst = NULL, *gpu_dst = NULL;
    uint32_t st = 99;
    float *rows = NULL;
    char name[128];
    int ret;

    snprintf(name, sizeof(name), "resample_%s_%dx%d_to_%dx%d", av_get_pix_fmt_name(fmt), sw, sh, dw, dh);
    describe(&f, fmt);
    if (!(src = software_frame(fmt, sw, sh)) || !(cpu_dst = software_frame(fmt, dw, dh)) ||
        !(hw_src = cuda_frame(device, fmt, sw, sh)) || !(hw_dst = cuda_frame(device, fmt, dw, dh)) ||
        !(gpu_dst = av_frame_alloc())) {
        resr_test_fail(name, "cannot allocate frames");
        goto end;
    }
    for (int p = 0; p < 4 && src->data[p]; p++) {
        const int rows = p == 0 || f.is_rgb ? sh : -((-sh) >> f.log2_chroma_h);
        for (ptrdiff_t i = 0; i < (ptrdiff_t)src->linesize[p] * rows; i++)
            src->data[p][i] = (uint8_t)(resr_synthetic_uniform(&st, 0.0f, 1.0f) * 255.0f);
    }
    if (transfer(hw_src, src, device) < 0) {
        resr_test_fail(name, "upload failed");
        goto end;
    }
    if ((ret = resr_cuda_engine_create(&gpu, m, &cfg, device)) < 0 ||
        (ret = resr_resample_plan(&plan, &f, sw, sh, dw, dh)) < 0 ||
        !(rows = malloc(plan.rows_count * sizeof(*rows)))) {
        resr_test_fail(name, "setup failed: %d", ret);
        goto end;
    }
    ResrPlanes s_in = planes_of(hw_src), s_out = planes_of(hw_dst), c_in = planes_of(src), c_out = planes_of(cpu_dst);
    const double t0 = now();
    if ((ret = resr_cuda_engine_resample_only(gpu, &plan, &s_in, &s_out)) < 0) {
        resr_test_fail(name, "resample failed: %d", ret);
        goto end;
    }
    const double t_gpu = now() - t0;
    gpu_dst->format = fmt;
    if (transfer(gpu_dst, hw_dst, device) < 0) {
        resr_test_fail(name, "download failed");
        goto end;
    }
    resr_resample_run(&plan, rows, &c_in, &c_out);

    long diff = 0;
    char first[96] = "";
    for (int c = 0; c < (f.has_alpha ? 4 : 3); c++) {
        const int chroma = !f.is_rgb && (c == 1 || c == 2);
        const int cw = chroma ? -((-dw) >> f.log2_chroma_w) : dw, ch = chroma ? -((-dh) >> f.log2_chroma_h) : dh;
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++)
                if (read_code(&f, cpu_dst, c, x, y) != read_code(&f, gpu_dst, c, x, y) && !diff++)
                    snprintf(first, sizeof(first), "component %d (%d, %d): cpu %u, cuda %u", c, x, y,
                             read_code(&f, cpu_dst, c, x, y), read_code(&f, gpu_dst, c, x, y));
    }
    printf("ROW %-58s %7s     %ld samples differ, cuda %.2f ms\n", name, diff ? "differs" : "exact", diff, t_gpu * 1e3);
    if (diff)
        resr_test_fail(name, "%ld samples differ from cpu/resample.c, first %s", diff, first);
    else
        resr_test_pass(name);
end:
    free(rows);
    resr_resample_free(&plan);
    resr_engine_free(&gpu);
    av_frame_free(&src), av_frame_free(&cpu_dst), av_frame_free(&gpu_dst);
    av_frame_free(&hw_src), av_frame_free(&hw_dst);
}

/* ---- models ------------------------------------------------------------------------------ */

static ResrModel *synthetic(ResrArch arch, int scale, int nf, int gc, int nb, int nc)
{
    ResrSyntheticShape shape;
    ResrModel *m = NULL;
    memset(&shape, 0, sizeof(shape));
    shape.arch = arch;
    shape.scale = scale;
    shape.num_feat = nf;
    shape.num_grow_ch = gc;
    shape.num_block = nb;
    shape.num_conv = nc;
    if (resr_synthetic_model_create(&m, &shape, 2024) < 0)
        return NULL;
    return m;
}

int main(int argc, char **argv)
{
    const char *models_dir = "build/gpu-check";
    int small = 0, ptx75 = 0;
    AVBufferRef *device = NULL;
    char path[1024], err[512];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--small"))
            small = 1;
        else if (!strcmp(argv[i], "--ptx75"))
            ptx75 = 1;
        else if (!strcmp(argv[i], "--models") && i + 1 < argc)
            models_dir = argv[++i];
        else if (!strcmp(argv[i], "--cuda-conv") && i + 1 < argc && !strcmp(argv[i + 1], "cutlass"))
            cuda_conv = RESR_CUDA_CONV_CUTLASS, i++;
    }
    if (av_hwdevice_ctx_create(&device, AV_HWDEVICE_TYPE_CUDA, NULL, NULL, 0) < 0) {
        resr_test_skip("cuda_device", "no CUDA device could be opened");
        return resr_test_exit();
    }
    AVCUDADeviceContext *hwctx = ((AVHWDeviceContext *)device->data)->hwctx;
    trace_install(hwctx->internal->cuda_dl);

    /* models: animevideov3 if present (official weights), random ones of official shapes */
    ResrModel *anime = NULL;
    int anime_loaded = 1;
    snprintf(path, sizeof(path), "%s/realesr-animevideov3.pth", models_dir);
    if (resr_model_load(&anime, path, err, sizeof(err)) < 0) {
        printf("  %s: %s; using a random SRVGG x4 instead\n", path, err);
        anime = synthetic(RESR_ARCH_SRVGG, 4, 64, 0, 0, 16);
        anime_loaded = 0;
    }
    const char *anime_name = anime_loaded ? "animevideov3" : "srvgg_x4";
    ResrModel *x4 = synthetic(RESR_ARCH_RRDBNET, 4, 64, 32, small ? 1 : 23, 0);
    ResrModel *x2 = synthetic(RESR_ARCH_RRDBNET, 2, 64, 32, small ? 1 : 23, 0);
    ResrModel *x1 = synthetic(RESR_ARCH_RRDBNET, 1, 64, 32, small ? 1 : 6, 0);
    ResrModel *srvgg2 = synthetic(RESR_ARCH_SRVGG, 2, 64, 0, 0, 4);
    if (!anime || !x4 || !x2 || !x1 || !srvgg2) {
        resr_test_fail("models", "cannot create models");
        return 1;
    }

    const enum AVPixelFormat formats[] = {
        AV_PIX_FMT_NV12, AV_PIX_FMT_YUV420P, AV_PIX_FMT_P010, AV_PIX_FMT_P016, AV_PIX_FMT_YUV444P,
        AV_PIX_FMT_YUV444P16, AV_PIX_FMT_0RGB32, AV_PIX_FMT_0BGR32, AV_PIX_FMT_RGB32, AV_PIX_FMT_BGR32,
    };
    const ResrPrecision F16 = RESR_PRECISION_FP16, BF16 = RESR_PRECISION_BF16, F32 = RESR_PRECISION_FP32;

    if (cuda_conv == RESR_CUDA_CONV_CUTLASS) {
        /* CUTLASS sm_90a (fp16, bf16): SRVGG's body convs, RRDB's growth convs, the 5th dense
         * conv's residual kernel and conv_hr; tiles of several sizes (a descriptor set per
         * size), the overflow retry (the scale read by the epilogue from the control block),
         * the steady state (descriptors made once per plan) */
        const Case tiny[] = {
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 19, 13, F16, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_RGB32, AV_PIX_FMT_RGB32, 9, 7, F16, 0, 0, 0, 1 },
            { "rrdb_x1", x1, AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P, 12, 8, F16, 8, 4, 0, 1 },
            { "rrdb_x2", x2, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 10, 8, BF16, 0, 0, 0, 1 },
        };
        const Case full[] = {
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 97, 61, F16, 0, 0, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_P010, 211, 117, F16, 64, 10, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_P016, AV_PIX_FMT_P016, 97, 61, F16, 0, 0, 1, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 67, 45, F16, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 67, 45, F16, 32, 10, 0, 1 },
            { "rrdb_x2", x2, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 61, 37, F16, 0, 0, 0, 1 },
            { "rrdb_x1", x1, AV_PIX_FMT_P010, AV_PIX_FMT_P010, 45, 33, F16, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 31, 23, F16, 0, 0, 1, 1 },
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 1280, 720, F16, 0, 0, 0, 6 },
            { "rrdb_x4", x4, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 256, 144, F16, 0, 0, 0, 3 },
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_P010, 97, 61, BF16, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 67, 45, BF16, 32, 10, 0, 1 },
        };
        const Case *cases = small ? tiny : full;
        const size_t n = small ? sizeof(tiny) / sizeof(tiny[0]) : sizeof(full) / sizeof(full[0]);
        for (size_t i = 0; i < n; i++)
            run_case(&cases[i], device);
    } else if (ptx75) {
        /* the sm_75 code paths on this GPU: every fp16 and f32 kernel, tiles, the overflow
         * retry, conversions, the resample kernel */
        const Case cases[] = {
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 97, 61, F16, 0, 0, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_RGB32, AV_PIX_FMT_RGB32, 97, 61, F32, 0, 0, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_P010, 211, 117, F16, 64, 10, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_P016, AV_PIX_FMT_P016, 97, 61, F16, 0, 0, 1, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 67, 45, F16, 0, 0, 0, 1 },
            { "rrdb_x2", x2, AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P, 61, 37, F32, 0, 0, 0, 1 },
            { "rrdb_x1", x1, AV_PIX_FMT_P010, AV_PIX_FMT_P010, 45, 33, F16, 32, 10, 0, 1 },
            { "srvgg_x2", srvgg2, AV_PIX_FMT_BGR32, AV_PIX_FMT_BGR32, 53, 29, F16, 0, 0, 0, 1 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            run_case(&cases[i], device);
        run_resample_case(device, anime, AV_PIX_FMT_NV12, 388, 244, 340, 214);
    } else if (small) {
        /* every kernel once, tiny: mma bn64/48 (SRVGG), bn32/bn16 (RRDB), f32, conversions, alpha */
        const Case cases[] = {
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 19, 13, F16, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_RGB32, AV_PIX_FMT_RGB32, 9, 7, BF16, 0, 0, 0, 1 },
            { "rrdb_x2", x2, AV_PIX_FMT_P010, AV_PIX_FMT_P010, 11, 9, F32, 0, 0, 0, 1 },
            { "rrdb_x1", x1, AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P, 12, 8, F16, 8, 4, 0, 1 },
            { "rrdb_x2", x2, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 10, 8, BF16, 0, 0, 0, 1 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            run_case(&cases[i], device);
        run_resample_case(device, anime, AV_PIX_FMT_NV12, 76, 52, 38, 26);
    } else {
        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
            const Case c = { anime_name, anime, formats[i], formats[i], 97, 61, F16, 0, 0, 0, 1 };
            run_case(&c, device);
        }
        const Case cases[] = {
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 97, 61, F32, 0, 0, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_P016, AV_PIX_FMT_P016, 97, 61, BF16, 0, 0, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 97, 61, F32, 0, 0, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_P010, 97, 61, F16, 0, 0, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 211, 117, F16, 64, 10, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 67, 45, F32, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 67, 45, F16, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 67, 45, BF16, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 67, 45, F16, 32, 10, 0, 1 },
            { "rrdb_x2", x2, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 61, 37, F16, 0, 0, 0, 1 },
            { "rrdb_x2", x2, AV_PIX_FMT_P016, AV_PIX_FMT_P016, 61, 37, F32, 0, 0, 0, 1 },
            { "rrdb_x1", x1, AV_PIX_FMT_P010, AV_PIX_FMT_P010, 45, 33, F16, 0, 0, 0, 1 },
            { "rrdb_x1", x1, AV_PIX_FMT_BGR32, AV_PIX_FMT_BGR32, 45, 33, BF16, 0, 0, 0, 1 },
            { "srvgg_x2", srvgg2, AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P, 53, 29, F16, 0, 0, 0, 1 },
            { anime_name, anime, AV_PIX_FMT_P016, AV_PIX_FMT_P016, 97, 61, F16, 0, 0, 1, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 31, 23, F16, 0, 0, 1, 1 },
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 1280, 720, F16, 0, 0, 0, 6 },
            { "rrdb_x4", x4, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 256, 144, F16, 0, 0, 0, 3 },
            { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_P010, 97, 61, BF16, 0, 0, 0, 1 },
            { "rrdb_x4", x4, AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV444P16, 67, 45, BF16, 32, 10, 0, 1 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            run_case(&cases[i], device);
        /* precision=fp8 (sm_89+; SKIP below), on the official weights only: the bound is theirs */
        const Case fp8 = { anime_name, anime, AV_PIX_FMT_NV12, AV_PIX_FMT_NV12, 97, 61, RESR_PRECISION_FP8, 0, 0, 0, 1 };
        if (anime_loaded)
            run_case(&fp8, device);
        /* outscale: x4 output to 2x and 3.5x, an x2 output to 4.7x, a 1080p x4 output to 2x */
        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
            run_resample_case(device, anime, formats[i], 388, 244, 194, 122);
            run_resample_case(device, anime, formats[i], 388, 244, 340, 214);
            run_resample_case(device, anime, formats[i], 122, 74, 286, 174);
        }
        run_resample_case(device, anime, AV_PIX_FMT_P010, 7680, 4320, 3840, 2160);
    }

    if (anime_loaded)
        resr_model_free(&anime);
    else
        resr_synthetic_model_free(&anime);
    resr_synthetic_model_free(&x4);
    resr_synthetic_model_free(&x2);
    resr_synthetic_model_free(&x1);
    resr_synthetic_model_free(&srvgg2);
    av_buffer_unref(&device);
    return resr_test_exit();
}
