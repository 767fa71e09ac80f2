/*
 * Real-ESRGAN super-resolution filter.
 *
 * This file is the only FFmpeg glue of the project: options, formats, the frame loop, and
 * the translation of FFmpeg's pixel format descriptors and colour properties into the
 * plain descriptions the engines use (colour.h, engine.h).
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
#include <string.h>

#include "libavutil/avstring.h"
#include "libavutil/cpu.h"
#include "libavutil/csp.h"
#include "libavutil/imgutils.h"
#include "libavutil/internal.h"
#include "libavutil/opt.h"
#include "libavutil/pixdesc.h"
#include "libavutil/time.h"
#include "libavutil/timestamp.h"

#include "libavfilter/avfilter.h"
#include "libavfilter/filters.h"
#include "libavfilter/formats.h"
#include "libavfilter/video.h"

#include "engine.h"

enum RealESRGANBackend {
    BACKEND_AUTO,
    BACKEND_CPU,
    BACKEND_CUDA,
    BACKEND_NB
};

/* precision=auto: the engine's best (fp32 on the CPU) */
#define PRECISION_AUTO (-1)

typedef struct RealESRGANContext {
    const AVClass *class;

    char *model_path;
    int tile;
    int tile_pad;
    int backend;
    int precision;

    ResrModel *model;
    ResrEngine *engine;
    ResrFrameGeometry geometry;   ///< what the engine is planned for
    int planned;
    int warned_colorspace;
    int64_t frame_count;
} RealESRGANContext;

static const enum AVPixelFormat pixel_formats[] = {
    AV_PIX_FMT_RGB24, AV_PIX_FMT_BGR24,
    AV_PIX_FMT_RGBA, AV_PIX_FMT_BGRA, AV_PIX_FMT_ARGB, AV_PIX_FMT_ABGR,
    AV_PIX_FMT_RGB0, AV_PIX_FMT_BGR0, AV_PIX_FMT_0RGB, AV_PIX_FMT_0BGR,
    AV_PIX_FMT_RGB48, AV_PIX_FMT_RGBA64,
    AV_PIX_FMT_GBRP, AV_PIX_FMT_GBRP10, AV_PIX_FMT_GBRP12, AV_PIX_FMT_GBRP16,
    AV_PIX_FMT_GBRPF32, AV_PIX_FMT_GBRAP, AV_PIX_FMT_GBRAP16,
    AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY10, AV_PIX_FMT_GRAY16, AV_PIX_FMT_GRAYF32,
    AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P,
    AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P,
    AV_PIX_FMT_YUVA420P, AV_PIX_FMT_YUVA444P,
    AV_PIX_FMT_YUV420P10, AV_PIX_FMT_YUV422P10, AV_PIX_FMT_YUV444P10,
    AV_PIX_FMT_YUV420P12, AV_PIX_FMT_YUV420P16, AV_PIX_FMT_YUV444P16,
    AV_PIX_FMT_NV12, AV_PIX_FMT_NV21, AV_PIX_FMT_P010, AV_PIX_FMT_P016,
    AV_PIX_FMT_NONE
};

/* Matrices colour.c converts with; others (YCgCo, ICtCp, constant luminance) get converted
 * by the scale filter FFmpeg inserts. */
static const int color_spaces[] = {
    AVCOL_SPC_UNSPECIFIED, AVCOL_SPC_RGB, AVCOL_SPC_BT709, AVCOL_SPC_FCC,
    AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M, AVCOL_SPC_SMPTE240M, AVCOL_SPC_BT2020_NCL,
    -1
};

static int query_formats(const AVFilterContext *ctx,
                         AVFilterFormatsConfig **cfg_in,
                         AVFilterFormatsConfig **cfg_out)
{
    int ret = ff_set_common_formats_from_list2(ctx, cfg_in, cfg_out, pixel_formats);
    if (ret < 0)
        return ret;
    return ff_set_common_color_spaces_from_list2(ctx, cfg_in, cfg_out, color_spaces);
}

/* Sample layout of one of pixel_formats, from its descriptor. */
static int describe_format(ResrPixelFormat *f, enum AVPixelFormat format)
{
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(format);

    if (!desc || desc->flags & (AV_PIX_FMT_FLAG_BE | AV_PIX_FMT_FLAG_HWACCEL |
                                AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM))
        return AVERROR(ENOSYS);

    memset(f, 0, sizeof(*f));
    f->is_rgb    = !!(desc->flags & AV_PIX_FMT_FLAG_RGB);
    f->has_alpha = !!(desc->flags & AV_PIX_FMT_FLAG_ALPHA);
    f->is_gray   = desc->nb_components - f->has_alpha == 1;
    f->depth     = desc->comp[0].depth;
    f->type      = desc->flags & AV_PIX_FMT_FLAG_FLOAT ? RESR_SAMPLE_F32 :
                   f->depth > 8 ? RESR_SAMPLE_U16 : RESR_SAMPLE_U8;
    f->log2_chroma_w = desc->log2_chroma_w;
    f->log2_chroma_h = desc->log2_chroma_h;
    if (f->type == RESR_SAMPLE_F32 ? f->depth != 32 : f->depth > 16)
        return AVERROR(ENOSYS);

    for (int i = 0; i < desc->nb_components; i++) {
        const AVComponentDescriptor *c = &desc->comp[i];
        /* gray + alpha: the descriptor's second component is alpha */
        const int slot = f->is_gray && i == 1 ? 3 : i;
        f->comp[slot] = (ResrComponent){ c->plane, c->step, c->offset, c->shift };
    }
    return 0;
}

static ResrChromaLocation chroma_location(enum AVChromaLocation loc, int is_jpeg)
{
    switch (loc) {
    case AVCHROMA_LOC_LEFT:       return RESR_CHROMA_LEFT;
    case AVCHROMA_LOC_CENTER:     return RESR_CHROMA_CENTER;
    case AVCHROMA_LOC_TOPLEFT:    return RESR_CHROMA_TOPLEFT;
    case AVCHROMA_LOC_TOP:        return RESR_CHROMA_TOP;
    case AVCHROMA_LOC_BOTTOMLEFT: return RESR_CHROMA_BOTTOMLEFT;
    case AVCHROMA_LOC_BOTTOM:     return RESR_CHROMA_BOTTOM;
    default:
        /* unspecified: JPEG sites chroma centred, MPEG-2/4 and H.264/5 on the left */
        return is_jpeg ? RESR_CHROMA_CENTER : RESR_CHROMA_LEFT;
    }
}

static enum AVChromaLocation to_av_chroma_location(ResrChromaLocation loc)
{
    static const enum AVChromaLocation map[] = {
        [RESR_CHROMA_LEFT]       = AVCHROMA_LOC_LEFT,
        [RESR_CHROMA_CENTER]     = AVCHROMA_LOC_CENTER,
        [RESR_CHROMA_TOPLEFT]    = AVCHROMA_LOC_TOPLEFT,
        [RESR_CHROMA_TOP]        = AVCHROMA_LOC_TOP,
        [RESR_CHROMA_BOTTOMLEFT] = AVCHROMA_LOC_BOTTOMLEFT,
        [RESR_CHROMA_BOTTOM]     = AVCHROMA_LOC_BOTTOM,
    };
    return map[loc];
}

static int is_linear_matrix(enum AVColorSpace csp)
{
    for (int i = 0; color_spaces[i] >= 0; i++)
        if (color_spaces[i] == csp)
            return csp != AVCOL_SPC_UNSPECIFIED && csp != AVCOL_SPC_RGB;
    return 0;
}

/*
 * The matrix of a YUV frame: its own, or for unspecified (and RGB-tagged) YUV BT.709 when
 * the frame is HD (height >= 720 or width >= 1280) and BT.601 otherwise, as players do.
 * Negotiation keeps other matrices out; a frame that carries one anyway gets the same
 * fallback (filter_frame warns).
 */
static enum AVColorSpace effective_colorspace(enum AVColorSpace csp, int w, int h)
{
    if (!is_linear_matrix(csp))
        return h >= 720 || w >= 1280 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
    return csp;
}

/* What the engine needs to know about frames like this one. */
static int frame_geometry(ResrFrameGeometry *g, enum AVPixelFormat format, int w, int h,
                          enum AVColorSpace csp, enum AVColorRange range,
                          enum AVChromaLocation loc)
{
    ResrPixelFormat *f = &g->in_format;
    int ret;

    memset(g, 0, sizeof(*g));
    g->in_width  = w;
    g->in_height = h;
    if ((ret = describe_format(f, format)) < 0)
        return ret;

    if (f->is_gray) {
        /* gray is full range in FFmpeg; output luma is weighted as BT.601 */
        f->kr = 0.299f;
        f->kb = 0.114f;
        f->full_range = 1;
    } else if (!f->is_rgb) {
        const AVLumaCoefficients *coeffs = av_csp_luma_coeffs_from_avcsp(effective_colorspace(csp, w, h));
        const int is_jpeg = ff_fmt_is_forced_full_range(format);
        f->kr = (float)av_q2d(coeffs->cr);
        f->kb = (float)av_q2d(coeffs->cb);
        f->full_range = is_jpeg || range == AVCOL_RANGE_JPEG;
        f->chroma_loc = chroma_location(loc, is_jpeg);
    }
    g->out_format = *f;
    return 0;
}

static int plan_engine(AVFilterContext *ctx, const ResrFrameGeometry *g)
{
    RealESRGANContext *s = ctx->priv;
    int ret;

    s->planned = 0;
    ret = s->engine->ops->plan(s->engine, g);
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "Cannot plan the %s engine for %dx%d frames: %s\n",
               s->engine->ops->name, g->in_width, g->in_height, av_err2str(ret));
        return ret;
    }
    s->geometry = *g;
    s->planned  = 1;
    return 0;
}

static void engine_log(void *log_ctx, int level, const char *fmt, va_list args)
{
    av_vlog(log_ctx, level, fmt, args);
}

static av_cold int realesrgan_init(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;
    char err[1024];
    int ret;

    if (!s->model_path || !*s->model_path) {
        av_log(ctx, AV_LOG_ERROR, "No model given: set model=<path to a .pth or .safetensors file>\n");
        return AVERROR(EINVAL);
    }
    if (s->backend == BACKEND_CUDA) {
        av_log(ctx, AV_LOG_ERROR, "backend=cuda: the CUDA engine is not built yet; "
               "use backend=cpu or backend=auto\n");
        return AVERROR(ENOSYS);
    }

    err[0] = 0;
    ret = resr_model_load(&s->model, s->model_path, err, sizeof(err));
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "%s\n", err[0] ? err : av_err2str(ret));
        return ret;
    }

    const ResrEngineConfig config = {
        .threads   = ctx->nb_threads,
        .tile      = s->tile,
        .tile_pad  = s->tile_pad,
        .precision = s->precision == PRECISION_AUTO ? RESR_PRECISION_FP32 : s->precision,
        .log       = engine_log,
        .log_ctx   = ctx,
    };
    ret = resr_cpu_engine_create(&s->engine, s->model, &config);
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "Cannot create the CPU engine: %s\n", av_err2str(ret));
        return ret;
    }

    char tile[16] = "auto";
    if (s->tile)
        snprintf(tile, sizeof(tile), "%d", s->tile);
    av_log(ctx, AV_LOG_INFO, "%s x%d (%.2fM parameters) from %s; tile %s, pad %d, "
           "%d thread(s), backend %s, fp32\n",
           resr_arch_name(s->model->arch), s->model->scale, s->model->num_params / 1e6,
           av_basename(s->model_path), tile, s->tile_pad,
           ctx->nb_threads ? ctx->nb_threads : av_cpu_count(), s->engine->ops->name);
    return 0;
}

static av_cold void realesrgan_uninit(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;

    /* the engine points into the model: free it first */
    resr_engine_free(&s->engine);
    resr_model_free(&s->model);
}

static int realesrgan_config_output(AVFilterLink *outlink)
{
    AVFilterContext *ctx    = outlink->src;
    AVFilterLink    *inlink = ctx->inputs[0];
    RealESRGANContext *s    = ctx->priv;
    const int scale         = s->model->scale;
    ResrFrameGeometry g;
    int ret;

    if (inlink->w > INT_MAX / scale || inlink->h > INT_MAX / scale ||
        av_image_check_size(inlink->w * scale, inlink->h * scale, 0, ctx) < 0) {
        av_log(ctx, AV_LOG_ERROR, "Output size %dx%d times %d is too large\n",
               inlink->w, inlink->h, scale);
        return AVERROR(EINVAL);
    }
    outlink->w = inlink->w * scale;
    outlink->h = inlink->h * scale;
    /* both axes scale alike: the sample aspect ratio stays */
    outlink->sample_aspect_ratio = inlink->sample_aspect_ratio;

    /* frames may still differ in colour properties (chroma siting is per frame only):
     * filter_frame re-plans when they do */
    ret = frame_geometry(&g, inlink->format, inlink->w, inlink->h, inlink->colorspace,
                         inlink->color_range, AVCHROMA_LOC_UNSPECIFIED);
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "Unsupported pixel format %s\n",
               av_get_pix_fmt_name(inlink->format));
        return ret;
    }
    if ((ret = plan_engine(ctx, &g)) < 0)
        return ret;

    av_log(ctx, AV_LOG_VERBOSE, "w:%d h:%d fmt:%s -> w:%d h:%d\n", inlink->w, inlink->h,
           av_get_pix_fmt_name(inlink->format), outlink->w, outlink->h);
    return 0;
}

/*
 * Where the input left the colour interpretation open, the output says what was used, so
 * that whatever reads the (now larger) frames does not guess differently.
 */
static void tag_output_colour(AVFrame *out, const AVFrame *in, const ResrPixelFormat *f)
{
    if (f->is_rgb || f->is_gray)
        return;
    out->colorspace = effective_colorspace(in->colorspace, in->width, in->height);
    if (out->color_range == AVCOL_RANGE_UNSPECIFIED)
        out->color_range = f->full_range ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    if (out->chroma_location == AVCHROMA_LOC_UNSPECIFIED && (f->log2_chroma_w || f->log2_chroma_h))
        out->chroma_location = to_av_chroma_location(f->chroma_loc);
}

static int realesrgan_filter_frame(AVFilterLink *inlink, AVFrame *in)
{
    AVFilterContext *ctx     = inlink->dst;
    RealESRGANContext *s     = ctx->priv;
    AVFilterLink    *outlink = ctx->outputs[0];
    const int scale          = s->model->scale;
    const int64_t start      = av_gettime_relative();
    AVFrame *out = NULL;
    ResrFrameGeometry g;
    ResrPlanes src, dst;
    int ret;

    if (in->width != inlink->w || in->height != inlink->h || in->format != inlink->format) {
        av_log(ctx, AV_LOG_ERROR, "Frame changed from %dx%d %s to %dx%d %s mid-stream; the output "
               "size is fixed when the graph is configured (ffmpeg reconfigures filters on such "
               "changes unless -reinit_filter 0 is given)\n",
               inlink->w, inlink->h, av_get_pix_fmt_name(inlink->format),
               in->width, in->height, av_get_pix_fmt_name(in->format));
        ret = AVERROR(EINVAL);
        goto fail;
    }
    ret = frame_geometry(&g, in->format, in->width, in->height, in->colorspace,
                         in->color_range, in->chroma_location);
    if (ret < 0)
        goto fail;
    if (!g.in_format.is_rgb && !g.in_format.is_gray && !s->warned_colorspace &&
        in->colorspace != AVCOL_SPC_UNSPECIFIED && !is_linear_matrix(in->colorspace)) {
        av_log(ctx, AV_LOG_WARNING, "Frames in colorspace %s, which this filter does not "
               "convert: read as %s instead\n", av_color_space_name(in->colorspace),
               av_color_space_name(effective_colorspace(in->colorspace, in->width, in->height)));
        s->warned_colorspace = 1;
    }
    if (!s->planned || memcmp(&g, &s->geometry, sizeof(g))) {
        av_log(ctx, AV_LOG_VERBOSE, "Colour properties changed: re-planning\n");
        if ((ret = plan_engine(ctx, &g)) < 0)
            goto fail;
    }

    out = ff_get_video_buffer(outlink, outlink->w, outlink->h);
    if (!out) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    ret = av_frame_copy_props(out, in);
    if (ret < 0)
        goto fail;
    /* cropping is in pixels of the frame it applies to */
    out->crop_top    = in->crop_top    * scale;
    out->crop_bottom = in->crop_bottom * scale;
    out->crop_left   = in->crop_left   * scale;
    out->crop_right  = in->crop_right  * scale;
    tag_output_colour(out, in, &g.out_format);

    for (int i = 0; i < 4; i++) {
        src.data[i]     = in->data[i];
        src.linesize[i] = in->linesize[i];
        dst.data[i]     = out->data[i];
        dst.linesize[i] = out->linesize[i];
    }
    ret = s->engine->ops->run(s->engine, &src, &dst);
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "The %s engine failed on frame %"PRId64": %s\n",
               s->engine->ops->name, s->frame_count, av_err2str(ret));
        goto fail;
    }

    av_log(ctx, AV_LOG_VERBOSE, "frame %"PRId64" (pts %s): %.1f ms\n", s->frame_count,
           av_ts2str(in->pts), (av_gettime_relative() - start) / 1000.0);
    s->frame_count++;
    av_frame_free(&in);
    return ff_filter_frame(outlink, out);

fail:
    av_frame_free(&in);
    av_frame_free(&out);
    return ret;
}

#define OFFSET(x) offsetof(RealESRGANContext, x)
#define FLAGS (AV_OPT_FLAG_FILTERING_PARAM | AV_OPT_FLAG_VIDEO_PARAM)
static const AVOption realesrgan_options[] = {
    { "model", "Real-ESRGAN model file (.pth or .safetensors)", OFFSET(model_path), AV_OPT_TYPE_STRING, { .str = NULL }, .flags = FLAGS },
    { "tile", "input tile size in pixels, 0 = automatic (whole frame when it fits)", OFFSET(tile), AV_OPT_TYPE_INT, { .i64 = 0 }, 0, 16384, FLAGS },
    { "tile_pad", "context added around each tile, in input pixels", OFFSET(tile_pad), AV_OPT_TYPE_INT, { .i64 = 10 }, 0, 1024, FLAGS },
    { "backend", "engine", OFFSET(backend), AV_OPT_TYPE_INT, { .i64 = BACKEND_AUTO }, 0, BACKEND_NB - 1, FLAGS, .unit = "backend" },
        { "auto", "CPU for software frames", 0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_AUTO }, 0, 0, FLAGS, .unit = "backend" },
        { "cpu",  "fp32 CPU engine (workers: the generic threads option)", 0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_CPU  }, 0, 0, FLAGS, .unit = "backend" },
        { "cuda", "CUDA engine",             0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_CUDA }, 0, 0, FLAGS, .unit = "backend" },
    { "precision", "arithmetic of GPU engines; the CPU engine computes in fp32", OFFSET(precision), AV_OPT_TYPE_INT, { .i64 = PRECISION_AUTO }, PRECISION_AUTO, RESR_PRECISION_FP32, FLAGS, .unit = "precision" },
        { "auto", "the engine's default", 0, AV_OPT_TYPE_CONST, { .i64 = PRECISION_AUTO      }, 0, 0, FLAGS, .unit = "precision" },
        { "fp16", NULL,                   0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_FP16 }, 0, 0, FLAGS, .unit = "precision" },
        { "bf16", NULL,                   0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_BF16 }, 0, 0, FLAGS, .unit = "precision" },
        { "fp32", NULL,                   0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_FP32 }, 0, 0, FLAGS, .unit = "precision" },
    { NULL }
};

AVFILTER_DEFINE_CLASS(realesrgan);

static const AVFilterPad realesrgan_inputs[] = {
    {
        .name         = "default",
        .type         = AVMEDIA_TYPE_VIDEO,
        .filter_frame = realesrgan_filter_frame,
    },
};

static const AVFilterPad realesrgan_outputs[] = {
    {
        .name         = "default",
        .type         = AVMEDIA_TYPE_VIDEO,
        .config_props = realesrgan_config_output,
    },
};

const FFFilter ff_vf_realesrgan = {
    .p.name        = "realesrgan",
    .p.description = NULL_IF_CONFIG_SMALL("Upscale with a Real-ESRGAN network (RRDBNet, SRVGGNetCompact)."),
    .p.priv_class  = &realesrgan_class,
    .priv_size     = sizeof(RealESRGANContext),
    .init          = realesrgan_init,
    .uninit        = realesrgan_uninit,
    FILTER_INPUTS(realesrgan_inputs),
    FILTER_OUTPUTS(realesrgan_outputs),
    FILTER_QUERY_FUNC2(query_formats),
};
