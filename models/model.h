/*
 * A Real-ESRGAN generator as data: the architecture's hyper-parameters and every 3x3
 * convolution in forward order, with pointers into one fp32 weight arena. Engines walk
 * this; nothing here knows about FFmpeg or CUDA.
 */
#ifndef RESR_MODELS_MODEL_H
#define RESR_MODELS_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum ResrArch {
    RESR_ARCH_RRDBNET = 1,  /* ESRGAN generator: RealESRGAN_x4plus, x2plus, anime_6B, ... */
    RESR_ARCH_SRVGG   = 2,  /* SRVGGNetCompact: realesr-animevideov3, realesr-general-x4v3 */
} ResrArch;

typedef enum ResrActivation {
    RESR_ACT_NONE       = 0,
    RESR_ACT_LEAKY_RELU = 1,  /* slope in leaky_slope (0.2 in RRDBNet) */
    RESR_ACT_PRELU      = 2,  /* per-output-channel slopes in prelu_slope */
} ResrActivation;

/* 3x3 convolution, stride 1, zero padding 1, followed by its activation. */
typedef struct ResrConv3x3 {
    char name[48];             /* checkpoint key prefix, e.g. "body.3.rdb2.conv4" */
    int in_channels;
    int out_channels;
    const float *weight;       /* [out_channels][in_channels][3][3], PyTorch OIHW order */
    const float *bias;         /* [out_channels] */
    ResrActivation activation;
    float leaky_slope;
    const float *prelu_slope;  /* [out_channels] when activation == RESR_ACT_PRELU */
} ResrConv3x3;

typedef struct ResrModel {
    ResrArch arch;
    int scale;          /* output size / input size, per axis */
    int num_in_ch;      /* image channels in: 3 */
    int num_out_ch;     /* image channels out: 3 */
    int num_feat;       /* feature channels of the body */

    /* RRDBNet only */
    int num_block;      /* RRDB blocks: 23 (x4plus, x2plus), 6 (anime_6B) */
    int num_grow_ch;    /* dense growth channels: 32 */
    int unshuffle;      /* pixel-unshuffle factor before conv_first: 1 (x4), 2 (x2), 4 (x1) */

    /* SRVGGNetCompact only */
    int num_conv;       /* body convs between the first and the last: 16 (animevideov3), 32 */

    /*
     * Every convolution in forward order.
     * RRDBNet: conv_first, then per block b, dense block r (0..2), conv k (0..4) at
     *   1 + 15*b + 5*r + k, then conv_body, conv_up1, conv_up2, conv_hr, conv_last.
     * SRVGG: body.0, body.2, ..., body.(2*num_conv+2); all but the last use PReLU.
     */
    int num_convs;
    ResrConv3x3 *convs;

    int64_t num_params;
    /*
     * How far (in input pixels, per side) an output pixel's value reaches into the input:
     * a tile padded by this much computes exactly what the whole frame computes.
     * With unshuffle > 1 tiles must also start at multiples of unshuffle (the unshuffle
     * groups pixels from the frame's origin); the bound holds for any pixel of such a tile.
     */
    int receptive_radius;

    float *weights;     /* the arena every pointer above points into */
    size_t weights_count;

    /* Where the weights came from, for the inspector and logs (empty in synthetic models). */
    char source_format[16];     /* "pth" or "safetensors" */
    char source_container[16];  /* "params_ema", "params" or "" (a bare state dict) */
    char source_dtype[32];      /* stored element type(s): "float32", "float16+float32", ... */
} ResrModel;

/*
 * The pixel-unshuffle factor the network applies to its input: RRDBNet's unshuffle
 * (x2 models 2, x1 models 4), 1 for every other architecture. Frames are reflect-padded
 * to a multiple of it and tiles start at multiples of it.
 */
static inline int resr_model_unshuffle(const ResrModel *m)
{
    return m->arch == RESR_ARCH_RRDBNET && m->unshuffle > 1 ? m->unshuffle : 1;
}

/* Index helpers for RRDBNet's forward order (see convs above). */
static inline int resr_rrdb_conv_index(int block, int dense_block, int conv)
{
    return 1 + 15 * block + 5 * dense_block + conv;
}
static inline int resr_rrdb_tail_index(const ResrModel *m, int i /* 0: conv_body .. 4: conv_last */)
{
    return 1 + 15 * m->num_block + i;
}

/*
 * Loads a checkpoint (.pth zip, or .safetensors) and detects its architecture.
 * Returns 0 or a negative errno value; on failure err holds a message naming the file
 * and the problem. A .pth pickle is interpreted, never executed: only what a state dict
 * needs is accepted.
 */
int resr_model_load(ResrModel **out, const char *path, char *err, size_t err_size);

/* Same, from a file already in memory; name is used in messages only. */
int resr_model_load_buffer(ResrModel **out, const uint8_t *data, size_t size,
                           const char *name, char *err, size_t err_size);

void resr_model_free(ResrModel **model);

/*
 * Deep network interpolation, the official `dni` (realesr-general-x4v3's denoise strength
 * blends it with realesr-general-wdn-x4v3): every weight, bias and PReLU slope of *out is
 * weight_a * a + (1 - weight_a) * b, in fp32 as PyTorch computes it. a and b need the same
 * architecture and shapes. Returns 0, -EINVAL (different models, or weight_a not finite:
 * resr_model_check_blendable says how they differ) or -ENOMEM. Free *out with
 * resr_model_free; a and b are not needed afterwards.
 */
int resr_model_blend(ResrModel **out, const ResrModel *a, const ResrModel *b, float weight_a);

/* 0 when a and b can be blended, else -EINVAL with err naming the first difference. */
int resr_model_check_blendable(const ResrModel *a, const ResrModel *b, char *err,
                               size_t err_size);

/* "RRDBNet" or "SRVGGNetCompact". */
const char *resr_arch_name(ResrArch arch);

/* Multiply-adds x2 per input pixel of the whole network (what the benchmarks quote). */
double resr_model_flops_per_input_pixel(const ResrModel *model);

#endif /* RESR_MODELS_MODEL_H */
