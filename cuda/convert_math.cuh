/*
 * Per-thread bodies of the conversion kernels (convert.cu): what the CUDA engine adds to
 * core/colour_math.h's per-pixel functions — reading frame pixels mirrored past the frame,
 * pixel unshuffle and the activation scale into the first conv's operand-typed input; the
 * pixel shuffle of SRVGG's last conv and its skip add on the way out. The CPU twin tests
 * (tests/cuda/) run these same functions over the whole grid.
 */
#ifndef RESR_CUDA_CONVERT_MATH_CUH
#define RESR_CUDA_CONVERT_MATH_CUH

#include <stdint.h>

#include "../core/colour_math.h"
#include "../core/hd.h"
#include "../core/precision.h"
#include "control_math.cuh"
#include "kernel_args.h"

/* Network input pixel (nx, ny) (after unshuffle): u x u frame pixels, 3 channels each. */
RESR_HD void resr_input_thread(const ResrInputArgs *a, int nx, int ny)
{
    const ResrColourSetup s = resr_colour_setup(&a->fmt, a->frame_w, a->frame_h);
    const int u = a->unshuffle;
    const int64_t out = ((int64_t)ny * (a->w / u) + nx) * a->dst_pixel;
    void *dst = (void *)(uintptr_t)a->dst;
    const float value_scale = resr_control_scale(a->control, a->value_scale);

    for (int k = 0; k < u * u; k++) {
        const int i = k / u, j = k % u;
        const int y = resr_reflect_index(a->y0 + ny * u + i, a->frame_h);
        const int x = resr_reflect_index(a->x0 + nx * u + j, a->frame_w);
        float rgb[3];
        resr_frame_pixel_rgb(&a->fmt, &s, &a->frame, x, y, rgb);
        for (int c = 0; c < 3; c++)
            resr_tensor_store(dst, out + (c * u + i) * u + j, a->math, rgb[c] * value_scale);
    }
    for (int c = 3 * u * u; c < a->dst_pixel; c++)
        resr_tensor_store(dst, out + c, a->math, 0.0f);
}

/* Output pixel (ox, oy) of the core rectangle, and the chroma sample it is the first luma of. */
RESR_HD void resr_output_thread(const ResrOutputArgs *a, int ox, int oy)
{
    const ResrColourSetup s = resr_colour_setup(&a->fmt, 1, 1);
    ResrRgbSource n;

    /* channels-last network output: net_pixel values per pixel, at 1/shuffle resolution */
    n.data = (const float *)(uintptr_t)a->net;
    n.row = (int64_t)(a->tile_w / (a->shuffle > 1 ? a->shuffle : 1)) * a->net_pixel;
    n.pixel = a->net_pixel;
    n.channel = 1;
    n.width = a->tile_w;
    n.height = a->tile_h;
    n.shuffle = a->shuffle;
    n.base = (const void *)(uintptr_t)a->base;
    n.base_pixel = a->base_pixel;
    n.base_precision = a->math;
    /* the inverse of a power of two: exact */
    n.value_scale = a->control ? 1.0f / resr_control_scale(a->control, 1.0f) : a->value_scale;
    resr_output_pixel(&a->fmt, &s, &n, &a->frame, a->dst_x + ox, a->dst_y + oy, a->cx + ox, a->cy + oy);
}

#endif /* RESR_CUDA_CONVERT_MATH_CUH */
