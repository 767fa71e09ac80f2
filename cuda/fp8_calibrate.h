/*
 * precision=fp8's activation scales, calibrated once when the weights are packed: the
 * network runs in fp32 on the host over a fixed synthetic image, and each fp8 conv gets
 * the power of two that puts the largest |input| it saw at 448 / RESR_FP8_HEADROOM
 * (cuda/README.md, "fp8").
 */
#ifndef RESR_CUDA_FP8_CALIBRATE_H
#define RESR_CUDA_FP8_CALIBRATE_H

#include "../models/model.h"
#include "cuda_plan.h"

/* Room left above the calibrated maximum for content that drives activations higher
 * (values beyond it saturate at 448, they do not wrap). */
#define RESR_FP8_HEADROOM 4.0f

/* The synthetic image's edge, in network-input pixels (SRVGG; RRDBNet's 8, its convs cost more). */
#define RESR_FP8_CALIB_SRVGG 64
#define RESR_FP8_CALIB_RRDB  8

/* Whether model conv `index` runs in e4m3: all but the first and the last, which see the
 * image's own values and produce the output, and stay fp16. */
static inline int resr_cuda_fp8_conv(const ResrModel *model, int index)
{
    return index > 0 && index < model->num_convs - 1;
}

/* The power of two s with max_abs * s * RESR_FP8_HEADROOM <= 448 (1 when max_abs is 0). */
float resr_cuda_fp8_in_scale(float max_abs);

/* Pixel (x, y), channel c (0..2) of the synthetic image, in [0, 1]: gradients, a 4-pixel
 * checker's edges and saturated corners, so that activations see both smooth and sharp input. */
float resr_cuda_fp8_calib_pixel(int x, int y, int c);

/*
 * Sets in_scale of every fp8 conv of w (packed by resr_cuda_weights_pack) from the model's
 * fp32 forward over the synthetic image. Returns 0 or -ENOMEM.
 */
int resr_cuda_fp8_calibrate(ResrCudaWeights *w, const ResrModel *model);

/* The largest |input| each conv saw in that forward, float [model->num_convs] (tests). */
int resr_cuda_fp8_calib_max(float *max_abs, const ResrModel *model);

#endif /* RESR_CUDA_FP8_CALIBRATE_H */
