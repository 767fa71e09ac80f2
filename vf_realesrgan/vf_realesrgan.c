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


#include <float.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "libavutil/avstring.h"
#include "libavutil/cpu.h"
#include "libavutil/csp.h"
#include "libavutil/hwcontext.h"
#include "libavutil/imgutils.h"
#include "libavutil/internal.h"
#include "libavutil/mathematics.h"
#include "libavutil/opt.h"
#include "libavutil/pixdesc.h"
#include "libavutil/time.h"
#include "libavutil/timestamp.h"

#include "libavfilter/avfilter.h"
#include "libavfilter/filters.h"
#include "libavfilter/formats.h"
#include "libavfilter/video.h"

#include "../models/zoo.h"
#include "engine.h"
#include "resample.h"
#ifdef RESR_HAVE_CUDA
#include "../cuda/cuda_engine.h"
#endif

enum RealESRGANBackend {
    BACKEND_AUTO,
    BACKEND_CPU,
    BACKEND_CUDA,
    BACKEND_NB
};

/* precision=auto: the engine's best (fp32 on the CPU, fp16 on CUDA) */
#define PRECISION_AUTO (-1)

/* CUDA output frames a pool preallocates (NVENC registers at most 64 distinct surfaces:
 * a pool recycles these instead of allocating new ones); -extra_hw_frames adds to it */
#define CUDA_OUTPUT_POOL_FRAMES 4

typedef struct RealESRGANContext {
    const AVClass *class;

    char *model_name;                ///< a file, or an official model's name (models/zoo.h)
    float dn;
    char *dn_model_name;
    double outscale;
    int tile;
    int tile_pad;
    int backend;
    int precision;
    int device;
    enum AVPixelFormat out_format;   ///< CUDA frames: output sw_format, NONE = the input's

    char model_path[4096];           ///< the file model_name resolved to
    ResrModel *model;
    ResrEngine *engine;
    int cuda;                        ///< the engine is the CUDA engine
    ResrPrecision engine_precision;
    enum AVPixelFormat sw_in, sw_out;  ///< sample layouts of the negotiated frames
    ResrFrameGeometry geometry;      ///< what the engine is planned for
    int planned;

    /* outscale: the network writes full (input x model scale), then resampling gives
     * the output size */
    int full_w, full_h;
    int resampling;
    ResrResamplePlan resample;
    AVFrame *full;                   ///< in the engine's memory (host or device)

    /* the CUDA engine's device and frame pools; dev_in / dev_out carry software frames
     * to and from it */
    AVBufferRef *device_ref;
    AVBufferRef *out_frames_ref;     ///< CUDA output frames, or dev_out's pool
    AVBufferRef *in_frames_ref;      ///< dev_in's pool
    AVBufferRef *full_frames_ref;    ///< full's pool
    AVFrame *dev_in, *dev_out;

    int warned_colorspace;
    int warned_nonfinite;
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

#ifdef RESR_HAVE_CUDA
/* Layouts of frames on the CUDA engine: sw_formats of CUDA frames, and the software
 * formats it uploads (all checked against the CPU engine on a GPU by tests/gpu). */
static const enum AVPixelFormat cuda_sw_formats[] = {
    AV_PIX_FMT_NV12, AV_PIX_FMT_YUV420P, AV_PIX_FMT_P010, AV_PIX_FMT_P016,
    AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUV444P16,
    AV_PIX_FMT_0RGB32, AV_PIX_FMT_0BGR32, AV_PIX_FMT_RGB32, AV_PIX_FMT_BGR32,
    AV_PIX_FMT_NONE
};

static int in_list(const enum AVPixelFormat *list, enum AVPixelFormat f)
{
    for (; *list != AV_PIX_FMT_NONE; list++)
        if (*list == f)
            return 1;
    return 0;
}
#endif

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
    enum AVPixelFormat formats[FF_ARRAY_ELEMS(pixel_formats) + 1];
    const enum AVPixelFormat *sw = pixel_formats;
    int n = 0, ret;
#ifdef RESR_HAVE_CUDA
    const RealESRGANContext *s = ctx->priv;

    /* backend=cuda uploads software frames: only layouts the CUDA path takes */
    if (s->backend == BACKEND_CUDA)
        sw = cuda_sw_formats;
#endif

    for (; *sw != AV_PIX_FMT_NONE; sw++)
        formats[n++] = *sw;
#ifdef RESR_HAVE_CUDA
    /* CUDA frames in, CUDA frames out (one list for both links) */
    if (s->backend != BACKEND_CPU)
        formats[n++] = AV_PIX_FMT_CUDA;
#endif
    formats[n] = AV_PIX_FMT_NONE;

    if ((ret = ff_set_common_formats_from_list2(ctx, cfg_in, cfg_out, formats)) < 0)
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

/* What the engine needs to know about frames like this one; out_format is the output's
 * sample layout (its colour interpretation is the input's). */
static int frame_geometry(ResrFrameGeometry *g, enum AVPixelFormat format,
                          enum AVPixelFormat out_format, int w, int h,
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
    if (out_format != format) {
        if ((ret = describe_format(&g->out_format, out_format)) < 0)
            return ret;
        g->out_format.kr         = f->kr;
        g->out_format.kb         = f->kb;
        g->out_format.full_range = f->is_rgb ? 0 : f->full_range;
        g->out_format.chroma_loc = f->chroma_loc;
        if (g->out_format.is_rgb != f->is_rgb || g->out_format.is_gray != f->is_gray)
            return AVERROR(ENOSYS);   /* the engines keep the colour model */
    }
    return 0;
}

/* The sample layout of a frame: its sw_format for hardware frames. */
static enum AVPixelFormat sw_format(enum AVPixelFormat format, const AVBufferRef *hw_frames_ctx)
{
    if (format == AV_PIX_FMT_CUDA && hw_frames_ctx)
        return ((const AVHWFramesContext *)hw_frames_ctx->data)->sw_format;
    return format;
}

static const char *precision_name(ResrPrecision p)
{
    return p == RESR_PRECISION_FP16 ? "fp16" : p == RESR_PRECISION_BF16 ? "bf16" : "fp32";
}

/* Plans the engine, and the resampling after it, for frames of geometry g. */
static int plan_engine(AVFilterContext *ctx, const ResrFrameGeometry *g)
{
    RealESRGANContext *s = ctx->priv;
    AVFilterLink *outlink = ctx->outputs[0];
    int ret;

    s->planned = 0;
    ret = s->engine->ops->plan(s->engine, g);
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "Cannot plan the %s engine for %dx%d frames: %s\n",
               s->engine->ops->name, g->in_width, g->in_height, av_err2str(ret));
        return ret;
    }
    if (s->resampling) {
        /* chroma siting is part of the geometry: the tables follow it */
        ret = resr_resample_plan(&s->resample, &g->out_format, s->full_w, s->full_h,
                                 outlink->w, outlink->h);
#ifdef RESR_HAVE_CUDA
        if (ret >= 0 && s->cuda)
            ret = resr_cuda_engine_set_resample(s->engine, &s->resample);
#endif
        if (ret < 0) {
            av_log(ctx, AV_LOG_ERROR, "Cannot plan resizing %dx%d to %dx%d (outscale %g; at most "
                   "64 times smaller than the network's output): %s\n", s->full_w, s->full_h,
                   outlink->w, outlink->h, s->outscale, av_err2str(ret));
            return ret;
        }
    }
    s->geometry = *g;
    s->planned  = 1;
    return 0;
}

static void engine_log(void *log_ctx, int level, const char *fmt, va_list args)
{
    av_vlog(log_ctx, level, fmt, args);
}

/* Resolves a model option's value (file or name) and loads it; what names the option in messages. */
static int load_model(AVFilterContext *ctx, const char *what, const char *name, ResrModel **model,
                      char *path, size_t path_size)
{
    char err[2048];
    int ret;

    err[0] = 0;
    if ((ret = resr_zoo_resolve(name, path, path_size, err, sizeof(err))) < 0) {
        av_log(ctx, AV_LOG_ERROR, "%s: %s\n", what, err[0] ? err : av_err2str(ret));
        return ret;
    }
    if ((ret = resr_model_load(model, path, err, sizeof(err))) < 0) {
        av_log(ctx, AV_LOG_ERROR, "%s\n", err[0] ? err : av_err2str(ret));
        return ret;
    }
    av_log(ctx, AV_LOG_VERBOSE, "%s %s: %s x%d, %d convolutions, weights stored as %s\n", what, path,
           resr_arch_name((*model)->arch), (*model)->scale, (*model)->num_convs,
           (*model)->source_dtype[0] ? (*model)->source_dtype : "float32");
    return 0;
}

#define DN_MODEL  "realesr-general-x4v3"
#define WDN_MODEL "realesr-general-wdn-x4v3"

/*
 * dn < 1: the official denoise strength. The model's weights become dn * model +
 * (1 - dn) * the weak-denoise model: dn_model, or realesr-general-wdn-x4v3 beside the
 * model (its name with realesr-general-x4v3 replaced, as the official script finds it)
 * or on the model search path.
 */
static int blend_denoise(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;
    const char *base = strrchr(s->model_path, '/');
    const char *hit = strstr(base ? base + 1 : s->model_path, DN_MODEL);
    char wdn_path[4096], beside[4096] = "", err[1024];
    ResrModel *wdn = NULL, *blended = NULL;
    const char *wdn_name = s->dn_model_name;
    int ret;

    if (!wdn_name) {
        if (!hit) {
            av_log(ctx, AV_LOG_ERROR, "dn=%g is the denoise strength of " DN_MODEL " (blended with "
                   WDN_MODEL "); %s is another model: give dn_model=FILE to blend it with, or leave "
                   "dn at 1\n", s->dn, s->model_path);
            return AVERROR(EINVAL);
        }
        snprintf(beside, sizeof(beside), "%.*s" WDN_MODEL "%s", (int)(hit - s->model_path),
                 s->model_path, hit + strlen(DN_MODEL));
        wdn_name = access(beside, F_OK) == 0 ? beside : WDN_MODEL;
    }
    if ((ret = load_model(ctx, "dn_model", wdn_name, &wdn, wdn_path, sizeof(wdn_path))) < 0) {
        if (!s->dn_model_name)
            av_log(ctx, AV_LOG_ERROR, "dn=%g needs " WDN_MODEL ": put it beside the model (%s) or "
                   "give dn_model=FILE\n", s->dn, beside);
        goto fail;
    }
    err[0] = 0;
    if ((ret = resr_model_check_blendable(s->model, wdn, err, sizeof(err))) < 0) {
        av_log(ctx, AV_LOG_ERROR, "dn: cannot blend %s with %s: %s\n", s->model_path, wdn_path,
               err[0] ? err : av_err2str(ret));
        goto fail;
    }
    if ((ret = resr_model_blend(&blended, s->model, wdn, s->dn)) < 0) {
        av_log(ctx, AV_LOG_ERROR, "dn: blending %s with %s failed: %s\n", s->model_path, wdn_path,
               av_err2str(ret));
        goto fail;
    }
    av_log(ctx, AV_LOG_VERBOSE, "dn=%g: %g x %s + %g x %s\n", s->dn, s->dn, s->model_path,
           1.0 - s->dn, wdn_path);
    resr_model_free(&s->model);
    s->model = blended;
fail:
    resr_model_free(&wdn);
    return ret;
}

static av_cold int realesrgan_init(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;
    int ret;

    if (!s->model_name || !*s->model_name) {
        av_log(ctx, AV_LOG_ERROR, "No model given: set model=<path to a .pth or .safetensors file, "
               "or an official model's name such as realesr-animevideov3>\n");
        return AVERROR(EINVAL);
    }
#ifndef RESR_HAVE_CUDA
    if (s->backend == BACKEND_CUDA) {
        av_log(ctx, AV_LOG_ERROR, "backend=cuda: this build has no CUDA engine (FFmpeg was "
               "configured without CUDA, or nvcc was missing); use backend=cpu or backend=auto\n");
        return AVERROR(ENOSYS);
    }
#endif

    if ((ret = load_model(ctx, "model", s->model_name, &s->model, s->model_path, sizeof(s->model_path))) < 0)
        return ret;
    if (s->dn < 1.0f)
        return blend_denoise(ctx);
    if (s->dn_model_name)
        av_log(ctx, AV_LOG_WARNING, "dn_model is used with dn < 1 only: ignored\n");
    return 0;
}

/* Everything config_output sets up, so that it can run again and uninit can free it. */
static void release_config(RealESRGANContext *s)
{
    av_frame_free(&s->full);
    av_frame_free(&s->dev_in);
    av_frame_free(&s->dev_out);
    /* the engine points into the model and holds its own device reference */
    resr_engine_free(&s->engine);
    resr_resample_free(&s->resample);
    av_buffer_unref(&s->out_frames_ref);
    av_buffer_unref(&s->in_frames_ref);
    av_buffer_unref(&s->full_frames_ref);
    av_buffer_unref(&s->device_ref);
    s->planned = s->resampling = s->cuda = 0;
}

static av_cold void realesrgan_uninit(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;

    if (s->frame_count)
        av_log(ctx, AV_LOG_VERBOSE, "%"PRId64" frame(s) upscaled\n", s->frame_count);
    release_config(s);
    resr_model_free(&s->model);
}

/* Output size for outscale: the nearest multiple of the chroma subsampling, at least one. */
static int scaled_size(int in, double factor, int log2_sub)
{
    const int align = 1 << log2_sub;
    const double n = floor(in * factor / align + 0.5);

    if (n > INT_MAX / align)
        return -1;
    return n < 1 ? align : (int)n * align;
}

#ifdef RESR_HAVE_CUDA
/* A pool of CUDA frames; pool_size frames allocated up front. */
static int cuda_frame_pool(AVBufferRef **ref, AVBufferRef *device, enum AVPixelFormat sw,
                           int w, int h, int pool_size)
{
    AVHWFramesContext *frames;

    av_buffer_unref(ref);
    if (!(*ref = av_hwframe_ctx_alloc(device)))
        return AVERROR(ENOMEM);
    frames = (AVHWFramesContext *)(*ref)->data;
    frames->format            = AV_PIX_FMT_CUDA;
    frames->sw_format         = sw;
    frames->width             = w;
    frames->height            = h;
    frames->initial_pool_size = pool_size;
    return av_hwframe_ctx_init(*ref);
}

static int cuda_frame(AVFrame **frame, AVBufferRef *pool)
{
    av_frame_free(frame);
    if (!(*frame = av_frame_alloc()))
        return AVERROR(ENOMEM);
    return av_hwframe_get_buffer(pool, *frame, 0);
}

/* The device of software frames under backend=cuda: the filter graph's CUDA device
 * (-filter_hw_device) unless the device option names a GPU, else GPU 0. */
static int open_cuda_device(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;
    char name[16];
    int ret;

    if (s->device < 0 && ctx->hw_device_ctx &&
        ((AVHWDeviceContext *)ctx->hw_device_ctx->data)->type == AV_HWDEVICE_TYPE_CUDA) {
        s->device_ref = av_buffer_ref(ctx->hw_device_ctx);
        return s->device_ref ? 0 : AVERROR(ENOMEM);
    }
    snprintf(name, sizeof(name), "%d", s->device < 0 ? 0 : s->device);
    ret = av_hwdevice_ctx_create(&s->device_ref, AV_HWDEVICE_TYPE_CUDA, name, NULL, 0);
    if (ret < 0)
        av_log(ctx, AV_LOG_ERROR, "backend=cuda: cannot open CUDA device %s: %s (this needs an "
               "NVIDIA GPU and its driver's libcuda.so.1; backend=cpu runs without)\n",
               name, av_err2str(ret));
    return ret;
}
#endif

/*
 * CPU workers: the filter's own threads option when set; else the graph's thread count
 * (-filter_threads, or ffmpeg's -threads for a simple graph), at most one per core: the
 * graph's automatic count is cores + 1 (for slice jobs waiting on memory), and one more
 * worker than cores only slows a compute-bound network down.
 */
static int engine_threads(AVFilterContext *ctx)
{
    if (ctx->nb_threads > 0)
        return ctx->nb_threads;
    return FFMIN(ff_filter_get_nb_threads(ctx), av_cpu_count());
}

/*
 * The engine for the negotiated frames. CUDA frames: the CUDA engine on their device,
 * and the output link's frame pool. Software frames: the CPU engine, or with
 * backend=cuda the CUDA engine with an upload and a download frame.
 */
static int create_engine(AVFilterContext *ctx, int hw_in)
{
    RealESRGANContext *s = ctx->priv;
    AVFilterLink *inlink = ctx->inputs[0], *outlink = ctx->outputs[0];
    const int cuda = hw_in || s->backend == BACKEND_CUDA;
    ResrEngineConfig config = {
        .threads   = engine_threads(ctx),
        .tile      = s->tile,
        .tile_pad  = s->tile_pad,
        .precision = s->precision != PRECISION_AUTO ? s->precision :
                     cuda ? RESR_PRECISION_FP16 : RESR_PRECISION_FP32,
        .log       = engine_log,
        .log_ctx   = ctx,
    };
    int ret;

    s->engine_precision = config.precision;
    if (!cuda) {
        if (s->device >= 0)
            av_log(ctx, AV_LOG_WARNING, "device=%d ignored: software frames run on the CPU "
                   "unless backend=cuda\n", s->device);
        s->engine_precision = RESR_PRECISION_FP32;
        if ((ret = resr_cpu_engine_create(&s->engine, s->model, &config)) < 0) {
            av_log(ctx, AV_LOG_ERROR, "Cannot create the CPU engine: %s\n", av_err2str(ret));
            return ret;
        }
        if (s->resampling) {
            if (!(s->full = av_frame_alloc()))
                return AVERROR(ENOMEM);
            s->full->format = s->sw_out;
            s->full->width  = s->full_w;
            s->full->height = s->full_h;
            if ((ret = av_frame_get_buffer(s->full, 0)) < 0)
                return ret;
        }
        return 0;
    }
#ifdef RESR_HAVE_CUDA
    if (!in_list(cuda_sw_formats, s->sw_in) || !in_list(cuda_sw_formats, s->sw_out)) {
        av_log(ctx, AV_LOG_ERROR, "CUDA frames %s -> %s: the supported sw_formats are nv12, "
               "yuv420p, p010, p016, yuv444p, yuv444p16, 0rgb32, 0bgr32, rgb32, bgr32 "
               "(convert first, e.g. scale_cuda=format=nv12)\n",
               av_get_pix_fmt_name(s->sw_in), av_get_pix_fmt_name(s->sw_out));
        return AVERROR(ENOSYS);
    }
    if (hw_in) {
        const AVHWFramesContext *in_frames = (AVHWFramesContext *)ff_filter_link(inlink)->hw_frames_ctx->data;
        if (s->device >= 0)
            av_log(ctx, AV_LOG_WARNING, "device=%d ignored: CUDA frames are upscaled on the "
                   "device that holds them\n", s->device);
        if (!(s->device_ref = av_buffer_ref(in_frames->device_ref)))
            return AVERROR(ENOMEM);
    } else if ((ret = open_cuda_device(ctx)) < 0) {
        return ret;
    }
    if ((ret = resr_cuda_engine_create(&s->engine, s->model, &config, s->device_ref)) < 0) {
        av_log(ctx, AV_LOG_ERROR, "Cannot create the CUDA engine: %s\n", av_err2str(ret));
        return ret;
    }
    s->cuda = 1;

    if (hw_in) {
        FilterLink *ol = ff_filter_link(outlink);
        ret = cuda_frame_pool(&s->out_frames_ref, s->device_ref, s->sw_out, outlink->w, outlink->h,
                              CUDA_OUTPUT_POOL_FRAMES + FFMAX(ctx->extra_hw_frames, 0));
        if (ret < 0)
            return ret;
        av_buffer_unref(&ol->hw_frames_ctx);
        if (!(ol->hw_frames_ctx = av_buffer_ref(s->out_frames_ref)))
            return AVERROR(ENOMEM);
    } else {
        if ((ret = cuda_frame_pool(&s->in_frames_ref, s->device_ref, s->sw_in, inlink->w, inlink->h, 1)) < 0 ||
            (ret = cuda_frame(&s->dev_in, s->in_frames_ref)) < 0 ||
            (ret = cuda_frame_pool(&s->out_frames_ref, s->device_ref, s->sw_out, outlink->w, outlink->h, 1)) < 0 ||
            (ret = cuda_frame(&s->dev_out, s->out_frames_ref)) < 0)
            return ret;
    }
    if (s->resampling) {
        if ((ret = cuda_frame_pool(&s->full_frames_ref, s->device_ref, s->sw_out, s->full_w, s->full_h, 1)) < 0 ||
            (ret = cuda_frame(&s->full, s->full_frames_ref)) < 0)
            return ret;
    }
    return 0;
#else
    (void)inlink;
    (void)outlink;
    return AVERROR(ENOSYS);
#endif
}

static int realesrgan_config_output(AVFilterLink *outlink)
{
    AVFilterContext *ctx    = outlink->src;
    AVFilterLink    *inlink = ctx->inputs[0];
    RealESRGANContext *s    = ctx->priv;
    const FilterLink *il    = ff_filter_link(inlink);
    const int scale         = s->model->scale;
    const int hw_in         = inlink->format == AV_PIX_FMT_CUDA;
    ResrFrameGeometry g;
    int ret;

    release_config(s);
    if (hw_in && !il->hw_frames_ctx) {
        av_log(ctx, AV_LOG_ERROR, "CUDA input without a hardware frames context\n");
        return AVERROR(EINVAL);
    }
    s->sw_in  = sw_format(inlink->format, il->hw_frames_ctx);
    s->sw_out = s->sw_in;
    if (s->out_format != AV_PIX_FMT_NONE) {
        if (!hw_in) {
            av_log(ctx, AV_LOG_ERROR, "out_format=%s applies to CUDA frames (-hwaccel cuda "
                   "-hwaccel_output_format cuda, or hwupload_cuda); software frames keep their "
                   "format: convert after the filter instead (format=%s)\n",
                   av_get_pix_fmt_name(s->out_format), av_get_pix_fmt_name(s->out_format));
            return AVERROR(EINVAL);
        }
        s->sw_out = s->out_format;
    }
    const AVPixFmtDescriptor *out_desc = av_pix_fmt_desc_get(s->sw_out);

    if (inlink->w > INT_MAX / scale || inlink->h > INT_MAX / scale ||
        av_image_check_size(inlink->w * scale, inlink->h * scale, 0, ctx) < 0) {
        av_log(ctx, AV_LOG_ERROR, "Output size %dx%d times %d is too large\n",
               inlink->w, inlink->h, scale);
        return AVERROR(EINVAL);
    }
    s->full_w = inlink->w * scale;
    s->full_h = inlink->h * scale;
    outlink->w = s->full_w;
    outlink->h = s->full_h;
    if (s->outscale > 0) {
        outlink->w = scaled_size(inlink->w, s->outscale, out_desc->log2_chroma_w);
        outlink->h = scaled_size(inlink->h, s->outscale, out_desc->log2_chroma_h);
        if (outlink->w < 0 || outlink->h < 0 || av_image_check_size(outlink->w, outlink->h, 0, ctx) < 0) {
            av_log(ctx, AV_LOG_ERROR, "Output size %dx%d times %g is too large\n",
                   inlink->w, inlink->h, s->outscale);
            return AVERROR(EINVAL);
        }
    }
    s->resampling = outlink->w != s->full_w || outlink->h != s->full_h;
    /* the display aspect ratio stays: the sample aspect ratio absorbs any rounding */
    outlink->sample_aspect_ratio = inlink->sample_aspect_ratio;
    if (s->resampling && inlink->sample_aspect_ratio.num) {
        AVRational r;
        av_reduce(&r.num, &r.den, (int64_t)outlink->h * inlink->w, (int64_t)outlink->w * inlink->h, INT_MAX);
        outlink->sample_aspect_ratio = av_mul_q(r, inlink->sample_aspect_ratio);
    }

    /* frames may still differ in colour properties (chroma siting is per frame only):
     * filter_frame re-plans when they do */
    ret = frame_geometry(&g, s->sw_in, s->sw_out, inlink->w, inlink->h, inlink->colorspace,
                         inlink->color_range, AVCHROMA_LOC_UNSPECIFIED);
    if (ret < 0 && s->sw_out != s->sw_in) {
        av_log(ctx, AV_LOG_ERROR, "out_format=%s for %s frames: the output keeps the input's "
               "colour model (RGB, YUV or gray)\n", av_get_pix_fmt_name(s->sw_out), av_get_pix_fmt_name(s->sw_in));
        return ret;
    } else if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "Unsupported pixel format %s\n", av_get_pix_fmt_name(s->sw_in));
        return ret;
    }
    if ((ret = create_engine(ctx, hw_in)) < 0 || (ret = plan_engine(ctx, &g)) < 0)
        return ret;

    char tile[16] = "auto", threads[32] = "", resize[64] = "", dn[32] = "";
    if (s->tile)
        snprintf(tile, sizeof(tile), "%d", s->tile);
    if (!s->cuda)
        snprintf(threads, sizeof(threads), ", %d thread(s)", s->engine->config.threads);
    if (s->resampling)
        snprintf(resize, sizeof(resize), ", Lanczos to x%g", s->outscale);
    if (s->dn < 1.0f)
        snprintf(dn, sizeof(dn), " (dn=%g blend)", s->dn);
    av_log(ctx, AV_LOG_INFO, "%s%s: %s x%d, %.2fM parameters; backend %s%s, %s%s, tile %s (pad %d%s); "
           "%dx%d -> %dx%d%s\n", av_basename(s->model_path), dn,
           resr_arch_name(s->model->arch), scale, s->model->num_params / 1e6, s->engine->ops->name,
           s->cuda && !hw_in ? " (uploads software frames)" : "", precision_name(s->engine_precision),
           threads, tile, s->engine->config.tile_pad, s->tile_pad < 0 ? ", auto" : "",
           inlink->w, inlink->h, outlink->w, outlink->h, resize);
    av_log(ctx, AV_LOG_VERBOSE, "w:%d h:%d fmt:%s -> w:%d h:%d\n", inlink->w, inlink->h,
           av_get_pix_fmt_name(s->sw_in), outlink->w, outlink->h);
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

static void frame_planes(ResrPlanes *p, const AVFrame *frame)
{
    for (int i = 0; i < 4; i++) {
        p->data[i]     = frame->data[i];
        p->linesize[i] = frame->linesize[i];
    }
}

#ifdef RESR_HAVE_CUDA
/* A software frame to or from the CUDA engine, every row of every plane. */
static int transfer(RealESRGANContext *s, AVFrame *dst, const AVFrame *src, int to_device)
{
    const AVFrame *sw = to_device ? src : dst;
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(sw->format);
    size_t bytes[4] = { 0 };
    int rows[4] = { 0 };
    ResrPlanes from, to;

    for (int p = 0; p < 4 && sw->data[p]; p++) {
        const int linesize = av_image_get_linesize(sw->format, sw->width, p);
        if (linesize < 0)
            return linesize;
        bytes[p] = linesize;
        rows[p]  = p == 1 || p == 2 ? AV_CEIL_RSHIFT(sw->height, desc->log2_chroma_h) : sw->height;
    }
    frame_planes(&from, src);
    frame_planes(&to, dst);
    return resr_cuda_engine_transfer(s->engine, &from, &to, bytes, rows, to_device);
}
#endif

/* With -v verbose the CUDA engine's asynchronous work is waited for, so that each stage's
 * time is its own. */
static int stage_done(RealESRGANContext *s, int timing)
{
#ifdef RESR_HAVE_CUDA
    if (timing && s->cuda)
        return resr_cuda_engine_sync(s->engine);
#endif
    return 0;
}

static int realesrgan_filter_frame(AVFilterLink *inlink, AVFrame *in)
{
    AVFilterContext *ctx     = inlink->dst;
    RealESRGANContext *s     = ctx->priv;
    AVFilterLink    *outlink = ctx->outputs[0];
    const int timing         = av_log_get_level() >= AV_LOG_VERBOSE;
    const int64_t start      = av_gettime_relative();
    int64_t t, engine_us = 0, resample_us = 0, transfer_us = 0;
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
    if (sw_format(in->format, in->hw_frames_ctx) != s->sw_in) {
        av_log(ctx, AV_LOG_ERROR, "CUDA frames changed sw_format from %s to %s mid-stream\n",
               av_get_pix_fmt_name(s->sw_in), av_get_pix_fmt_name(sw_format(in->format, in->hw_frames_ctx)));
        ret = AVERROR(EINVAL);
        goto fail;
    }
    ret = frame_geometry(&g, s->sw_in, s->sw_out, in->width, in->height, in->colorspace,
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
    if (g.in_format.type == RESR_SAMPLE_F32 && !in->hw_frames_ctx && !s->warned_nonfinite) {
        size_t nonfinite;
        frame_planes(&src, in);
        if ((nonfinite = resr_frame_count_nonfinite(&g.in_format, &src, in->width, in->height))) {
            av_log(ctx, AV_LOG_WARNING, "Frame %"PRId64" holds %zu NaN/Inf samples: read as 0 "
                   "(NaN, -Inf) or 1 (+Inf); not warning again\n", s->frame_count, nonfinite);
            s->warned_nonfinite = 1;
        }
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
    out->crop_top    = av_rescale(in->crop_top,    outlink->h, inlink->h);
    out->crop_bottom = av_rescale(in->crop_bottom, outlink->h, inlink->h);
    out->crop_left   = av_rescale(in->crop_left,   outlink->w, inlink->w);
    out->crop_right  = av_rescale(in->crop_right,  outlink->w, inlink->w);
    tag_output_colour(out, in, &g.out_format);

    /* software frames on the CUDA engine travel through dev_in and dev_out */
    const AVFrame *engine_in = in;
    AVFrame *final = s->dev_out ? s->dev_out : out;
#ifdef RESR_HAVE_CUDA
    if (s->dev_in) {
        t = av_gettime_relative();
        if ((ret = transfer(s, s->dev_in, in, 1)) < 0) {
            av_log(ctx, AV_LOG_ERROR, "Uploading frame %"PRId64" failed: %s\n", s->frame_count, av_err2str(ret));
            goto fail;
        }
        transfer_us += av_gettime_relative() - t;
        engine_in = s->dev_in;
    }
#endif

    t = av_gettime_relative();
    frame_planes(&src, engine_in);
    frame_planes(&dst, s->resampling ? s->full : final);
    ret = s->engine->ops->run(s->engine, &src, &dst);
    if (ret >= 0)
        ret = stage_done(s, timing);
    if (ret < 0) {
        av_log(ctx, AV_LOG_ERROR, "The %s engine failed on frame %"PRId64": %s\n",
               s->engine->ops->name, s->frame_count, av_err2str(ret));
        goto fail;
    }
    engine_us = av_gettime_relative() - t;

    if (s->resampling) {
        t = av_gettime_relative();
        frame_planes(&src, s->full);
        frame_planes(&dst, final);
#ifdef RESR_HAVE_CUDA
        if (s->cuda) {
            ret = resr_cuda_engine_resample(s->engine, &src, &dst);
            if (ret >= 0)
                ret = stage_done(s, timing);
        } else
#endif
            ret = resr_resample_run(&s->resample, &src, &dst);
        if (ret < 0) {
            av_log(ctx, AV_LOG_ERROR, "Resizing frame %"PRId64" failed: %s\n", s->frame_count, av_err2str(ret));
            goto fail;
        }
        resample_us = av_gettime_relative() - t;
    }

#ifdef RESR_HAVE_CUDA
    if (s->dev_out) {
        t = av_gettime_relative();
        if ((ret = transfer(s, out, s->dev_out, 0)) < 0) {
            av_log(ctx, AV_LOG_ERROR, "Downloading frame %"PRId64" failed: %s\n", s->frame_count, av_err2str(ret));
            goto fail;
        }
        transfer_us += av_gettime_relative() - t;
    }
#endif

    if (timing) {
        const double total = (av_gettime_relative() - start) / 1000.0;
        const ResrEngineTimes *e = &s->engine->last_run;
        char split[64] = "";
        if (e->network_ms > 0.0)
            snprintf(split, sizeof(split), " (network %.1f, conversion %.1f)", e->network_ms, e->convert_ms);
        av_log(ctx, AV_LOG_VERBOSE, "frame %"PRId64" (pts %s): engine %.1f ms%s, resize %.1f ms, "
               "transfer %.1f ms; %.1f ms, %.2f fps\n", s->frame_count, av_ts2str(in->pts),
               engine_us / 1000.0, split, resample_us / 1000.0, transfer_us / 1000.0,
               total, total > 0.0 ? 1000.0 / total : 0.0);
    }
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
    { "model", "Real-ESRGAN model: a .pth or .safetensors file, or an official model's name (e.g. realesr-animevideov3, RealESRGAN_x4plus) looked up in $REALESRGAN_MODEL_PATH, ./models, ~/.cache/realesrgan", OFFSET(model_name), AV_OPT_TYPE_STRING, { .str = NULL }, .flags = FLAGS },
    { "outscale", "output size / input size, 0 = the model's scale; other factors resize the network's output (Lanczos, a=3, antialiased) to the nearest size in whole chroma samples", OFFSET(outscale), AV_OPT_TYPE_DOUBLE, { .dbl = 0 }, 0, 16, FLAGS },
    { "dn", "denoise strength of realesr-general-x4v3, 0 (weak, keeps noise) .. 1 (the model as it is): its weights are blended with realesr-general-wdn-x4v3's as dn * model + (1 - dn) * dn_model (the official script's default is 0.5)", OFFSET(dn), AV_OPT_TYPE_FLOAT, { .dbl = 1 }, 0, 1, FLAGS },
    { "dn_model", "the model dn < 1 blends with (default: realesr-general-wdn-x4v3 beside the model, else on the model search path)", OFFSET(dn_model_name), AV_OPT_TYPE_STRING, { .str = NULL }, .flags = FLAGS },
    { "tile", "input tile size in pixels, 0 = automatic (whole frame when it fits)", OFFSET(tile), AV_OPT_TYPE_INT, { .i64 = 0 }, 0, 16384, FLAGS },
    { "tile_pad", "context added around each tile, in input pixels; -1 = automatic: SRVGGNetCompact's receptive radius + 1 (tiles then equal the whole frame exactly), 40 for RRDBNet (80 for x2, 160 for x1 models; seams above 45 dB PSNR)", OFFSET(tile_pad), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, 1024, FLAGS },
    { "backend", "engine", OFFSET(backend), AV_OPT_TYPE_INT, { .i64 = BACKEND_AUTO }, 0, BACKEND_NB - 1, FLAGS, .unit = "backend" },
        { "auto", "CUDA for CUDA frames, CPU for software frames", 0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_AUTO }, 0, 0, FLAGS, .unit = "backend" },
        { "cpu",  "fp32 CPU engine (workers: the generic threads option)", 0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_CPU  }, 0, 0, FLAGS, .unit = "backend" },
        { "cuda", "CUDA engine: CUDA frames, or software frames uploaded to the device option's GPU", 0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_CUDA }, 0, 0, FLAGS, .unit = "backend" },
    { "precision", "arithmetic of the CUDA engine; the CPU engine computes in fp32", OFFSET(precision), AV_OPT_TYPE_INT, { .i64 = PRECISION_AUTO }, PRECISION_AUTO, RESR_PRECISION_FP32, FLAGS, .unit = "precision" },
        { "auto", "fp16 on CUDA, fp32 on the CPU", 0, AV_OPT_TYPE_CONST, { .i64 = PRECISION_AUTO }, 0, 0, FLAGS, .unit = "precision" },
        { "fp16", "tensor cores, fp16 storage with overflow control", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_FP16 }, 0, 0, FLAGS, .unit = "precision" },
        { "bf16", "tensor cores, bf16 (compute capability 8.0+)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_BF16 }, 0, 0, FLAGS, .unit = "precision" },
        { "fp32", "plain fp32", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_FP32 }, 0, 0, FLAGS, .unit = "precision" },
    { "device", "GPU index for software frames with backend=cuda, -1 = the filter graph's CUDA device (-filter_hw_device), else GPU 0", OFFSET(device), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, 255, FLAGS },
    { "out_format", "CUDA frames: output sw_format, one of nv12, yuv420p, p010le, p016le, yuv444p, yuv444p16le, 0rgb32, 0bgr32, rgb32, bgr32; none = the input's", OFFSET(out_format), AV_OPT_TYPE_PIXEL_FMT, { .i64 = AV_PIX_FMT_NONE }, AV_PIX_FMT_NONE, INT_MAX, FLAGS },
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
    .p.name         = "realesrgan",
    .p.description  = NULL_IF_CONFIG_SMALL("Upscale with a Real-ESRGAN network (RRDBNet, SRVGGNetCompact)."),
    .p.priv_class   = &realesrgan_class,
    .p.flags        = AVFILTER_FLAG_HWDEVICE,
    .priv_size      = sizeof(RealESRGANContext),
    .init           = realesrgan_init,
    .uninit         = realesrgan_uninit,
    FILTER_INPUTS(realesrgan_inputs),
    FILTER_OUTPUTS(realesrgan_outputs),
    FILTER_QUERY_FUNC2(query_formats),
    /* output links get their CUDA frame pool here, not the input's */
    .flags_internal = FF_FILTER_FLAG_HWFRAME_AWARE,
};
