/*
 * Held frames (the dedup option): whether a new input frame is the same picture as the
 * one whose output an engine keeps, so that the network need not run again.
 *
 * The measure: every stored component's plane (chroma and alpha at their own resolution)
 * is cut into blocks of 2x2 samples from its origin (smaller at the right and bottom
 * edges); the frames differ by the largest mean |difference| of any block, in 8-bit code
 * values (a d-bit sample's difference times 255 / (2^d - 1), a float sample's times
 * 255). The threshold compares with that: 0 means equal code values everywhere. Why a
 * small block mean, not the largest sample difference nor a large block: codec noise on
 * held frames is scattered single samples (on the demo clip up to 59 code values in one
 * sample, 31 as a 2x2 mean), while a real change moves neighbouring samples together; and
 * the smaller the block, the less a small real change is diluted when the picture is
 * small (8x8 blocks separate the demo clip at 640x480 well but not scaled to 96x72, where
 * a real change is 2.8 as an 8x8 mean and 17.5 as a 2x2 one). README "Held frames" has
 * the measurements. What a threshold hides: a change confined to one 2x2 block within it,
 * at the default 12 one sample changed by 48 or less.
 *
 * The comparison is against the input whose output is kept, not the previous frame, so
 * that a slow drift (a fade of less than the threshold per frame) cannot accumulate:
 * frames within the threshold of the kept one reuse it, the first one beyond it is
 * computed and becomes the kept one.
 *
 * One formula, resr_dedup_block_diff, for the CPU engine's loop (dedup.c) and a device
 * compare.
 */
#ifndef RESR_CORE_DEDUP_H
#define RESR_CORE_DEDUP_H

#include "colour_math.h"
#include "hd.h"
#include "pixel_format.h"

/* Block edge in samples. */
#define RESR_DEDUP_BLOCK 2
/* The default threshold, 8-bit code values (README "Held frames": on the demo clip, no
 * real change is within 17.5 at 640x480, 160x120 or 96x72; held frames reach 31 at its
 * native 640x480, 7.8 at 160x120, 5.0 at 96x72). */
#define RESR_DEDUP_DEFAULT 12.0f
/* Thresholds above this hide real changes (README "Held frames"): refused. */
#define RESR_DEDUP_MAX 32.0f

/* The largest code value of a component (1 for float samples). */
RESR_HD float resr_dedup_max_code(const ResrPixelFormat *fmt)
{
    return fmt->type == RESR_SAMPLE_F32 ? 1.0f : (float)((1 << fmt->depth) - 1);
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
 * The mean |a - b| of component c over block (bx, by) of its cw x ch plane, in 8-bit
 * code values.
 */
RESR_HD float resr_dedup_block_diff(const ResrPixelFormat *fmt, const ResrPlanes *a,
                                    const ResrPlanes *b, int c, int bx, int by, int cw, int ch)
{
    const int x0 = bx * RESR_DEDUP_BLOCK, y0 = by * RESR_DEDUP_BLOCK;
    const int x1 = x0 + RESR_DEDUP_BLOCK < cw ? x0 + RESR_DEDUP_BLOCK : cw;
    const int y1 = y0 + RESR_DEDUP_BLOCK < ch ? y0 + RESR_DEDUP_BLOCK : ch;
    float sum = 0.0f;

    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            sum += resr_dedup_sample_diff(fmt, a, b, c, x, y);
    return sum * (255.0f / resr_dedup_max_code(fmt)) / (float)((x1 - x0) * (y1 - y0));
}

/*
 * Host: the largest block mean |difference| (resr_dedup_block_diff) of any stored
 * component between two w x h frames of fmt, in 8-bit code values; the scan stops early
 * once it exceeds stop_above (pass INFINITY for the exact maximum).
 */
double resr_dedup_max_diff(const ResrPixelFormat *fmt, const ResrPlanes *a, const ResrPlanes *b,
                           int w, int h, double stop_above);

/* Host: copies the stored rows of a w x h frame of fmt (padding bytes between rows not). */
void resr_frame_copy(const ResrPixelFormat *fmt, ResrPlanes *dst, const ResrPlanes *src, int w, int h);

#endif /* RESR_CORE_DEDUP_H */
