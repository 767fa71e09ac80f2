/*
 * Shared by the conversion and engine unit tests: the pixel formats the filter advertises
 * written out by hand from FFmpeg's descriptors (so the tests need no FFmpeg), and frames
 * allocated for them with padded line sizes. Reporting: tests/common/test_util.h.
 */
#ifndef RESR_TESTS_ENGINE_TEST_H
#define RESR_TESTS_ENGINE_TEST_H

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/pixel_format.h"
#include "../../cpu/resample.h"
#include "../../cpu/rgb_tile.h"
#include "../common/test_util.h"

/* ---------------------------------------------------------------------------------------
 * Formats, as vf_realesrgan/formats.c fills them from AVPixFmtDescriptor (components R,G,B,A or
 * Y,U,V,A; offsets and steps in bytes).
 */
typedef struct TestFormat {
    const char *name;
    ResrPixelFormat fmt;
} TestFormat;

static inline ResrComponent tc(int plane, int step, int offset, int shift)
{
    return (ResrComponent){ plane, step, offset, shift };
}

static inline ResrPixelFormat packed_rgb(ResrSampleType type, int depth, int step,
                                  int r, int g, int b, int a)
{
    ResrPixelFormat f = { 0 };
    f.is_rgb = 1;
    f.type = type;
    f.depth = depth;
    f.has_alpha = a >= 0;
    f.comp[0] = tc(0, step, r, 0);
    f.comp[1] = tc(0, step, g, 0);
    f.comp[2] = tc(0, step, b, 0);
    if (a >= 0)
        f.comp[3] = tc(0, step, a, 0);
    return f;
}

/* gbrp family: planes G, B, R (, A). */
static inline ResrPixelFormat planar_gbr(ResrSampleType type, int depth, int alpha)
{
    const int step = type == RESR_SAMPLE_U8 ? 1 : type == RESR_SAMPLE_U16 ? 2 : 4;
    ResrPixelFormat f = { 0 };
    f.is_rgb = 1;
    f.type = type;
    f.depth = depth;
    f.has_alpha = alpha;
    f.comp[0] = tc(2, step, 0, 0);
    f.comp[1] = tc(0, step, 0, 0);
    f.comp[2] = tc(1, step, 0, 0);
    if (alpha)
        f.comp[3] = tc(3, step, 0, 0);
    return f;
}

static inline ResrPixelFormat gray(ResrSampleType type, int depth)
{
    ResrPixelFormat f = { 0 };
    f.is_gray = 1;
    f.type = type;
    f.depth = depth;
    f.full_range = 1;
    f.kr = 0.299f;
    f.kb = 0.114f;
    f.comp[0] = tc(0, type == RESR_SAMPLE_U8 ? 1 : type == RESR_SAMPLE_U16 ? 2 : 4, 0, 0);
    return f;
}

static inline ResrPixelFormat planar_yuv(int depth, int l2w, int l2h, int full_range, int alpha)
{
    const int step = depth > 8 ? 2 : 1;
    ResrPixelFormat f = { 0 };
    f.type = depth > 8 ? RESR_SAMPLE_U16 : RESR_SAMPLE_U8;
    f.depth = depth;
    f.log2_chroma_w = l2w;
    f.log2_chroma_h = l2h;
    f.full_range = full_range;
    f.has_alpha = alpha;
    f.kr = 0.2126f;
    f.kb = 0.0722f;
    f.chroma_loc = RESR_CHROMA_LEFT;
    f.comp[0] = tc(0, step, 0, 0);
    f.comp[1] = tc(1, step, 0, 0);
    f.comp[2] = tc(2, step, 0, 0);
    if (alpha)
        f.comp[3] = tc(3, step, 0, 0);
    return f;
}

/* nv12/nv21 (8 bit), p010/p016 (16-bit containers, shift 16 - depth). */
static inline ResrPixelFormat semi_planar(int depth, int swap_uv)
{
    const int step = depth > 8 ? 2 : 1;
    ResrPixelFormat f = { 0 };
    f.type = depth > 8 ? RESR_SAMPLE_U16 : RESR_SAMPLE_U8;
    f.depth = depth;
    f.log2_chroma_w = 1;
    f.log2_chroma_h = 1;
    f.kr = 0.2126f;
    f.kb = 0.0722f;
    f.chroma_loc = RESR_CHROMA_LEFT;
    const int shift = depth > 8 ? 16 - depth : 0;
    f.comp[0] = tc(0, step, 0, shift);
    f.comp[1] = tc(1, 2 * step, swap_uv ? step : 0, shift);
    f.comp[2] = tc(1, 2 * step, swap_uv ? 0 : step, shift);
    return f;
}

#define U8  RESR_SAMPLE_U8
#define U16 RESR_SAMPLE_U16
#define F32 RESR_SAMPLE_F32

static inline int test_formats(TestFormat *out)
{
    int n = 0;
    out[n++] = (TestFormat){ "rgb24",     packed_rgb(U8, 8, 3, 0, 1, 2, -1) };
    out[n++] = (TestFormat){ "bgr24",     packed_rgb(U8, 8, 3, 2, 1, 0, -1) };
    out[n++] = (TestFormat){ "rgba",      packed_rgb(U8, 8, 4, 0, 1, 2, 3) };
    out[n++] = (TestFormat){ "bgra",      packed_rgb(U8, 8, 4, 2, 1, 0, 3) };
    out[n++] = (TestFormat){ "argb",      packed_rgb(U8, 8, 4, 1, 2, 3, 0) };
    out[n++] = (TestFormat){ "abgr",      packed_rgb(U8, 8, 4, 3, 2, 1, 0) };
    out[n++] = (TestFormat){ "rgb0",      packed_rgb(U8, 8, 4, 0, 1, 2, -1) };
    out[n++] = (TestFormat){ "bgr0",      packed_rgb(U8, 8, 4, 2, 1, 0, -1) };
    out[n++] = (TestFormat){ "0rgb",      packed_rgb(U8, 8, 4, 1, 2, 3, -1) };
    out[n++] = (TestFormat){ "0bgr",      packed_rgb(U8, 8, 4, 3, 2, 1, -1) };
    out[n++] = (TestFormat){ "rgb48le",   packed_rgb(U16, 16, 6, 0, 2, 4, -1) };
    out[n++] = (TestFormat){ "rgba64le",  packed_rgb(U16, 16, 8, 0, 2, 4, 6) };
    out[n++] = (TestFormat){ "gbrp",      planar_gbr(U8, 8, 0) };
    out[n++] = (TestFormat){ "gbrp10le",  planar_gbr(U16, 10, 0) };
    out[n++] = (TestFormat){ "gbrp12le",  planar_gbr(U16, 12, 0) };
    out[n++] = (TestFormat){ "gbrp16le",  planar_gbr(U16, 16, 0) };
    out[n++] = (TestFormat){ "gbrpf32le", planar_gbr(F32, 32, 0) };
    out[n++] = (TestFormat){ "gbrap",     planar_gbr(U8, 8, 1) };
    out[n++] = (TestFormat){ "gbrap16le", planar_gbr(U16, 16, 1) };
    out[n++] = (TestFormat){ "gray",      gray(U8, 8) };
    out[n++] = (TestFormat){ "gray10le",  gray(U16, 10) };
    out[n++] = (TestFormat){ "gray16le",  gray(U16, 16) };
    out[n++] = (TestFormat){ "grayf32le", gray(F32, 32) };
    out[n++] = (TestFormat){ "yuv420p",   planar_yuv(8, 1, 1, 0, 0) };
    out[n++] = (TestFormat){ "yuv422p",   planar_yuv(8, 1, 0, 0, 0) };
    out[n++] = (TestFormat){ "yuv444p",   planar_yuv(8, 0, 0, 0, 0) };
    out[n++] = (TestFormat){ "yuvj420p",  planar_yuv(8, 1, 1, 1, 0) };
    out[n++] = (TestFormat){ "yuvj422p",  planar_yuv(8, 1, 0, 1, 0) };
    out[n++] = (TestFormat){ "yuvj444p",  planar_yuv(8, 0, 0, 1, 0) };
    out[n++] = (TestFormat){ "yuva420p",  planar_yuv(8, 1, 1, 0, 1) };
    out[n++] = (TestFormat){ "yuva444p",  planar_yuv(8, 0, 0, 0, 1) };
    out[n++] = (TestFormat){ "yuv420p10le", planar_yuv(10, 1, 1, 0, 0) };
    out[n++] = (TestFormat){ "yuv422p10le", planar_yuv(10, 1, 0, 0, 0) };
    out[n++] = (TestFormat){ "yuv444p10le", planar_yuv(10, 0, 0, 0, 0) };
    out[n++] = (TestFormat){ "yuv420p12le", planar_yuv(12, 1, 1, 0, 0) };
    out[n++] = (TestFormat){ "yuv420p16le", planar_yuv(16, 1, 1, 0, 0) };
    out[n++] = (TestFormat){ "yuv444p16le", planar_yuv(16, 0, 0, 0, 0) };
    out[n++] = (TestFormat){ "nv12",      semi_planar(8, 0) };
    out[n++] = (TestFormat){ "nv21",      semi_planar(8, 1) };
    out[n++] = (TestFormat){ "p010le",    semi_planar(10, 0) };
    out[n++] = (TestFormat){ "p016le",    semi_planar(16, 0) };
    return n;
}
#define TEST_MAX_FORMATS 64

/* ---------------------------------------------------------------------------------------
 * Frames: every plane gets rows of the bytes its components need plus 16 bytes of slack
 * (line sizes that are not the packed width catch stride bugs), filled with 0xA5.
 */
typedef struct TestFrame {
    ResrPlanes planes;
    int width, height;
} TestFrame;

static inline int test_frame_alloc(TestFrame *f, const ResrPixelFormat *fmt, int w, int h)
{
    memset(f, 0, sizeof(*f));
    f->width = w;
    f->height = h;
    for (int p = 0; p < 4; p++) {
        ptrdiff_t row_bytes = 0;
        int rows = 0;
        for (int c = 0; c < (fmt->has_alpha ? 4 : 3); c++) {
            const ResrComponent *k = &fmt->comp[c];
            if (k->plane != p || (fmt->is_gray && c > 0 && c < 3))
                continue;
            const int chroma = !fmt->is_rgb && (c == 1 || c == 2);
            const int pw = chroma ? -((-w) >> fmt->log2_chroma_w) : w;
            const int ph = chroma ? -((-h) >> fmt->log2_chroma_h) : h;
            const int size = fmt->type == RESR_SAMPLE_U8 ? 1 : fmt->type == RESR_SAMPLE_U16 ? 2 : 4;
            ptrdiff_t need = k->offset + (ptrdiff_t)(pw - 1) * k->step + size;
            if (need < (ptrdiff_t)pw * k->step)
                need = (ptrdiff_t)pw * k->step;   /* packed pixels own all their bytes */
            row_bytes = need > row_bytes ? need : row_bytes;
            rows = ph > rows ? ph : rows;
        }
        if (!rows)
            continue;
        f->planes.linesize[p] = row_bytes + 16;
        f->planes.data[p] = malloc((size_t)f->planes.linesize[p] * rows);
        if (!f->planes.data[p])
            return -1;
        memset(f->planes.data[p], 0xA5, (size_t)f->planes.linesize[p] * rows);
    }
    return 0;
}

static inline void test_frame_free(TestFrame *f)
{
    for (int p = 0; p < 4; p++)
        free(f->planes.data[p]);
    memset(f, 0, sizeof(*f));
}

/* Planar float RGB image [3][h][w] as a tile. */
static inline ResrRgbTile test_tile(float *data, int w, int h)
{
    return (ResrRgbTile){ data, w, h, w, (ptrdiff_t)w * h };
}

/* xorshift32 in [0, 1) */
static inline float test_rand(unsigned *state)
{
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return (float)(x >> 8) * (1.0f / 16777216.0f);
}

/* Every byte of every plane random (slack included); float samples in [-0.25, 1.25). */
static inline void test_fill_random(TestFrame *f, const ResrPixelFormat *fmt, unsigned *rng)
{
    for (int p = 0; p < 4; p++) {
        if (!f->planes.data[p])
            continue;
        const int rows = p == 0 || fmt->is_rgb || p == 3 ? f->height : -((-f->height) >> fmt->log2_chroma_h);
        const size_t n = (size_t)f->planes.linesize[p] * rows;
        if (fmt->type == RESR_SAMPLE_F32) {
            for (size_t i = 0; i + 4 <= n; i += 4) {
                const float v = -0.25f + 1.5f * test_rand(rng);
                memcpy(f->planes.data[p] + i, &v, 4);
            }
        } else {
            for (size_t i = 0; i < n; i++)
                f->planes.data[p][i] = (uint8_t)(test_rand(rng) * 256.0f);
        }
    }
}

/* Whether a and b (frames of fmt, same size) hold the same bytes, padding and slack
 * included; else the first differing byte's plane and offset. */
static inline int test_frames_identical(const TestFrame *a, const TestFrame *b, const ResrPixelFormat *fmt,
                                        int *plane, ptrdiff_t *offset)
{
    for (int p = 0; p < 4; p++) {
        if (!a->planes.data[p])
            continue;
        const int rows = p == 0 || fmt->is_rgb || p == 3 ? a->height : -((-a->height) >> fmt->log2_chroma_h);
        const size_t n = (size_t)a->planes.linesize[p] * rows;
        for (size_t i = 0; i < n; i++)
            if (a->planes.data[p][i] != b->planes.data[p][i]) {
                *plane = p;
                *offset = (ptrdiff_t)i;
                return 0;
            }
    }
    return 1;
}

/* The CPU engine's resize of src into dst with plan, its scratch allocated here: 0 or -ENOMEM. */
static inline int test_resample(const ResrResamplePlan *plan, const ResrPlanes *src, ResrPlanes *dst)
{
    float *rows = malloc(plan->rows_count * sizeof(*rows));

    if (!rows)
        return -ENOMEM;
    resr_resample_run(plan, rows, src, dst);
    free(rows);
    return 0;
}

#endif /* RESR_TESTS_ENGINE_TEST_H */
