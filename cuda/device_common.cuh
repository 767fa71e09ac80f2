/*
 * Device-side helpers the conv kernels share: operand conversions, the narrowing store
 * that never writes Inf/NaN, and the per-warp status report (largest |value| and
 * overflow count) the host reads once per frame to rescale fp16 runs.
 */
#ifndef RESR_CUDA_DEVICE_COMMON_CUH
#define RESR_CUDA_DEVICE_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "epilogue_math.cuh"
#include "kernel_args.h"

static __device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
static __device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
static __device__ __forceinline__ float to_float(float v) { return v; }

/* Saturates to +-limit first (NaN becomes -limit) when limit > 0: storage never holds Inf/NaN
 * (resr_saturate, epilogue_math.cuh). */
template <typename T> static __device__ __forceinline__ T narrow(float v, float limit);

template <> __device__ __forceinline__ __half narrow<__half>(float v, float limit)
{
    return __float2half_rn(resr_saturate(v, limit));
}
template <> __device__ __forceinline__ __nv_bfloat16 narrow<__nv_bfloat16>(float v, float limit)
{
    return __float2bfloat16_rn(resr_saturate(v, limit));
}
template <> __device__ __forceinline__ float narrow<float>(float v, float limit)
{
    return resr_saturate(v, limit);
}

/* max(|v|, running) where NaN counts as Inf, so a NaN can never hide. */
static __device__ __forceinline__ float track_max_abs(float running, float v)
{
    return resr_track_max_abs(running, v);
}

/* Called by every thread of the block (no early returns before it): one atomic per warp
 * at most, and only when the warp's maximum beats what is recorded. */
static __device__ __forceinline__ void report_status(const ResrConvArgs &a, float max_abs)
{
    if (!a.status)
        return;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        max_abs = fmaxf(max_abs, __shfl_xor_sync(0xffffffffu, max_abs, o));
    if ((threadIdx.x & 31) == 0) {
        ResrCudaStatus *s = (ResrCudaStatus *)a.status;
        const unsigned bits = __float_as_uint(max_abs);
        if (bits > *(volatile unsigned *)&s->max_abs_bits)
            atomicMax(&s->max_abs_bits, bits);
        if (a.narrow_limit > 0.0f && !(max_abs <= a.narrow_limit))
            atomicAdd(&s->overflow, 1u);
    }
}

#endif /* RESR_CUDA_DEVICE_COMMON_CUH */
