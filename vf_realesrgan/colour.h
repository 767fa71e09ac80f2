/*
 * Frame <-> network conversion on the CPU: how a frame's samples are stored (a plain
 * description filled from FFmpeg's pixel format descriptor by the glue, so this code and
 * its tests need no FFmpeg), how they map to RGB in [0,1], and back with clamp + rounding.
 * The CUDA conversion kernels are twins of these functions.
 */
#ifndef RESR_VF_COLOUR_H
#define RESR_VF_COLOUR_H

#include <stddef.h>
#include <stdint.h>

typedef enum ResrSampleType {
    RESR_SAMPLE_U8,
    RESR_SAMPLE_U16,   /* native endian; value = (container >> shift), depth significant bits */
    RESR_SAMPLE_F32,   /* native endian float, nominal range [0,1] */
} ResrSampleType;

typedef enum ResrChromaLocation {
    RESR_CHROMA_LEFT    = 0,  /* MPEG-2/4, H.264 default: co-sited with even columns, between rows */
    RESR_CHROMA_CENTER  = 1,  /* JPEG / MPEG-1: between columns and rows */
    RESR_CHROMA_TOPLEFT = 2,  /* co-sited with even columns and rows */
    RESR_CHROMA_TOP     = 3,  /* between columns, co-sited with even rows */
    RESR_CHROMA_BOTTOMLEFT = 4,  /* co-sited with even columns and odd rows */
    RESR_CHROMA_BOTTOM  = 5,  /* between columns, co-sited with odd rows */
} ResrChromaLocation;

/* Where one component (R, G, B, A or Y, U, V, A) lives; mirrors AVComponentDescriptor. */
typedef struct ResrComponent {
    int plane;
    int step;      /* bytes between horizontally adjacent samples */
    int offset;    /* bytes before the first sample */
    int shift;     /* low bits to drop from the container (p010: 6) */
} ResrComponent;

typedef struct ResrPixelFormat {
    int is_rgb;                /* components are R,G,B(,A); else Y,U,V(,A) */
    int has_alpha;
    int is_gray;               /* one component Y; network sees R=G=B */
    ResrSampleType type;
    int depth;                 /* significant bits per component (ignored for F32) */
    int log2_chroma_w, log2_chroma_h;
    ResrComponent comp[4];     /* R,G,B,A or Y,U,V,A */

    /* YUV only: the matrix (luma weights of R and B) and range. */
    float kr, kb;
    int full_range;
    ResrChromaLocation chroma_loc;
} ResrPixelFormat;

/* Pointers into one frame, as in AVFrame.data/linesize. */
typedef struct ResrPlanes {
    uint8_t *data[4];
    ptrdiff_t linesize[4];
} ResrPlanes;

/* Planar float RGB: three planes of h rows, row_stride floats apart, plane_stride apart. */
typedef struct ResrRgbTile {
    float *data;
    int width, height;
    ptrdiff_t row_stride;
    ptrdiff_t plane_stride;
} ResrRgbTile;

/*
 * Reads frame pixels [x0, x0+tile->width) x [y0, y0+tile->height) of a frame_w x frame_h
 * frame into tile as RGB in [0,1] (float frames: as stored, unclamped, except that a NaN
 * sample reads as 0 (chroma: 0.5, neutral), -Inf as 0 and +Inf as 1). Coordinates past
 * the frame are mirrored (reflect, no edge repeat), as the network's pre-padding wants.
 * Chroma is interpolated at the luma position according to chroma_loc.
 */
void resr_frame_to_rgb(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                       int frame_w, int frame_h, int x0, int y0, ResrRgbTile *tile);

/*
 * Writes one sample at p: integer containers get code clamped to [0, max_code], rounded to
 * nearest and shifted left by shift (MSB-aligned layouts such as p010); float is stored as
 * is. (resample.c writes its output as the colour conversion does.)
 */
void resr_store_sample(const ResrPixelFormat *fmt, uint8_t *p, int shift, float code,
                       float max_code);

/*
 * Packed 8-bit RGB with a fourth, unused byte (rgb0, 0bgr, ...): the byte offset of that
 * byte, or -1. Writers set it to 255 so that outputs are deterministic and read as opaque.
 */
int resr_padding_byte(const ResrPixelFormat *fmt);

/*
 * How many samples (colour and alpha components) of a float frame are NaN or infinite,
 * which resr_frame_to_rgb replaces; 0 for integer formats. For the glue's warning.
 */
size_t resr_frame_count_nonfinite(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                                  int frame_w, int frame_h);

/*
 * Writes RGB tile pixels [cx, cx+cw) x [cy, cy+ch) (tile coordinates) to frame pixels
 * starting at (dst_x, dst_y), clamped to the format's range and rounded. Subsampled
 * chroma is filtered from the RGB around each chroma sample; the filter reads tile
 * pixels up to one outside [cx, cx+cw) where the tile has them (clamping at the tile's
 * edge otherwise), so a tile computed with padding gives seamless chroma. Alpha is not
 * written (see resr_alpha_upscale).
 */
void resr_rgb_to_frame(const ResrPixelFormat *fmt, const ResrRgbTile *tile,
                       int cx, int cy, int cw, int ch,
                       ResrPlanes *frame, int dst_x, int dst_y);

/*
 * Upscales the alpha component of src (w x h) by scale into dst ((w*scale) x (h*scale)),
 * bicubic, clamped; both frames in format fmt (which must have alpha).
 */
void resr_alpha_upscale(const ResrPixelFormat *fmt, const ResrPlanes *src, int w, int h,
                        ResrPlanes *dst, int scale);

#endif /* RESR_VF_COLOUR_H */
