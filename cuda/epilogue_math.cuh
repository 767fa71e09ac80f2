/*
 * The conv epilogue's storage steps, written once for every conv kernel (mma.sync in
 * device_common.cuh, CUTLASS sm_90a in cutlass/resr_epilogue.cuh) and for the CPU tests:
 * the saturation before narrowing and the running max |value| the overflow control reads.
 * (The arithmetic before them, bias, activation and residuals, is conv_tiling.cuh's.)
 */
#ifndef RESR_CUDA_EPILOGUE_MATH_CUH
#define RESR_CUDA_EPILOGUE_MATH_CUH

#include <math.h>
#include <stdint.h>

#include "../core/half.h"
#include "../core/hd.h"

/* Saturates to +-limit when limit > 0 (NaN becomes -limit: fmaxf drops the NaN), so an
 * overflowing pass stores finite values that a retry overwrites. */
RESR_HD float resr_saturate(float v, float limit)
{
    if (limit > 0.0f)
        v = fminf(fmaxf(v, -limit), limit);
    return v;
}

/* max(|v|, running) where NaN counts as Inf, so a NaN can never hide. */
RESR_HD float resr_track_max_abs(float running, float v)
{
    const float m = fabsf(v);
    if (!(m <= running))
        running = m != m ? resr_bits_float(0x7f800000u) : m;
    return running;
}

#endif /* RESR_CUDA_EPILOGUE_MATH_CUH */
