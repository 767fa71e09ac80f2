/*
 * Frame storage described by ResrPixelFormat: plane sizes, the components stored, and
 * the scan for non-finite float samples.
 */
#include <math.h>

#include "colour_math.h"
#include "pixel_format.h"

static int is_subsampled(const ResrPixelFormat *fmt, int c)
{
    return !fmt->is_rgb && (c == 1 || c == 2);
}

int resr_stored_components(const ResrPixelFormat *fmt, int comps[4])
{
    int n = 0;

    comps[n++] = 0;
    if (!fmt->is_gray) {
        comps[n++] = 1;
        comps[n++] = 2;
    }
    if (fmt->has_alpha)
        comps[n++] = 3;
    if (n < 4)
        comps[n] = -1;
    return n;
}

int resr_plane_layout(const ResrPixelFormat *fmt, int w, int h, size_t row_bytes[RESR_MAX_PLANES],
                      int rows[RESR_MAX_PLANES])
{
    int comps[4], planes = 0;
    const int n = resr_stored_components(fmt, comps);

    for (int p = 0; p < RESR_MAX_PLANES; p++) {
        row_bytes[p] = 0;
        rows[p] = 0;
    }
    for (int i = 0; i < n; i++) {
        const ResrComponent *k = &fmt->comp[comps[i]];
        const int sub = is_subsampled(fmt, comps[i]);
        const int pw = sub ? -((-w) >> fmt->log2_chroma_w) : w;
        const int ph = sub ? -((-h) >> fmt->log2_chroma_h) : h;
        /* the components of one plane share its step: a row is step bytes per sample
         * (packed layouts include their unused bytes) */
        const size_t bytes = (size_t)k->step * pw;

        row_bytes[k->plane] = bytes > row_bytes[k->plane] ? bytes : row_bytes[k->plane];
        rows[k->plane] = ph > rows[k->plane] ? ph : rows[k->plane];
        planes = k->plane + 1 > planes ? k->plane + 1 : planes;
    }
    return planes;
}

void resr_frame_layout(ResrFrameLayout *layout, const ResrPixelFormat *fmt, int w, int h, size_t align)
{
    size_t row_bytes[RESR_MAX_PLANES];
    int rows[RESR_MAX_PLANES];
    const int planes = resr_plane_layout(fmt, w, h, row_bytes, rows);

    layout->size = 0;
    for (int p = 0; p < RESR_MAX_PLANES; p++) {
        const size_t pitch = (row_bytes[p] + align - 1) & ~(align - 1);
        layout->linesize[p] = p < planes ? (ptrdiff_t)pitch : 0;
        layout->offset[p]   = layout->size;
        layout->size       += pitch * (size_t)rows[p];
    }
}

void resr_frame_planes_at(ResrPlanes *planes, const ResrFrameLayout *layout, uint8_t *base)
{
    for (int p = 0; p < RESR_MAX_PLANES; p++) {
        planes->data[p]     = layout->linesize[p] ? base + layout->offset[p] : NULL;
        planes->linesize[p] = layout->linesize[p];
    }
}

size_t resr_frame_count_nonfinite(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                                  int frame_w, int frame_h)
{
    int comps[4];
    const int n = resr_stored_components(fmt, comps);
    size_t count = 0;

    if (fmt->type != RESR_SAMPLE_F32)
        return 0;
    for (int i = 0; i < n; i++) {
        const int c = comps[i], sub = is_subsampled(fmt, c);
        const int w = sub ? -((-frame_w) >> fmt->log2_chroma_w) : frame_w;
        const int h = sub ? -((-frame_h) >> fmt->log2_chroma_h) : frame_h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float v;
                memcpy(&v, resr_sample_ptr(fmt, frame, c, x, y), sizeof(v));
                count += !isfinite(v);
            }
    }
    return count;
}
