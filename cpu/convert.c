/*
 * The CPU engine's conversion loops (see convert.h). The arithmetic is
 * core/colour_math.h's, shared with the CUDA kernels; this file only walks the pixels.
 */
#include "../core/colour_math.h"
#include "convert.h"

void resr_frame_to_rgb(const ResrPixelFormat *format, const ResrPlanes *planes,
                       int frame_w, int frame_h, int x0, int y0, ResrRgbTile *tile)
{
    /* local copies: stores through float pointers cannot alias them */
    const ResrPixelFormat fmt = *format;
    const ResrPlanes frame = *planes;
    const ResrColourSetup setup = resr_colour_setup(&fmt, frame_w, frame_h);

    for (int ty = 0; ty < tile->height; ty++) {
        const int y = resr_reflect_index(y0 + ty, frame_h);
        float *r = tile->data + ty * tile->row_stride;
        float *g = r + tile->plane_stride;
        float *b = g + tile->plane_stride;

        for (int tx = 0; tx < tile->width; tx++) {
            float rgb[3];
            resr_frame_pixel_rgb(&fmt, &setup, &frame, resr_reflect_index(x0 + tx, frame_w), y, rgb);
            r[tx] = rgb[0];
            g[tx] = rgb[1];
            b[tx] = rgb[2];
        }
    }
}

void resr_rgb_to_frame(const ResrPixelFormat *format, const ResrRgbTile *tile,
                       int cx, int cy, int cw, int ch,
                       ResrPlanes *planes, int dst_x, int dst_y)
{
    /* local copies: stores through byte pointers cannot alias them */
    const ResrPixelFormat fmt = *format;
    const ResrPlanes frame = *planes;
    const ResrColourSetup setup = resr_colour_setup(&fmt, 1, 1);
    const ResrRgbSource src = {
        .data = tile->data, .row = tile->row_stride, .pixel = 1, .channel = tile->plane_stride,
        .width = tile->width, .height = tile->height, .shuffle = 1, .value_scale = 1.0f,
    };

    for (int j = 0; j < ch; j++)
        for (int i = 0; i < cw; i++)
            resr_output_pixel(&fmt, &setup, &src, &frame, dst_x + i, dst_y + j, cx + i, cy + j);
}

void resr_alpha_upscale(const ResrPixelFormat *format, const ResrPlanes *src_planes, int w, int h,
                        ResrPlanes *dst_planes, int scale)
{
    /* local copies: stores through byte pointers cannot alias them */
    const ResrPixelFormat fmt = *format;
    const ResrPlanes src = *src_planes, dst = *dst_planes;

    for (int y = 0; y < h * scale; y++)
        for (int x = 0; x < w * scale; x++)
            resr_alpha_pixel(&fmt, &src, w, h, &dst, scale, x, y);
}
