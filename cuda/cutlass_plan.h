/*
 * Which 3x3 convs the CUTLASS sm_90a kernels (cuda/cutlass/conv3x3_sm90.cu) may take, in
 * plain C for the engine's plan and the tests: the device check (sm_90a SASS runs on
 * compute capability 9.0 only), the per-layer kernel choice, and the view checks that
 * CUTLASS's can_implement leaves out (it accepted a 200-byte pitch and a misaligned base
 * in the compile-only study: the TMA descriptors need them, so we check them here).
 * cuda_engine.c launches them (cuda_conv=cutlass) through the driver with the Params that
 * cutlass/sm90_params.cu makes; the weights they read are packed here.
 */
#ifndef RESR_CUDA_CUTLASS_PLAN_H
#define RESR_CUDA_CUTLASS_PLAN_H

#include <stdint.h>

#include <stddef.h>

#include "../core/precision.h"
#include "../models/model.h"
#include "cuda_plan.h"
#include "kernel_args.h"

/* The instantiated kernels, as named in the cubin. */
enum {
    RESR_SM90_CONV_F16_N64 = 0,   /* resr_conv3x3_sm90_f16_n64: fp16, C_out 64, no residual */
    RESR_SM90_CONV_F16_N32,       /* resr_conv3x3_sm90_f16_n32: fp16, C_out 32 (growth convs) */
    RESR_SM90_CONV_F16_N64_RES,   /* resr_conv3x3_sm90_f16_n64_res: C_out 64, + fp16 res1 */
    RESR_SM90_CONV_BF16_N64,      /* the same three in bf16 */
    RESR_SM90_CONV_BF16_N32,
    RESR_SM90_CONV_BF16_N64_RES,
    RESR_SM90_KERNEL_COUNT
};

extern const char *const resr_sm90_kernel_names[RESR_SM90_KERNEL_COUNT];

/* 1 for the bf16 kernels (RESR_SM90_CONV_BF16_*) */
int resr_sm90_kernel_is_bf16(int kernel);

/* 1 when the GPU runs sm_90a code (H100/H200/GH200: 9.0); 10.x and 12.x do not. */
int resr_sm90_device_ok(int cc_major, int cc_minor);

/* One conv as the plan sees it. */
typedef struct ResrSm90Conv {
    ResrPrecision math;
    int in_channels, out_channels;
    int upsample;                /* input upsampling factor: 1 none, 2 nearest-x2 (mma.sync only) */
    int has_res1, has_res2;      /* residual adds */
    int has_dst_f32;             /* a float output */
} ResrSm90Conv;

/* The kernel for this conv (RESR_SM90_*), or -1 with *why saying what the CUTLASS path
 * lacks (the mma.sync kernels then run it). */
int resr_sm90_kernel_for(const ResrSm90Conv *conv, const char **why);

/*
 * A channels-last view as a TMA descriptor sees it: element (pixel p, channel c) at
 * base + (p * pixel_stride + c) * elem_size. TMA needs base and pitch 16-byte aligned,
 * channels a multiple of 8 (16 bytes of fp16) and pixel_stride >= channels. Returns 0,
 * or -EINVAL with *why naming the problem.
 */
int resr_sm90_check_view(uint64_t base, int64_t pixel_stride, int channels, int elem_size,
                         const char **why);

/* The conv a launch of the mma.sync kernels would run (its args), as resr_sm90_kernel_for
 * sees it; conv is the model's conv (its real channel counts, not the padded ones). */
void resr_sm90_conv_of(ResrSm90Conv *out, const ResrConvArgs *a, const ResrConv3x3 *conv,
                       ResrPrecision math);

/*
 * The weights of the convs the CUTLASS kernels may run (C_in a multiple of 8, C_out 32 or
 * 64), in their own blob: per conv, 256-byte aligned,
 *   fp16 or bf16 (math) [C_out][3][3][C_in] (KRSC), times 2^weight_exp as the mma.sync packing
 *   ResrSm90Epilogue                (bias, slope, acc_scale, res1_scale)
 * at offset[i] (RESR_SM90_NO_WEIGHTS for the other convs). The kernel's epilogue reads
 * bias and slope from here; the record is also what the fake driver's CPU twin of the
 * kernel reads (tests/cuda/fake_libcuda.c), 256 bytes past the weights' end, rounded.
 */
#define RESR_SM90_NO_WEIGHTS ((size_t)-1)

typedef struct ResrSm90EpilogueHead {
    float acc_scale;             /* 2^-weight_exp */
    float res1_scale;            /* RRDB's 5th dense conv: 0.2; else 1 */
    float pad[2];
    /* then float bias[C_out], float slope[C_out] */
} ResrSm90EpilogueHead;

typedef struct ResrSm90Weights {
    int num_convs;
    size_t *offset;
    float *res1_scale;           /* per conv, as in its record */
    size_t size;
    uint8_t *blob;               /* host copy; the engine uploads it once */
} ResrSm90Weights;

/* Offset of conv's epilogue record from its weights. */
size_t resr_sm90_epilogue_offset(int in_channels, int out_channels);

/* weight_exp: per conv, the mma.sync packing's exponent (ResrCudaConvLayout.weight_exp). */
int resr_sm90_weights_pack(ResrSm90Weights *w, const ResrModel *model, const int *weight_exp,
                           ResrPrecision math);
void resr_sm90_weights_free(ResrSm90Weights *w);

/* The model conv whose mma.sync weights are at weights_base + offset (l's args.conv.weight),
 * or -1. */
int resr_sm90_conv_index(const ResrCudaWeights *w, uint64_t weights_base, uint64_t weight);

/*
 * The per-layer choice for one launch of the tile program (cuda_plan.c): the CUTLASS
 * kernel that runs it (RESR_SM90_*), or -1 with *why when it stays on mma.sync: not a
 * conv, no CUTLASS weights for it (sw), resr_sm90_kernel_for refuses it, a view TMA
 * cannot address (resr_sm90_check_view on the input, output and residual), no control
 * block, or a residual scale other than the packed one. *index: the model conv, or -1.
 */
int resr_sm90_route(const ResrCudaLaunch *l, const ResrModel *m, const ResrCudaWeights *w,
                    uint64_t weights_base, const ResrSm90Weights *sw, int *index, const char **why);

#endif /* RESR_CUDA_CUTLASS_PLAN_H */
