/*
 * The resample kernel's per-thread body (cuda/resample.cu): core/resample.h's sums over
 * the tables resr_resample_plan() computed (uploaded as they are), stored as the CPU
 * engine stores them. The CPU twin test (tests/cuda/test_cuda_resample.c) and the fake
 * driver run this same function.
 */
#ifndef RESR_CUDA_RESAMPLE_MATH_CUH
#define RESR_CUDA_RESAMPLE_MATH_CUH

#include <stdint.h>

#include "../core/colour_math.h"
#include "../core/resample.h"
#include "kernel_args.h"

RESR_HD void resr_resample_thread(const ResrResampleArgs *a, int x, int y)
{
    const float max_code = resr_resample_max_code(&a->fmt);
    const float v = resr_resample_sample(&a->fmt, &a->src, a->comp,
                                         (const int32_t *)(uintptr_t)a->start_x,
                                         (const float *)(uintptr_t)a->weight_x, a->taps_x,
                                         (const int32_t *)(uintptr_t)a->start_y,
                                         (const float *)(uintptr_t)a->weight_y, a->taps_y,
                                         x, y, max_code);

    resr_store_code(&a->fmt, &a->dst, a->comp, x, y, v, max_code);
    if (a->pad_byte >= 0) {
        const int p = a->fmt.comp[0].plane;
        a->dst.data[p][(int64_t)y * a->dst.linesize[p] + (int64_t)x * 4 + a->pad_byte] = 255;
    }
}

#endif /* RESR_CUDA_RESAMPLE_MATH_CUH */
