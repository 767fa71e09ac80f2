/*
 * Additive noise of the degradation model, as BasicSR's degradations.py adds it
 * (add_gaussian_noise_pt, add_poisson_noise_pt with clip=True, rounds=False):
 *   gaussian: out = clamp01(img + n * sigma/255), n ~ N(0,1) per channel, or one n for all
 *             three channels when gray;
 *   poisson:  with v = 2^ceil(log2(number of distinct values of round(img*255)/255 over the
 *             frame's channels)), noise = (Poisson(q*v)/v - q) * scale where q is the rounded
 *             image, or its rounded luma 0.2989 R + 0.587 G + 0.114 B (and v counted on it)
 *             when gray; out = clamp01(img + noise).
 * Per-pixel draws come from a counter stream keyed by the frame's key and the stage, so
 * the values do not depend on how rows are split over threads.
 */
#ifndef RESR_DEGRADE_NOISE_H
#define RESR_DEGRADE_NOISE_H

#include <stdint.h>

typedef enum ResrNoiseType {
    RESR_NOISE_NONE,
    RESR_NOISE_GAUSSIAN,
    RESR_NOISE_POISSON,
    RESR_NOISE_NB
} ResrNoiseType;

typedef struct ResrNoise {
    ResrNoiseType type;
    double sigma;       /* gaussian, 0-255 units */
    double scale;       /* poisson */
    int gray;
    uint64_t key;       /* per frame and stage */
} ResrNoise;

const char *resr_noise_name(ResrNoiseType type);

/* Poisson's v for planes rgb (3 planes of n floats): 2^ceil(log2(distinct values)), over
 * the three channels, or over the rounded luma when gray. */
double resr_poisson_levels(const float *const rgb[3], size_t n, int gray);

/* Adds the noise to rows y0..y1-1 of the w-wide planes rgb, in place. levels: from
 * resr_poisson_levels (poisson only). */
void resr_noise_rows(const ResrNoise *nz, float *const rgb[3], int w, int y0, int y1,
                     double levels);

#endif /* RESR_DEGRADE_NOISE_H */
