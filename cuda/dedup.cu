/*
 * Held frames (dedup) on the device: the compare (one thread per 2x2 block of one
 * component, core/dedup.h's formula) and the conditional plane copy (one thread per byte),
 * both over dedup_math.cuh's bodies.
 */
#include "dedup_math.cuh"

extern "C" __global__ void __launch_bounds__(128) resr_dedup_compare(const ResrDedupCompareArgs a)
{
    const int bx = blockIdx.x * blockDim.x + threadIdx.x;
    const int by = blockIdx.y * blockDim.y + threadIdx.y;

    if (bx * RESR_DEDUP_BLOCK < a.cw && by * RESR_DEDUP_BLOCK < a.ch)
        resr_dedup_compare_thread(&a, bx, by);
}

extern "C" __global__ void __launch_bounds__(128) resr_dedup_copy(const ResrDedupCopyArgs a)
{
    if (!resr_dedup_copy_runs(&a))   /* the other case of this frame's decision */
        return;
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;

    if (x < a.row_bytes && y < a.rows)
        resr_dedup_copy_thread(&a, x, y);
}
