/*
 * Resizing frames on the GPU for the filter's outscale option: the twin of
 * vf_realesrgan/resample.c, one thread per output sample of one component
 * (body: resample_math.cuh).
 */
#include "resample_math.cuh"

extern "C" __global__ void __launch_bounds__(128) resr_resample_kernel(const ResrResampleArgs a)
{
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;

    if (x < a.dst_w && y < a.dst_h)
        resr_resample_sample(&a, x, y);
}
