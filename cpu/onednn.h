/*
 * The oneDNN convolution path of the CPU network (cpu/onednn.c): each of the network's 3x3
 * convolutions as one oneDNN primitive (bias and LeakyReLU fused as post-ops) on dense NHWC
 * operands, with PReLU, the network's residual adds and stores in one pass after it. Primitives are created on first use for each output
 * size and kept (a few per conv: the tile sizes and tail strips of one frame plan). Built when ./configure finds oneDNN 2.x (RESR_HAVE_ONEDNN,
 * build/onednn_config.h); otherwise every call reports -ENOSYS.
 */
#ifndef RESR_CPU_ONEDNN_H
#define RESR_CPU_ONEDNN_H

#include <stddef.h>

#include "../core/precision.h"
#include "../models/model.h"
#include "conv3x3.h"
#include "thread_pool.h"

typedef struct ResrOnednn ResrOnednn;

/* Whether this build has the oneDNN path. */
int resr_onednn_built(void);

/* Whether oneDNN's ISA on this CPU has bf16 (AVX512-BF16 or AMX). */
int resr_onednn_isa_has_bf16(void);

/* Whether precision=bf16 really computes in bf16 here: the ISA has it and this oneDNN applies
 * its bf16 math mode to our convolutions (a one-time probe conv; oneDNN 2.6 computes fp32). */
int resr_onednn_have_bf16(void);

/* Whether oneDNN's ISA on this CPU is AVX-512 (avx512_core) or better. */
int resr_onednn_have_avx512(void);

/* oneDNN's best ISA on this CPU, e.g. "avx2", "avx512_core_amx"; "none" without oneDNN. */
const char *resr_onednn_isa_name(void);

/*
 * precision: RESR_PRECISION_FP32 (exact within fp32 rounding), or RESR_PRECISION_BF16
 * (oneDNN's bf16 math mode; -ENOTSUP unless resr_onednn_have_bf16()). pool: the network's
 * (kept, not owned): its thread count is the OpenMP threads oneDNN's primitives run on (set
 * on the calling thread before each call), its threads do the copies and the epilogue.
 * Returns 0, -ENOSYS (built without oneDNN), -ENOTSUP, -ENOMEM or -EINVAL.
 */
int resr_onednn_create(ResrOnednn **out, const ResrModel *model, ResrPrecision precision,
                       ResrThreadPool *pool);

/*
 * Makes room for the dense scratch: in_floats for the largest input that is not dense where
 * it lies ((w + 2) x (h + 2) x in_channels: a dense block's channel prefix, an upsampled
 * input), out_floats for the largest output (w x h x out_channels). 0 or -ENOMEM.
 */
int resr_onednn_reserve(ResrOnednn *dnn, size_t in_floats, size_t out_floats);

/*
 * Runs convolution `index` of the model with p's semantics (conv3x3.h: the whole output,
 * rows 0..height). Returns 0, or a negative errno when oneDNN refused the shape (the first
 * call of a shape creates its primitive).
 */
int resr_onednn_conv(ResrOnednn *dnn, int index, const ResrConvParams *p);

/* Creates (or finds) the primitive resr_onednn_conv will use for p, without running it. */
int resr_onednn_prepare(ResrOnednn *dnn, int index, const ResrConvParams *p);

/* The implementation oneDNN chose for the last primitive created, e.g. "jit:avx2". */
const char *resr_onednn_impl(const ResrOnednn *dnn);

void resr_onednn_free(ResrOnednn **dnn);

#endif /* RESR_CPU_ONEDNN_H */
