/*
 * The CPU network: channels-last, vectorised, multithreaded, buffers planned once for the
 * largest tile. Tested against the plain reference forward (tests/reference/), which is
 * the oracle for it and for the CUDA kernels.
 */
#ifndef RESR_CPU_NETWORK_H
#define RESR_CPU_NETWORK_H

#include "../core/engine.h"
#include "../models/model.h"
#include "rgb_tile.h"

typedef struct ResrNetwork ResrNetwork;

/* threads: worker count, 0 = one per online CPU. */
int resr_network_create(ResrNetwork **out, const ResrModel *model, int threads);

/*
 * Chooses the convolutions: NATIVE, ONEDNN, or AUTO (oneDNN when built in and the CPU has
 * AVX-512 or better, else native; the environment variable RESR_CPU_BACKEND=native|onednn
 * overrides AUTO). resr_network_create chooses AUTO, FP32. precision: FP32, or BF16 (oneDNN only, and
 * only on a CPU with AVX512-BF16 or AMX). Returns 0, -ENOSYS (oneDNN asked for but not built
 * in), -ENOTSUP (bf16 on a CPU without it), -EINVAL, -ENOMEM.
 */
int resr_network_set_backend(ResrNetwork *net, ResrCpuBackend backend, ResrPrecision precision);

/* The backend in use: RESR_CPU_BACKEND_NATIVE or RESR_CPU_BACKEND_ONEDNN. */
ResrCpuBackend resr_network_backend(const ResrNetwork *net);

/* "native (avx2+fma)" or "onednn (isa avx2, last primitive jit:avx2)": logs, benchmarks. */
void resr_network_backend_name(const ResrNetwork *net, char *buf, size_t size);

/* Sizes the arena for input tiles up to max_w x max_h; re-plans only when they grow. */
int resr_network_plan(ResrNetwork *net, int max_w, int max_h);

/* Bytes resr_network_plan allocates for input tiles up to max_w x max_h (weights aside). */
size_t resr_network_arena_bytes(const ResrModel *model, int max_w, int max_h);

/*
 * Runs the network on one tile. in->width and in->height must be multiples of
 * model->unshuffle and within the plan; out must be (in->width*scale) x (in->height*scale).
 * The tile's border is the network's border: convolutions zero-pad there.
 */
int resr_network_forward(ResrNetwork *net, const ResrRgbTile *in, ResrRgbTile *out);

/*
 * Benchmarks: with conv_ms set ([model->num_convs]), every later forward adds each
 * convolution's wall time in milliseconds to conv_ms[i] (i in model->convs order; the
 * strips of RRDBNet's 4x tail add up). NULL turns it off. Costs two clock reads per conv.
 */
void resr_network_profile(ResrNetwork *net, double *conv_ms);

void resr_network_free(ResrNetwork **net);

#endif /* RESR_CPU_NETWORK_H */
