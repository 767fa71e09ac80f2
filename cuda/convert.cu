/*
 * Frame <-> network conversion kernels, one thread per pixel. The arithmetic is
 * core/colour_math.h's, the same functions the CPU engine's conversion loops call; the
 * per-thread bodies are convert_math.cuh's (the CPU twin tests run the same functions).
 * The whole fatbin is built with --fmad=false so every float operation rounds as on the
 * CPU. Input: mirror padding, YUV/RGB decode, pixel unshuffle and the activation scale
 * fused into one pass writing the first conv's channels-last input. Output: pixel shuffle
 * and the SRVGG skip add fused into the read, clamp, rounding and chroma filtering.
 */
#include "convert_math.cuh"

/* One thread per network input pixel (after unshuffle): (w/u) x (h/u). */
extern "C" __global__ void __launch_bounds__(128) resr_frame_to_net(const ResrInputArgs a)
{
    if (resr_control_skip(a.control))   /* a pass after the tile was accepted */
        return;
    const int nx = blockIdx.x * blockDim.x + threadIdx.x;
    const int ny = blockIdx.y * blockDim.y + threadIdx.y;

    if (nx < a.w / a.unshuffle && ny < a.h / a.unshuffle)
        resr_input_thread(&a, nx, ny);
}

/* One thread per output pixel of the tile's core rectangle. */
extern "C" __global__ void __launch_bounds__(128) resr_net_to_frame(const ResrOutputArgs a)
{
    if (resr_control_skip(a.control))   /* a pass after the tile was accepted */
        return;
    const int ox = blockIdx.x * blockDim.x + threadIdx.x;
    const int oy = blockIdx.y * blockDim.y + threadIdx.y;

    if (ox < a.cw && oy < a.ch)
        resr_output_thread(&a, ox, oy);
}

/* One thread per output pixel of the alpha rectangle. */
extern "C" __global__ void __launch_bounds__(128) resr_alpha_upscale_kernel(const ResrAlphaArgs a)
{
    if (resr_control_reusing(a.control))   /* dedup: the kept output is copied instead */
        return;
    const int x = a.x0 + blockIdx.x * blockDim.x + threadIdx.x;
    const int y = a.y0 + blockIdx.y * blockDim.y + threadIdx.y;

    if (x < a.x0 + a.w && y < a.y0 + a.h)
        resr_alpha_pixel(&a.fmt, &a.src, a.src_w, a.src_h, &a.dst, a.scale, x, y);
}

/* The overflow control's step between a tile's passes (control_math.cuh): one thread. */
extern "C" __global__ void __launch_bounds__(32) resr_control_kernel(const ResrControlArgs a)
{
    if (threadIdx.x == 0 && blockIdx.x == 0)
        resr_control_step(&a);
}
