/*
 * The CPU engine: per tile, frame -> float RGB (reflect past the frame, as the network's
 * pre-padding), ResrNetwork, float RGB -> frame (core only, chroma filtered with the
 * tile's context); then alpha, then the resize to the output size when it is not the
 * network's (outscale). The conversions run in row bands on a thread pool of the
 * network's size. Everything is sized in plan(); run() allocates nothing. It always
 * computes in fp32, in host memory.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../core/dedup.h"
#include "../core/resample.h"
#include "../core/tile_plan.h"
#include "convert.h"
#include "cpu_engine.h"
#include "network.h"
#include "onednn.h"
#include "resample.h"
#include "thread_pool.h"

/*
 * Activation memory automatic tiling keeps a tile under. An estimate: the network's
 * arena is ResrNetwork's business, so this is computed from the model's shape.
 * Smaller tiles cost nothing measurable by themselves (an 8K frame on a x2 SRVGG: the same
 * time with 0.8 GiB peak instead of 2.4 GiB at a 2 GiB budget), but each one recomputes
 * its pad: the core stays at least RESR_CPU_MIN_CORE_PADS pads wide, so the pad costs at
 * most ((10 + 2) / 10)^2 = 1.44 times the work. That raises the budget for RRDBNet's
 * 40-pixel pad to about 2 GiB (x4plus: 480^2 input pixels of 9 KB).
 */
#define RESR_CPU_TILE_BUDGET_BYTES (512.0 * 1024 * 1024)
#define RESR_CPU_MIN_CORE_PADS 10
#define RESR_CPU_MIN_AUTO_TILE 32
/* conversion bands: a few per thread for balance, not so thin that setup dominates */
#define RESR_CPU_BANDS_PER_THREAD 4
#define RESR_CPU_MIN_BAND_ROWS 8
/* rows of the network-size frame kept before resizing: cache-line aligned */
#define RESR_CPU_ROW_ALIGN 64

typedef struct ResrCpuEngine {
    ResrEngine base;
    ResrNetwork *net;
    ResrThreadPool *pool;      /* for the conversions */
    int planned;
    ResrFrameGeometry geometry;
    ResrTilePlan tiles;
    float *in_tile;            /* [3][max_input_h][max_input_w] */
    float *out_tile;           /* [3][max_input_h*scale][max_input_w*scale] */
    size_t tile_capacity;      /* floats in in_tile; out_tile holds scale^2 times more */
    /* outscale: the network's output frame, its resize tables and scratch */
    int resampling;
    ResrResamplePlan resample;
    uint8_t *full;
    ResrPlanes full_planes;
    float *resample_rows;
    /* held frames (config.dedup): the input that made the kept output, and that output */
    uint8_t *kept;
    ResrPlanes kept_in, kept_out;
    int kept_valid;
} ResrCpuEngine;

static int round_up(int v, int multiple)
{
    return (v + multiple - 1) / multiple * multiple;
}

/*
 * Bytes per input pixel at the widest layer: input and output activations of the largest
 * convolution at its resolution, the features RRDBNet holds for its residuals, and the
 * float RGB tiles.
 */
static double bytes_per_input_pixel(const ResrModel *m)
{
    const int u = resr_model_unshuffle(m);
    const double body_area = 1.0 / ((double)u * u);
    double peak = 0.0, held = 0.0;

    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        double area = 1.0;

        if (m->arch == RESR_ARCH_RRDBNET) {
            /* conv_up1 runs at 2x the body resolution, conv_up2, conv_hr, conv_last at 4x */
            const int tail = i - resr_rrdb_tail_index(m, 0);
            area = body_area * (tail >= 2 ? 16.0 : tail == 1 ? 4.0 : 1.0);
        }
        peak = fmax(peak, (double)(c->in_channels + c->out_channels) * area);
    }
    if (m->arch == RESR_ARCH_RRDBNET)
        held = 3.0 * m->num_feat * body_area;
    return sizeof(float) * (peak + held + 3.0 + 3.0 * m->scale * m->scale);
}

/* 0 (one tile) when the padded frame fits the budget, else a square tile edge that does. */
static int auto_tile(const ResrEngine *engine, int padded_w, int padded_h)
{
    const ResrModel *m = engine->model;
    const int u = resr_model_unshuffle(m);
    const int pad = round_up(engine->config.tile_pad, u);
    const double min_input_edge = (RESR_CPU_MIN_CORE_PADS + 2.0) * pad;
    const double max_pixels = fmax(RESR_CPU_TILE_BUDGET_BYTES / bytes_per_input_pixel(m),
                                   min_input_edge * min_input_edge);

    if ((double)padded_w * padded_h <= max_pixels)
        return 0;
    int edge = (int)sqrt(max_pixels) - 2 * pad;
    edge = edge / u * u;
    return edge > RESR_CPU_MIN_AUTO_TILE ? edge : RESR_CPU_MIN_AUTO_TILE;
}

static int check_geometry(const ResrEngine *engine, const ResrFrameGeometry *g)
{
    if (g->in_memory != RESR_MEMORY_HOST || g->out_memory != RESR_MEMORY_HOST) {
        resr_engine_log(engine, RESR_LOG_ERROR, "cpu engine: frames in device memory need a GPU engine\n");
        return -ENOSYS;
    }
    if (g->in_width < 1 || g->in_height < 1 || g->out_width < 1 || g->out_height < 1 ||
        g->in_format.has_alpha != g->out_format.has_alpha ||
        (g->in_format.has_alpha && g->in_format.type != g->out_format.type)) {
        resr_engine_log(engine, RESR_LOG_ERROR, "cpu engine: unsupported frame geometry %dx%d\n",
                        g->in_width, g->in_height);
        return -EINVAL;
    }
    return 0;
}

/* The float RGB tiles, grown to the plan's largest tile. */
static int plan_tile_buffers(ResrCpuEngine *s, const ResrTilePlan *tiles)
{
    const int scale = s->base.model->scale;
    const size_t need = (size_t)3 * tiles->max_input_w * tiles->max_input_h;

    if (need <= s->tile_capacity)
        return 0;
    free(s->in_tile);
    free(s->out_tile);
    s->tile_capacity = 0;
    s->in_tile  = malloc(need * sizeof(*s->in_tile));
    s->out_tile = malloc(need * scale * scale * sizeof(*s->out_tile));
    if (!s->in_tile || !s->out_tile)
        return -ENOMEM;
    s->tile_capacity = need;
    return 0;
}

static void release_resample(ResrCpuEngine *s)
{
    resr_resample_free(&s->resample);
    free(s->full);
    free(s->resample_rows);
    s->full = NULL;
    s->resample_rows = NULL;
    s->resampling = 0;
}

/* outscale: the network-size frame, and the tables that resize it to the output. */
static int plan_resample(ResrCpuEngine *s, const ResrFrameGeometry *g)
{
    const int scale = s->base.model->scale;
    ResrFrameLayout layout;
    int ret;

    release_resample(s);
    if (!resr_geometry_resamples(g, scale))
        return 0;
    ret = resr_resample_plan(&s->resample, &g->out_format, g->in_width * scale, g->in_height * scale,
                             g->out_width, g->out_height);
    if (ret < 0)
        return ret;
    resr_frame_layout(&layout, &g->out_format, g->in_width * scale, g->in_height * scale,
                      RESR_CPU_ROW_ALIGN);
    s->full = aligned_alloc(RESR_CPU_ROW_ALIGN, (layout.size + RESR_CPU_ROW_ALIGN - 1) /
                            RESR_CPU_ROW_ALIGN * RESR_CPU_ROW_ALIGN);
    s->resample_rows = malloc(s->resample.rows_count * sizeof(*s->resample_rows));
    if (!s->full || !s->resample_rows)
        return -ENOMEM;
    resr_frame_planes_at(&s->full_planes, &layout, s->full);
    s->resampling = 1;
    return 0;
}

/* dedup: one block for the kept input and output frames; a new geometry forgets them. */
static int plan_kept_frames(ResrCpuEngine *s, const ResrFrameGeometry *g)
{
    ResrFrameLayout in, out;

    free(s->kept);
    s->kept = NULL;
    s->kept_valid = 0;
    if (!s->base.config.dedup)
        return 0;
    resr_frame_layout(&in, &g->in_format, g->in_width, g->in_height, RESR_CPU_ROW_ALIGN);
    resr_frame_layout(&out, &g->out_format, g->out_width, g->out_height, RESR_CPU_ROW_ALIGN);
    if (!(s->kept = aligned_alloc(RESR_CPU_ROW_ALIGN, in.size + out.size)))
        return -ENOMEM;
    resr_frame_planes_at(&s->kept_in, &in, s->kept);
    resr_frame_planes_at(&s->kept_out, &out, s->kept + in.size);
    return 0;
}

static int cpu_plan(ResrEngine *engine, const ResrFrameGeometry *geometry)
{
    ResrCpuEngine *s = (ResrCpuEngine *)engine;
    const ResrModel *m = engine->model;
    ResrTilePlan tiles = { 0 };
    int ret;

    s->planned = 0;
    if ((ret = check_geometry(engine, geometry)) < 0)
        return ret;

    const int u = resr_model_unshuffle(m);
    const int tile = engine->config.tile > 0 ? engine->config.tile :
        auto_tile(engine, round_up(geometry->in_width + engine->config.pre_pad, u),
                  round_up(geometry->in_height + engine->config.pre_pad, u));
    if ((ret = resr_tile_plan_make(&tiles, geometry->in_width, geometry->in_height, m->scale,
                                   u, tile, engine->config.tile_pad, engine->config.pre_pad)) < 0 ||
        (ret = resr_network_plan(s->net, tiles.max_input_w, tiles.max_input_h)) < 0 ||
        (ret = plan_tile_buffers(s, &tiles)) < 0 ||
        (ret = plan_resample(s, geometry)) < 0 ||
        (ret = plan_kept_frames(s, geometry)) < 0)
        goto fail;

    resr_tile_plan_free(&s->tiles);
    s->tiles    = tiles;
    s->geometry = *geometry;
    s->planned  = 1;
    resr_engine_log(engine, RESR_LOG_VERBOSE,
                    "cpu engine: %dx%d in %d tile(s) of up to %dx%d input pixels (tile %d, pad %d)%s\n",
                    geometry->in_width, geometry->in_height, tiles.count,
                    tiles.max_input_w, tiles.max_input_h, tile, engine->config.tile_pad,
                    s->resampling ? ", then resized" : "");
    return 0;
fail:
    resr_tile_plan_free(&tiles);
    resr_engine_log(engine, RESR_LOG_ERROR, "cpu engine: planning %dx%d frames failed (%d)\n",
                    geometry->in_width, geometry->in_height, ret);
    return ret;
}

/* One tile's conversion, split into row bands (rows are independent in both directions:
 * a chroma sample belongs to the band holding its first luma row). */
typedef struct ConvertJob {
    const ResrFrameGeometry *geometry;
    const ResrTile *tile;
    const ResrPlanes *in;
    ResrPlanes *out;
    ResrRgbTile src, dst;
    int scale;
    int bands;
} ConvertJob;

static void band_rows(int rows, int bands, int band, int *r0, int *r1)
{
    *r0 = (int)((int64_t)rows * band / bands);
    *r1 = (int)((int64_t)rows * (band + 1) / bands);
}

static void read_band(void *ctx, int band, int thread)
{
    const ConvertJob *j = ctx;
    ResrRgbTile part = j->src;
    int r0, r1;

    (void)thread;
    band_rows(j->src.height, j->bands, band, &r0, &r1);
    part.data  += r0 * part.row_stride;
    part.height = r1 - r0;
    resr_frame_to_rgb(&j->geometry->in_format, j->in, j->geometry->in_width,
                      j->geometry->in_height, j->tile->input.x, j->tile->input.y + r0, &part);
}

static void write_band(void *ctx, int band, int thread)
{
    const ConvertJob *j = ctx;
    const ResrTile *t = j->tile;
    int r0, r1;

    (void)thread;
    band_rows(t->output.h, j->bands, band, &r0, &r1);
    resr_rgb_to_frame(&j->geometry->out_format, &j->dst,
                      (t->core.x - t->input.x) * j->scale, (t->core.y - t->input.y) * j->scale + r0,
                      t->output.w, r1 - r0, j->out, t->output.x, t->output.y + r0);
}

static int band_count(const ResrCpuEngine *s, int rows)
{
    const int most = resr_thread_pool_threads(s->pool) * RESR_CPU_BANDS_PER_THREAD;
    const int bands = rows / RESR_CPU_MIN_BAND_ROWS;
    return bands < 1 ? 1 : bands > most ? most : bands;
}

/* Every tile: read, network, write; the network's time into *network_ms. */
static int upscale_tiles(ResrCpuEngine *s, const ResrPlanes *in, ResrPlanes *out, double *network_ms)
{
    const int scale = s->base.model->scale;

    for (int i = 0; i < s->tiles.count; i++) {
        const ResrTile *t = &s->tiles.tiles[i];
        ConvertJob job = {
            .geometry = &s->geometry, .tile = t, .in = in, .out = out, .scale = scale,
            .src = { .data = s->in_tile, .width = t->input.w, .height = t->input.h,
                     .row_stride = t->input.w,
                     .plane_stride = (ptrdiff_t)t->input.w * t->input.h },
            .dst = { .data = s->out_tile, .width = t->input.w * scale,
                     .height = t->input.h * scale, .row_stride = (ptrdiff_t)t->input.w * scale,
                     .plane_stride = (ptrdiff_t)t->input.w * scale * t->input.h * scale },
        };

        job.bands = band_count(s, t->input.h);
        resr_thread_pool_run(s->pool, read_band, &job, job.bands);
        const double t0 = resr_engine_now_ms();
        const int ret = resr_network_forward(s->net, &job.src, &job.dst);
        *network_ms += resr_engine_now_ms() - t0;
        if (ret < 0)
            return ret;
        job.bands = band_count(s, t->output.h);
        resr_thread_pool_run(s->pool, write_band, &job, job.bands);
    }
    return 0;
}

/*
 * dedup, the one place the CPU engine decides: whether in is the same picture as the kept
 * input (core/dedup.h); if so the kept output is copied to out.
 */
static int reuse_kept(ResrCpuEngine *s, const ResrPlanes *in, ResrPlanes *out)
{
    ResrEngine *e = &s->base;
    const ResrFrameGeometry *g = &s->geometry;

    if (e->forget_kept)
        s->kept_valid = e->forget_kept = 0;
    if (!e->config.dedup || !s->kept_valid ||
        resr_dedup_max_diff(&g->in_format, in, &s->kept_in, g->in_width, g->in_height,
                            e->config.dedup_threshold) > e->config.dedup_threshold)
        return 0;
    resr_frame_copy(&g->out_format, out, &s->kept_out, g->out_width, g->out_height);
    return 1;
}

/* dedup: the computed frame becomes the kept one. */
static void keep_frames(ResrCpuEngine *s, const ResrPlanes *in, const ResrPlanes *out)
{
    const ResrFrameGeometry *g = &s->geometry;

    if (!s->base.config.dedup)
        return;
    resr_frame_copy(&g->in_format, &s->kept_in, in, g->in_width, g->in_height);
    resr_frame_copy(&g->out_format, &s->kept_out, out, g->out_width, g->out_height);
    s->kept_valid = 1;
}

static int cpu_run(ResrEngine *engine, const ResrPlanes *in, ResrPlanes *out)
{
    ResrCpuEngine *s = (ResrCpuEngine *)engine;
    const ResrFrameGeometry *g = &s->geometry;
    ResrPlanes *net_out = s->resampling ? &s->full_planes : out;
    const double start = resr_engine_now_ms();
    double network = 0.0, resized;
    int ret;

    if (!s->planned)
        return -EINVAL;
    if ((engine->last_reused = reuse_kept(s, in, out))) {
        engine->frames_reused++;
        engine->last_run = (ResrEngineTimes){ .convert_ms = resr_engine_now_ms() - start };
        return 0;
    }
    if ((ret = upscale_tiles(s, in, net_out, &network)) < 0)
        return ret;
    if (g->in_format.has_alpha)
        resr_alpha_upscale(&g->in_format, in, g->in_width, g->in_height, net_out, engine->model->scale);
    resized = resr_engine_now_ms();
    if (s->resampling)
        resr_resample_run(&s->resample, s->resample_rows, net_out, out);
    keep_frames(s, in, out);

    engine->last_run = (ResrEngineTimes){
        .network_ms  = network,
        .convert_ms  = resized - start - network,
        .resample_ms = resr_engine_now_ms() - resized,
    };
    return 0;
}

/* Host memory: every frame is complete when run() returns. */
static int cpu_finish(ResrEngine *engine)
{
    (void)engine;
    return 0;
}

static void cpu_free(ResrEngine *engine)
{
    ResrCpuEngine *s = (ResrCpuEngine *)engine;

    resr_network_free(&s->net);
    resr_thread_pool_free(&s->pool);
    resr_tile_plan_free(&s->tiles);
    release_resample(s);
    free(s->kept);
    free(s->in_tile);
    free(s->out_tile);
    free(s);
}

static const ResrEngineOps cpu_engine_ops = {
    .name   = "cpu",
    .plan   = cpu_plan,
    .run    = cpu_run,
    .finish = cpu_finish,
    .free   = cpu_free,
};

static int online_cpus(void)
{
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)(online < 256 ? online : 256) : 1;
}

/*
 * The network's convolutions (config->cpu_backend) and precision: fp32 everywhere, bf16 only
 * through oneDNN on a CPU with AVX512-BF16 or AMX; fp16 has no CPU path and runs as fp32.
 * The engine's config copy holds what was chosen.
 */
static int choose_backend(ResrCpuEngine *s, const ResrEngineConfig *config)
{
    const ResrPrecision precision = config->precision == RESR_PRECISION_BF16 ?
                                    RESR_PRECISION_BF16 : RESR_PRECISION_FP32;
    char name[128];
    int ret;

    if (config->precision == RESR_PRECISION_FP8) {
        resr_engine_log(&s->base, RESR_LOG_ERROR, "cpu engine: precision=fp8 runs on CUDA GPUs of "
                        "compute capability 8.9 or newer only: use precision=fp32 on the CPU\n");
        return -ENOSYS;
    }
    if (config->precision == RESR_PRECISION_FP16)
        resr_engine_log(&s->base, RESR_LOG_INFO,
                        "cpu engine: no fp16 path on the CPU, computing in fp32\n");
    ret = resr_network_set_backend(s->net, config->cpu_backend, precision);
    if (ret == -ENOSYS)
        resr_engine_log(&s->base, RESR_LOG_ERROR, "cpu engine: %s needs the oneDNN path, and this "
                        "build has none (./configure found no oneDNN 2.x, or --disable-onednn); "
                        "use cpu_backend=native with precision=fp32\n",
                        precision == RESR_PRECISION_BF16 ? "precision=bf16" : "cpu_backend=onednn");
    else if (ret == -ENOTSUP && config->cpu_backend == RESR_CPU_BACKEND_NATIVE)
        resr_engine_log(&s->base, RESR_LOG_ERROR, "cpu engine: precision=bf16 runs on oneDNN only, "
                        "not with cpu_backend=native\n");
    else if (ret == -ENOTSUP && resr_onednn_isa_has_bf16())
        resr_engine_log(&s->base, RESR_LOG_ERROR, "cpu engine: precision=bf16: this CPU has bf16 "
                        "(oneDNN: %s), but this oneDNN computes our convolutions in fp32 under "
                        "its bf16 math mode (probed), so bf16 would be fp32 in disguise: use "
                        "precision=fp32, or build with a oneDNN that applies it\n",
                        resr_onednn_isa_name());
    else if (ret == -ENOTSUP)
        resr_engine_log(&s->base, RESR_LOG_ERROR, "cpu engine: precision=bf16 needs a CPU with "
                        "AVX512-BF16 or AMX; oneDNN reports this one as %s: use precision=fp32\n",
                        resr_onednn_isa_name());
    else if (ret < 0)
        resr_engine_log(&s->base, RESR_LOG_ERROR, "cpu engine: choosing the convolutions failed (%d)\n", ret);
    if (ret < 0)
        return ret;
    s->base.config.cpu_backend = resr_network_backend(s->net);
    s->base.config.precision = precision;
    resr_network_backend_name(s->net, name, sizeof(name));
    resr_engine_log(&s->base, RESR_LOG_VERBOSE, "cpu engine: convolutions %s, %s\n", name,
                    resr_precision_name(precision));
    return 0;
}

int resr_cpu_engine_create(ResrEngine **out, const ResrModel *model,
                           const ResrEngineConfig *config)
{
    ResrCpuEngine *s;
    int ret;

    *out = NULL;
    if (!(s = calloc(1, sizeof(*s))))
        return -ENOMEM;
    if ((ret = resr_engine_init(&s->base, &cpu_engine_ops, model, config)) < 0) {
        free(s);
        return ret;
    }
    const int threads = config->threads ? config->threads : online_cpus();
    s->base.config.threads = threads;
    ret = resr_network_create(&s->net, model, threads);
    if (ret >= 0)
        ret = resr_thread_pool_create(&s->pool, threads);
    if (ret < 0) {
        resr_engine_log(&s->base, RESR_LOG_ERROR,
                        "cpu engine: creating the network or its threads failed (%d)\n", ret);
        cpu_free(&s->base);
        return ret;
    }
    if ((ret = choose_backend(s, config)) < 0) {
        cpu_free(&s->base);
        return ret;
    }
    *out = &s->base;
    return 0;
}
