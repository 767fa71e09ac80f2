/*
 * What every engine shares: the resolved config, logging through the caller's callback
 * (the glue passes av_vlog, so library code never prints) and the clock stage times use.
 */
#include <errno.h>
#include <stdarg.h>
#include <time.h>

#include "engine.h"
#include "tile_plan.h"

int resr_engine_init(ResrEngine *engine, const ResrEngineOps *ops, const ResrModel *model,
                     const ResrEngineConfig *config)
{
    if (config->tile < 0 || config->tile_pad < -1 || config->pre_pad < 0 ||
        config->threads < 0)
        return -EINVAL;
    engine->ops    = ops;
    engine->model  = model;
    engine->config = *config;
    if (config->tile_pad < 0)
        engine->config.tile_pad = resr_tile_pad_auto(model);
    return 0;
}

void resr_engine_log(const ResrEngine *engine, int level, const char *fmt, ...)
{
    va_list args;

    if (!engine->config.log)
        return;
    va_start(args, fmt);
    engine->config.log(engine->config.log_ctx, level, fmt, args);
    va_end(args);
}

double resr_engine_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
