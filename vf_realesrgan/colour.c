/*
 * Frame <-> planar float RGB, for every layout ResrPixelFormat can describe.
 *
 * Code values map to normalised values per component as code = offset + range * value:
 * RGB, gray, alpha and full-range luma use [0, 2^depth - 1]; limited-range luma
 * 16..235 and chroma 16..240 scaled by 2^(depth-8); full-range chroma is centred on
 * 2^(depth-1) with range 2^depth - 1 (JFIF). Float formats are stored as
 * normalised values and never clamped, so a gbrpf32 chain is exact.
 *
 * Chroma siting: chroma sample i of a plane subsampled by s = 2^log2 sits at luma
 * coordinate i*s + o, with o = 0 (co-sited), (s-1)/2 (between) or s-1 (bottom rows).
 * Reading interpolates linearly at each luma position; writing filters with a tent of
 * half-width s centred on the sample ([1 2 1]/4 co-sited, [1 3 3 1]/8 between for s = 2),
 * i.e. the bilinear 2:1 downscale kernel matched to the siting.
 *
 * Gray frames feed the network R = G = B = Y and are written back as the luma of the
 * output with the format's kr/kb (the filter fills BT.601 for gray, as swscale does).
 * Packed RGB with an unused fourth byte (rgb0, ...) gets 255 there, deterministically.
 */
#include <math.h>
#include <string.h>

#include "colour.h"

/* Chroma subsampling up to 4 (4:1:1): the write filter's taps per axis stay <= 2*4. */
#define MAX_CHROMA_TAPS 8

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

static int reflect_index(int i, int n)
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

static float clamp01(float v)
{
    /* written so that NaN becomes 0 */
    return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
}

static ResrLevels component_levels(const ResrPixelFormat *fmt, int c)
{
    const int is_yuv    = !fmt->is_rgb && c < 3;
    const int is_chroma = is_yuv && c > 0;

    if (fmt->type == RESR_SAMPLE_F32)
        return (ResrLevels){ is_chroma ? 0.5f : 0.0f, 1.0f, 1.0f };

    const float max_code = (float)((1 << fmt->depth) - 1);
    const float unit     = (float)(1 << fmt->depth) / 256.0f;  /* 2^(depth-8) */
    if (is_yuv && !fmt->full_range)
        return is_chroma ? (ResrLevels){ 128.0f * unit, 224.0f * unit, max_code }
                         : (ResrLevels){  16.0f * unit, 219.0f * unit, max_code };
    if (is_chroma)
        return (ResrLevels){ (float)(1 << (fmt->depth - 1)), max_code, max_code };
    return (ResrLevels){ 0.0f, max_code, max_code };
}

/* Luma offsets of chroma sample 0 from luma sample 0, per axis (see the top comment). */
static void chroma_siting(const ResrPixelFormat *fmt, float *off_x, float *off_y)
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

static ResrLerp chroma_lerp(int luma, float offset, int log2_sub, int chroma_size)
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

static const uint8_t *sample_at(const ResrPixelFormat *fmt, const ResrPlanes *frame,
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
static float nonfinite_code(const ResrPixelFormat *fmt, int c, float v)
{
    const int is_chroma = !fmt->is_rgb && (c == 1 || c == 2);
    if (isnan(v))
        return is_chroma ? 0.5f : 0.0f;
    return v > 0.0f ? 1.0f : 0.0f;
}

static float load_code(const ResrPixelFormat *fmt, const ResrPlanes *frame, int c,
                       int x, int y, float max_code)
{
    const uint8_t *p = sample_at(fmt, frame, c, x, y);

    switch (fmt->type) {
    case RESR_SAMPLE_U8:
        return p[0];
    case RESR_SAMPLE_U16: {
        uint16_t v;
        memcpy(&v, p, sizeof(v));
        /* bits above the depth are invalid data: saturate rather than wrap */
        const float code = (float)(v >> fmt->comp[c].shift);
        return code < max_code ? code : max_code;
    }
    case RESR_SAMPLE_F32:
    default: {
        float v;
        memcpy(&v, p, sizeof(v));
        return isfinite(v) ? v : nonfinite_code(fmt, c, v);
    }
    }
}

/* Component c of pixel (x, y), as resr_store_sample writes it. */
static void store_code(const ResrPixelFormat *fmt, ResrPlanes *frame, int c, int x, int y,
                       float code, float max_code)
{
    uint8_t *p = frame->data[fmt->comp[c].plane] +
                 (ptrdiff_t)y * frame->linesize[fmt->comp[c].plane] +
                 fmt->comp[c].offset + (ptrdiff_t)x * fmt->comp[c].step;

    resr_store_sample(fmt, p, fmt->comp[c].shift, code, max_code);
}

void resr_store_sample(const ResrPixelFormat *fmt, uint8_t *p, int shift, float code,
                       float max_code)
{
    if (fmt->type == RESR_SAMPLE_F32) {
        memcpy(p, &code, sizeof(code));
        return;
    }
    code = code > 0.0f ? (code < max_code ? code : max_code) : 0.0f;
    const unsigned v = (unsigned)(code + 0.5f);
    if (fmt->type == RESR_SAMPLE_U8) {
        p[0] = (uint8_t)v;
    } else {
        const uint16_t w = (uint16_t)(v << shift);
        memcpy(p, &w, sizeof(w));
    }
}

static float decode(const ResrLevels *l, float code)
{
    return (code - l->offset) / l->range;
}

static float encode(const ResrLevels *l, float value)
{
    return l->offset + l->range * value;
}

int resr_padding_byte(const ResrPixelFormat *fmt)
{
    if (!fmt->is_rgb || fmt->has_alpha || fmt->type != RESR_SAMPLE_U8 ||
        fmt->comp[0].step != 4 || fmt->comp[1].plane != fmt->comp[0].plane ||
        fmt->comp[2].plane != fmt->comp[0].plane)
        return -1;
    return 0 + 1 + 2 + 3 - fmt->comp[0].offset - fmt->comp[1].offset - fmt->comp[2].offset;
}

void resr_frame_to_rgb(const ResrPixelFormat *format, const ResrPlanes *planes,
                       int frame_w, int frame_h, int x0, int y0, ResrRgbTile *tile)
{
    /* local copies: stores through byte or float pointers cannot alias them */
    const ResrPixelFormat fmt_copy = *format;
    const ResrPlanes frame_copy = *planes;
    const ResrPixelFormat *fmt = &fmt_copy;
    const ResrPlanes *frame = &frame_copy;
    const int is_float = fmt->type == RESR_SAMPLE_F32;
    const int chroma_w = -((-frame_w) >> fmt->log2_chroma_w);
    const int chroma_h = -((-frame_h) >> fmt->log2_chroma_h);
    const float kr = fmt->kr, kb = fmt->kb, kg = 1.0f - fmt->kr - fmt->kb;
    ResrLevels levels[3];
    float off_x, off_y;

    for (int c = 0; c < 3; c++)
        levels[c] = component_levels(fmt, c);
    chroma_siting(fmt, &off_x, &off_y);

    for (int ty = 0; ty < tile->height; ty++) {
        const int y = reflect_index(y0 + ty, frame_h);
        const ResrLerp ly = chroma_lerp(y, off_y, fmt->log2_chroma_h, chroma_h);
        float *r = tile->data + ty * tile->row_stride;
        float *g = r + tile->plane_stride;
        float *b = g + tile->plane_stride;

        for (int tx = 0; tx < tile->width; tx++) {
            const int x = reflect_index(x0 + tx, frame_w);

            if (fmt->is_rgb) {
                r[tx] = decode(&levels[0], load_code(fmt, frame, 0, x, y, levels[0].max_code));
                g[tx] = decode(&levels[1], load_code(fmt, frame, 1, x, y, levels[1].max_code));
                b[tx] = decode(&levels[2], load_code(fmt, frame, 2, x, y, levels[2].max_code));
                continue;
            }

            float luma = decode(&levels[0], load_code(fmt, frame, 0, x, y, levels[0].max_code));
            if (fmt->is_gray) {
                if (!is_float)
                    luma = clamp01(luma);
                r[tx] = g[tx] = b[tx] = luma;
                continue;
            }

            const ResrLerp lx = chroma_lerp(x, off_x, fmt->log2_chroma_w, chroma_w);
            float chroma[2];
            for (int c = 1; c < 3; c++) {
                const float m = levels[c].max_code;
                const float top = (1.0f - lx.frac) * load_code(fmt, frame, c, lx.i0, ly.i0, m) +
                                  lx.frac          * load_code(fmt, frame, c, lx.i1, ly.i0, m);
                const float bot = (1.0f - lx.frac) * load_code(fmt, frame, c, lx.i0, ly.i1, m) +
                                  lx.frac          * load_code(fmt, frame, c, lx.i1, ly.i1, m);
                chroma[c - 1] = decode(&levels[c], (1.0f - ly.frac) * top + ly.frac * bot);
            }
            const float red  = luma + 2.0f * (1.0f - kr) * chroma[1];
            const float blue = luma + 2.0f * (1.0f - kb) * chroma[0];
            const float green = (luma - kr * red - kb * blue) / kg;
            r[tx] = is_float ? red   : clamp01(red);
            g[tx] = is_float ? green : clamp01(green);
            b[tx] = is_float ? blue  : clamp01(blue);
        }
    }
}

size_t resr_frame_count_nonfinite(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                                  int frame_w, int frame_h)
{
    const int components = fmt->is_gray ? 1 : 3;
    size_t count = 0;

    if (fmt->type != RESR_SAMPLE_F32)
        return 0;
    for (int c = 0; c < components + !!fmt->has_alpha; c++) {
        const int comp = c < components ? c : 3;
        const int sub = !fmt->is_rgb && (comp == 1 || comp == 2);
        const int w = sub ? -((-frame_w) >> fmt->log2_chroma_w) : frame_w;
        const int h = sub ? -((-frame_h) >> fmt->log2_chroma_h) : frame_h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float v;
                memcpy(&v, sample_at(fmt, frame, comp, x, y), sizeof(v));
                count += !isfinite(v);
            }
    }
    return count;
}

/*
 * Tent taps of one chroma sample along one axis: luma positions (in tile coordinates,
 * clamped to the tile) and normalised weights. Returns the tap count.
 */
static int chroma_taps(int sample, float offset, int log2_sub, int tile_origin,
                       int tile_size, int *pos, float *weight)
{
    const int sub = 1 << log2_sub;
    const float centre = (float)(sample * sub) + offset;
    const int first = (int)floorf(centre - (float)sub) + 1;
    const int last  = (int)ceilf(centre + (float)sub) - 1;
    float sum = 0.0f;
    int n = 0;

    for (int p = first; p <= last && n < MAX_CHROMA_TAPS; p++, n++) {
        const int t = p - tile_origin;
        pos[n] = t < 0 ? 0 : (t >= tile_size ? tile_size - 1 : t);
        weight[n] = (float)sub - fabsf((float)p - centre);
        sum += weight[n];
    }
    for (int i = 0; i < n; i++)
        weight[i] /= sum;
    return n;
}

void resr_rgb_to_frame(const ResrPixelFormat *format, const ResrRgbTile *rgb_tile,
                       int cx, int cy, int cw, int ch,
                       ResrPlanes *planes, int dst_x, int dst_y)
{
    /* local copies: stores through byte pointers cannot alias them */
    const ResrPixelFormat fmt_copy = *format;
    const ResrRgbTile tile_copy = *rgb_tile;
    ResrPlanes frame_copy = *planes;
    const ResrPixelFormat *fmt = &fmt_copy;
    const ResrRgbTile *tile = &tile_copy;
    ResrPlanes *frame = &frame_copy;
    const int clamp = fmt->type != RESR_SAMPLE_F32;
    const float kr = fmt->kr, kb = fmt->kb, kg = 1.0f - fmt->kr - fmt->kb;
    const int pad = resr_padding_byte(fmt);
    ResrLevels levels[3];

    for (int c = 0; c < 3; c++)
        levels[c] = component_levels(fmt, c);

    for (int j = 0; j < ch; j++) {
        const float *r = tile->data + (ptrdiff_t)(cy + j) * tile->row_stride + cx;
        const float *g = r + tile->plane_stride;
        const float *b = g + tile->plane_stride;
        const int y = dst_y + j;

        for (int i = 0; i < cw; i++) {
            const int x = dst_x + i;
            const float red   = clamp ? clamp01(r[i]) : r[i];
            const float green = clamp ? clamp01(g[i]) : g[i];
            const float blue  = clamp ? clamp01(b[i]) : b[i];

            if (fmt->is_rgb) {
                store_code(fmt, frame, 0, x, y, encode(&levels[0], red),   levels[0].max_code);
                store_code(fmt, frame, 1, x, y, encode(&levels[1], green), levels[1].max_code);
                store_code(fmt, frame, 2, x, y, encode(&levels[2], blue),  levels[2].max_code);
                if (pad >= 0)
                    frame->data[fmt->comp[0].plane][(ptrdiff_t)y * frame->linesize[fmt->comp[0].plane] +
                                                    (ptrdiff_t)x * 4 + pad] = 255;
            } else {
                const float luma = kr * red + kg * green + kb * blue;
                store_code(fmt, frame, 0, x, y, encode(&levels[0], luma), levels[0].max_code);
            }
        }
    }
    if (fmt->is_rgb || fmt->is_gray)
        return;

    /* Chroma samples whose first luma column/row lies in this rectangle belong to it. */
    const int sub_w = fmt->log2_chroma_w, sub_h = fmt->log2_chroma_h;
    const int i_begin = (dst_x + (1 << sub_w) - 1) >> sub_w;
    const int i_end   = (dst_x + cw + (1 << sub_w) - 1) >> sub_w;
    const int j_begin = (dst_y + (1 << sub_h) - 1) >> sub_h;
    const int j_end   = (dst_y + ch + (1 << sub_h) - 1) >> sub_h;
    /* tile coordinate of frame luma position 0 is -origin */
    const int origin_x = dst_x - cx, origin_y = dst_y - cy;
    float off_x, off_y;

    chroma_siting(fmt, &off_x, &off_y);
    for (int cj = j_begin; cj < j_end; cj++) {
        int ypos[MAX_CHROMA_TAPS];
        float yw[MAX_CHROMA_TAPS];
        const int ny = chroma_taps(cj, off_y, sub_h, origin_y, tile->height, ypos, yw);

        for (int ci = i_begin; ci < i_end; ci++) {
            int xpos[MAX_CHROMA_TAPS];
            float xw[MAX_CHROMA_TAPS];
            const int nx = chroma_taps(ci, off_x, sub_w, origin_x, tile->width, xpos, xw);
            float rgb[3] = { 0.0f, 0.0f, 0.0f };

            for (int a = 0; a < ny; a++) {
                const float *row = tile->data + (ptrdiff_t)ypos[a] * tile->row_stride;
                for (int k = 0; k < nx; k++) {
                    const float w = yw[a] * xw[k];
                    for (int c = 0; c < 3; c++) {
                        const float v = row[c * tile->plane_stride + xpos[k]];
                        rgb[c] += w * (clamp ? clamp01(v) : v);
                    }
                }
            }
            const float luma = kr * rgb[0] + kg * rgb[1] + kb * rgb[2];
            const float cb = (rgb[2] - luma) / (2.0f * (1.0f - kb));
            const float cr = (rgb[0] - luma) / (2.0f * (1.0f - kr));
            store_code(fmt, frame, 1, ci, cj, encode(&levels[1], cb), levels[1].max_code);
            store_code(fmt, frame, 2, ci, cj, encode(&levels[2], cr), levels[2].max_code);
        }
    }
}

/* Keys cubic convolution weights, a = -0.5, for taps at -1, 0, 1, 2 around frac t. */
static void cubic_weights(float t, float w[4])
{
    const float a = -0.5f;
    const float d[4] = { 1.0f + t, t, 1.0f - t, 2.0f - t };

    for (int i = 0; i < 4; i++) {
        const float x = d[i];
        w[i] = x <= 1.0f ? ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f
                         : ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a;
    }
}

void resr_alpha_upscale(const ResrPixelFormat *format, const ResrPlanes *src_planes, int w, int h,
                        ResrPlanes *dst_planes, int scale)
{
    /* local copies: stores through byte pointers cannot alias them */
    const ResrPixelFormat fmt_copy = *format;
    const ResrPlanes src_copy = *src_planes;
    ResrPlanes dst_copy = *dst_planes;
    const ResrPixelFormat *fmt = &fmt_copy;
    const ResrPlanes *src = &src_copy;
    ResrPlanes *dst = &dst_copy;
    const ResrLevels alpha = component_levels(fmt, 3);

    for (int y = 0; y < h * scale; y++) {
        const float sy = ((float)y + 0.5f) / (float)scale - 0.5f;
        const float fy = floorf(sy);
        int rows[4];
        float wy[4];

        cubic_weights(sy - fy, wy);
        for (int k = 0; k < 4; k++) {
            const int r = (int)fy - 1 + k;
            rows[k] = r < 0 ? 0 : (r >= h ? h - 1 : r);
        }
        for (int x = 0; x < w * scale; x++) {
            const float sx = ((float)x + 0.5f) / (float)scale - 0.5f;
            const float fx = floorf(sx);
            float wx[4], sum = 0.0f;

            cubic_weights(sx - fx, wx);
            for (int k = 0; k < 4; k++) {
                int col = (int)fx - 1 + k;
                col = col < 0 ? 0 : (col >= w ? w - 1 : col);
                for (int m = 0; m < 4; m++)
                    sum += wx[k] * wy[m] * load_code(fmt, src, 3, col, rows[m], alpha.max_code);
            }
            /* bicubic overshoots: keep alpha inside its range, float formats too */
            sum = sum > 0.0f ? (sum < alpha.max_code ? sum : alpha.max_code) : 0.0f;
            store_code(fmt, dst, 3, x, y, sum, alpha.max_code);
        }
    }
}
