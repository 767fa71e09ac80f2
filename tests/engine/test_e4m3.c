/*
 * core/e4m3.h, the fp8 (OCP E4M3) conversions precision=fp8 runs on, against the format's
 * definition written out here independently: all 256 codes decode to their value; every
 * finite code round-trips; the conversion of a float is the nearest code with ties to the
 * even code, found here by searching the 126 positive finite values (a different method
 * than the library's exponent/mantissa arithmetic); values beyond 448 and infinities
 * saturate to +-448 (cvt.rn.satfinite's behaviour, documented in e4m3.h); NaN becomes 0x7f.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "../../core/e4m3.h"
#include "../common/test_util.h"

/*
 * The definition (OCP 8-bit floating point, E4M3): bit 7 sign, bits 6-3 exponent E with
 * bias 7, bits 2-0 mantissa M. E = 0: subnormal, M/8 * 2^-6. E = 1..15: (1 + M/8) * 2^(E-7),
 * except E = 15, M = 7 which is NaN (no infinities). So 0x7e = 1.75 * 2^8 = 448.
 */
static double def_value(unsigned code)
{
    const unsigned e = (code >> 3) & 15, m = code & 7;
    const double sign = code & 0x80 ? -1.0 : 1.0;

    if (e == 15 && m == 7)
        return NAN;
    if (e == 0)
        return sign * (m / 8.0) * pow(2.0, -6);
    return sign * (1.0 + m / 8.0) * pow(2.0, (double)e - 7);
}

/* Nearest positive code to a >= 0 by search over codes 0x00..0x7e (increasing values);
 * a tie goes to the even code (mantissa bit 0 clear); beyond 448: 0x7e (saturation). */
static unsigned def_encode_abs(double a)
{
    unsigned best = 0;

    for (unsigned c = 1; c <= 0x7e; c++) {
        const double d = fabs(def_value(c) - a), db = fabs(def_value(best) - a);
        if (d < db || (d == db && !(c & 1)))
            best = c;
    }
    return best;
}

static unsigned def_encode(float v)
{
    if (v != v)
        return 0x7f;
    return (signbit(v) ? 0x80 : 0) | def_encode_abs(fabs((double)v));
}

static void test_decode(void)
{
    int bad = 0;

    for (unsigned c = 0; c < 256; c++) {
        const double want = def_value(c);
        const float got = resr_e4m3_to_float((uint8_t)c);
        const int ok = want != want ? got != got : (double)got == want && !signbit(got) == !signbit(want);
        if (!ok && bad++ < 5)
            printf("  code 0x%02x: got %.9g want %.9g\n", c, got, want);
    }
    /* a few values by hand: the largest, 1, 2, the smallest normal and subnormal */
    const struct { unsigned code; float v; } known[] = {
        { 0x7e, 448.0f }, { 0x38, 1.0f }, { 0x40, 2.0f }, { 0x08, 0.015625f },
        { 0x01, 0.001953125f }, { 0xfe, -448.0f }, { 0x80, -0.0f }, { 0x77, 240.0f },
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (resr_e4m3_to_float((uint8_t)known[i].code) != known[i].v && bad++ < 5)
            printf("  code 0x%02x is not %g\n", known[i].code, known[i].v);
    resr_test_check(!bad && resr_e4m3_to_float(0x7f) != resr_e4m3_to_float(0x7f) &&
                    resr_e4m3_to_float(0xff) != resr_e4m3_to_float(0xff),
                    "e4m3_decode_all_codes", "%d codes wrong (0x7f/0xff must be NaN)", bad);
}

static void test_round_trip(void)
{
    int bad = 0;

    for (unsigned c = 0; c < 256; c++) {
        if ((c & 0x7f) == 0x7f)
            continue;
        const unsigned got = resr_float_to_e4m3((float)def_value(c));
        if (got != c && bad++ < 5)
            printf("  0x%02x (%g) encodes to 0x%02x\n", c, def_value(c), got);
    }
    resr_test_check(!bad, "e4m3_round_trip", "%d of 254 finite codes do not round-trip", bad);
}

/* Midpoints between neighbouring positive codes go to the even one; just off them, to the
 * nearer. Also the midpoint between 0 and the smallest subnormal. */
static void test_midpoints(void)
{
    int bad = 0, n = 0;

    for (unsigned c = 0; c < 0x7e; c++) {
        const double lo = def_value(c), hi = def_value(c + 1), mid = (lo + hi) / 2;
        const unsigned even = c & 1 ? c + 1 : c;
        const float m = (float)mid;   /* exact: a few bits past e4m3's */
        const struct { float v; unsigned want; } cases[] = {
            { m, even }, { nextafterf(m, 0.0f), c }, { nextafterf(m, INFINITY), c + 1 },
            { -m, 0x80 | even }, { nextafterf(-m, -INFINITY), 0x80 | (c + 1) },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++, n++) {
            const unsigned got = resr_float_to_e4m3(cases[i].v);
            if (got != cases[i].want && bad++ < 5)
                printf("  %.9g: got 0x%02x want 0x%02x\n", cases[i].v, got, cases[i].want);
        }
    }
    resr_test_check(!bad, "e4m3_midpoints_to_even", "%d of %d roundings wrong", bad, n);
}

static void test_saturate_nan(void)
{
    const float big[] = { 448.0f, 448.5f, 463.99f, 464.0f, 480.0f, 1e4f, 65504.0f, FLT_MAX, INFINITY };
    int bad = 0;

    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        if (resr_float_to_e4m3(big[i]) != 0x7e && bad++ < 5)
            printf("  %g -> 0x%02x, want 0x7e\n", big[i], resr_float_to_e4m3(big[i]));
        if (resr_float_to_e4m3(-big[i]) != 0xfe && bad++ < 5)
            printf("  %g -> 0x%02x, want 0xfe\n", -big[i], resr_float_to_e4m3(-big[i]));
    }
    if ((resr_float_to_e4m3(NAN) & 0x7f) != 0x7f || (resr_float_to_e4m3(-NAN) & 0x7f) != 0x7f)
        bad++, printf("  NaN does not encode to NaN\n");
    if (resr_e4m3_round(NAN) == resr_e4m3_round(NAN))
        bad++, printf("  resr_e4m3_round(NaN) is not NaN\n");
    resr_test_check(!bad, "e4m3_saturate_and_nan", "%d wrong", bad);
}

/* Random floats over the whole range (and beyond) against the search. */
static void test_random(void)
{
    uint32_t s = 2463534242u;
    int bad = 0;
    const int n = 200000;

    for (int i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 17, s ^= s << 5;
        /* exponents 2^-14 .. 2^10: subnormals, normals, saturation; any mantissa and sign */
        const float v = ldexpf(1.0f + (float)(s >> 9) / 8388608.0f, (int)(s % 25) - 14) * (s & 0x100 ? -1.0f : 1.0f);
        const unsigned got = resr_float_to_e4m3(v), want = def_encode(v);
        if (got != want && bad++ < 5)
            printf("  %.9g: got 0x%02x want 0x%02x\n", v, got, want);
        if (resr_e4m3_round(v) != (float)def_value(want) && bad++ < 5)
            printf("  resr_e4m3_round(%.9g) = %.9g\n", v, resr_e4m3_round(v));
    }
    resr_test_check(!bad, "e4m3_random_vs_search", "%d of %d wrong", bad, n);
}

int main(void)
{
    test_decode();
    test_round_trip();
    test_midpoints();
    test_saturate_nan();
    test_random();
    return resr_test_exit();
}
