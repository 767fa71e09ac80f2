/*
 * What the filter holds: an engine turns one input frame into one upscaled output frame.
 * The filter never knows which engine it has; the CPU engine (cpu_engine.c) converts and
 * tiles on the CPU, the CUDA engine (cuda/) does the same on device pointers.
 */
#ifndef RESR_VF_ENGINE_H
#define RESR_VF_ENGINE_H

#include <stdarg.h>

#include "../models/model.h"
#include "colour.h"

typedef enum ResrPrecision {
    RESR_PRECISION_FP16 = 0,
    RESR_PRECISION_BF16 = 1,
    RESR_PRECISION_FP32 = 2,
} ResrPrecision;

/* Log levels, equal to FFmpeg's AV_LOG_* so the filter passes them to av_vlog unchanged. */
enum {
    RESR_LOG_ERROR   = 16,
    RESR_LOG_WARNING = 24,
    RESR_LOG_INFO    = 32,
    RESR_LOG_VERBOSE = 40,
    RESR_LOG_DEBUG   = 48,
};

typedef struct ResrEngineConfig {
    /* The engine's copy holds the values it resolved: the thread count, the pad. */
    int threads;                 /* CPU workers, 0 = one per core */
    int tile;                    /* input tile edge in pixels, 0 = automatic */
    int tile_pad;                /* context added around each tile, in input pixels,
                                  * -1 = automatic for the model (resr_tile_pad_auto) */
    ResrPrecision precision;
    /* Messages go here (the filter passes av_vlog); levels are AV_LOG_* values. */
    void (*log)(void *log_ctx, int level, const char *fmt, va_list args);
    void *log_ctx;
} ResrEngineConfig;

/* A frame's geometry and storage, fixed between two plan() calls. */
typedef struct ResrFrameGeometry {
    int in_width, in_height;
    ResrPixelFormat in_format;
    ResrPixelFormat out_format;  /* output size is (in_width*scale) x (in_height*scale) */
} ResrFrameGeometry;

/* Where the last run() spent its time, host wall clock in milliseconds: the network, and
 * the frame <-> network conversions around it. Engines that run asynchronously (CUDA)
 * leave both 0; the filter then times whole frames. */
typedef struct ResrEngineTimes {
    double network_ms;
    double convert_ms;
} ResrEngineTimes;

typedef struct ResrEngine ResrEngine;

typedef struct ResrEngineOps {
    const char *name;
    /* (Re)plans buffers and tiles for frames of this geometry. */
    int (*plan)(ResrEngine *engine, const ResrFrameGeometry *geometry);
    /* Upscales in into out (both laid out as planned). Returns 0 or a negative errno. */
    int (*run)(ResrEngine *engine, const ResrPlanes *in, ResrPlanes *out);
    void (*free)(ResrEngine *engine);
} ResrEngineOps;

struct ResrEngine {
    const ResrEngineOps *ops;
    const ResrModel *model;
    ResrEngineConfig config;
    ResrEngineTimes last_run;
};

int resr_cpu_engine_create(ResrEngine **out, const ResrModel *model,
                           const ResrEngineConfig *config);

void resr_engine_log(const ResrEngine *engine, int level, const char *fmt, ...);

static inline void resr_engine_free(ResrEngine **engine)
{
    if (*engine)
        (*engine)->ops->free(*engine);
    *engine = NULL;
}

#endif /* RESR_VF_ENGINE_H */
