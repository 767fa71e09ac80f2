/*
 * The CPU engine: core/engine.h's interface on host memory, fp32, on a thread pool.
 */
#ifndef RESR_CPU_ENGINE_H
#define RESR_CPU_ENGINE_H

#include "../core/engine.h"

/*
 * config->threads 0 means one worker per online CPU; config->precision other than fp32 is
 * noted in the log and computed in fp32. Returns 0 or a negative errno (-EINVAL for a
 * config out of range, -ENOMEM).
 */
int resr_cpu_engine_create(ResrEngine **out, const ResrModel *model,
                           const ResrEngineConfig *config);

#endif /* RESR_CPU_ENGINE_H */
