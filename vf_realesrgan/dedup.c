/*
 * The dedup option's glue: held frames are decided in the engines (core/dedup.h; the CPU
 * engine on the host, the CUDA engine on its device), this file passes the option on,
 * resets on a timestamp discontinuity and logs the counts.
 *
 * This file is part of FFmpeg.
 *
 * FFmpeg is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * FFmpeg is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with FFmpeg; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA
 */

#include <inttypes.h>

#include "libavutil/avutil.h"
#include "libavutil/error.h"
#include "libavutil/log.h"
#include "libavutil/timestamp.h"

#include "../core/dedup.h"
#include "dedup.h"

int ff_realesrgan_dedup_init(AVFilterContext *ctx, RealESRGANDedup *d)
{
    d->last_pts = AV_NOPTS_VALUE;
    if (d->threshold == -1.0f || (d->threshold >= 0.0f && d->threshold <= RESR_DEDUP_MAX))
        return 0;
    av_log(ctx, AV_LOG_ERROR, "dedup=%g: the threshold is -1 (off) or 0 (equal frames only) "
           "to %g, the largest mean difference of a 2x2 block in 8-bit code values; larger "
           "ones hide real changes (a small object moving in a held shot)\n",
           d->threshold, RESR_DEDUP_MAX);
    return AVERROR(EINVAL);
}

void ff_realesrgan_dedup_config(const RealESRGANDedup *d, ResrEngineConfig *config)
{
    config->dedup           = d->threshold >= 0.0f;
    config->dedup_threshold = d->threshold;
}

void ff_realesrgan_dedup_before(AVFilterContext *ctx, RealESRGANDedup *d, ResrEngine *engine,
                                const AVFrame *in)
{
    const int64_t last = d->last_pts;

    /* frames without a timestamp cannot show a seek: compared as they come */
    if (in->pts == AV_NOPTS_VALUE)
        return;
    d->last_pts = in->pts;
    if (engine->config.dedup && last != AV_NOPTS_VALUE && in->pts <= last) {
        av_log(ctx, AV_LOG_VERBOSE, "dedup: pts %s after %s: not comparing with the kept frame\n",
               av_ts2str(in->pts), av_ts2str(last));
        engine->forget_kept = 1;
    }
}

void ff_realesrgan_dedup_after(AVFilterContext *ctx, const ResrEngine *engine, int64_t frame)
{
    if (engine->config.dedup && engine->last_reused > 0)
        av_log(ctx, AV_LOG_VERBOSE, "frame %"PRId64" reused: the same picture as the kept "
               "one (dedup=%g)\n", frame, engine->config.dedup_threshold);
}

void ff_realesrgan_dedup_summary(AVFilterContext *ctx, const RealESRGANDedup *d, ResrEngine *engine,
                                 int64_t frames)
{
    int ret;

    if (!engine || !engine->config.dedup || !frames)
        return;
    if ((ret = engine->ops->finish(engine)) < 0) {
        av_log(ctx, AV_LOG_WARNING, "dedup: the engine's queue failed (%s): no count\n",
               av_err2str(ret));
        return;
    }
    av_log(ctx, AV_LOG_INFO, "%"PRId64" of %"PRId64" frames reused (dedup=%g)\n",
           engine->frames_reused, frames, d->threshold);
}
