/*
 * Resizing frames on the GPU for the filter's outscale option: one thread per output
 * sample of one component (body: resample_math.cuh, the sums of core/resample.h that the
 * CPU engine adds up too).
 */
#include "resample_math.cuh"

extern "C" __global__ void __launch_bounds__(128) resr_resample_kernel(const ResrResampleArgs a)
{
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;

    if (x < a.dst_w && y < a.dst_h)
        resr_resample_thread(&a, x, y);
}
