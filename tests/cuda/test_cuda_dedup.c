/*
 * Held frames on the CUDA engine's frame path (dedup, cuda_plan.c dedup_compare /
 * dedup_finish), through the CPU emulator of the kernels (emulate.h), with no host read
 * anywhere (the backend's control_read is never called):
 *  - a repeated frame: the device decides to reuse; every network kernel (conversions,
 *    convs, alpha) of that frame returns at once (counted per launch), the output bytes
 *    equal the first frame's, the overflow control's scale and counts stay as they were;
 *  - a frame one code value off in one sample (threshold 0, the last stored component:
 *    chroma or alpha) is computed and equals a run without dedup;
 *  - forget (a seek) computes the repeated frame.
 * In fp16 (the scale control active) and fp32, tiled and whole-frame, nv12, p010 and bgra.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/colour_math.h"
#include "../common/synthetic_model.h"
#include "../engine/engine_test.h"
#include "emulate.h"

static long network_work;     /* network launches (conversions, convs, alpha) that did work */
static long host_reads;

static int counting_launch(void *opaque, const ResrCudaLaunch *l)
{
    const long skipped = emu_counters.skipped;
    const int ret = emu_launch(opaque, l);

    if (l->kernel <= RESR_KERNEL_ALPHA && emu_counters.skipped == skipped)
        network_work++;
    return ret;
}

static int no_read(void *opaque, uint64_t control, ResrCudaControl *out)
{
    (void)opaque, (void)control, (void)out;
    host_reads++;
    return -EIO;
}

static const ResrCudaBackend backend = { NULL, counting_launch, no_read };

typedef struct Engine {
    const ResrModel *m;
    ResrCudaWeights wts;
    ResrCudaArena arena;
    ResrTilePlan plan;
    uint8_t *arena_mem;
    ResrCudaLaunch *launches;
    ResrCudaControl control;
    TestFrame kept_in, kept_out;
} Engine;

static int engine_init(Engine *e, const ResrModel *m, int math, const ResrPixelFormat *f, int w, int h, int tile)
{
    const int s = m->scale;
    int ret;

    memset(e, 0, sizeof(*e));
    e->m = m;
    resr_cuda_control_init(&e->control);
    if ((ret = resr_cuda_weights_pack(&e->wts, m, math)) < 0 ||
        (ret = resr_tile_plan_make(&e->plan, w, h, s, resr_model_unshuffle(m), tile, 8, 0)) < 0)
        return ret;
    resr_cuda_arena_plan(&e->arena, m, math, e->plan.max_input_w, e->plan.max_input_h);
    e->arena_mem = aligned_alloc(256, (e->arena.size + 255) / 256 * 256);
    e->launches = calloc(resr_cuda_max_launches(m), sizeof(*e->launches));
    if (!e->arena_mem || !e->launches || test_frame_alloc(&e->kept_in, f, w, h) < 0 ||
        test_frame_alloc(&e->kept_out, f, w * s, h * s) < 0)
        return -ENOMEM;
    return 0;
}

static void engine_free(Engine *e)
{
    resr_cuda_weights_free(&e->wts);
    resr_tile_plan_free(&e->plan);
    free(e->arena_mem);
    free(e->launches);
    test_frame_free(&e->kept_in);
    test_frame_free(&e->kept_out);
}

static int run(Engine *e, const ResrPixelFormat *f, const TestFrame *in, TestFrame *out, int dedup, int forget)
{
    ResrCudaFrames frames = { .in_fmt = *f, .out_fmt = *f, .in = in->planes, .out = out->planes,
                              .in_w = in->width, .in_h = in->height, .dedup = dedup, .forget = forget,
                              .dedup_threshold = 0.0f, .kept_in = e->kept_in.planes,
                              .kept_out = e->kept_out.planes };
    ResrCudaRunStats stats;

    return resr_cuda_run_frame(&backend, e->launches, e->m, &e->wts, (uint64_t)(uintptr_t)e->wts.blob,
                               &e->arena, (uint64_t)(uintptr_t)e->arena_mem,
                               (uint64_t)(uintptr_t)&e->control, &frames, &e->plan, 0, &stats);
}

/* One code value off: component c's sample at (x, y). */
static void bump(const ResrPixelFormat *f, TestFrame *t, int c, int x, int y)
{
    const float max_code = resr_dedup_max_code(f);
    const float code = resr_load_code(f, &t->planes, c, x, y, max_code);
    resr_store_sample(f, resr_sample_ptr(f, &t->planes, c, x, y), f->comp[c].shift,
                      code < max_code ? code + 1.0f : code - 1.0f, max_code);
}

static int same(const char *name, const char *what, const ResrPixelFormat *f, const TestFrame *a, const TestFrame *b)
{
    int plane;
    ptrdiff_t offset;
    if (test_frames_identical(a, b, f, &plane, &offset))
        return 1;
    resr_test_fail(name, "%s: output differs at plane %d byte %td", what, plane, offset);
    return 0;
}

static void run_case(const char *label, const ResrSyntheticShape *shape, int math, const TestFormat *tf,
                     int w, int h, int tile)
{
    const ResrPixelFormat *f = &tf->fmt;
    char name[128];
    ResrModel *m = NULL;
    Engine e, plain;
    TestFrame a = { 0 }, b = { 0 }, out1 = { 0 }, out2 = { 0 }, fresh = { 0 };
    unsigned rng = 9;
    int comps[4];
    const int last = comps[resr_stored_components(f, comps) - 1];

    snprintf(name, sizeof(name), "cuda_dedup_%s_%s_%s", label, tf->name,
             math == RESR_PRECISION_FP16 ? "fp16" : "fp32");
    if (resr_synthetic_model_create(&m, shape, 21) < 0) {
        resr_test_fail(name, "synthetic model");
        return;
    }
    const int s = m->scale;
    if (engine_init(&e, m, math, f, w, h, tile) < 0 || engine_init(&plain, m, math, f, w, h, tile) < 0 ||
        test_frame_alloc(&a, f, w, h) < 0 || test_frame_alloc(&b, f, w, h) < 0 ||
        test_frame_alloc(&out1, f, w * s, h * s) < 0 || test_frame_alloc(&out2, f, w * s, h * s) < 0 ||
        test_frame_alloc(&fresh, f, w * s, h * s) < 0) {
        resr_test_fail(name, "setup");
        goto done;
    }
    test_fill_random(&a, f, &rng);
    long before = network_work;
    if (run(&e, f, &a, &out1, 1, 0) < 0 || e.control.last_reused || network_work == before) {
        resr_test_fail(name, "first frame: reused %u, %ld network launches worked", e.control.last_reused,
                       network_work - before);
        goto done;
    }
    const ResrCudaControl after_first = e.control;
    before = network_work;
    if (run(&e, f, &a, &out2, 1, 0) < 0 || !e.control.last_reused || network_work != before ||
        e.control.reused != 1) {
        resr_test_fail(name, "repeated frame: reused %u (count %u), %ld network launches worked (want 0)",
                       e.control.last_reused, e.control.reused, network_work - before);
        goto done;
    }
    if (!same(name, "repeated frame", f, &out1, &out2))
        goto done;
    if (e.control.act_scale != after_first.act_scale || e.control.total.tiles != after_first.total.tiles) {
        resr_test_fail(name, "the reused frame moved the overflow control (scale %g -> %g, tiles %u -> %u)",
                       after_first.act_scale, e.control.act_scale, after_first.total.tiles, e.control.total.tiles);
        goto done;
    }
    resr_frame_copy(f, &b.planes, &a.planes, w, h);
    bump(f, &b, last, 0, 0);
    before = network_work;
    if (run(&e, f, &b, &out2, 1, 0) < 0 || e.control.last_reused || network_work == before ||
        run(&plain, f, &b, &fresh, 0, 0) < 0) {
        resr_test_fail(name, "one code value off in component %d: reused %u", last, e.control.last_reused);
        goto done;
    }
    if (!same(name, "one code value off", f, &out2, &fresh))
        goto done;
    if (run(&e, f, &b, &out2, 1, 1) < 0 || e.control.last_reused) {
        resr_test_fail(name, "after forget: reused");
        goto done;
    }
    if (host_reads) {
        resr_test_fail(name, "%ld host reads of the control block", host_reads);
        goto done;
    }
    resr_test_pass(name);
done:
    engine_free(&e);
    engine_free(&plain);
    test_frame_free(&a);
    test_frame_free(&b);
    test_frame_free(&out1);
    test_frame_free(&out2);
    test_frame_free(&fresh);
    resr_synthetic_model_free(&m);
}

int main(void)
{
    const ResrSyntheticShape srvgg2 = { .arch = RESR_ARCH_SRVGG, .scale = 2, .num_feat = 16, .num_conv = 2 };
    const ResrSyntheticShape rrdb4 = { .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 16, .num_grow_ch = 16,
                                       .num_block = 1 };
    const TestFormat nv12 = { "nv12", semi_planar(8, 0) };
    const TestFormat p010 = { "p010", semi_planar(10, 0) };
    const TestFormat bgra = { "bgra", packed_rgb(RESR_SAMPLE_U8, 8, 4, 2, 1, 0, 3) };

    run_case("srvgg_x2", &srvgg2, RESR_PRECISION_FP16, &nv12, 14, 10, 0);
    run_case("srvgg_x2", &srvgg2, RESR_PRECISION_FP32, &p010, 14, 10, 0);
    run_case("srvgg_x2_tiled", &srvgg2, RESR_PRECISION_FP16, &bgra, 20, 12, 8);
    run_case("rrdb_x4", &rrdb4, RESR_PRECISION_FP16, &bgra, 12, 8, 0);
    return resr_test_exit();
}
