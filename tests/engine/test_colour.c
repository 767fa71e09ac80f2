/*
 * The CPU engine's frame <-> RGB conversion (cpu/convert.c over core/colour_math.h): round
 * trips for every format the filter advertises, YUV matrices against the
 * published 75% colour bar codes (ITU-R BT.801 / SMPTE RP 219), chroma siting on a chroma
 * edge (read and write, with and without tile context), reflect indexing, clamping and
 * rounding, container shifts, and the bicubic alpha upscale.
 */
#include "../../cpu/convert.h"
#include "engine_test.h"

/* ---------------------------------------------------------------------------------------
 * helpers
 */

static float lsb(const ResrPixelFormat *f)
{
    if (f->type == RESR_SAMPLE_F32)
        return 0.0f;
    if (!f->is_rgb && !f->is_gray && !f->full_range)
        return 1.0f / (219.0f * (float)(1 << f->depth) / 256.0f);
    return 1.0f / (float)((1 << f->depth) - 1);
}

static unsigned read_code(const ResrPixelFormat *f, const ResrPlanes *p, int c, int x, int y)
{
    const ResrComponent *k = &f->comp[c];
    const uint8_t *s = p->data[k->plane] + (ptrdiff_t)y * p->linesize[k->plane] + k->offset +
                       (ptrdiff_t)x * k->step;
    if (f->type == RESR_SAMPLE_U8)
        return s[0];
    uint16_t v;
    memcpy(&v, s, 2);
    return v >> k->shift;
}

static void write_code(const ResrPixelFormat *f, ResrPlanes *p, int c, int x, int y, unsigned code)
{
    const ResrComponent *k = &f->comp[c];
    uint8_t *s = p->data[k->plane] + (ptrdiff_t)y * p->linesize[k->plane] + k->offset +
                 (ptrdiff_t)x * k->step;
    if (f->type == RESR_SAMPLE_U8) {
        s[0] = (uint8_t)code;
        return;
    }
    const uint16_t v = (uint16_t)(code << k->shift);
    memcpy(s, &v, 2);
}

/* RGB of normalised Y, Cb, Cr (the inverse of what the writer computes). */
static void yuv_to_rgb(const ResrPixelFormat *f, float y, float cb, float cr, float *rgb)
{
    const float kg = 1.0f - f->kr - f->kb;
    rgb[0] = y + 2.0f * (1.0f - f->kr) * cr;
    rgb[2] = y + 2.0f * (1.0f - f->kb) * cb;
    rgb[1] = (y - f->kr * rgb[0] - f->kb * rgb[2]) / kg;
}

/* Bytes of every plane past the frame's samples still hold the fill pattern. */
static int slack_untouched(const TestFrame *frame, const ResrPixelFormat *f, int *plane_out)
{
    for (int p = 0; p < 4; p++) {
        if (!frame->planes.data[p])
            continue;
        const ptrdiff_t ls = frame->planes.linesize[p];
        const int rows = p == 0 || f->is_rgb || (f->has_alpha && p == 3) ? frame->height
                         : -((-frame->height) >> f->log2_chroma_h);
        for (int y = 0; y < rows; y++)
            for (ptrdiff_t b = ls - 16; b < ls; b++)
                if (frame->planes.data[p][y * ls + b] != 0xA5) {
                    *plane_out = p;
                    return 0;
                }
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------
 * round trips: RGB -> frame -> RGB within quantisation, for every format
 */

/*
 * Pattern: random RGB for RGB and 4:4:4 formats; R=G=B for gray; random luma with
 * constant chroma for subsampled formats (whose chroma cannot hold per-pixel colour).
 */
static void make_pattern(const ResrPixelFormat *f, float *rgb, int w, int h, unsigned seed)
{
    const size_t n = (size_t)w * h;
    const int subsampled = !f->is_rgb && !f->is_gray && (f->log2_chroma_w || f->log2_chroma_h);
    const float cb = 0.07f, cr = -0.05f;

    for (size_t i = 0; i < n; i++) {
        if (f->is_gray) {
            rgb[i] = rgb[n + i] = rgb[2 * n + i] = test_rand(&seed);
        } else if (subsampled) {
            float px[3];
            yuv_to_rgb(f, 0.2f + 0.6f * test_rand(&seed), cb, cr, px);
            rgb[i] = px[0];
            rgb[n + i] = px[1];
            rgb[2 * n + i] = px[2];
        } else {
            rgb[i] = test_rand(&seed);
            rgb[n + i] = test_rand(&seed);
            rgb[2 * n + i] = test_rand(&seed);
        }
    }
}

static void test_round_trip(const TestFormat *tf)
{
    const ResrPixelFormat *f = &tf->fmt;
    const int w = 13, h = 7;
    float rgb[3 * 13 * 7], back[3 * 13 * 7];
    char name[96];
    TestFrame frame;

    snprintf(name, sizeof(name), "round_trip_%s", tf->name);
    if (test_frame_alloc(&frame, f, w, h) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    make_pattern(f, rgb, w, h, 1234u + (unsigned)f->depth);
    ResrRgbTile in = test_tile(rgb, w, h), out = test_tile(back, w, h);
    resr_rgb_to_frame(f, &in, 0, 0, w, h, &frame.planes, 0, 0);
    resr_frame_to_rgb(f, &frame.planes, w, h, 0, 0, &out);

    /* YUV errors: half a code in Y plus the matrix's gain on half a chroma code */
    const float is_yuv = !f->is_rgb && !f->is_gray;
    const float tol = (is_yuv ? 1.5f : 0.5f) * lsb(f) + 2e-6f;
    for (int i = 0; i < 3 * w * h; i++) {
        if (!(fabsf(back[i] - rgb[i]) <= tol)) {
            resr_test_fail(name, "sample %d (plane %d, x %d, y %d): wrote %.6f read %.6f, tol %.6f",
                      i, i / (w * h), i % w, (i / w) % h, rgb[i], back[i], tol);
            goto done;
        }
    }
    int plane;
    if (!slack_untouched(&frame, f, &plane)) {
        resr_test_fail(name, "wrote past the frame's width in plane %d", plane);
        goto done;
    }
    if (f->has_alpha) {
        /* the converter leaves alpha to resr_alpha_upscale */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const unsigned a = read_code(f, &frame.planes, 3, x, y);
                const unsigned fill = f->type == RESR_SAMPLE_U8 ? 0xA5 : 0xA5A5;
                if (a != fill) {
                    resr_test_fail(name, "alpha at (%d,%d) overwritten: %u", x, y, a);
                    goto done;
                }
            }
    }
    if (f->is_rgb && !f->has_alpha && f->type == RESR_SAMPLE_U8 && f->comp[0].step == 4) {
        const int pad = 6 - f->comp[0].offset - f->comp[1].offset - f->comp[2].offset;
        if (frame.planes.data[0][frame.planes.linesize[0] * 3 + 4 * 5 + pad] != 255) {
            resr_test_fail(name, "padding byte not written as 255");
            goto done;
        }
    }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/* ---------------------------------------------------------------------------------------
 * matrices: 75% colour bars, white yellow cyan green magenta red blue
 */

static const float bars[7][3] = {
    { 0.75f, 0.75f, 0.75f }, { 0.75f, 0.75f, 0.0f }, { 0.0f, 0.75f, 0.75f }, { 0.0f, 0.75f, 0.0f },
    { 0.75f, 0.0f, 0.75f }, { 0.75f, 0.0f, 0.0f }, { 0.0f, 0.0f, 0.75f },
};

/* Published codes (RP 219 for BT.709, BT.801 for BT.601) and their full-range twins. */
static const unsigned bars_709_8[7][3] = {
    { 180, 128, 128 }, { 168, 44, 136 }, { 145, 147, 44 }, { 133, 63, 52 },
    { 63, 193, 204 }, { 51, 109, 212 }, { 28, 212, 120 },
};
static const unsigned bars_709_10[7][3] = {
    { 721, 512, 512 }, { 674, 176, 543 }, { 581, 589, 176 }, { 534, 253, 207 },
    { 251, 771, 817 }, { 204, 435, 848 }, { 111, 848, 481 },
};
static const unsigned bars_601_8[7][3] = {
    { 180, 128, 128 }, { 162, 44, 142 }, { 131, 156, 44 }, { 112, 72, 58 },
    { 84, 184, 198 }, { 65, 100, 212 }, { 35, 212, 114 },
};
static const unsigned bars_601_full_8[7][3] = {
    { 191, 128, 128 }, { 169, 32, 144 }, { 134, 160, 32 }, { 112, 65, 48 },
    { 79, 191, 208 }, { 57, 96, 224 }, { 22, 224, 112 },
};

static void test_bars(const char *name, int depth, float kr, float kb, int full,
                      const unsigned codes[7][3])
{
    ResrPixelFormat f = planar_yuv(depth, 0, 0, full, 0);
    float rgb[3 * 7], back[3 * 7];
    TestFrame frame;

    f.kr = kr;
    f.kb = kb;
    for (int i = 0; i < 7; i++)
        for (int c = 0; c < 3; c++)
            rgb[c * 7 + i] = bars[i][c];
    if (test_frame_alloc(&frame, &f, 7, 1) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    ResrRgbTile in = test_tile(rgb, 7, 1), out = test_tile(back, 7, 1);
    resr_rgb_to_frame(&f, &in, 0, 0, 7, 1, &frame.planes, 0, 0);
    for (int i = 0; i < 7; i++)
        for (int c = 0; c < 3; c++) {
            const unsigned got = read_code(&f, &frame.planes, c, i, 0);
            if (got != codes[i][c]) {
                resr_test_fail(name, "bar %d component %d: code %u, expected %u", i, c, got, codes[i][c]);
                goto done;
            }
        }
    /* and back: the published codes decode to 0.75 / 0 within the code rounding */
    resr_frame_to_rgb(&f, &frame.planes, 7, 1, 0, 0, &out);
    for (int i = 0; i < 21; i++)
        if (!(fabsf(back[i] - rgb[i]) <= 1.5f * lsb(&f))) {
            resr_test_fail(name, "decoding bar %d channel %d: %.5f, expected %.5f", i % 7, i / 7,
                      back[i], rgb[i]);
            goto done;
        }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/* ---------------------------------------------------------------------------------------
 * chroma siting: a Cb edge between chroma columns (rows) 1 and 2 of a 16-bit 4:2:0 frame
 */

static const char *const siting_names[6] = { "left", "center", "topleft", "top", "bottomleft", "bottom" };

/* Fraction of the high side seen at luma columns (rows) 0..7 when reading. */
static const float read_cosited[8] = { 0, 0, 0, 0.5f, 1, 1, 1, 1 };
static const float read_between[8] = { 0, 0, 0, 0.25f, 0.75f, 1, 1, 1 };
static const float read_bottom[8]  = { 0, 0, 0, 0, 0.5f, 1, 1, 1 };

static const float *read_profile(ResrChromaLocation loc, int vertical)
{
    if (!vertical)
        return loc == RESR_CHROMA_CENTER || loc == RESR_CHROMA_TOP || loc == RESR_CHROMA_BOTTOM
               ? read_between : read_cosited;
    if (loc == RESR_CHROMA_TOPLEFT || loc == RESR_CHROMA_TOP)
        return read_cosited;
    if (loc == RESR_CHROMA_BOTTOMLEFT || loc == RESR_CHROMA_BOTTOM)
        return read_bottom;
    return read_between;
}

static void test_siting_read(ResrChromaLocation loc, int vertical)
{
    ResrPixelFormat f = planar_yuv(16, 1, 1, 0, 0);
    const float unit = 256.0f, lo = 100.0f * unit, hi = 156.0f * unit, luma = 126.0f * unit;
    float back[3 * 64];
    char name[64];
    TestFrame frame;

    f.chroma_loc = loc;
    snprintf(name, sizeof(name), "siting_read_%s_%s", siting_names[loc], vertical ? "v" : "h");
    if (test_frame_alloc(&frame, &f, 8, 8) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
            write_code(&f, &frame.planes, 0, x, y, (unsigned)luma);
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++) {
            const int high = (vertical ? j : i) >= 2;
            write_code(&f, &frame.planes, 1, i, j, (unsigned)(high ? hi : lo));
            write_code(&f, &frame.planes, 2, i, j, 128u * 256u);
        }
    ResrRgbTile out = test_tile(back, 8, 8);
    resr_frame_to_rgb(&f, &frame.planes, 8, 8, 0, 0, &out);

    const float *profile = read_profile(loc, vertical);
    const float y_norm = (luma - 16.0f * unit) / (219.0f * unit);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
            const float frac = profile[vertical ? y : x];
            const float cb = (lo + frac * (hi - lo) - 128.0f * unit) / (224.0f * unit);
            const float expect_b = y_norm + 2.0f * (1.0f - f.kb) * cb;
            const float got = back[2 * 64 + y * 8 + x];
            if (!(fabsf(got - expect_b) <= 1e-5f)) {
                resr_test_fail(name, "B at (%d,%d) = %.6f, expected %.6f (fraction %.2f)", x, y, got,
                          expect_b, frac);
                goto done;
            }
        }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/* Fraction of the high side in chroma samples 0..3 when writing an edge at luma 4. */
static const float write_cosited[4] = { 0, 0, 0.75f, 1 };        /* [1 2 1]/4 at 0,2,4,6 */
static const float write_between[4] = { 0, 0.125f, 0.875f, 1 }; /* [1 3 3 1]/8 at 0.5, 2.5, ... */
static const float write_bottom[4]  = { 0, 0.25f, 1, 1 };        /* [1 2 1]/4 at 1, 3, 5, 7 */

static const float *write_profile(ResrChromaLocation loc, int vertical)
{
    if (!vertical)
        return loc == RESR_CHROMA_CENTER || loc == RESR_CHROMA_TOP || loc == RESR_CHROMA_BOTTOM
               ? write_between : write_cosited;
    if (loc == RESR_CHROMA_TOPLEFT || loc == RESR_CHROMA_TOP)
        return write_cosited;
    if (loc == RESR_CHROMA_BOTTOMLEFT || loc == RESR_CHROMA_BOTTOM)
        return write_bottom;
    return write_between;
}

static void test_siting_write(ResrChromaLocation loc, int vertical)
{
    ResrPixelFormat f = planar_yuv(16, 1, 1, 0, 0);
    const float lo = -0.1f, hi = 0.15f;
    float rgb[3 * 64];
    char name[64];
    TestFrame frame;

    f.chroma_loc = loc;
    snprintf(name, sizeof(name), "siting_write_%s_%s", siting_names[loc], vertical ? "v" : "h");
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
            float px[3];
            yuv_to_rgb(&f, 0.5f, (vertical ? y : x) >= 4 ? hi : lo, 0.0f, px);
            for (int c = 0; c < 3; c++)
                rgb[c * 64 + y * 8 + x] = px[c];
        }
    if (test_frame_alloc(&frame, &f, 8, 8) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    ResrRgbTile in = test_tile(rgb, 8, 8);
    resr_rgb_to_frame(&f, &in, 0, 0, 8, 8, &frame.planes, 0, 0);

    const float *profile = write_profile(loc, vertical);
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++) {
            const float frac = profile[vertical ? j : i];
            const float expect = 128.0f * 256.0f + 224.0f * 256.0f * (lo + frac * (hi - lo));
            const unsigned got = read_code(&f, &frame.planes, 1, i, j);
            if (!(fabsf((float)got - expect) <= 1.0f)) {
                resr_test_fail(name, "Cb sample (%d,%d) = %u, expected %.1f (fraction %.3f)", i, j, got,
                          expect, frac);
                goto done;
            }
        }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/*
 * The writer reads one pixel into the tile's context: a tile whose core starts at tile
 * column 4 has a chroma sample (co-sited, [1 2 1]/4) taking tile column 3; a tile without
 * context clamps to its own edge instead.
 */
static void test_chroma_context(void)
{
    const char *name = "chroma_context";
    ResrPixelFormat f = planar_yuv(16, 1, 0, 0, 0);
    const int tw = 12, th = 2;
    float rgb[3 * 12 * 2];
    TestFrame frame;

    for (int y = 0; y < th; y++)
        for (int x = 0; x < tw; x++) {
            float px[3];
            yuv_to_rgb(&f, 0.5f, x == 3 ? 0.2f : -0.2f, 0.0f, px);
            for (int c = 0; c < 3; c++)
                rgb[c * tw * th + y * tw + x] = px[c];
        }
    if (test_frame_alloc(&frame, &f, 4, 2) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    ResrRgbTile in = test_tile(rgb, tw, th);
    const float base = 128.0f * 256.0f, range = 224.0f * 256.0f;

    resr_rgb_to_frame(&f, &in, 4, 0, 4, 2, &frame.planes, 0, 0);
    const float with_context = 0.25f * 0.2f + 0.75f * -0.2f;
    unsigned got = read_code(&f, &frame.planes, 1, 0, 0);
    if (!(fabsf((float)got - (base + range * with_context)) <= 1.0f)) {
        resr_test_fail(name, "with context: Cb %u, expected %.1f", got, base + range * with_context);
        goto done;
    }
    /* the same core with the context cut off: the tap clamps to tile column 4 */
    ResrRgbTile cut = in;
    cut.data = rgb + 4;
    cut.width = 4;
    resr_rgb_to_frame(&f, &cut, 0, 0, 4, 2, &frame.planes, 0, 0);
    got = read_code(&f, &frame.planes, 1, 0, 0);
    if (!(fabsf((float)got - (base + range * -0.2f)) <= 1.0f)) {
        resr_test_fail(name, "without context: Cb %u, expected %.1f", got, base + range * -0.2f);
        goto done;
    }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/*
 * Chroma samples belong to the rectangle holding their first luma column/row: writing an
 * odd-width 4:2:0 frame as two rectangles splits at an odd column and still writes every
 * chroma sample once, identical to the one-rectangle write.
 */
static void test_chroma_partition(void)
{
    const char *name = "chroma_partition_odd";
    ResrPixelFormat f = planar_yuv(8, 1, 1, 0, 0);
    const int w = 9, h = 5;
    float rgb[3 * 9 * 5];
    unsigned seed = 77;
    TestFrame whole, split;

    for (int i = 0; i < 3 * w * h; i++)
        rgb[i] = test_rand(&seed);
    if (test_frame_alloc(&whole, &f, w, h) < 0 || test_frame_alloc(&split, &f, w, h) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    ResrRgbTile in = test_tile(rgb, w, h);
    resr_rgb_to_frame(&f, &in, 0, 0, w, h, &whole.planes, 0, 0);
    resr_rgb_to_frame(&f, &in, 0, 0, 3, 3, &split.planes, 0, 0);
    resr_rgb_to_frame(&f, &in, 3, 0, 6, 3, &split.planes, 3, 0);
    resr_rgb_to_frame(&f, &in, 0, 3, 3, 2, &split.planes, 0, 3);
    resr_rgb_to_frame(&f, &in, 3, 3, 6, 2, &split.planes, 3, 3);
    for (int p = 0; p < 3; p++) {
        const int rows = p ? 3 : h;
        if (memcmp(whole.planes.data[p], split.planes.data[p],
                   (size_t)whole.planes.linesize[p] * rows)) {
            resr_test_fail(name, "plane %d differs between one rectangle and four", p);
            goto done;
        }
    }
    resr_test_pass(name);
done:
    test_frame_free(&whole);
    test_frame_free(&split);
}

/* ---------------------------------------------------------------------------------------
 * reflect indexing
 */

static void test_reflect(const char *name, int fw, int fh, int x0, int y0, int tw, int th,
                         const int *expect_x, const int *expect_y)
{
    ResrPixelFormat f = planar_gbr(RESR_SAMPLE_F32, 32, 0);
    float back[3 * 16 * 16];
    TestFrame frame;

    if (test_frame_alloc(&frame, &f, fw, fh) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    for (int y = 0; y < fh; y++)
        for (int x = 0; x < fw; x++) {
            const float v = (float)(10 * y + x);
            memcpy(frame.planes.data[2] + y * frame.planes.linesize[2] + 4 * x, &v, 4);
        }
    ResrRgbTile out = test_tile(back, tw, th);
    resr_frame_to_rgb(&f, &frame.planes, fw, fh, x0, y0, &out);
    for (int y = 0; y < th; y++)
        for (int x = 0; x < tw; x++) {
            const float expect = (float)(10 * expect_y[y] + expect_x[x]);
            if (back[y * tw + x] != expect) {
                resr_test_fail(name, "tile (%d,%d) = frame pixel %.0f, expected %.0f", x, y,
                          back[y * tw + x], expect);
                goto done;
            }
        }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/* ---------------------------------------------------------------------------------------
 * clamping, rounding, NaN, float passthrough, container shifts
 */

static void test_clamp_round(void)
{
    const char *name = "clamp_round_nan";
    ResrPixelFormat f = packed_rgb(RESR_SAMPLE_U8, 8, 3, 0, 1, 2, -1);
    float rgb[3 * 4] = {
        -0.5f, 1.5f, NAN, 0.5f,                     /* R: clamp low, clamp high, NaN, half */
        100.4f / 255, 100.6f / 255, 0.0f, 1.0f,     /* G: rounding to nearest */
        1e30f, -INFINITY, 254.49f / 255, 0.49f / 255,
    };
    const unsigned expect[3][4] = { { 0, 255, 0, 128 }, { 100, 101, 0, 255 }, { 255, 0, 254, 0 } };
    TestFrame frame;

    if (test_frame_alloc(&frame, &f, 4, 1) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    ResrRgbTile in = test_tile(rgb, 4, 1);
    resr_rgb_to_frame(&f, &in, 0, 0, 4, 1, &frame.planes, 0, 0);
    for (int c = 0; c < 3; c++)
        for (int x = 0; x < 4; x++) {
            const unsigned got = read_code(&f, &frame.planes, c, x, 0);
            if (got != expect[c][x]) {
                resr_test_fail(name, "component %d pixel %d: %u, expected %u", c, x, got, expect[c][x]);
                goto done;
            }
        }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/* gbrpf32 keeps values outside [0,1] both ways, bit-exactly, so chained filters lose nothing. */
static void test_float_unclamped(void)
{
    const char *name = "float_unclamped";
    ResrPixelFormat f = planar_gbr(RESR_SAMPLE_F32, 32, 0);
    float rgb[3 * 3] = { -0.25f, 1.75f, 0.1f, 3.0f, -2.0f, 0.3f, 1e-8f, 0.999999f, 1.0000001f };
    float back[3 * 3];
    TestFrame frame;

    if (test_frame_alloc(&frame, &f, 3, 1) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    ResrRgbTile in = test_tile(rgb, 3, 1), out = test_tile(back, 3, 1);
    resr_rgb_to_frame(&f, &in, 0, 0, 3, 1, &frame.planes, 0, 0);
    resr_frame_to_rgb(&f, &frame.planes, 3, 1, 0, 0, &out);
    if (memcmp(rgb, back, sizeof(rgb)))
        resr_test_fail(name, "values changed: %g %g %g -> %g %g %g", rgb[0], rgb[1], rgb[2],
                  back[0], back[1], back[2]);
    else
        resr_test_pass(name);
    test_frame_free(&frame);
}

/*
 * Float frames with NaN and infinite samples: NaN and -Inf read as 0, +Inf as 1, finite
 * values untouched (out of range too), and resr_frame_count_nonfinite counts them (alpha
 * included), so one NaN cannot spread NaN over the network's receptive field.
 */
static void test_float_nonfinite(const char *name, ResrPixelFormat f)
{
    const float inf = INFINITY;
    /* per pixel, one value per component (R,G,B,A or Y,A) */
    const float stored[4][4] = {
        { NAN, 0.5f, -inf, NAN }, { inf, -0.25f, 1.5f, 0.75f },
        { 0.2f, -NAN, 0.3f, inf }, { -inf, inf, NAN, -inf },
    };
    const int nc = (f.is_gray ? 1 : 3) + f.has_alpha;
    float back[3 * 4];
    TestFrame frame;

    if (test_frame_alloc(&frame, &f, 4, 1) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    size_t expect_count = 0;
    for (int x = 0; x < 4; x++)
        for (int i = 0; i < nc; i++) {
            const int c = i < nc - f.has_alpha ? i : 3;
            const ResrComponent *k = &f.comp[c];
            memcpy(frame.planes.data[k->plane] + k->offset + x * k->step, &stored[x][i], 4);
            expect_count += !isfinite(stored[x][i]);
        }
    const size_t count = resr_frame_count_nonfinite(&f, &frame.planes, 4, 1);
    if (count != expect_count) {
        resr_test_fail(name, "counted %zu non-finite samples, stored %zu", count, expect_count);
        goto done;
    }
    ResrRgbTile out = test_tile(back, 4, 1);
    resr_frame_to_rgb(&f, &frame.planes, 4, 1, 0, 0, &out);
    for (int x = 0; x < 4; x++)
        for (int c = 0; c < 3; c++) {
            const float v = stored[x][f.is_gray ? 0 : c];
            const float want = isnan(v) ? 0.0f : isinf(v) ? (v > 0 ? 1.0f : 0.0f) : v;
            const float got = back[c * 4 + x];
            if (!(got == want)) {
                resr_test_fail(name, "pixel %d component %d: stored %g read %g, expected %g", x, c,
                          (double)v, (double)got, (double)want);
                goto done;
            }
        }
    if (f.has_alpha) {
        TestFrame up;
        if (test_frame_alloc(&up, &f, 8, 2) < 0) {
            resr_test_fail(name, "out of memory");
            goto done;
        }
        resr_alpha_upscale(&f, &frame.planes, 4, 1, &up.planes, 2);
        const size_t left = resr_frame_count_nonfinite(&f, &up.planes, 8, 2);
        test_frame_free(&up);
        if (left) {
            resr_test_fail(name, "%zu non-finite samples in the upscaled alpha", left);
            goto done;
        }
    }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/* p010: the 10 significant bits sit high in the container; stray low bits are ignored. */
static void test_p010_container(void)
{
    const char *name = "p010_container";
    ResrPixelFormat f = semi_planar(10, 0);
    float rgb[3 * 4], back[3 * 4];
    TestFrame frame;

    for (int i = 0; i < 12; i++)
        rgb[i] = 0.5f;
    if (test_frame_alloc(&frame, &f, 2, 2) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    ResrRgbTile in = test_tile(rgb, 2, 2), out = test_tile(back, 2, 2);
    resr_rgb_to_frame(&f, &in, 0, 0, 2, 2, &frame.planes, 0, 0);
    uint16_t raw, chroma[2];
    memcpy(&raw, frame.planes.data[0], 2);
    memcpy(chroma, frame.planes.data[1], 4);
    /* Y = 64 + 876 * 0.5 = 502, chroma 512 */
    if (raw != 502u << 6 || chroma[0] != 512u << 6 || chroma[1] != 512u << 6) {
        resr_test_fail(name, "containers %#x %#x %#x, expected %#x %#x", raw, chroma[0], chroma[1],
                  502u << 6, 512u << 6);
        goto done;
    }
    raw |= 0x3f;
    memcpy(frame.planes.data[0], &raw, 2);
    resr_frame_to_rgb(&f, &frame.planes, 2, 2, 0, 0, &out);
    if (!(fabsf(back[0] - 0.5f) <= 0.5f / 876.0f)) {
        resr_test_fail(name, "low bits leaked into the value: %.6f", back[0]);
        goto done;
    }
    resr_test_pass(name);
done:
    test_frame_free(&frame);
}

/* ---------------------------------------------------------------------------------------
 * alpha
 */

static void test_alpha_constant(void)
{
    const char *name = "alpha_constant";
    ResrPixelFormat f = packed_rgb(RESR_SAMPLE_U8, 8, 4, 0, 1, 2, 3);
    TestFrame src, dst;

    if (test_frame_alloc(&src, &f, 5, 3) < 0 || test_frame_alloc(&dst, &f, 20, 12) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 5; x++)
            write_code(&f, &src.planes, 3, x, y, 200);
    resr_alpha_upscale(&f, &src.planes, 5, 3, &dst.planes, 4);
    for (int y = 0; y < 12; y++)
        for (int x = 0; x < 20; x++) {
            const unsigned a = read_code(&f, &dst.planes, 3, x, y);
            if (a != 200) {
                resr_test_fail(name, "alpha at (%d,%d) = %u", x, y, a);
                goto done;
            }
            if (read_code(&f, &dst.planes, 0, x, y) != 0xA5) {
                resr_test_fail(name, "colour at (%d,%d) overwritten", x, y);
                goto done;
            }
        }
    resr_test_pass(name);
done:
    test_frame_free(&src);
    test_frame_free(&dst);
}

/* Keys' cubic reproduces linear functions: inside the frame, a ramp upscales to a ramp. */
static void test_alpha_ramp(int scale)
{
    char name[64];
    ResrPixelFormat f = planar_gbr(RESR_SAMPLE_U16, 16, 1);
    const int w = 10, h = 3;
    TestFrame src, dst;

    snprintf(name, sizeof(name), "alpha_linear_ramp_x%d", scale);
    if (test_frame_alloc(&src, &f, w, h) < 0 || test_frame_alloc(&dst, &f, w * scale, h * scale) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            write_code(&f, &src.planes, 3, x, y, (unsigned)(3000 + 5000 * x));
    resr_alpha_upscale(&f, &src.planes, w, h, &dst.planes, scale);
    for (int y = 0; y < h * scale; y++)
        for (int x = 0; x < w * scale; x++) {
            const float sx = ((float)x + 0.5f) / (float)scale - 0.5f;
            if (sx < 1.0f || sx > (float)(w - 3))
                continue;   /* taps reach the edge, where edge replication bends the ramp */
            const float expect = 3000.0f + 5000.0f * sx;
            const unsigned got = read_code(&f, &dst.planes, 3, x, y);
            if (!(fabsf((float)got - expect) <= 0.51f)) {
                resr_test_fail(name, "alpha at (%d,%d) = %u, expected %.2f", x, y, got, expect);
                goto done;
            }
        }
    resr_test_pass(name);
done:
    test_frame_free(&src);
    test_frame_free(&dst);
}

/* A hard 0 -> 255 step overshoots under bicubic; clamped, the row stays monotone. */
static void test_alpha_step(void)
{
    const char *name = "alpha_step_clamped";
    ResrPixelFormat f = packed_rgb(RESR_SAMPLE_U8, 8, 4, 0, 1, 2, 3);
    TestFrame src, dst;

    if (test_frame_alloc(&src, &f, 8, 1) < 0 || test_frame_alloc(&dst, &f, 32, 4) < 0) {
        resr_test_fail(name, "out of memory");
        return;
    }
    for (int x = 0; x < 8; x++)
        write_code(&f, &src.planes, 3, x, 0, x < 4 ? 0 : 255);
    resr_alpha_upscale(&f, &src.planes, 8, 1, &dst.planes, 4);
    unsigned prev = 0;
    for (int x = 0; x < 32; x++) {
        const unsigned a = read_code(&f, &dst.planes, 3, x, 2);
        if (a < prev) {
            resr_test_fail(name, "alpha drops from %u to %u at x %d (wrapped overshoot?)", prev, a, x);
            goto done;
        }
        prev = a;
    }
    if (read_code(&f, &dst.planes, 3, 0, 0) != 0 || read_code(&f, &dst.planes, 3, 31, 3) != 255) {
        resr_test_fail(name, "ends are %u and %u, expected 0 and 255",
                  read_code(&f, &dst.planes, 3, 0, 0), read_code(&f, &dst.planes, 3, 31, 3));
        goto done;
    }
    resr_test_pass(name);
done:
    test_frame_free(&src);
    test_frame_free(&dst);
}

int main(void)
{
    TestFormat formats[TEST_MAX_FORMATS];
    const int nf = test_formats(formats);

    for (int i = 0; i < nf; i++)
        test_round_trip(&formats[i]);

    test_bars("bars_bt709_limited_8bit", 8, 0.2126f, 0.0722f, 0, bars_709_8);
    test_bars("bars_bt709_limited_10bit", 10, 0.2126f, 0.0722f, 0, bars_709_10);
    test_bars("bars_bt601_limited_8bit", 8, 0.299f, 0.114f, 0, bars_601_8);
    test_bars("bars_bt601_full_8bit", 8, 0.299f, 0.114f, 1, bars_601_full_8);

    for (int loc = RESR_CHROMA_LEFT; loc <= RESR_CHROMA_BOTTOM; loc++)
        for (int v = 0; v < 2; v++) {
            test_siting_read((ResrChromaLocation)loc, v);
            test_siting_write((ResrChromaLocation)loc, v);
        }
    test_chroma_context();
    test_chroma_partition();

    {
        const int x1[5] = { 0, 0, 0, 0, 0 }, y1[4] = { 0, 0, 0, 0 };
        test_reflect("reflect_1x1", 1, 1, -2, -3, 5, 4, x1, y1);
        /* 2 wide: period 2; 3 high: period 4 */
        const int x2[8] = { 1, 0, 1, 0, 1, 0, 1, 0 };          /* x = -3 .. 4 */
        const int y3[9] = { 0, 1, 2, 1, 0, 1, 2, 1, 0 };       /* y = -4 .. 4 */
        test_reflect("reflect_2x3", 2, 3, -3, -4, 8, 9, x2, y3);
        const int x4[12] = { 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2 };  /* x = -3 .. 8 */
        const int y1b[1] = { 0 };
        test_reflect("reflect_4x1", 4, 1, -3, 0, 12, 1, x4, y1b);
    }
    test_clamp_round();
    test_float_unclamped();
    test_float_nonfinite("float_nonfinite_gbrpf32", planar_gbr(RESR_SAMPLE_F32, 32, 0));
    test_float_nonfinite("float_nonfinite_gbrapf32", planar_gbr(RESR_SAMPLE_F32, 32, 1));
    test_float_nonfinite("float_nonfinite_grayf32", gray(RESR_SAMPLE_F32, 32));
    {
        ResrPixelFormat u8 = planar_gbr(RESR_SAMPLE_U8, 8, 0);
        TestFrame frame;
        if (test_frame_alloc(&frame, &u8, 4, 4) < 0) {
            resr_test_fail("float_nonfinite_integer_format", "out of memory");
        } else {
            memset(frame.planes.data[0], 0xff, 4);  /* 0xffffffff would be a NaN float */
            const size_t n = resr_frame_count_nonfinite(&u8, &frame.planes, 4, 4);
            test_frame_free(&frame);
            if (n)
                resr_test_fail("float_nonfinite_integer_format", "counted %zu", n);
            else
                resr_test_pass("float_nonfinite_integer_format");
        }
    }
    test_p010_container();

    test_alpha_constant();
    test_alpha_ramp(4);
    test_alpha_ramp(2);
    test_alpha_step();
    return resr_test_exit();
}
