/*
 * Which conv kernel each layer runs on a given GPU: the legacy mma.sync kernel (48 KiB of
 * static shared memory, every sm_75+ GPU) or the wide one (conv3x3_wide.cu: 8 warps, a
 * 2-4 stage pipeline in dynamic shared memory past 48 KiB, which the function must be
 * opted into). The stage count comes from a table of the shared memory one block may opt
 * into per compute capability (CUDA C++ Programming Guide, "Compute Capabilities").
 * Plain C, no driver calls: the engine applies the choice and does the opt-in.
 */
#ifndef RESR_CUDA_TILES_H
#define RESR_CUDA_TILES_H

#include "cuda_plan.h"

typedef enum ResrCudaTiles {
    RESR_CUDA_TILES_AUTO = 0,   /* legacy until a GPU run has checked the wide kernels (as
                                 * cuda_conv=auto stays on mma.sync): then the table's choice */
    RESR_CUDA_TILES_LEGACY,     /* the 48 KiB kernels everywhere */
    RESR_CUDA_TILES_WIDE,       /* wide where the table allows it (its stage count), else legacy */
    RESR_CUDA_TILES_WIDE2,      /* wide with 2, 3 or 4 stages, where they fit */
    RESR_CUDA_TILES_WIDE3,
    RESR_CUDA_TILES_WIDE4,
} ResrCudaTiles;

/* Bytes of shared memory one block may use on compute capability sm (10 * major + minor)
 * once opted in; 48 KiB where there is no opt-in (below 7.0) or the GPU is unknown. */
unsigned resr_cuda_tiles_optin_smem(int sm);

/* Pipeline stages of the wide kernel for a conv of block width bn in math on sm: 0 (the
 * legacy kernel: fp32, bn 16/48, below sm_80 (no cp.async), or too little shared memory),
 * else 3 or 4: as many as fit, at most 4; 3 on sm_86/89 (99 KiB), 4 on sm_80/87/90. */
int resr_cuda_tiles_stages(int sm, int bn, ResrPrecision math);

/* RESR_CUDA_TILES's value (NULL or "" = auto): 0 and *mode, or -EINVAL for another word. */
int resr_cuda_tiles_parse(const char *s, ResrCudaTiles *mode);

/* Sets every conv's wide_stages for sm and mode (legacy, and the fp8 convs: 0). A forced stage count that
 * does not fit falls back to the table's. Returns how many convs run wide. */
int resr_cuda_tiles_apply(ResrCudaWeights *w, int sm, ResrCudaTiles mode);

#endif /* RESR_CUDA_TILES_H */
