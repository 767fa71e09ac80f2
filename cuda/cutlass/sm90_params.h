/*
 * The host side of the CUTLASS sm_90a convs for the engine, in plain C: what one launch of
 * an sm90 entry (cuda/cutlass/conv3x3_sm90.cu) needs, made by cuda/cutlass/sm90_params.cu
 * (host C++ built by nvcc, no CUDA runtime) from a conv described in plain fields. The
 * kernel's Params (TMA descriptors made by the driver's cuTensorMapEncode*, the epilogue
 * tree's arguments) come back as an opaque blob that the engine passes by value to
 * cuLaunchKernelEx; nothing here calls the driver but those two encode functions, given
 * as pointers (cuda/driver_ext.h: FFmpeg's loader lacks them).
 */
#ifndef RESR_CUDA_SM90_PARAMS_H
#define RESR_CUDA_SM90_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* room for any instantiation's Params (checked at compile time in sm90_params.cu) */
#define RESR_SM90_PARAMS_MAX 2048
#ifdef __cplusplus
#define RESR_SM90_ALIGN alignas(128)
#else
#define RESR_SM90_ALIGN _Alignas(128)
#endif

/* One 3x3 conv (stride 1, zero padding 1) over a width x height NHWC picture of the
 * kernel's 2-byte type (fp16 or bf16). Views: element (pixel p, channel c) at
 * base + 2 * (p * pixel + c). */
typedef struct ResrSm90Problem {
    int kernel;                  /* RESR_SM90_* (cutlass_plan.h) */
    int width, height;
    int in_channels, out_channels;
    uint64_t in;  int64_t in_pixel;
    uint64_t weight;             /* [C_out][3][3][C_in] (KRSC), the kernel's type */
    uint64_t bias, slope;        /* float [C_out] */
    uint64_t dst; int64_t dst_pixel;
    uint64_t res1; int64_t res1_pixel;   /* the _res kernel's source C */
    float res1_scale;
    float acc_scale;             /* 2^-weight_exp (the fp16 weights' packing scale) */
    float narrow_limit;          /* fp16: 65504; bf16: 0 (no limit, as the mma.sync kernels) */
    uint64_t control;            /* ResrCudaControl: act_scale, status */
} ResrSm90Problem;

/* The encode functions, as the driver exports them (PFN_cuTensorMapEncode*_v12000). */
typedef struct ResrSm90Encoders {
    void *encode_tiled;          /* cuTensorMapEncodeTiled */
    void *encode_im2col;         /* cuTensorMapEncodeIm2col */
    void *driver_version;        /* cuDriverGetVersion (CUTLASS's small-tensor workaround) */
} ResrSm90Encoders;

typedef struct ResrSm90Launch {
    unsigned grid[3], block[3];
    unsigned smem;               /* dynamic shared memory, bytes */
    unsigned params_size;
    RESR_SM90_ALIGN unsigned char params[RESR_SM90_PARAMS_MAX];
} ResrSm90Launch;

#ifdef __cplusplus
extern "C" {
#endif

/* Fills *out for p. Returns 0; -EINVAL when CUTLASS refuses the shape (can_implement) or
 * the kernel id is unknown; -EIO when a descriptor encode failed. */
int resr_sm90_params(const ResrSm90Problem *p, const ResrSm90Encoders *enc, ResrSm90Launch *out);

/* The kernel's launch shape without a problem: threads per block and dynamic shared
 * memory (for cuFuncSetAttribute once per function). */
int resr_sm90_kernel_shape(int kernel, unsigned *threads, unsigned *smem);

#ifdef __cplusplus
}
#endif

#endif /* RESR_CUDA_SM90_PARAMS_H */
