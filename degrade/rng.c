/*
 * Seeded random numbers for the degradation (rng.h). Everything here is integer or
 * double arithmetic in a fixed order, so a seed reproduces bit for bit on any machine
 * with IEEE doubles and a correctly rounded libm exp/log/sqrt/cos.
 */
#include <math.h>

#include "rng.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL

ResrRng resr_rng_frame(uint64_t seed, int64_t frame_index)
{
    ResrRng r = { resr_rng_mix(resr_rng_mix(seed ^ 0x5265616c45535247ULL) + (uint64_t)frame_index * GOLDEN) };
    return r;
}

ResrRng resr_rng_keyed(uint64_t key, uint64_t counter)
{
    ResrRng r = { resr_rng_mix(key + counter * GOLDEN) };
    return r;
}

uint64_t resr_rng_next(ResrRng *r)
{
    r->state += GOLDEN;
    return resr_rng_mix(r->state);
}

double resr_rng_uniform(ResrRng *r)
{
    return (double)(resr_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double resr_rng_range(ResrRng *r, double lo, double hi)
{
    return lo + (hi - lo) * resr_rng_uniform(r);
}

int resr_rng_choice(ResrRng *r, const double *prob, int n)
{
    double total = 0.0, acc = 0.0;
    for (int i = 0; i < n; i++)
        total += prob[i];
    const double u = resr_rng_uniform(r) * total;
    for (int i = 0; i < n - 1; i++) {
        acc += prob[i];
        if (u < acc)
            return i;
    }
    return n - 1;
}

double resr_rng_normal(ResrRng *r)
{
    /* 1 - u is in (0, 1]: log never sees 0 */
    const double u1 = 1.0 - resr_rng_uniform(r), u2 = resr_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Knuth's product of uniforms: exact, O(lambda) draws; used for small means. */
static double poisson_small(ResrRng *r, double lambda)
{
    const double limit = exp(-lambda);
    double p = resr_rng_uniform(r);
    int k = 0;
    while (p > limit) {
        p *= resr_rng_uniform(r);
        k++;
    }
    return k;
}

/* log(k!) without lgamma (which writes the global signgam: not for threads): exact sums
 * below 16, Stirling's series above (error < 1e-13 there). */
static double log_factorial(double k)
{
    if (k < 16.0) {
        double s = 0.0;
        for (int i = 2; i <= (int)k; i++)
            s += log((double)i);
        return s;
    }
    const double n = k + 1.0, n2 = n * n;
    return (n - 0.5) * log(n) - n + 0.91893853320467274178 +
           (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * n2)) / n2) / n;
}

/* W. Hörmann, "The transformed rejection method for generating Poisson random
 * variables" (1993), algorithm PTRS; exact for lambda >= 10. */
static double poisson_ptrs(ResrRng *r, double lambda)
{
    const double slam = sqrt(lambda), loglam = log(lambda);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);

    for (;;) {
        const double u = resr_rng_uniform(r) - 0.5, v = resr_rng_uniform(r);
        const double us = 0.5 - fabs(u);
        const double k = floor((2 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr)
            return k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - log_factorial(k))
            return k;
    }
}

double resr_rng_poisson(ResrRng *r, double lambda)
{
    if (!(lambda > 0.0))
        return 0.0;
    return lambda < 10.0 ? poisson_small(r, lambda) : poisson_ptrs(r, lambda);
}
