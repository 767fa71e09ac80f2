/*
 * The oneDNN convolution path (cpu/onednn.c) against the hand-written fp32 network on the
 * same synthetic models and tiles: RRDBNet x4/x2/x1 and SRVGG (PReLU), several tile sizes
 * on one network (the primitive cache), within fp32 rounding (atol + rtol, and PSNR >= 50 dB
 * over the output's range). Then the choices: bf16 refused on a CPU without AVX512-BF16/AMX
 * (on one with it: 30..90 dB against fp32 — a sanity floor, and a ceiling that fails if
 * oneDNN silently computed fp32; the bf16 PSNR on real images is measured elsewhere), bf16 refused on the hand-written path. Every case SKIPs in a build
 * without oneDNN. (tests/engine/backends.sh runs the whole network and engine tests on
 * both paths.)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cpu/network.h"
#include "../../cpu/onednn.h"
#include "../common/synthetic_model.h"
#include "../common/test_util.h"

#define ATOL 1e-5f
#define RTOL 1e-4f

typedef struct Case {
    const char *label;
    ResrSyntheticShape shape;
    int sizes[3][2];   /* tiles run in turn on one network */
} Case;

static const Case cases[] = {
    { "rrdb_x4", { RESR_ARCH_RRDBNET, 4, 16, 8, 2, 0 }, { { 12, 10 }, { 7, 5 }, { 12, 10 } } },
    { "rrdb_x2", { RESR_ARCH_RRDBNET, 2, 16, 8, 1, 0 }, { { 12, 10 }, { 6, 8 }, { 12, 10 } } },
    { "rrdb_x1", { RESR_ARCH_RRDBNET, 1, 16, 8, 1, 0 }, { { 16, 12 }, { 8, 4 }, { 16, 12 } } },
    { "srvgg_x4", { RESR_ARCH_SRVGG, 4, 16, 0, 0, 4 }, { { 20, 14 }, { 9, 7 }, { 20, 14 } } },
};

static float *random_image(size_t n, uint32_t seed)
{
    float *img = malloc(n * sizeof(*img));
    uint32_t state = seed * 747796405u + 2891336453u;
    for (size_t i = 0; img && i < n; i++)
        img[i] = resr_synthetic_uniform(&state, 0.0f, 1.0f);
    return img;
}

/* PSNR of got against ref over ref's range (max - min); -1 on a non-finite value. */
static double psnr(const float *got, const float *ref, size_t n)
{
    double lo = INFINITY, hi = -INFINITY, se = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = (double)got[i] - ref[i];
        if (!isfinite(got[i]) || !isfinite(ref[i]))
            return -1.0;
        lo = ref[i] < lo ? ref[i] : lo, hi = ref[i] > hi ? ref[i] : hi;
        se += d * d;
    }
    if (se == 0.0)
        return INFINITY;
    return 10.0 * log10((hi - lo) * (hi - lo) / (se / n));
}

/* One network on backend b, precision p, planned for the case's tiles; NULL on failure. */
static ResrNetwork *network(const ResrModel *m, const Case *c, ResrCpuBackend b, ResrPrecision p,
                            int *ret)
{
    ResrNetwork *net = NULL;
    if ((*ret = resr_network_create(&net, m, 2)) < 0 ||
        (*ret = resr_network_set_backend(net, b, p)) < 0 ||
        (*ret = resr_network_plan(net, c->sizes[0][0], c->sizes[0][1])) < 0)
        resr_network_free(&net);
    return net;
}

/* The case's tiles through both networks: out_a, out_b; 0 or a negative errno. */
static int run_tile(ResrNetwork *a, ResrNetwork *b, const ResrModel *m, int w, int h, uint32_t seed,
                    float *out_a, float *out_b)
{
    const int s = m->scale;
    float *in = random_image((size_t)3 * w * h, seed);
    ResrRgbTile tin = { in, w, h, w, (ptrdiff_t)w * h };
    ResrRgbTile ta = { out_a, w * s, h * s, w * s, (ptrdiff_t)w * s * h * s };
    ResrRgbTile tb = { out_b, w * s, h * s, w * s, (ptrdiff_t)w * s * h * s };
    int ret = in ? 0 : -ENOMEM;

    if (ret == 0 && (ret = resr_network_forward(a, &tin, &ta)) == 0)
        ret = resr_network_forward(b, &tin, &tb);
    free(in);
    return ret;
}

/*
 * min_psnr: the floor; max_psnr: the ceiling (bf16: below it, or oneDNN ignored the bf16 math
 * mode and computed fp32, which a bf16 CPU must show); exact: the atol + rtol check too.
 */
static void test_case(const Case *c, ResrPrecision precision, double min_psnr, double max_psnr,
                      int exact)
{
    ResrModel *m = NULL;
    ResrNetwork *native = NULL, *dnn = NULL;
    char name[128];
    int ret;

    snprintf(name, sizeof(name), "onednn_%s_vs_native_%s", resr_precision_name(precision), c->label);
    if ((ret = resr_synthetic_model_create(&m, &c->shape, 7)) < 0) {
        resr_test_fail(name, "synthetic model: %s", strerror(-ret));
        return;
    }
    if (!(native = network(m, c, RESR_CPU_BACKEND_NATIVE, RESR_PRECISION_FP32, &ret)) ||
        !(dnn = network(m, c, RESR_CPU_BACKEND_ONEDNN, precision, &ret))) {
        resr_test_fail(name, "creating the networks: %s", strerror(-ret));
        goto end;
    }
    for (int i = 0; i < 3; i++) {
        const int w = c->sizes[i][0], h = c->sizes[i][1], s = m->scale;
        const size_t n = (size_t)3 * w * s * h * s;
        float *ref = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
        char why[512], tile[160];
        double db;

        snprintf(tile, sizeof(tile), "%s_%dx%d", name, w, h);
        if (!ref || !got || (ret = run_tile(native, dnn, m, w, h, 100 + i, ref, got)) < 0) {
            resr_test_fail(tile, "forward: %s", strerror(ret < 0 ? -ret : ENOMEM));
        } else if ((db = psnr(got, ref, n)) < min_psnr) {
            resr_test_fail(tile, "PSNR %.2f dB < %.0f dB (or non-finite)", db, min_psnr);
        } else if (db > max_psnr) {
            resr_test_fail(tile, "PSNR %.2f dB > %.0f dB: not computed in %s", db, max_psnr,
                           resr_precision_name(precision));
        } else if (exact && !resr_test_allclose(got, ref, n, ATOL, RTOL, why, sizeof(why))) {
            resr_test_fail(tile, "%s", why);
        } else {
            printf("# %s: PSNR %.1f dB\n", tile, db);
            resr_test_pass(tile);
        }
        free(ref), free(got);
    }
end:
    resr_network_free(&native);
    resr_network_free(&dnn);
    resr_synthetic_model_free(&m);
}

/* bf16: refused cleanly where the CPU lacks it, and always on the hand-written path. */
static void test_bf16_choices(void)
{
    ResrModel *m = NULL;
    ResrNetwork *net = NULL;
    int ret;

    if (resr_synthetic_model_create(&m, &cases[3].shape, 7) < 0 || resr_network_create(&net, m, 1) < 0) {
        resr_test_fail("onednn_bf16_choices", "setup failed");
        goto end;
    }
    ret = resr_network_set_backend(net, RESR_CPU_BACKEND_NATIVE, RESR_PRECISION_BF16);
    resr_test_check(ret == -ENOTSUP, "native_bf16_refused", "got %d, want -ENOTSUP", ret);
    ret = resr_network_set_backend(net, RESR_CPU_BACKEND_ONEDNN, RESR_PRECISION_FP16);
    resr_test_check(ret == -EINVAL, "onednn_fp16_refused", "got %d, want -EINVAL", ret);
    if (!resr_onednn_have_bf16()) {
        const ResrCpuBackend before = resr_network_backend(net);
        ret = resr_network_set_backend(net, RESR_CPU_BACKEND_ONEDNN, RESR_PRECISION_BF16);
        resr_test_check(ret == -ENOTSUP && resr_network_backend(net) == before,
                        "onednn_bf16_refused_without_isa", "isa %s: got %d, want -ENOTSUP and the "
                        "network unchanged", resr_onednn_isa_name(), ret);
    }
end:
    resr_network_free(&net);
    resr_synthetic_model_free(&m);
}

int main(void)
{
    if (!resr_onednn_built()) {
        resr_test_skip("onednn", "built without oneDNN (./configure found none, or --disable-onednn)");
        return resr_test_exit();
    }
    printf("# oneDNN ISA: %s\n", resr_onednn_isa_name());
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        test_case(&cases[i], RESR_PRECISION_FP32, 50.0, INFINITY, 1);
    if (resr_onednn_have_bf16())
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            test_case(&cases[i], RESR_PRECISION_BF16, 30.0, 90.0, 0);
    else if (resr_onednn_isa_has_bf16())
        resr_test_skip("onednn_bf16_vs_native", "oneDNN ISA %s has bf16, but this oneDNN computes "
                       "fp32 under its bf16 math mode (probed): only the refusal is tested here",
                       resr_onednn_isa_name());
    else
        resr_test_skip("onednn_bf16_vs_native", "oneDNN ISA %s has no bf16 (AVX512-BF16, AMX): "
                       "only the refusal is tested here", resr_onednn_isa_name());
    test_bf16_choices();
    return resr_test_exit();
}
