/*
 * The reference network (tests/reference/reference_forward.c) and the fast network (network.c) against PyTorch:
 *  - tests/engine/data/<case>.npz: tiny random models run through torch ops by
 *    make_engine_vectors.py (float32 output computed in float64), covering x2/x3/x4 SRVGG,
 *    x4/x2/x1 RRDBNet, 1x1 and odd sizes that need the reflect pre-padding;
 *  - tests/golden/<name>.npz from tests/reference/make_goldens.py (float16 output computed in float64): the
 *    random-weight fixture checkpoints of tests/fixtures/, the official
 *    realesr-animevideov3 on crops of the sample images, and RealESRGAN_x4plus / anime_6B
 *    when tests/reference/fetch_x4plus.sh has put them in build/models/.
 * Checkpoints are read with resr_model_load, so this also checks the loader end to end.
 * The fast network needs sizes that are multiples of the unshuffle factor: its input is
 * reflect-padded here, as the tile planner does, and its output cropped.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "../../cpu/conv3x3.h"
#include "../../cpu/network.h"
#include "../../models/model.h"
#include "../common/npy.h"
#include "../common/synthetic_model.h"
#include "../common/test_util.h"
#include "../reference/reference_forward.h"

/* Against float32 torch vectors: fp32 vs fp64, a few ulps per layer. */
#define VEC_ATOL 1e-5f
#define VEC_RTOL 1e-4f
/* Against float16 goldens: their rounding is up to 2^-11 relative; twice that, plus fp32 noise. */
#define GOLD_ATOL 1e-4f
#define GOLD_RTOL 1e-3f

static int exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Mirror index into [0, n) without repeating the edge, any distance (as the tile reader). */
static int reflect_index(int i, int n)
{
    const int period = 2 * (n - 1);
    if (n == 1)
        return 0;
    i %= period;
    return i < n ? i : period - i;
}

/*
 * Runs the fast network on in ([3][h][w]) reflect-padded to a multiple of the unshuffle
 * factor, writes the cropped result to out ([3][h*s][w*s]). Returns 0 or a negative errno.
 */
static int network_forward_padded(const ResrModel *m, int threads, int portable,
                                  const float *in, int w, int h, float *out)
{
    const int u = resr_model_unshuffle(m), s = m->scale;
    const int pw = (w + u - 1) / u * u, ph = (h + u - 1) / u * u;
    float *pin = malloc((size_t)3 * pw * ph * sizeof(*pin));
    float *pout = malloc((size_t)3 * pw * s * ph * s * sizeof(*pout));
    ResrNetwork *net = NULL;
    int ret = -ENOMEM;

    if (!pin || !pout)
        goto end;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++)
                pin[((size_t)c * ph + y) * pw + x] =
                    in[((size_t)c * h + reflect_index(y, h)) * w + reflect_index(x, w)];

    resr_conv3x3_force_portable(portable);
    ret = resr_network_create(&net, m, threads);
    resr_conv3x3_force_portable(0);
    if (ret < 0 || (ret = resr_network_plan(net, pw, ph)) < 0)
        goto end;
    ResrRgbTile tin = { pin, pw, ph, pw, (ptrdiff_t)pw * ph };
    ResrRgbTile tout = { pout, pw * s, ph * s, pw * s, (ptrdiff_t)pw * s * ph * s };
    if ((ret = resr_network_forward(net, &tin, &tout)) < 0)
        goto end;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h * s; y++)
            memcpy(out + ((size_t)c * h * s + y) * w * s, pout + ((size_t)c * ph * s + y) * pw * s,
                   (size_t)w * s * sizeof(*out));
end:
    resr_network_free(&net);
    free(pin);
    free(pout);
    return ret;
}

/* float32 -> IEEE half bits, round to nearest even (what numpy's astype(float16) does). */
static uint16_t to_half(float f)
{
    uint32_t x, mant, half, rem, mid;
    int exp;

    memcpy(&x, &f, sizeof(x));
    const uint16_t sign = (x >> 16) & 0x8000;
    exp  = (int)((x >> 23) & 0xff) - 127 + 15;
    mant = x & 0x7fffff;
    if (((x >> 23) & 0xff) == 0xff)
        return sign | 0x7c00 | (mant ? 0x200 : 0);
    if (exp >= 31)
        return sign | 0x7c00;
    if (exp <= 0) {                     /* half subnormal: mant * 2^-24 */
        if (exp < -10)
            return sign;
        const int shift = 14 - exp;
        mant |= 0x800000;
        half = mant >> shift, rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    } else {
        half = (uint32_t)exp << 10 | mant >> 13, rem = mant & 0x1fff, mid = 0x1000;
    }
    if (rem > mid || (rem == mid && (half & 1)))
        half++;
    return sign | (uint16_t)half;
}

/*
 * PASS/FAIL case name, with a comment line giving the error's size against the tolerance
 * and, for float16 goldens (float64 results rounded), how many values round the same.
 */
static void check_close(const char *name, const float *got, const float *ref, size_t n,
                        float atol, float rtol, int f16_golden)
{
    double max_err = 0, max_ratio = 0;
    size_t same_half = 0;
    char why[512];

    for (size_t i = 0; i < n; i++) {
        const double err = fabs((double)got[i] - ref[i]);
        const double ratio = err / (atol + rtol * fabs((double)ref[i]));
        max_err = err > max_err ? err : max_err;
        max_ratio = ratio > max_ratio ? ratio : max_ratio;
        same_half += to_half(got[i]) == to_half(ref[i]);
    }
    if (f16_golden)
        printf("# %s: max |err| %.3g (%.0f%% of the tolerance); %.3f%% of %zu values round to the "
               "golden's float16\n", name, max_err, 100 * max_ratio, 100.0 * same_half / n, n);
    else
        printf("# %s: max |err| %.3g (%.0f%% of the tolerance)\n", name, max_err, 100 * max_ratio);
    resr_test_check(resr_test_allclose(got, ref, n, atol, rtol, why, sizeof(why)), name, "%s", why);
}

/* The checks every case runs: reference, then the fast network (AVX2 and portable). */
static void check_model_on(const char *name, const ResrModel *m, const ResrNpyArray *input,
                           const ResrNpyArray *expect, float atol, float rtol, int f16_golden)
{
    const int h = (int)input->shape[1], w = (int)input->shape[2], s = m->scale;
    const size_t n = (size_t)3 * h * s * w * s;
    float *got = malloc(n * sizeof(*got));
    char case_name[256];
    int ret;

    if (input->ndim != 3 || input->shape[0] != 3 || expect->ndim != 3 || expect->count != n) {
        resr_test_fail(name, "input/output shapes do not match the model's scale %d", s);
        free(got);
        return;
    }
    if (!got) {
        resr_test_fail(name, "out of memory");
        return;
    }

    snprintf(case_name, sizeof(case_name), "reference_%s", name);
    if ((ret = resr_reference_forward(m, input->data, w, h, got)) < 0)
        resr_test_fail(case_name, "resr_reference_forward: %s", strerror(-ret));
    else
        check_close(case_name, got, expect->data, n, atol, rtol, f16_golden);

    for (int portable = 0; portable <= 1; portable++) {
        snprintf(case_name, sizeof(case_name), "network_%s_%s", portable ? "portable" : "avx2", name);
        if (!portable && !resr_conv3x3_have_avx2()) {
            resr_test_skip(case_name, "CPU has no AVX2+FMA");
            continue;
        }
        memset(got, 0xff, n * sizeof(*got));
        if ((ret = network_forward_padded(m, 2, portable, input->data, w, h, got)) < 0)
            resr_test_fail(case_name, "network: %s", strerror(-ret));
        else
            check_close(case_name, got, expect->data, n, atol, rtol, f16_golden);
    }
    free(got);
}

/* ----------------------------------------------------------------------------------------
 * torch vectors: the model is in the .npz under its checkpoint names
 */

/* Copies npz array key (count floats) into dst, which the synthetic model owns. */
static int fill_param(const ResrNpz *npz, const char *key, const float *dst, size_t count,
                      char *err, size_t err_size)
{
    ResrNpyArray a;
    int ret = resr_npz_read_f32(npz, key, &a, err, err_size);
    if (ret < 0)
        return ret;
    if (a.count != count) {
        snprintf(err, err_size, "%s has %zu values, the model wants %zu", key, a.count, count);
        resr_npy_free(&a);
        return -EINVAL;
    }
    memcpy((float *)dst, a.data, count * sizeof(float));
    resr_npy_free(&a);
    return 0;
}

static int model_from_vector(ResrModel **out, const ResrNpz *npz, char *err, size_t err_size)
{
    ResrNpyArray meta;
    ResrSyntheticShape shape;
    ResrModel *m = NULL;
    char key[96];
    int ret;

    if ((ret = resr_npz_read(npz, "meta", &meta, err, err_size)) < 0)
        return ret;
    if (meta.dtype != RESR_NPY_U16 || meta.count != 6) {
        snprintf(err, err_size, "meta is not uint16[6]");
        resr_npy_free(&meta);
        return -EINVAL;
    }
    const uint16_t *v = meta.data;
    shape = (ResrSyntheticShape){ .arch = v[0] == 1 ? RESR_ARCH_RRDBNET : RESR_ARCH_SRVGG,
                                  .scale = v[1], .num_feat = v[2], .num_grow_ch = v[3],
                                  .num_block = v[4], .num_conv = v[5] };
    resr_npy_free(&meta);
    if ((ret = resr_synthetic_model_create(&m, &shape, 0)) < 0) {
        snprintf(err, err_size, "cannot build the model: %s", strerror(-ret));
        return ret;
    }
    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        snprintf(key, sizeof(key), "%s.weight", c->name);
        if ((ret = fill_param(npz, key, c->weight, (size_t)c->out_channels * c->in_channels * 9,
                              err, err_size)) < 0)
            goto fail;
        snprintf(key, sizeof(key), "%s.bias", c->name);
        if ((ret = fill_param(npz, key, c->bias, c->out_channels, err, err_size)) < 0)
            goto fail;
        if (c->activation == RESR_ACT_PRELU) {
            /* SRVGG: conv body.N is followed by PReLU body.(N+1) */
            snprintf(key, sizeof(key), "body.%d.weight", atoi(c->name + 5) + 1);
            if ((ret = fill_param(npz, key, c->prelu_slope, c->out_channels, err, err_size)) < 0)
                goto fail;
        }
    }
    *out = m;
    return 0;
fail:
    resr_synthetic_model_free(&m);
    return ret;
}

static void test_vector(const char *name)
{
    char path[256], err[256];
    ResrNpz npz;
    ResrNpyArray input = { 0 }, output = { 0 };
    ResrModel *m = NULL;
    int ret;

    snprintf(path, sizeof(path), "tests/engine/data/%s.npz", name);
    if ((ret = resr_npz_open(&npz, path, err, sizeof(err))) < 0) {
        resr_test_fail(name, "%s (regenerate with tests/engine/make_engine_vectors.py)", err);
        return;
    }
    if ((ret = model_from_vector(&m, &npz, err, sizeof(err))) < 0 ||
        (ret = resr_npz_read_f32(&npz, "input", &input, err, sizeof(err))) < 0 ||
        (ret = resr_npz_read_f32(&npz, "output", &output, err, sizeof(err))) < 0)
        resr_test_fail(name, "%s: %s", path, err);
    else
        check_model_on(name, m, &input, &output, VEC_ATOL, VEC_RTOL, 0);
    resr_npy_free(&input);
    resr_npy_free(&output);
    resr_synthetic_model_free(&m);
    resr_npz_close(&npz);
}

/* ----------------------------------------------------------------------------------------
 * goldens: the model is a checkpoint file
 */

static void test_golden(const char *golden, const char *model_path)
{
    char path[512], err[256];
    ResrNpz npz;
    ResrNpyArray input = { 0 }, output = { 0 };
    ResrModel *m = NULL;
    int ret;

    snprintf(path, sizeof(path), "tests/golden/%s.npz", golden);
    if (!exists(model_path)) {
        resr_test_skip_data(golden, "%s not found", model_path);
        return;
    }
    if ((ret = resr_model_load(&m, model_path, err, sizeof(err))) < 0) {
        resr_test_fail(golden, "resr_model_load: %s", err);
        return;
    }
    if ((ret = resr_npz_open(&npz, path, err, sizeof(err))) < 0) {
        resr_test_fail(golden, "%s", err);
        resr_model_free(&m);
        return;
    }
    if ((ret = resr_npz_read_f32(&npz, "input", &input, err, sizeof(err))) < 0 ||
        (ret = resr_npz_read_f32(&npz, "output", &output, err, sizeof(err))) < 0)
        resr_test_fail(golden, "%s: %s", path, err);
    else
        check_model_on(golden, m, &input, &output, GOLD_ATOL, GOLD_RTOL, 1);
    resr_npy_free(&input);
    resr_npy_free(&output);
    resr_npz_close(&npz);
    resr_model_free(&m);
}

/*
 * The checkpoint a golden was made with: goldens are named <model>_<what>.npz, <model> a
 * fixture in tests/fixtures/, animevideov3 (the official weights in ../shared/models/) or
 * an x4plus model fetched into build/models/ by tests/reference/fetch_x4plus.sh.
 */
static int golden_model(const char *golden, char *path, size_t path_size)
{
    char prefix[200];
    size_t len = strlen(golden);

    if (len >= sizeof(prefix))
        return 0;
    while (len > 0) {
        while (len > 0 && golden[len] != '_')
            len--;
        if (len == 0)
            break;
        memcpy(prefix, golden, len);
        prefix[len] = 0;
        snprintf(path, path_size, "tests/fixtures/%s.pth", prefix);
        if (exists(path))
            return 1;
        if (!strcmp(prefix, "animevideov3")) {
            const char *shared = getenv("RESR_SHARED_MODELS");
            snprintf(path, path_size, "%s/realesr-animevideov3.pth", shared ? shared : "../shared/models");
            return 1;
        }
        if (!strcmp(prefix, "realesrgan-x4plus") || !strcmp(prefix, "realesrgan-x4plus-anime")) {
            snprintf(path, path_size, "build/models/%s.safetensors", prefix);
            return 1;
        }
        len--;
    }
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every tests/golden/<name>.npz, sorted; returns the count (names malloc'd into *out). */
static int list_goldens(char ***out)
{
    DIR *dir = opendir("tests/golden");
    struct dirent *e;
    char **names = NULL;
    int n = 0, cap = 0;

    *out = NULL;
    if (!dir)
        return 0;
    while ((e = readdir(dir))) {
        const size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".npz"))
            continue;
        if (n == cap) {
            char **grown = realloc(names, (cap = cap ? 2 * cap : 32) * sizeof(*names));
            if (!grown)
                break;
            names = grown;
        }
        if (!(names[n] = malloc(len - 3)))
            break;
        memcpy(names[n], e->d_name, len - 4);
        names[n++][len - 4] = 0;
    }
    closedir(dir);
    qsort(names, n, sizeof(*names), compare_names);
    *out = names;
    return n;
}

int main(void)
{
    static const char *vectors[] = {
        "srvgg_x4_f8_c2_7x5", "srvgg_x3_f8_c1_4x3", "srvgg_x2_f16_c2_1x1",
        "rrdb_x4_f8_g4_b1_6x5", "rrdb_x2_f8_g4_b1_7x5", "rrdb_x2_f8_g4_b1_3x2",
        "rrdb_x1_f8_g4_b1_6x5", "rrdb_x1_f8_g4_b1_8x4",
    };
    char **goldens, model[512];
    int count;

    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        test_vector(vectors[i]);

    count = list_goldens(&goldens);
    if (!count)
        resr_test_skip_data("goldens", "no tests/golden/*.npz (tests/reference/make_goldens.py writes them)");
    for (int i = 0; i < count; i++) {
        if (golden_model(goldens[i], model, sizeof(model)))
            test_golden(goldens[i], model);
        else
            resr_test_skip(goldens[i], "no model known for this golden");
        free(goldens[i]);
    }
    free(goldens);
    return resr_test_exit();
}
