/*
 * Held frames on the CPU engine (config.dedup, core/dedup.h), in every pixel format the
 * filter takes, alpha included:
 *  - an exactly repeated frame reuses: the output bytes equal the first run's, the engine
 *    counts it as reused and spends no network time;
 *  - with threshold 0, one code value in one sample of any component (chroma and alpha
 *    too) is recomputed, and the output equals a fresh engine's (dedup off) on that frame;
 *  - the threshold scales with the depth (8-bit code values), the comparison is against
 *    the kept frame (a drift does not accumulate), and a seek (forget_kept), a new plan
 *    or dedup off compute every frame;
 *  - tiled and resized (outscale) outputs reuse alike.
 * The counts are the engine's own (frames_reused, last_reused); the fresh outputs come
 * from a second engine without dedup.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/colour_math.h"
#include "../../core/dedup.h"
#include "../../cpu/convert.h"
#include "../../cpu/cpu_engine.h"
#include "../common/synthetic_model.h"
#include "engine_test.h"

/* odd: partial blocks at the right and bottom edges, odd chroma planes */
#define W 13
#define H 11

static const ResrSyntheticShape shape = { RESR_ARCH_SRVGG, 2, 8, 0, 0, 2 };

static ResrEngineConfig config(int dedup, float threshold, int tile)
{
    return (ResrEngineConfig){ .threads = 2, .tile = tile, .tile_pad = -1,
                               .precision = RESR_PRECISION_FP32, .dedup = dedup,
                               .dedup_threshold = threshold };
}

/* An engine planned for W x H frames of f to out_w x out_h. */
static int engine(ResrEngine **e, const ResrModel *m, const ResrEngineConfig *cfg,
                  const ResrPixelFormat *f, int out_w, int out_h)
{
    ResrFrameGeometry g = resr_frame_geometry(W, H, f, out_w, out_h, f, RESR_MEMORY_HOST);
    int ret = resr_cpu_engine_create(e, m, cfg);
    return ret < 0 ? ret : (*e)->ops->plan(*e, &g);
}

/* Component c's sample at (x, y) moved by delta code values (integers: within the depth). */
static void bump(const ResrPixelFormat *f, TestFrame *t, int c, int x, int y, float delta)
{
    const float max_code = resr_dedup_max_code(f);
    const float code = resr_load_code(f, &t->planes, c, x, y, max_code);
    float v = code + delta;

    if (f->type != RESR_SAMPLE_F32 && v > max_code)
        v = code - delta;
    resr_store_sample(f, resr_sample_ptr(f, &t->planes, c, x, y), f->comp[c].shift, v, max_code);
}

static void copy_frame(const ResrPixelFormat *f, TestFrame *dst, const TestFrame *src)
{
    resr_frame_copy(f, &dst->planes, &src->planes, src->width, src->height);
}

/* Runs e on in; checks that it reused (want 1) or computed (want 0). */
static int run_expect(const char *name, const char *what, ResrEngine *e, const TestFrame *in,
                      TestFrame *out, int want)
{
    int ret = e->ops->run(e, &in->planes, &out->planes);
    if (ret < 0) {
        resr_test_fail(name, "%s: run failed (%d)", what, ret);
        return -1;
    }
    if (e->last_reused != want) {
        resr_test_fail(name, "%s: %s, want %s", what, e->last_reused ? "reused" : "computed",
                       want ? "reused" : "computed");
        return -1;
    }
    if (want && e->last_run.network_ms != 0.0) {
        resr_test_fail(name, "%s: reused but network time %g ms", what, e->last_run.network_ms);
        return -1;
    }
    return 0;
}

static int same_bytes(const char *name, const char *what, const ResrPixelFormat *f,
                      const TestFrame *a, const TestFrame *b)
{
    int plane;
    ptrdiff_t offset;
    if (test_frames_identical(a, b, f, &plane, &offset))
        return 0;
    resr_test_fail(name, "%s: output differs at plane %d byte %td", what, plane, offset);
    return -1;
}

/*
 * One format: A, A again (reused, same bytes), then for each stored component a frame one
 * code value away from A in one sample (computed, equal to a fresh engine's output), A
 * between them (computed: one sample away from the kept one).
 */
static int one_format(const ResrModel *m, const TestFormat *tf, int tile, int out_w, int out_h)
{
    const ResrPixelFormat *f = &tf->fmt;
    char name[96];
    ResrEngine *e = NULL, *plain = NULL;
    TestFrame a = { 0 }, a2 = { 0 }, b = { 0 }, out1 = { 0 }, out2 = { 0 }, fresh = { 0 };
    ResrEngineConfig on = config(1, 0.0f, tile), off = config(0, 0.0f, tile);
    unsigned rng = 7;
    int comps[4], bad = -1, reused = 0;
    const int n = resr_stored_components(f, comps);

    snprintf(name, sizeof(name), "dedup_%s%s%s", tf->name, tile ? "_tiled" : "",
             out_w != 2 * W ? "_outscale" : "");
    if (engine(&e, m, &on, f, out_w, out_h) < 0 || engine(&plain, m, &off, f, out_w, out_h) < 0 ||
        test_frame_alloc(&a, f, W, H) < 0 || test_frame_alloc(&a2, f, W, H) < 0 ||
        test_frame_alloc(&b, f, W, H) < 0 || test_frame_alloc(&out1, f, out_w, out_h) < 0 ||
        test_frame_alloc(&out2, f, out_w, out_h) < 0 || test_frame_alloc(&fresh, f, out_w, out_h) < 0) {
        resr_test_fail(name, "setup failed");
        goto done;
    }
    test_fill_random(&a, f, &rng);
    copy_frame(f, &a2, &a);
    if (run_expect(name, "first frame", e, &a, &out1, 0) < 0 ||
        run_expect(name, "repeated frame", e, &a2, &out2, 1) < 0 ||
        same_bytes(name, "repeated frame", f, &out1, &out2) < 0)
        goto done;
    reused++;
    for (int i = 0; i < n; i++) {
        char what[64];
        int cw, ch;
        resr_dedup_component_size(f, comps[i], W, H, &cw, &ch);
        copy_frame(f, &b, &a);
        /* a different sample each time: last column, middle row */
        bump(f, &b, comps[i], cw - 1, ch / 2, f->type == RESR_SAMPLE_F32 ? 1.0f / 65536.0f : 1.0f);
        snprintf(what, sizeof(what), "component %d one code value off", comps[i]);
        if (run_expect(name, what, e, &b, &out2, 0) < 0 ||
            plain->ops->run(plain, &b.planes, &fresh.planes) < 0 ||
            same_bytes(name, what, f, &out2, &fresh) < 0 ||
            run_expect(name, "back to the first frame", e, &a, &out2, 0) < 0)
            goto done;
    }
    if (e->frames_reused != reused) {
        resr_test_fail(name, "frames_reused %lld, want %d", (long long)e->frames_reused, reused);
        goto done;
    }
    resr_test_pass(name);
    bad = 0;
done:
    resr_engine_free(&e);
    resr_engine_free(&plain);
    test_frame_free(&a);
    test_frame_free(&a2);
    test_frame_free(&b);
    test_frame_free(&out1);
    test_frame_free(&out2);
    test_frame_free(&fresh);
    return bad;
}

static void test_formats_reuse(const ResrModel *m)
{
    TestFormat formats[TEST_MAX_FORMATS];
    const int n = test_formats(formats);

    for (int i = 0; i < n; i++)
        one_format(m, &formats[i], 0, 2 * W, 2 * H);
    for (int i = 0; i < n; i++)
        if (!strcmp(formats[i].name, "yuva420p") || !strcmp(formats[i].name, "gbrap16le")) {
            one_format(m, &formats[i], 4, 2 * W, 2 * H);
            one_format(m, &formats[i], 0, 3 * W / 2 / 2 * 2, 3 * H / 2 / 2 * 2);
        }
}

/*
 * The threshold is a block mean in 8-bit code values (core/dedup.h, 2x2 blocks): gray8 at
 * 2 reuses one sample 8 off in a full block (8 / 4 = 2) and computes 9 off; in the 1x1
 * block at the 13x11 frame's corner 2 off and 3 off; gray10 at 1 reuses 16 10-bit code
 * values off (16 * 255 / 1023 / 4 = 0.997) and computes 17 off (1.06). A drift of 5 per
 * frame at threshold 2 in a full block: the second step is 10 from the kept frame (2.5),
 * computed, although 5 (1.25) from the previous one.
 */
static void test_threshold(const ResrModel *m)
{
    static const struct {
        const char *label; int depth; float threshold; int x, y; float ok, too_far;
    } cases[] = {
        { "gray8", 8, 2.0f, 3, 4, 8.0f, 9.0f },
        { "gray8 edge block", 8, 2.0f, 12, 10, 2.0f, 3.0f },
        { "gray10", 10, 1.0f, 3, 4, 16.0f, 17.0f },
    };
    const char *name = "dedup_threshold_block_mean_and_drift";

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const ResrPixelFormat f = gray(cases[i].depth == 8 ? RESR_SAMPLE_U8 : RESR_SAMPLE_U16, cases[i].depth);
        ResrEngineConfig cfg = config(1, cases[i].threshold, 0);
        ResrEngine *e = NULL;
        TestFrame a = { 0 }, b = { 0 }, out = { 0 };
        const int x = cases[i].x, y = cases[i].y;
        int bad = engine(&e, m, &cfg, &f, 2 * W, 2 * H) < 0 || test_frame_alloc(&a, &f, W, H) < 0 ||
                  test_frame_alloc(&b, &f, W, H) < 0 || test_frame_alloc(&out, &f, 2 * W, 2 * H) < 0;

        for (int py = 0; !bad && py < H; py++)
            for (int px = 0; px < W; px++)
                resr_store_sample(&f, resr_sample_ptr(&f, &a.planes, 0, px, py), 0, (float)(20 + px + py), 1023.0f);
        if (bad)
            resr_test_fail(name, "%s: setup failed", cases[i].label);
        if (!bad) {
            copy_frame(&f, &b, &a);
            bump(&f, &b, 0, x, y, cases[i].ok);
            bad = run_expect(name, cases[i].label, e, &a, &out, 0) < 0 ||
                  run_expect(name, "within the threshold", e, &b, &out, 1) < 0;
        }
        if (!bad) {
            copy_frame(&f, &b, &a);
            bump(&f, &b, 0, x, y, cases[i].too_far);
            bad = run_expect(name, "beyond the threshold", e, &b, &out, 0) < 0;
        }
        if (!bad && i == 0) {
            copy_frame(&f, &b, &a);
            bad = run_expect(name, "back to the first frame", e, &a, &out, 0) < 0;
            bump(&f, &b, 0, x, y, 5.0f);
            bad = bad || run_expect(name, "drift step 1", e, &b, &out, 1) < 0;
            bump(&f, &b, 0, x, y, 5.0f);
            bad = bad || run_expect(name, "drift step 2", e, &b, &out, 0) < 0;
        }
        resr_engine_free(&e);
        test_frame_free(&a);
        test_frame_free(&b);
        test_frame_free(&out);
        if (bad)
            return;
    }
    resr_test_pass(name);
}

/* A seek (forget_kept), a new plan, and dedup off: the repeated frame is computed. */
static void test_resets(const ResrModel *m)
{
    const char *name = "dedup_resets";
    const ResrPixelFormat f = planar_yuv(8, 1, 1, 0, 0);
    ResrFrameGeometry g = resr_frame_geometry(W, H, &f, 2 * W, 2 * H, &f, RESR_MEMORY_HOST);
    ResrEngineConfig on = config(1, 0.0f, 0), off = config(0, 0.0f, 0);
    ResrEngine *e = NULL, *plain = NULL;
    TestFrame a = { 0 }, out = { 0 };
    unsigned rng = 3;
    int bad = engine(&e, m, &on, &f, 2 * W, 2 * H) < 0 || engine(&plain, m, &off, &f, 2 * W, 2 * H) < 0 ||
              test_frame_alloc(&a, &f, W, H) < 0 || test_frame_alloc(&out, &f, 2 * W, 2 * H) < 0;

    if (bad)
        resr_test_fail(name, "setup failed");
    if (!bad) {
        test_fill_random(&a, &f, &rng);
        bad = run_expect(name, "first", e, &a, &out, 0) < 0 || run_expect(name, "repeat", e, &a, &out, 1) < 0;
    }
    if (!bad) {
        e->forget_kept = 1;
        bad = run_expect(name, "after forget_kept", e, &a, &out, 0) < 0 ||
              run_expect(name, "repeat after the seek", e, &a, &out, 1) < 0;
    }
    if (!bad && e->ops->plan(e, &g) < 0) {
        resr_test_fail(name, "plan failed");
        bad = 1;
    }
    bad = bad || run_expect(name, "after a new plan", e, &a, &out, 0) < 0 ||
          run_expect(name, "dedup off", plain, &a, &out, 0) < 0 ||
          run_expect(name, "dedup off, repeated", plain, &a, &out, 0) < 0;
    if (!bad && (e->frames_reused != 2 || plain->frames_reused != 0)) {
        resr_test_fail(name, "frames_reused %lld and %lld, want 2 and 0",
                       (long long)e->frames_reused, (long long)plain->frames_reused);
        bad = 1;
    }
    if (!bad)
        resr_test_pass(name);
    resr_engine_free(&e);
    resr_engine_free(&plain);
    test_frame_free(&a);
    test_frame_free(&out);
}

int main(void)
{
    ResrModel *m = NULL;

    if (resr_synthetic_model_create(&m, &shape, 11) < 0) {
        resr_test_fail("dedup", "synthetic model");
        return resr_test_exit();
    }
    test_formats_reuse(m);
    test_threshold(m);
    test_resets(m);
    resr_synthetic_model_free(&m);
    return resr_test_exit();
}
