/*
 * A ResrModel with random weights for a given architecture and shape, built in memory
 * (no checkpoint file): engine and tiling tests use it to cover shapes no official model
 * has (tiny feature counts, x3 SRVGG, x1/x2 RRDBNet) and to run quickly.
 */
#ifndef RESR_TESTS_SYNTHETIC_MODEL_H
#define RESR_TESTS_SYNTHETIC_MODEL_H

#include <stdint.h>

#include "../../models/model.h"

typedef struct ResrSyntheticShape {
    ResrArch arch;
    int scale;        /* SRVGG: any >= 1; RRDBNet: 4, 2 or 1 (unshuffle = 4 / scale) */
    int num_feat;
    int num_grow_ch;  /* RRDBNet only */
    int num_block;    /* RRDBNet only */
    int num_conv;     /* SRVGG only */
} ResrSyntheticShape;

/*
 * Allocates the model with every field filled as resr_model_load would (conv order,
 * names, activations, receptive_radius, num_params), weights uniform in
 * +-sqrt(3/fan_in) (unit-variance-preserving for unit inputs), biases in +-0.1,
 * PReLU slopes in [0, 0.5), all drawn from a fixed generator seeded with seed.
 * Returns 0, -EINVAL (impossible shape) or -ENOMEM.
 */
int resr_synthetic_model_create(ResrModel **out, const ResrSyntheticShape *shape, uint32_t seed);

/* Frees a model made by resr_synthetic_model_create (not one from resr_model_load). */
void resr_synthetic_model_free(ResrModel **model);

/* Uniform floats in [lo, hi) from a xorshift32 state (deterministic across platforms). */
float resr_synthetic_uniform(uint32_t *state, float lo, float hi);

#endif /* RESR_TESTS_SYNTHETIC_MODEL_H */
