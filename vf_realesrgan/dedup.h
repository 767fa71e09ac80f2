/*
 * The dedup option's glue (held frames, core/dedup.h): the engine config, the resets the
 * engine cannot see (a seek), and the counts in the log.
 */
#ifndef RESR_GLUE_DEDUP_H
#define RESR_GLUE_DEDUP_H

#include <stdint.h>

#include "libavfilter/avfilter.h"
#include "libavutil/frame.h"

#include "../core/dedup.h"
#include "../core/engine.h"

typedef struct RealESRGANDedup {
    float threshold;     ///< the option: 8-bit code values, -1 = off
    int64_t last_pts;    ///< of the previous frame, AV_NOPTS_VALUE before the first
} RealESRGANDedup;

/* The option's checks at init: -1, or 0 .. RESR_DEDUP_MAX. */
int ff_realesrgan_dedup_init(AVFilterContext *ctx, RealESRGANDedup *d);

/* The engine config's dedup fields. */
void ff_realesrgan_dedup_config(const RealESRGANDedup *d, ResrEngineConfig *config);

/* Before the engine runs on in: a timestamp that does not move forward (a seek, a loop)
 * makes the engine forget its kept frame. */
void ff_realesrgan_dedup_before(AVFilterContext *ctx, RealESRGANDedup *d, ResrEngine *engine,
                                const AVFrame *in);

/* After it ran: -v verbose says when the frame was reused. */
void ff_realesrgan_dedup_after(AVFilterContext *ctx, const ResrEngine *engine, int64_t frame);

/* End of stream: "N of M frames reused" (the engine's queue finished first). */
void ff_realesrgan_dedup_summary(AVFilterContext *ctx, const RealESRGANDedup *d, ResrEngine *engine,
                                 int64_t frames);

#endif /* RESR_GLUE_DEDUP_H */
