/*
 * What every CUDA kernel of the engine receives, passed by value as its one parameter.
 * The host (plain C, cuda_engine.c and cuda_plan.c), the kernels (nvcc) and the CPU twin
 * tests all include this file, so the layouts are declared once: fixed-width fields only,
 * device addresses as uint64_t (a CUdeviceptr, or a host pointer in the CPU twins).
 */
#ifndef RESR_CUDA_KERNEL_ARGS_H
#define RESR_CUDA_KERNEL_ARGS_H

#include <stdint.h>

#include "../core/pixel_format.h"
#include "../core/precision.h"

/*
 * Operands (activations and weights) are stored in the engine's precision
 * (core/precision.h): fp16 and bf16 convs run mma.sync with f32 accumulation, fp32 plain
 * FMAs (no tensor cores, no TF32). The kernel name carries it too.
 */

/*
 * Written by the conv kernels, judged on the device by the control kernel (8 bytes). max_abs_bits is the
 * largest |value| an epilogue produced before narrowing to its storage type (as float
 * bits: non-negative floats order like unsigned integers; NaN and Inf record as Inf).
 * overflow counts warps that met a value the storage type cannot hold.
 */
typedef struct ResrCudaStatus {
    uint32_t max_abs_bits;
    uint32_t overflow;
} ResrCudaStatus;

/* What the overflow control counts, per frame and in total (cuda/control_math.cuh). */
typedef struct ResrCudaReport {
    uint32_t tiles;            /* tiles accepted */
    uint32_t retries;          /* passes rerun at a smaller activation scale */
    uint32_t saturated;        /* tiles accepted still overflowing (retries exhausted) */
    uint32_t max_abs_bits;     /* largest |activation| of accepted passes, float bits */
} ResrCudaReport;

/*
 * The engine's overflow control, in device memory, written by the kernels and the control
 * kernel only: the host initialises it once (resr_cuda_control_init) and never has to read
 * it to run a frame. Every kernel of a tile's pass reads act_scale (the activation scale
 * it applies) and skip (1: the tile is already done, return at once); the control kernel
 * between passes judges the pass's status (cuda/README.md, "Overflow without a host sync").
 */
typedef struct ResrCudaControl {
    ResrCudaStatus status;     /* the pass running: the conv kernels report here */
    float act_scale;           /* a power of two, <= 1 */
    uint32_t skip;
    ResrCudaReport frame;      /* the frame being run */
    ResrCudaReport last;       /* the last finished frame */
    ResrCudaReport total;      /* every frame since the engine was made */
    /* held frames (dedup, core/dedup.h), decided on the device: DEDUP_DECIDE sets reuse
     * when kept_valid and no compare thread set differs; while reuse is set every kernel
     * of the network returns at once (resr_control_skip) and the copy kernels put the
     * kept output in place. last_reused and reused are what the host reads when it looks. */
    uint32_t reuse;
    uint32_t kept_valid;
    uint32_t differs;
    uint32_t last_reused;
    uint32_t reused;           /* frames reused since the engine was made */
} ResrCudaControl;

/* The control kernel's one parameter: one thread applies `op` to *control. */
enum {
    RESR_CONTROL_TILE_BEGIN = 0,  /* skip = 0, status cleared: the tile's first pass runs */
    RESR_CONTROL_JUDGE,           /* after a pass: accept it, or lower the scale to rerun it */
    RESR_CONTROL_FRAME_END,       /* recovery: raise the scale when the frame left room */
    RESR_CONTROL_DEDUP_BEGIN,     /* differs = 0; forget: kept_valid = 0 */
    RESR_CONTROL_DEDUP_DECIDE,    /* reuse = kept_valid && !differs, counted */
    RESR_CONTROL_DEDUP_END,       /* a computed frame is now the kept one; reuse = 0 */
};

typedef struct ResrControlArgs {
    uint64_t control;          /* ResrCudaControl */
    int32_t op;
    int32_t last_pass;         /* JUDGE: no pass follows, accept whatever it produced */
    int32_t rescale;           /* 1: fp16 (the scale moves); 0: bf16, fp32 (counted only) */
    int32_t forget;            /* DEDUP_BEGIN: the kept frames are not to be compared with */
} ResrControlArgs;

/*
 * dedup's compare: one thread per RESR_DEDUP_BLOCK-square block of component comp (a cw x ch plane) of the
 * new input a and the kept input b; a block whose mean |difference| exceeds threshold
 * (core/dedup.h resr_dedup_block_diff) sets control->differs.
 */
typedef struct ResrDedupCompareArgs {
    ResrPixelFormat fmt;
    ResrPlanes a, b;
    int32_t comp, cw, ch;
    float threshold;
    uint64_t control;
} ResrDedupCompareArgs;

/*
 * dedup's copy of one plane, rows x row_bytes, one thread per byte; it runs only when
 * control->reuse equals when_reuse (1: the kept output into the frame; 0: a computed
 * frame into the kept ones).
 */
typedef struct ResrDedupCopyArgs {
    uint64_t src, dst;
    int64_t src_pitch, dst_pitch;
    int32_t row_bytes, rows;
    int32_t when_reuse;
    uint64_t control;
} ResrDedupCopyArgs;

/*
 * One 3x3 convolution (stride 1, zero padding 1) over a channels-last tensor, with the
 * fused epilogue
 *   v = conv(in) * acc_scale + bias * bias_scale  (acc_scale undoes the weights' packing scale)
 *   v = v >= 0 ? v : v * slope[c]               (LeakyReLU / PReLU; slope 1 = none)
 *   v = v * res1_scale + res1[c]                 (if res1)
 *   v = v * res2_scale + res2[c]                 (if res2)
 *   dst[c] = narrow(v); dst_f32[c] = v           (either may be absent)
 * Residuals are read at the output element only, so res2 may be dst_f32 (in place).
 * Element (y, x, c) of a view with pixel stride P is at base + (y * w + x) * P + c.
 */
typedef struct ResrConvArgs {
    uint64_t in;        /* operand type; input channels 0 .. in_channels-1 of the view */
    uint64_t weight;    /* operand type, packed [in_channels/KC][9][weight_cout][KC] */
    uint64_t bias;      /* float [weight_cout] */
    uint64_t slope;     /* float [weight_cout] */
    uint64_t res1;      /* operand type, or 0 */
    uint64_t res2;      /* float, or 0 */
    uint64_t dst;       /* operand type, or 0 */
    uint64_t dst_f32;   /* float, or 0 */
    uint64_t status;    /* ResrCudaStatus */
    uint64_t control;   /* ResrCudaControl, or 0: skip never, bias_scale from these args */
    int32_t width, height;     /* output size */
    int32_t in_width, in_height;
    int32_t upsample;          /* 1: input is nearest-x2 upsampled on the fly */
    int32_t in_pixel;          /* pixel strides, in elements */
    int32_t res1_pixel, res2_pixel, dst_pixel, dst_f32_pixel;
    int32_t in_channels;       /* multiple of KC */
    int32_t out_channels;      /* channels stored: oc0 .. out_channels-1 */
    int32_t weight_cout;       /* out channels in the packed weights (a multiple of 16) */
    int32_t oc0;               /* first output channel of this launch */
    float acc_scale;
    float bias_scale;
    float res1_scale, res2_scale;
    float narrow_limit;        /* largest |v| dst can hold (fp16: 65504); 0: no check */
    /* precision=fp8 kernels only (fp16 storage, e4m3 operands): the input is multiplied by
     * in_scale (a power of two) on its way to e4m3, and acc_scale is 1 / in_scale; out_scale
     * is float [weight_cout], the weights' per-channel scale the accumulator is multiplied
     * by before acc_scale */
    float in_scale;
    uint64_t out_scale;
} ResrConvArgs;

/*
 * Frame -> network input: reads frame pixels [x0, x0+w) x [y0, y0+h) (mirrored past the
 * frame, as resr_frame_to_rgb), pixel-unshuffles by u and writes channels-last operand
 * values v * value_scale to dst ((h/u) x (w/u) pixels, dst_pixel elements apart; channels
 * 3*u*u .. dst_pixel-1 are written as zeros).
 */
typedef struct ResrInputArgs {
    ResrPixelFormat fmt;
    ResrPlanes frame;
    int32_t frame_w, frame_h;
    int32_t x0, y0, w, h;
    int32_t unshuffle;
    int32_t dst_pixel;
    uint64_t dst;
    int32_t math;              /* ResrPrecision: the operand type of dst */
    float value_scale;         /* used when control is 0; else control->act_scale */
    uint64_t control;          /* ResrCudaControl, or 0 */
} ResrInputArgs;

/*
 * Network output -> frame. The network output covers tile pixels [0, tile_w) x [0, tile_h)
 * (output resolution); pixels [cx, cx+cw) x [cy, cy+ch) go to frame (dst_x, dst_y)
 * onwards, as resr_rgb_to_frame. RRDBNet: rgb = net[(y*tile_w + x)*net_pixel + c] *
 * value_scale. SRVGG (shuffle > 1 or base set): net is the last conv's output at input
 * resolution, pixel-shuffled by `shuffle`, plus base (the network input, operand type,
 * base_pixel apart), times value_scale.
 */
typedef struct ResrOutputArgs {
    ResrPixelFormat fmt;
    ResrPlanes frame;
    uint64_t net;              /* float */
    uint64_t base;             /* operand type, or 0 */
    int32_t net_pixel, base_pixel;
    int32_t shuffle;
    int32_t tile_w, tile_h;
    int32_t cx, cy, cw, ch;
    int32_t dst_x, dst_y;
    int32_t math;              /* operand type of base */
    float value_scale;         /* used when control is 0; else 1 / control->act_scale */
    uint64_t control;          /* ResrCudaControl, or 0 */
} ResrOutputArgs;

/* Alpha: bicubic upscale of the source frame's alpha, rows [y0, y0+h) of the output. */
typedef struct ResrAlphaArgs {
    ResrPixelFormat fmt;
    ResrPlanes src;
    ResrPlanes dst;
    int32_t src_w, src_h;
    int32_t scale;
    int32_t x0, y0, w, h;      /* output rectangle this launch writes */
    uint64_t control;          /* ResrCudaControl, or 0: returns at once on a reused frame */
} ResrAlphaArgs;

/* Resize (outscale): one component of one frame, one thread per output sample. */
typedef struct ResrResampleArgs {
    ResrPixelFormat fmt;
    ResrPlanes src;
    ResrPlanes dst;
    int32_t comp;                 /* 0..3: Y/R, U/G, V/B, A */
    int32_t dst_w, dst_h;         /* of this component */
    int32_t taps_x, taps_y;
    uint64_t start_x, weight_x;   /* int32 [dst_w], float [dst_w][taps_x] */
    uint64_t start_y, weight_y;   /* int32 [dst_h], float [dst_h][taps_y] */
    int32_t pad_byte;             /* comp 0 of rgb0-like formats: that byte is set to 255; else -1 */
} ResrResampleArgs;

/* Launch shape of the resample kernel: one thread per output sample, warps along rows. */
#define RESR_RESAMPLE_BLOCK_W 32
#define RESR_RESAMPLE_BLOCK_H 4

#endif /* RESR_CUDA_KERNEL_ARGS_H */
