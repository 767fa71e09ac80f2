/*
 * The e4m3 fp8 format (OCP FP8 E4M3, what sm_89+ tensor cores take for precision=fp8):
 * sign, 4 exponent bits (bias 7), 3 mantissa bits; no infinities, 0x7f / 0xff are NaN, the
 * largest finite value is 448, the smallest subnormal 2^-9. The conversion is the one the
 * kernels' cvt.rn.satfinite.e4m3x2 performs: round to nearest even, saturate to +-448
 * (infinities too), NaN stays NaN. One definition for the CPU twins and device code.
 */
#ifndef RESR_CORE_E4M3_H
#define RESR_CORE_E4M3_H

#include <math.h>
#include <stdint.h>

#include "half.h"
#include "hd.h"

#define RESR_E4M3_MAX 448.0f

RESR_HD uint8_t resr_float_to_e4m3(float v)
{
    const uint8_t sign = (uint8_t)((resr_float_bits(v) >> 24) & 0x80);
    const float a = fabsf(v);

    if (a != a)
        return 0x7f;
    if (a >= RESR_E4M3_MAX)
        return sign | 0x7e;
    /* below 2^-6 the codes are m * 2^-9 (m = 8 rounds up into the first normal code, 0x08);
     * above, e and m of 2^e * (1 + m/8): both products are exact in float, so rintf rounds once */
    if (a < 0.015625f)
        return sign | (uint8_t)rintf(a * 512.0f);
    const int e = (int)((resr_float_bits(a) >> 23) & 0xff) - 127;
    const int m = (int)rintf((ldexpf(a, -e) - 1.0f) * 8.0f);   /* 8 carries into the exponent */
    return sign | (uint8_t)(((e + 7) << 3) + m);
}

RESR_HD float resr_e4m3_to_float(uint8_t c)
{
    const int e = (c >> 3) & 15, m = c & 7;
    float a;

    if (e == 15 && m == 7)
        return resr_bits_float(0x7fc00000u);
    a = e ? ldexpf((float)(8 + m), e - 10) : ldexpf((float)m, -9);
    return c & 0x80 ? -a : a;
}

/* What an operand becomes on its way to the fp8 tensor cores. */
RESR_HD float resr_e4m3_round(float v)
{
    return resr_e4m3_to_float(resr_float_to_e4m3(v));
}

#endif /* RESR_CORE_E4M3_H */
