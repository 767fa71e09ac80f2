/*
 * What every engine shares: logging through the caller's callback (the filter passes
 * av_vlog), so library code never prints.
 */
#include <stdarg.h>

#include "engine.h"

void resr_engine_log(const ResrEngine *engine, int level, const char *fmt, ...)
{
    va_list args;

    if (!engine->config.log)
        return;
    va_start(args, fmt);
    engine->config.log(engine->config.log_ctx, level, fmt, args);
    va_end(args);
}
