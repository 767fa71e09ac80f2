/*
 * Real-ESRGAN super-resolution filter.
 *
 * The FFmpeg glue: options, format negotiation, hardware frames, the frame loop and
 * logging. The work is an engine's (core/engine.h: the CPU engine, or the CUDA engine
 * for CUDA frames and backend=cuda); formats.c translates FFmpeg's pixel formats and
 * colour properties for it, model_options.c loads the model.
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

#include "libavutil/avstring.h"
#include "libavutil/cpu.h"
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

#include "../core/resample.h"
#include "../core/tile_plan.h"
#include "../cpu/cpu_engine.h"
#include "dedup.h"
#include "ffmpeg_compat.h"
#include "formats.h"
#include "model_options.h"

/* The CUDA engine, when this build has one (FFmpeg with CUDA, and nvcc for the kernels):
 * the glue's one conditional. Without it, backend=cuda is refused at init. */
#ifdef RESR_HAVE_CUDA
#include "../cuda/cuda_engine.h"
#define CUDA_ENGINE_BUILT 1
#else
#define CUDA_ENGINE_BUILT 0
static int resr_cuda_engine_create(ResrEngine **out, const ResrModel *model,
                                   const ResrEngineConfig *config, AVBufferRef *device)
{
    (void)model, (void)config, (void)device;
    *out = NULL;
    return AVERROR(ENOSYS);
}
#endif

enum RealESRGANBackend {
    BACKEND_AUTO,
    BACKEND_CPU,
    BACKEND_CUDA,
    BACKEND_NB
};

/* How the alpha plane is upscaled */
enum RealESRGANAlpha {
    ALPHA_AUTO = -1,  ///< network for RRDBNet (the RealESRGAN_* models), bicubic for SRVGGNetCompact
    ALPHA_BICUBIC,    ///< bicubic beside the network (the engines' own)
    ALPHA_NETWORK,    ///< the official script: alpha as gray RGB through the network, back to gray
    ALPHA_NB
};

/* outscale's output size */
enum RealESRGANRounding {
    ROUND_TRUNCATE,   ///< int(w * outscale), as the official script
    ROUND_NEAREST,
    ROUND_NB
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
    int rounding;                    ///< enum RealESRGANRounding
    int tile;
    int tile_pad;
    int pre_pad;
    int alpha;                       ///< enum RealESRGANAlpha
    int backend;
    int precision;
    int cpu_backend;
    int cuda_conv;
    int device;
    enum AVPixelFormat out_format;   ///< CUDA frames: output sw_format, NONE = the input's
    RealESRGANDedup dedup;           ///< held frames (dedup.c)

    char model_path[4096];           ///< the file model_name resolved to
    ResrModel *model;
    ResrEngine *engine;
    ResrEngine *alpha_engine;        ///< alpha=network: a second engine, on the alpha plane as gray
    int cuda;                        ///< the engine is the CUDA engine
    ResrPrecision engine_precision;
    enum AVPixelFormat sw_in, sw_out;  ///< sample layouts of the negotiated frames
    ResrFrameGeometry geometry;      ///< what the engine is planned for
    int planned;

    AVBufferRef *device_ref;         ///< the CUDA engine's device
    AVBufferRef *out_frames_ref;     ///< CUDA output frames (CUDA frames in)

    int swap_bytes;                  ///< big-endian frames: swapped to the native twin around the engine

    int warned_colorspace;
    int warned_nonfinite;
    int warned_transfer;
    int warned_interlaced;
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
    /* what decoders of deep formats give (ProRes 4444, DNxHR, HEVC/AV1/VP9 4:2:2 and 4:4:4
     * 12-bit, FFV1, EXR): without them negotiation picks a format with fewer bits or no alpha */
    AV_PIX_FMT_GBRP14, AV_PIX_FMT_GBRAP10, AV_PIX_FMT_GBRAP12, AV_PIX_FMT_GBRAPF32,
    AV_PIX_FMT_GRAY12, AV_PIX_FMT_GRAY14,
    AV_PIX_FMT_YUV422P12, AV_PIX_FMT_YUV444P12, AV_PIX_FMT_YUV422P16,
    AV_PIX_FMT_YUVA420P10, AV_PIX_FMT_YUVA422P10, AV_PIX_FMT_YUVA444P10,
    AV_PIX_FMT_YUVA444P12, AV_PIX_FMT_YUVA420P16, AV_PIX_FMT_YUVA444P16,
    AV_PIX_FMT_NONE
};

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

/* Big-endian formats on little-endian machines (and the reverse) are byte-swapped into
 * their native twin around the engine: the engines read native samples only. */
static enum AVPixelFormat native_twin(enum AVPixelFormat f)
{
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(f);
    const int be = desc && desc->flags & AV_PIX_FMT_FLAG_BE;

    if (!desc || desc->comp[0].depth <= 8 || be == HAVE_BIGENDIAN)
        return f;
    return av_pix_fmt_swap_endianness(f);
}

/* formats[0..n) plus the foreign-endian twin of each format of more than 8 bits. */
static int add_swapped_twins(enum AVPixelFormat *formats, int n)
{
    const int end = n;

    for (int i = 0; i < end; i++) {
        const enum AVPixelFormat twin = av_pix_fmt_swap_endianness(formats[i]);
        if (twin != AV_PIX_FMT_NONE && twin != formats[i] && native_twin(twin) == formats[i])
            formats[n++] = twin;
    }
    formats[n] = AV_PIX_FMT_NONE;
    return n;
}

static int query_formats(const AVFilterContext *ctx,
                         AVFilterFormatsConfig **cfg_in,
                         AVFilterFormatsConfig **cfg_out)
{
    const RealESRGANContext *s = ctx->priv;
    enum AVPixelFormat formats[2 * FF_ARRAY_ELEMS(pixel_formats) + 1];
    /* backend=cuda uploads software frames: only layouts the CUDA path takes */
    const enum AVPixelFormat *sw = CUDA_ENGINE_BUILT && s->backend == BACKEND_CUDA ?
                                   cuda_sw_formats : pixel_formats;
    int n = 0, ret;

    for (int i = 0; sw[i] != AV_PIX_FMT_NONE; i++)
        formats[n++] = sw[i];
    /* the CPU engine's formats in both byte orders (FFmpeg's PNG coder takes 16-bit PNG as
     * big-endian formats only: without them negotiation falls back to 8 bits) */
    if (sw == pixel_formats)
        n = add_swapped_twins(formats, n);
    /* CUDA frames in, CUDA frames out (one list for both links) */
    if (CUDA_ENGINE_BUILT && s->backend != BACKEND_CPU)
        formats[n++] = AV_PIX_FMT_CUDA;
    formats[n] = AV_PIX_FMT_NONE;

    if ((ret = ff_set_common_formats_from_list2(ctx, cfg_in, cfg_out, formats)) < 0)
        return ret;
    return ff_set_common_color_spaces_from_list2(ctx, cfg_in, cfg_out, ff_realesrgan_color_spaces);
}

/* The sample layout of a frame: its sw_format for hardware frames. */
static enum AVPixelFormat sw_format(enum AVPixelFormat format, const AVBufferRef *hw_frames_ctx)
{
    if (format == AV_PIX_FMT_CUDA && hw_frames_ctx)
        return ((const AVHWFramesContext *)hw_frames_ctx->data)->sw_format;
    return format;
}

/* The frame step for w x h input frames of these colour properties. */
static int frame_geometry(AVFilterContext *ctx, ResrFrameGeometry *g, int w, int h,
                          enum AVColorSpace csp, enum AVColorRange range, enum AVChromaLocation loc)
{
    const RealESRGANContext *s = ctx->priv;
    const AVFilterLink *outlink = ctx->outputs[0];
    /* CUDA frames in, CUDA frames out; software frames stay software frames */
    const ResrMemory memory = ctx->inputs[0]->format == AV_PIX_FMT_CUDA ? RESR_MEMORY_DEVICE :
                                                                          RESR_MEMORY_HOST;

    memset(g, 0, sizeof(*g));
    g->in_width   = w;
    g->in_height  = h;
    g->in_memory  = memory;
    g->out_width  = outlink->w;
    g->out_height = outlink->h;
    g->out_memory = memory;
    return ff_realesrgan_describe_frames(&g->in_format, &g->out_format, native_twin(s->sw_in),
                                         native_twin(s->sw_out), w, h, csp, range, loc);
}

/*
 * A frame's alpha component as a gray frame: the engine then reads alpha as R = G = B (the
 * official cv2 GRAY2RGB), runs the network and writes back 0.299 R + 0.587 G + 0.114 B of
 * the clamped output (BT.601 luma of full-range gray: the official RGB2GRAY).
 */
static ResrPixelFormat alpha_as_gray(const ResrPixelFormat *f)
{
    ResrPixelFormat a = *f;

    a.is_rgb = a.has_alpha = 0;
    a.is_gray = 1;
    a.comp[0] = f->comp[3];
    a.log2_chroma_w = a.log2_chroma_h = 0;
    a.kr = 0.299f;
    a.kb = 0.114f;
    a.full_range = 1;
    return a;
}

static int plan_one(AVFilterContext *ctx, ResrEngine *engine, const ResrFrameGeometry *g)
{
    int ret;

    if ((ret = engine->ops->plan(engine, g)) < 0)
        av_log(ctx, AV_LOG_ERROR, "Cannot plan the %s engine for %dx%d -> %dx%d frames: %s\n",
               engine->ops->name, g->in_width, g->in_height, g->out_width, g->out_height,
               av_err2str(ret));
    return ret;
}

static int plan_engine(AVFilterContext *ctx, const ResrFrameGeometry *g)
{
    RealESRGANContext *s = ctx->priv;
    int ret;

    s->planned = 0;
    if ((ret = plan_one(ctx, s->engine, g)) < 0)
        return ret;
    if (s->alpha_engine) {
        ResrFrameGeometry a = *g;
        a.in_format  = alpha_as_gray(&g->in_format);
        a.out_format = alpha_as_gray(&g->out_format);
        if ((ret = plan_one(ctx, s->alpha_engine, &a)) < 0)
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
    int ret;

    if (!s->model_name || !*s->model_name) {
        av_log(ctx, AV_LOG_ERROR, "No model given: set model=<path to a .pth or .safetensors file, "
               "or an official model's name such as realesr-animevideov3>\n");
        return AVERROR(EINVAL);
    }
    if (!CUDA_ENGINE_BUILT && s->backend == BACKEND_CUDA) {
        av_log(ctx, AV_LOG_ERROR, "backend=cuda: this build has no CUDA engine (FFmpeg was "
               "configured without CUDA, or nvcc was missing); use backend=cpu or backend=auto\n");
        return AVERROR(ENOSYS);
    }

    if ((ret = ff_realesrgan_dedup_init(ctx, &s->dedup)) < 0)
        return ret;
    if ((ret = ff_realesrgan_load_model(ctx, "model", s->model_name, &s->model, s->model_path,
                                        sizeof(s->model_path))) < 0)
        return ret;
    if (s->dn < 1.0f)
        return ff_realesrgan_blend_denoise(ctx, &s->model, s->model_path, s->dn, s->dn_model_name);
    if (s->dn_model_name)
        av_log(ctx, AV_LOG_WARNING, "dn_model is used with dn < 1 only: ignored\n");
    return 0;
}

/* Everything config_output sets up, so that it can run again and uninit can free it. */
static void release_config(RealESRGANContext *s)
{
    /* the engine points into the model and holds its own device reference */
    resr_engine_free(&s->engine);
    resr_engine_free(&s->alpha_engine);
    av_buffer_unref(&s->out_frames_ref);
    av_buffer_unref(&s->device_ref);
    s->planned = s->cuda = 0;
}

static av_cold void realesrgan_uninit(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;

    if (s->frame_count)
        av_log(ctx, AV_LOG_VERBOSE, "%"PRId64" frame(s) upscaled\n", s->frame_count);
    ff_realesrgan_dedup_summary(ctx, &s->dedup, s->engine, s->frame_count);
    release_config(s);
    resr_model_free(&s->model);
}

/*
 * Output size for outscale, in whole chroma samples, at least one: truncated as the official
 * script's int(w * outscale) (the same double product), or the nearest.
 */
static int scaled_size(int in, double factor, int log2_sub, int rounding)
{
    const int align = 1 << log2_sub;
    const double n = rounding == ROUND_NEAREST ? floor(in * factor / align + 0.5) :
                                                 floor(floor(in * factor) / align);

    if (n > INT_MAX / align)
        return -1;
    return n < 1 ? align : (int)n * align;
}

/* The output link's pool of CUDA frames; pool_size frames allocated up front. */
static int cuda_output_pool(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;
    AVFilterLink *outlink = ctx->outputs[0];
    FilterLink *ol = ff_filter_link(outlink);
    AVHWFramesContext *frames;
    int ret;

    if (!(s->out_frames_ref = av_hwframe_ctx_alloc(s->device_ref)))
        return AVERROR(ENOMEM);
    frames = (AVHWFramesContext *)s->out_frames_ref->data;
    frames->format            = AV_PIX_FMT_CUDA;
    frames->sw_format         = s->sw_out;
    frames->width             = outlink->w;
    frames->height            = outlink->h;
    frames->initial_pool_size = CUDA_OUTPUT_POOL_FRAMES + FFMAX(ctx->extra_hw_frames, 0);
    if ((ret = av_hwframe_ctx_init(s->out_frames_ref)) < 0)
        return ret;
    av_buffer_unref(&ol->hw_frames_ctx);
    return (ol->hw_frames_ctx = av_buffer_ref(s->out_frames_ref)) ? 0 : AVERROR(ENOMEM);
}

/*
 * The CUDA engine's device: for CUDA frames the one that holds them; for software frames
 * under backend=cuda the filter graph's CUDA device (-filter_hw_device) unless the device
 * option names a GPU, else GPU 0.
 */
static int open_cuda_device(AVFilterContext *ctx, int hw_in)
{
    RealESRGANContext *s = ctx->priv;
    char name[16];
    int ret;

    if (hw_in) {
        const FilterLink *il = ff_filter_link(ctx->inputs[0]);
        const AVHWFramesContext *in_frames = (const AVHWFramesContext *)il->hw_frames_ctx->data;
        if (s->device >= 0)
            av_log(ctx, AV_LOG_WARNING, "device=%d ignored: CUDA frames are upscaled on the "
                   "device that holds them\n", s->device);
        s->device_ref = av_buffer_ref(in_frames->device_ref);
        return s->device_ref ? 0 : AVERROR(ENOMEM);
    }
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
 * The tile edge the engines get. A tile computes (tile + 2 pad)^2 pixels for tile^2 kept:
 * tile=1 with realesr-animevideov3's pad of 19 does 1521 times the frame's work. Tiles smaller
 * than the pad (over 9 times the work), or than MIN_TILE (per-tile overheads), are raised.
 */
#define MIN_TILE 16
static int effective_tile(AVFilterContext *ctx)
{
    const RealESRGANContext *s = ctx->priv;
    const int pad = s->tile_pad >= 0 ? s->tile_pad : resr_tile_pad_auto(s->model);
    const int min = FFMAX(pad, MIN_TILE);

    if (s->tile <= 0 || s->tile >= min)
        return s->tile;
    av_log(ctx, AV_LOG_WARNING, "tile=%d with tile_pad %d would compute about %.0f times the "
           "frame's pixels (each tile reads its pad on every side): raised to tile=%d\n",
           s->tile, pad, ((s->tile + 2.0 * pad) / s->tile) * ((s->tile + 2.0 * pad) / s->tile), min);
    return min;
}

/* CUDA frames and backend=cuda: the CUDA engine on its device, and for CUDA frames the
 * output link's frame pool. */
static int create_cuda_engine(AVFilterContext *ctx, const ResrEngineConfig *config, int hw_in)
{
    RealESRGANContext *s = ctx->priv;
    int ret;

    if (!in_list(cuda_sw_formats, s->sw_in) || !in_list(cuda_sw_formats, s->sw_out)) {
        av_log(ctx, AV_LOG_ERROR, "CUDA frames %s -> %s: the supported sw_formats are nv12, "
               "yuv420p, p010, p016, yuv444p, yuv444p16, 0rgb32, 0bgr32, rgb32, bgr32 "
               "(convert first, e.g. scale_cuda=format=nv12)\n",
               av_get_pix_fmt_name(s->sw_in), av_get_pix_fmt_name(s->sw_out));
        return AVERROR(ENOSYS);
    }
    if ((ret = open_cuda_device(ctx, hw_in)) < 0)
        return ret;
    if ((ret = resr_cuda_engine_create(&s->engine, s->model, config, s->device_ref)) < 0) {
        av_log(ctx, AV_LOG_ERROR, "Cannot create the CUDA engine: %s\n", av_err2str(ret));
        return ret;
    }
    s->cuda = 1;
    return hw_in ? cuda_output_pool(ctx) : 0;
}

/* Whether the alpha plane goes through the network (the CPU engine's software frames). */
static int network_alpha(AVFilterContext *ctx)
{
    const RealESRGANContext *s = ctx->priv;
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(s->sw_in);

    if (!(desc->flags & AV_PIX_FMT_FLAG_ALPHA))
        return 0;
    return s->alpha == ALPHA_NETWORK ||
           (s->alpha == ALPHA_AUTO && s->model->arch == RESR_ARCH_RRDBNET);
}

/* The engine for the negotiated frames: CUDA frames or backend=cuda the CUDA engine,
 * software frames the CPU engine. */
static int create_engine(AVFilterContext *ctx, int hw_in)
{
    RealESRGANContext *s = ctx->priv;
    const int cuda = hw_in || s->backend == BACKEND_CUDA;
    ResrEngineConfig config = {
        .threads   = engine_threads(ctx),
        .tile      = effective_tile(ctx),
        .tile_pad  = s->tile_pad,
        .pre_pad   = s->pre_pad,
        .precision = s->precision != PRECISION_AUTO ? s->precision :
                     cuda ? RESR_PRECISION_FP16 : RESR_PRECISION_FP32,
        .cpu_backend = s->cpu_backend,
        .cuda_conv = s->cuda_conv,
        .timing    = av_log_get_level() >= AV_LOG_VERBOSE,
        .log       = engine_log,
        .log_ctx   = ctx,
    };
    int ret;

    ff_realesrgan_dedup_config(&s->dedup, &config);
    if (cuda) {
        if (s->alpha == ALPHA_NETWORK && av_pix_fmt_desc_get(s->sw_in)->flags & AV_PIX_FMT_FLAG_ALPHA) {
            av_log(ctx, AV_LOG_ERROR, "alpha=network runs on the CPU engine (software frames, "
                   "backend=cpu or auto); the CUDA engine upscales alpha bicubic: use alpha=bicubic\n");
            return AVERROR(ENOSYS);
        }
        s->engine_precision = config.precision;
        return create_cuda_engine(ctx, &config, hw_in);
    }
    if (s->device >= 0)
        av_log(ctx, AV_LOG_WARNING, "device=%d ignored: software frames run on the CPU "
               "unless backend=cuda\n", s->device);
    if ((ret = resr_cpu_engine_create(&s->engine, s->model, &config)) < 0 ||
        (network_alpha(ctx) && (ret = resr_cpu_engine_create(&s->alpha_engine, s->model, &config)) < 0)) {
        av_log(ctx, AV_LOG_ERROR, "Cannot create the CPU engine: %s\n", av_err2str(ret));
        return ret;
    }
    /* fp32, or bf16 where the CPU engine accepted it (oneDNN on AVX512-BF16 / AMX) */
    s->engine_precision = s->engine->config.precision;
    return 0;
}

/*
 * The display aspect ratio stays: the sample aspect ratio absorbs the rounding of the
 * output size (64x48 at outscale 1.3 is 83x62: SAR 248:249 keeps 4:3). An unknown input
 * SAR counts as square pixels when the size rounding changes the shape.
 */
static void output_sar(const AVFilterLink *inlink, AVFilterLink *outlink)
{
    const AVRational in_sar = inlink->sample_aspect_ratio.num ? inlink->sample_aspect_ratio :
                                                                 (AVRational){ 1, 1 };
    AVRational r;

    av_reduce(&r.num, &r.den, (int64_t)outlink->h * inlink->w, (int64_t)outlink->w * inlink->h, INT_MAX);
    if (!inlink->sample_aspect_ratio.num && r.num == r.den)
        return;   /* unknown stays unknown */
    outlink->sample_aspect_ratio = av_mul_q(r, in_sar);
}

/* Output size and sample aspect ratio: the model's scale, or outscale's. */
static int output_size(AVFilterContext *ctx)
{
    RealESRGANContext *s = ctx->priv;
    AVFilterLink *inlink = ctx->inputs[0], *outlink = ctx->outputs[0];
    const AVPixFmtDescriptor *out_desc = av_pix_fmt_desc_get(s->sw_out);
    const int scale = s->model->scale;

    if (inlink->w > INT_MAX / scale || inlink->h > INT_MAX / scale ||
        av_image_check_size(inlink->w * scale, inlink->h * scale, 0, ctx) < 0) {
        av_log(ctx, AV_LOG_ERROR, "Output size %dx%d times %d is too large\n",
               inlink->w, inlink->h, scale);
        return AVERROR(EINVAL);
    }
    outlink->w = inlink->w * scale;
    outlink->h = inlink->h * scale;
    outlink->sample_aspect_ratio = inlink->sample_aspect_ratio;
    if (s->outscale <= 0)
        return 0;

    outlink->w = scaled_size(inlink->w, s->outscale, out_desc->log2_chroma_w, s->rounding);
    outlink->h = scaled_size(inlink->h, s->outscale, out_desc->log2_chroma_h, s->rounding);
    if (outlink->w < 0 || outlink->h < 0 || av_image_check_size(outlink->w, outlink->h, 0, ctx) < 0) {
        av_log(ctx, AV_LOG_ERROR, "Output size %dx%d times %g is too large\n",
               inlink->w, inlink->h, s->outscale);
        return AVERROR(EINVAL);
    }
    if (!resr_resample_sizes_ok(inlink->w * scale, inlink->h * scale, outlink->w, outlink->h)) {
        av_log(ctx, AV_LOG_ERROR, "Cannot plan resizing %dx%d to %dx%d (outscale %g; at most "
               "%d times smaller than the network's output)\n", inlink->w * scale, inlink->h * scale,
               outlink->w, outlink->h, s->outscale, RESR_RESAMPLE_MAX_SHRINK);
        return AVERROR(EINVAL);
    }
    output_sar(inlink, outlink);
    return 0;
}

/* The summary line at the default log level. */
static void log_configuration(AVFilterContext *ctx, int hw_in)
{
    const RealESRGANContext *s = ctx->priv;
    const AVFilterLink *inlink = ctx->inputs[0], *outlink = ctx->outputs[0];
    const ResrModel *m = s->model;
    char tile[16] = "auto", threads[32] = "", resize[64] = "", dn[32] = "", pre_pad[32] = "";

    if (s->engine->config.tile)
        snprintf(tile, sizeof(tile), "%d", s->engine->config.tile);
    if (!s->cuda)
        snprintf(threads, sizeof(threads), ", %d thread(s)", s->engine->config.threads);
    if (resr_geometry_resamples(&s->geometry, m->scale))
        snprintf(resize, sizeof(resize), ", Lanczos to x%g", s->outscale);
    if (s->dn < 1.0f)
        snprintf(dn, sizeof(dn), " (dn=%g blend)", s->dn);
    if (s->pre_pad)
        snprintf(pre_pad, sizeof(pre_pad), ", pre_pad %d", s->pre_pad);
    av_log(ctx, AV_LOG_INFO, "%s%s: %s x%d, %.2fM parameters; backend %s%s, %s%s, tile %s (pad %d%s)%s; "
           "%dx%d -> %dx%d%s%s\n", av_basename(s->model_path), dn,
           resr_arch_name(m->arch), m->scale, m->num_params / 1e6, s->engine->ops->name,
           s->cuda && !hw_in ? " (uploads software frames)" : "", resr_precision_name(s->engine_precision),
           threads, tile, s->engine->config.tile_pad, s->tile_pad < 0 ? ", auto" : "", pre_pad,
           inlink->w, inlink->h, outlink->w, outlink->h, resize,
           s->alpha_engine ? ", alpha through the network" : "");
    av_log(ctx, AV_LOG_VERBOSE, "w:%d h:%d fmt:%s -> w:%d h:%d\n", inlink->w, inlink->h,
           av_get_pix_fmt_name(s->sw_in), outlink->w, outlink->h);
}

static int realesrgan_config_output(AVFilterLink *outlink)
{
    AVFilterContext *ctx    = outlink->src;
    AVFilterLink    *inlink = ctx->inputs[0];
    RealESRGANContext *s    = ctx->priv;
    const FilterLink *il    = ff_filter_link(inlink);
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
    s->swap_bytes = !hw_in && native_twin(s->sw_in) != s->sw_in;
    if ((ret = output_size(ctx)) < 0)
        return ret;

    /* frames may still differ in colour properties (chroma siting is per frame only):
     * filter_frame re-plans when they do */
    ret = frame_geometry(ctx, &g, inlink->w, inlink->h, inlink->colorspace, inlink->color_range,
                         AVCHROMA_LOC_UNSPECIFIED);
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
    log_configuration(ctx, hw_in);
    return 0;
}

/* ---- the frame loop ------------------------------------------------------------------------- */

/* The output size is fixed when the graph is configured: a frame must match its link. */
static int check_frame_layout(AVFilterContext *ctx, const AVFrame *in)
{
    const RealESRGANContext *s = ctx->priv;
    const AVFilterLink *inlink = ctx->inputs[0];

    if (in->width != inlink->w || in->height != inlink->h || in->format != inlink->format) {
        av_log(ctx, AV_LOG_ERROR, "Frame changed from %dx%d %s to %dx%d %s mid-stream; the output "
               "size is fixed when the graph is configured (ffmpeg reconfigures filters on such "
               "changes unless -reinit_filter 0 is given)\n",
               inlink->w, inlink->h, av_get_pix_fmt_name(inlink->format),
               in->width, in->height, av_get_pix_fmt_name(in->format));
        return AVERROR(EINVAL);
    }
    if (sw_format(in->format, in->hw_frames_ctx) != s->sw_in) {
        av_log(ctx, AV_LOG_ERROR, "CUDA frames changed sw_format from %s to %s mid-stream\n",
               av_get_pix_fmt_name(s->sw_in), av_get_pix_fmt_name(sw_format(in->format, in->hw_frames_ctx)));
        return AVERROR(EINVAL);
    }
    return 0;
}

/* One warning each: content the networks were not trained on (HDR transfer, interlacing). */
static void warn_about_content(AVFilterContext *ctx, const AVFrame *in)
{
    RealESRGANContext *s = ctx->priv;

    if (!s->warned_transfer &&
        (in->color_trc == AVCOL_TRC_SMPTE2084 || in->color_trc == AVCOL_TRC_ARIB_STD_B67)) {
        av_log(ctx, AV_LOG_WARNING, "Frames with %s transfer (HDR): the networks were trained "
               "on SDR images and see the coded signal as if it were SDR; expect shifted "
               "contrast and colours (tone-map to SDR first, e.g. with zscale and tonemap, "
               "for SDR output)\n", av_color_transfer_name(in->color_trc));
        s->warned_transfer = 1;
    }
    if (!s->warned_interlaced && in->flags & AV_FRAME_FLAG_INTERLACED) {
        av_log(ctx, AV_LOG_WARNING, "Interlaced frames: the network upscales the two fields "
               "woven together and enlarges their combing; deinterlace first (e.g. "
               "bwdif or yadif before realesrgan, or bwdif_cuda for CUDA frames)\n");
        s->warned_interlaced = 1;
    }
}

/* One warning each: a matrix the filter does not convert, NaN/Inf samples in float frames. */
static void warn_about_input(AVFilterContext *ctx, const AVFrame *in, const ResrFrameGeometry *g)
{
    RealESRGANContext *s = ctx->priv;
    ResrPlanes planes;
    size_t nonfinite;

    warn_about_content(ctx, in);

    if (!g->in_format.is_rgb && !g->in_format.is_gray && !s->warned_colorspace &&
        in->colorspace != AVCOL_SPC_UNSPECIFIED && !ff_realesrgan_known_matrix(in->colorspace)) {
        av_log(ctx, AV_LOG_WARNING, "Frames in colorspace %s, which this filter does not "
               "convert: read as %s instead\n", av_color_space_name(in->colorspace),
               av_color_space_name(ff_realesrgan_effective_colorspace(in->colorspace, in->width, in->height)));
        s->warned_colorspace = 1;
    }
    if (g->in_format.type != RESR_SAMPLE_F32 || in->hw_frames_ctx || s->warned_nonfinite)
        return;
    ff_realesrgan_frame_planes(&planes, in);
    if ((nonfinite = resr_frame_count_nonfinite(&g->in_format, &planes, in->width, in->height))) {
        av_log(ctx, AV_LOG_WARNING, "Frame %"PRId64" holds %zu NaN/Inf samples: read as 0 "
               "(NaN, -Inf) or 1 (+Inf); not warning again\n", s->frame_count, nonfinite);
        s->warned_nonfinite = 1;
    }
}

/* Colour properties are per frame: the engine follows them (chroma siting, matrix, range). */
static int follow_colour_properties(AVFilterContext *ctx, const AVFrame *in)
{
    RealESRGANContext *s = ctx->priv;
    ResrFrameGeometry g;
    int ret;

    if ((ret = frame_geometry(ctx, &g, in->width, in->height, in->colorspace, in->color_range,
                              in->chroma_location)) < 0)
        return ret;
    warn_about_input(ctx, in, &g);
    if (s->planned && !memcmp(&g, &s->geometry, sizeof(g)))
        return 0;
    av_log(ctx, AV_LOG_VERBOSE, "Colour properties changed: re-planning\n");
    return plan_engine(ctx, &g);
}

/* The output frame, with the input's properties scaled to its size and its colour
 * interpretation spelled out. */
static int output_frame(AVFilterContext *ctx, const AVFrame *in, AVFrame **out)
{
    const RealESRGANContext *s = ctx->priv;
    AVFilterLink *inlink = ctx->inputs[0], *outlink = ctx->outputs[0];
    int ret;

    if (!(*out = ff_get_video_buffer(outlink, outlink->w, outlink->h)))
        return AVERROR(ENOMEM);
    if ((ret = av_frame_copy_props(*out, in)) < 0)
        return ret;
    /* after copying: the input's SAR does not absorb the output size's rounding */
    (*out)->sample_aspect_ratio = outlink->sample_aspect_ratio;
    /* cropping is in pixels of the frame it applies to */
    (*out)->crop_top    = av_rescale(in->crop_top,    outlink->h, inlink->h);
    (*out)->crop_bottom = av_rescale(in->crop_bottom, outlink->h, inlink->h);
    (*out)->crop_left   = av_rescale(in->crop_left,   outlink->w, inlink->w);
    (*out)->crop_right  = av_rescale(in->crop_right,  outlink->w, inlink->w);
    ff_realesrgan_tag_output_colour(*out, in, &s->geometry.out_format);
    return 0;
}

/* The engine's frame step. */
static int upscale(AVFilterContext *ctx, const AVFrame *in, AVFrame *out)
{
    RealESRGANContext *s = ctx->priv;
    ResrPlanes src, dst;
    int ret;

    ff_realesrgan_frame_planes(&src, in);
    ff_realesrgan_frame_planes(&dst, out);
    /* alpha=network: the alpha engine then overwrites the bicubic alpha */
    if ((ret = s->engine->ops->run(s->engine, &src, &dst)) < 0 ||
        (s->alpha_engine && (ret = s->alpha_engine->ops->run(s->alpha_engine, &src, &dst)) < 0))
        av_log(ctx, AV_LOG_ERROR, "The %s engine failed on frame %"PRId64": %s\n",
               s->engine->ops->name, s->frame_count, av_err2str(ret));
    return ret;
}

/* Big-endian frames: their samples swapped in place into the native twin's for the engine
 * (a copy first when the frame is shared). */
static int to_native_bytes(AVFilterContext *ctx, AVFrame **in)
{
    const RealESRGANContext *s = ctx->priv;
    int ret;

    if (!s->swap_bytes)
        return 0;
    if ((ret = ff_inlink_make_frame_writable(ctx->inputs[0], in)) < 0)
        return ret;
    return ff_realesrgan_swap_sample_bytes(*in);
}

/* -v verbose: where the frame's time went (the engine waits between its stages then). */
static void log_frame_time(AVFilterContext *ctx, const AVFrame *in, int64_t start)
{
    const RealESRGANContext *s = ctx->priv;
    const ResrEngineTimes *e = &s->engine->last_run;
    const double total = (av_gettime_relative() - start) / 1000.0;
    char split[64] = "";

    if (av_log_get_level() < AV_LOG_VERBOSE)
        return;
    if (e->convert_ms > 0.0)
        snprintf(split, sizeof(split), " (network %.1f, conversion %.1f)", e->network_ms, e->convert_ms);
    av_log(ctx, AV_LOG_VERBOSE, "frame %"PRId64" (pts %s): engine %.1f ms%s, resize %.1f ms, "
           "transfer %.1f ms; %.1f ms, %.2f fps\n", s->frame_count, av_ts2str(in->pts),
           e->network_ms + e->convert_ms, split, e->resample_ms, e->transfer_ms,
           total, total > 0.0 ? 1000.0 / total : 0.0);
}

static int realesrgan_filter_frame(AVFilterLink *inlink, AVFrame *in)
{
    AVFilterContext *ctx = inlink->dst;
    RealESRGANContext *s = ctx->priv;
    const int64_t start  = av_gettime_relative();
    AVFrame *out = NULL;
    int ret;

    if ((ret = check_frame_layout(ctx, in)) < 0 ||
        (ret = to_native_bytes(ctx, &in)) < 0 ||
        (ret = follow_colour_properties(ctx, in)) < 0 ||
        (ret = output_frame(ctx, in, &out)) < 0)
        goto fail;
    ff_realesrgan_dedup_before(ctx, &s->dedup, s->engine, in);
    if ((ret = upscale(ctx, in, out)) < 0)
        goto fail;
    /* the engine wrote native samples into the big-endian frame */
    if (s->swap_bytes && (ret = ff_realesrgan_swap_sample_bytes(out)) < 0)
        goto fail;
    log_frame_time(ctx, in, start);
    ff_realesrgan_dedup_after(ctx, s->engine, s->frame_count);
    s->frame_count++;
    av_frame_free(&in);
    return ff_filter_frame(ctx->outputs[0], out);

fail:
    av_frame_free(&in);
    av_frame_free(&out);
    return ret;
}

#define OFFSET(x) offsetof(RealESRGANContext, x)
#define FLAGS (AV_OPT_FLAG_FILTERING_PARAM | AV_OPT_FLAG_VIDEO_PARAM)
static const AVOption realesrgan_options[] = {
    { "model", "Real-ESRGAN model: a .pth or .safetensors file, or an official model's name (e.g. realesr-animevideov3, RealESRGAN_x4plus) looked up in $REALESRGAN_MODEL_PATH, ./models, ~/.cache/realesrgan", OFFSET(model_name), AV_OPT_TYPE_STRING, { .str = NULL }, .flags = FLAGS },
    { "outscale", "output size / input size, 0 = the model's scale; other factors resize the network's output (Lanczos, a=3, antialiased, on the float output; the official script uses OpenCV's LANCZOS4 on the 8-bit image) to the size the rounding option gives, in whole chroma samples", OFFSET(outscale), AV_OPT_TYPE_DOUBLE, { .dbl = 0 }, 0, 16, FLAGS },
    { "rounding", "outscale's output size in pixels", OFFSET(rounding), AV_OPT_TYPE_INT, { .i64 = ROUND_TRUNCATE }, 0, ROUND_NB - 1, FLAGS, .unit = "rounding" },
        { "truncate", "int(size * outscale), as the official inference_realesrgan.py", 0, AV_OPT_TYPE_CONST, { .i64 = ROUND_TRUNCATE }, 0, 0, FLAGS, .unit = "rounding" },
        { "nearest",  "the nearest size", 0, AV_OPT_TYPE_CONST, { .i64 = ROUND_NEAREST }, 0, 0, FLAGS, .unit = "rounding" },
    { "dn", "denoise strength of realesr-general-x4v3, 0 (weak, keeps noise) .. 1 (the model as it is): its weights are blended with realesr-general-wdn-x4v3's as dn * model + (1 - dn) * dn_model (the official script's default is 0.5)", OFFSET(dn), AV_OPT_TYPE_FLOAT, { .dbl = 1 }, 0, 1, FLAGS },
    { "dn_model", "the model dn < 1 blends with (default: realesr-general-wdn-x4v3 beside the model, else on the model search path)", OFFSET(dn_model_name), AV_OPT_TYPE_STRING, { .str = NULL }, .flags = FLAGS },
    { "tile", "input tile size in pixels, 0 = automatic (whole frame when it fits)", OFFSET(tile), AV_OPT_TYPE_INT, { .i64 = 0 }, 0, 16384, FLAGS },
    { "tile_pad", "context added around each tile, in input pixels; -1 = automatic: SRVGGNetCompact's receptive radius + 1 (tiles then equal the whole frame exactly), 40 for RRDBNet (80 for x2, 160 for x1 models; seams above 45 dB PSNR)", OFFSET(tile_pad), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, 1024, FLAGS },
    { "pre_pad", "the official pre_pad: pixels of reflect padding added at the right and bottom before the network, cropped after (the official image script's default is 0, the RealESRGANer class's 10)", OFFSET(pre_pad), AV_OPT_TYPE_INT, { .i64 = 0 }, 0, RESR_MAX_PRE_PAD, FLAGS },
    { "alpha", "how the alpha plane of RGBA/YUVA frames is upscaled", OFFSET(alpha), AV_OPT_TYPE_INT, { .i64 = ALPHA_AUTO }, ALPHA_AUTO, ALPHA_NB - 1, FLAGS, .unit = "alpha" },
        { "auto",    "network for RRDBNet models (RealESRGAN_*), bicubic for SRVGGNetCompact (realesr-*) and CUDA", 0, AV_OPT_TYPE_CONST, { .i64 = ALPHA_AUTO }, 0, 0, FLAGS, .unit = "alpha" },
        { "bicubic", "bicubic beside the network", 0, AV_OPT_TYPE_CONST, { .i64 = ALPHA_BICUBIC }, 0, 0, FLAGS, .unit = "alpha" },
        { "network", "as the official script: alpha replicated to RGB through the network, back to gray (0.299 R + 0.587 G + 0.114 B); doubles the CPU time of frames with alpha", 0, AV_OPT_TYPE_CONST, { .i64 = ALPHA_NETWORK }, 0, 0, FLAGS, .unit = "alpha" },
    { "backend", "engine", OFFSET(backend), AV_OPT_TYPE_INT, { .i64 = BACKEND_AUTO }, 0, BACKEND_NB - 1, FLAGS, .unit = "backend" },
        { "auto", "CUDA for CUDA frames, CPU for software frames", 0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_AUTO }, 0, 0, FLAGS, .unit = "backend" },
        { "cpu",  "fp32 CPU engine (workers: the generic threads option)", 0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_CPU  }, 0, 0, FLAGS, .unit = "backend" },
        { "cuda", "CUDA engine: CUDA frames, or software frames uploaded to the device option's GPU", 0, AV_OPT_TYPE_CONST, { .i64 = BACKEND_CUDA }, 0, 0, FLAGS, .unit = "backend" },
    { "precision", "arithmetic: fp16/bf16/fp32 (fp8 on sm_89+) on CUDA; fp32 on the CPU, or bf16 through oneDNN on a CPU with AVX512-BF16 or AMX", OFFSET(precision), AV_OPT_TYPE_INT, { .i64 = PRECISION_AUTO }, PRECISION_AUTO, RESR_PRECISION_FP8, FLAGS, .unit = "precision" },
        { "auto", "fp16 on CUDA, fp32 on the CPU", 0, AV_OPT_TYPE_CONST, { .i64 = PRECISION_AUTO }, 0, 0, FLAGS, .unit = "precision" },
        { "fp16", "tensor cores, fp16 storage with overflow control", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_FP16 }, 0, 0, FLAGS, .unit = "precision" },
        { "bf16", "tensor cores, bf16 (compute capability 8.0+); on the CPU oneDNN's bf16 math (AVX512-BF16, AMX)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_BF16 }, 0, 0, FLAGS, .unit = "precision" },
        { "fp32", "plain fp32", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_FP32 }, 0, 0, FLAGS, .unit = "precision" },
        { "fp8",  "CUDA, compute capability 8.9+: e4m3 tensor cores inside the convs (scales calibrated at load), fp16 between them", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_PRECISION_FP8 }, 0, 0, FLAGS, .unit = "precision" },
    { "cpu_backend", "the CPU engine's convolutions", OFFSET(cpu_backend), AV_OPT_TYPE_INT, { .i64 = RESR_CPU_BACKEND_AUTO }, RESR_CPU_BACKEND_AUTO, RESR_CPU_BACKEND_ONEDNN, FLAGS, .unit = "cpu_backend" },
        { "auto",   "oneDNN when the build has it and the CPU has AVX-512 or AMX, else native", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_CPU_BACKEND_AUTO }, 0, 0, FLAGS, .unit = "cpu_backend" },
        { "native", "the hand-written fp32 kernels (AVX2+FMA or portable C)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_CPU_BACKEND_NATIVE }, 0, 0, FLAGS, .unit = "cpu_backend" },
        { "onednn", "oneDNN convolutions with fused bias and activation (jit:avx2, AVX-512, AMX)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_CPU_BACKEND_ONEDNN }, 0, 0, FLAGS, .unit = "cpu_backend" },
    { "cuda_conv", "the CUDA engine's 3x3 convolutions", OFFSET(cuda_conv), AV_OPT_TYPE_INT, { .i64 = RESR_CUDA_CONV_AUTO }, RESR_CUDA_CONV_AUTO, RESR_CUDA_CONV_CUTLASS, FLAGS, .unit = "cuda_conv" },
        { "auto",    "mma.sync (CUTLASS once a GPU run has checked it)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_CUDA_CONV_AUTO }, 0, 0, FLAGS, .unit = "cuda_conv" },
        { "mma",     "the mma.sync kernels (sm_75 and newer)", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_CUDA_CONV_MMA }, 0, 0, FLAGS, .unit = "cuda_conv" },
        { "cutlass", "CUTLASS sm_90a wgmma/TMA convs where they apply (compute capability 9.0, fp16 or bf16, a build with CUTLASS), mma.sync for the rest", 0, AV_OPT_TYPE_CONST, { .i64 = RESR_CUDA_CONV_CUTLASS }, 0, 0, FLAGS, .unit = "cuda_conv" },
    { "device", "GPU index for software frames with backend=cuda, -1 = the filter graph's CUDA device (-filter_hw_device), else GPU 0", OFFSET(device), AV_OPT_TYPE_INT, { .i64 = -1 }, -1, 255, FLAGS },
    { "dedup", "held frames: reuse the previous output when the input is the same picture as the one that made it: no 2x2 block of samples differs by more than this mean in 8-bit code values (scaled to the frame's depth; 0 = equal frames only, -1 = off; the default catches codec noise)", OFFSET(dedup.threshold), AV_OPT_TYPE_FLOAT, { .dbl = RESR_DEDUP_DEFAULT }, -1, RESR_DEDUP_MAX, FLAGS },
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

/* FFFilter from FFmpeg 8.0, AVFilter in 7.1 (ffmpeg_compat.h) */
const ResrFilterDefinition ff_vf_realesrgan = {
    RESR_FILTER_PUBLIC(name)        = "realesrgan",
    RESR_FILTER_PUBLIC(description) = NULL_IF_CONFIG_SMALL("Upscale with a Real-ESRGAN network (RRDBNet, SRVGGNetCompact)."),
    RESR_FILTER_PUBLIC(priv_class)  = &realesrgan_class,
    RESR_FILTER_PUBLIC(flags)       = AVFILTER_FLAG_HWDEVICE,
    .priv_size      = sizeof(RealESRGANContext),
    .init           = realesrgan_init,
    .uninit         = realesrgan_uninit,
    FILTER_INPUTS(realesrgan_inputs),
    FILTER_OUTPUTS(realesrgan_outputs),
    FILTER_QUERY_FUNC2(query_formats),
    /* output links get their CUDA frame pool here, not the input's */
    .flags_internal = FF_FILTER_FLAG_HWFRAME_AWARE,
};
