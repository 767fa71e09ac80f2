/*
 * models/flops.c: per-convolution sizes and FLOPs against sums written out by hand from the
 * architectures (brief: x4plus 35.9 MFLOP per input pixel, animevideov3 1.24), against
 * resr_model_flops_per_input_pixel, and the layer kinds of the per-layer tables.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../models/flops.h"
#include "../common/synthetic_model.h"
#include "../common/test_util.h"

/* multiply-adds per body pixel of one RRDB: 3 dense blocks of 5 convs, 3x3 taps */
static double rrdb_block_macs(int nf, int gc)
{
    double macs = 0.0;
    for (int k = 0; k < 4; k++)
        macs += 9.0 * (nf + k * gc) * gc;
    macs += 9.0 * (nf + 4 * gc) * nf;
    return 3.0 * macs;
}

static void check_rrdb(int scale, int nb, int w, int h)
{
    const ResrSyntheticShape shape = { .arch = RESR_ARCH_RRDBNET, .scale = scale, .num_feat = 64,
                                       .num_grow_ch = 32, .num_block = nb };
    const int u = 4 / scale, bw = w / u, bh = h / u;
    ResrModel *m = NULL;
    char name[64];

    snprintf(name, sizeof(name), "flops_rrdb_x%d_b%d_%dx%d", scale, nb, w, h);
    if (resr_synthetic_model_create(&m, &shape, 1) < 0) {
        resr_test_fail(name, "cannot create the model");
        return;
    }
    /* conv_first, the blocks and conv_body at the body size; up1 at 2x, up2, hr, last at 4x */
    const double body = (double)bw * bh;
    const double want = 2.0 * (9.0 * 3 * u * u * 64 * body + nb * rrdb_block_macs(64, 32) * body +
                               9.0 * 64 * 64 * body + 9.0 * 64 * 64 * 4 * body +
                               2 * 9.0 * 64 * 64 * 16 * body + 9.0 * 64 * 3 * 16 * body);
    const double got = resr_model_flops(m, w, h);
    const double per_pixel = resr_model_flops_per_input_pixel(m) * w * h;
    const ResrConvCost first = resr_model_conv_cost(m, 0, w, h);
    const ResrConvCost up1 = resr_model_conv_cost(m, resr_rrdb_tail_index(m, 1), w, h);
    const ResrConvCost last = resr_model_conv_cost(m, resr_rrdb_tail_index(m, 4), w, h);

    if (fabs(got - want) > 1e-9 * want)
        resr_test_fail(name, "total %.6g FLOP, by hand %.6g", got, want);
    else if (fabs(got - per_pixel) > 1e-9 * want)
        resr_test_fail(name, "total %.6g FLOP, resr_model_flops_per_input_pixel gives %.6g", got, per_pixel);
    else if (first.width != bw || first.height != bh || up1.width != 2 * bw || up1.height != 2 * bh ||
             last.width != w * scale || last.height != h * scale)
        resr_test_fail(name, "sizes: conv_first %dx%d, conv_up1 %dx%d, conv_last %dx%d", first.width,
                       first.height, up1.width, up1.height, last.width, last.height);
    else if (fabs(last.flops - 2.0 * 9 * 64 * 3 * last.width * last.height) > 0.5)
        resr_test_fail(name, "conv_last %.6g FLOP", last.flops);
    else if (strcmp(resr_model_conv_kind(m, 0), "conv_first") ||
             strcmp(resr_model_conv_kind(m, resr_rrdb_conv_index(nb - 1, 2, 4)), "rdb.conv5") ||
             strcmp(resr_model_conv_kind(m, resr_rrdb_conv_index(0, 1, 0)), "rdb.conv1") ||
             strcmp(resr_model_conv_kind(m, resr_rrdb_tail_index(m, 1)), "conv_up1") ||
             strcmp(resr_model_conv_kind(m, m->num_convs - 1), "conv_last"))
        resr_test_fail(name, "layer kinds: %s %s %s", resr_model_conv_kind(m, 0),
                       resr_model_conv_kind(m, resr_rrdb_conv_index(nb - 1, 2, 4)),
                       resr_model_conv_kind(m, m->num_convs - 1));
    else
        resr_test_pass(name);
    resr_synthetic_model_free(&m);
}

static void check_srvgg(int scale, int nc, int w, int h)
{
    const ResrSyntheticShape shape = { .arch = RESR_ARCH_SRVGG, .scale = scale, .num_feat = 64, .num_conv = nc };
    ResrModel *m = NULL;
    char name[64];

    snprintf(name, sizeof(name), "flops_srvgg_x%d_c%d_%dx%d", scale, nc, w, h);
    if (resr_synthetic_model_create(&m, &shape, 1) < 0) {
        resr_test_fail(name, "cannot create the model");
        return;
    }
    const double want = 2.0 * 9 * (3.0 * 64 + nc * 64.0 * 64 + 64.0 * 3 * scale * scale) * w * h;
    const double got = resr_model_flops(m, w, h);
    const ResrConvCost last = resr_model_conv_cost(m, m->num_convs - 1, w, h);

    if (fabs(got - want) > 1e-9 * want)
        resr_test_fail(name, "total %.6g FLOP, by hand %.6g", got, want);
    else if (fabs(got - resr_model_flops_per_input_pixel(m) * w * h) > 1e-9 * want)
        resr_test_fail(name, "total %.6g FLOP, resr_model_flops_per_input_pixel disagrees", got);
    else if (last.width != w || last.height != h)
        resr_test_fail(name, "last conv runs at %dx%d", last.width, last.height);
    else if (strcmp(resr_model_conv_kind(m, 0), "first") || strcmp(resr_model_conv_kind(m, 1), "body") ||
             strcmp(resr_model_conv_kind(m, nc), "body") || strcmp(resr_model_conv_kind(m, nc + 1), "last"))
        resr_test_fail(name, "layer kinds: %s %s %s", resr_model_conv_kind(m, 0), resr_model_conv_kind(m, nc),
                       resr_model_conv_kind(m, nc + 1));
    else
        resr_test_pass(name);
    resr_synthetic_model_free(&m);
}

int main(void)
{
    /* the brief's figures: x4plus 35.9 MFLOP per input pixel, animevideov3 1.24 */
    {
        const ResrSyntheticShape x4 = { .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 64,
                                        .num_grow_ch = 32, .num_block = 23 };
        const ResrSyntheticShape v3 = { .arch = RESR_ARCH_SRVGG, .scale = 4, .num_feat = 64, .num_conv = 16 };
        ResrModel *a = NULL, *b = NULL;
        if (resr_synthetic_model_create(&a, &x4, 1) < 0 || resr_synthetic_model_create(&b, &v3, 1) < 0) {
            resr_test_fail("flops_official_per_pixel", "cannot create the models");
        } else {
            const double fa = resr_model_flops(a, 64, 64) / (64.0 * 64) / 1e6;
            const double fb = resr_model_flops(b, 64, 64) / (64.0 * 64) / 1e6;
            if (fabs(fa - 35.9) > 0.05 || fabs(fb - 1.24) > 0.005)
                resr_test_fail("flops_official_per_pixel", "x4plus %.3f, animevideov3 %.4f MFLOP/pixel", fa, fb);
            else
                resr_test_pass("flops_official_per_pixel");
        }
        resr_synthetic_model_free(&a);
        resr_synthetic_model_free(&b);
    }
    check_rrdb(4, 23, 64, 48);
    check_rrdb(2, 23, 38, 22);
    check_rrdb(1, 6, 36, 20);
    check_srvgg(4, 16, 33, 17);
    check_srvgg(2, 32, 8, 5);
    return resr_test_exit();
}
