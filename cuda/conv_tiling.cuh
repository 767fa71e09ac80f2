/*
 * Index math of the 3x3 convolution kernels, in one place: block tile -> shared-memory
 * halo and weight slices -> warp -> lane -> mma fragment element, the zero padding and the
 * fused nearest-x2 upsampling. The kernels (conv3x3_mma.cu, conv3x3_f32.cu) and the CPU
 * twin test (tests/cuda/test_conv_emulated.c, which replays every lane) call exactly these.
 *
 * The convolution is an implicit GEMM: M = output pixels, N = output channels,
 * K = 9 taps x input channels. A block computes a TH x 16 pixel tile for BN output
 * channels. K is walked in chunks of KC input channels; for each chunk the block stages in
 * shared memory the (TH+2) x 18 input halo (so the 9 taps are 9 shifted reads of one
 * buffer, padding included) and the chunk's 9 x BN x KC weights.
 *
 * Tensor-core path (f16/bf16, mma.sync.m16n8k16): one m16 tile is one row of 16 output
 * pixels; a warp owns ROWS_PER_WARP such rows and NTILES n8 tiles of channels. Halo pixels
 * and weight rows are 32-byte records (16 operands) read with ldmatrix; their two 16-byte
 * halves are swapped on every other group of 4 records so that the 8 rows one ldmatrix
 * phase reads fall in 8 distinct bank groups (any 8 consecutive records).
 *
 * fp8 (precision=fp8, mma.sync.m16n8k32.e4m3): the same staging and ldmatrix addresses;
 * a pair of taps fills one k32 (first tap K slots 0-15, second 16-31; the ninth tap pairs
 * with zeros), each lane converting its own fp16 fragment registers (conv3x3_mma.cu).
 */
#ifndef RESR_CUDA_CONV_TILING_CUH
#define RESR_CUDA_CONV_TILING_CUH

#include <stdint.h>

#include "../core/hd.h"
#include "kernel_args.h"

/* ---- tensor-core path ------------------------------------------------------------ */

#define RESR_MMA_KC      16                     /* input channels per K chunk */
#define RESR_MMA_TW      16                     /* tile width: one m16 tile */
#define RESR_MMA_HALO_W  (RESR_MMA_TW + 2)

/*
 * Per BN (output channels per block: 16, 32, 48 or 64). Chosen so that two pipeline
 * stages fit the 48 KiB of static shared memory every target allows:
 *   BN=64: 8 x 16 pixels, 2 x 2 warps of 4 rows x 32 channels   (48384 B)
 *   BN=32: 16 x 16 pixels, 4 x 1 warps of 4 rows x 32 channels  (39168 B)
 *   BN=48: 8 x 16 pixels, 4 x 1 warps of 2 rows x 48 channels   (39168 B)
 *   BN=16: 8 x 16 pixels, 4 x 1 warps of 2 rows x 16 channels   (20736 B)
 * A warp of 4 rows x 32 channels issues 16 mma per 6 ldmatrix.x4 (2 rows: 8 per 4): the
 * shared-memory reads, not the tensor cores, bound mma.sync kernels like this one.
 */
#define RESR_MMA_TH(bn)            ((bn) == 32 ? 16 : 8)
#define RESR_MMA_WARPS_N(bn)       ((bn) == 64 ? 2 : 1)
#define RESR_MMA_ROWS_PER_WARP(bn) ((bn) == 64 || (bn) == 32 ? 4 : 2)
#define RESR_MMA_WARPS_M(bn)       (RESR_MMA_TH(bn) / RESR_MMA_ROWS_PER_WARP(bn))
#define RESR_MMA_WARPS(bn)         (RESR_MMA_WARPS_M(bn) * RESR_MMA_WARPS_N(bn))
#define RESR_MMA_NTILES(bn)        ((bn) / 8 / RESR_MMA_WARPS_N(bn))
#define RESR_MMA_HALO_PIXELS(bn)   ((RESR_MMA_TH(bn) + 2) * RESR_MMA_HALO_W)
#define RESR_MMA_HALO_ELEMS(bn)    (RESR_MMA_HALO_PIXELS(bn) * RESR_MMA_KC)
#define RESR_MMA_WEIGHT_ELEMS(bn)  (9 * (bn) * RESR_MMA_KC)
#define RESR_MMA_STAGE_ELEMS(bn)   (RESR_MMA_HALO_ELEMS(bn) + RESR_MMA_WEIGHT_ELEMS(bn))

/* Element offset of 16-byte half q (0, 1) of 32-byte record `record`, swizzled. */
RESR_HD int resr_mma_swizzle(int record, int q)
{
    return record * RESR_MMA_KC + ((q ^ ((record >> 2) & 1)) << 3);
}

/*
 * Where halo vector v (record p = v / 2, half q = v % 2) of K chunk `chunk` comes from,
 * for the block whose output tile starts at (x0, y0): returns 1 and the element offset
 * from args->in, or 0 where the tap falls outside the output frame (zero padding).
 * With upsample, output-space (oy, ox) reads input pixel (oy / 2, ox / 2).
 */
RESR_HD int resr_mma_halo_source(const ResrConvArgs *a, int x0, int y0, int chunk, int v,
                                 int64_t *src)
{
    const int p = v >> 1, q = v & 1;
    const int oy = y0 - 1 + p / RESR_MMA_HALO_W;
    const int ox = x0 - 1 + p % RESR_MMA_HALO_W;

    if (oy < 0 || oy >= a->height || ox < 0 || ox >= a->width)
        return 0;
    const int sy = oy >> a->upsample, sx = ox >> a->upsample;
    *src = ((int64_t)sy * a->in_width + sx) * a->in_pixel + chunk * RESR_MMA_KC + q * 8;
    return 1;
}

/* Weight vector v of K chunk `chunk` (record r = tap * BN + n, half q): element offset. */
RESR_HD int64_t resr_mma_weight_source(const ResrConvArgs *a, int bn, int oc0, int chunk, int v)
{
    const int r = v >> 1, q = v & 1;
    const int tap = r / bn, n = r % bn;
    return (((int64_t)chunk * 9 + tap) * a->weight_cout + oc0 + n) * RESR_MMA_KC + q * 8;
}

/* Shared-memory element where halo vector v / weight vector v land (relative to their region). */
RESR_HD int resr_mma_stage_slot(int v)
{
    return resr_mma_swizzle(v >> 1, v & 1);
}

/*
 * The row address lane `lane` gives ldmatrix.x4 for the A fragment of the warp's row
 * tile i at tap (ky, kx) = (tap / 3, tap % 3): matrices 0..3 are (pixels 0-7, k 0-7),
 * (pixels 8-15, k 0-7), (pixels 0-7, k 8-15), (pixels 8-15, k 8-15), i.e. registers
 * a0a1, a2a3, a4a5, a6a7 of mma.m16n8k16's A. Element offset within the halo region.
 */
RESR_HD int resr_mma_a_address(int bn, int warp_m, int i, int tap, int lane)
{
    const int row = warp_m * RESR_MMA_ROWS_PER_WARP(bn) + i + tap / 3;
    const int pixel = tap % 3 + (lane & 7) + (((lane >> 3) & 1) << 3);
    return resr_mma_swizzle(row * RESR_MMA_HALO_W + pixel, lane >> 4);
}

/*
 * The row address for ldmatrix.x4 of the B fragments of n8 tiles 2*pair and 2*pair+1 at
 * `tap`: matrices are (n 0-7, k 0-7), (n 0-7, k 8-15), (n 8-15, k 0-7), (n 8-15, k 8-15),
 * i.e. b0b1 of tile 2*pair, b2b3 of it, b0b1 and b2b3 of tile 2*pair+1. Element offset
 * within the weight region.
 */
RESR_HD int resr_mma_b_address(int bn, int warp_n, int pair, int tap, int lane)
{
    const int n = warp_n * RESR_MMA_NTILES(bn) * 8 + pair * 16 + (lane & 7) + ((lane >> 4) << 3);
    return resr_mma_swizzle(tap * bn + n, (lane >> 3) & 1);
}

/*
 * Output pixel and channel of accumulator element e (0..3) of the warp's row tile i and
 * n8 tile j, for `lane` (the mma C layout: row = lane/4 (+8 for e >= 2), column =
 * 2*(lane%4) + e%2). dy, dx are relative to the block tile, n to the block's first channel.
 */
RESR_HD void resr_mma_acc_coord(int bn, int warp_m, int warp_n, int i, int j, int e, int lane,
                                int *dy, int *dx, int *n)
{
    *dy = warp_m * RESR_MMA_ROWS_PER_WARP(bn) + i;
    *dx = (lane >> 2) + ((e >> 1) << 3);
    *n  = warp_n * RESR_MMA_NTILES(bn) * 8 + j * 8 + ((lane & 3) << 1) + (e & 1);
}

/* ---- plain fp32 path -------------------------------------------------------------- */

/*
 * 256 threads on an 8 x 16 pixel tile: thread t computes 4 consecutive pixels of row
 * (t % 32) / 4 for the 8 channels 8 * (t / 32) ..; warp w thus owns channels 8w..8w+7 and
 * every lane reads the same weights (a broadcast). The halo is channel-major
 * ([KC][10][18] floats) so the lanes' pixel reads spread over the banks; weights are
 * [9][KC][BN] so a thread's 8 channels are two 16-byte reads.
 */
#define RESR_F32_KC        8
#define RESR_F32_TH        8
#define RESR_F32_TW        16
#define RESR_F32_THREADS   256
#define RESR_F32_HALO_W    (RESR_F32_TW + 2)
#define RESR_F32_HALO_PIXELS ((RESR_F32_TH + 2) * RESR_F32_HALO_W)

/* Halo element v = c * HALO_PIXELS + p of chunk `chunk`: 1 and its source offset, or 0 (zero). */
RESR_HD int resr_f32_halo_source(const ResrConvArgs *a, int x0, int y0, int chunk, int v,
                                 int64_t *src)
{
    const int c = v / RESR_F32_HALO_PIXELS, p = v % RESR_F32_HALO_PIXELS;
    const int oy = y0 - 1 + p / RESR_F32_HALO_W;
    const int ox = x0 - 1 + p % RESR_F32_HALO_W;

    if (oy < 0 || oy >= a->height || ox < 0 || ox >= a->width)
        return 0;
    const int sy = oy >> a->upsample, sx = ox >> a->upsample;
    *src = ((int64_t)sy * a->in_width + sx) * a->in_pixel + chunk * RESR_F32_KC + c;
    return 1;
}

/* Weight element v = (tap * KC + c) * bn + n of chunk `chunk`: source offset in the
 * packed [in/KC][9][KC][weight_cout] layout. */
RESR_HD int64_t resr_f32_weight_source(const ResrConvArgs *a, int bn, int oc0, int chunk, int v)
{
    const int n = v % bn, tc = v / bn;
    return ((int64_t)chunk * 9 * RESR_F32_KC + tc) * a->weight_cout + oc0 + n;
}

/* Thread t's first output pixel (dy, dx) in the tile and first channel. */
RESR_HD void resr_f32_thread_coord(int t, int *dy, int *dx, int *n)
{
    *dy = (t & 31) >> 2;
    *dx = (t & 3) << 2;
    *n  = (t >> 5) << 3;
}

/* ---- epilogue ----------------------------------------------------------------------- */

/* Activation and the first residual: everything but the operand-typed loads and stores. */
RESR_HD float resr_conv_activate(float acc, float acc_scale, float bias, float bias_scale,
                                 float slope)
{
    const float v = acc * acc_scale + bias * bias_scale;
    return v >= 0.0f ? v : v * slope;
}

/* fp8: the accumulator of e4m3 products back to fp16 units of the weights, before
 * acc_scale (1 / the input's scale, a power of two) undoes the input's scale. */
RESR_HD float resr_fp8_dequant(float acc, float weight_scale)
{
    return acc * weight_scale;
}

/* v * scale + r, two roundings as the reference (`t = a * scale; t + b`). */
RESR_HD float resr_scaled_add(float v, float scale, float r)
{
    const float t = v * scale;
    return t + r;
}

#endif /* RESR_CUDA_CONV_TILING_CUH */
