/*
 * The degradation floor (degrade/) on its own: the random numbers (reproducible, the
 * distributions' moments), the kernels' normalisation and symmetry, the resize tables, the
 * presets' stage lists (every draw ends at input / scale), and the option checks. The
 * stages' values against independent formulas: tests/degrade/stages_e2e.sh.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "degrade/jpeg_tables.h"
#include "degrade/pipeline.h"
#include "degrade/rng.h"
#include "tests/common/test_util.h"

static void test_rng_reproducible(void)
{
    ResrRng a = resr_rng_frame(7, 3), b = resr_rng_frame(7, 3), c = resr_rng_frame(7, 4);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        const uint64_t x = resr_rng_next(&a), y = resr_rng_next(&b), z = resr_rng_next(&c);
        same &= x == y;
        differ += x != z;
    }
    resr_test_check(same && differ > 990, "rng_reproducible", "same %d, differ %d", same, differ);
}

/* mean and variance of n draws of one distribution */
static void moments(double (*draw)(ResrRng *, double), double arg, int n, double *mean, double *var)
{
    ResrRng r = resr_rng_frame(1, 0);
    double s = 0.0, s2 = 0.0;
    for (int i = 0; i < n; i++) {
        const double v = draw(&r, arg);
        s += v;
        s2 += v * v;
    }
    *mean = s / n;
    *var = s2 / n - *mean * *mean;
}

static double draw_normal(ResrRng *r, double unused)
{
    (void)unused;
    return resr_rng_normal(r);
}

static double draw_uniform(ResrRng *r, double unused)
{
    (void)unused;
    return resr_rng_uniform(r);
}

static void test_distributions(void)
{
    const int n = 200000;
    double m, v;
    char name[64];

    moments(draw_uniform, 0, n, &m, &v);
    resr_test_check(fabs(m - 0.5) < 0.005 && fabs(v - 1.0 / 12) < 0.002, "rng_uniform_moments",
                    "mean %g var %g", m, v);
    moments(draw_normal, 0, n, &m, &v);
    resr_test_check(fabs(m) < 0.01 && fabs(v - 1.0) < 0.02, "rng_normal_moments", "mean %g var %g", m, v);
    /* Poisson: mean = variance = lambda, on both sides of the PTRS switch at 10 */
    const double lambdas[] = { 0.3, 4.0, 9.5, 10.5, 57.0, 250.0 };
    for (int i = 0; i < 6; i++) {
        const double l = lambdas[i];
        moments(resr_rng_poisson, l, n, &m, &v);
        snprintf(name, sizeof(name), "rng_poisson_moments_%g", l);
        /* 5 standard errors of the mean; variance within 3 % */
        resr_test_check(fabs(m - l) < 5 * sqrt(l / n) && fabs(v - l) < 0.03 * l, name,
                        "lambda %g: mean %g var %g", l, m, v);
    }
}

static void test_kernels(void)
{
    float k[RESR_KERNEL_MAX_SIZE * RESR_KERNEL_MAX_SIZE];
    for (int t = RESR_BLUR_ISO; t < RESR_BLUR_NB; t++) {
        const ResrBlur b = { (ResrBlurType)t, 13, 2.1, 0.9, 0.5, 1.7, 1.3, 0 };
        const int side = resr_blur_kernel(&b, k);
        double sum = 0.0, asym = 0.0;
        for (int i = 0; i < side * side; i++) {
            sum += k[i];
            /* point symmetry: q(x, y) = q(-x, -y) */
            asym = fmax(asym, fabs(k[i] - k[side * side - 1 - i]));
        }
        char name[64];
        snprintf(name, sizeof(name), "kernel_%s_normalised", resr_blur_name((ResrBlurType)t));
        resr_test_check(fabs(sum - 1.0) < 1e-5 && asym < 1e-7 && !resr_blur_check(&b), name,
                        "sum %g, asymmetry %g", sum, asym);
    }
    const ResrBlur even = { RESR_BLUR_ISO, 20, 2, 2, 0, 1, 1, 0 };
    const ResrBlur neg = { RESR_BLUR_ANISO, 21, 2, -1, 0, 1, 1, 0 };
    resr_test_check(resr_blur_check(&even) && resr_blur_check(&neg), "kernel_checks",
                    "even size or negative sigma accepted");
}

static void test_resize_tables(void)
{
    const int sizes[][2] = { { 1, 1 }, { 1, 5 }, { 5, 1 }, { 7, 3 }, { 36, 13 }, { 13, 36 }, { 100, 7 } };
    int ok = 1;
    for (int m = 0; m < RESR_RESIZE_NB; m++)
        for (int s = 0; s < 7; s++) {
            ResrResizeAxis a;
            if (resr_resize_axis_init(&a, (ResrResizeMode)m, sizes[s][0], sizes[s][1], 0.0) < 0) {
                ok = 0;
                continue;
            }
            for (int i = 0; i < a.out; i++) {
                double sum = 0.0;
                for (int t = 0; t < a.taps; t++)
                    sum += a.weight[i * a.taps + t];
                ok &= fabs(sum - 1.0) < 1e-5 && a.first[i] >= 0 && a.first[i] + a.taps <= a.in;
            }
            resr_resize_axis_free(&a);
        }
    resr_test_check(ok, "resize_tables", "weights not summing to 1 or taps outside the input");
}

static ResrDegradeOptions defaults(int preset, int scale)
{
    const ResrDegradeOptions o = { preset, scale, -1, 21, 2.0, 0.0, 0.0, 1.0, 1.5, 0.0, -1, -1,
                                   10.0, 1.0, -1, -1 };
    return o;
}

/* Every drawn plan of a preset ends at the output size, with stages in range. */
static void test_presets(void)
{
    const int sizes[][2] = { { 4, 4 }, { 17, 5 }, { 64, 48 }, { 333, 211 } };
    int ok = 1, kinds[4] = { 0 };
    for (int p = RESR_PRESET_X4PLUS; p <= RESR_PRESET_X2PLUS; p++)
        for (int s = 0; s < 4; s++)
            for (int64_t f = 0; f < 300; f++) {
                const ResrDegradeOptions o = defaults(p, p == RESR_PRESET_X2PLUS ? 2 : 4);
                ResrDegradePlan plan;
                int w = sizes[s][0], h = sizes[s][1];
                resr_degrade_draw(&plan, &o, 99, f, w, h);
                for (int i = 0; i < plan.nb_stages; i++) {
                    const ResrStage *st = &plan.stage[i];
                    kinds[st->kind]++;
                    if (st->kind == RESR_STAGE_RESIZE) {
                        w = st->out_w;
                        h = st->out_h;
                        ok &= w >= 1 && h >= 1;
                    }
                    if (st->kind == RESR_STAGE_BLUR)
                        ok &= !resr_blur_check(&st->blur);
                    if (st->kind == RESR_STAGE_JPEG)
                        ok &= st->quality >= 30 && st->quality <= 95;
                }
                ok &= w == sizes[s][0] / o.scale && h == sizes[s][1] / o.scale;
            }
    resr_test_check(ok && kinds[0] && kinds[1] && kinds[2] && kinds[3], "preset_plans",
                    "a plan ends at the wrong size or has a stage out of range (blur %d resize %d noise %d jpeg %d)",
                    kinds[0], kinds[1], kinds[2], kinds[3]);

    ResrDegradeOptions o = defaults(RESR_PRESET_X4PLUS, 4);
    ResrDegradePlan a, b;
    resr_degrade_draw(&a, &o, 5, 12, 64, 64);
    resr_degrade_draw(&b, &o, 5, 12, 64, 64);
    resr_test_check(!memcmp(&a, &b, sizeof(a)), "preset_same_seed_same_plan", "plans differ");
    char da[1024], db[1024];
    resr_degrade_describe(&a, da, sizeof(da));
    resr_degrade_draw(&b, &o, 6, 12, 64, 64);
    resr_degrade_describe(&b, db, sizeof(db));
    resr_test_check(strcmp(da, db) != 0, "preset_other_seed_other_plan", "%s", da);
}

/*
 * The x4plus preset's draws against train_realesrgan_x4plus.yml, over many frames: per
 * frame 1 + 0.8 blur stages, of which 0.9 mixed kernels in the yml's proportions and 0.1
 * sinc, plus a final sinc with 0.8; half the noise stages Gaussian (sigma in [1, 30]), half
 * Poisson (scale in [0.05, 3]), 0.4 gray; JPEG quality in [30, 95].
 */
static void test_preset_distribution(void)
{
    const int n = 40000;
    const double kernel_prob[6] = { 0.45, 0.25, 0.12, 0.03, 0.12, 0.03 };
    double kinds[RESR_BLUR_NB] = { 0 }, noise = 0, gaussian = 0, gray = 0;
    int ranges_ok = 1;
    ResrDegradeOptions o = defaults(RESR_PRESET_X4PLUS, 4);

    for (int64_t f = 0; f < n; f++) {
        ResrDegradePlan p;
        resr_degrade_draw(&p, &o, 2024, f, 96, 96);
        for (int i = 0; i < p.nb_stages; i++) {
            const ResrStage *st = &p.stage[i];
            if (st->kind == RESR_STAGE_BLUR) {
                const ResrBlur *b = &st->blur;
                kinds[b->type]++;
                ranges_ok &= b->type == RESR_BLUR_SINC ? b->cutoff >= M_PI / 5 && b->cutoff <= M_PI
                                                       : b->sigma_x >= 0.2 && b->sigma_x <= 3.0;
                ranges_ok &= b->size >= 7 && b->size <= 21 && (b->size & 1);
            } else if (st->kind == RESR_STAGE_NOISE) {
                noise++;
                gaussian += st->noise.type == RESR_NOISE_GAUSSIAN;
                gray += st->noise.gray;
                ranges_ok &= st->noise.type == RESR_NOISE_GAUSSIAN
                                 ? st->noise.sigma >= 1.0 && st->noise.sigma <= 30.0
                                 : st->noise.scale >= 0.05 && st->noise.scale <= 3.0;
            }
        }
    }
    double mixed = 0;
    for (int t = RESR_BLUR_ISO; t <= RESR_BLUR_PLATEAU_ANISO; t++)
        mixed += kinds[t];
    /* expected per frame: mixed 1.8 * 0.9 = 1.62, sinc 1.8 * 0.1 + 0.8 = 0.98; two noise
     * stages; 4 standard errors of a binomial share as the tolerance */
    int ok = ranges_ok && fabs(mixed / n - 1.62) < 0.02 && fabs(kinds[RESR_BLUR_SINC] / n - 0.98) < 0.02 &&
             noise == 2.0 * n && fabs(gaussian / noise - 0.5) < 0.01 && fabs(gray / noise - 0.4) < 0.01;
    for (int t = 0; t < 6; t++)
        ok &= fabs(kinds[RESR_BLUR_ISO + t] / mixed - kernel_prob[t]) < 0.01;   /* the yml's list sums to 1 */
    resr_test_check(ok, "preset_x4plus_distribution",
                    "ranges %d; per frame: mixed %.3f (1.62), sinc %.3f (0.98); noise gaussian %.3f (0.5), "
                    "gray %.3f (0.4); iso %.3f (0.45) aniso %.3f (0.25) gen_iso %.3f (0.12) plateau_iso %.3f (0.12)",
                    ranges_ok, mixed / n, kinds[RESR_BLUR_SINC] / n, gaussian / noise, gray / noise,
                    kinds[RESR_BLUR_ISO] / mixed, kinds[RESR_BLUR_ANISO] / mixed,
                    kinds[RESR_BLUR_GENERALIZED_ISO] / mixed, kinds[RESR_BLUR_PLATEAU_ISO] / mixed);
}

static void test_option_checks(void)
{
    ResrDegradeOptions o = defaults(RESR_PRESET_X4PLUS, 3);
    const char *why = resr_degrade_check(&o);
    resr_test_check(why && strstr(why, "scale"), "check_scale3", "%s", why ? why : "accepted");
    o = defaults(RESR_PRESET_NONE, 4);
    o.blur_size = 20;
    why = resr_degrade_check(&o);
    resr_test_check(why && strstr(why, "blur_size"), "check_even_blur_size", "%s", why ? why : "accepted");
    o = defaults(RESR_PRESET_NONE, 4);
    o.blur = RESR_BLUR_ISO;
    o.sigma_x = -1.0;
    why = resr_degrade_check(&o);
    resr_test_check(why && strstr(why, "sigma"), "check_negative_sigma", "%s", why ? why : "accepted");
    o = defaults(RESR_PRESET_NONE, 4);
    why = resr_degrade_check_size(&o, 3, 9);
    resr_test_check(why != NULL, "check_input_smaller_than_scale", "3x9 at scale 4 accepted");
}

/* IJG scaling: quality 50 is Annex K itself, 100 all ones, 1 clamps at 255 */
static void test_jpeg_tables(void)
{
    uint16_t l[64], c[64];
    resr_jpeg_tables(50, l, c);
    int ok = l[0] == 16 && l[63] == 99 && c[0] == 17 && c[63] == 99;
    resr_jpeg_tables(100, l, c);
    for (int i = 0; i < 64; i++)
        ok &= l[i] == 1 && c[i] == 1;
    resr_jpeg_tables(1, l, c);
    ok &= l[0] == 255 && c[63] == 255;
    resr_jpeg_tables(75, l, c);
    ok &= l[0] == 8 && l[1] == 6;   /* (16*50+50)/100, (11*50+50)/100 */
    resr_test_check(ok, "jpeg_tables_ijg", "tables differ from the IJG scaling");
}

int main(void)
{
    test_rng_reproducible();
    test_distributions();
    test_kernels();
    test_resize_tables();
    test_presets();
    test_preset_distribution();
    test_option_checks();
    test_jpeg_tables();
    return resr_test_exit();
}
