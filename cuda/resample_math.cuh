/*
 * The resample kernel's per-sample body (cuda/resample.cu), a twin of
 * vf_realesrgan/resample.c: output sample (x, y) of one component is
 *     sum_j wy[j] * (sum_i wx[i] * sample(start_x + i, start_y + j))
 * in float, in that order, from the tables resr_resample_plan() computed (uploaded as
 * they are), with colour.c's sample reads and clamp + rounding. The fatbin is built with
 * --fmad=false, so each product and sum rounds as resample.c's do
 * (tests/cuda/test_cuda_resample.c checks it bit for bit).
 */
#ifndef RESR_CUDA_RESAMPLE_MATH_CUH
#define RESR_CUDA_RESAMPLE_MATH_CUH

#include <stdint.h>

#include "colour_math.cuh"

/* One launch: one component of one frame, one thread per output sample. */
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

/* Launch shape: one thread per output sample, warps along rows. */
#define RESR_RESAMPLE_BLOCK_W 32
#define RESR_RESAMPLE_BLOCK_H 4

#ifndef __CUDACC__
#include "../vf_realesrgan/resample.h"

/*
 * The launches that resize one frame as plan says, one per component, src and dst left
 * for the caller: tables is where plan->tables lies for the kernel (its device copy, or
 * plan->tables itself in the CPU twin). Returns the launch count (cuda/resample_launch.c).
 */
int resr_resample_launches(ResrResampleArgs args[4], const ResrResamplePlan *plan, uint64_t tables);
#endif

RESR_HD void resr_resample_sample(const ResrResampleArgs *a, int x, int y)
{
    const float max_code = a->fmt.type == RESR_SAMPLE_F32 ? 1.0f : (float)((1 << a->fmt.depth) - 1);
    const int32_t *start_x = (const int32_t *)(uintptr_t)a->start_x;
    const int32_t *start_y = (const int32_t *)(uintptr_t)a->start_y;
    const float *wx = (const float *)(uintptr_t)a->weight_x + (int64_t)x * a->taps_x;
    const float *wy = (const float *)(uintptr_t)a->weight_y + (int64_t)y * a->taps_y;
    const int x0 = start_x[x], y0 = start_y[y];
    float v = 0.0f;

    for (int j = 0; j < a->taps_y; j++) {
        float h = 0.0f;
        for (int i = 0; i < a->taps_x; i++)
            h += wx[i] * resr_cm_load(&a->fmt, &a->src, a->comp, x0 + i, y0 + j, max_code);
        v += wy[j] * h;
    }
    resr_cm_store(&a->fmt, &a->dst, a->comp, x, y, v, max_code);
    if (a->pad_byte >= 0) {
        const int p = a->fmt.comp[0].plane;
        a->dst.data[p][(int64_t)y * a->dst.linesize[p] + (int64_t)x * 4 + a->pad_byte] = 255;
    }
}

#endif /* RESR_CUDA_RESAMPLE_MATH_CUH */
