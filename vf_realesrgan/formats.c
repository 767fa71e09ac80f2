/*
 * FFmpeg pixel format descriptors and colour properties -> ResrPixelFormat (formats.h).
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

#include <string.h>

#include "libavutil/bswap.h"
#include "libavutil/csp.h"
#include "libavutil/error.h"
#include "libavutil/imgutils.h"
#include "libavutil/intreadwrite.h"
#include "libavutil/pixdesc.h"

#include "libavfilter/video.h"

#include "formats.h"

const int ff_realesrgan_color_spaces[] = {
    AVCOL_SPC_UNSPECIFIED, AVCOL_SPC_RGB, AVCOL_SPC_BT709, AVCOL_SPC_FCC,
    AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M, AVCOL_SPC_SMPTE240M, AVCOL_SPC_BT2020_NCL,
    -1
};

/* Sample layout of one of the negotiated formats, from its descriptor. */
static int describe_layout(ResrPixelFormat *f, enum AVPixelFormat format)
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

int ff_realesrgan_known_matrix(enum AVColorSpace csp)
{
    for (int i = 0; ff_realesrgan_color_spaces[i] >= 0; i++)
        if (ff_realesrgan_color_spaces[i] == csp)
            return csp != AVCOL_SPC_UNSPECIFIED && csp != AVCOL_SPC_RGB;
    return 0;
}

enum AVColorSpace ff_realesrgan_effective_colorspace(enum AVColorSpace csp, int w, int h)
{
    if (!ff_realesrgan_known_matrix(csp))
        return h >= 720 || w >= 1280 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
    return csp;
}

int ff_realesrgan_describe_frames(ResrPixelFormat *f, ResrPixelFormat *out,
                                  enum AVPixelFormat format, enum AVPixelFormat out_format,
                                  int w, int h, enum AVColorSpace csp, enum AVColorRange range,
                                  enum AVChromaLocation loc)
{
    int ret;

    if ((ret = describe_layout(f, format)) < 0)
        return ret;
    if (f->is_gray) {
        /* gray is full range in FFmpeg; output luma is weighted as BT.601 */
        f->kr = 0.299f;
        f->kb = 0.114f;
        f->full_range = 1;
    } else if (!f->is_rgb) {
        const AVLumaCoefficients *coeffs =
            av_csp_luma_coeffs_from_avcsp(ff_realesrgan_effective_colorspace(csp, w, h));
        const int is_jpeg = ff_fmt_is_forced_full_range(format);
        f->kr = (float)av_q2d(coeffs->cr);
        f->kb = (float)av_q2d(coeffs->cb);
        f->full_range = is_jpeg || range == AVCOL_RANGE_JPEG;
        f->chroma_loc = chroma_location(loc, is_jpeg);
    }
    *out = *f;
    if (out_format == format)
        return 0;
    if ((ret = describe_layout(out, out_format)) < 0)
        return ret;
    out->kr         = f->kr;
    out->kb         = f->kb;
    out->full_range = f->is_rgb ? 0 : f->full_range;
    out->chroma_loc = f->chroma_loc;
    if (out->is_rgb != f->is_rgb || out->is_gray != f->is_gray)
        return AVERROR(ENOSYS);   /* the engines keep the colour model */
    return 0;
}

void ff_realesrgan_tag_output_colour(AVFrame *out, const AVFrame *in, const ResrPixelFormat *f)
{
    if (f->is_rgb || f->is_gray)
        return;
    out->colorspace = ff_realesrgan_effective_colorspace(in->colorspace, in->width, in->height);
    if (out->color_range == AVCOL_RANGE_UNSPECIFIED)
        out->color_range = f->full_range ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    if (out->chroma_location == AVCHROMA_LOC_UNSPECIFIED && (f->log2_chroma_w || f->log2_chroma_h))
        out->chroma_location = to_av_chroma_location(f->chroma_loc);
}

void ff_realesrgan_frame_planes(ResrPlanes *p, const AVFrame *frame)
{
    for (int i = 0; i < 4; i++) {
        p->data[i]     = frame->data[i];
        p->linesize[i] = frame->linesize[i];
    }
}

int ff_realesrgan_swap_sample_bytes(AVFrame *frame)
{
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(frame->format);
    const int unit = desc->comp[0].depth > 16 ? 4 : 2;   /* float32 or 16-bit containers */

    for (int p = 0; p < 4 && frame->data[p]; p++) {
        const int chroma = p == 1 || p == 2;
        const int rows   = chroma ? AV_CEIL_RSHIFT(frame->height, desc->log2_chroma_h) : frame->height;
        const int bytes  = av_image_get_linesize(frame->format, frame->width, p);
        if (bytes < 0)
            return bytes;
        for (int y = 0; y < rows; y++) {
            uint8_t *row = frame->data[p] + (ptrdiff_t)y * frame->linesize[p];
            if (unit == 4)
                for (int x = 0; x + 4 <= bytes; x += 4)
                    AV_WN32(row + x, av_bswap32(AV_RN32(row + x)));
            else
                for (int x = 0; x + 2 <= bytes; x += 2)
                    AV_WN16(row + x, av_bswap16(AV_RN16(row + x)));
        }
    }
    return 0;
}
