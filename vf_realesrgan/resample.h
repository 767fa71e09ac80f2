/*
 * Resizing the network's output to the size the user asked for (the filter's outscale
 * option: an x4 model to 2x output, say), after the network and on the same device.
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
 * in float, in that order, without fused multiply-adds: the CUDA kernel
 * (cuda/resample_math.cuh) computes the same sums from the same tables, so both agree bit
 * for bit (tests/cuda/test_cuda_resample.c).
 */
#ifndef RESR_VF_RESAMPLE_H
#define RESR_VF_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "colour.h"

#define RESR_LANCZOS_A 3

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
    float *rows;             /* CPU scratch: one component's horizontal pass, allocated by the first run */
    size_t rows_count;
} ResrResamplePlan;

/* The component class (axis index) of component c. */
static inline int resr_resample_class(const ResrPixelFormat *fmt, int c)
{
    return !fmt->is_rgb && !fmt->is_gray && (c == 1 || c == 2) &&
           (fmt->log2_chroma_w || fmt->log2_chroma_h);
}

/* Components a frame of this format stores: Y or R,G,B, then alpha; -1 ends the list. */
int resr_resample_components(const ResrPixelFormat *fmt, int comps[4]);

/*
 * Plans src_w x src_h -> dst_w x dst_h for frames of fmt (chroma siting included).
 * Returns 0, -EINVAL (a size < 1) or -ENOMEM. resr_resample_free releases it, also after
 * a failure; planning again replaces the plan.
 */
int resr_resample_plan(ResrResamplePlan *plan, const ResrPixelFormat *fmt,
                       int src_w, int src_h, int dst_w, int dst_h);
void resr_resample_free(ResrResamplePlan *plan);

/* Resizes src (src_w x src_h, plan->fmt) into dst (dst_w x dst_h, the same format) on the
 * CPU. Returns 0, or -ENOMEM when its scratch memory cannot be had (first run only). */
int resr_resample_run(ResrResamplePlan *plan, const ResrPlanes *src, ResrPlanes *dst);

#endif /* RESR_VF_RESAMPLE_H */
