/*
 * The engine interface: what the glue holds. An engine turns one input frame into one
 * output frame, the whole step: bring the frame into its memory, convert it to the
 * network's input, run the network tile by tile, convert back (alpha upscaled beside it),
 * resize to the requested output size, and hand the frame back in the memory the caller
 * named. The glue never knows which engine it has: the CPU engine (cpu/) computes in host
 * memory, the CUDA engine (cuda/) on device pointers, queued on its stream.
 *
 *   engine = resr_cpu_engine_create(...) or resr_cuda_engine_create(...)
 *   ops->plan(engine, geometry)       once per frame geometry: buffers, tiles, tables
 *   ops->run(engine, in, out)         per frame
 *   ops->finish(engine)               waits until every queued frame is complete
 *   resr_engine_free(&engine)
 */
#ifndef RESR_CORE_ENGINE_H
#define RESR_CORE_ENGINE_H

#include <stdarg.h>
#include <stdint.h>

#include "../models/model.h"
#include "pixel_format.h"
#include "precision.h"

/* Log levels, equal to FFmpeg's AV_LOG_* so the glue passes them to av_vlog unchanged. */
enum {
    RESR_LOG_ERROR   = 16,
    RESR_LOG_WARNING = 24,
    RESR_LOG_INFO    = 32,
    RESR_LOG_VERBOSE = 40,
    RESR_LOG_DEBUG   = 48,
};

typedef void (*ResrLogFn)(void *log_ctx, int level, const char *fmt, va_list args);

/* Which convolutions the CPU engine runs (issue 16: cpu/onednn.c beside cpu/conv3x3.c). */
typedef enum ResrCpuBackend {
    RESR_CPU_BACKEND_AUTO   = 0,  /* oneDNN when built in and the CPU has AVX-512, else
                                   * native ($RESR_CPU_BACKEND=native|onednn overrides
                                   * auto: the tests run both) */
    RESR_CPU_BACKEND_NATIVE = 1,  /* the hand-written fp32 kernels (the exact oracle) */
    RESR_CPU_BACKEND_ONEDNN = 2,  /* oneDNN primitives with fused post-ops */
} ResrCpuBackend;

/* Which kernels the CUDA engine's 3x3 convs run (issue 12, cuda/README.md). */
typedef enum ResrCudaConv {
    RESR_CUDA_CONV_AUTO    = 0,  /* mma.sync until a GPU run has checked CUTLASS */
    RESR_CUDA_CONV_MMA     = 1,  /* the mma.sync kernels, every GPU */
    RESR_CUDA_CONV_CUTLASS = 2,  /* CUTLASS sm_90a where it applies (9.0, fp16 or bf16,
                                  * else create() refuses), mma.sync for the other layers */
} ResrCudaConv;

typedef struct ResrEngineConfig {
    /* The engine's copy holds the values it resolved: the thread count, the pad. */
    int threads;                 /* CPU workers, 0 = one per core */
    int tile;                    /* input tile edge in pixels, 0 = automatic */
    int tile_pad;                /* context added around each tile, in input pixels,
                                  * -1 = automatic for the model (resr_tile_pad_auto) */
    int pre_pad;                 /* the official pre_pad: the frame reflect-padded by this many
                                  * pixels on the right and bottom before the network, the
                                  * output cropped after (resr_tile_plan_make) */
    ResrPrecision precision;
    ResrCpuBackend cpu_backend;  /* CPU engine only; the engine's copy holds the one chosen */
    ResrCudaConv cuda_conv;      /* CUDA engine only */
    int timing;                  /* fill ResrEngine.last_run stage by stage (an asynchronous
                                  * engine then waits after each stage) */
    /* Held frames, when dedup is set: reuse the kept output when the input is within
     * dedup_threshold (8-bit code values, core/dedup.h) of the input that made it. */
    int dedup;
    float dedup_threshold;
    /* Messages go here (the glue passes av_vlog); levels are AV_LOG_* values. */
    ResrLogFn log;
    void *log_ctx;
} ResrEngineConfig;

/* Where the frames given to run() live. */
typedef enum ResrMemory {
    RESR_MEMORY_HOST   = 0,
    RESR_MEMORY_DEVICE = 1,      /* the engine's device (CUDA: CUdeviceptr values) */
} ResrMemory;

/* A frame step's geometry and storage, fixed between two plan() calls. */
typedef struct ResrFrameGeometry {
    int in_width, in_height;
    ResrPixelFormat in_format;
    ResrMemory in_memory;
    /* The network writes (in_width * scale) x (in_height * scale); any other output size
     * is resized to (core/resample.h). */
    int out_width, out_height;
    ResrPixelFormat out_format;  /* the input's colour model; alpha only if the input has it */
    ResrMemory out_memory;
} ResrFrameGeometry;

static inline ResrFrameGeometry resr_frame_geometry(int in_w, int in_h, const ResrPixelFormat *in,
                                                    int out_w, int out_h, const ResrPixelFormat *out,
                                                    ResrMemory memory)
{
    ResrFrameGeometry g = { in_w, in_h, *in, memory, out_w, out_h, *out, memory };
    return g;
}

/* Where the last run() spent its time, host wall clock in milliseconds; filled when
 * config.timing is set (the CPU engine always fills it). */
typedef struct ResrEngineTimes {
    double transfer_ms;          /* host <-> device copies */
    double convert_ms;           /* frame <-> network conversions (and alpha) */
    double network_ms;
    double resample_ms;
} ResrEngineTimes;

typedef struct ResrEngine ResrEngine;

typedef struct ResrEngineOps {
    const char *name;
    /* (Re)plans buffers, tiles and resampling for frames of this geometry. Geometries an
     * engine cannot run (device memory on the CPU engine, say) get -ENOSYS and a message. */
    int (*plan)(ResrEngine *engine, const ResrFrameGeometry *geometry);
    /*
     * One frame step, in into out (both laid out as planned). Host outputs are complete
     * when it returns; device outputs may still be in flight on the engine's queue, where
     * every later user of that queue orders after them. Returns 0 or a negative errno.
     */
    int (*run)(ResrEngine *engine, const ResrPlanes *in, ResrPlanes *out);
    /* Waits for every frame queued by run(). Returns 0 or a negative errno. */
    int (*finish)(ResrEngine *engine);
    void (*free)(ResrEngine *engine);
} ResrEngineOps;

struct ResrEngine {
    const ResrEngineOps *ops;
    const ResrModel *model;
    ResrEngineConfig config;
    ResrEngineTimes last_run;
    /* Held frames (config.dedup). The glue sets forget_kept (a seek): the next run()
     * computes. last_reused: whether the last run() reused the kept output, -1 when the
     * engine has not looked on the host (an asynchronous engine without config.timing
     * decides on its device); frames_reused counts runs that reused, up to date after
     * finish(). plan() forgets the kept frames too. */
    int forget_kept;
    int last_reused;
    int64_t frames_reused;
};

/*
 * What every engine's create() does first: the copy of the config with tile_pad resolved
 * for the model. Returns -EINVAL for a negative tile or thread count, or a pad below -1.
 */
int resr_engine_init(ResrEngine *engine, const ResrEngineOps *ops, const ResrModel *model,
                     const ResrEngineConfig *config);

void resr_engine_log(const ResrEngine *engine, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Host wall clock in milliseconds, for ResrEngineTimes. */
double resr_engine_now_ms(void);

/* Whether the output is resized after the network (outscale). */
static inline int resr_geometry_resamples(const ResrFrameGeometry *g, int scale)
{
    return g->out_width != g->in_width * scale || g->out_height != g->in_height * scale;
}

static inline void resr_engine_free(ResrEngine **engine)
{
    if (*engine)
        (*engine)->ops->free(*engine);
    *engine = NULL;
}

#endif /* RESR_CORE_ENGINE_H */
