/*
 * Held frames (the dedup option): whether a new input frame is the same picture as the
 * one whose output an engine keeps, so that the network need not run again.
 *
 * The threshold is in 8-bit code values, scaled to the frame's depth: a sample of a
 * d-bit format may differ by threshold * (2^d - 1) / 255 code values, a float sample by
 * threshold / 255; 0 means bit-for-bit equal code values. Every stored component counts
 * (chroma and alpha at their own resolution); the frame is the same picture when its
 * largest |difference| is within the limit. The comparison is against the input whose
 * output is kept, not the previous frame, so that a slow drift (a fade of less than the
 * threshold per frame) cannot accumulate: frames within the limit of the kept one reuse
 * it, the first one beyond it is computed and becomes the kept one.
 *
 * One formula, resr_dedup_sample_diff, for the CPU engine's loop (dedup.c) and the CUDA
 * engine's compare kernel.
 */
#ifndef RESR_CORE_DEDUP_H
#define RESR_CORE_DEDUP_H

#include "colour_math.h"
#include "hd.h"
#include "pixel_format.h"

/* The default threshold, 8-bit code values (README "Held frames": the measurement). */
#define RESR_DEDUP_DEFAULT 0.0f
/* Thresholds above this hide real changes (README "Held frames"): refused. */
#define RESR_DEDUP_MAX 16.0f

/* The largest code value of a component (1 for float samples). */
RESR_HD float resr_dedup_max_code(const ResrPixelFormat *fmt)
{
    return fmt->type == RESR_SAMPLE_F32 ? 1.0f : (float)((1 << fmt->depth) - 1);
}

/* The threshold (8-bit code values) as a limit in the format's own code values. */
RESR_HD float resr_dedup_limit(const ResrPixelFormat *fmt, float threshold)
{
    return threshold * resr_dedup_max_code(fmt) / 255.0f;
}

/* |a - b| of component c at (x, y) of two frames of fmt, in the format's code values
 * (integers saturated at the depth, non-finite floats read as the conversion reads them). */
RESR_HD float resr_dedup_sample_diff(const ResrPixelFormat *fmt, const ResrPlanes *a,
                                     const ResrPlanes *b, int c, int x, int y)
{
    const float max_code = resr_dedup_max_code(fmt);
    return fabsf(resr_load_code(fmt, a, c, x, y, max_code) - resr_load_code(fmt, b, c, x, y, max_code));
}

/* The size of component c's plane of a w x h frame (chroma subsampled). */
RESR_HD void resr_dedup_component_size(const ResrPixelFormat *fmt, int c, int w, int h,
                                       int *cw, int *ch)
{
    const int sub = !fmt->is_rgb && (c == 1 || c == 2);
    *cw = sub ? -((-w) >> fmt->log2_chroma_w) : w;
    *ch = sub ? -((-h) >> fmt->log2_chroma_h) : h;
}

/*
 * Host: the largest |difference| of any stored component between two w x h frames of
 * fmt, in 8-bit code values (the threshold's unit); the scan stops early once it exceeds
 * stop_above (pass INFINITY for the exact maximum).
 */
double resr_dedup_max_diff(const ResrPixelFormat *fmt, const ResrPlanes *a, const ResrPlanes *b,
                           int w, int h, double stop_above);

/* Host: copies the stored rows of a w x h frame of fmt (padding bytes between rows not). */
void resr_frame_copy(const ResrPixelFormat *fmt, ResrPlanes *dst, const ResrPlanes *src, int w, int h);

#endif /* RESR_CORE_DEDUP_H */
