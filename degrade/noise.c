/*
 * Gaussian and Poisson noise (noise.h).
 */
#include <math.h>
#include <stddef.h>

#include "core/colour_math.h"

#include "noise.h"
#include "rng.h"

static const char *const noise_names[RESR_NOISE_NB] = { "none", "gaussian", "poisson" };

const char *resr_noise_name(ResrNoiseType type)
{
    return (unsigned)type < RESR_NOISE_NB ? noise_names[type] : "?";
}

/* round(clamp(v*255, 0, 255)) as torch.clamp((v * 255).round(), 0, 255): an integer code */
static int code255(float v)
{
    const float c = rintf(v * 255.0f);   /* torch.round: half to even, as rintf */
    return c > 0.0f ? (c < 255.0f ? (int)c : 255) : 0;
}

/* torchvision's rgb_to_grayscale weights */
static float luma(float r, float g, float b)
{
    return 0.2989f * r + 0.587f * g + 0.114f * b;
}

double resr_poisson_levels(const float *const rgb[3], size_t n, int gray)
{
    unsigned char seen[256] = { 0 };
    int distinct = 0;

    for (size_t i = 0; i < n; i++) {
        if (gray) {
            seen[code255(luma(rgb[0][i], rgb[1][i], rgb[2][i]))] = 1;
        } else {
            for (int c = 0; c < 3; c++)
                seen[code255(rgb[c][i])] = 1;
        }
    }
    for (int i = 0; i < 256; i++)
        distinct += seen[i];
    return exp2(ceil(log2((double)distinct)));
}

static float gaussian_noise(ResrRng *r, double sigma)
{
    return (float)(resr_rng_normal(r) * sigma / 255.0);
}

/* Poisson(q*v)/v - q for the rounded value q of v0 */
static float poisson_noise(ResrRng *r, float v0, double levels)
{
    const double q = code255(v0) / 255.0;
    return (float)(resr_rng_poisson(r, q * levels) / levels - q);
}

void resr_noise_rows(const ResrNoise *nz, float *const rgb[3], int w, int y0, int y1,
                     double levels)
{
    for (int y = y0; y < y1; y++) {
        for (int x = 0; x < w; x++) {
            const size_t i = (size_t)y * w + x;
            ResrRng r = resr_rng_keyed(nz->key, i);
            float n[3];
            if (nz->type == RESR_NOISE_GAUSSIAN) {
                n[0] = gaussian_noise(&r, nz->sigma);
                n[1] = nz->gray ? n[0] : gaussian_noise(&r, nz->sigma);
                n[2] = nz->gray ? n[0] : gaussian_noise(&r, nz->sigma);
            } else {
                const float sc = (float)nz->scale;
                if (nz->gray) {
                    n[0] = n[1] = n[2] = sc * poisson_noise(&r, luma(rgb[0][i], rgb[1][i], rgb[2][i]), levels);
                } else {
                    for (int c = 0; c < 3; c++)
                        n[c] = sc * poisson_noise(&r, rgb[c][i], levels);
                }
            }
            for (int c = 0; c < 3; c++)
                rgb[c][i] = resr_clamp01(rgb[c][i] + n[c]);
        }
    }
}
