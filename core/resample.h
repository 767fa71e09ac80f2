/*
 * Resizing the network's output to the size the user asked for (the filter's outscale
 * option: an x4 model to 2x output, say), after the network and on the same device: each
 * engine runs it as the last step of its frame (cpu/resample.c, cuda/resample.cu) from
 * the tables planned here.
 *
 * The filter: Lanczos with a = 3, widened by the size ratio when shrinking (antialiased,
 * as PIL's Image.LANCZOS and libswscale's lanczos do; the official script's
 * cv2.INTER_LANCZOS4 is not widened, so it aliases when it shrinks, which is what outscale
 * below the model's scale does). Windows are clipped to the frame and renormalised.
 *
 * It works in the frame's own format, component by component: subsampled chroma at its
 * own resolution and siting, alpha like the rest; integer samples are clamped and rounded,
 * float samples stored as computed. Each output sample is
 *     sum over window rows j of  wy[j] * (sum over window columns i of  wx[i] * sample(i, j))
 * in float, in that order, without fused multiply-adds (resr_resample_sample below, which
 * both engines use), so they agree bit for bit (tests/cuda/test_cuda_resample.c).
 */
#ifndef RESR_CORE_RESAMPLE_H
#define RESR_CORE_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "colour_math.h"
#include "hd.h"
#include "pixel_format.h"

#define RESR_LANCZOS_A 3
/* Shrinking further than this (per axis) is refused: a window then holds more than
 * 2 * a * 64 + 2 samples, far beyond what outscale asks. */
#define RESR_RESAMPLE_MAX_SHRINK 64

/* One axis of one component class: a window of `taps` source samples per output sample. */
typedef struct ResrResampleAxis {
    int src_size, dst_size;
    int taps;
    const int32_t *start;    /* [dst_size]: first source sample; start + taps <= src_size */
    const float *weight;     /* [dst_size][taps], each row summing to 1 (zeros pad short windows) */
} ResrResampleAxis;

typedef struct ResrResamplePlan {
    ResrPixelFormat fmt;
    int src_w, src_h, dst_w, dst_h;
    /* [0]: luma, RGB, alpha and unsubsampled chroma; [1]: subsampled chroma. [..][0]: x, [..][1]: y */
    ResrResampleAxis axis[2][2];
    /* every start[] and weight[] above, in one block (the CUDA engine uploads it as is) */
    void *tables;
    size_t tables_size;
    size_t rows_count;       /* floats a two-pass (horizontal, then vertical) run needs as scratch */
} ResrResamplePlan;

/* The component class (axis index) of component c. */
static inline int resr_resample_class(const ResrPixelFormat *fmt, int c)
{
    return !fmt->is_rgb && !fmt->is_gray && (c == 1 || c == 2) &&
           (fmt->log2_chroma_w || fmt->log2_chroma_h);
}

/* Whether resr_resample_plan takes these sizes. */
static inline int resr_resample_sizes_ok(int src_w, int src_h, int dst_w, int dst_h)
{
    return src_w >= 1 && src_h >= 1 && dst_w >= 1 && dst_h >= 1 &&
           src_w <= (int64_t)RESR_RESAMPLE_MAX_SHRINK * dst_w &&
           src_h <= (int64_t)RESR_RESAMPLE_MAX_SHRINK * dst_h;
}

/*
 * Plans src_w x src_h -> dst_w x dst_h for frames of fmt (chroma siting included).
 * Returns 0, -EINVAL (sizes resr_resample_sizes_ok refuses) or -ENOMEM. resr_resample_free releases it, also after
 * a failure; planning again replaces the plan.
 */
int resr_resample_plan(ResrResamplePlan *plan, const ResrPixelFormat *fmt,
                       int src_w, int src_h, int dst_w, int dst_h);
void resr_resample_free(ResrResamplePlan *plan);

/* The largest code value of fmt's samples (1 for float: unused). */
RESR_HD float resr_resample_max_code(const ResrPixelFormat *fmt)
{
    return fmt->type == RESR_SAMPLE_F32 ? 1.0f : (float)((1 << fmt->depth) - 1);
}

/* The horizontal sum of output column x over source row y of component c:
 * sum_i wx[i] * sample(start_x[x] + i, y), wx the column's row of weight_x. */
RESR_HD float resr_resample_row(const ResrPixelFormat *fmt, const ResrPlanes *src, int c, int y,
                                const int32_t *start_x, const float *weight_x, int taps_x, int x,
                                float max_code)
{
    const float *wx = weight_x + (int64_t)x * taps_x;
    const int x0 = start_x[x];
    float h = 0.0f;

    for (int i = 0; i < taps_x; i++)
        h += wx[i] * resr_load_code(fmt, src, c, x0 + i, y, max_code);
    return h;
}

/* Output sample (x, y) of component c: sum_j wy[j] * resr_resample_row(start_y[y] + j). */
RESR_HD float resr_resample_sample(const ResrPixelFormat *fmt, const ResrPlanes *src, int c,
                                   const int32_t *start_x, const float *weight_x, int taps_x,
                                   const int32_t *start_y, const float *weight_y, int taps_y,
                                   int x, int y, float max_code)
{
    const float *wy = weight_y + (int64_t)y * taps_y;
    const int y0 = start_y[y];
    float v = 0.0f;

    for (int j = 0; j < taps_y; j++)
        v += wy[j] * resr_resample_row(fmt, src, c, y0 + j, start_x, weight_x, taps_x, x, max_code);
    return v;
}

#endif /* RESR_CORE_RESAMPLE_H */
