/*
 * Which 3x3 convs the CUTLASS sm_90a kernels (cuda/cutlass/conv3x3_sm90.cu) may take, in
 * plain C for the engine's plan and the tests: the device check (sm_90a SASS runs on
 * compute capability 9.0 only), the per-layer kernel choice, and the view checks that
 * CUTLASS's can_implement leaves out (it accepted a 200-byte pitch and a misaligned base
 * in the compile-only study: the TMA descriptors need them, so we check them here).
 * Not yet called by cuda_plan.c: the host launch of the CUTLASS kernels (TMA descriptors
 * through the driver, cuLaunchKernelEx) is the next step (cuda/README.md).
 */
#ifndef RESR_CUDA_CUTLASS_PLAN_H
#define RESR_CUDA_CUTLASS_PLAN_H

#include <stdint.h>

#include "../core/precision.h"

/* The instantiated kernels, as named in the cubin. */
enum {
    RESR_SM90_CONV_F16_N64 = 0,   /* resr_conv3x3_sm90_f16_n64: fp16, C_out 64, no residual */
    RESR_SM90_CONV_F16_N32,       /* resr_conv3x3_sm90_f16_n32: fp16, C_out 32 (growth convs) */
    RESR_SM90_CONV_F16_N64_RES,   /* resr_conv3x3_sm90_f16_n64_res: C_out 64, + fp16 res1 */
    RESR_SM90_KERNEL_COUNT
};

extern const char *const resr_sm90_kernel_names[RESR_SM90_KERNEL_COUNT];

/* 1 when the GPU runs sm_90a code (H100/H200/GH200: 9.0); 10.x and 12.x do not. */
int resr_sm90_device_ok(int cc_major, int cc_minor);

/* One conv as the plan sees it. */
typedef struct ResrSm90Conv {
    ResrPrecision math;
    int in_channels, out_channels;
    int upsample;                /* 1: nearest-x2 input on the fly (mma.sync only) */
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

#endif /* RESR_CUDA_CUTLASS_PLAN_H */
