/*
 * Per-pixel twins of vf_realesrgan/colour.c for the conversion kernels: the same levels,
 * chroma siting, interpolation, tent filter, clamp and rounding, in the same operation
 * order, so a kernel built with --fmad=false produces the values colour.c produces
 * (tests/cuda/test_colour_twin.c checks it bit for bit on the CPU). Any change to
 * colour.c's arithmetic must be mirrored here.
 */
#ifndef RESR_CUDA_COLOUR_MATH_CUH
#define RESR_CUDA_COLOUR_MATH_CUH

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "half_bits.h"
#include "hd.h"
#include "kernel_args.h"

#define RESR_CM_MAX_CHROMA_TAPS 8

typedef struct ResrCmLevels {
    float offset, range, max_code;
} ResrCmLevels;

typedef struct ResrCmLerp {
    int i0, i1;
    float frac;
} ResrCmLerp;

RESR_HD int resr_cm_reflect(int i, int n)
{
    if (n == 1)
        return 0;
    const int period = 2 * (n - 1);
    i %= period;
    if (i < 0)
        i += period;
    return i < n ? i : period - i;
}

RESR_HD float resr_cm_clamp01(float v)
{
    return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
}

RESR_HD ResrCmLevels resr_cm_levels(const ResrPixelFormat *fmt, int c)
{
    const int is_yuv    = !fmt->is_rgb && c < 3;
    const int is_chroma = is_yuv && c > 0;
    ResrCmLevels l;

    if (fmt->type == RESR_SAMPLE_F32) {
        l.offset = is_chroma ? 0.5f : 0.0f;
        l.range = 1.0f;
        l.max_code = 1.0f;
        return l;
    }
    const float max_code = (float)((1 << fmt->depth) - 1);
    const float unit     = (float)(1 << fmt->depth) / 256.0f;
    l.max_code = max_code;
    if (is_yuv && !fmt->full_range) {
        l.offset = is_chroma ? 128.0f * unit : 16.0f * unit;
        l.range  = is_chroma ? 224.0f * unit : 219.0f * unit;
    } else if (is_chroma) {
        l.offset = (float)(1 << (fmt->depth - 1));
        l.range  = max_code;
    } else {
        l.offset = 0.0f;
        l.range  = max_code;
    }
    return l;
}

RESR_HD void resr_cm_siting(const ResrPixelFormat *fmt, float *off_x, float *off_y)
{
    const float sx = (float)((1 << fmt->log2_chroma_w) - 1);
    const float sy = (float)((1 << fmt->log2_chroma_h) - 1);
    float hx = 0.0f, vy = 0.5f;

    switch (fmt->chroma_loc) {
    case RESR_CHROMA_LEFT:       hx = 0.0f; vy = 0.5f; break;
    case RESR_CHROMA_CENTER:     hx = 0.5f; vy = 0.5f; break;
    case RESR_CHROMA_TOPLEFT:    hx = 0.0f; vy = 0.0f; break;
    case RESR_CHROMA_TOP:        hx = 0.5f; vy = 0.0f; break;
    case RESR_CHROMA_BOTTOMLEFT: hx = 0.0f; vy = 1.0f; break;
    case RESR_CHROMA_BOTTOM:     hx = 0.5f; vy = 1.0f; break;
    }
    *off_x = hx * sx;
    *off_y = vy * sy;
}

RESR_HD ResrCmLerp resr_cm_lerp(int luma, float offset, int log2_sub, int chroma_size)
{
    const float pos = ((float)luma - offset) / (float)(1 << log2_sub);
    const float base = floorf(pos);
    ResrCmLerp l;
    l.frac = pos - base;
    l.i0 = (int)base;
    l.i1 = l.i0 + 1;
    l.i0 = l.i0 < 0 ? 0 : (l.i0 >= chroma_size ? chroma_size - 1 : l.i0);
    l.i1 = l.i1 < 0 ? 0 : (l.i1 >= chroma_size ? chroma_size - 1 : l.i1);
    return l;
}

RESR_HD const uint8_t *resr_cm_sample(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                                      int c, int x, int y)
{
    const ResrComponent *k = &fmt->comp[c];
    return frame->data[k->plane] + (ptrdiff_t)y * frame->linesize[k->plane] +
           k->offset + (ptrdiff_t)x * k->step;
}

RESR_HD float resr_cm_load(const ResrPixelFormat *fmt, const ResrPlanes *frame, int c,
                           int x, int y, float max_code)
{
    const uint8_t *p = resr_cm_sample(fmt, frame, c, x, y);

    if (fmt->type == RESR_SAMPLE_U8)
        return p[0];
    if (fmt->type == RESR_SAMPLE_U16) {
        uint16_t v;
#ifdef __CUDA_ARCH__
        v = *(const uint16_t *)p;
#else
        memcpy(&v, p, sizeof(v));
#endif
        const float code = (float)(v >> fmt->comp[c].shift);
        return code < max_code ? code : max_code;
    }
    float f;
#ifdef __CUDA_ARCH__
    f = *(const float *)p;
#else
    memcpy(&f, p, sizeof(f));
#endif
    return f;
}

RESR_HD void resr_cm_store(const ResrPixelFormat *fmt, const ResrPlanes *frame, int c, int x, int y,
                           float code, float max_code)
{
    uint8_t *p = frame->data[fmt->comp[c].plane] +
                 (ptrdiff_t)y * frame->linesize[fmt->comp[c].plane] +
                 fmt->comp[c].offset + (ptrdiff_t)x * fmt->comp[c].step;

    if (fmt->type == RESR_SAMPLE_F32) {
#ifdef __CUDA_ARCH__
        *(float *)p = code;
#else
        memcpy(p, &code, sizeof(code));
#endif
        return;
    }
    code = code > 0.0f ? (code < max_code ? code : max_code) : 0.0f;
    const unsigned v = (unsigned)(code + 0.5f);
    if (fmt->type == RESR_SAMPLE_U8) {
        p[0] = (uint8_t)v;
    } else {
        const uint16_t w = (uint16_t)(v << fmt->comp[c].shift);
#ifdef __CUDA_ARCH__
        *(uint16_t *)p = w;
#else
        memcpy(p, &w, sizeof(w));
#endif
    }
}

RESR_HD float resr_cm_decode(const ResrCmLevels *l, float code)
{
    return (code - l->offset) / l->range;
}

RESR_HD float resr_cm_encode(const ResrCmLevels *l, float value)
{
    return l->offset + l->range * value;
}

RESR_HD int resr_cm_padding_byte(const ResrPixelFormat *fmt)
{
    if (!fmt->is_rgb || fmt->has_alpha || fmt->type != RESR_SAMPLE_U8 ||
        fmt->comp[0].step != 4 || fmt->comp[1].plane != fmt->comp[0].plane ||
        fmt->comp[2].plane != fmt->comp[0].plane)
        return -1;
    return 0 + 1 + 2 + 3 - fmt->comp[0].offset - fmt->comp[1].offset - fmt->comp[2].offset;
}

/* RGB in [0,1] (float formats: unclamped) of frame pixel (x, y), x and y inside the frame:
 * colour.c resr_frame_to_rgb's inner loop. */
RESR_HD void resr_cm_frame_pixel(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                                 int frame_w, int frame_h, int x, int y, float rgb[3])
{
    const int is_float = fmt->type == RESR_SAMPLE_F32;
    ResrCmLevels levels[3];

    for (int c = 0; c < 3; c++)
        levels[c] = resr_cm_levels(fmt, c);
    if (fmt->is_rgb) {
        for (int c = 0; c < 3; c++)
            rgb[c] = resr_cm_decode(&levels[c], resr_cm_load(fmt, frame, c, x, y, levels[c].max_code));
        return;
    }

    float luma = resr_cm_decode(&levels[0], resr_cm_load(fmt, frame, 0, x, y, levels[0].max_code));
    if (fmt->is_gray) {
        if (!is_float)
            luma = resr_cm_clamp01(luma);
        rgb[0] = rgb[1] = rgb[2] = luma;
        return;
    }

    const int chroma_w = -((-frame_w) >> fmt->log2_chroma_w);
    const int chroma_h = -((-frame_h) >> fmt->log2_chroma_h);
    const float kr = fmt->kr, kb = fmt->kb, kg = 1.0f - fmt->kr - fmt->kb;
    float off_x, off_y;
    resr_cm_siting(fmt, &off_x, &off_y);
    const ResrCmLerp ly = resr_cm_lerp(y, off_y, fmt->log2_chroma_h, chroma_h);
    const ResrCmLerp lx = resr_cm_lerp(x, off_x, fmt->log2_chroma_w, chroma_w);
    float chroma[2];

    for (int c = 1; c < 3; c++) {
        const float m = levels[c].max_code;
        const float top = (1.0f - lx.frac) * resr_cm_load(fmt, frame, c, lx.i0, ly.i0, m) +
                          lx.frac          * resr_cm_load(fmt, frame, c, lx.i1, ly.i0, m);
        const float bot = (1.0f - lx.frac) * resr_cm_load(fmt, frame, c, lx.i0, ly.i1, m) +
                          lx.frac          * resr_cm_load(fmt, frame, c, lx.i1, ly.i1, m);
        chroma[c - 1] = resr_cm_decode(&levels[c], (1.0f - ly.frac) * top + ly.frac * bot);
    }
    const float red   = luma + 2.0f * (1.0f - kr) * chroma[1];
    const float blue  = luma + 2.0f * (1.0f - kb) * chroma[0];
    const float green = (luma - kr * red - kb * blue) / kg;
    rgb[0] = is_float ? red   : resr_cm_clamp01(red);
    rgb[1] = is_float ? green : resr_cm_clamp01(green);
    rgb[2] = is_float ? blue  : resr_cm_clamp01(blue);
}

/* Writes the luma (or R, G, B) of frame pixel (x, y) from RGB: resr_rgb_to_frame's first loop. */
RESR_HD void resr_cm_store_pixel(const ResrPixelFormat *fmt, const ResrPlanes *frame, int x, int y,
                                 const float in_rgb[3])
{
    const int clamp = fmt->type != RESR_SAMPLE_F32;
    const float kr = fmt->kr, kb = fmt->kb, kg = 1.0f - fmt->kr - fmt->kb;
    const float red   = clamp ? resr_cm_clamp01(in_rgb[0]) : in_rgb[0];
    const float green = clamp ? resr_cm_clamp01(in_rgb[1]) : in_rgb[1];
    const float blue  = clamp ? resr_cm_clamp01(in_rgb[2]) : in_rgb[2];
    ResrCmLevels levels[3];

    for (int c = 0; c < 3; c++)
        levels[c] = resr_cm_levels(fmt, c);
    if (fmt->is_rgb) {
        const int pad = resr_cm_padding_byte(fmt);
        resr_cm_store(fmt, frame, 0, x, y, resr_cm_encode(&levels[0], red),   levels[0].max_code);
        resr_cm_store(fmt, frame, 1, x, y, resr_cm_encode(&levels[1], green), levels[1].max_code);
        resr_cm_store(fmt, frame, 2, x, y, resr_cm_encode(&levels[2], blue),  levels[2].max_code);
        if (pad >= 0)
            frame->data[fmt->comp[0].plane][(ptrdiff_t)y * frame->linesize[fmt->comp[0].plane] +
                                            (ptrdiff_t)x * 4 + pad] = 255;
    } else {
        const float luma = kr * red + kg * green + kb * blue;
        resr_cm_store(fmt, frame, 0, x, y, resr_cm_encode(&levels[0], luma), levels[0].max_code);
    }
}

/* Tent taps of one chroma sample along one axis (colour.c chroma_taps). */
RESR_HD int resr_cm_chroma_taps(int sample, float offset, int log2_sub, int tile_origin,
                                int tile_size, int *pos, float *weight)
{
    const int sub = 1 << log2_sub;
    const float centre = (float)(sample * sub) + offset;
    const int first = (int)floorf(centre - (float)sub) + 1;
    const int last  = (int)ceilf(centre + (float)sub) - 1;
    float sum = 0.0f;
    int n = 0;

    for (int p = first; p <= last && n < RESR_CM_MAX_CHROMA_TAPS; p++, n++) {
        const int t = p - tile_origin;
        pos[n] = t < 0 ? 0 : (t >= tile_size ? tile_size - 1 : t);
        weight[n] = (float)sub - fabsf((float)p - centre);
        sum += weight[n];
    }
    for (int i = 0; i < n; i++)
        weight[i] /= sum;
    return n;
}

/*
 * Network output as the output kernel reads it: RGB of tile pixel (x, y) (output
 * resolution, inside the tile). RRDBNet (shuffle 1): net[(y*tile_w + x)*net_pixel + c].
 * SRVGG: the pixel shuffle of the last conv (input resolution, tile_w / shuffle wide)
 * plus the nearest-upsampled network input `base` (operand type `base_math`). Either
 * way times value_scale (the inverse of the activation scale of an fp16 run).
 */
typedef struct ResrCmNet {
    const float *net;
    int net_pixel;
    int shuffle;
    int tile_w, tile_h;
    const void *base;      /* or NULL */
    int base_pixel;
    int base_math;         /* ResrCudaMath */
    float value_scale;
} ResrCmNet;

RESR_HD float resr_cm_operand(const void *p, int64_t i, int math)
{
    if (math == RESR_CUDA_MATH_F32)
        return ((const float *)p)[i];
    const uint16_t b = ((const uint16_t *)p)[i];
    return math == RESR_CUDA_MATH_F16 ? resr_half_to_float(b) : resr_bf16_to_float(b);
}

RESR_HD float resr_cm_net_value(const ResrCmNet *n, int x, int y, int c)
{
    if (n->shuffle <= 1)
        return n->net[((int64_t)y * n->tile_w + x) * n->net_pixel + c] * n->value_scale;
    const int s = n->shuffle, w = n->tile_w / s;
    const int64_t pixel = (int64_t)(y / s) * w + x / s;
    float v = n->net[pixel * n->net_pixel + (c * s + y % s) * s + x % s];
    if (n->base)
        v = v + resr_cm_operand(n->base, pixel * n->base_pixel + c, n->base_math);
    return v * n->value_scale;
}

/*
 * Chroma sample (ci, cj) of a subsampled YUV frame from the tile around it:
 * resr_rgb_to_frame's second loop. Tile pixel (0, 0) is frame luma (origin_x, origin_y)
 * negated, as there: origin = dst - c.
 */
RESR_HD void resr_cm_store_chroma(const ResrPixelFormat *fmt, const ResrCmNet *n,
                                  const ResrPlanes *frame, int ci, int cj, int origin_x, int origin_y)
{
    const int clamp = fmt->type != RESR_SAMPLE_F32;
    const float kr = fmt->kr, kb = fmt->kb, kg = 1.0f - fmt->kr - fmt->kb;
    int xpos[RESR_CM_MAX_CHROMA_TAPS], ypos[RESR_CM_MAX_CHROMA_TAPS];
    float xw[RESR_CM_MAX_CHROMA_TAPS], yw[RESR_CM_MAX_CHROMA_TAPS];
    float off_x, off_y, rgb[3] = { 0.0f, 0.0f, 0.0f };

    resr_cm_siting(fmt, &off_x, &off_y);
    const int ny = resr_cm_chroma_taps(cj, off_y, fmt->log2_chroma_h, origin_y, n->tile_h, ypos, yw);
    const int nx = resr_cm_chroma_taps(ci, off_x, fmt->log2_chroma_w, origin_x, n->tile_w, xpos, xw);
    for (int a = 0; a < ny; a++) {
        for (int k = 0; k < nx; k++) {
            const float w = yw[a] * xw[k];
            for (int c = 0; c < 3; c++) {
                const float v = resr_cm_net_value(n, xpos[k], ypos[a], c);
                rgb[c] += w * (clamp ? resr_cm_clamp01(v) : v);
            }
        }
    }
    const ResrCmLevels lu = resr_cm_levels(fmt, 1), lv = resr_cm_levels(fmt, 2);
    const float luma = kr * rgb[0] + kg * rgb[1] + kb * rgb[2];
    const float cb = (rgb[2] - luma) / (2.0f * (1.0f - kb));
    const float cr = (rgb[0] - luma) / (2.0f * (1.0f - kr));
    resr_cm_store(fmt, frame, 1, ci, cj, resr_cm_encode(&lu, cb), lu.max_code);
    resr_cm_store(fmt, frame, 2, ci, cj, resr_cm_encode(&lv, cr), lv.max_code);
}

/* Cubic weights (Keys a = -0.5) of colour.c resr_alpha_upscale. */
RESR_HD void resr_cm_cubic_weights(float t, float w[4])
{
    const float a = -0.5f;
    const float d[4] = { 1.0f + t, t, 1.0f - t, 2.0f - t };

    for (int i = 0; i < 4; i++) {
        const float x = d[i];
        w[i] = x <= 1.0f ? ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f
                         : ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a;
    }
}

/* Alpha of output pixel (x, y) bicubically upscaled from src (w x h): resr_alpha_upscale. */
RESR_HD void resr_cm_alpha_pixel(const ResrPixelFormat *fmt, const ResrPlanes *src, int w, int h,
                                 const ResrPlanes *dst, int scale, int x, int y)
{
    const ResrCmLevels alpha = resr_cm_levels(fmt, 3);
    const float sy = ((float)y + 0.5f) / (float)scale - 0.5f;
    const float fy = floorf(sy);
    const float sx = ((float)x + 0.5f) / (float)scale - 0.5f;
    const float fx = floorf(sx);
    int rows[4];
    float wy[4], wx[4], sum = 0.0f;

    resr_cm_cubic_weights(sy - fy, wy);
    for (int k = 0; k < 4; k++) {
        const int r = (int)fy - 1 + k;
        rows[k] = r < 0 ? 0 : (r >= h ? h - 1 : r);
    }
    resr_cm_cubic_weights(sx - fx, wx);
    for (int k = 0; k < 4; k++) {
        int col = (int)fx - 1 + k;
        col = col < 0 ? 0 : (col >= w ? w - 1 : col);
        for (int m = 0; m < 4; m++)
            sum += wx[k] * wy[m] * resr_cm_load(fmt, src, 3, col, rows[m], alpha.max_code);
    }
    sum = sum > 0.0f ? (sum < alpha.max_code ? sum : alpha.max_code) : 0.0f;
    resr_cm_store(fmt, dst, 3, x, y, sum, alpha.max_code);
}

/* ---- per-thread bodies of the conversion kernels (convert.cu; the twins loop over them) -- */

RESR_HD void resr_cm_store_operand(uint64_t base, int64_t i, int math, float v)
{
    if (math == RESR_CUDA_MATH_F32)
        ((float *)base)[i] = v;
    else
        ((uint16_t *)base)[i] = math == RESR_CUDA_MATH_F16 ? resr_float_to_half(v) : resr_float_to_bf16(v);
}

/* Network input pixel (nx, ny) (after unshuffle): u x u frame pixels, 3 channels each. */
RESR_HD void resr_cm_input_thread(const ResrInputArgs *a, int nx, int ny)
{
    const int u = a->unshuffle;
    const int64_t out = ((int64_t)ny * (a->w / u) + nx) * a->dst_pixel;

    for (int i = 0; i < u; i++) {
        const int y = resr_cm_reflect(a->y0 + ny * u + i, a->frame_h);
        for (int j = 0; j < u; j++) {
            const int x = resr_cm_reflect(a->x0 + nx * u + j, a->frame_w);
            float rgb[3];
            resr_cm_frame_pixel(&a->fmt, &a->frame, a->frame_w, a->frame_h, x, y, rgb);
            for (int c = 0; c < 3; c++)
                resr_cm_store_operand(a->dst, out + (c * u + i) * u + j, a->math, rgb[c] * a->value_scale);
        }
    }
    for (int c = 3 * u * u; c < a->dst_pixel; c++)
        resr_cm_store_operand(a->dst, out + c, a->math, 0.0f);
}

/* Output pixel (ox, oy) of the core rectangle, and the chroma sample it is the first luma of. */
RESR_HD void resr_cm_output_thread(const ResrOutputArgs *a, int ox, int oy)
{
    ResrCmNet n;
    n.net = (const float *)a->net;
    n.net_pixel = a->net_pixel;
    n.shuffle = a->shuffle;
    n.tile_w = a->tile_w;
    n.tile_h = a->tile_h;
    n.base = (const void *)a->base;
    n.base_pixel = a->base_pixel;
    n.base_math = a->math;
    n.value_scale = a->value_scale;

    const int x = a->dst_x + ox, y = a->dst_y + oy;
    float rgb[3];
    for (int c = 0; c < 3; c++)
        rgb[c] = resr_cm_net_value(&n, a->cx + ox, a->cy + oy, c);
    resr_cm_store_pixel(&a->fmt, &a->frame, x, y, rgb);

    if (a->fmt.is_rgb || a->fmt.is_gray)
        return;
    const int sw = a->fmt.log2_chroma_w, sh = a->fmt.log2_chroma_h;
    if ((x & ((1 << sw) - 1)) || (y & ((1 << sh) - 1)))
        return;
    resr_cm_store_chroma(&a->fmt, &n, &a->frame, x >> sw, y >> sh, a->dst_x - a->cx, a->dst_y - a->cy);
}

#endif /* RESR_CUDA_COLOUR_MATH_CUH */
