/*
 * realesrgan_degrade: Real-ESRGAN's high-order degradation model (blur, resize, noise,
 * JPEG, twice, then the final resize + sinc and JPEG in random order) as a video filter,
 * making the low-quality copy of a clean clip the networks were trained to restore. The
 * stages and their parameters come from degrade/ (no FFmpeg there); this file negotiates
 * formats, converts frames to float RGB [0,1] as stored (core/colour_math.h, as the
 * realesrgan filter), runs the stages over FFmpeg's slice threads and the JPEG stage
 * through libavcodec (degrade_jpeg.c), and converts back.
 *
 * This file is part of FFmpeg.
 *
 * FFmpeg is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * FFmpeg is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with FFmpeg; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA
 */

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "libavutil/mem.h"
#include "libavutil/opt.h"
#include "libavutil/pixdesc.h"

#include "libavfilter/avfilter.h"
#include "libavfilter/filters.h"
#include "libavfilter/formats.h"
#include "libavfilter/video.h"

#include "../core/colour_math.h"
#include "../degrade/pipeline.h"
#include "degrade_jpeg.h"
#include "formats.h"

typedef struct DegradeContext {
    const AVClass *class;
    ResrDegradeOptions opt;
    int64_t seed;
    int64_t frame_index;
} DegradeContext;

/* The working image: three planes of w x h floats, one block (degrade_jpeg.h's layout). */
typedef struct Image {
    float *data;
    int w, h;
} Image;

static float *plane(const Image *im, int c)
{
    return im->data + (size_t)c * im->w * im->h;
}

static int image_alloc(Image *im, int w, int h)
{
    im->w = w;
    im->h = h;
    im->data = av_malloc_array((size_t)w * h, 3 * sizeof(float));
    return im->data ? 0 : AVERROR(ENOMEM);
}

/* 8-16 bit RGB, YUV and gray without alpha (alpha formats are converted by the scale
 * filter FFmpeg inserts; the degradation has no alpha). */
static const enum AVPixelFormat pix_fmts[] = {
    AV_PIX_FMT_RGB24, AV_PIX_FMT_BGR24, AV_PIX_FMT_RGB0, AV_PIX_FMT_BGR0,
    AV_PIX_FMT_0RGB, AV_PIX_FMT_0BGR, AV_PIX_FMT_RGB48,
    AV_PIX_FMT_GBRP, AV_PIX_FMT_GBRP10, AV_PIX_FMT_GBRP12, AV_PIX_FMT_GBRP16,
    AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY10, AV_PIX_FMT_GRAY16,
    AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P,
    AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P,
    AV_PIX_FMT_YUV420P10, AV_PIX_FMT_YUV422P10, AV_PIX_FMT_YUV444P10,
    AV_PIX_FMT_YUV420P12, AV_PIX_FMT_YUV420P16, AV_PIX_FMT_YUV444P16,
    AV_PIX_FMT_NV12, AV_PIX_FMT_NV21, AV_PIX_FMT_P010, AV_PIX_FMT_P016,
    AV_PIX_FMT_NONE
};

static int query_formats(const AVFilterContext *ctx, AVFilterFormatsConfig **cfg_in,
                         AVFilterFormatsConfig **cfg_out)
{
    int ret = ff_set_pixel_formats_from_list2(ctx, cfg_in, cfg_out, pix_fmts);
    if (ret < 0)
        return ret;
    return ff_set_common_color_spaces_from_list2(ctx, cfg_in, cfg_out, ff_realesrgan_color_spaces);
}

static av_cold int degrade_init(AVFilterContext *ctx)
{
    DegradeContext *s = ctx->priv;
    const char *why;

    if (s->opt.scale == 0)
        s->opt.scale = s->opt.preset == RESR_PRESET_X2PLUS ? 2 : 4;
    if ((why = resr_degrade_check(&s->opt))) {
        av_log(ctx, AV_LOG_ERROR, "%s\n", why);
        return AVERROR(EINVAL);
    }
    return 0;
}

static int config_output(AVFilterLink *outlink)
{
    AVFilterContext *ctx = outlink->src;
    DegradeContext *s = ctx->priv;
    AVFilterLink *inlink = ctx->inputs[0];
    const char *why = resr_degrade_check_size(&s->opt, inlink->w, inlink->h);

    if (why) {
        av_log(ctx, AV_LOG_ERROR, "%dx%d input, scale %d: %s\n", inlink->w, inlink->h,
               s->opt.scale, why);
        return AVERROR(EINVAL);
    }
    outlink->w = inlink->w / s->opt.scale;
    outlink->h = inlink->h / s->opt.scale;
    outlink->sample_aspect_ratio = inlink->sample_aspect_ratio;
    return 0;
}

/* ---- one stage over the slice threads --------------------------------------------------- */

typedef struct StageJob {
    const ResrStage *stage;
    const Image *src;
    Image *dst;
    const float *kernel;
    int side;
    const ResrResizeAxis *ax, *ay;
    float *tmp;              /* resize: dst->w x src->h after the horizontal pass */
    double levels;
    /* frame conversion */
    const ResrPixelFormat *fmt;
    const ResrColourSetup *setup;
    const ResrPlanes *planes;
} StageJob;

static void job_rows(int rows, int jobnr, int nb_jobs, int *y0, int *y1)
{
    *y0 = (int)((int64_t)rows * jobnr / nb_jobs);
    *y1 = (int)((int64_t)rows * (jobnr + 1) / nb_jobs);
}

static int blur_job(AVFilterContext *ctx, void *arg, int jobnr, int nb_jobs)
{
    const StageJob *j = arg;
    int y0, y1;
    job_rows(j->src->h, jobnr, nb_jobs, &y0, &y1);
    for (int c = 0; c < 3; c++)
        resr_filter2d_rows(plane(j->src, c), plane(j->dst, c), j->src->w, j->src->h, j->kernel,
                           j->side, y0, y1);
    return 0;
}

static int resize_h_job(AVFilterContext *ctx, void *arg, int jobnr, int nb_jobs)
{
    const StageJob *j = arg;
    int y0, y1;
    job_rows(j->src->h, jobnr, nb_jobs, &y0, &y1);
    for (int c = 0; c < 3; c++)
        resr_resize_rows_h(j->ax, plane(j->src, c), j->tmp + (size_t)c * j->dst->w * j->src->h,
                           y0, y1);
    return 0;
}

static int resize_v_job(AVFilterContext *ctx, void *arg, int jobnr, int nb_jobs)
{
    const StageJob *j = arg;
    int y0, y1;
    job_rows(j->dst->h, jobnr, nb_jobs, &y0, &y1);
    for (int c = 0; c < 3; c++)
        resr_resize_rows_v(j->ay, j->tmp + (size_t)c * j->dst->w * j->src->h, plane(j->dst, c),
                           j->dst->w, y0, y1);
    return 0;
}

static int noise_job(AVFilterContext *ctx, void *arg, int jobnr, int nb_jobs)
{
    const StageJob *j = arg;
    float *const rgb[3] = { plane(j->dst, 0), plane(j->dst, 1), plane(j->dst, 2) };
    int y0, y1;
    job_rows(j->dst->h, jobnr, nb_jobs, &y0, &y1);
    resr_noise_rows(&j->stage->noise, rgb, j->dst->w, y0, y1, j->levels);
    return 0;
}

static int nb_jobs(AVFilterContext *ctx, int rows)
{
    return FFMAX(1, FFMIN(rows, ff_filter_get_nb_threads(ctx)));
}

static int run_blur(AVFilterContext *ctx, const ResrStage *st, Image *im)
{
    float kernel[RESR_KERNEL_MAX_SIZE * RESR_KERNEL_MAX_SIZE];
    Image out;
    int ret = image_alloc(&out, im->w, im->h);
    if (ret < 0)
        return ret;
    StageJob j = { .stage = st, .src = im, .dst = &out, .kernel = kernel };
    j.side = resr_blur_kernel(&st->blur, kernel);
    ff_filter_execute(ctx, blur_job, &j, NULL, nb_jobs(ctx, im->h));
    av_free(im->data);
    *im = out;
    return 0;
}

static int run_resize(AVFilterContext *ctx, const ResrStage *st, Image *im)
{
    ResrResizeAxis ax = { 0 }, ay = { 0 };
    Image out = { 0 };
    float *tmp = av_malloc_array((size_t)st->out_w * im->h, 3 * sizeof(float));
    int ret = AVERROR(ENOMEM);

    if (!tmp || image_alloc(&out, st->out_w, st->out_h) < 0 ||
        resr_resize_axis_init(&ax, st->mode, im->w, st->out_w, st->scale_factor) < 0 ||
        resr_resize_axis_init(&ay, st->mode, im->h, st->out_h, st->scale_factor) < 0)
        goto fail;
    StageJob j = { .stage = st, .src = im, .dst = &out, .ax = &ax, .ay = &ay, .tmp = tmp };
    ff_filter_execute(ctx, resize_h_job, &j, NULL, nb_jobs(ctx, im->h));
    ff_filter_execute(ctx, resize_v_job, &j, NULL, nb_jobs(ctx, out.h));
    av_free(im->data);
    *im = out;
    out.data = NULL;
    ret = 0;
fail:
    resr_resize_axis_free(&ax);
    resr_resize_axis_free(&ay);
    av_free(tmp);
    av_free(out.data);
    return ret;
}

static int run_noise(AVFilterContext *ctx, const ResrStage *st, Image *im)
{
    const float *const rgb[3] = { plane(im, 0), plane(im, 1), plane(im, 2) };
    StageJob j = { .stage = st, .dst = im };
    if (st->noise.type == RESR_NOISE_POISSON)
        j.levels = resr_poisson_levels(rgb, (size_t)im->w * im->h, st->noise.gray);
    ff_filter_execute(ctx, noise_job, &j, NULL, nb_jobs(ctx, im->h));
    return 0;
}

static int run_stage(AVFilterContext *ctx, const ResrStage *st, Image *im)
{
    switch (st->kind) {
    case RESR_STAGE_BLUR:   return run_blur(ctx, st, im);
    case RESR_STAGE_RESIZE: return run_resize(ctx, st, im);
    case RESR_STAGE_NOISE:  return run_noise(ctx, st, im);
    default:                return ff_realesrgan_degrade_jpeg(ctx, im->data, im->w, im->h, st->quality);
    }
}

/* ---- frame <-> float RGB ------------------------------------------------------------------ */

static int load_job(AVFilterContext *ctx, void *arg, int jobnr, int nb_jobs)
{
    const StageJob *j = arg;
    const Image *im = j->dst;
    int y0, y1;
    job_rows(im->h, jobnr, nb_jobs, &y0, &y1);
    for (int y = y0; y < y1; y++)
        for (int x = 0; x < im->w; x++) {
            float rgb[3];
            resr_frame_pixel_rgb(j->fmt, j->setup, j->planes, x, y, rgb);
            for (int c = 0; c < 3; c++)
                plane(im, c)[(size_t)y * im->w + x] = rgb[c];
        }
    return 0;
}

/* Any split of the rows works: a pixel row writes its own samples and the chroma samples
 * it starts (resr_output_pixel), which no other row writes. */
static int store_job(AVFilterContext *ctx, void *arg, int jobnr, int nb_jobs)
{
    const StageJob *j = arg;
    const Image *im = j->src;
    const ResrRgbSource src = { .data = im->data, .row = im->w, .pixel = 1,
                                .channel = (int64_t)im->w * im->h, .width = im->w,
                                .height = im->h, .shuffle = 1, .value_scale = 1.0f };
    int y0, y1;
    job_rows(im->h, jobnr, nb_jobs, &y0, &y1);
    for (int y = y0; y < y1; y++)
        for (int x = 0; x < im->w; x++)
            resr_output_pixel(j->fmt, j->setup, &src, j->planes, x, y, x, y);
    return 0;
}

/* The formats of a frame step: in's layout and colour interpretation, and out's layout
 * (out_fmt may be NULL) with in's interpretation: the output is tagged as the input was
 * read, whatever its smaller size would suggest for an untagged matrix. */
static int describe(AVFilterContext *ctx, const AVFrame *in, ResrPixelFormat *fmt,
                    ResrPixelFormat *out_fmt)
{
    ResrPixelFormat unused;
    int ret = ff_realesrgan_describe_frames(fmt, out_fmt ? out_fmt : &unused, in->format,
                                            in->format, in->width, in->height, in->colorspace,
                                            in->color_range, in->chroma_location);
    if (ret < 0)
        av_log(ctx, AV_LOG_ERROR, "unsupported pixel format %s\n",
               av_get_pix_fmt_name(in->format));
    return ret;
}

static int load_frame(AVFilterContext *ctx, const AVFrame *in, Image *im)
{
    ResrPixelFormat fmt;
    ResrPlanes planes;
    int ret;

    if ((ret = describe(ctx, in, &fmt, NULL)) < 0 || (ret = image_alloc(im, in->width, in->height)) < 0)
        return ret;
    const ResrColourSetup setup = resr_colour_setup(&fmt, in->width, in->height);
    ff_realesrgan_frame_planes(&planes, in);
    StageJob j = { .dst = im, .fmt = &fmt, .setup = &setup, .planes = &planes };
    ff_filter_execute(ctx, load_job, &j, NULL, nb_jobs(ctx, im->h));
    return 0;
}

static int store_frame(AVFilterContext *ctx, const Image *im, AVFrame *out, const AVFrame *in)
{
    ResrPixelFormat in_fmt, fmt;
    ResrPlanes planes;
    int ret;

    /* same pixel format in and out: the layout is the input's */
    if ((ret = describe(ctx, in, &in_fmt, &fmt)) < 0)
        return ret;
    const ResrColourSetup setup = resr_colour_setup(&fmt, out->width, out->height);
    ff_realesrgan_frame_planes(&planes, out);
    StageJob j = { .src = im, .fmt = &fmt, .setup = &setup, .planes = &planes };
    ff_filter_execute(ctx, store_job, &j, NULL, nb_jobs(ctx, im->h));
    ff_realesrgan_tag_output_colour(out, in, &in_fmt);
    return 0;
}

/* ---- the frame loop ----------------------------------------------------------------------- */

static int degrade_filter_frame(AVFilterLink *inlink, AVFrame *in)
{
    AVFilterContext *ctx = inlink->dst;
    DegradeContext *s = ctx->priv;
    AVFilterLink *outlink = ctx->outputs[0];
    AVFrame *out = NULL;
    ResrDegradePlan plan;
    Image im = { 0 };
    char line[1024];
    int ret;

    if (in->width != inlink->w || in->height != inlink->h) {
        av_log(ctx, AV_LOG_ERROR, "frame size changed from %dx%d to %dx%d: insert a scale filter\n",
               inlink->w, inlink->h, in->width, in->height);
        ret = AVERROR(EINVAL);
        goto fail;
    }
    resr_degrade_draw(&plan, &s->opt, (uint64_t)s->seed, s->frame_index, in->width, in->height);
    resr_degrade_describe(&plan, line, sizeof(line));
    av_log(ctx, AV_LOG_VERBOSE, "frame %"PRId64" seed %"PRId64": %s\n", s->frame_index, s->seed, line);
    s->frame_index++;

    if ((ret = load_frame(ctx, in, &im)) < 0)
        goto fail;
    for (int i = 0; i < plan.nb_stages; i++)
        if ((ret = run_stage(ctx, &plan.stage[i], &im)) < 0)
            goto fail;
    if (im.w != outlink->w || im.h != outlink->h) {
        av_log(ctx, AV_LOG_ERROR, "internal: stages ended at %dx%d, not %dx%d\n", im.w, im.h,
               outlink->w, outlink->h);
        ret = AVERROR_BUG;
        goto fail;
    }
    if (!(out = ff_get_video_buffer(outlink, outlink->w, outlink->h))) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    if ((ret = av_frame_copy_props(out, in)) < 0 || (ret = store_frame(ctx, &im, out, in)) < 0)
        goto fail;
    av_free(im.data);
    av_frame_free(&in);
    return ff_filter_frame(outlink, out);

fail:
    av_free(im.data);
    av_frame_free(&in);
    av_frame_free(&out);
    return ret;
}

#define OFFSET(x) offsetof(DegradeContext, x)
#define FLAGS (AV_OPT_FLAG_FILTERING_PARAM | AV_OPT_FLAG_VIDEO_PARAM)
static const AVOption realesrgan_degrade_options[] = {
    { "preset", "degradation settings of a Real-ESRGAN training configuration", OFFSET(opt.preset), AV_OPT_TYPE_INT, { .i64 = RESR_PRESET_X4PLUS }, 0, RESR_PRESET_NB - 1, FLAGS, .unit = "preset" },
        { "x4plus", "train_realesrgan_x4plus.yml: two orders of random blur, resize, noise, JPEG, then resize + sinc and JPEG in random order", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRESET_X4PLUS }, 0, 0, FLAGS, .unit = "preset" },
        { "x2plus", "train_realesrgan_x2plus.yml (the same degradation; scale 2 by default)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRESET_X2PLUS }, 0, 0, FLAGS, .unit = "preset" },
        { "none", "only the stages the options below set, in the order blur, resize, noise, jpeg, then the resize to 1/scale", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRESET_NONE }, 0, 0, FLAGS, .unit = "preset" },
    { "scale", "output = input / scale: 1, 2 or 4; 0 = the preset's (2 for x2plus, else 4)", OFFSET(opt.scale), AV_OPT_TYPE_INT, { .i64 = 0 }, 0, 16, FLAGS },
    { "seed", "random seed: the same seed and input give the same output, bit for bit, on any thread count", OFFSET(seed), AV_OPT_TYPE_INT64, { .i64 = 0 }, INT64_MIN, INT64_MAX, FLAGS },
    { "blur", "blur kernel of every blur stage (overrides the preset's draw)", OFFSET(opt.blur), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, RESR_BLUR_NB - 1, FLAGS, .unit = "blur" },
        { "preset", "the preset's random kernels", 0, AV_OPT_TYPE_CONST, { .i64 = -1 }, 0, 0, FLAGS, .unit = "blur" },
        { "none", "no blur", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_BLUR_NONE }, 0, 0, FLAGS, .unit = "blur" },
        { "iso", "isotropic Gaussian (sigma_x)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_BLUR_ISO }, 0, 0, FLAGS, .unit = "blur" },
        { "aniso", "anisotropic Gaussian (sigma_x, sigma_y, theta)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_BLUR_ANISO }, 0, 0, FLAGS, .unit = "blur" },
        { "generalized_iso", "generalized Gaussian exp(-0.5 q^beta), isotropic", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_BLUR_GENERALIZED_ISO }, 0, 0, FLAGS, .unit = "blur" },
        { "generalized_aniso", "generalized Gaussian, anisotropic", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_BLUR_GENERALIZED_ANISO }, 0, 0, FLAGS, .unit = "blur" },
        { "plateau_iso", "plateau 1 / (q^beta + 1), isotropic", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_BLUR_PLATEAU_ISO }, 0, 0, FLAGS, .unit = "blur" },
        { "plateau_aniso", "plateau, anisotropic", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_BLUR_PLATEAU_ANISO }, 0, 0, FLAGS, .unit = "blur" },
        { "sinc", "circular low-pass (cutoff)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_BLUR_SINC }, 0, 0, FLAGS, .unit = "blur" },
    { "blur_size", "blur kernel size, odd", OFFSET(opt.blur_size), AV_OPT_TYPE_INT, { .i64 = 21 }, 1, RESR_KERNEL_MAX_SIZE, FLAGS },
    { "sigma_x", "Gaussian sigma along x before rotation, pixels", OFFSET(opt.sigma_x), AV_OPT_TYPE_DOUBLE, { .dbl = 2.0 }, 0, 100, FLAGS },
    { "sigma_y", "Gaussian sigma along y before rotation (anisotropic kinds), 0 = sigma_x", OFFSET(opt.sigma_y), AV_OPT_TYPE_DOUBLE, { .dbl = 0 }, 0, 100, FLAGS },
    { "theta", "rotation of anisotropic kernels, radians", OFFSET(opt.theta), AV_OPT_TYPE_DOUBLE, { .dbl = 0 }, -7, 7, FLAGS },
    { "beta", "shape of generalized and plateau kernels", OFFSET(opt.beta), AV_OPT_TYPE_DOUBLE, { .dbl = 1 }, 0, 10, FLAGS },
    { "cutoff", "sinc cutoff frequency, radians per pixel, (0, pi]", OFFSET(opt.cutoff), AV_OPT_TYPE_DOUBLE, { .dbl = M_PI / 2 }, 0, M_PI, FLAGS },
    { "resize", "resize factor of every random resize (preset) or one resize before the noise (preset=none); 0 = the preset's", OFFSET(opt.resize), AV_OPT_TYPE_DOUBLE, { .dbl = 0 }, 0, 4, FLAGS },
    { "resize_mode", "interpolation of every resize, as PyTorch's F.interpolate without antialiasing", OFFSET(opt.resize_mode), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, RESR_RESIZE_NB - 1, FLAGS, .unit = "resize_mode" },
        { "preset", "random among the three (preset); bicubic with preset=none", 0, AV_OPT_TYPE_CONST, { .i64 = -1 }, 0, 0, FLAGS, .unit = "resize_mode" },
        { "area", "adaptive average pooling", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_RESIZE_AREA }, 0, 0, FLAGS, .unit = "resize_mode" },
        { "bilinear", "bilinear, align_corners=False", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_RESIZE_BILINEAR }, 0, 0, FLAGS, .unit = "resize_mode" },
        { "bicubic", "bicubic (A = -0.75), align_corners=False", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_RESIZE_BICUBIC }, 0, 0, FLAGS, .unit = "resize_mode" },
    { "noise", "noise of every noise stage", OFFSET(opt.noise), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, RESR_NOISE_NB - 1, FLAGS, .unit = "noise" },
        { "preset", "the preset's random noise", 0, AV_OPT_TYPE_CONST, { .i64 = -1 }, 0, 0, FLAGS, .unit = "noise" },
        { "none", "no noise", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_NOISE_NONE }, 0, 0, FLAGS, .unit = "noise" },
        { "gaussian", "additive Gaussian (noise_sigma)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_NOISE_GAUSSIAN }, 0, 0, FLAGS, .unit = "noise" },
        { "poisson", "Poisson (poisson_scale)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_NOISE_POISSON }, 0, 0, FLAGS, .unit = "noise" },
    { "noise_sigma", "Gaussian noise sigma, 0-255 units", OFFSET(opt.noise_sigma), AV_OPT_TYPE_DOUBLE, { .dbl = 10 }, 0, 255, FLAGS },
    { "poisson_scale", "Poisson noise scale", OFFSET(opt.poisson_scale), AV_OPT_TYPE_DOUBLE, { .dbl = 1 }, 0, 100, FLAGS },
    { "gray_noise", "one noise value for R, G and B: 0, 1, or -1 = the preset's draw", OFFSET(opt.gray_noise), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, 1, FLAGS },
    { "jpeg", "JPEG quality of every JPEG stage, 1..100 (libavcodec's mjpeg, 4:2:0); 0 = no JPEG; -1 = the preset's draw", OFFSET(opt.jpeg), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, 100, FLAGS },
    { NULL }
};

AVFILTER_DEFINE_CLASS(realesrgan_degrade);

static const AVFilterPad degrade_inputs[] = {
    {
        .name         = "default",
        .type         = AVMEDIA_TYPE_VIDEO,
        .filter_frame = degrade_filter_frame,
    },
};

static const AVFilterPad degrade_outputs[] = {
    {
        .name         = "default",
        .type         = AVMEDIA_TYPE_VIDEO,
        .config_props = config_output,
    },
};

const FFFilter ff_vf_realesrgan_degrade = {
    .p.name         = "realesrgan_degrade",
    .p.description  = NULL_IF_CONFIG_SMALL("Degrade as Real-ESRGAN's training data: blur, resize, noise, JPEG (high-order)."),
    .p.priv_class   = &realesrgan_degrade_class,
    .p.flags        = AVFILTER_FLAG_SLICE_THREADS,
    .priv_size      = sizeof(DegradeContext),
    .init           = degrade_init,
    FILTER_INPUTS(degrade_inputs),
    FILTER_OUTPUTS(degrade_outputs),
    FILTER_QUERY_FUNC2(query_formats),
};
