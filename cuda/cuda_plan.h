/*
 * The CUDA engine's plan, in plain C (no CUDA, no FFmpeg): weights packed for the
 * kernels, one arena of activation buffers per tile size, and the list of kernel launches
 * that runs the network on one tile, walking the model's convolutions in model.h's order.
 * cuda_engine.c executes the launches with the driver API; the CPU twin tests execute the
 * same list with an emulator of every kernel, so the layer walk, the buffer plan and the
 * fused epilogues are checked against the reference forward without a GPU.
 */
#ifndef RESR_CUDA_PLAN_H
#define RESR_CUDA_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "../core/resample.h"
#include "../core/tile_plan.h"
#include "../models/model.h"
#include "control_math.cuh"
#include "dedup_math.cuh"
#include "kernel_args.h"

/* Kernels, in the order of resr_cuda_kernel_names. */
enum {
    RESR_KERNEL_CONV_FIRST = 0,    /* + 4 * math + bn/16 - 1 */
    RESR_KERNEL_FRAME_TO_NET = 12,
    RESR_KERNEL_NET_TO_FRAME,
    RESR_KERNEL_ALPHA,
    RESR_KERNEL_CONTROL,           /* the overflow control's step (control_math.cuh) */
    RESR_KERNEL_DEDUP_COMPARE,     /* held frames (dedup_math.cuh) */
    RESR_KERNEL_DEDUP_COPY,
    RESR_KERNEL_CONV_WIDE_FIRST,   /* + 2 * math + bn/32 - 1: f16, bf16 x bn 32, 64 */
    RESR_KERNEL_CONV_FP8_FIRST = RESR_KERNEL_CONV_WIDE_FIRST + 4,   /* precision=fp8 (sm_89+): + bn/16 - 1 */
    RESR_KERNEL_COUNT = RESR_KERNEL_CONV_FP8_FIRST + 4
};

/* Whether kernel k is a 3x3 conv (takes ResrConvArgs): legacy mma.sync, fp32, wide or fp8. */
static inline int resr_cuda_kernel_is_conv(int k)
{
    return (k >= RESR_KERNEL_CONV_FIRST && k < RESR_KERNEL_FRAME_TO_NET) ||
           (k >= RESR_KERNEL_CONV_WIDE_FIRST && k < RESR_KERNEL_COUNT);
}

/* Whether kernel k is a wide conv kernel (dynamic shared memory, cuda_tiles.h). */
static inline int resr_cuda_kernel_is_wide(int k)
{
    return k >= RESR_KERNEL_CONV_WIDE_FIRST && k < RESR_KERNEL_CONV_FP8_FIRST;
}

/* The wide conv kernel of math (fp16, bf16) and bn (32, 64). */
static inline int resr_cuda_wide_kernel(int math, int bn)
{
    return RESR_KERNEL_CONV_WIDE_FIRST + 2 * math + bn / 32 - 1;
}

extern const char *const resr_cuda_kernel_names[RESR_KERNEL_COUNT];

/* Where one convolution's packed parameters are, in bytes from the weight blob's start. */
typedef struct ResrCudaConvLayout {
    size_t weight, bias, slope;
    int in_channels;   /* padded to the kernel's K chunk */
    int weight_cout;   /* padded to a multiple of bn */
    int bn;            /* output channels per block: 16, 32, 48 or 64 */
    /* fp16: weights are packed times 2^weight_exp (largest |w| near 2^12), so that small
     * weights stay normal numbers instead of losing bits as subnormals; the epilogue
     * multiplies the accumulator back by 2^-weight_exp (exact). 0 otherwise. */
    int weight_exp;
    /* 0: the legacy mma.sync kernel (48 KiB static shared memory); 2-4: the wide kernel
     * (conv3x3_wide.cu) with this many pipeline stages in dynamic shared memory, set by
     * resr_cuda_tiles_apply (cuda_tiles.h) for the GPU the engine runs on; 0 for fp8 convs */
    int wide_stages;
    /* precision=fp8 (every conv but the first and the last): weights packed as e4m3 values
     * of w / wscale[n] (exact in fp16), wscale float [weight_cout] = max|w[n]| / 448, and
     * in_scale the power of two the input is multiplied by before e4m3 (resr_cuda_fp8_calibrate) */
    int fp8;
    size_t wscale;
    float in_scale;
} ResrCudaConvLayout;

typedef struct ResrCudaWeights {
    ResrPrecision math;    /* operand storage: fp16 for precision=fp8 */
    int fp8;               /* precision=fp8: the middle convs run e4m3 kernels */
    int num_convs;
    ResrCudaConvLayout *convs;
    size_t size;       /* bytes */
    uint8_t *blob;     /* host copy; the engine uploads it once */
} ResrCudaWeights;

/* Packs every conv for `math`. Returns 0, -ENOTSUP (channel counts the kernels cannot
 * tile: RRDBNet needs num_feat and num_grow_ch multiples of 16) or -ENOMEM. For
 * RESR_PRECISION_FP8 the input scales are 1 until resr_cuda_fp8_calibrate sets them. */
int resr_cuda_weights_pack(ResrCudaWeights *w, const ResrModel *model, ResrPrecision math);
void resr_cuda_weights_free(ResrCudaWeights *w);

/* The activation buffers of one tile size, as byte offsets into one arena. */
typedef struct ResrCudaArena {
    int max_w, max_h;        /* network input tile, padded-frame pixels */
    size_t size;
    size_t input;            /* operand [h/u][w/u][in_pixel] */
    int in_pixel;
    /* RRDBNet */
    size_t dense[2];         /* operand [h/u][w/u][nf + 4 gc] */
    size_t feat, trunk;      /* float [h/u][w/u][nf] */
    size_t up1, up2, hr;     /* operand [2h/u][2w/u][nf], [4h/u][4w/u][nf] x 2 */
    /* SRVGG */
    size_t act[2];           /* operand [h][w][nf] */
    /* both: the last conv's output, float [h*s][w*s][3] (RRDBNet) or [h][w][3*s*s] */
    size_t output;
    int out_pixel;
} ResrCudaArena;

void resr_cuda_arena_plan(ResrCudaArena *a, const ResrModel *model, ResrPrecision math,
                          int max_w, int max_h);

typedef struct ResrCudaLaunch {
    int kernel;
    unsigned grid[3], block[3];
    unsigned smem;             /* dynamic shared memory, bytes (the wide convs) */
    union {
        ResrConvArgs conv;
        ResrInputArgs input;
        ResrOutputArgs output;
        ResrAlphaArgs alpha;
        ResrControlArgs control;
        ResrDedupCompareArgs compare;
        ResrDedupCopyArgs copy;
    } args;
} ResrCudaLaunch;

/* What one frame's run needs beyond the network: formats and device planes. */
typedef struct ResrCudaFrames {
    ResrPixelFormat in_fmt, out_fmt;
    ResrPlanes in, out;
    int in_w, in_h;
    /* held frames (dedup): when set, the kept input and network-size output, and the
     * threshold; forget: this frame is not compared (a seek) */
    int dedup, forget;
    float dedup_threshold;
    ResrPlanes kept_in, kept_out;
} ResrCudaFrames;

/*
 * A conv launch of model conv `index` over an out_w x out_h output, grid and kernel
 * chosen; the caller fills the views (in, res1, res2, dst, dst_f32) and residual scales.
 * act_scale becomes bias_scale, which the kernel uses only without a control block
 * (control 0, as left here: the conv twin tests); the tile program sets control.
 */
ResrCudaLaunch *resr_cuda_conv_launch(ResrCudaLaunch *l, const ResrModel *model,
                                      const ResrCudaWeights *w, uint64_t weights_base, int index,
                                      int out_w, int out_h, float act_scale, uint64_t status);

/* Upper bound of the launches resr_cuda_tile_program writes. */
int resr_cuda_max_launches(const ResrModel *model);

/*
 * The launches that run the network on one tile: input conversion, every conv, output
 * conversion. weights_base and arena_base are device addresses (host addresses in the
 * twins); every launch reads the activation scale and its skip flag from the
 * ResrCudaControl at `control` (fp16 overflow control, control_math.cuh), where the convs
 * also report their status. Returns the launch count.
 */
int resr_cuda_tile_program(ResrCudaLaunch *launches, const ResrModel *model,
                           const ResrCudaWeights *w, uint64_t weights_base,
                           const ResrCudaArena *arena, uint64_t arena_base,
                           const ResrCudaFrames *frames, const ResrTile *tile, uint64_t control);

/* The launch that upscales alpha over the whole output frame (formats with alpha). */
void resr_cuda_alpha_launch(ResrCudaLaunch *l, const ResrCudaFrames *frames, int scale);

/*
 * Executes launches: the engine's is the CUDA driver on its stream, the twins' an emulator.
 * control_read waits for everything launched so far and copies the control block to the
 * host: only tests and statistics call it, never the frame path.
 */
typedef struct ResrCudaBackend {
    void *opaque;
    int (*launch)(void *opaque, const ResrCudaLaunch *launch);
    int (*control_read)(void *opaque, uint64_t control, ResrCudaControl *out);
} ResrCudaBackend;

/* fp16: passes a tile may be rerun at a lower scale after its first (cuda/README.md) */
#define RESR_CUDA_RETRY_PASSES 2

typedef struct ResrCudaRunStats {
    int tiles;
    int retries;            /* passes rerun at a smaller activation scale */
    int saturated;          /* tiles still overflowing after the last retry (saturated, finite) */
    float max_abs;          /* largest |activation| of the accepted passes (in scaled units) */
    float act_scale;        /* scale in use after the frame */
} ResrCudaRunStats;

/*
 * Queues every tile of `plan` on the backend, with no host involvement between them. Per
 * tile: the control kernel opens it, then the tile's launches run once, judged by the
 * control kernel on the device; in fp16 they are queued RESR_CUDA_RETRY_PASSES more
 * times, and those passes' kernels return at once unless the judge found an overflow
 * and lowered the scale (the power of two that brings the pass's maximum under
 * RESR_CUDA_F16_TARGET), so an overflowing tile is recomputed before anything reads its
 * pixels. After the last tile the control kernel closes the frame: its counts go to
 * `last` and `total`, and an fp16 frame with room raises the scale again (recovery).
 * Exactness of the rescale: every layer is positively homogeneous once biases are scaled
 * too (convs, LeakyReLU/PReLU, residual adds, upsampling, shuffles), and a power of two
 * scales floats exactly. control is the device address of the engine's ResrCudaControl
 * (resr_cuda_control_init, uploaded once). read_status: wait and fill *stats from the
 * control block (tests); otherwise *stats is zeroed. Returns 0 or a negative errno.
 */
int resr_cuda_run_frame(const ResrCudaBackend *be, ResrCudaLaunch *launches,
                        const ResrModel *model, const ResrCudaWeights *w, uint64_t weights_base,
                        const ResrCudaArena *arena, uint64_t arena_base, uint64_t control,
                        const ResrCudaFrames *frames, const ResrTilePlan *plan,
                        int read_status, ResrCudaRunStats *stats);

/* The last finished frame's counts and the scale, from a control block read back. */
void resr_cuda_run_stats(ResrCudaRunStats *stats, const ResrCudaControl *c);

/*
 * The resample kernel's launches that resize one frame as plan says, one per stored
 * component, src and dst left for the caller: tables is where plan->tables lies for the
 * kernel (its device copy, or plan->tables itself in the CPU twin). Returns the launch
 * count (cuda/resample_launch.c).
 */
int resr_resample_launches(ResrResampleArgs args[4], const ResrResamplePlan *plan, uint64_t tables);

#endif /* RESR_CUDA_PLAN_H */
