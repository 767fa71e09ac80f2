/*
 * The CPU engine's resize step (outscale): core/resample.h's plan run in two passes per
 * component, horizontal into a scratch block of rows, vertical from it.
 */
#ifndef RESR_CPU_RESAMPLE_H
#define RESR_CPU_RESAMPLE_H

#include "../core/resample.h"

/*
 * Resizes src (src_w x src_h, plan->fmt) into dst (dst_w x dst_h, the same format).
 * scratch holds plan->rows_count floats. The sums are resr_resample_sample's, in its order.
 */
void resr_resample_run(const ResrResamplePlan *plan, float *scratch, const ResrPlanes *src,
                       ResrPlanes *dst);

#endif /* RESR_CPU_RESAMPLE_H */
