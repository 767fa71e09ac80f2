/*
 * FFmpeg's pixel formats and colour properties, translated for the engines: a frame's
 * sample layout and colour interpretation as core/pixel_format.h's plain description.
 */
#ifndef RESR_GLUE_FORMATS_H
#define RESR_GLUE_FORMATS_H

#include "libavutil/frame.h"
#include "libavutil/pixfmt.h"

#include "../core/engine.h"

/* Matrices the conversion handles; others (YCgCo, ICtCp, constant luminance) get
 * converted by the scale filter FFmpeg inserts. Ends with -1. */
extern const int ff_realesrgan_color_spaces[];

/* Whether a frame tagged csp is converted with its own matrix (effective_colorspace). */
int ff_realesrgan_known_matrix(enum AVColorSpace csp);

/*
 * The matrix a YUV frame is converted with: its own, or for unspecified (and RGB-tagged,
 * or unknown) YUV BT.709 when the frame is HD (height >= 720 or width >= 1280) and BT.601
 * otherwise, as players do.
 */
enum AVColorSpace ff_realesrgan_effective_colorspace(enum AVColorSpace csp, int w, int h);

/*
 * The formats of a frame step: in_format from format and the colour properties,
 * out_format the sample layout of out_format (the input's colour interpretation kept).
 * Returns AVERROR(ENOSYS) for layouts the engines do not take, or an output format of
 * another colour model (RGB, YUV, gray) than the input's.
 */
int ff_realesrgan_describe_frames(ResrPixelFormat *in, ResrPixelFormat *out,
                                  enum AVPixelFormat format, enum AVPixelFormat out_format,
                                  int w, int h, enum AVColorSpace csp, enum AVColorRange range,
                                  enum AVChromaLocation loc);

/*
 * Where the input left the colour interpretation open, the output says what was used, so
 * that whatever reads the (now larger) frames does not guess differently.
 */
void ff_realesrgan_tag_output_colour(AVFrame *out, const AVFrame *in, const ResrPixelFormat *f);

/*
 * Reverses the byte order of every sample of a frame of more than 8 bits, in place: a
 * big-endian frame becomes its little-endian twin's samples (and back). The frame's format
 * field is left alone. Returns 0 or a negative AVERROR.
 */
int ff_realesrgan_swap_sample_bytes(AVFrame *frame);

/* A frame's data pointers and line sizes. */
void ff_realesrgan_frame_planes(ResrPlanes *p, const AVFrame *frame);

#endif /* RESR_GLUE_FORMATS_H */
