/*
 * Frame <-> network colour math, once, for both engines: the CPU engine's conversion loops
 * (cpu/convert.c) and the CUDA conversion kernels (cuda/convert.cu) call these RESR_HD
 * functions per pixel, so both produce the same values (the fatbin is built with
 * --fmad=false and C does not contract either: every product and sum rounds alike).
 *
 * Code values map to normalised values per component as code = offset + range * value:
 * RGB, gray, alpha and full-range luma use [0, 2^depth - 1]; limited-range luma
 * 16..235 and chroma 16..240 scaled by 2^(depth-8); full-range chroma is centred on
 * 2^(depth-1) with range 2^depth - 1 (JFIF). Float formats are stored as normalised
 * values and never clamped, so a gbrpf32 chain is exact.
 *
 * Chroma siting: chroma sample i of a plane subsampled by s = 2^log2 sits at luma
 * coordinate i*s + o, with o = 0 (co-sited), (s-1)/2 (between) or s-1 (bottom rows).
 * Reading interpolates linearly at each luma position; writing filters with a tent of
 * half-width s centred on the sample ([1 2 1]/4 co-sited, [1 3 3 1]/8 between for s = 2),
 * i.e. the bilinear 2:1 downscale kernel matched to the siting.
 *
 * Gray frames feed the network R = G = B = Y and are written back as the luma of the
 * output with the format's kr/kb (the glue fills BT.601 for gray, as swscale does).
 * Packed RGB with an unused fourth byte (rgb0, ...) gets 255 there, deterministically.
 */
#ifndef RESR_CORE_COLOUR_MATH_H
#define RESR_CORE_COLOUR_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hd.h"
#include "pixel_format.h"
#include "precision.h"

/* Chroma subsampling up to 4 (4:1:1): the write filter's taps per axis stay <= 2*4. */
#define RESR_MAX_CHROMA_TAPS 8

typedef struct ResrLevels {
    float offset;     /* code of normalised 0 */
    float range;      /* codes per normalised unit */
    float max_code;   /* largest code the container holds (1 for float: unused) */
} ResrLevels;

/* One axis of linear chroma interpolation: value = (1 - frac) * c[i0] + frac * c[i1]. */
typedef struct ResrLerp {
    int i0, i1;
    float frac;
} ResrLerp;

/* Index i mirrored into [0, n) without repeating the edge (numpy/PyTorch "reflect"). */
RESR_HD int resr_reflect_index(int i, int n)
{
    if ((unsigned)i < (unsigned)n)
        return i;
    if (n == 1)
        return 0;
    const int period = 2 * (n - 1);
    i %= period;
    if (i < 0)
        i += period;
    return i < n ? i : period - i;
}

/* written so that NaN becomes 0 */
RESR_HD float resr_clamp01(float v)
{
    return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
}

RESR_HD ResrLevels resr_component_levels(const ResrPixelFormat *fmt, int c)
{
    const int is_yuv    = !fmt->is_rgb && c < 3;
    const int is_chroma = is_yuv && c > 0;
    ResrLevels l;

    if (fmt->type == RESR_SAMPLE_F32) {
        l.offset   = is_chroma ? 0.5f : 0.0f;
        l.range    = 1.0f;
        l.max_code = 1.0f;
        return l;
    }
    const float max_code = (float)((1 << fmt->depth) - 1);
    const float unit     = (float)(1 << fmt->depth) / 256.0f;  /* 2^(depth-8) */
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

/* Luma offsets of chroma sample 0 from luma sample 0, per axis (see the top comment). */
RESR_HD void resr_chroma_siting(const ResrPixelFormat *fmt, float *off_x, float *off_y)
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

/* What the per-pixel functions below need of a format and frame size, computed once. */
typedef struct ResrColourSetup {
    ResrLevels levels[4];      /* Y/R, U/G, V/B, A */
    float siting_x, siting_y;  /* resr_chroma_siting */
    int chroma_w, chroma_h;    /* subsampled plane size */
    float kr, kg, kb;
} ResrColourSetup;

RESR_HD ResrColourSetup resr_colour_setup(const ResrPixelFormat *fmt, int frame_w, int frame_h)
{
    ResrColourSetup s;

    for (int c = 0; c < 4; c++)
        s.levels[c] = resr_component_levels(fmt, c);
    resr_chroma_siting(fmt, &s.siting_x, &s.siting_y);
    s.chroma_w = -((-frame_w) >> fmt->log2_chroma_w);
    s.chroma_h = -((-frame_h) >> fmt->log2_chroma_h);
    s.kr = fmt->kr;
    s.kb = fmt->kb;
    s.kg = 1.0f - fmt->kr - fmt->kb;
    return s;
}

RESR_HD ResrLerp resr_chroma_lerp(int luma, float offset, int log2_sub, int chroma_size)
{
    const float pos = ((float)luma - offset) / (float)(1 << log2_sub);
    const float base = floorf(pos);
    ResrLerp l;
    l.frac = pos - base;
    l.i0 = (int)base;
    l.i1 = l.i0 + 1;
    l.i0 = l.i0 < 0 ? 0 : (l.i0 >= chroma_size ? chroma_size - 1 : l.i0);
    l.i1 = l.i1 < 0 ? 0 : (l.i1 >= chroma_size ? chroma_size - 1 : l.i1);
    return l;
}

/* Address of component c of pixel (x, y) (x, y in that component's plane). */
RESR_HD uint8_t *resr_sample_ptr(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                                 int c, int x, int y)
{
    const ResrComponent *k = &fmt->comp[c];
    return frame->data[k->plane] + (ptrdiff_t)y * frame->linesize[k->plane] +
           k->offset + (ptrdiff_t)x * k->step;
}

/*
 * What a NaN or infinite float sample reads as: +Inf the top of the nominal range, -Inf the
 * bottom, NaN the neutral value (black, grey chroma, transparent). Passed on, one NaN
 * would turn every output pixel within the network's receptive field into NaN (a ~37x37
 * input-pixel square with realesr-animevideov3), black once converted to integers.
 */
RESR_HD float resr_nonfinite_code(const ResrPixelFormat *fmt, int c, float v)
{
    const int is_chroma = !fmt->is_rgb && (c == 1 || c == 2);
    if (isnan(v))
        return is_chroma ? 0.5f : 0.0f;
    return v > 0.0f ? 1.0f : 0.0f;
}

/* Component c of pixel (x, y) as a code value: integers saturated at max_code (bits above
 * the depth are invalid data: saturate rather than wrap), floats as stored but finite. */
RESR_HD float resr_load_code(const ResrPixelFormat *fmt, const ResrPlanes *frame, int c,
                             int x, int y, float max_code)
{
    const uint8_t *p = resr_sample_ptr(fmt, frame, c, x, y);

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
    return isfinite(f) ? f : resr_nonfinite_code(fmt, c, f);
}

/*
 * Writes one sample at p: integer containers get code clamped to [0, max_code], rounded to
 * nearest and shifted left by shift (MSB-aligned layouts such as p010); float is stored as
 * is.
 */
RESR_HD void resr_store_sample(const ResrPixelFormat *fmt, uint8_t *p, int shift, float code,
                               float max_code)
{
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
        const uint16_t w = (uint16_t)(v << shift);
#ifdef __CUDA_ARCH__
        *(uint16_t *)p = w;
#else
        memcpy(p, &w, sizeof(w));
#endif
    }
}

/* Component c of pixel (x, y), as resr_store_sample writes it. */
RESR_HD void resr_store_code(const ResrPixelFormat *fmt, const ResrPlanes *frame, int c,
                             int x, int y, float code, float max_code)
{
    resr_store_sample(fmt, resr_sample_ptr(fmt, frame, c, x, y), fmt->comp[c].shift, code, max_code);
}

RESR_HD float resr_decode(const ResrLevels *l, float code)
{
    return (code - l->offset) / l->range;
}

RESR_HD float resr_encode(const ResrLevels *l, float value)
{
    return l->offset + l->range * value;
}

/*
 * Packed 8-bit RGB with a fourth, unused byte (rgb0, 0bgr, ...): the byte offset of that
 * byte, or -1. Writers set it to 255 so that outputs are deterministic and read as opaque.
 */
RESR_HD int resr_padding_byte(const ResrPixelFormat *fmt)
{
    if (!fmt->is_rgb || fmt->has_alpha || fmt->type != RESR_SAMPLE_U8 ||
        fmt->comp[0].step != 4 || fmt->comp[1].plane != fmt->comp[0].plane ||
        fmt->comp[2].plane != fmt->comp[0].plane)
        return -1;
    return 0 + 1 + 2 + 3 - fmt->comp[0].offset - fmt->comp[1].offset - fmt->comp[2].offset;
}

/* ---- frame -> network ------------------------------------------------------------------- */

/*
 * RGB in [0,1] (float frames: as stored, unclamped, non-finite replaced) of frame pixel
 * (x, y), inside the frame (callers mirror coordinates past it with resr_reflect_index).
 * Chroma is interpolated at the luma position according to the siting.
 */
RESR_HD void resr_frame_pixel_rgb(const ResrPixelFormat *fmt, const ResrColourSetup *s,
                                  const ResrPlanes *frame, int x, int y, float rgb[3])
{
    const int is_float = fmt->type == RESR_SAMPLE_F32;
    const ResrLevels *levels = s->levels;

    if (fmt->is_rgb) {
        for (int c = 0; c < 3; c++)
            rgb[c] = resr_decode(&levels[c], resr_load_code(fmt, frame, c, x, y, levels[c].max_code));
        return;
    }

    float luma = resr_decode(&levels[0], resr_load_code(fmt, frame, 0, x, y, levels[0].max_code));
    if (fmt->is_gray) {
        if (!is_float)
            luma = resr_clamp01(luma);
        rgb[0] = rgb[1] = rgb[2] = luma;
        return;
    }

    const ResrLerp ly = resr_chroma_lerp(y, s->siting_y, fmt->log2_chroma_h, s->chroma_h);
    const ResrLerp lx = resr_chroma_lerp(x, s->siting_x, fmt->log2_chroma_w, s->chroma_w);
    float chroma[2];

    for (int c = 1; c < 3; c++) {
        const float m = levels[c].max_code;
        const float top = (1.0f - lx.frac) * resr_load_code(fmt, frame, c, lx.i0, ly.i0, m) +
                          lx.frac          * resr_load_code(fmt, frame, c, lx.i1, ly.i0, m);
        const float bot = (1.0f - lx.frac) * resr_load_code(fmt, frame, c, lx.i0, ly.i1, m) +
                          lx.frac          * resr_load_code(fmt, frame, c, lx.i1, ly.i1, m);
        chroma[c - 1] = resr_decode(&levels[c], (1.0f - ly.frac) * top + ly.frac * bot);
    }
    const float red   = luma + 2.0f * (1.0f - s->kr) * chroma[1];
    const float blue  = luma + 2.0f * (1.0f - s->kb) * chroma[0];
    const float green = (luma - s->kr * red - s->kb * blue) / s->kg;
    rgb[0] = is_float ? red   : resr_clamp01(red);
    rgb[1] = is_float ? green : resr_clamp01(green);
    rgb[2] = is_float ? blue  : resr_clamp01(blue);
}

/* ---- network -> frame ------------------------------------------------------------------- */

/*
 * The network's RGB output as the output conversion reads it: value (x, y, c) of a tile
 * of width x height pixels at output resolution is
 *   data[y * row + x * pixel + c * channel] * value_scale                  (shuffle 1)
 * or, for SRVGGNetCompact's tail (the last conv's output at 1/shuffle resolution, pixel
 * shuffled on the fly, plus the nearest-upsampled network input `base`):
 *   (data[(y/s) * row + (x/s) * pixel + ((c*s + y%s)*s + x%s) * channel]
 *    + base[((y/s) * (width/s) + x/s) * base_pixel + c]) * value_scale.
 * The CPU engine reads planar RGB (pixel 1, channel = plane), the CUDA engine
 * channels-last (pixel = channels, channel 1) scaled back from its fp16 activation scale.
 */
typedef struct ResrRgbSource {
    const float *data;
    int64_t row, pixel, channel;   /* element strides */
    int width, height;
    int shuffle;
    const void *base;              /* or NULL */
    int64_t base_pixel;
    int base_precision;            /* ResrPrecision of base */
    float value_scale;
} ResrRgbSource;

RESR_HD float resr_rgb_source_value(const ResrRgbSource *n, int x, int y, int c)
{
    if (n->shuffle <= 1)
        return n->data[(int64_t)y * n->row + (int64_t)x * n->pixel + c * n->channel] * n->value_scale;
    const int s = n->shuffle;
    const int64_t px = x / s, py = y / s;
    float v = n->data[py * n->row + px * n->pixel + ((c * s + y % s) * s + x % s) * n->channel];
    if (n->base)
        v = v + resr_tensor_load(n->base, (py * (n->width / s) + px) * n->base_pixel + c,
                                 n->base_precision);
    return v * n->value_scale;
}

/* Writes the luma (or R, G, B) of frame pixel (x, y) from RGB (clamped unless float). */
RESR_HD void resr_store_pixel_rgb(const ResrPixelFormat *fmt, const ResrColourSetup *s,
                                  const ResrPlanes *frame, int x, int y, const float in_rgb[3])
{
    const int clamp = fmt->type != RESR_SAMPLE_F32;
    const float red   = clamp ? resr_clamp01(in_rgb[0]) : in_rgb[0];
    const float green = clamp ? resr_clamp01(in_rgb[1]) : in_rgb[1];
    const float blue  = clamp ? resr_clamp01(in_rgb[2]) : in_rgb[2];
    const ResrLevels *levels = s->levels;

    if (fmt->is_rgb) {
        const int pad = resr_padding_byte(fmt);
        resr_store_code(fmt, frame, 0, x, y, resr_encode(&levels[0], red),   levels[0].max_code);
        resr_store_code(fmt, frame, 1, x, y, resr_encode(&levels[1], green), levels[1].max_code);
        resr_store_code(fmt, frame, 2, x, y, resr_encode(&levels[2], blue),  levels[2].max_code);
        if (pad >= 0)
            frame->data[fmt->comp[0].plane][(ptrdiff_t)y * frame->linesize[fmt->comp[0].plane] +
                                            (ptrdiff_t)x * 4 + pad] = 255;
    } else {
        const float luma = s->kr * red + s->kg * green + s->kb * blue;
        resr_store_code(fmt, frame, 0, x, y, resr_encode(&levels[0], luma), levels[0].max_code);
    }
}

/*
 * The tent taps of one chroma sample along one axis: luma positions first .. first+count-1
 * around the sample's centre, weighted sub - |p - centre| and normalised by their sum.
 * Computed on the fly (no tap arrays: the kernel keeps them in registers).
 */
typedef struct ResrChromaTaps {
    int first, count;
    int tile_origin, tile_size;   /* positions are clamped to the tile */
    float centre, sub, sum;
} ResrChromaTaps;

RESR_HD ResrChromaTaps resr_chroma_taps(int sample, float offset, int log2_sub, int tile_origin,
                                        int tile_size)
{
    ResrChromaTaps t;
    const int sub = 1 << log2_sub;

    t.sub = (float)sub;
    t.centre = (float)(sample * sub) + offset;
    t.first = (int)floorf(t.centre - t.sub) + 1;
    const int last = (int)ceilf(t.centre + t.sub) - 1;
    t.count = last - t.first + 1;
    t.count = t.count < RESR_MAX_CHROMA_TAPS ? t.count : RESR_MAX_CHROMA_TAPS;
    t.tile_origin = tile_origin;
    t.tile_size = tile_size;
    t.sum = 0.0f;
    for (int i = 0; i < t.count; i++)
        t.sum += t.sub - fabsf((float)(t.first + i) - t.centre);
    return t;
}

/* Tap i: its tile position (clamped to the tile) and normalised weight. */
RESR_HD int resr_chroma_tap_pos(const ResrChromaTaps *t, int i)
{
    const int p = t->first + i - t->tile_origin;
    return p < 0 ? 0 : (p >= t->tile_size ? t->tile_size - 1 : p);
}

RESR_HD float resr_chroma_tap_weight(const ResrChromaTaps *t, int i)
{
    return (t->sub - fabsf((float)(t->first + i) - t->centre)) / t->sum;
}

/*
 * Chroma sample (ci, cj) of a subsampled YUV frame, filtered from the RGB of the tile
 * around it. Tile pixel (0, 0) is frame luma pixel (origin_x, origin_y); the filter reads
 * tile pixels up to one past the caller's core rectangle where the tile has them (clamping
 * at the tile's edge otherwise), so a tile computed with padding gives seamless chroma.
 */
RESR_HD void resr_store_chroma(const ResrPixelFormat *fmt, const ResrColourSetup *s,
                               const ResrRgbSource *src, const ResrPlanes *frame,
                               int ci, int cj, int origin_x, int origin_y)
{
    const int clamp = fmt->type != RESR_SAMPLE_F32;
    const ResrChromaTaps ty = resr_chroma_taps(cj, s->siting_y, fmt->log2_chroma_h, origin_y, src->height);
    const ResrChromaTaps tx = resr_chroma_taps(ci, s->siting_x, fmt->log2_chroma_w, origin_x, src->width);
    float rgb[3] = { 0.0f, 0.0f, 0.0f };

    for (int t = 0; t < ty.count * tx.count; t++) {
        const int a = t / tx.count, k = t % tx.count;
        const int y = resr_chroma_tap_pos(&ty, a), x = resr_chroma_tap_pos(&tx, k);
        const float w = resr_chroma_tap_weight(&ty, a) * resr_chroma_tap_weight(&tx, k);
        for (int c = 0; c < 3; c++) {
            const float v = resr_rgb_source_value(src, x, y, c);
            rgb[c] += w * (clamp ? resr_clamp01(v) : v);
        }
    }
    const float luma = s->kr * rgb[0] + s->kg * rgb[1] + s->kb * rgb[2];
    const float cb = (rgb[2] - luma) / (2.0f * (1.0f - s->kb));
    const float cr = (rgb[0] - luma) / (2.0f * (1.0f - s->kr));
    resr_store_code(fmt, frame, 1, ci, cj, resr_encode(&s->levels[1], cb), s->levels[1].max_code);
    resr_store_code(fmt, frame, 2, ci, cj, resr_encode(&s->levels[2], cr), s->levels[2].max_code);
}

/*
 * Output pixel (x, y) of the frame from tile pixel (tx, ty): its luma (or RGB), and the
 * chroma sample whose first luma pixel it is. Tile pixel (0, 0) is frame pixel
 * (x - tx, y - ty). Alpha is not written (resr_alpha_pixel).
 */
RESR_HD void resr_output_pixel(const ResrPixelFormat *fmt, const ResrColourSetup *s,
                               const ResrRgbSource *src, const ResrPlanes *frame,
                               int x, int y, int tx, int ty)
{
    float rgb[3];

    for (int c = 0; c < 3; c++)
        rgb[c] = resr_rgb_source_value(src, tx, ty, c);
    resr_store_pixel_rgb(fmt, s, frame, x, y, rgb);

    if (fmt->is_rgb || fmt->is_gray)
        return;
    const int sw = fmt->log2_chroma_w, sh = fmt->log2_chroma_h;
    if ((x & ((1 << sw) - 1)) || (y & ((1 << sh) - 1)))
        return;
    resr_store_chroma(fmt, s, src, frame, x >> sw, y >> sh, x - tx, y - ty);
}

/* ---- alpha -------------------------------------------------------------------------------- */

/* Keys cubic convolution weights, a = -0.5, for taps at -1, 0, 1, 2 around frac t. */
RESR_HD void resr_cubic_weights(float t, float w[4])
{
    const float a = -0.5f;
    const float d[4] = { 1.0f + t, t, 1.0f - t, 2.0f - t };

    for (int i = 0; i < 4; i++) {
        const float x = d[i];
        w[i] = x <= 1.0f ? ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f
                         : ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a;
    }
}

/*
 * Alpha of output pixel (x, y), bicubically upscaled by scale from src (w x h, format
 * fmt, which has alpha), clamped to alpha's range (bicubic overshoots; float formats too).
 */
RESR_HD void resr_alpha_pixel(const ResrPixelFormat *fmt, const ResrPlanes *src, int w, int h,
                              const ResrPlanes *dst, int scale, int x, int y)
{
    const ResrLevels alpha = resr_component_levels(fmt, 3);
    const float sy = ((float)y + 0.5f) / (float)scale - 0.5f;
    const float fy = floorf(sy);
    const float sx = ((float)x + 0.5f) / (float)scale - 0.5f;
    const float fx = floorf(sx);
    int rows[4];
    float wy[4], wx[4], sum = 0.0f;

    resr_cubic_weights(sy - fy, wy);
    for (int k = 0; k < 4; k++) {
        const int r = (int)fy - 1 + k;
        rows[k] = r < 0 ? 0 : (r >= h ? h - 1 : r);
    }
    resr_cubic_weights(sx - fx, wx);
    for (int k = 0; k < 4; k++) {
        int col = (int)fx - 1 + k;
        col = col < 0 ? 0 : (col >= w ? w - 1 : col);
        for (int m = 0; m < 4; m++)
            sum += wx[k] * wy[m] * resr_load_code(fmt, src, 3, col, rows[m], alpha.max_code);
    }
    sum = sum > 0.0f ? (sum < alpha.max_code ? sum : alpha.max_code) : 0.0f;
    resr_store_code(fmt, dst, 3, x, y, sum, alpha.max_code);
}

#endif /* RESR_CORE_COLOUR_MATH_H */
