/*
 * Drawing the degradation's stages (pipeline.h). The preset's numbers are those of
 * Real-ESRGAN's options/train_realesrgan_x4plus.yml (x2plus.yml has the same degradation
 * settings, scale 2); the draws follow realesrgan/data/realesrgan_dataset.py (kernels) and
 * realesrgan/models/realesrgan_model.py (the two orders, the final resize + sinc and JPEG
 * in random order). The random streams differ from NumPy's and PyTorch's, so the values
 * drawn for a seed are ours; their distributions are the training code's.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pipeline.h"
#include "rng.h"

/* The settings of one degradation order. */
typedef struct OrderParams {
    double blur_prob;          /* order 1: always; order 2: second_blur_prob */
    double kernel_prob[6];     /* iso, aniso, generalized_iso/aniso, plateau_iso/aniso */
    double sinc_prob;
    double blur_sigma[2], betag[2], betap[2];
    double resize_prob[3];     /* up, down, keep */
    double resize_range[2];
    double gaussian_noise_prob;
    double noise_range[2], poisson_scale_range[2];
    double gray_noise_prob;
    double jpeg_range[2];
} OrderParams;

typedef struct PresetParams {
    OrderParams order[2];
    double final_sinc_prob;
} PresetParams;

static const PresetParams x4plus = {
    .order = {
        { 1.0, { 0.45, 0.25, 0.12, 0.03, 0.12, 0.03 }, 0.1, { 0.2, 3.0 }, { 0.5, 4.0 }, { 1.0, 2.0 },
          { 0.2, 0.7, 0.1 }, { 0.15, 1.5 }, 0.5, { 1.0, 30.0 }, { 0.05, 3.0 }, 0.4, { 30.0, 95.0 } },
        { 0.8, { 0.45, 0.25, 0.12, 0.03, 0.12, 0.03 }, 0.1, { 0.2, 1.5 }, { 0.5, 4.0 }, { 1.0, 2.0 },
          { 0.3, 0.4, 0.3 }, { 0.3, 1.2 }, 0.5, { 1.0, 25.0 }, { 0.05, 2.5 }, 0.4, { 30.0, 95.0 } },
    },
    .final_sinc_prob = 0.8,
};

static const char *const preset_names[RESR_PRESET_NB] = { "none", "x4plus", "x2plus" };

const char *resr_preset_name(ResrDegradePreset preset)
{
    return (unsigned)preset < RESR_PRESET_NB ? preset_names[preset] : "?";
}

const char *resr_degrade_check(const ResrDegradeOptions *o)
{
    if (o->scale != 1 && o->scale != 2 && o->scale != 4)
        return "scale must be 1, 2 or 4";
    if (o->blur_size < 1 || o->blur_size > RESR_KERNEL_MAX_SIZE || !(o->blur_size & 1))
        return "blur_size must be odd, from 1 to 63";
    if (o->blur > RESR_BLUR_NONE) {
        const ResrBlur b = { (ResrBlurType)o->blur, o->blur_size, o->sigma_x,
                             o->sigma_y > 0.0 ? o->sigma_y : o->sigma_x, o->theta, o->beta,
                             o->cutoff, 0 };
        const char *why = resr_blur_check(&b);
        if (why)
            return why;
    }
    if (o->noise == RESR_NOISE_GAUSSIAN && !(o->noise_sigma >= 0.0))
        return "noise_sigma must be >= 0";
    if (o->noise == RESR_NOISE_POISSON && !(o->poisson_scale >= 0.0))
        return "poisson_scale must be >= 0";
    if (o->jpeg > 100)
        return "jpeg quality must be 1..100 (0: none)";
    return NULL;
}

const char *resr_degrade_check_size(const ResrDegradeOptions *o, int w, int h)
{
    if (w < o->scale || h < o->scale)
        return "the input is smaller than scale pixels";
    return NULL;
}

/* ---- drawing ----------------------------------------------------------------------------- */

/* BasicSR's beta draw: below or above 1 with equal probability */
static double draw_beta(ResrRng *r, const double range[2])
{
    return resr_rng_uniform(r) < 0.5 ? resr_rng_range(r, range[0], 1.0)
                                     : resr_rng_range(r, 1.0, range[1]);
}

/* kernel_range: 7, 9, ..., 21 */
static int draw_kernel_size(ResrRng *r)
{
    return 7 + 2 * (int)(resr_rng_uniform(r) * 8);
}

/* One order's kernel, as realesrgan_dataset.py: sinc with sinc_prob, else mixed kernels. */
static ResrBlur draw_kernel(ResrRng *r, const OrderParams *op)
{
    ResrBlur b = { 0 };
    b.size = draw_kernel_size(r);
    if (resr_rng_uniform(r) < op->sinc_prob) {
        b.type = RESR_BLUR_SINC;
        b.cutoff = b.size < 13 ? resr_rng_range(r, M_PI / 3, M_PI) : resr_rng_range(r, M_PI / 5, M_PI);
        return b;
    }
    b.type = (ResrBlurType)(RESR_BLUR_ISO + resr_rng_choice(r, op->kernel_prob, 6));
    b.sigma_x = resr_rng_range(r, op->blur_sigma[0], op->blur_sigma[1]);
    b.sigma_y = b.sigma_x;
    if (b.type == RESR_BLUR_ANISO || b.type == RESR_BLUR_GENERALIZED_ANISO ||
        b.type == RESR_BLUR_PLATEAU_ANISO) {
        b.sigma_y = resr_rng_range(r, op->blur_sigma[0], op->blur_sigma[1]);
        b.theta = resr_rng_range(r, -M_PI, M_PI);
    }
    if (b.type == RESR_BLUR_GENERALIZED_ISO || b.type == RESR_BLUR_GENERALIZED_ANISO)
        b.beta = draw_beta(r, op->betag);
    else if (b.type == RESR_BLUR_PLATEAU_ISO || b.type == RESR_BLUR_PLATEAU_ANISO)
        b.beta = draw_beta(r, op->betap);
    return b;
}

static ResrBlur option_kernel(const ResrDegradeOptions *o)
{
    const ResrBlur b = { (ResrBlurType)o->blur, o->blur_size, o->sigma_x,
                         o->sigma_y > 0.0 ? o->sigma_y : o->sigma_x, o->theta, o->beta,
                         o->cutoff, 0 };
    return b;
}

static void add_stage(ResrDegradePlan *p, const ResrStage *s)
{
    if (p->nb_stages < RESR_DEGRADE_MAX_STAGES)
        p->stage[p->nb_stages++] = *s;
}

static void add_blur(ResrDegradePlan *p, const ResrBlur *b)
{
    ResrStage s = { .kind = RESR_STAGE_BLUR, .blur = *b };
    if (b->type != RESR_BLUR_NONE)
        add_stage(p, &s);
}

/* a resize to w x h (nothing when the size stays) */
static void add_resize(ResrDegradePlan *p, ResrResizeMode mode, int w, int h, double factor)
{
    ResrStage s = { .kind = RESR_STAGE_RESIZE, .mode = mode, .out_w = w, .out_h = h,
                    .scale_factor = factor };
    if (w != p->out_w || h != p->out_h)
        add_stage(p, &s);
    p->out_w = w;
    p->out_h = h;
}

static void add_jpeg(ResrDegradePlan *p, int quality)
{
    ResrStage s = { .kind = RESR_STAGE_JPEG, .quality = quality };
    if (quality > 0)
        add_stage(p, &s);
}

static ResrResizeMode draw_mode(ResrRng *r, const ResrDegradeOptions *o)
{
    const ResrResizeMode m = (ResrResizeMode)(int)(resr_rng_uniform(r) * 3);
    return o->resize_mode >= 0 ? (ResrResizeMode)o->resize_mode : m;
}

/* up, down or keep, then the factor (realesrgan_model.py) */
static double draw_resize_factor(ResrRng *r, const OrderParams *op, const ResrDegradeOptions *o)
{
    const int updown = resr_rng_choice(r, op->resize_prob, 3);
    double f = 1.0;
    if (updown == 0)
        f = resr_rng_range(r, 1.0, op->resize_range[1]);
    else if (updown == 1)
        f = resr_rng_range(r, op->resize_range[0], 1.0);
    return o->resize > 0.0 ? o->resize : f;
}

static ResrNoise draw_noise(ResrRng *r, const OrderParams *op, const ResrDegradeOptions *o)
{
    ResrNoise n = { 0 };
    const int gaussian = resr_rng_uniform(r) < op->gaussian_noise_prob;
    n.sigma = resr_rng_range(r, op->noise_range[0], op->noise_range[1]);
    n.scale = resr_rng_range(r, op->poisson_scale_range[0], op->poisson_scale_range[1]);
    n.gray = resr_rng_uniform(r) < op->gray_noise_prob;
    n.key = resr_rng_next(r);
    n.type = gaussian ? RESR_NOISE_GAUSSIAN : RESR_NOISE_POISSON;
    if (o->noise >= 0) {
        n.type = (ResrNoiseType)o->noise;
        n.sigma = o->noise_sigma;
        n.scale = o->poisson_scale;
    }
    if (o->gray_noise >= 0)
        n.gray = o->gray_noise;
    return n;
}

static void add_noise(ResrDegradePlan *p, const ResrNoise *n)
{
    ResrStage s = { .kind = RESR_STAGE_NOISE, .noise = *n };
    if (n->type != RESR_NOISE_NONE)
        add_stage(p, &s);
}

static int draw_quality(ResrRng *r, const OrderParams *op, const ResrDegradeOptions *o)
{
    const int q = (int)lrint(resr_rng_range(r, op->jpeg_range[0], op->jpeg_range[1]));
    return o->jpeg >= 0 ? o->jpeg : q;
}

/* The two orders, then resize + sinc and JPEG in random order (realesrgan_model.py). */
static void draw_preset(ResrDegradePlan *p, const PresetParams *pp, const ResrDegradeOptions *o,
                        ResrRng *r, int w, int h)
{
    const int lw = w / o->scale, lh = h / o->scale;
    ResrBlur k[2], sinc = { 0 };

    for (int i = 0; i < 2; i++)
        k[i] = o->blur >= 0 ? option_kernel(o) : draw_kernel(r, &pp->order[i]);
    if (resr_rng_uniform(r) < pp->final_sinc_prob) {
        sinc.type = RESR_BLUR_SINC;
        sinc.size = draw_kernel_size(r);
        sinc.cutoff = resr_rng_range(r, M_PI / 3, M_PI);
    }

    for (int i = 0; i < 2; i++) {
        const OrderParams *op = &pp->order[i];
        if (resr_rng_uniform(r) < op->blur_prob)
            add_blur(p, &k[i]);
        const double f = draw_resize_factor(r, op, o);
        const ResrResizeMode mode = draw_mode(r, o);
        if (i == 0)
            add_resize(p, mode, resr_resize_scaled_size(w, f), resr_resize_scaled_size(h, f), f);
        else
            add_resize(p, mode, (int)fmax(1.0, (double)w / o->scale * f),
                       (int)fmax(1.0, (double)h / o->scale * f), 0.0);
        const ResrNoise n = draw_noise(r, op, o);
        add_noise(p, &n);
        const int q = draw_quality(r, op, o);
        if (i == 0)
            add_jpeg(p, q);
        else if (resr_rng_uniform(r) < 0.5) {
            add_resize(p, draw_mode(r, o), lw, lh, 0.0);
            add_blur(p, &sinc);
            add_jpeg(p, q);
        } else {
            add_jpeg(p, q);
            add_resize(p, draw_mode(r, o), lw, lh, 0.0);
            add_blur(p, &sinc);
        }
    }
}

/* preset none: blur, resize, noise, JPEG as set, then the resize to 1/scale. */
static void draw_single(ResrDegradePlan *p, const ResrDegradeOptions *o, ResrRng *r, int w, int h)
{
    const ResrResizeMode mode = o->resize_mode >= 0 ? (ResrResizeMode)o->resize_mode : RESR_RESIZE_BICUBIC;

    if (o->blur > RESR_BLUR_NONE) {
        const ResrBlur b = option_kernel(o);
        add_blur(p, &b);
    }
    if (o->resize > 0.0)
        add_resize(p, mode, resr_resize_scaled_size(w, o->resize),
                   resr_resize_scaled_size(h, o->resize), o->resize);
    if (o->noise > RESR_NOISE_NONE) {
        const ResrNoise n = { (ResrNoiseType)o->noise, o->noise_sigma, o->poisson_scale,
                              o->gray_noise > 0, resr_rng_next(r) };
        add_noise(p, &n);
    }
    if (o->jpeg > 0)
        add_jpeg(p, o->jpeg);
    add_resize(p, mode, w / o->scale, h / o->scale, 0.0);
}

void resr_degrade_draw(ResrDegradePlan *p, const ResrDegradeOptions *o, uint64_t seed,
                       int64_t frame_index, int w, int h)
{
    ResrRng r = resr_rng_frame(seed, frame_index);

    memset(p, 0, sizeof(*p));
    p->out_w = w;
    p->out_h = h;
    if (o->preset == RESR_PRESET_NONE)
        draw_single(p, o, &r, w, h);
    else
        draw_preset(p, &x4plus, o, &r, w, h);
}

/* ---- description ------------------------------------------------------------------------- */

static int describe_stage(const ResrStage *s, char *buf, size_t size)
{
    const ResrBlur *b = &s->blur;
    const ResrNoise *n = &s->noise;
    switch (s->kind) {
    case RESR_STAGE_BLUR:
        if (b->type == RESR_BLUR_SINC)
            return snprintf(buf, size, "blur=sinc size=%d cutoff=%.6g", b->size, b->cutoff);
        return snprintf(buf, size, "blur=%s size=%d sigma_x=%.6g sigma_y=%.6g theta=%.6g beta=%.6g",
                        resr_blur_name(b->type), b->size, b->sigma_x, b->sigma_y, b->theta, b->beta);
    case RESR_STAGE_RESIZE:
        return snprintf(buf, size, "resize=%s %dx%d%s", resr_resize_name(s->mode), s->out_w,
                        s->out_h, s->scale_factor > 0.0 ? " (factor)" : "");
    case RESR_STAGE_NOISE:
        if (n->type == RESR_NOISE_GAUSSIAN)
            return snprintf(buf, size, "noise=gaussian sigma=%.6g gray=%d", n->sigma, n->gray);
        return snprintf(buf, size, "noise=poisson scale=%.6g gray=%d", n->scale, n->gray);
    default:
        return snprintf(buf, size, "jpeg=%d", s->quality);
    }
}

void resr_degrade_describe(const ResrDegradePlan *p, char *buf, size_t size)
{
    size_t used = 0;

    if (size)
        buf[0] = '\0';
    if (!p->nb_stages)
        snprintf(buf, size, "(no stage)");
    for (int i = 0; i < p->nb_stages && used + 1 < size; i++) {
        int n = snprintf(buf + used, size - used, "%s", i ? " | " : "");
        if (n > 0 && used + n < size)
            used += n;
        n = describe_stage(&p->stage[i], buf + used, size - used);
        if (n > 0)
            used = used + n < size ? used + n : size - 1;
    }
}
