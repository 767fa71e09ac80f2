/*
 * The degradation's random numbers: one stream of parameter draws per frame, derived from
 * the seed and the frame index, and per-pixel noise drawn from a counter (stage, pixel,
 * channel) so that any split of the rows over threads gives the same values.
 */
#ifndef RESR_DEGRADE_RNG_H
#define RESR_DEGRADE_RNG_H

#include <stdint.h>

/* splitmix64's finaliser: a bijective 64-bit mix */
static inline uint64_t resr_rng_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A sequential stream (splitmix64): state advances by the golden gamma per draw. */
typedef struct ResrRng {
    uint64_t state;
} ResrRng;

/* The frame's stream: seed and frame index mixed, different frames independent. */
ResrRng resr_rng_frame(uint64_t seed, int64_t frame_index);
/* A stream keyed by (key, counter): per-pixel noise, independent of the thread split. */
ResrRng resr_rng_keyed(uint64_t key, uint64_t counter);
uint64_t resr_rng_next(ResrRng *r);
/* uniform in [0, 1) with 53 random bits */
double resr_rng_uniform(ResrRng *r);
/* uniform in [lo, hi) */
double resr_rng_range(ResrRng *r, double lo, double hi);
/* index drawn with the given (unnormalised) probabilities, as random.choices */
int resr_rng_choice(ResrRng *r, const double *prob, int n);
/* standard normal (Box-Muller, both uniforms from r) */
double resr_rng_normal(ResrRng *r);
/* Poisson with mean lambda >= 0 (Knuth below 10, Hörmann's PTRS above) */
double resr_rng_poisson(ResrRng *r, double lambda);

#endif /* RESR_DEGRADE_RNG_H */
