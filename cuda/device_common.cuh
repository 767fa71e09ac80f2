/*
 * Device-side helpers the conv kernels share: operand conversions, the narrowing store
 * that never writes Inf/NaN, and the per-warp status report (largest |value| and
 * overflow count) the host reads once per frame to rescale fp16 runs.
 */
#ifndef RESR_CUDA_DEVICE_COMMON_CUH
#define RESR_CUDA_DEVICE_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "control_math.cuh"
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

/* The warp's largest value of v (lane 0 has it). */
static __device__ __forceinline__ float warp_max(float v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* Lane 0 of a warp: records its maximum (one atomic, only when it beats the record) and
 * counts an overflow. */
static __device__ __forceinline__ void record_status(const ResrConvArgs &a, float max_abs, bool overflow)
{
    if ((threadIdx.x & 31) == 0) {
        ResrCudaStatus *s = (ResrCudaStatus *)a.status;
        const unsigned bits = __float_as_uint(max_abs);
        if (bits > *(volatile unsigned *)&s->max_abs_bits)
            atomicMax(&s->max_abs_bits, bits);
        if (overflow)
            atomicAdd(&s->overflow, 1u);
    }
}

/* Called by every thread of the block (no early returns before it): one atomic per warp
 * at most, and only when the warp's maximum beats what is recorded. */
static __device__ __forceinline__ void report_status(const ResrConvArgs &a, float max_abs)
{
    if (!a.status)
        return;
    max_abs = warp_max(max_abs);
    record_status(a, max_abs, a.narrow_limit > 0.0f && !(max_abs <= a.narrow_limit));
}

/* precision=fp8: the same, with the largest |input * in_scale| the conv converted to e4m3
 * (resr_fp8_status_max, control_math.cuh: a clipped input is an overflow). */
static __device__ __forceinline__ void report_status_fp8(const ResrConvArgs &a, float max_abs, float in_max)
{
    if (!a.status)
        return;
    max_abs = warp_max(max_abs);
    in_max = warp_max(in_max);
    record_status(a, resr_fp8_status_max(max_abs, in_max),
                  resr_fp8_status_overflow(a.narrow_limit, max_abs, in_max));
}

#endif /* RESR_CUDA_DEVICE_COMMON_CUH */
