/*
 * How a frame's samples are stored, as plain data: the glue fills ResrPixelFormat from
 * FFmpeg's pixel format descriptor and the frame's colour properties, so that everything
 * below the glue (both engines, their tests) needs no FFmpeg. The arithmetic on samples
 * (levels, chroma siting, RGB <-> YUV) is core/colour_math.h.
 */
#ifndef RESR_CORE_PIXEL_FORMAT_H
#define RESR_CORE_PIXEL_FORMAT_H

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

/* Pointers into one frame, as in AVFrame.data/linesize: host addresses, or device
 * addresses (CUdeviceptr values) for frames in an engine's device memory. */
typedef struct ResrPlanes {
    uint8_t *data[4];
    ptrdiff_t linesize[4];
} ResrPlanes;

#define RESR_MAX_PLANES 4

/*
 * The storage of a w x h frame of fmt: per plane, the bytes one row of samples takes
 * (without padding) and the row count; planes no component uses get 0 and 0. Returns the
 * number of planes (1 + the highest plane index in use).
 */
int resr_plane_layout(const ResrPixelFormat *fmt, int w, int h, size_t row_bytes[RESR_MAX_PLANES],
                      int rows[RESR_MAX_PLANES]);

/* A w x h frame of one format in one block of memory: planes one after the other, rows
 * padded to the alignment asked for. For the frames engines keep of their own. */
typedef struct ResrFrameLayout {
    ptrdiff_t linesize[RESR_MAX_PLANES];
    size_t offset[RESR_MAX_PLANES];    /* of each plane from the block's start */
    size_t size;                       /* bytes of the whole block */
} ResrFrameLayout;

/* align: a power of two (rows and planes start at multiples of it). */
void resr_frame_layout(ResrFrameLayout *layout, const ResrPixelFormat *fmt, int w, int h, size_t align);

/* The planes of a frame laid out by layout at base (a host or device address). */
void resr_frame_planes_at(ResrPlanes *planes, const ResrFrameLayout *layout, uint8_t *base);

/* Components a frame of this format stores: Y or R,G,B, then alpha; -1 ends the list.
 * Returns their count. */
int resr_stored_components(const ResrPixelFormat *fmt, int comps[4]);

/*
 * How many samples (colour and alpha components) of a float frame are NaN or infinite,
 * which the conversion replaces (colour_math.h resr_load_code); 0 for integer formats.
 * For the glue's warning.
 */
size_t resr_frame_count_nonfinite(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                                  int frame_w, int frame_h);

#endif /* RESR_CORE_PIXEL_FORMAT_H */
