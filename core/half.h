/*
 * IEEE binary16 and bfloat16 <-> float on bit patterns, round to nearest even: the CUDA
 * engine packs weights with these, the CPU twins emulate the kernels' operand rounding
 * with them, and the conversion kernels read operand-typed buffers through them.
 * (models/state_dict.c decodes checkpoint tensors with its own resr_f16_to_f32: the
 * loader sits on the floor below and includes nothing from here.)
 */
#ifndef RESR_CORE_HALF_H
#define RESR_CORE_HALF_H

#include <stdint.h>
#include <string.h>

#include "hd.h"

RESR_HD uint32_t resr_float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

RESR_HD float resr_bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

RESR_HD float resr_half_to_float(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ffu;

    if (exp == 0x1f)
        return resr_bits_float(sign | 0x7f800000u | (man << 13));
    if (exp == 0) {
        if (!man)
            return resr_bits_float(sign);
        /* subnormal: value = man * 2^-24, exact in float */
        const float v = (float)man * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    return resr_bits_float(sign | ((exp + 112) << 23) | (man << 13));
}

RESR_HD uint16_t resr_float_to_half(float f)
{
    const uint32_t u = resr_float_bits(f);
    const uint32_t sign = (u >> 16) & 0x8000u;
    const uint32_t abs = u & 0x7fffffffu;

    if (abs >= 0x7f800000u)  /* Inf, NaN (quiet, payload kept as far as it fits) */
        return (uint16_t)(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u | ((abs >> 13) & 0x3ffu) : 0));
    if (abs >= 0x477ff000u)  /* rounds to >= 65520: Inf */
        return (uint16_t)(sign | 0x7c00u);
    if (abs < 0x38800000u) {
        /* result subnormal (or zero): round abs / 2^-24 to an integer, ties to even */
        const uint32_t shift = 126 - (abs >> 23);       /* >= 14 */
        if (shift > 24)
            return (uint16_t)sign;
        const uint32_t man = (abs & 0x7fffffu) | 0x800000u;
        const uint32_t q = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
        return (uint16_t)(sign | (q + (rem > half || (rem == half && (q & 1)))));
    }
    const uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1);
    return (uint16_t)(sign | ((rounded - 0x38000000u) >> 13));
}

RESR_HD float resr_bf16_to_float(uint16_t b)
{
    return resr_bits_float((uint32_t)b << 16);
}

RESR_HD uint16_t resr_float_to_bf16(float f)
{
    const uint32_t u = resr_float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}

#endif /* RESR_CORE_HALF_H */
