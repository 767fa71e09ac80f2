/*
 * CPU twin of the whole CUDA engine: the engine's own frame driver (resr_cuda_run_frame),
 * tile plan, arena plan and launch lists, executed by the kernel emulator (emulate.h), on
 * synthetic models of every architecture, compared with the reference forward
 * (resr_reference_forward). fp32 must match to float rounding; f16 and bf16 must stay
 * above 40 dB. Also: tiles with enough overlap reproduce the untiled frame; and a model
 * rescaled so that its activations overflow fp16 (chosen from the emulated fp32 run's
 * activation statistics, output unchanged in exact arithmetic) must be detected and rerun
 * at a smaller activation scale, with no non-finite output and the same 40 dB. The _wide
 * cases run with the conv kernels cuda_tiles.c picks for an sm_80/86/89 GPU (the wide
 * kernel on the 64-channel convs) and must make wide launches.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wunused-function"
#include "../../cpu/convert.h"
#include "../../cpu/cpu_engine.h"
#include "../common/synthetic_model.h"
#include "../engine/engine_test.h"
#include "../reference/reference_forward.h"
#include "../../cuda/cuda_tiles.h"
#include "emulate.h"

typedef struct NetCase {
    const char *name;
    ResrSyntheticShape shape;
    int math;
    int w, h;
    int tile, tile_pad;      /* tile 0: one tile */
    int overflow;            /* rescale the model so fp16 overflows */
    int sm;                  /* 0: legacy conv kernels; else cuda_tiles.c's choice for this GPU */
} NetCase;

/* The compute capability whose conv kernel choice (cuda_tiles.h) the engine runs with: 0
 * keeps every conv on the legacy kernels. Wide launches are counted. */
static int tiles_sm;
static long wide_launches;

static const char *math_name(int math)
{
    return math == RESR_PRECISION_FP16 ? "f16" : math == RESR_PRECISION_BF16 ? "bf16" : "f32";
}

/* Scales the model so every activation is k times larger, the output unchanged:
 * first conv (weights and bias) and every later bias times k, last conv's weights / k. */
static void rescale_model(ResrModel *m, float k)
{
    for (int i = 0; i < m->num_convs; i++) {
        ResrConv3x3 *c = &m->convs[i];
        float *w = (float *)c->weight, *b = (float *)c->bias;
        const size_t nw = (size_t)c->out_channels * c->in_channels * 9;
        if (i == 0)
            for (size_t j = 0; j < nw; j++)
                w[j] *= k;
        if (i == m->num_convs - 1)
            for (size_t j = 0; j < nw; j++)
                w[j] /= k;
        else
            for (int j = 0; j < c->out_channels; j++)
                b[j] *= k;
    }
}

/* The backend the engine uses, counting what would cost a host synchronisation. */
static long control_reads;

static int counting_launch(void *opaque, const ResrCudaLaunch *l)
{
    wide_launches += resr_cuda_kernel_is_wide(l->kernel);
    return emu_launch(opaque, l);
}

static int counting_control_read(void *opaque, uint64_t control, ResrCudaControl *out)
{
    control_reads++;
    return emu_control_read(opaque, control, out);
}

static const ResrCudaBackend counting_backend = { NULL, counting_launch, counting_control_read };

/* Runs the emulated engine on a gbrpf32 frame; out is [3][h*s][w*s]. control: the
 * engine's overflow control carried from frame to frame, or NULL for a fresh one.
 * read_status 0: as the filter runs it (stats zeroed). */
static int run_engine_with(const ResrModel *m, int math, const float *in, int w, int h, int tile,
                           int tile_pad, float *out, ResrCudaControl *control, int read_status,
                           ResrCudaRunStats *stats)
{
    const int s = m->scale;
    ResrCudaWeights wts;
    ResrCudaArena arena;
    ResrTilePlan plan;
    ResrCudaFrames frames;
    ResrCudaControl fresh;
    int ret;

    if (!control) {
        resr_cuda_control_init(&fresh);
        control = &fresh;
    }
    if ((ret = resr_cuda_weights_pack(&wts, m, math)) < 0)
        return ret;
    resr_cuda_tiles_apply(&wts, tiles_sm, tiles_sm ? RESR_CUDA_TILES_WIDE : RESR_CUDA_TILES_LEGACY);
    ret = resr_tile_plan_make(&plan, w, h, s, resr_model_unshuffle(m),
                              tile, tile_pad, 0);
    if (ret < 0) {
        resr_cuda_weights_free(&wts);
        return ret;
    }
    resr_cuda_arena_plan(&arena, m, math, plan.max_input_w, plan.max_input_h);
    uint8_t *arena_mem = aligned_alloc(256, arena.size);
    ResrCudaLaunch *launches = calloc(resr_cuda_max_launches(m), sizeof(*launches));

    memset(&frames, 0, sizeof(frames));
    frames.in_fmt = frames.out_fmt = planar_gbr(RESR_SAMPLE_F32, 32, 0);
    frames.in_w = w, frames.in_h = h;
    /* gbrp: planes G, B, R */
    for (int c = 0; c < 3; c++) {
        const int plane = c == 0 ? 2 : c - 1;
        frames.in.data[plane] = (uint8_t *)(in + (size_t)c * w * h);
        frames.in.linesize[plane] = (ptrdiff_t)w * 4;
        frames.out.data[plane] = (uint8_t *)(out + (size_t)c * w * s * h * s);
        frames.out.linesize[plane] = (ptrdiff_t)w * s * 4;
    }
    ret = !arena_mem || !launches ? -ENOMEM :
          resr_cuda_run_frame(&counting_backend, launches, m, &wts, (uint64_t)(uintptr_t)wts.blob,
                              &arena, (uint64_t)(uintptr_t)arena_mem, (uint64_t)(uintptr_t)control,
                              &frames, &plan, read_status, stats);
    free(arena_mem), free(launches);
    resr_tile_plan_free(&plan);
    resr_cuda_weights_free(&wts);
    return ret;
}

static int run_engine(const ResrModel *m, int math, const float *in, int w, int h, int tile,
                      int tile_pad, float *out, ResrCudaRunStats *stats)
{
    return run_engine_with(m, math, in, w, h, tile, tile_pad, out, NULL, 1, stats);
}

static void run_case(const NetCase *nc)
{
    char name[128];
    ResrModel *m = NULL;
    ResrCudaRunStats stats;

    snprintf(name, sizeof(name), "network_%s_%s%s", nc->name, math_name(nc->math), nc->sm ? "_wide" : "");
    if (resr_synthetic_model_create(&m, &nc->shape, 1234) < 0) {
        resr_test_fail(name, "synthetic model");
        return;
    }
    const int s = m->scale, n_in = 3 * nc->w * nc->h, n_out = n_in * s * s;
    float *in = malloc(sizeof(float) * n_in), *ref = malloc(sizeof(float) * n_out);
    float *out = malloc(sizeof(float) * n_out);
    uint32_t st = 99;
    for (int i = 0; i < n_in; i++)
        in[i] = resr_synthetic_uniform(&st, 0.0f, 1.0f);

    float k = 1.0f;
    if (nc->overflow) {
        /* activation statistics of an exact run decide the factor: max * k = 4 x fp16 max */
        ResrCudaRunStats probe;
        if (run_engine(m, RESR_PRECISION_FP32, in, nc->w, nc->h, 0, 0, out, &probe) < 0) {
            resr_test_fail(name, "probe run");
            goto end;
        }
        k = exp2f(ceilf(log2f(4.0f * RESR_CUDA_F16_LIMIT / probe.max_abs)));
        rescale_model(m, k);
    }
    if (resr_reference_forward(m, in, nc->w, nc->h, ref) < 0) {
        resr_test_fail(name, "reference forward");
        goto end;
    }
    for (int i = 0; i < n_out; i++)
        out[i] = NAN;
    const long wide_before = wide_launches;
    tiles_sm = nc->sm;
    const int ret = run_engine(m, nc->math, in, nc->w, nc->h, nc->tile, nc->tile_pad, out, &stats);
    tiles_sm = 0;
    if (ret < 0) {
        resr_test_fail(name, "engine run failed: %d", ret);
        goto end;
    }

    double se = 0.0, max_err = 0.0;
    float lo = INFINITY, hi = -INFINITY;
    int nonfinite = 0, first_bad = -1;
    for (int i = 0; i < n_out; i++) {
        if (!isfinite(out[i])) {
            nonfinite++;
            continue;
        }
        const double e = fabs((double)out[i] - ref[i]);
        se += e * e;
        if (e > max_err) {
            max_err = e;
            if (e > 1e-3 + 1e-3 * fabs(ref[i]))
                first_bad = first_bad < 0 ? i : first_bad;
        }
        lo = fminf(lo, ref[i]);
        hi = fmaxf(hi, ref[i]);
    }
    const double range = hi - lo, rmse = sqrt(se / n_out);
    const double psnr = rmse > 0 ? 20.0 * log10(range / rmse) : INFINITY;
    printf("  %s: %dx%d x%d, tiles %d, %.2f dB over range %.3g, max err %.3g, max |act| %.4g, retries %d, scale %g\n",
           name, nc->w, nc->h, s, stats.tiles, psnr, range, max_err, stats.max_abs, stats.retries,
           stats.act_scale);
    if (nonfinite)
        resr_test_fail(name, "%d non-finite output values", nonfinite);
    else if (nc->math == RESR_PRECISION_FP32 && first_bad >= 0)
        resr_test_fail(name, "element %d: %.7g, reference %.7g", first_bad, out[first_bad], ref[first_bad]);
    else if (nc->math != RESR_PRECISION_FP32 && !(psnr >= 40.0))   /* NaN fails too */
        resr_test_fail(name, "%.2f dB < 40 dB", psnr);
    else if (nc->overflow && nc->math == RESR_PRECISION_FP16 && !stats.retries)
        resr_test_fail(name, "fp16 overflow (max |act| %.4g) was not rescaled", stats.max_abs);
    else if (!!nc->sm != (wide_launches > wide_before))
        resr_test_fail(name, "%ld wide conv launches, expected %s", wide_launches - wide_before,
                       nc->sm ? "some" : "none");
    else
        resr_test_pass(name);
end:
    free(in), free(ref), free(out);
    resr_synthetic_model_free(&m);
}

/* ---- a video as the filter runs it: no host reads, overflow, recovery ------------------ */

/* PSNR of out against ref over ref's range; -1 if any output is not finite. */
static double output_psnr(const float *out, const float *ref, int n)
{
    double se = 0.0;
    float lo = INFINITY, hi = -INFINITY;

    for (int i = 0; i < n; i++) {
        if (!isfinite(out[i]))
            return -1.0;
        se += ((double)out[i] - ref[i]) * ((double)out[i] - ref[i]);
        lo = fminf(lo, ref[i]);
        hi = fmaxf(hi, ref[i]);
    }
    return se > 0 ? 20.0 * log10((hi - lo) / sqrt(se / n)) : INFINITY;
}

/*
 * fp16 frames through resr_cuda_run_frame exactly as the engine queues them (read_status
 * 0), several tiles per frame, one control block carried along: first a model whose
 * activations reach 4x fp16's range (the device must lower the scale and recompute the
 * overflowing tiles by itself, and later frames keep the scale), then the same model
 * unscaled (the scale must climb back to 1, one doubling per frame). Every frame's
 * output must be finite and within 40 dB of the reference, and the driver must never
 * have read the control block (a read is what costs the host a synchronisation).
 */
static void run_video_case(void)
{
    const char *name = "network_video_overflow_recovery_f16";
    const ResrSyntheticShape shape = { .arch = RESR_ARCH_SRVGG, .scale = 2, .num_feat = 16, .num_conv = 3 };
    const int w = 24, h = 18, tile = 12, pad = 4, big_frames = 3, max_small_frames = 24;
    ResrModel *m = NULL;
    ResrCudaRunStats stats, probe;
    ResrCudaControl control;
    char why[256] = "";

    if (resr_synthetic_model_create(&m, &shape, 4321) < 0) {
        resr_test_fail(name, "synthetic model");
        return;
    }
    const int n_in = 3 * w * h, n_out = n_in * m->scale * m->scale;
    float *in = malloc(sizeof(float) * n_in), *ref = malloc(sizeof(float) * n_out);
    float *out = malloc(sizeof(float) * n_out);
    uint32_t st = 7;
    for (int i = 0; i < n_in; i++)
        in[i] = resr_synthetic_uniform(&st, 0.0f, 1.0f);
    if (run_engine(m, RESR_PRECISION_FP32, in, w, h, 0, 0, out, &probe) < 0 ||
        resr_reference_forward(m, in, w, h, ref) < 0) {
        resr_test_fail(name, "probe run or reference");
        goto end;
    }
    const float k = exp2f(ceilf(log2f(4.0f * RESR_CUDA_F16_LIMIT / probe.max_abs)));

    resr_cuda_control_init(&control);
    control_reads = 0;
    rescale_model(m, k);
    uint32_t retries_after_first = 0;
    for (int f = 0; f < big_frames && !why[0]; f++) {
        const int ret = run_engine_with(m, RESR_PRECISION_FP16, in, w, h, tile, pad, out, &control, 0, &stats);
        const double db = ret < 0 ? 0.0 : output_psnr(out, ref, n_out);
        if (ret < 0 || db < 40.0)
            snprintf(why, sizeof(why), "overflowing frame %d: run %d, %.2f dB (-1: non-finite)", f, ret, db);
        if (!f)
            retries_after_first = control.total.retries;
    }
    rescale_model(m, 1.0f / k);   /* powers of two: exactly the model again */
    printf("  %s: activations x%g: %u pass(es) rerun in frame 1, %u after %d frames, scale %g, "
           "%u saturated\n", name, k, retries_after_first, control.total.retries, big_frames,
           control.act_scale, control.total.saturated);
    if (!why[0] && (!retries_after_first || control.total.retries != retries_after_first ||
                    !(control.act_scale < 1.0f) || control.total.saturated))
        snprintf(why, sizeof(why), "overflow: %u retries in frame 1, %u after %d frames (want the same), "
                 "scale %g, %u saturated", retries_after_first, control.total.retries, big_frames,
                 control.act_scale, control.total.saturated);

    int recovered_at = -1, small_frames = 0;
    const uint32_t retries_before = control.total.retries;
    const long skipped_before = emu_counters.skipped;
    for (int f = 0; f < max_small_frames && !why[0] && recovered_at < 0; f++) {
        const int ret = run_engine_with(m, RESR_PRECISION_FP16, in, w, h, tile, pad, out, &control, 0, &stats);
        const double db = ret < 0 ? 0.0 : output_psnr(out, ref, n_out);
        small_frames++;
        if (ret < 0 || db < 40.0)
            snprintf(why, sizeof(why), "recovery frame %d (scale %g): run %d, %.2f dB", f, control.act_scale, ret, db);
        else if (control.act_scale == 1.0f)
            recovered_at = f + 1;
    }
    printf("  %s: scale back to 1 after %d frame(s) of ordinary activations; control block reads %ld\n",
           name, recovered_at, control_reads);
    if (!why[0] && recovered_at < 0)
        snprintf(why, sizeof(why), "scale still %g after %d ordinary frames", control.act_scale, max_small_frames);
    else if (!why[0] && control.total.retries != retries_before)
        snprintf(why, sizeof(why), "recovery frames reran %u pass(es)", control.total.retries - retries_before);
    else if (!why[0] && control_reads)
        snprintf(why, sizeof(why), "the frame driver read the control block %ld time(s)", control_reads);
    /* frames without overflow: both retry passes of every tile returned at once, every launch */
    ResrTilePlan tiles;
    if (!why[0] && resr_tile_plan_make(&tiles, w, h, m->scale, resr_model_unshuffle(m), tile, pad, 0) >= 0) {
        const long want = (long)small_frames * tiles.count * RESR_CUDA_RETRY_PASSES * resr_cuda_max_launches(m);
        if (emu_counters.skipped - skipped_before != want)
            snprintf(why, sizeof(why), "%ld launches of retry passes returned at once over %d frames, want %ld",
                     emu_counters.skipped - skipped_before, small_frames, want);
        resr_tile_plan_free(&tiles);
    }
    if (why[0])
        resr_test_fail(name, "%s", why);
    else
        resr_test_pass(name);
end:
    free(in), free(ref), free(out);
    resr_synthetic_model_free(&m);
}

/*
 * Past what the control can rescue: activations 2^40 times larger, so that even the
 * smallest scale (2^-20) overflows and the last pass is accepted saturated. The tile is
 * counted as saturated and every output value, even written as unclamped floats
 * (gbrpf32), is finite: a NaN never reaches a pixel.
 */
static void run_saturation_case(void)
{
    const char *name = "network_saturated_stays_finite_f16";
    const ResrSyntheticShape shape = { .arch = RESR_ARCH_SRVGG, .scale = 2, .num_feat = 16, .num_conv = 3 };
    const int w = 12, h = 10;
    ResrModel *m = NULL;
    ResrCudaRunStats stats;

    if (resr_synthetic_model_create(&m, &shape, 99) < 0) {
        resr_test_fail(name, "synthetic model");
        return;
    }
    const int n_in = 3 * w * h, n_out = n_in * m->scale * m->scale;
    float *in = malloc(sizeof(float) * n_in), *out = malloc(sizeof(float) * n_out);
    uint32_t st = 3;
    for (int i = 0; i < n_in; i++)
        in[i] = resr_synthetic_uniform(&st, 0.0f, 1.0f);
    for (int i = 0; i < n_out; i++)
        out[i] = NAN;
    rescale_model(m, 0x1p40f);
    const int ret = run_engine(m, RESR_PRECISION_FP16, in, w, h, 0, 0, out, &stats);
    int nonfinite = 0;
    for (int i = 0; i < n_out; i++)
        nonfinite += !isfinite(out[i]);
    printf("  %s: %d pass(es) rerun, %d tile(s) saturated, scale %g, %d non-finite output values\n",
           name, stats.retries, stats.saturated, stats.act_scale, nonfinite);
    if (ret < 0)
        resr_test_fail(name, "engine run failed: %d", ret);
    else if (nonfinite)
        resr_test_fail(name, "%d non-finite output values", nonfinite);
    else if (stats.saturated != 1 || stats.retries < 1 || stats.retries > RESR_CUDA_RETRY_PASSES ||
             stats.act_scale != RESR_CUDA_MIN_SCALE)
        resr_test_fail(name, "want 1 saturated tile after 1 to %d retries, at the smallest scale: %d, %d, scale %g",
                       RESR_CUDA_RETRY_PASSES, stats.saturated, stats.retries, stats.act_scale);
    else
        resr_test_pass(name);
    free(in), free(out);
    resr_synthetic_model_free(&m);
}

/* ---- whole frames: the emulated CUDA engine against the CPU engine ---------------------- */

typedef struct FrameCase {
    const char *name;
    ResrSyntheticShape shape;
    TestFormat format;
    int w, h;
    int tile, tile_pad;
} FrameCase;

static unsigned frame_code(const ResrPixelFormat *f, const ResrPlanes *p, int c, int x, int y)
{
    const ResrComponent *k = &f->comp[c];
    const uint8_t *s = p->data[k->plane] + (ptrdiff_t)y * p->linesize[k->plane] + k->offset +
                       (ptrdiff_t)x * k->step;
    uint16_t v;
    if (f->type == RESR_SAMPLE_U8)
        return s[0];
    memcpy(&v, s, 2);
    return v >> k->shift;
}

/*
 * The same frame through the CPU engine (frame -> RGB -> fast CPU network -> frame) and
 * the emulated CUDA engine in fp32 (the conversion kernels, the conv kernels, the plan's
 * tiles): every code within 1 (the networks' float sums differ in order), chroma included
 * across tile seams, alpha exactly.
 */
static void run_frame_case(const FrameCase *fc)
{
    const ResrPixelFormat *fmt = &fc->format.fmt;
    char name[128];
    ResrModel *m = NULL;
    ResrEngine *cpu = NULL;
    TestFrame in, want, got;
    ResrCudaWeights wts;
    ResrCudaArena arena;
    ResrTilePlan plan;
    ResrCudaRunStats stats;
    ResrCudaControl control;

    resr_cuda_control_init(&control);
    snprintf(name, sizeof(name), "frame_%s_%s", fc->name, fc->format.name);
    if (resr_synthetic_model_create(&m, &fc->shape, 77) < 0) {
        resr_test_fail(name, "synthetic model");
        return;
    }
    const int s = m->scale, u = resr_model_unshuffle(m);
    if (test_frame_alloc(&in, fmt, fc->w, fc->h) < 0 || test_frame_alloc(&want, fmt, fc->w * s, fc->h * s) < 0 ||
        test_frame_alloc(&got, fmt, fc->w * s, fc->h * s) < 0) {
        resr_test_fail(name, "frames");
        return;
    }
    /* a smooth picture with edges, alpha a ramp */
    float *rgb = malloc(sizeof(float) * 3 * fc->w * fc->h);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < fc->h; y++)
            for (int x = 0; x < fc->w; x++)
                rgb[((size_t)c * fc->h + y) * fc->w + x] =
                    0.5f + 0.4f * sinf(0.3f * x + 0.2f * y + c) * (((x / 5 + y / 3) & 1) ? 1.0f : 0.6f);
    ResrRgbTile t = test_tile(rgb, fc->w, fc->h);
    resr_rgb_to_frame(fmt, &t, 0, 0, fc->w, fc->h, &in.planes, 0, 0);
    if (fmt->has_alpha)
        for (int y = 0; y < fc->h; y++)
            for (int x = 0; x < fc->w; x++)
                in.planes.data[fmt->comp[3].plane][(ptrdiff_t)y * in.planes.linesize[fmt->comp[3].plane] +
                                                   fmt->comp[3].offset + x * fmt->comp[3].step] = (uint8_t)(x * 255 / fc->w);

    ResrFrameGeometry g = resr_frame_geometry(fc->w, fc->h, fmt, fc->w * s, fc->h * s, fmt, RESR_MEMORY_HOST);
    const ResrEngineConfig cfg = { .threads = 1, .tile = fc->tile, .tile_pad = fc->tile_pad,
                                   .precision = RESR_PRECISION_FP32 };
    int ret = resr_cpu_engine_create(&cpu, m, &cfg);
    if (ret >= 0 && (ret = cpu->ops->plan(cpu, &g)) >= 0)
        ret = cpu->ops->run(cpu, &in.planes, &want.planes);
    if (ret < 0) {
        resr_test_fail(name, "CPU engine: %d", ret);
        goto end;
    }

    if ((ret = resr_cuda_weights_pack(&wts, m, RESR_PRECISION_FP32)) < 0 ||
        (ret = resr_tile_plan_make(&plan, fc->w, fc->h, s, u, fc->tile, fc->tile_pad, 0)) < 0) {
        resr_test_fail(name, "plan: %d", ret);
        goto end;
    }
    resr_cuda_arena_plan(&arena, m, RESR_PRECISION_FP32, plan.max_input_w, plan.max_input_h);
    uint8_t *arena_mem = aligned_alloc(256, arena.size);
    ResrCudaLaunch *launches = calloc(resr_cuda_max_launches(m), sizeof(*launches));
    ResrCudaFrames frames = { .in_fmt = *fmt, .out_fmt = *fmt, .in = in.planes, .out = got.planes,
                              .in_w = fc->w, .in_h = fc->h };
    ret = resr_cuda_run_frame(&emu_backend, launches, m, &wts, (uint64_t)(uintptr_t)wts.blob, &arena,
                              (uint64_t)(uintptr_t)arena_mem, (uint64_t)(uintptr_t)&control, &frames, &plan, 1, &stats);
    free(arena_mem), free(launches);
    resr_tile_plan_free(&plan);
    resr_cuda_weights_free(&wts);
    if (ret < 0) {
        resr_test_fail(name, "engine run: %d", ret);
        goto end;
    }

    int worst = 0, where_c = -1, where_x = 0, where_y = 0;
    for (int c = 0; c < (fmt->has_alpha ? 4 : 3); c++) {
        const int chroma = !fmt->is_rgb && (c == 1 || c == 2);
        const int cw = chroma ? -((-fc->w * s) >> fmt->log2_chroma_w) : fc->w * s;
        const int ch = chroma ? -((-fc->h * s) >> fmt->log2_chroma_h) : fc->h * s;
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++) {
                const int d = abs((int)frame_code(fmt, &want.planes, c, x, y) - (int)frame_code(fmt, &got.planes, c, x, y));
                if (d > worst || (c == 3 && d > 0 && where_c != 3))
                    worst = d, where_c = c, where_x = x, where_y = y;
            }
    }
    printf("  %s: %dx%d x%d, %d tile(s), largest code difference %d\n", name, fc->w, fc->h, s, stats.tiles, worst);
    if (worst > 1 || where_c == 3)
        resr_test_fail(name, "component %d at (%d, %d) differs by %d", where_c, where_x, where_y, worst);
    else
        resr_test_pass(name);
end:
    free(rgb);
    resr_engine_free(&cpu);
    test_frame_free(&in), test_frame_free(&want), test_frame_free(&got);
    resr_synthetic_model_free(&m);
}

int main(void)
{
    enum { F16 = RESR_PRECISION_FP16, BF16 = RESR_PRECISION_BF16, F32 = RESR_PRECISION_FP32 };
    const ResrSyntheticShape rrdb4 = { .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 16, .num_grow_ch = 16, .num_block = 1 };
    const ResrSyntheticShape rrdb4_full = { .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 64, .num_grow_ch = 32, .num_block = 1 };
    const ResrSyntheticShape rrdb2 = { .arch = RESR_ARCH_RRDBNET, .scale = 2, .num_feat = 32, .num_grow_ch = 16, .num_block = 2 };
    const ResrSyntheticShape rrdb1 = { .arch = RESR_ARCH_RRDBNET, .scale = 1, .num_feat = 16, .num_grow_ch = 16, .num_block = 1 };
    const ResrSyntheticShape srvgg4 = { .arch = RESR_ARCH_SRVGG, .scale = 4, .num_feat = 64, .num_conv = 4 };
    const ResrSyntheticShape srvgg2 = { .arch = RESR_ARCH_SRVGG, .scale = 2, .num_feat = 16, .num_conv = 3 };
    const ResrSyntheticShape srvgg3 = { .arch = RESR_ARCH_SRVGG, .scale = 3, .num_feat = 32, .num_conv = 2 };
    const NetCase cases[] = {
        { "rrdb_x4",       rrdb4,      F32,  11,  7, 0, 0, 0, 0 },
        { "rrdb_x4",       rrdb4,      F16,  11,  7, 0, 0, 0, 0 },
        { "rrdb_x4",       rrdb4,      BF16, 11,  7, 0, 0, 0, 0 },
        { "rrdb_x4_nf64",  rrdb4_full, F32,   9,  6, 0, 0, 0, 0 },
        { "rrdb_x4_nf64",  rrdb4_full, F16,   9,  6, 0, 0, 0, 0 },
        { "rrdb_x2_odd",   rrdb2,      F32,  13, 11, 0, 0, 0, 0 },
        { "rrdb_x2_odd",   rrdb2,      F16,  13, 11, 0, 0, 0, 0 },
        { "rrdb_x1_odd",   rrdb1,      F32,   9,  7, 0, 0, 0, 0 },
        { "rrdb_x1_odd",   rrdb1,      BF16,  9,  7, 0, 0, 0, 0 },
        { "srvgg_x4",      srvgg4,     F32,  19, 13, 0, 0, 0, 0 },
        { "srvgg_x4",      srvgg4,     F16,  19, 13, 0, 0, 0, 0 },
        { "srvgg_x4",      srvgg4,     BF16, 19, 13, 0, 0, 0, 0 },
        { "srvgg_x2",      srvgg2,     F32,  17,  9, 0, 0, 0, 0 },
        { "srvgg_x3",      srvgg3,     F16,  10, 11, 0, 0, 0, 0 },
        /* tiles with overlap >= the receptive radius: identical to one tile */
        { "srvgg_x4_tiled", srvgg4,    F32,  37, 29, 16, 8, 0, 0 },
        { "rrdb_x4_tiled", rrdb4,      F32,  40, 24, 16, 20, 0, 0 },
        /* activations pushed past fp16's range */
        { "srvgg_x4_overflow", srvgg4, F16,  19, 13, 0, 0, 1, 0 },
        { "rrdb_x4_overflow",  rrdb4,  F16,  11,  7, 0, 0, 1, 0 },
        { "srvgg_x4_overflow", srvgg4, BF16, 19, 13, 0, 0, 1, 0 },
        /* the wide conv kernels (cuda_tiles.c's choice on sm_86 / sm_80): nf 64 convs */
        { "rrdb_x4_nf64",  rrdb4_full, F16,   9,  6, 0, 0, 0, 86 },
        { "rrdb_x4_nf64",  rrdb4_full, BF16, 17, 35, 0, 0, 0, 80 },
        { "srvgg_x4",      srvgg4,     F16,  19, 37, 0, 0, 0, 86 },
        { "srvgg_x4_tiled", srvgg4,    F16,  37, 29, 16, 8, 0, 89 },
        { "srvgg_x4_overflow", srvgg4, F16,  19, 13, 0, 0, 1, 86 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    run_video_case();
    run_saturation_case();

    const FrameCase frame_cases[] = {
        { "srvgg_x4_tiled", srvgg4, { "nv12", semi_planar(8, 0) }, 37, 29, 16, 8 },
        { "srvgg_x4", srvgg4, { "yuv420p", planar_yuv(8, 1, 1, 0, 0) }, 21, 15, 0, 0 },
        { "rrdb_x2_odd", rrdb2, { "p010", semi_planar(10, 0) }, 13, 11, 0, 0 },
        { "rrdb_x4_tiled", rrdb4, { "bgra", packed_rgb(RESR_SAMPLE_U8, 8, 4, 2, 1, 0, 3) }, 26, 18, 8, 20 },
        { "rrdb_x1", rrdb1, { "yuv444p16", planar_yuv(16, 0, 0, 0, 0) }, 12, 8, 0, 0 },
    };
    for (size_t i = 0; i < sizeof(frame_cases) / sizeof(frame_cases[0]); i++)
        run_frame_case(&frame_cases[i]);
    printf("  %ld launches emulated (%ld returned at once: skipped retry passes), %ld ldmatrix bank conflicts, %ld misaligned, %ld slot collisions\n",
           emu_counters.launches, emu_counters.skipped, emu_counters.bank_conflicts, emu_counters.misaligned,
           emu_counters.slot_collisions);
    return resr_test_exit();
}
