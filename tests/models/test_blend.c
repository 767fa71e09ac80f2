/*
 * resr_model_blend, the official dni: against PyTorch running RealESRGANer.dni's loop
 * (tests/fixtures/srvgg_x4_dni0.3.pth from srvgg_x4.pth and srvgg_x4_b.pth, written by
 * tests/models/make_blend_fixtures.py), against a double-precision sum on synthetic
 * RRDBNets, through the reference network, and the refusals of models that cannot blend.
 *
 * usage: test_blend [FIXTURES_DIR]   (default tests/fixtures, from the repository root)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../models/model.h"
#include "../common/synthetic_model.h"
#include "../common/test_util.h"
#include "../reference/reference_forward.h"

static const char *fixtures = "tests/fixtures";

static ResrModel *load(const char *name)
{
    char path[1024], err[512];
    ResrModel *m = NULL;

    snprintf(path, sizeof(path), "%s/%s", fixtures, name);
    if (resr_model_load(&m, path, err, sizeof(err)) < 0)
        printf("# %s\n", err);
    return m;
}

/* every conv's weight, bias and slope: want[i] and got[i] within atol/rtol (0/0: equal) */
static int compare_models(const ResrModel *got, const ResrModel *want, float atol, float rtol,
                          char *why, size_t why_size)
{
    if (got->num_convs != want->num_convs) {
        snprintf(why, why_size, "%d convolutions, expected %d", got->num_convs, want->num_convs);
        return 0;
    }
    for (int i = 0; i < got->num_convs; i++) {
        const ResrConv3x3 *g = &got->convs[i], *w = &want->convs[i];
        const size_t nw = (size_t)w->out_channels * w->in_channels * 9;
        char detail[256];
        if (!resr_test_allclose(g->weight, w->weight, nw, atol, rtol, detail, sizeof(detail)) ||
            !resr_test_allclose(g->bias, w->bias, (size_t)w->out_channels, atol, rtol, detail,
                                sizeof(detail)) ||
            (w->prelu_slope && !resr_test_allclose(g->prelu_slope, w->prelu_slope,
                                                   (size_t)w->out_channels, atol, rtol, detail,
                                                   sizeof(detail)))) {
            snprintf(why, why_size, "%s: %s", w->name, detail);
            return 0;
        }
    }
    return 1;
}

/* the blend's own pointers: every tensor inside its arena, every hyper-parameter a's */
static int well_formed(const ResrModel *m, const ResrModel *a, char *why, size_t why_size)
{
    const float *lo = m->weights, *hi = m->weights + m->weights_count;

    if (m->arch != a->arch || m->scale != a->scale || m->num_feat != a->num_feat ||
        m->num_block != a->num_block || m->num_conv != a->num_conv ||
        m->unshuffle != a->unshuffle || m->num_params != a->num_params ||
        m->receptive_radius != a->receptive_radius) {
        snprintf(why, why_size, "hyper-parameters differ from the first model's");
        return 0;
    }
    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        const size_t nw = (size_t)c->out_channels * c->in_channels * 9;
        if (c->weight < lo || c->weight + nw > hi || c->bias < lo ||
            c->bias + c->out_channels > hi || (c->prelu_slope && (c->prelu_slope < lo ||
            c->prelu_slope + c->out_channels > hi)) || strcmp(c->name, a->convs[i].name) ||
            c->activation != a->convs[i].activation) {
            snprintf(why, why_size, "convolution %d ('%s') is not inside the blend's arena or "
                     "not the first model's", i, c->name);
            return 0;
        }
    }
    return 1;
}

static void test_against_torch(void)
{
    ResrModel *a = load("srvgg_x4.pth"), *b = load("srvgg_x4_b.pth");
    ResrModel *want = load("srvgg_x4_dni0.3.pth"), *got = NULL;
    char why[512];

    if (!a || !b || !want) {
        resr_test_fail("blend/torch_dni", "fixtures missing in %s (run /usr/bin/python3 "
                       "tests/models/make_blend_fixtures.py)", fixtures);
        goto done;
    }
    if (resr_model_blend(&got, a, b, 0.3f) < 0 || !got) {
        resr_test_fail("blend/torch_dni", "resr_model_blend failed");
        goto done;
    }
    /* same fp32 operations in the same order: no difference at all */
    resr_test_check(compare_models(got, want, 0.0f, 0.0f, why, sizeof(why)),
                    "blend/torch_dni_bit_exact", "%s", why);
    resr_test_check(well_formed(got, a, why, sizeof(why)), "blend/well_formed", "%s", why);

    /* the engines see the blend as any model: the reference network agrees on both */
    enum { W = 13, H = 11 };
    const size_t n_in = 3 * W * H, n_out = n_in * 16;
    float *in = malloc(n_in * sizeof(float)), *out_got = malloc(n_out * sizeof(float));
    float *out_want = malloc(n_out * sizeof(float));
    uint32_t state = 7;
    if (in && out_got && out_want) {
        for (size_t i = 0; i < n_in; i++)
            in[i] = resr_synthetic_uniform(&state, 0.0f, 1.0f);
        const int r1 = resr_reference_forward(got, in, W, H, out_got);
        const int r2 = resr_reference_forward(want, in, W, H, out_want);
        resr_test_check(r1 == 0 && r2 == 0 &&
                        resr_test_allclose(out_got, out_want, n_out, 0.0f, 0.0f, why, sizeof(why)),
                        "blend/network_output", "forward %d/%d: %s", r1, r2, why);
    } else {
        resr_test_fail("blend/network_output", "out of memory");
    }
    free(in);
    free(out_got);
    free(out_want);
done:
    resr_model_free(&a);
    resr_model_free(&b);
    resr_model_free(&want);
    resr_model_free(&got);
}

/* a copy of m whose arena holds the tensors in reverse order (the loader sorts by name) */
static ResrModel *reversed_copy(const ResrModel *m)
{
    ResrModel *r = calloc(1, sizeof(*r));
    float *at;

    if (!r)
        return NULL;
    *r = *m;
    r->convs = malloc((size_t)m->num_convs * sizeof(*r->convs));
    r->weights = malloc(m->weights_count * sizeof(float));
    if (!r->convs || !r->weights) {
        free(r->convs);
        free(r->weights);
        free(r);
        return NULL;
    }
    at = r->weights;
    for (int i = m->num_convs - 1; i >= 0; i--) {
        const ResrConv3x3 *c = &m->convs[i];
        const size_t nw = (size_t)c->out_channels * c->in_channels * 9;
        r->convs[i] = *c;
        if (c->prelu_slope) {
            r->convs[i].prelu_slope = memcpy(at, c->prelu_slope, c->out_channels * sizeof(float));
            at += c->out_channels;
        }
        r->convs[i].bias = memcpy(at, c->bias, c->out_channels * sizeof(float));
        at += c->out_channels;
        r->convs[i].weight = memcpy(at, c->weight, nw * sizeof(float));
        at += nw;
    }
    return r;
}

static void test_endpoints_and_layout(void)
{
    ResrModel *a = load("srvgg_x4.pth"), *b = load("srvgg_x4_b.pth");
    ResrModel *a_st = load("srvgg_x4.safetensors"), *m = NULL;
    ResrModel *a_rev = a ? reversed_copy(a) : NULL;
    char why[512];

    if (!a || !b || !a_st || !a_rev) {
        resr_test_fail("blend/endpoints", "fixtures missing in %s", fixtures);
        goto done;
    }
    resr_test_check(resr_model_blend(&m, a, b, 1.0f) == 0 &&
                    compare_models(m, a, 0.0f, 0.0f, why, sizeof(why)),
                    "blend/weight_1_is_a", "%s", why);
    resr_model_free(&m);
    resr_test_check(resr_model_blend(&m, a, b, 0.0f) == 0 &&
                    compare_models(m, b, 0.0f, 0.0f, why, sizeof(why)),
                    "blend/weight_0_is_b", "%s", why);
    resr_model_free(&m);
    /* the same values in another arena order: blending by arena offset would mix tensors */
    resr_test_check(resr_model_blend(&m, a, a_rev, 0.3f) == 0 &&
                    compare_models(m, a, 1e-7f, 1e-6f, why, sizeof(why)),
                    "blend/matches_by_convolution_not_arena", "%s", why);
    resr_model_free(&m);
    /* and from another file format (fp16 biases, bf16 slopes: the same values) */
    resr_test_check(resr_model_blend(&m, a, a_st, 0.3f) == 0 &&
                    compare_models(m, a, 1e-7f, 1e-6f, why, sizeof(why)),
                    "blend/pth_with_safetensors", "%s", why);
done:
    resr_model_free(&m);
    resr_model_free(&a_rev);
    resr_model_free(&a);
    resr_model_free(&b);
    resr_model_free(&a_st);
}

/* RRDBNet (LeakyReLU, no PReLU slopes) against the sum in double, rounded once */
static void test_rrdb_synthetic(void)
{
    const ResrSyntheticShape shape = { .arch = RESR_ARCH_RRDBNET, .scale = 2, .num_feat = 8,
                                       .num_grow_ch = 4, .num_block = 2 };
    ResrModel *a = NULL, *b = NULL, *m = NULL;
    const float w = 0.25f;
    char why[512] = "";
    int ok = 1;

    if (resr_synthetic_model_create(&a, &shape, 1) < 0 ||
        resr_synthetic_model_create(&b, &shape, 2) < 0 || resr_model_blend(&m, a, b, w) < 0) {
        resr_test_fail("blend/rrdb_synthetic", "setup or blend failed");
        goto done;
    }
    for (int i = 0; i < a->num_convs && ok; i++) {
        const ResrConv3x3 *ca = &a->convs[i], *cb = &b->convs[i], *cm = &m->convs[i];
        const size_t nw = (size_t)ca->out_channels * ca->in_channels * 9;
        for (size_t k = 0; k < nw && ok; k++) {
            const double ref = (double)w * ca->weight[k] + (1.0 - (double)w) * cb->weight[k];
            if (fabs(cm->weight[k] - ref) > 1e-7 + 1e-6 * fabs(ref)) {
                snprintf(why, sizeof(why), "%s weight[%zu]: %.9g, expected %.9g", ca->name, k,
                         (double)cm->weight[k], ref);
                ok = 0;
            }
        }
        for (int k = 0; k < ca->out_channels && ok; k++) {
            const double ref = (double)w * ca->bias[k] + (1.0 - (double)w) * cb->bias[k];
            if (fabs(cm->bias[k] - ref) > 1e-7 + 1e-6 * fabs(ref)) {
                snprintf(why, sizeof(why), "%s bias[%d]: %.9g, expected %.9g", ca->name, k,
                         (double)cm->bias[k], ref);
                ok = 0;
            }
        }
        if (ok && cm->prelu_slope) {
            snprintf(why, sizeof(why), "%s: a PReLU slope in an RRDBNet", ca->name);
            ok = 0;
        }
    }
    if (ok)
        ok = well_formed(m, a, why, sizeof(why));
    resr_test_check(ok, "blend/rrdb_synthetic", "%s", why);
done:
    resr_model_free(&m);
    resr_synthetic_model_free(&a);
    resr_synthetic_model_free(&b);
}

/* refused with -EINVAL, *out NULL, and the check naming the difference */
static void expect_refusal(const char *test, const ResrModel *a, const ResrModel *b, float w,
                           const char *message)
{
    ResrModel *m = (ResrModel *)(uintptr_t)1;   /* must be overwritten with NULL */
    char err[512] = "";
    const int ret = resr_model_blend(&m, a, b, w);
    const int check = resr_model_check_blendable(a, b, err, sizeof(err));

    if (ret != -EINVAL || m) {
        resr_test_fail(test, "returned %d with out %p, expected -EINVAL and NULL", ret, (void *)m);
        if (ret == 0 && m)
            resr_model_free(&m);
        return;
    }
    if (message && (check != -EINVAL || !strstr(err, message))) {
        resr_test_fail(test, "check returned %d '%s', expected '%s'", check, err, message);
        return;
    }
    resr_test_pass(test);
}

static void test_refusals(void)
{
    ResrModel *srvgg4 = load("srvgg_x4.pth"), *srvgg2 = load("srvgg_x2_f16.pth");
    ResrModel *rrdb4 = load("rrdb_x4.pth"), *rrdb2 = load("rrdb_x2_f16.pth");
    ResrModel *narrow = NULL;
    const ResrSyntheticShape narrow_shape = { .arch = RESR_ARCH_SRVGG, .scale = 4, .num_feat = 8,
                                              .num_conv = 4 };

    if (!srvgg4 || !srvgg2 || !rrdb4 || !rrdb2 ||
        resr_synthetic_model_create(&narrow, &narrow_shape, 3) < 0) {
        resr_test_fail("blend/refusals", "fixtures missing in %s", fixtures);
        goto done;
    }
    expect_refusal("blend/refuses_other_arch", srvgg4, rrdb4, 0.5f,
                   "different architectures (SRVGGNetCompact and RRDBNet)");
    expect_refusal("blend/refuses_other_scale", srvgg4, srvgg2, 0.5f,
                   "different scales (x4 and x2)");
    expect_refusal("blend/refuses_other_unshuffle", rrdb4, rrdb2, 0.5f,
                   "different scales (x4 and x2)");
    expect_refusal("blend/refuses_other_width", srvgg4, narrow, 0.5f,
                   "differ in shape (SRVGGNetCompact with num_feat 16");
    expect_refusal("blend/refuses_nan_weight", srvgg4, srvgg4, NAN, NULL);
    expect_refusal("blend/refuses_inf_weight", srvgg4, srvgg4, INFINITY, NULL);
    expect_refusal("blend/refuses_null_model", srvgg4, NULL, 0.5f, "missing model");
    resr_test_check(resr_model_blend(NULL, srvgg4, srvgg4, 0.5f) == -EINVAL,
                    "blend/refuses_null_out", "no -EINVAL");
done:
    resr_model_free(&srvgg4);
    resr_model_free(&srvgg2);
    resr_model_free(&rrdb4);
    resr_model_free(&rrdb2);
    resr_synthetic_model_free(&narrow);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixtures = argv[1];
    test_against_torch();
    test_endpoints_and_layout();
    test_rrdb_synthetic();
    test_refusals();
    return resr_test_exit();
}
