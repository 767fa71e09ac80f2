/*
 * The degradation's JPEG stage (degrade_jpeg.h): float RGB -> 8-bit YUV 4:2:0 (BT.601,
 * full range, centred chroma, as JPEG/JFIF) -> libavcodec's mjpeg encoder -> its decoder
 * -> float RGB. The colour conversions are core/colour_math.h's, as in the realesrgan
 * filter.
 *
 * Quantisation: the IJG tables for the quality (degrade/jpeg_tables.h) as the encoder's
 * intra matrices at qscale 8, where libavcodec uses them unchanged (it writes
 * matrix * qscale / 8); the DC coefficient is quantised by 8 at every quality (libavcodec's
 * fixed DC step) where IJG scales the table's DC entry.
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

#include "libavcodec/avcodec.h"
#include "libavutil/frame.h"
#include "libavutil/log.h"
#include "libavutil/mem.h"

#include "../core/colour_math.h"
#include "../degrade/jpeg_tables.h"
#include "degrade_jpeg.h"
#include "formats.h"

/* 8-bit YUV 4:2:0 frame of the RGB planes (clamped, rounded by the store). */
static int rgb_to_yuv(AVFrame *f, const float *rgb, int w, int h)
{
    ResrPixelFormat fmt, unused;
    ResrPlanes planes;
    int ret = ff_realesrgan_describe_frames(&fmt, &unused, AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P,
                                            w, h, AVCOL_SPC_BT470BG, AVCOL_RANGE_JPEG,
                                            AVCHROMA_LOC_CENTER);
    if (ret < 0)
        return ret;
    const ResrColourSetup setup = resr_colour_setup(&fmt, w, h);
    /* planar RGB: value (x, y, c) = rgb[c*w*h + y*w + x] */
    const ResrRgbSource src = { .data = rgb, .row = w, .pixel = 1, .channel = (int64_t)w * h,
                                .width = w, .height = h, .shuffle = 1, .value_scale = 1.0f };

    ff_realesrgan_frame_planes(&planes, f);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            resr_output_pixel(&fmt, &setup, &src, &planes, x, y, x, y);
    return 0;
}

/* The decoded frame back to RGB planes. */
static int yuv_to_rgb(const AVFrame *f, float *rgb, int w, int h)
{
    ResrPixelFormat fmt, unused;
    ResrPlanes planes;
    const enum AVColorRange range = f->color_range == AVCOL_RANGE_MPEG ? AVCOL_RANGE_MPEG : AVCOL_RANGE_JPEG;
    int ret = ff_realesrgan_describe_frames(&fmt, &unused, f->format, f->format, w, h,
                                            AVCOL_SPC_BT470BG, range, AVCHROMA_LOC_CENTER);
    if (ret < 0)
        return ret;
    const ResrColourSetup setup = resr_colour_setup(&fmt, w, h);

    ff_realesrgan_frame_planes(&planes, f);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v[3];
            resr_frame_pixel_rgb(&fmt, &setup, &planes, x, y, v);
            for (int c = 0; c < 3; c++)
                rgb[(size_t)c * w * h + (size_t)y * w + x] = v[c];
        }
    return 0;
}

static int open_encoder(AVCodecContext **out, int w, int h, int quality)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *enc;

    if (!codec)
        return AVERROR_ENCODER_NOT_FOUND;
    if (!(*out = enc = avcodec_alloc_context3(codec)))
        return AVERROR(ENOMEM);
    enc->width = w;
    enc->height = h;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->color_range = AVCOL_RANGE_JPEG;
    enc->colorspace = AVCOL_SPC_BT470BG;
    enc->chroma_sample_location = AVCHROMA_LOC_CENTER;
    enc->time_base = (AVRational){ 1, 25 };
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    enc->global_quality = 8 * FF_QP2LAMBDA;
    enc->thread_count = 1;
    enc->intra_matrix = av_malloc(64 * sizeof(*enc->intra_matrix));
    enc->chroma_intra_matrix = av_malloc(64 * sizeof(*enc->chroma_intra_matrix));
    if (!enc->intra_matrix || !enc->chroma_intra_matrix)
        return AVERROR(ENOMEM);
    resr_jpeg_tables(quality, enc->intra_matrix, enc->chroma_intra_matrix);
    return avcodec_open2(enc, codec, NULL);
}

static int open_decoder(AVCodecContext **out)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);

    if (!codec)
        return AVERROR_DECODER_NOT_FOUND;
    if (!(*out = avcodec_alloc_context3(codec)))
        return AVERROR(ENOMEM);
    (*out)->thread_count = 1;
    return avcodec_open2(*out, codec, NULL);
}

/* one picture through an encoder or decoder */
static int encode(AVCodecContext *enc, const AVFrame *f, AVPacket *pkt)
{
    int ret = avcodec_send_frame(enc, f);
    return ret < 0 ? ret : avcodec_receive_packet(enc, pkt);
}

static int decode(AVCodecContext *dec, const AVPacket *pkt, AVFrame *f)
{
    int ret = avcodec_send_packet(dec, pkt);
    return ret < 0 ? ret : avcodec_receive_frame(dec, f);
}

int ff_realesrgan_degrade_jpeg(void *log_ctx, float *rgb, int w, int h, int quality)
{
    AVCodecContext *enc = NULL, *dec = NULL;
    AVFrame *yuv = av_frame_alloc(), *decoded = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int ret = AVERROR(ENOMEM);

    if (!yuv || !decoded || !pkt)
        goto fail;
    yuv->format = AV_PIX_FMT_YUV420P;
    yuv->width = w;
    yuv->height = h;
    yuv->color_range = AVCOL_RANGE_JPEG;
    /* with AV_CODEC_FLAG_QSCALE the encoder takes each frame's own quality */
    yuv->quality = 8 * FF_QP2LAMBDA;
    if ((ret = av_frame_get_buffer(yuv, 0)) < 0 ||
        (ret = rgb_to_yuv(yuv, rgb, w, h)) < 0 ||
        (ret = open_encoder(&enc, w, h, quality)) < 0 ||
        (ret = encode(enc, yuv, pkt)) < 0 ||
        (ret = open_decoder(&dec)) < 0 ||
        (ret = decode(dec, pkt, decoded)) < 0)
        goto fail;
    if (decoded->width != w || decoded->height != h) {
        ret = AVERROR_BUG;
        goto fail;
    }
    ret = yuv_to_rgb(decoded, rgb, w, h);
fail:
    if (ret < 0)
        av_log(log_ctx, AV_LOG_ERROR, "JPEG stage (quality %d, %dx%d) failed: %s\n", quality, w, h,
               av_err2str(ret));
    avcodec_free_context(&enc);
    avcodec_free_context(&dec);
    av_frame_free(&yuv);
    av_frame_free(&decoded);
    av_packet_free(&pkt);
    return ret;
}
