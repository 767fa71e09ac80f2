/*
 * Launch arguments of the resample kernel (cuda/resample.cu) for one plan: the CUDA
 * engine uses them with the tables' device copy, the CPU twin test with the host tables,
 * so the test covers exactly what the engine launches.
 */
#include "../core/colour_math.h"
#include "cuda_plan.h"

int resr_resample_launches(ResrResampleArgs args[4], const ResrResamplePlan *plan, uint64_t tables)
{
    const uint8_t *base = plan->tables;
    int comps[4];
    const int n = resr_stored_components(&plan->fmt, comps);

    /* the tables keep their layout in the copy: offsets into plan->tables carry over */
    for (int i = 0; i < n; i++) {
        const int c = comps[i], cls = resr_resample_class(&plan->fmt, c);
        const ResrResampleAxis *ax = &plan->axis[cls][0], *ay = &plan->axis[cls][1];
        args[i] = (ResrResampleArgs){
            .fmt      = plan->fmt,
            .comp     = c,
            .dst_w    = ax->dst_size,
            .dst_h    = ay->dst_size,
            .taps_x   = ax->taps,
            .taps_y   = ay->taps,
            .start_x  = tables + (uint64_t)((const uint8_t *)ax->start - base),
            .weight_x = tables + (uint64_t)((const uint8_t *)ax->weight - base),
            .start_y  = tables + (uint64_t)((const uint8_t *)ay->start - base),
            .weight_y = tables + (uint64_t)((const uint8_t *)ay->weight - base),
            .pad_byte = c == 0 ? resr_padding_byte(&plan->fmt) : -1,
        };
    }
    return n;
}
