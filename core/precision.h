/*
 * The arithmetic an engine computes in, and how tensors of each precision are stored:
 * fp16 and bf16 as 16-bit patterns (core/half.h), fp32 as floats. The CUDA engine's
 * operand buffers use these values; the CPU engine computes in fp32.
 */
#ifndef RESR_CORE_PRECISION_H
#define RESR_CORE_PRECISION_H

#include <stdint.h>

#include "half.h"
#include "hd.h"

typedef enum ResrPrecision {
    RESR_PRECISION_FP16 = 0,  /* tensor cores, f16 x f16 -> f32 (CUDA) */
    RESR_PRECISION_BF16 = 1,  /* tensor cores, bf16 x bf16 -> f32 (CUDA, sm_80+) */
    RESR_PRECISION_FP32 = 2,  /* plain fp32: the CPU engine, CUDA without tensor cores */
    RESR_PRECISION_FP8  = 3,  /* CUDA sm_89+: e4m3 x e4m3 -> f32 inside the convs, activations
                               * stored in fp16 between them (cuda/README.md, "fp8") */
} ResrPrecision;

static inline const char *resr_precision_name(ResrPrecision p)
{
    return p == RESR_PRECISION_FP16 ? "fp16" : p == RESR_PRECISION_BF16 ? "bf16" :
           p == RESR_PRECISION_FP8 ? "fp8" : "fp32";
}

/* Element i of a tensor stored in precision p, as float. */
RESR_HD float resr_tensor_load(const void *base, int64_t i, int p)
{
    if (p == RESR_PRECISION_FP32)
        return ((const float *)base)[i];
    const uint16_t b = ((const uint16_t *)base)[i];
    return p == RESR_PRECISION_FP16 ? resr_half_to_float(b) : resr_bf16_to_float(b);
}

/* Stores v as element i of a tensor in precision p (round to nearest even). */
RESR_HD void resr_tensor_store(void *base, int64_t i, int p, float v)
{
    if (p == RESR_PRECISION_FP32)
        ((float *)base)[i] = v;
    else
        ((uint16_t *)base)[i] = p == RESR_PRECISION_FP16 ? resr_float_to_half(v) : resr_float_to_bf16(v);
}

#endif /* RESR_CORE_PRECISION_H */
