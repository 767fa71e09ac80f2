/*
 * The CPU engine's resize (outscale: cpu/resample.c over core/resample.c's tables) against
 * a direct double-precision evaluation of its definition, for every pixel format the filter takes: each output
 * sample is the Lanczos-3 weighted mean (kernel widened by the size ratio when shrinking,
 * normalised over the samples inside the frame) of the source samples of its component,
 * positions mapped centre to centre in luma coordinates, chroma samples placed by their
 * siting. Integer outputs may differ from the rounded double value by one code (float
 * arithmetic), float outputs by 1e-5. Also: identity and flat frames exactly, padding
 * bytes, nothing written outside the frame, plan errors.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wunused-function"
#include "../../cpu/resample.h"
#include "engine_test.h"

static unsigned rng = 12345;

/* Component sizes of a w x h frame. */
static void comp_size(const ResrPixelFormat *fmt, int c, int w, int h, int *cw, int *ch)
{
    const int sub = !fmt->is_rgb && !fmt->is_gray && (c == 1 || c == 2);
    *cw = sub ? -((-w) >> fmt->log2_chroma_w) : w;
    *ch = sub ? -((-h) >> fmt->log2_chroma_h) : h;
}

static uint8_t *sample_ptr(const ResrPixelFormat *fmt, const ResrPlanes *f, int c, int x, int y)
{
    const ResrComponent *k = &fmt->comp[c];
    return f->data[k->plane] + (ptrdiff_t)y * f->linesize[k->plane] + k->offset + (ptrdiff_t)x * k->step;
}

static double read_code(const ResrPixelFormat *fmt, const ResrPlanes *f, int c, int x, int y)
{
    const uint8_t *p = sample_ptr(fmt, f, c, x, y);

    if (fmt->type == RESR_SAMPLE_U8)
        return p[0];
    if (fmt->type == RESR_SAMPLE_U16) {
        const double max_code = (double)((1 << fmt->depth) - 1);
        const double v = (double)((p[0] | p[1] << 8) >> fmt->comp[c].shift);
        return v < max_code ? v : max_code;
    }
    float v;
    memcpy(&v, p, 4);
    return v;
}

static double lanczos3(double x)
{
    if (x == 0.0)
        return 1.0;
    if (fabs(x) >= 3.0)
        return 0.0;
    const double px = M_PI * x;
    return sin(px) / px * sin(px / 3.0) / (px / 3.0);
}

/* Luma position of sample i of a grid subsampled by 2^l2 (siting frac of the gap). */
static double grid_pos(int i, int l2, double siting)
{
    return (double)i * (1 << l2) + siting * ((1 << l2) - 1);
}

/* The definition, per axis: weights of source samples 0..src_n-1 for output sample j. */
static void reference_weights(double *w, int src_n, int j, int l2, double siting, double ratio)
{
    const double out_pos = grid_pos(j, l2, siting);
    const double in_luma = (out_pos + 0.5) * ratio - 0.5;
    const double spacing = (double)(1 << l2) * (ratio > 1.0 ? ratio : 1.0);
    double sum = 0.0;

    for (int k = 0; k < src_n; k++) {
        w[k] = lanczos3((grid_pos(k, l2, siting) - in_luma) / spacing);
        sum += w[k];
    }
    for (int k = 0; k < src_n; k++)
        w[k] /= sum;
}

static void siting_of(const ResrPixelFormat *fmt, double *sx, double *sy)
{
    switch (fmt->chroma_loc) {
    case RESR_CHROMA_CENTER:     *sx = 0.5; *sy = 0.5; break;
    case RESR_CHROMA_TOPLEFT:    *sx = 0.0; *sy = 0.0; break;
    case RESR_CHROMA_TOP:        *sx = 0.5; *sy = 0.0; break;
    case RESR_CHROMA_BOTTOMLEFT: *sx = 0.0; *sy = 1.0; break;
    case RESR_CHROMA_BOTTOM:     *sx = 0.5; *sy = 1.0; break;
    case RESR_CHROMA_LEFT:
    default:                     *sx = 0.0; *sy = 0.5; break;
    }
}

/* Largest deviation of dst from the definition, in codes (float formats: absolute). */
static double check_against_reference(const ResrPixelFormat *fmt, const TestFrame *src, const TestFrame *dst,
                                      char *where, size_t where_size)
{
    const double ratio_x = (double)src->width / dst->width, ratio_y = (double)src->height / dst->height;
    double worst = 0.0, sx, sy;
    int comps[4];
    const int n = resr_stored_components(fmt, comps);

    siting_of(fmt, &sx, &sy);
    for (int ci = 0; ci < n; ci++) {
        const int c = comps[ci];
        const int sub = resr_resample_class(fmt, c);
        const int l2w = sub ? fmt->log2_chroma_w : 0, l2h = sub ? fmt->log2_chroma_h : 0;
        int sw, sh, dw, dh;
        comp_size(fmt, c, src->width, src->height, &sw, &sh);
        comp_size(fmt, c, dst->width, dst->height, &dw, &dh);
        double *wx = malloc(sizeof(double) * sw), *wy = malloc(sizeof(double) * sh);
        for (int j = 0; j < dh; j++) {
            reference_weights(wy, sh, j, l2h, sub ? sy : 0.0, ratio_y);
            for (int i = 0; i < dw; i++) {
                reference_weights(wx, sw, i, l2w, sub ? sx : 0.0, ratio_x);
                double v = 0.0;
                for (int y = 0; y < sh; y++) {
                    if (wy[y] == 0.0)
                        continue;
                    double h = 0.0;
                    for (int x = 0; x < sw; x++)
                        if (wx[x] != 0.0)
                            h += wx[x] * read_code(fmt, &src->planes, c, x, y);
                    v += wy[y] * h;
                }
                if (fmt->type != RESR_SAMPLE_F32) {
                    const double max_code = (double)((1 << fmt->depth) - 1);
                    v = floor((v < 0.0 ? 0.0 : v > max_code ? max_code : v) + 0.5);
                }
                const double got = read_code(fmt, &dst->planes, c, i, j);
                const double err = fabs(got - v) / (fmt->type == RESR_SAMPLE_F32 ? 1.0 + fabs(v) : 1.0);
                if (err > worst) {
                    worst = err;
                    snprintf(where, where_size, "component %d sample (%d, %d): %.6f, want %.6f", c, i, j, got, v);
                }
            }
        }
        free(wx);
        free(wy);
    }
    return worst;
}

/* Bytes outside the frame's samples (the 16 bytes of slack per row) still hold 0xA5. */
static int slack_untouched(const TestFrame *f, const ResrPixelFormat *fmt)
{
    for (int p = 0; p < 4; p++) {
        if (!f->planes.data[p])
            continue;
        const int rows = p == 0 || fmt->is_rgb || p == 3 ? f->height : -((-f->height) >> fmt->log2_chroma_h);
        for (int y = 0; y < rows; y++)
            for (ptrdiff_t i = f->planes.linesize[p] - 16; i < f->planes.linesize[p]; i++)
                if (f->planes.data[p][(ptrdiff_t)y * f->planes.linesize[p] + i] != 0xA5)
                    return 0;
    }
    return 1;
}

static const struct { int sw, sh, dw, dh; } sizes[] = {
    { 64, 48, 32, 24 },   /* x4 model to 2x */
    { 64, 48, 56, 42 },   /* x4 model to 3.5x */
    { 37, 29, 18, 14 },   /* odd source, chroma rounding up */
    { 20, 14, 47, 33 },   /* growing (an x2 model to 4.7x) */
    { 9, 7, 3, 2 },       /* windows wider than the frame */
};

static void test_reference(const TestFormat *formats, int nformats)
{
    for (int f = 0; f < nformats; f++) {
        ResrPixelFormat fmt = formats[f].fmt;
        const int sitings = !fmt.is_rgb && !fmt.is_gray && (fmt.log2_chroma_w || fmt.log2_chroma_h) ? 3 : 1;
        for (int st = 0; st < sitings; st++) {
            static const ResrChromaLocation locs[] = { RESR_CHROMA_LEFT, RESR_CHROMA_CENTER, RESR_CHROMA_BOTTOM };
            char name[96], where[160] = "";
            double worst = 0.0;
            int ok = 1;
            fmt.chroma_loc = locs[st];
            snprintf(name, sizeof(name), "reference_%s%s%s", formats[f].name, sitings > 1 ? "_" : "",
                     sitings > 1 ? (st == 0 ? "left" : st == 1 ? "center" : "bottom") : "");
            for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && ok; s++) {
                ResrResamplePlan plan = { 0 };
                TestFrame src, dst;
                if (test_frame_alloc(&src, &fmt, sizes[s].sw, sizes[s].sh) < 0 ||
                    test_frame_alloc(&dst, &fmt, sizes[s].dw, sizes[s].dh) < 0 ||
                    resr_resample_plan(&plan, &fmt, sizes[s].sw, sizes[s].sh, sizes[s].dw, sizes[s].dh) < 0) {
                    resr_test_fail(name, "setup failed");
                    return;
                }
                test_fill_random(&src, &fmt, &rng);
                if (test_resample(&plan, &src.planes, &dst.planes) < 0) {
                    resr_test_fail(name, "out of memory");
                    return;
                }
                const double err = check_against_reference(&fmt, &src, &dst, where, sizeof(where));
                const double tol = fmt.type == RESR_SAMPLE_F32 ? 1e-5 : 1.0;
                worst = err > worst ? err : worst;
                if (err > tol) {
                    resr_test_fail(name, "%dx%d -> %dx%d: %s", sizes[s].sw, sizes[s].sh, sizes[s].dw, sizes[s].dh, where);
                    ok = 0;
                } else if (!slack_untouched(&dst, &fmt)) {
                    resr_test_fail(name, "%dx%d -> %dx%d wrote past the end of a row", sizes[s].sw, sizes[s].sh,
                              sizes[s].dw, sizes[s].dh);
                    ok = 0;
                }
                resr_resample_free(&plan);
                test_frame_free(&src);
                test_frame_free(&dst);
            }
            if (ok) {
                printf("# %s: largest deviation %g\n", name, worst);
                resr_test_pass(name);
            }
        }
    }
}

/* Same size: weights sinc(k) with k integer, so each sample comes back exactly. Flat
 * frames stay flat at any size. */
static void test_identity_and_flat(const TestFormat *formats, int nformats)
{
    int bad_identity = 0, bad_flat = 0;
    char why[160] = "";

    for (int f = 0; f < nformats; f++) {
        const ResrPixelFormat *fmt = &formats[f].fmt;
        if (fmt->type == RESR_SAMPLE_F32)
            continue;
        ResrResamplePlan plan = { 0 };
        TestFrame src, dst, flat, flat_dst;
        if (test_frame_alloc(&src, fmt, 23, 17) < 0 || test_frame_alloc(&dst, fmt, 23, 17) < 0 ||
            test_frame_alloc(&flat, fmt, 40, 30) < 0 || test_frame_alloc(&flat_dst, fmt, 26, 19) < 0)
            return;
        test_fill_random(&src, fmt, &rng);
        resr_resample_plan(&plan, fmt, 23, 17, 23, 17);
        test_resample(&plan, &src.planes, &dst.planes);
        int comps[4];
        const int n = resr_stored_components(fmt, comps);
        for (int i = 0; i < n && !bad_identity; i++) {
            int cw, ch;
            comp_size(fmt, comps[i], 23, 17, &cw, &ch);
            for (int y = 0; y < ch; y++)
                for (int x = 0; x < cw; x++)
                    if (read_code(fmt, &src.planes, comps[i], x, y) != read_code(fmt, &dst.planes, comps[i], x, y) &&
                        !bad_identity++)
                        snprintf(why, sizeof(why), "%s identity: component %d (%d, %d)", formats[f].name, comps[i], x, y);
        }

        /* flat: every sample of each component the same code */
        for (int i = 0; i < n; i++) {
            int cw, ch;
            comp_size(fmt, comps[i], 40, 30, &cw, &ch);
            const int code = (37 * (i + 1)) % ((1 << (fmt->depth < 8 ? fmt->depth : 8)) - 1);
            for (int y = 0; y < ch; y++)
                for (int x = 0; x < cw; x++) {
                    uint8_t *p = sample_ptr(fmt, &flat.planes, comps[i], x, y);
                    if (fmt->type == RESR_SAMPLE_U8) {
                        p[0] = (uint8_t)code;
                    } else {
                        const uint16_t v = (uint16_t)(code << fmt->comp[comps[i]].shift);
                        memcpy(p, &v, 2);
                    }
                }
        }
        resr_resample_plan(&plan, fmt, 40, 30, 26, 19);
        test_resample(&plan, &flat.planes, &flat_dst.planes);
        for (int i = 0; i < n; i++) {
            int cw, ch;
            comp_size(fmt, comps[i], 26, 19, &cw, &ch);
            const int code = (37 * (i + 1)) % ((1 << (fmt->depth < 8 ? fmt->depth : 8)) - 1);
            for (int y = 0; y < ch; y++)
                for (int x = 0; x < cw; x++)
                    if (read_code(fmt, &flat_dst.planes, comps[i], x, y) != code && !bad_flat++)
                        snprintf(why, sizeof(why), "%s flat: component %d (%d, %d) is %g, want %d", formats[f].name,
                                 comps[i], x, y, read_code(fmt, &flat_dst.planes, comps[i], x, y), code);
        }
        resr_resample_free(&plan);
        test_frame_free(&src);
        test_frame_free(&dst);
        test_frame_free(&flat);
        test_frame_free(&flat_dst);
    }
    if (bad_identity)
        resr_test_fail("identity_exact", "%s", why);
    else
        resr_test_pass("identity_exact");
    if (bad_flat)
        resr_test_fail("flat_stays_flat", "%s", why);
    else
        resr_test_pass("flat_stays_flat");
}

/* rgb0-like formats: the unused byte is written 255, as the engines write it. */
static void test_padding_byte(void)
{
    const ResrPixelFormat fmt = packed_rgb(U8, 8, 4, 1, 2, 3, -1);   /* 0rgb: byte 0 unused */
    ResrResamplePlan plan = { 0 };
    TestFrame src, dst;
    int bad = 0;

    test_frame_alloc(&src, &fmt, 16, 12);
    test_frame_alloc(&dst, &fmt, 10, 7);
    test_fill_random(&src, &fmt, &rng);
    resr_resample_plan(&plan, &fmt, 16, 12, 10, 7);
    test_resample(&plan, &src.planes, &dst.planes);
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 10; x++)
            bad += dst.planes.data[0][y * dst.planes.linesize[0] + 4 * x] != 255;
    if (bad)
        resr_test_fail("padding_byte", "%d pixels without 255 in the unused byte", bad);
    else
        resr_test_pass("padding_byte");
    resr_resample_free(&plan);
    test_frame_free(&src);
    test_frame_free(&dst);
}

static void test_plan_errors(void)
{
    const ResrPixelFormat fmt = packed_rgb(U8, 8, 3, 0, 1, 2, -1);
    ResrResamplePlan plan = { 0 };
    const int zero = resr_resample_plan(&plan, &fmt, 16, 16, 0, 8);
    const int shrink = resr_resample_plan(&plan, &fmt, 6500, 10, 100, 10);
    const int ok = resr_resample_plan(&plan, &fmt, 6400, 10, 100, 10);

    if (zero != -EINVAL || shrink != -EINVAL || ok != 0)
        resr_test_fail("plan_errors", "empty size %d, 65x shrink %d, 64x shrink %d (want -EINVAL, -EINVAL, 0)",
                  zero, shrink, ok);
    else
        resr_test_pass("plan_errors");
    resr_resample_free(&plan);
    resr_resample_free(&plan);   /* freeing twice is harmless */
}

int main(void)
{
    TestFormat formats[TEST_MAX_FORMATS];
    const int n = test_formats(formats);

    test_reference(formats, n);
    test_identity_and_flat(formats, n);
    test_padding_byte();
    test_plan_errors();
    return resr_test_exit();
}
