/*
 * cpu_engine.c: frame in -> frame out through tiles and the network.
 * - tiled == untiled when tile_pad covers the model's receptive radius (gbrpf32 exactly up
 *   to float reassociation, 8-bit YUV frames byte-exactly with one more pixel of pad for
 *   the chroma filter's context), on synthetic SRVGG and RRDBNet models at x4, x3, x2, x1
 *   with odd frame sizes;
 * - the gbrpf32 path equals resr_reference_forward of the same image (odd sizes exercise
 *   the reflect pre-padding of x2/x1);
 * - the default pad's seams against untiled on realesr-animevideov3 (PSNR, reported);
 * - alpha, re-planning across sizes, automatic tiles for an 8K frame, bad arguments.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "../../core/tile_plan.h"
#include "../../cpu/convert.h"
#include "../../cpu/cpu_engine.h"
#include "../../models/model.h"
#include "../common/synthetic_model.h"
#include "../reference/reference_forward.h"
#include "engine_test.h"

#define ATOL 1e-5f
#define RTOL 1e-4f

/* The last VERBOSE-or-less message the engine logged, for inspecting its plan. */
static char last_log[512];

static void capture_log(void *ctx, int level, const char *fmt, va_list args)
{
    (void)ctx;
    (void)level;
    vsnprintf(last_log, sizeof(last_log), fmt, args);
}

static ResrEngineConfig config(int tile, int pad)
{
    return (ResrEngineConfig){ .threads = 2, .tile = tile, .tile_pad = pad,
                               .precision = RESR_PRECISION_FP32, .log = capture_log };
}

/* A test image with gradients, hard edges and noise, as planar RGB [3][h][w]. */
static float *make_image(int w, int h, unsigned seed)
{
    float *rgb = malloc((size_t)3 * w * h * sizeof(*rgb));
    const size_t n = (size_t)w * h;

    for (int y = 0; rgb && y < h; y++)
        for (int x = 0; x < w; x++) {
            const size_t i = (size_t)y * w + x;
            rgb[i]         = 0.5f + 0.4f * sinf(0.31f * x) * cosf(0.23f * y);
            rgb[n + i]     = (float)(x + y) / (float)(w + h);
            rgb[2 * n + i] = ((x / 7 + y / 5) % 2 ? 0.8f : 0.2f) + 0.1f * (test_rand(&seed) - 0.5f);
        }
    return rgb;
}

/* Allocates in and out frames of format f and fills in from rgb (exact for float formats). */
static int make_frames(const ResrPixelFormat *f, const float *rgb, int w, int h, int scale,
                       TestFrame *in, TestFrame *out)
{
    if (test_frame_alloc(in, f, w, h) < 0 || test_frame_alloc(out, f, w * scale, h * scale) < 0)
        return -ENOMEM;
    ResrRgbTile t = test_tile((float *)rgb, w, h);
    resr_rgb_to_frame(f, &t, 0, 0, w, h, &in->planes, 0, 0);
    return 0;
}

static int upscale(const ResrModel *m, const ResrEngineConfig *cfg, const ResrPixelFormat *f,
                   const TestFrame *in, TestFrame *out)
{
    ResrEngine *e = NULL;
    ResrFrameGeometry g = resr_frame_geometry(in->width, in->height, f, out->width, out->height, f,
                                              RESR_MEMORY_HOST);
    int ret = resr_cpu_engine_create(&e, m, cfg);

    if (ret >= 0)
        ret = e->ops->plan(e, &g);
    if (ret >= 0)
        ret = e->ops->run(e, &in->planes, &out->planes);
    resr_engine_free(&e);
    return ret;
}

/* Output frame (gbrpf32 or grayf32 layout) back to planar RGB floats. */
static void frame_rgb(const ResrPixelFormat *f, const TestFrame *frame, float *rgb)
{
    ResrRgbTile t = test_tile(rgb, frame->width, frame->height);
    resr_frame_to_rgb(f, &frame->planes, frame->width, frame->height, 0, 0, &t);
}

static int compare_floats(const char *name, const float *got, const float *ref, size_t n,
                          float atol, float rtol, int w)
{
    size_t bad = 0;
    float worst = 0.0f;

    for (size_t i = 0; i < n; i++) {
        const float err = fabsf(got[i] - ref[i]);
        if (!(err <= atol + rtol * fabsf(ref[i]))) {
            if (bad < 3)
                printf("  %s: mismatch at %zu (x %zu, y %zu): got %.8g want %.8g\n", name, i,
                       i % w, i / w, got[i], ref[i]);
            bad++;
        }
        worst = err > worst ? err : worst;
    }
    if (bad) {
        resr_test_fail(name, "%zu of %zu values out of tolerance (max abs err %.3g)", bad, n, worst);
        return -1;
    }
    return 0;
}

/* Frames of integer formats: every byte of every plane's samples. */
static int compare_frames(const char *name, const ResrPixelFormat *f, const TestFrame *a,
                          const TestFrame *b)
{
    for (int p = 0; p < 4; p++) {
        if (!a->planes.data[p])
            continue;
        const int chroma = !f->is_rgb && (p == 1 || p == 2);
        const int rows = chroma ? -((-a->height) >> f->log2_chroma_h) : a->height;
        const ptrdiff_t used = a->planes.linesize[p] - 16;
        for (int y = 0; y < rows; y++)
            for (ptrdiff_t x = 0; x < used; x++) {
                const uint8_t u = a->planes.data[p][y * a->planes.linesize[p] + x];
                const uint8_t v = b->planes.data[p][y * b->planes.linesize[p] + x];
                if (u != v) {
                    resr_test_fail(name, "plane %d row %d byte %td: %u vs %u", p, y, x, u, v);
                    return -1;
                }
            }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * tiled == untiled
 */

typedef struct ShapeCase {
    const char *label;
    ResrSyntheticShape shape;
    int w, h, tile;
} ShapeCase;

static const ShapeCase shape_cases[] = {
    { "srvgg_x4", { RESR_ARCH_SRVGG, 4, 8, 0, 0, 3 }, 37, 29, 12 },
    { "srvgg_x3", { RESR_ARCH_SRVGG, 3, 8, 0, 0, 2 }, 23, 31, 10 },
    { "srvgg_x2", { RESR_ARCH_SRVGG, 2, 6, 0, 0, 4 }, 41, 17, 16 },
    { "rrdb_x4",  { RESR_ARCH_RRDBNET, 4, 8, 1, 4, 0 }, 61, 45, 20 },
    { "rrdb_x2",  { RESR_ARCH_RRDBNET, 2, 8, 1, 4, 0 }, 99, 57, 26 },
    { "rrdb_x1",  { RESR_ARCH_RRDBNET, 1, 8, 1, 4, 0 }, 203, 37, 60 },
};

static void test_tiled_equals_untiled(const ShapeCase *c, const ResrPixelFormat *f,
                                      const char *fmt_name, int extra_pad)
{
    char name[96];
    ResrModel *m = NULL;
    float *rgb = NULL, *a = NULL, *b = NULL;
    TestFrame in = { 0 }, whole = { 0 }, tiled = { 0 };
    int ret;

    snprintf(name, sizeof(name), "tiled_equals_untiled_%s_%s_%dx%d", c->label, fmt_name, c->w, c->h);
    if ((ret = resr_synthetic_model_create(&m, &c->shape, 7)) < 0) {
        resr_test_fail(name, "synthetic model: %d", ret);
        return;
    }
    /* extra_pad < 0: the automatic pad, which must be as exact for these small networks */
    const int s = m->scale, pad = extra_pad < 0 ? -1 : m->receptive_radius + extra_pad;
    const size_t n = (size_t)3 * c->w * s * c->h * s;
    rgb = make_image(c->w, c->h, 3);
    a = malloc(n * sizeof(*a));
    b = malloc(n * sizeof(*b));
    if (!rgb || !a || !b || make_frames(f, rgb, c->w, c->h, s, &in, &whole) < 0 ||
        test_frame_alloc(&tiled, f, c->w * s, c->h * s) < 0) {
        resr_test_fail(name, "out of memory");
        goto done;
    }
    ResrEngineConfig one = config(0, pad), many = config(c->tile, pad);
    if ((ret = upscale(m, &one, f, &in, &whole)) < 0 || (ret = upscale(m, &many, f, &in, &tiled)) < 0) {
        resr_test_fail(name, "engine: %d (%s)", ret, last_log);
        goto done;
    }
    if (f->type == RESR_SAMPLE_F32) {
        frame_rgb(f, &whole, a);
        frame_rgb(f, &tiled, b);
        /* the same sums in the same order, so equal up to the kernels' own reassociation */
        if (compare_floats(name, b, a, n, 1e-6f, 1e-6f, c->w * s) < 0)
            goto done;
    } else if (compare_frames(name, f, &tiled, &whole) < 0) {
        goto done;
    }
    resr_test_pass(name);
done:
    free(rgb);
    free(a);
    free(b);
    test_frame_free(&in);
    test_frame_free(&whole);
    test_frame_free(&tiled);
    resr_synthetic_model_free(&m);
}

/* ---------------------------------------------------------------------------------------
 * the float path is the network: engine(gbrpf32 frame) == resr_reference_forward(image)
 */

static void test_matches_reference(const ShapeCase *c, int tile)
{
    char name[96];
    ResrModel *m = NULL;
    float *rgb = NULL, *ref = NULL, *got = NULL;
    TestFrame in = { 0 }, out = { 0 };
    const ResrPixelFormat f = planar_gbr(RESR_SAMPLE_F32, 32, 0);
    int ret;

    snprintf(name, sizeof(name), "gbrpf32_matches_reference_%s_%dx%d%s", c->label, c->w, c->h,
             tile ? "_tiled" : "");
    if ((ret = resr_synthetic_model_create(&m, &c->shape, 11)) < 0) {
        resr_test_fail(name, "synthetic model: %d", ret);
        return;
    }
    const int s = m->scale;
    const size_t n = (size_t)3 * c->w * s * c->h * s;
    rgb = make_image(c->w, c->h, 5);
    ref = malloc(n * sizeof(*ref));
    got = malloc(n * sizeof(*got));
    if (!rgb || !ref || !got || make_frames(&f, rgb, c->w, c->h, s, &in, &out) < 0) {
        resr_test_fail(name, "out of memory");
        goto done;
    }
    if ((ret = resr_reference_forward(m, rgb, c->w, c->h, ref)) < 0) {
        resr_test_fail(name, "reference: %d", ret);
        goto done;
    }
    ResrEngineConfig cfg = config(tile, m->receptive_radius);
    if ((ret = upscale(m, &cfg, &f, &in, &out)) < 0) {
        resr_test_fail(name, "engine: %d (%s)", ret, last_log);
        goto done;
    }
    frame_rgb(&f, &out, got);
    if (compare_floats(name, got, ref, n, ATOL, RTOL, c->w * s) < 0)
        goto done;
    resr_test_pass(name);
done:
    free(rgb);
    free(ref);
    free(got);
    test_frame_free(&in);
    test_frame_free(&out);
    resr_synthetic_model_free(&m);
}

/* ---------------------------------------------------------------------------------------
 * the default pad on the real model: seams measured, not hidden
 */

static double psnr(const float *a, const float *b, size_t n)
{
    double se = 0.0;
    for (size_t i = 0; i < n; i++) {
        const float x = a[i] < 0 ? 0 : a[i] > 1 ? 1 : a[i];
        const float y = b[i] < 0 ? 0 : b[i] > 1 ? 1 : b[i];
        se += (double)(x - y) * (x - y);
    }
    return se == 0.0 ? INFINITY : 10.0 * log10((double)n / se);
}

static void test_default_pad_psnr(void)
{
    const char *name = "default_pad_psnr_animevideov3";
    const char *root = getenv("RESR_ROOT");
    const ResrPixelFormat f = planar_gbr(RESR_SAMPLE_F32, 32, 0);
    const int w = 96, h = 72;
    char path[4096], err[512];
    ResrModel *m = NULL;
    float *rgb = NULL, *a = NULL, *b = NULL;
    TestFrame in = { 0 }, whole = { 0 }, tiled = { 0 };
    int ret;

    if (getenv("RESR_SHARED_MODELS"))
        snprintf(path, sizeof(path), "%s/realesr-animevideov3.pth", getenv("RESR_SHARED_MODELS"));
    else
        snprintf(path, sizeof(path), "%s/../shared/models/realesr-animevideov3.pth", root ? root : ".");
    if ((ret = resr_model_load(&m, path, err, sizeof(err))) < 0) {
        if (ret == -ENOENT)
            resr_test_skip_data(name, "%s", "realesr-animevideov3.pth not found ($RESR_SHARED_MODELS, else ../shared/models)");
        else
            resr_test_fail(name, "%s", err);
        return;
    }
    const int s = m->scale;
    const size_t n = (size_t)3 * w * s * h * s;
    rgb = make_image(w, h, 9);
    a = malloc(n * sizeof(*a));
    b = malloc(n * sizeof(*b));
    if (!rgb || !a || !b || make_frames(&f, rgb, w, h, s, &in, &whole) < 0 ||
        test_frame_alloc(&tiled, &f, w * s, h * s) < 0) {
        resr_test_fail(name, "out of memory");
        goto done;
    }
    ResrEngineConfig one = config(0, -1), many = config(32, 10), exact = config(32, -1);
    if ((ret = upscale(m, &one, &f, &in, &whole)) < 0 || (ret = upscale(m, &many, &f, &in, &tiled)) < 0) {
        resr_test_fail(name, "engine: %d (%s)", ret, last_log);
        goto done;
    }
    frame_rgb(&f, &whole, a);
    frame_rgb(&f, &tiled, b);
    const double p10 = psnr(a, b, n);
    if ((ret = upscale(m, &exact, &f, &in, &tiled)) < 0) {
        resr_test_fail(name, "engine: %d (%s)", ret, last_log);
        goto done;
    }
    frame_rgb(&f, &tiled, b);
    const double pr = psnr(a, b, n);
    printf("# animevideov3 %dx%d, tile 32: pad 10 (official) vs untiled %.2f dB; automatic pad "
           "(receptive radius %d + 1) %.2f dB\n", w, h, p10, m->receptive_radius, pr);
    /* official tiling with pad 10 is visually seamless (well above 40 dB); a wrong context
     * offset would drop far below that. The automatic pad covers the receptive radius: exact. */
    if (!(p10 >= 40.0) || !(pr >= 90.0)) {
        resr_test_fail(name, "PSNR pad 10 %.2f dB (want >= 40), automatic pad %.2f dB (want >= 90)", p10, pr);
        goto done;
    }
    resr_test_pass(name);
done:
    free(rgb);
    free(a);
    free(b);
    test_frame_free(&in);
    test_frame_free(&whole);
    test_frame_free(&tiled);
    resr_model_free(&m);
}

/* ---------------------------------------------------------------------------------------
 * alpha, re-planning, automatic tiles, bad arguments
 */

/* rgba: colour as for rgb0 with the same RGB, alpha as resr_alpha_upscale computes it. */
static void test_alpha(void)
{
    const char *name = "alpha_rgba";
    const ResrSyntheticShape shape = { RESR_ARCH_SRVGG, 4, 8, 0, 0, 2 };
    const ResrPixelFormat rgba = packed_rgb(RESR_SAMPLE_U8, 8, 4, 0, 1, 2, 3);
    const ResrPixelFormat rgb0 = packed_rgb(RESR_SAMPLE_U8, 8, 4, 0, 1, 2, -1);
    const int w = 19, h = 11;
    ResrModel *m = NULL;
    float *rgb = NULL;
    TestFrame in = { 0 }, out = { 0 }, out0 = { 0 }, alpha = { 0 };
    int ret;

    if (resr_synthetic_model_create(&m, &shape, 3) < 0 || !(rgb = make_image(w, h, 1)) ||
        make_frames(&rgba, rgb, w, h, 4, &in, &out) < 0 || test_frame_alloc(&out0, &rgba, 4 * w, 4 * h) < 0 ||
        test_frame_alloc(&alpha, &rgba, 4 * w, 4 * h) < 0) {
        resr_test_fail(name, "setup failed");
        goto done;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            in.planes.data[0][y * in.planes.linesize[0] + 4 * x + 3] = (uint8_t)(x * 13 + y * 7);
    ResrEngineConfig cfg = config(8, 4);
    if ((ret = upscale(m, &cfg, &rgba, &in, &out)) < 0 || (ret = upscale(m, &cfg, &rgb0, &in, &out0)) < 0) {
        resr_test_fail(name, "engine: %d", ret);
        goto done;
    }
    resr_alpha_upscale(&rgba, &in.planes, w, h, &alpha.planes, 4);
    for (int y = 0; y < 4 * h; y++)
        for (int x = 0; x < 4 * w; x++) {
            const uint8_t *p = out.planes.data[0] + y * out.planes.linesize[0] + 4 * x;
            const uint8_t *q = out0.planes.data[0] + y * out0.planes.linesize[0] + 4 * x;
            const uint8_t *r = alpha.planes.data[0] + y * alpha.planes.linesize[0] + 4 * x;
            if (memcmp(p, q, 3) || p[3] != r[3]) {
                resr_test_fail(name, "pixel (%d,%d): rgba %u %u %u %u, rgb0 %u %u %u, alpha %u", x, y,
                          p[0], p[1], p[2], p[3], q[0], q[1], q[2], r[3]);
                goto done;
            }
        }
    resr_test_pass(name);
done:
    free(rgb);
    test_frame_free(&in);
    test_frame_free(&out);
    test_frame_free(&out0);
    test_frame_free(&alpha);
    resr_synthetic_model_free(&m);
}

/* One engine re-planned across sizes gives what fresh engines give; run before plan fails. */
static void test_replan(void)
{
    const char *name = "replan_sizes";
    const ResrSyntheticShape shape = { RESR_ARCH_RRDBNET, 2, 8, 1, 4, 0 };
    const ResrPixelFormat f = planar_yuv(8, 1, 1, 0, 0);
    const int sizes[3][2] = { { 40, 30 }, { 17, 9 }, { 40, 30 } };
    ResrModel *m = NULL;
    ResrEngine *e = NULL;
    int ret;

    if (resr_synthetic_model_create(&m, &shape, 5) < 0) {
        resr_test_fail(name, "synthetic model");
        return;
    }
    ResrEngineConfig cfg = config(16, 8);
    if ((ret = resr_cpu_engine_create(&e, m, &cfg)) < 0) {
        resr_test_fail(name, "create: %d", ret);
        goto done;
    }
    {
        TestFrame dummy = { 0 };
        if (e->ops->run(e, &dummy.planes, &dummy.planes) != -EINVAL) {
            resr_test_fail(name, "run before plan did not return EINVAL");
            goto done;
        }
    }
    for (int i = 0; i < 3; i++) {
        const int w = sizes[i][0], h = sizes[i][1];
        ResrFrameGeometry g = resr_frame_geometry(w, h, &f, 2 * w, 2 * h, &f, RESR_MEMORY_HOST);
        TestFrame in = { 0 }, out = { 0 }, fresh = { 0 };
        float *rgb = make_image(w, h, (unsigned)i + 1);
        int bad = !rgb || make_frames(&f, rgb, w, h, 2, &in, &out) < 0 ||
                  test_frame_alloc(&fresh, &f, 2 * w, 2 * h) < 0;
        if (!bad && ((ret = e->ops->plan(e, &g)) < 0 || (ret = e->ops->run(e, &in.planes, &out.planes)) < 0 ||
                     (ret = upscale(m, &cfg, &f, &in, &fresh)) < 0)) {
            resr_test_fail(name, "size %dx%d: %d", w, h, ret);
            bad = 2;
        }
        if (!bad && compare_frames(name, &f, &out, &fresh) < 0)
            bad = 2;
        free(rgb);
        test_frame_free(&in);
        test_frame_free(&out);
        test_frame_free(&fresh);
        if (bad) {
            if (bad == 1)
                resr_test_fail(name, "out of memory");
            goto done;
        }
    }
    resr_test_pass(name);
done:
    resr_engine_free(&e);
    resr_synthetic_model_free(&m);
}

/*
 * tile = 0: tiles keep the estimated activations under 512 MiB (x4plus: ~9 KB per input
 * pixel, so ~242^2 pixels; animevideov3: ~0.7 KB, ~866^2), unless the pad would then
 * cost more than 1.44x the work: the core stays at least 10 pads wide (x4plus at its
 * automatic pad 40: 400 + 2 * 40 = 480). A frame under the budget is one tile. Plans only.
 */
static void test_auto_tile(void)
{
    const char *name = "auto_tile_bounded";
    const ResrSyntheticShape x4plus = { RESR_ARCH_RRDBNET, 4, 64, 32, 23, 0 };
    const ResrSyntheticShape anime = { RESR_ARCH_SRVGG, 4, 64, 0, 0, 16 };
    static const struct {
        const char *label;
        int rrdb, pad, w, h;
        int min_tiles, max_tiles, min_edge, max_edge;  /* largest tile input, pixels */
    } cases[] = {
        { "x4plus shape, pad 10, 8K",  1, 10, 7680, 4320, 2, 1000, 232, 242 },
        { "x4plus shape, auto pad, 8K", 1, -1, 7680, 4320, 2, 1000, 470, 480 },
        { "animevideov3 shape, auto pad, 1080p", 0, -1, 1920, 1080, 2, 6, 850, 866 },
        { "animevideov3 shape, auto pad, 640x480", 0, -1, 640, 480, 1, 1, 480, 640 },
    };
    const ResrPixelFormat f = planar_yuv(8, 1, 1, 0, 0);
    ResrModel *m = NULL;
    ResrEngine *e = NULL;
    int count, tw, th, ret;

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        ResrEngineConfig cfg = config(0, cases[i].pad);
        const ResrFrameGeometry g = resr_frame_geometry(cases[i].w, cases[i].h, &f, 4 * cases[i].w, 4 * cases[i].h, &f,
                                                        RESR_MEMORY_HOST);
        if (resr_synthetic_model_create(&m, cases[i].rrdb ? &x4plus : &anime, 1) < 0 ||
            resr_cpu_engine_create(&e, m, &cfg) < 0) {
            resr_test_fail(name, "setup failed");
            goto done;
        }
        if ((ret = e->ops->plan(e, &g)) < 0 ||
            sscanf(last_log, "cpu engine: %*dx%*d in %d tile(s) of up to %dx%d", &count, &tw, &th) != 3) {
            resr_test_fail(name, "%s: plan %d (%s)", cases[i].label, ret, last_log);
            goto done;
        }
        const int edge = tw > th ? tw : th;
        printf("# %s: %d tile(s) of up to %dx%d input pixels (pad %d)\n", cases[i].label, count,
               tw, th, e->config.tile_pad);
        if (count < cases[i].min_tiles || count > cases[i].max_tiles ||
            edge < cases[i].min_edge || edge > cases[i].max_edge) {
            resr_test_fail(name, "%s: %d tiles of %dx%d, want %d..%d of %d..%d", cases[i].label, count,
                      tw, th, cases[i].min_tiles, cases[i].max_tiles, cases[i].min_edge,
                      cases[i].max_edge);
            goto done;
        }
        resr_engine_free(&e);
        resr_synthetic_model_free(&m);
    }
    resr_test_pass(name);
done:
    resr_engine_free(&e);
    resr_synthetic_model_free(&m);
}

static void test_bad_arguments(void)
{
    const char *name = "bad_arguments";
    const ResrSyntheticShape shape = { RESR_ARCH_SRVGG, 4, 4, 0, 0, 1 };
    const ResrPixelFormat f = planar_gbr(RESR_SAMPLE_U8, 8, 0);
    const ResrPixelFormat fa = planar_gbr(RESR_SAMPLE_U8, 8, 1);
    ResrModel *m = NULL;
    ResrEngine *e = NULL;

    if (resr_synthetic_model_create(&m, &shape, 1) < 0) {
        resr_test_fail(name, "synthetic model");
        return;
    }
    ResrEngineConfig neg_tile = config(-1, 10), neg_pad = config(0, -2), ok = config(0, 10);
    if (resr_cpu_engine_create(&e, m, &neg_tile) != -EINVAL || e ||
        resr_cpu_engine_create(&e, m, &neg_pad) != -EINVAL || e) {
        resr_test_fail(name, "negative tile or pad accepted");
        goto done;
    }
    if (resr_cpu_engine_create(&e, m, &ok) < 0) {
        resr_test_fail(name, "create failed");
        goto done;
    }
    ResrFrameGeometry empty = resr_frame_geometry(0, 5, &f, 0, 20, &f, RESR_MEMORY_HOST),
                      mixed = resr_frame_geometry(5, 5, &fa, 20, 20, &f, RESR_MEMORY_HOST);
    if (e->ops->plan(e, &empty) != -EINVAL || e->ops->plan(e, &mixed) != -EINVAL) {
        resr_test_fail(name, "empty frame or alpha mismatch accepted");
        goto done;
    }
    resr_test_pass(name);
done:
    resr_engine_free(&e);
    resr_synthetic_model_free(&m);
}

/* The engine's config holds what it resolved: the automatic pad and the thread count. */
static void test_resolved_config(void)
{
    const char *name = "resolved_pad_and_threads";
    const ResrSyntheticShape shapes[] = {
        { RESR_ARCH_SRVGG, 4, 8, 0, 0, 16 },     /* animevideov3's depth: radius 18, pad 19 */
        { RESR_ARCH_RRDBNET, 4, 8, 4, 23, 0 },   /* x4plus's depth: radius 349 */
        { RESR_ARCH_RRDBNET, 2, 8, 4, 23, 0 },   /* x2plus's: unshuffle 2 */
    };
    ResrModel *m = NULL;
    ResrEngine *e = NULL;

    for (size_t i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
        ResrEngineConfig automatic = config(0, -1), explicit = config(0, 7);
        automatic.threads = 0;
        if (resr_synthetic_model_create(&m, &shapes[i], 1) < 0 ||
            resr_cpu_engine_create(&e, m, &automatic) < 0) {
            resr_test_fail(name, "setup %zu failed", i);
            goto done;
        }
        const int want = resr_tile_pad_auto(m);
        if (e->config.tile_pad != want || e->config.threads < 1) {
            resr_test_fail(name, "shape %zu: pad %d (want %d), threads %d", i, e->config.tile_pad, want,
                      e->config.threads);
            goto done;
        }
        resr_engine_free(&e);
        if (resr_cpu_engine_create(&e, m, &explicit) < 0 || e->config.tile_pad != 7 ||
            e->config.threads != 2) {
            resr_test_fail(name, "shape %zu: explicit pad 7, 2 threads became %d, %d", i,
                      e ? e->config.tile_pad : -1, e ? e->config.threads : -1);
            goto done;
        }
        resr_engine_free(&e);
        resr_synthetic_model_free(&m);
    }
    resr_test_pass(name);
done:
    resr_engine_free(&e);
    resr_synthetic_model_free(&m);
}

/* A 1x1 frame through every scale: reflect folding feeds x2/x1's pre-padding. */
static void test_one_pixel(void)
{
    const char *name = "one_pixel_frames";
    const ResrPixelFormat f = planar_gbr(RESR_SAMPLE_F32, 32, 0);

    for (size_t i = 0; i < sizeof(shape_cases) / sizeof(*shape_cases); i++) {
        ResrModel *m = NULL;
        TestFrame in = { 0 }, out = { 0 };
        float rgb[3] = { 0.2f, 0.5f, 0.9f }, ref[3 * 16], got[3 * 16];
        int ret = resr_synthetic_model_create(&m, &shape_cases[i].shape, 2);
        const int s = m ? m->scale : 1;
        ResrEngineConfig cfg = config(0, 10);

        if (ret >= 0)
            ret = make_frames(&f, rgb, 1, 1, s, &in, &out);
        if (ret >= 0)
            ret = upscale(m, &cfg, &f, &in, &out);
        if (ret >= 0) {
            frame_rgb(&f, &out, got);
            /* the reference reflect-pads a 1-pixel image, which torch refuses; our folding
             * repeats the pixel: compare with a u x u constant image cropped */
            const int u = resr_model_unshuffle(m);
            float block[3 * 16], big[3 * 16 * 16];
            for (int c = 0; c < 3; c++)
                for (int k = 0; k < u * u; k++)
                    block[c * u * u + k] = rgb[c];
            ret = resr_reference_forward(m, block, u, u, big);
            for (int c = 0; ret >= 0 && c < 3; c++)
                for (int y = 0; y < s; y++)
                    for (int x = 0; x < s; x++)
                        ref[(c * s + y) * s + x] = big[((size_t)c * u * s + y) * u * s + x];
        }
        const int bad = ret < 0 ? -1 : compare_floats(name, got, ref, (size_t)3 * s * s, ATOL, RTOL, s);
        test_frame_free(&in);
        test_frame_free(&out);
        resr_synthetic_model_free(&m);
        if (bad) {
            if (ret < 0)
                resr_test_fail(name, "%s: %d", shape_cases[i].label, ret);
            return;
        }
    }
    resr_test_pass(name);
}

int main(void)
{
    const ResrPixelFormat gbrpf32 = planar_gbr(RESR_SAMPLE_F32, 32, 0);
    const ResrPixelFormat yuv420p = planar_yuv(8, 1, 1, 0, 0);
    const size_t ncases = sizeof(shape_cases) / sizeof(*shape_cases);

    for (size_t i = 0; i < ncases; i++) {
        test_tiled_equals_untiled(&shape_cases[i], &gbrpf32, "gbrpf32", 0);
        /* the chroma filter reads one output pixel past the core: one more input pixel */
        test_tiled_equals_untiled(&shape_cases[i], &yuv420p, "yuv420p", 1);
        /* SRVGG's automatic pad is its receptive radius; RRDBNet's is not (tile_plan.c) */
        if (shape_cases[i].shape.arch == RESR_ARCH_SRVGG) {
            test_tiled_equals_untiled(&shape_cases[i], &gbrpf32, "gbrpf32_autopad", -1);
            test_tiled_equals_untiled(&shape_cases[i], &yuv420p, "yuv420p_autopad", -1);
        }
    }
    for (size_t i = 0; i < ncases; i++) {
        test_matches_reference(&shape_cases[i], 0);
        test_matches_reference(&shape_cases[i], shape_cases[i].tile);
    }
    test_default_pad_psnr();
    test_alpha();
    test_replan();
    test_auto_tile();
    test_bad_arguments();
    test_resolved_config();
    test_one_pixel();
    return resr_test_exit();
}
