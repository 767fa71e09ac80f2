/*
 * tile_plan.c: the official tile_process cut (fixed cores from the top-left, context
 * clamped to the padded frame), rounding to the unshuffle factor, and for many shapes
 * that the cores partition the padded frame and the outputs partition the output frame.
 */
#include <errno.h>

#include "../../core/tile_plan.h"
#include "../../models/model.h"
#include "engine_test.h"

static int rect_eq(ResrRect r, int x, int y, int w, int h)
{
    return r.x == x && r.y == y && r.w == w && r.h == h;
}

static void test_single_tile(void)
{
    const char *name = "single_tile";
    ResrTilePlan p;
    int ret;

    /* tile 0 and tile >= frame both give one tile; x2 pads 37x21 to 38x22 */
    for (int tile = 0; tile <= 64; tile += 64) {
        if ((ret = resr_tile_plan_make(&p, 37, 21, 2, 2, tile, 10, 0)) < 0) {
            resr_test_fail(name, "tile %d: error %d", tile, ret);
            return;
        }
        const ResrTile *t = &p.tiles[0];
        if (p.count != 1 || p.padded_w != 38 || p.padded_h != 22 ||
            !rect_eq(t->core, 0, 0, 38, 22) || !rect_eq(t->input, 0, 0, 38, 22) ||
            !rect_eq(t->output, 0, 0, 74, 42) || p.max_input_w != 38 || p.max_input_h != 22) {
            resr_test_fail(name, "tile %d: count %d padded %dx%d core %d,%d %dx%d output %dx%d", tile,
                      p.count, p.padded_w, p.padded_h, t->core.x, t->core.y, t->core.w, t->core.h,
                      t->output.w, t->output.h);
            resr_tile_plan_free(&p);
            return;
        }
        resr_tile_plan_free(&p);
    }
    resr_test_pass(name);
}

/* RealESRGANer.tile_process on a 100x70 x4 image, tile 32, pad 10, worked by hand. */
static void test_official_cut(void)
{
    const char *name = "official_cut_100x70_t32_p10";
    ResrTilePlan p;

    if (resr_tile_plan_make(&p, 100, 70, 4, 1, 32, 10, 0) < 0) {
        resr_test_fail(name, "error");
        return;
    }
    /* 4 x 3 tiles; tile (1,1): core 32..64, input 22..74 x 22..70; (3,2): core 96..100 x 64..70 */
    const ResrTile *a = &p.tiles[1 * 4 + 1], *b = &p.tiles[2 * 4 + 3], *c = &p.tiles[0];
    if (p.count != 12 ||
        !rect_eq(a->core, 32, 32, 32, 32) || !rect_eq(a->input, 22, 22, 52, 48) ||
        !rect_eq(a->output, 128, 128, 128, 128) ||
        !rect_eq(b->core, 96, 64, 4, 6) || !rect_eq(b->input, 86, 54, 14, 16) ||
        !rect_eq(b->output, 384, 256, 16, 24) ||
        !rect_eq(c->core, 0, 0, 32, 32) || !rect_eq(c->input, 0, 0, 42, 42) ||
        p.max_input_w != 52 || p.max_input_h != 48) {
        resr_test_fail(name, "count %d; (1,1) input %d,%d %dx%d; (3,2) core %d,%d %dx%d input %d,%d %dx%d",
                  p.count, a->input.x, a->input.y, a->input.w, a->input.h, b->core.x, b->core.y,
                  b->core.w, b->core.h, b->input.x, b->input.y, b->input.w, b->input.h);
    } else {
        resr_test_pass(name);
    }
    resr_tile_plan_free(&p);
}

/* Checks every invariant of one plan; returns 0 or fills why. */
static int check_plan(const ResrTilePlan *p, int w, int h, int scale, int u, int tile, int pad,
                      char *why, size_t why_size)
{
    const int pw = (w + u - 1) / u * u, ph = (h + u - 1) / u * u;
    const int rpad = (pad + u - 1) / u * u;
    int max_w = 0, max_h = 0;
    int ret = 0;
    unsigned char *core_hits = calloc((size_t)pw * ph, 1);
    unsigned char *out_hits = calloc((size_t)w * scale * h * scale, 1);

    if (!core_hits || !out_hits) {
        snprintf(why, why_size, "out of memory");
        ret = -1;
        goto done;
    }
    if (p->padded_w != pw || p->padded_h != ph) {
        snprintf(why, why_size, "padded %dx%d, expected %dx%d", p->padded_w, p->padded_h, pw, ph);
        ret = -1;
        goto done;
    }
    for (int i = 0; i < p->count; i++) {
        const ResrTile *t = &p->tiles[i];
        const ResrRect c = t->core, in = t->input, o = t->output;
        const int ex = c.x - rpad > 0 ? c.x - rpad : 0, ey = c.y - rpad > 0 ? c.y - rpad : 0;
        const int ex1 = c.x + c.w + rpad < pw ? c.x + c.w + rpad : pw;
        const int ey1 = c.y + c.h + rpad < ph ? c.y + c.h + rpad : ph;

        if (c.x % u || c.y % u || c.w % u || c.h % u || in.x % u || in.y % u || in.w % u || in.h % u) {
            snprintf(why, why_size, "tile %d not aligned to %d", i, u);
            ret = -1;
            goto done;
        }
        if (tile > 0 && (c.w > (tile + u - 1) / u * u || c.h > (tile + u - 1) / u * u)) {
            snprintf(why, why_size, "tile %d core %dx%d larger than the tile", i, c.w, c.h);
            ret = -1;
            goto done;
        }
        if (!rect_eq(in, ex, ey, ex1 - ex, ey1 - ey)) {
            snprintf(why, why_size, "tile %d input %d,%d %dx%d, expected %d,%d %dx%d", i, in.x, in.y,
                     in.w, in.h, ex, ey, ex1 - ex, ey1 - ey);
            ret = -1;
            goto done;
        }
        if (o.x != c.x * scale || o.y != c.y * scale || o.w < 1 || o.h < 1 ||
            o.w > c.w * scale || o.h > c.h * scale) {
            snprintf(why, why_size, "tile %d output %d,%d %dx%d for core %d,%d %dx%d", i, o.x, o.y,
                     o.w, o.h, c.x, c.y, c.w, c.h);
            ret = -1;
            goto done;
        }
        max_w = in.w > max_w ? in.w : max_w;
        max_h = in.h > max_h ? in.h : max_h;
        for (int y = c.y; y < c.y + c.h; y++)
            for (int x = c.x; x < c.x + c.w; x++)
                core_hits[(size_t)y * pw + x]++;
        for (int y = o.y; y < o.y + o.h; y++)
            for (int x = o.x; x < o.x + o.w; x++) {
                if (x >= w * scale || y >= h * scale) {
                    snprintf(why, why_size, "tile %d writes output (%d,%d) outside the frame", i, x, y);
                    ret = -1;
                    goto done;
                }
                out_hits[(size_t)y * w * scale + x]++;
            }
    }
    for (size_t i = 0; i < (size_t)pw * ph; i++)
        if (core_hits[i] != 1) {
            snprintf(why, why_size, "padded pixel %zu covered by %d cores", i, core_hits[i]);
            ret = -1;
            goto done;
        }
    for (size_t i = 0; i < (size_t)w * scale * h * scale; i++)
        if (out_hits[i] != 1) {
            snprintf(why, why_size, "output pixel %zu written by %d tiles", i, out_hits[i]);
            ret = -1;
            goto done;
        }
    if (p->max_input_w != max_w || p->max_input_h != max_h) {
        snprintf(why, why_size, "max input %dx%d, tiles reach %dx%d", p->max_input_w,
                 p->max_input_h, max_w, max_h);
        ret = -1;
    }
done:
    free(core_hits);
    free(out_hits);
    return ret;
}

static void test_partitions(void)
{
    const char *name = "partitions_many_shapes";
    static const int sizes[] = { 1, 2, 3, 5, 31, 64, 97 };
    static const int tiles[] = { 0, 1, 3, 8, 17, 64, 200 };
    static const int pads[] = { 0, 1, 10, 33 };
    static const int scales[][2] = { { 4, 1 }, { 2, 2 }, { 1, 4 }, { 3, 1 } };   /* scale, unshuffle */
    char why[256];
    int cases = 0;

    for (size_t a = 0; a < sizeof(sizes) / sizeof(*sizes); a++)
        for (size_t b = 0; b < sizeof(sizes) / sizeof(*sizes); b++)
            for (size_t t = 0; t < sizeof(tiles) / sizeof(*tiles); t++)
                for (size_t q = 0; q < sizeof(pads) / sizeof(*pads); q++)
                    for (size_t s = 0; s < sizeof(scales) / sizeof(*scales); s++) {
                        const int w = sizes[a], h = sizes[(b + 3) % 7];
                        ResrTilePlan p;
                        if (resr_tile_plan_make(&p, w, h, scales[s][0], scales[s][1], tiles[t],
                                                pads[q], 0) < 0) {
                            resr_test_fail(name, "%dx%d x%d u%d tile %d pad %d: error", w, h,
                                      scales[s][0], scales[s][1], tiles[t], pads[q]);
                            return;
                        }
                        const int bad = check_plan(&p, w, h, scales[s][0], scales[s][1], tiles[t],
                                                   pads[q], why, sizeof(why));
                        resr_tile_plan_free(&p);
                        if (bad) {
                            resr_test_fail(name, "%dx%d x%d u%d tile %d pad %d: %s", w, h, scales[s][0],
                                      scales[s][1], tiles[t], pads[q], why);
                            return;
                        }
                        cases++;
                    }
    printf("# %d plans checked\n", cases);
    resr_test_pass(name);
}

static void test_rounding(void)
{
    const char *name = "rounding_to_unshuffle";
    ResrTilePlan p;

    /* x1 (unshuffle 4): tile 30 -> 32, pad 10 -> 12; 101 wide pads to 104 */
    if (resr_tile_plan_make(&p, 101, 9, 1, 4, 30, 10, 0) < 0) {
        resr_test_fail(name, "error");
        return;
    }
    const ResrTile *t = &p.tiles[1];
    if (p.padded_w != 104 || p.padded_h != 12 || p.count != 4 ||
        !rect_eq(t->core, 32, 0, 32, 12) || !rect_eq(t->input, 20, 0, 56, 12) ||
        !rect_eq(p.tiles[3].output, 96, 0, 5, 9)) {
        resr_test_fail(name, "padded %dx%d count %d core %d+%d input %d+%d last output %dx%d",
                  p.padded_w, p.padded_h, p.count, t->core.x, t->core.w, t->input.x, t->input.w,
                  p.tiles[3].output.w, p.tiles[3].output.h);
    } else {
        resr_test_pass(name);
    }
    resr_tile_plan_free(&p);
}

/*
 * pre_pad (the official reflect padding before the network): x2 (unshuffle 2), 37x21 with
 * pre_pad 10 is 47x31, then 48x32 for the unshuffle; tiles cover that, outputs stop at the
 * real frame's 74x42.
 */
static void test_pre_pad(void)
{
    const char *name = "pre_pad";
    ResrTilePlan p;
    int max_x = 0, max_y = 0;

    if (resr_tile_plan_make(&p, 37, 21, 2, 2, 16, 4, 10) < 0) {
        resr_test_fail(name, "error");
        return;
    }
    for (int i = 0; i < p.count; i++) {
        const ResrTile *t = &p.tiles[i];
        max_x = t->core.x + t->core.w > max_x ? t->core.x + t->core.w : max_x;
        max_y = t->core.y + t->core.h > max_y ? t->core.y + t->core.h : max_y;
        if (t->output.x + t->output.w > 74 || t->output.y + t->output.h > 42) {
            resr_test_fail(name, "tile %d writes past the 74x42 output", i);
            resr_tile_plan_free(&p);
            return;
        }
    }
    if (p.padded_w != 48 || p.padded_h != 32 || max_x != 48 || max_y != 32 || p.count != 6)
        resr_test_fail(name, "padded %dx%d, cores reach %dx%d, %d tiles (want 48x32, 48x32, 6)",
                       p.padded_w, p.padded_h, max_x, max_y, p.count);
    else
        resr_test_pass(name);
    resr_tile_plan_free(&p);
}

static void test_invalid(void)
{
    const char *name = "invalid_arguments";
    ResrTilePlan p;
    const int bad[][7] = {
        { 0, 5, 4, 1, 0, 10, 0 }, { 5, 0, 4, 1, 0, 10, 0 }, { 5, 5, 0, 1, 0, 10, 0 },
        { 5, 5, 4, 0, 0, 10, 0 }, { 5, 5, 4, 1, 0, -1, 0 }, { 1 << 29, 5, 4, 1, 0, 10, 0 },
        { 5, 5, 4, 1, 0, 10, -1 }, { 5, 5, 4, 1, 0, 10, RESR_MAX_PRE_PAD + 1 },
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const int ret = resr_tile_plan_make(&p, bad[i][0], bad[i][1], bad[i][2], bad[i][3],
                                            bad[i][4], bad[i][5], bad[i][6]);
        if (ret != -EINVAL || p.tiles || p.count) {
            resr_test_fail(name, "case %zu returned %d with %d tiles", i, ret, p.count);
            resr_tile_plan_free(&p);
            return;
        }
    }
    resr_tile_plan_free(&p);   /* freeing an empty plan is allowed */
    resr_test_pass(name);
}

/*
 * The automatic pad: SRVGG's receptive radius + 1 (exact tiles, subsampled chroma
 * included); RRDBNet's measured 40 body pixels (tile_plan.c has the PSNR table), in input
 * pixels times the unshuffle factor, never more than that exact pad.
 */
static void test_auto_pad(void)
{
    const char *name = "auto_pad";
    static const struct {
        ResrArch arch;
        int unshuffle, num_block, num_conv, radius, want;
    } cases[] = {
        { RESR_ARCH_SRVGG,   1, 0, 16, 18, 19 },    /* realesr-animevideov3 */
        { RESR_ARCH_SRVGG,   1, 0, 32, 34, 35 },    /* realesr-general-x4v3 */
        { RESR_ARCH_RRDBNET, 1, 23, 0, 349, 40 },   /* RealESRGAN_x4plus */
        { RESR_ARCH_RRDBNET, 1, 6, 0, 94, 40 },     /* RealESRGAN_x4plus_anime_6B */
        { RESR_ARCH_RRDBNET, 2, 23, 0, 698, 80 },   /* RealESRGAN_x2plus */
        { RESR_ARCH_RRDBNET, 4, 23, 0, 1396, 160 }, /* an x1 model */
        { RESR_ARCH_RRDBNET, 1, 1, 0, 19, 20 },     /* a network smaller than the pad */
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        ResrModel m = { .arch = cases[i].arch, .scale = 4 / cases[i].unshuffle,
                        .unshuffle = cases[i].arch == RESR_ARCH_RRDBNET ? cases[i].unshuffle : 0,
                        .num_block = cases[i].num_block, .num_conv = cases[i].num_conv,
                        .num_convs = cases[i].num_conv + 2, .receptive_radius = cases[i].radius };
        const int got = resr_tile_pad_auto(&m);
        if (got != cases[i].want) {
            resr_test_fail(name, "case %zu (radius %d, unshuffle %d): %d, want %d", i, cases[i].radius,
                      cases[i].unshuffle, got, cases[i].want);
            return;
        }
    }
    resr_test_pass(name);
}

int main(void)
{
    test_single_tile();
    test_official_cut();
    test_rounding();
    test_partitions();
    test_pre_pad();
    test_invalid();
    test_auto_pad();
    return resr_test_exit();
}
