/*
 * 3x3 convolution in plain fp32 (explicit fmaf, no tensor cores, no TF32): the accuracy
 * mode. Same tiling idea as the tensor-core kernel (halo + weight chunk in shared memory,
 * padding and nearest-x2 upsampling in the halo's source indexing, fused epilogue); each
 * thread accumulates 4 pixels x 8 channels in registers. Index math: conv_tiling.cuh.
 */
#include "conv_tiling.cuh"
#include "control_math.cuh"
#include "device_common.cuh"

template <int BN>
static __device__ __forceinline__ void conv3x3_f32(const ResrConvArgs &a)
{
    __shared__ __align__(16) float halo[RESR_F32_KC * RESR_F32_HALO_PIXELS];
    __shared__ __align__(16) float wts[9 * RESR_F32_KC * BN];

    const float *in = (const float *)a.in, *weight = (const float *)a.weight;
    const int t = threadIdx.x;
    const int x0 = blockIdx.x * RESR_F32_TW, y0 = blockIdx.y * RESR_F32_TH;
    const int oc0 = a.oc0 + blockIdx.z * BN;
    const int chunks = a.in_channels / RESR_F32_KC;
    int dy, dx, n0;
    resr_f32_thread_coord(t, &dy, &dx, &n0);
    const bool active = n0 < BN;  /* BN < 64: the upper warps only help loading */
    float acc[4][8];

#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int k = 0; k < 8; k++)
            acc[p][k] = 0.0f;

    for (int chunk = 0; chunk < chunks; chunk++) {
        for (int v = t; v < RESR_F32_KC * RESR_F32_HALO_PIXELS; v += RESR_F32_THREADS) {
            int64_t src = 0;
            halo[v] = resr_f32_halo_source(&a, x0, y0, chunk, v, &src) ? in[src] : 0.0f;
        }
        for (int v = t; v < 9 * RESR_F32_KC * BN; v += RESR_F32_THREADS)
            wts[v] = weight[resr_f32_weight_source(&a, BN, oc0, chunk, v)];
        __syncthreads();

        if (active) {
#pragma unroll 1
            for (int c = 0; c < RESR_F32_KC; c++) {
#pragma unroll
                for (int ky = 0; ky < 3; ky++) {
                    const float *row = halo + c * RESR_F32_HALO_PIXELS + (dy + ky) * RESR_F32_HALO_W + dx;
                    float x[6];
#pragma unroll
                    for (int k = 0; k < 6; k++)
                        x[k] = row[k];
#pragma unroll
                    for (int kx = 0; kx < 3; kx++) {
                        const float4 *w4 = (const float4 *)(wts + ((ky * 3 + kx) * RESR_F32_KC + c) * BN + n0);
                        const float4 wa = w4[0], wb = w4[1];
                        const float w[8] = { wa.x, wa.y, wa.z, wa.w, wb.x, wb.y, wb.z, wb.w };
#pragma unroll
                        for (int p = 0; p < 4; p++)
#pragma unroll
                            for (int k = 0; k < 8; k++)
                                acc[p][k] = fmaf(x[p + kx], w[k], acc[p][k]);
                    }
                }
            }
        }
        __syncthreads();
    }

    const float *bias = (const float *)a.bias, *slope = (const float *)a.slope;
    const float *res1 = (const float *)a.res1, *res2 = (const float *)a.res2;
    float *dst = (float *)a.dst, *dst_f32 = (float *)a.dst_f32;
    const float bias_scale = resr_control_scale(a.control, a.bias_scale);
    float max_abs = 0.0f;

    if (active) {
#pragma unroll
        for (int k = 0; k < 8; k++) {
            const int c = oc0 + n0 + k;
            if (c >= a.out_channels)
                continue;
            const float bc = bias[c], sc = slope[c];
#pragma unroll
            for (int p = 0; p < 4; p++) {
                const int y = y0 + dy, x = x0 + dx + p;
                if (y >= a.height || x >= a.width)
                    continue;
                const int64_t pixel = (int64_t)y * a.width + x;
                float v = resr_conv_activate(acc[p][k], a.acc_scale, bc, bias_scale, sc);
                if (res1)
                    v = resr_scaled_add(v, a.res1_scale, res1[pixel * a.res1_pixel + c]);
                if (res2)
                    v = resr_scaled_add(v, a.res2_scale, res2[pixel * a.res2_pixel + c]);
                max_abs = track_max_abs(max_abs, v);
                if (dst_f32)
                    dst_f32[pixel * a.dst_f32_pixel + c] = v;
                if (dst)
                    dst[pixel * a.dst_pixel + c] = narrow<float>(v, a.narrow_limit);
            }
        }
    }
    report_status(a, max_abs);
}

#define RESR_F32_KERNEL(name, BN)                                                         \
    extern "C" __global__ void __launch_bounds__(RESR_F32_THREADS)                        \
    name(const ResrConvArgs args)                                                         \
    {                                                                                     \
        if (resr_control_skip(args.control)) /* a pass after the tile was accepted */      \
            return;                                                                       \
        conv3x3_f32<BN>(args);                                                            \
    }

RESR_F32_KERNEL(resr_conv3x3_f32_bn16, 16)
RESR_F32_KERNEL(resr_conv3x3_f32_bn32, 32)
RESR_F32_KERNEL(resr_conv3x3_f32_bn48, 48)
RESR_F32_KERNEL(resr_conv3x3_f32_bn64, 64)
