/*
 * The fast CPU network (network.c) against the reference forward (tests/reference/reference_forward.c) on
 * synthetic models: SRVGG and RRDBNet shapes at every scale, odd tile sizes, 1 and 2
 * threads, the AVX2 kernels and the portable fallback, and arena re-use across tile sizes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cpu/conv3x3.h"
#include "../../cpu/network.h"
#include "../common/synthetic_model.h"
#include "../common/test_util.h"
#include "../reference/reference_forward.h"

/* Both paths are fp32 with different summation orders (and FMA): a few ulps per layer. */
#define ATOL 1e-5f
#define RTOL 1e-4f

#define fail resr_test_fail

/* |got - ref| <= ATOL + RTOL*|ref| everywhere; FAILs with the first mismatches if not. */
static int compare(const char *name, const float *got, const float *ref, int c, int h, int w)
{
    char why[512];

    if (resr_test_allclose(got, ref, (size_t)c * h * w, ATOL, RTOL, why, sizeof(why)))
        return 0;
    fail(name, "[%d][%d][%d] output: %s", c, h, w, why);
    return -1;
}

static float *random_image(int c, int h, int w, uint32_t seed)
{
    float *img = malloc((size_t)c * h * w * sizeof(*img));
    uint32_t state = seed * 747796405u + 2891336453u;

    for (size_t i = 0; img && i < (size_t)c * h * w; i++)
        img[i] = resr_synthetic_uniform(&state, 0.0f, 1.0f);
    return img;
}

static ResrRgbTile planar_tile(float *data, int w, int h)
{
    return (ResrRgbTile){ data, w, h, w, (ptrdiff_t)w * h };
}

typedef struct Case {
    const char *label;
    ResrSyntheticShape shape;
    int sizes[4][2];   /* w, h of the tiles run in turn on one network; 0-terminated */
} Case;

/* One network (threads, portable or not), tiles in turn, each against the reference. */
static void run_case(const Case *tc, const ResrModel *model, int threads, int portable)
{
    char name[160];
    ResrNetwork *net = NULL;
    int ret, max_w = 0, max_h = 0, ok = 1;

    snprintf(name, sizeof(name), "network_%s_t%d_%s", tc->label, threads,
             portable ? "portable" : "avx2");
    if (!portable && !resr_conv3x3_have_avx2()) {
        resr_test_skip(name, "CPU has no AVX2+FMA");
        return;
    }
    for (int i = 0; i < 4 && tc->sizes[i][0]; i++) {
        max_w = tc->sizes[i][0] > max_w ? tc->sizes[i][0] : max_w;
        max_h = tc->sizes[i][1] > max_h ? tc->sizes[i][1] : max_h;
    }

    resr_conv3x3_force_portable(portable);
    ret = resr_network_create(&net, model, threads);
    resr_conv3x3_force_portable(0);
    if (ret < 0) {
        fail(name, "resr_network_create: %s", strerror(-ret));
        return;
    }
    if ((ret = resr_network_plan(net, max_w, max_h)) < 0) {
        fail(name, "resr_network_plan(%d, %d): %s", max_w, max_h, strerror(-ret));
        goto end;
    }

    for (int i = 0; ok && i < 4 && tc->sizes[i][0]; i++) {
        const int w = tc->sizes[i][0], h = tc->sizes[i][1], s = model->scale;
        float *in = random_image(3, h, w, 1000 * i + w * 31 + h);
        float *got = malloc((size_t)3 * h * s * w * s * sizeof(*got));
        float *ref = malloc((size_t)3 * h * s * w * s * sizeof(*ref));
        char tile_name[200];

        snprintf(tile_name, sizeof(tile_name), "%s_%dx%d", name, w, h);
        if (!in || !got || !ref) {
            fail(name, "out of memory");
            ok = 0;
        } else if ((ret = resr_reference_forward(model, in, w, h, ref)) < 0) {
            fail(tile_name, "resr_reference_forward: %s", strerror(-ret));
            ok = 0;
        } else {
            ResrRgbTile tin = planar_tile(in, w, h), tout = planar_tile(got, w * s, h * s);
            /* NaN-fill so an output value the network forgets to write cannot pass. */
            memset(got, 0xff, (size_t)3 * h * s * w * s * sizeof(*got));
            if ((ret = resr_network_forward(net, &tin, &tout)) < 0) {
                fail(tile_name, "resr_network_forward: %s", strerror(-ret));
                ok = 0;
            } else if (compare(tile_name, got, ref, 3, h * s, w * s) < 0) {
                ok = 0;
            }
        }
        free(in);
        free(got);
        free(ref);
    }
    if (ok)
        resr_test_pass(name);
end:
    resr_network_free(&net);
}

static void test_contract_errors(void)
{
    const ResrSyntheticShape shape = { .arch = RESR_ARCH_RRDBNET, .scale = 2, .num_feat = 8, .num_grow_ch = 4, .num_block = 0 };
    const char *name = "network_contract_errors";
    ResrModel *model = NULL;
    ResrNetwork *net = NULL;
    float in[3 * 6 * 6], out[3 * 12 * 12];
    ResrRgbTile tin, tout;
    int ret;

    if ((ret = resr_synthetic_model_create(&model, &shape, 7)) < 0 ||
        (ret = resr_network_create(&net, model, 1)) < 0) {
        fail(name, "setup: %s", strerror(-ret));
        goto end;
    }
    if ((ret = resr_network_plan(net, 5, 4)) != -EINVAL) {
        fail(name, "plan with width not a multiple of unshuffle returned %d", ret);
        goto end;
    }
    if ((ret = resr_network_plan(net, 4, 4)) < 0) {
        fail(name, "plan(4, 4): %s", strerror(-ret));
        goto end;
    }
    tin = planar_tile(in, 6, 6), tout = planar_tile(out, 12, 12);
    if ((ret = resr_network_forward(net, &tin, &tout)) != -EINVAL) {
        fail(name, "a tile larger than the plan returned %d", ret);
        goto end;
    }
    tin = planar_tile(in, 3, 4), tout = planar_tile(out, 6, 8);
    if ((ret = resr_network_forward(net, &tin, &tout)) != -EINVAL) {
        fail(name, "a width not a multiple of unshuffle returned %d", ret);
        goto end;
    }
    tin = planar_tile(in, 4, 4), tout = planar_tile(out, 4, 4);
    if ((ret = resr_network_forward(net, &tin, &tout)) != -EINVAL) {
        fail(name, "a wrong output size returned %d", ret);
        goto end;
    }
    resr_test_pass(name);
end:
    resr_network_free(&net);
    resr_synthetic_model_free(&model);
}

int main(void)
{
    /*
     * SRVGG: any size; RRDBNet: multiples of unshuffle = 4 / scale. Tiles run in turn on
     * one network (halos re-zeroed for each size); RRDBNet x4 tiles of 9+ rows span more
     * than one 32-row strip of the 4x tail.
     */
    static const Case cases[] = {
        { "srvgg_f8_c2_x2",   { .arch = RESR_ARCH_SRVGG, .scale = 2, .num_feat = 8, .num_conv = 2 }, { { 13, 11 }, { 1, 1 }, { 2, 3 } } },
        { "srvgg_f16_c3_x3",  { .arch = RESR_ARCH_SRVGG, .scale = 3, .num_feat = 16, .num_conv = 3 }, { { 17, 9 }, { 2, 3 } } },
        { "srvgg_f24_c2_x4",  { .arch = RESR_ARCH_SRVGG, .scale = 4, .num_feat = 24, .num_conv = 2 }, { { 13, 11 }, { 7, 1 } } },
        { "srvgg_f64_c4_x4",  { .arch = RESR_ARCH_SRVGG, .scale = 4, .num_feat = 64, .num_conv = 4 }, { { 17, 9 }, { 1, 1 }, { 13, 11 } } },
        { "srvgg_f64_c3_x2",  { .arch = RESR_ARCH_SRVGG, .scale = 2, .num_feat = 64, .num_conv = 3 }, { { 20, 14 } } },
        { "rrdb_x4_f16_g8_b1",  { .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 16, .num_grow_ch = 8, .num_block = 1 }, { { 13, 11 }, { 1, 1 }, { 2, 3 }, { 5, 21 } } },
        { "rrdb_x4_f64_g32_b1", { .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 64, .num_grow_ch = 32, .num_block = 1 }, { { 9, 7 }, { 17, 9 } } },
        { "rrdb_x4_f24_g12_b2", { .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 24, .num_grow_ch = 12, .num_block = 2 }, { { 8, 5 } } },
        { "rrdb_x2_f32_g16_b2", { .arch = RESR_ARCH_RRDBNET, .scale = 2, .num_feat = 32, .num_grow_ch = 16, .num_block = 2 }, { { 14, 10 }, { 2, 2 } } },
        { "rrdb_x2_f64_g32_b1", { .arch = RESR_ARCH_RRDBNET, .scale = 2, .num_feat = 64, .num_grow_ch = 32, .num_block = 1 }, { { 18, 12 } } },
        { "rrdb_x1_f16_g8_b1",  { .arch = RESR_ARCH_RRDBNET, .scale = 1, .num_feat = 16, .num_grow_ch = 8, .num_block = 1 }, { { 12, 8 }, { 4, 4 } } },
        { "rrdb_x1_f32_g32_b2", { .arch = RESR_ARCH_RRDBNET, .scale = 1, .num_feat = 32, .num_grow_ch = 32, .num_block = 2 }, { { 16, 12 } } },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ResrModel *model = NULL;
        int ret = resr_synthetic_model_create(&model, &cases[i].shape, (uint32_t)i + 1);
        if (ret < 0) {
            fail(cases[i].label, "resr_synthetic_model_create: %s", strerror(-ret));
            continue;
        }
        for (int portable = 0; portable <= 1; portable++)
            for (int threads = 1; threads <= 2; threads++)
                run_case(&cases[i], model, threads, portable);
        resr_synthetic_model_free(&model);
    }
    test_contract_errors();
    return resr_test_exit();
}
