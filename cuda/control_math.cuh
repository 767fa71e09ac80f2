/*
 * The fp16 overflow control, run on the device (cuda/README.md, "Overflow without a host
 * sync"): what every kernel of a tile's pass reads from ResrCudaControl (skip, the
 * activation scale) and the control kernel's one-thread step between passes. The kernels
 * (convert.cu, conv3x3_*.cu) and the CPU emulator (tests/cuda/emulate.h) call these same
 * functions, so the twins test the decisions the GPU makes.
 */
#ifndef RESR_CUDA_CONTROL_MATH_CUH
#define RESR_CUDA_CONTROL_MATH_CUH

#include <stdint.h>

#include "../core/e4m3.h"
#include "../core/half.h"
#include "../core/hd.h"
#include "kernel_args.h"

/* fp16 storage: what an epilogue may narrow without overflow, and what a rescale aims for. */
#define RESR_CUDA_F16_LIMIT  65504.0f
#define RESR_CUDA_F16_TARGET 16384.0f
/* the scale never goes below 2^-20 (activations of 2^20 * 65504 are a broken model) */
#define RESR_CUDA_MIN_SCALE  (1.0f / 1048576.0f)

/* Whether the kernels of this pass return at once (the tile was accepted earlier, or the
 * frame reuses the kept output: dedup). */
RESR_HD int resr_control_skip(uint64_t control)
{
    const volatile ResrCudaControl *c = (const volatile ResrCudaControl *)(uintptr_t)control;
    return control && (c->skip || c->reuse);
}

/* dedup: whether this frame reuses the kept output (0 without a control block). */
RESR_HD int resr_control_reusing(uint64_t control)
{
    return control && ((const volatile ResrCudaControl *)(uintptr_t)control)->reuse;
}

/* The activation scale of the pass: the control's, or `fallback` without one. */
RESR_HD float resr_control_scale(uint64_t control, float fallback)
{
    return control ? ((const ResrCudaControl *)(uintptr_t)control)->act_scale : fallback;
}

/* The scale that brings max_abs (measured at `scale`) under the target: the largest
 * power of two that does, at least one halving. Inf/NaN (nothing known): 2^-8. */
RESR_HD float resr_control_lowered(float scale, float max_abs)
{
    int e = 1;

    if (max_abs <= 3.0e38f)
        while (e < 24 && max_abs * (1.0f / (float)(1 << e)) > RESR_CUDA_F16_TARGET)
            e++;
    else
        e = 8;
    scale = scale * (1.0f / (float)(1 << e));
    return scale < RESR_CUDA_MIN_SCALE ? RESR_CUDA_MIN_SCALE : scale;
}

/*
 * precision=fp8: an input whose |value| * in_scale exceeds 448 was clipped by the
 * conversion to e4m3 (cvt.satfinite). That is an overflow like an fp16 one, reported
 * through the same status: the pass's maximum becomes at least in_max * 16384 / 448, so
 * that the judge's lowered scale (resr_control_lowered: maximum under 16384) brings the
 * inputs under 448, and the rerun pass clips nothing. in_max: the largest |input * in_scale|
 * the conv converted; out_max: its outputs' (fp16 storage, as every conv).
 */
RESR_HD float resr_fp8_status_max(float out_max, float in_max)
{
    return fmaxf(out_max, in_max * (RESR_CUDA_F16_TARGET / RESR_E4M3_MAX));
}

RESR_HD int resr_fp8_status_overflow(float narrow_limit, float out_max, float in_max)
{
    return !(in_max <= RESR_E4M3_MAX) || (narrow_limit > 0.0f && !(out_max <= narrow_limit));
}

RESR_HD void resr_report_add(ResrCudaReport *r, uint32_t tiles, uint32_t retries, uint32_t saturated,
                             uint32_t max_abs_bits)
{
    r->tiles += tiles;
    r->retries += retries;
    r->saturated += saturated;
    if (max_abs_bits > r->max_abs_bits)
        r->max_abs_bits = max_abs_bits;
}

/*
 * JUDGE, after a pass that ran (skip 0): an fp16 pass that overflowed, with a pass left
 * and room to lower the scale, is rerun at the lowered scale; any other pass is accepted
 * and the tile's later passes are skipped. Its status is cleared for the next pass.
 */
RESR_HD void resr_control_judge(ResrCudaControl *c, const ResrControlArgs *a)
{
    const uint32_t bits = c->status.max_abs_bits;
    const int overflow = a->rescale && c->status.overflow;

    if (c->skip || c->reuse)
        return;
    c->status.max_abs_bits = 0;
    c->status.overflow = 0;
    if (overflow && !a->last_pass && c->act_scale > RESR_CUDA_MIN_SCALE) {
        c->act_scale = resr_control_lowered(c->act_scale, resr_bits_float(bits));
        resr_report_add(&c->frame, 0, 1, 0, 0);
        return;
    }
    resr_report_add(&c->frame, 1, 0, overflow ? 1 : 0, bits);
    c->skip = 1;
}

/*
 * FRAME_END: the frame's report becomes `last` and joins `total`. Recovery: an fp16 frame
 * whose every tile fit at a quarter of the target doubles the scale (up to 1), one step
 * per frame, so one frame of large activations does not cost precision for the rest of
 * the video, and tiles that vary do not make the scale oscillate (lowering aims at the
 * target, raising needs a factor of 4 of room).
 */
RESR_HD void resr_control_frame_end(ResrCudaControl *c, const ResrControlArgs *a)
{
    const ResrCudaReport f = c->frame;

    if (c->reuse)       /* dedup: nothing ran, nothing to learn */
        return;
    if (a->rescale && !f.retries && !f.saturated && c->act_scale < 1.0f &&
        resr_bits_float(f.max_abs_bits) <= RESR_CUDA_F16_TARGET / 4)
        c->act_scale = c->act_scale * 2.0f;
    c->last = f;
    resr_report_add(&c->total, f.tiles, f.retries, f.saturated, f.max_abs_bits);
    c->frame.tiles = c->frame.retries = c->frame.saturated = c->frame.max_abs_bits = 0;
}

/* dedup's steps (core/dedup.h): before the compare, after it, after the frame. */
RESR_HD void resr_control_dedup(ResrCudaControl *c, const ResrControlArgs *a)
{
    if (a->op == RESR_CONTROL_DEDUP_BEGIN) {
        c->differs = 0;
        if (a->forget)
            c->kept_valid = 0;
    } else if (a->op == RESR_CONTROL_DEDUP_DECIDE) {
        c->reuse = c->kept_valid && !c->differs;
        c->last_reused = c->reuse;
        c->reused += c->reuse;
    } else {
        c->kept_valid = 1;
        c->reuse = 0;
    }
}

/* The control kernel's body (one thread). */
RESR_HD void resr_control_step(const ResrControlArgs *a)
{
    ResrCudaControl *c = (ResrCudaControl *)(uintptr_t)a->control;

    if (a->op == RESR_CONTROL_TILE_BEGIN) {
        c->skip = 0;
        c->status.max_abs_bits = 0;
        c->status.overflow = 0;
    } else if (a->op == RESR_CONTROL_JUDGE) {
        resr_control_judge(c, a);
    } else if (a->op == RESR_CONTROL_FRAME_END) {
        resr_control_frame_end(c, a);
    } else {
        resr_control_dedup(c, a);
    }
}

/* The state the host uploads once: scale 1, nothing counted. */
RESR_HD void resr_cuda_control_init(ResrCudaControl *c)
{
    ResrCudaControl zero = { { 0, 0 }, 1.0f, 0, { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 },
                             0, 0, 0, 0, 0 };
    *c = zero;
}

#endif /* RESR_CUDA_CONTROL_MATH_CUH */
