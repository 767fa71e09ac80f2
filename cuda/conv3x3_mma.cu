/*
 * 3x3 convolution as an implicit GEMM on tensor cores: f16 or bf16 operands, f32
 * accumulation (mma.sync.m16n8k16; two m16n8k8 on sm_75, which has no bf16), operands
 * staged through shared memory by cp.async (sm_80+) two K chunks deep, and the fused
 * epilogue of kernel_args.h. All index math is in conv_tiling.cuh.
 *
 * precision=fp8 (FP8 = true, sm_89+): the same fp16 staging and ldmatrix, then each fp16
 * fragment is scaled and rounded to e4m3 in registers (cvt.rn.satfinite) and two taps'
 * fragments make one mma.sync.m16n8k32.e4m3 (conv_tiling.cuh, "fp8").
 */
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "conv_tiling.cuh"
#include "control_math.cuh"
#include "device_common.cuh"

/* One 16-byte global -> shared copy; zero-fills when !valid (the conv's zero padding). */
static __device__ __forceinline__ void copy16(void *smem, const void *gmem, bool valid)
{
#if __CUDA_ARCH__ >= 800
    const unsigned dst = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
                 :: "r"(dst), "l"(gmem), "r"(valid ? 16 : 0));
#else
    *(uint4 *)smem = valid ? __ldg((const uint4 *)gmem) : make_uint4(0, 0, 0, 0);
#endif
}

static __device__ __forceinline__ void copy_commit(void)
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.commit_group;\n" ::);
#endif
}

template <int N>
static __device__ __forceinline__ void copy_wait(void)
{
#if __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_group %0;\n" :: "n"(N));
#endif
}

static __device__ __forceinline__ void ldmatrix_x4(unsigned r[4], const void *smem)
{
    const unsigned a = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
}

template <typename T> struct MmaOp;

template <> struct MmaOp<__half> {
    static __device__ __forceinline__ void run(float c[4], const unsigned a[4], const unsigned b[2])
    {
#if __CUDA_ARCH__ >= 800
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
        /* k 0-7 then k 8-15: m16n8k8 takes A regs {a0a1, a2a3} and B reg b0b1 */
        asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5}, {%6}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(b[0]));
        asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5}, {%6}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[2]), "r"(a[3]), "r"(b[1]));
#endif
    }
};

template <> struct MmaOp<__nv_bfloat16> {
    static __device__ __forceinline__ void run(float c[4], const unsigned a[4], const unsigned b[2])
    {
#if __CUDA_ARCH__ >= 800
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
        /* the host never launches bf16 below sm_80 */
        __trap();
#endif
    }
};

/* mma.sync.m16n8k32 with e4m3 A and B, f32 accumulation (sm_89+; the host never launches
 * the fp8 kernels below compute capability 8.9). */
static __device__ __forceinline__ void mma_e4m3(float c[4], const unsigned a[4], const unsigned b[2])
{
#if __CUDA_ARCH__ >= 890
    asm volatile("mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
    __trap();
#endif
}

/* Two f16x2 registers, lo (elements 0, 1) and hi (2, 3), times scale, as four e4m3 bytes
 * (element 0 in the low byte): what resr_float_to_e4m3(x * scale) gives for each
 * (core/e4m3.h), since the fp16 product of a power of two is exact wherever e4m3 does
 * not round it to zero anyway. amax takes the products' largest |value| (a product
 * beyond 448 was clipped: report_status_fp8). */
static __device__ __forceinline__ unsigned to_e4m3x4(unsigned lo, unsigned hi, __half2 scale, __half2 &amax)
{
#if __CUDA_ARCH__ >= 890
    __half2 l = __hmul2(*(const __half2 *)&lo, scale), h = __hmul2(*(const __half2 *)&hi, scale);
    const unsigned a = __nv_cvt_halfraw2_to_fp8x2(*(const __half2_raw *)&l, __NV_SATFINITE, __NV_E4M3);
    const unsigned b = __nv_cvt_halfraw2_to_fp8x2(*(const __half2_raw *)&h, __NV_SATFINITE, __NV_E4M3);
    amax = __hmax2(amax, __hmax2(__habs2(l), __habs2(h)));
    return (a & 0xffffu) | (b << 16);
#else
    (void)lo, (void)hi, (void)scale, (void)amax;
    __trap();
    return 0;
#endif
}

/* Loads K chunk `chunk` (halo + weights) into one pipeline stage. */
template <typename T, int BN>
static __device__ __forceinline__ void load_stage(T *stage, const ResrConvArgs &a, int x0, int y0,
                                                  int oc0, int chunk)
{
    constexpr int THREADS = RESR_MMA_WARPS(BN) * 32;
    const T *in = (const T *)a.in;
    const T *weight = (const T *)a.weight;
    T *halo = stage, *wts = stage + RESR_MMA_HALO_ELEMS(BN);

    for (int v = threadIdx.x; v < RESR_MMA_HALO_PIXELS(BN) * 2; v += THREADS) {
        int64_t src = 0;
        const bool valid = resr_mma_halo_source(&a, x0, y0, chunk, v, &src);
        copy16(halo + resr_mma_stage_slot(v), in + src, valid);
    }
    for (int v = threadIdx.x; v < 9 * BN * 2; v += THREADS)
        copy16(wts + resr_mma_stage_slot(v), weight + resr_mma_weight_source(&a, BN, oc0, chunk, v), true);
}

/* A warp's RPW rows x NT n8 tiles of accumulators, cleared (this kernel's and the wide one's). */
template <int RPW, int NT>
static __device__ __forceinline__ void zero_acc(float (&acc)[RPW][NT][4])
{
#pragma unroll
    for (int i = 0; i < RPW; i++)
#pragma unroll
        for (int j = 0; j < NT; j++)
#pragma unroll
            for (int e = 0; e < 4; e++)
                acc[i][j][e] = 0.0f;
}

/*
 * The fused epilogue of one warp's RPW rows x NT n8 tiles of accumulators (this kernel's
 * and conv3x3_wide.cu's): each thread holds pairs of adjacent channels of 2*RPW pixels.
 * coord(j, e, &dy, &dx, &n) places element e of tile j of the warp's first row in the
 * block tile (rows i follow at dy + i). FP8: the accumulators are dequantised by the
 * conv's per-channel weight scale first, and in_amax (the largest |input * in_scale| the
 * block converted to e4m3) is reported with the status (report_status_fp8).
 */
template <typename T, int RPW, int NT, bool FP8 = false, typename Coord>
static __device__ __forceinline__ void conv_epilogue(const ResrConvArgs &a, const float (&acc)[RPW][NT][4],
                                                     int x0, int y0, int oc0, Coord coord, float in_amax = 0.0f)
{
    const float *bias = (const float *)a.bias, *slope = (const float *)a.slope;
    const float *out_scale = (const float *)a.out_scale;
    const T *res1 = (const T *)a.res1;
    const float *res2 = (const float *)a.res2;
    T *dst = (T *)a.dst;
    float *dst_f32 = (float *)a.dst_f32;
    const float bias_scale = resr_control_scale(a.control, a.bias_scale);
    float max_abs = 0.0f;

#pragma unroll
    for (int j = 0; j < NT; j++) {
#pragma unroll
        for (int e = 0; e < 4; e++) {
            int dy, dx, n;
            coord(j, e, &dy, &dx, &n);
            const int c = oc0 + n;
            if (c >= a.out_channels)
                continue;
            const float bc = bias[c], sc = slope[c], ws = FP8 ? out_scale[c] : 1.0f;
#pragma unroll
            for (int i = 0; i < RPW; i++) {
                const int y = y0 + dy + i, x = x0 + dx;
                if (y >= a.height || x >= a.width)
                    continue;
                const int64_t pixel = (int64_t)y * a.width + x;
                float v = resr_conv_activate(FP8 ? resr_fp8_dequant(acc[i][j][e], ws) : acc[i][j][e],
                                             a.acc_scale, bc, bias_scale, sc);
                if (res1)
                    v = resr_scaled_add(v, a.res1_scale, to_float(res1[pixel * a.res1_pixel + c]));
                if (res2)
                    v = resr_scaled_add(v, a.res2_scale, res2[pixel * a.res2_pixel + c]);
                max_abs = track_max_abs(max_abs, v);
                if (dst_f32)
                    dst_f32[pixel * a.dst_f32_pixel + c] = v;
                if (dst)
                    dst[pixel * a.dst_pixel + c] = narrow<T>(v, a.narrow_limit);
            }
        }
    }
    if constexpr (FP8)
        report_status_fp8(a, max_abs, in_amax);
    else
        report_status(a, max_abs);
}

/* fp16/bf16: one K chunk's 9 taps, one m16n8k16 per tap and tile. */
template <typename T, int BN>
static __device__ __forceinline__ void chunk_mma(float (&acc)[RESR_MMA_ROWS_PER_WARP(BN)][RESR_MMA_NTILES(BN)][4],
                                                 const T *halo, const T *wts, int warp_m, int warp_n, int lane)
{
    constexpr int RPW = RESR_MMA_ROWS_PER_WARP(BN);
    constexpr int NT = RESR_MMA_NTILES(BN);
#pragma unroll 1
    for (int tap = 0; tap < 9; tap++) {
        unsigned b[NT][2];
#pragma unroll
        for (int pair = 0; pair < NT / 2; pair++) {
            unsigned r[4];
            ldmatrix_x4(r, wts + resr_mma_b_address(BN, warp_n, pair, tap, lane));
            b[2 * pair][0] = r[0];
            b[2 * pair][1] = r[1];
            b[2 * pair + 1][0] = r[2];
            b[2 * pair + 1][1] = r[3];
        }
#pragma unroll
        for (int i = 0; i < RPW; i++) {
            unsigned afrag[4];
            ldmatrix_x4(afrag, halo + resr_mma_a_address(BN, warp_m, i, tap, lane));
#pragma unroll
            for (int j = 0; j < NT; j++)
                MmaOp<T>::run(acc[i][j], afrag, b[j]);
        }
    }
}

/*
 * fp8: the 9 taps in pairs (0,1) (2,3) (4,5) (6,7) (8,-), one m16n8k32 per pair and tile:
 * K slots 0-15 of the mma take the first tap's 16 channels, 16-31 the second's (for the
 * ninth, tap 8 again times 0). Lane (g, t) converts its fp16 fragments, channels {2t, 2t+1, 8+2t, 9+2t}, into
 * the e4m3 slots 4t..4t+3 (and 16+4t..): A and B permute K alike, so the sum is the conv.
 * The weights in shared memory are e4m3 values already (scale 1 is exact). amax: the
 * largest |input * in_scale| converted.
 */
template <int BN>
static __device__ __forceinline__ void chunk_mma_fp8(float (&acc)[RESR_MMA_ROWS_PER_WARP(BN)][RESR_MMA_NTILES(BN)][4],
                                                     const __half *halo, const __half *wts, int warp_m,
                                                     int warp_n, int lane, __half2 in_scale, __half2 &amax)
{
    constexpr int RPW = RESR_MMA_ROWS_PER_WARP(BN);
    constexpr int NT = RESR_MMA_NTILES(BN);
    const __half2 one = __float2half2_rn(1.0f), zero = __float2half2_rn(0.0f);
    __half2 wmax = zero;   /* the weights' (never beyond 448 by construction): unused */
#pragma unroll 1
    for (int tap = 0; tap < 9; tap += 2) {
        /* the ninth tap's partner: tap 8 again, times 0 (no branch, no extra registers) */
        const int tap2 = tap + 1 < 9 ? tap + 1 : tap;
        const __half2 w2 = tap + 1 < 9 ? one : zero, s2 = tap + 1 < 9 ? in_scale : zero;
        unsigned b[NT][2];
#pragma unroll
        for (int pair = 0; pair < NT / 2; pair++) {
            /* one tap's fragments converted before the next is loaded: fewer live registers */
            unsigned r[4];
            ldmatrix_x4(r, wts + resr_mma_b_address(BN, warp_n, pair, tap, lane));
            b[2 * pair][0] = to_e4m3x4(r[0], r[1], one, wmax);
            b[2 * pair + 1][0] = to_e4m3x4(r[2], r[3], one, wmax);
            ldmatrix_x4(r, wts + resr_mma_b_address(BN, warp_n, pair, tap2, lane));
            b[2 * pair][1] = to_e4m3x4(r[0], r[1], w2, wmax);
            b[2 * pair + 1][1] = to_e4m3x4(r[2], r[3], w2, wmax);
        }
#pragma unroll
        for (int i = 0; i < RPW; i++) {
            unsigned r[4], afrag[4];
            ldmatrix_x4(r, halo + resr_mma_a_address(BN, warp_m, i, tap, lane));
            afrag[0] = to_e4m3x4(r[0], r[2], in_scale, amax);   /* row g,   slots 4t..4t+3 */
            afrag[1] = to_e4m3x4(r[1], r[3], in_scale, amax);   /* row g+8 */
            ldmatrix_x4(r, halo + resr_mma_a_address(BN, warp_m, i, tap2, lane));
            afrag[2] = to_e4m3x4(r[0], r[2], s2, amax);         /* row g,   slots 16+4t.. */
            afrag[3] = to_e4m3x4(r[1], r[3], s2, amax);         /* row g+8 */
#pragma unroll
            for (int j = 0; j < NT; j++)
                mma_e4m3(acc[i][j], afrag, b[j]);
        }
    }
}

template <typename T, int BN, bool FP8>
static __device__ __forceinline__ void conv3x3_mma(const ResrConvArgs &a)
{
    constexpr int RPW = RESR_MMA_ROWS_PER_WARP(BN);
    constexpr int NT = RESR_MMA_NTILES(BN);
    constexpr int STAGE = RESR_MMA_STAGE_ELEMS(BN);
    __shared__ __align__(128) T smem[2 * STAGE];

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int warp_m = warp / RESR_MMA_WARPS_N(BN), warp_n = warp % RESR_MMA_WARPS_N(BN);
    const int x0 = blockIdx.x * RESR_MMA_TW, y0 = blockIdx.y * RESR_MMA_TH(BN);
    const int oc0 = a.oc0 + blockIdx.z * BN;
    const int chunks = a.in_channels / RESR_MMA_KC;
    float acc[RPW][NT][4];
    __half2 in_amax = __float2half2_rn(0.0f);   /* fp8: the largest |input * in_scale| */

    zero_acc(acc);

    load_stage<T, BN>(smem, a, x0, y0, oc0, 0);
    copy_commit();
    for (int chunk = 0; chunk < chunks; chunk++) {
        if (chunk + 1 < chunks) {
            load_stage<T, BN>(smem + ((chunk + 1) & 1) * STAGE, a, x0, y0, oc0, chunk + 1);
            copy_commit();
            copy_wait<1>();
        } else {
            copy_wait<0>();
        }
        __syncthreads();

        const T *halo = smem + (chunk & 1) * STAGE;
        const T *wts = halo + RESR_MMA_HALO_ELEMS(BN);
        if constexpr (FP8)
            chunk_mma_fp8<BN>(acc, halo, wts, warp_m, warp_n, lane, __float2half2_rn(a.in_scale), in_amax);
        else
            chunk_mma<T, BN>(acc, halo, wts, warp_m, warp_n, lane);
        __syncthreads();
    }

    conv_epilogue<T, RPW, NT, FP8>(a, acc, x0, y0, oc0, [&](int j, int e, int *dy, int *dx, int *n) {
        resr_mma_acc_coord(BN, warp_m, warp_n, 0, j, e, lane, dy, dx, n);
    }, FP8 ? fmaxf(__low2float(in_amax), __high2float(in_amax)) : 0.0f);
}

#define RESR_MMA_KERNEL(name, T, BN) RESR_MMA_KERNEL_FP8(name, T, BN, false)
#define RESR_MMA_KERNEL_FP8(name, T, BN, FP8)                                                      \
    extern "C" __global__ void __launch_bounds__(RESR_MMA_WARPS(BN) * 32)                 \
    name(const ResrConvArgs args)                                                         \
    {                                                                                     \
        if (resr_control_skip(args.control)) /* a pass after the tile was accepted */      \
            return;                                                                       \
        conv3x3_mma<T, BN, FP8>(args);                                                         \
    }

RESR_MMA_KERNEL(resr_conv3x3_f16_bn16, __half, 16)
RESR_MMA_KERNEL(resr_conv3x3_f16_bn32, __half, 32)
RESR_MMA_KERNEL(resr_conv3x3_f16_bn48, __half, 48)
RESR_MMA_KERNEL(resr_conv3x3_f16_bn64, __half, 64)
RESR_MMA_KERNEL(resr_conv3x3_bf16_bn16, __nv_bfloat16, 16)
RESR_MMA_KERNEL(resr_conv3x3_bf16_bn32, __nv_bfloat16, 32)
RESR_MMA_KERNEL(resr_conv3x3_bf16_bn48, __nv_bfloat16, 48)
RESR_MMA_KERNEL(resr_conv3x3_bf16_bn64, __nv_bfloat16, 64)
/* precision=fp8: e4m3 operands from fp16 storage (kernel ids after the others) */
RESR_MMA_KERNEL_FP8(resr_conv3x3_fp8_bn16, __half, 16, true)
RESR_MMA_KERNEL_FP8(resr_conv3x3_fp8_bn32, __half, 32, true)
RESR_MMA_KERNEL_FP8(resr_conv3x3_fp8_bn48, __half, 48, true)
RESR_MMA_KERNEL_FP8(resr_conv3x3_fp8_bn64, __half, 64, true)
