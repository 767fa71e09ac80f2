/*
 * Held frames on the device (dedup, core/dedup.h): the per-thread bodies of the compare
 * and copy kernels (dedup.cu), which the CPU emulator (tests/cuda/emulate.h) runs too.
 * The decision itself is the control kernel's (control_math.cuh resr_control_dedup): no
 * host sync, the kernels of a reused frame return at once.
 */
#ifndef RESR_CUDA_DEDUP_MATH_CUH
#define RESR_CUDA_DEDUP_MATH_CUH

#include <stdint.h>

#include "../core/dedup.h"
#include "../core/hd.h"
#include "control_math.cuh"
#include "kernel_args.h"

/* Block (bx, by) of the compare: beyond the threshold, the frames differ. A plain store
 * of 1 from any number of threads is the same store. */
RESR_HD void resr_dedup_compare_thread(const ResrDedupCompareArgs *a, int bx, int by)
{
    if (resr_dedup_block_diff(&a->fmt, &a->a, &a->b, a->comp, bx, by, a->cw, a->ch) > a->threshold)
        ((volatile ResrCudaControl *)(uintptr_t)a->control)->differs = 1;
}

/* Whether a copy launch does its work this frame. */
RESR_HD int resr_dedup_copy_runs(const ResrDedupCopyArgs *a)
{
    return resr_control_reusing(a->control) == a->when_reuse;
}

/* Byte x of row y. */
RESR_HD void resr_dedup_copy_thread(const ResrDedupCopyArgs *a, int x, int y)
{
    const uint8_t *src = (const uint8_t *)(uintptr_t)a->src + (int64_t)y * a->src_pitch;
    uint8_t *dst = (uint8_t *)(uintptr_t)a->dst + (int64_t)y * a->dst_pitch;
    dst[x] = src[x];
}

#endif /* RESR_CUDA_DEDUP_MATH_CUH */
