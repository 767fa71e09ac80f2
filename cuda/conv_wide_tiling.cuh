/*
 * Index math of the wide tensor-core conv (conv3x3_wide.cu), shared with its CPU twin
 * (tests/cuda/emulate.h). The legacy kernel (conv_tiling.cuh) fits two stages in 48 KiB
 * of static shared memory, so its blocks are 4 warps; here the block is 8 warps over a
 * tile twice as tall, in dynamic shared memory (opt-in past 48 KiB), with 2-4 pipeline
 * stages, and each warp reuses its A fragments across the three vertical taps.
 *
 * What is unchanged from conv_tiling.cuh: K chunks of 16 input channels, the 18-pixel
 * halo rows, the 32-byte records and their swizzle, the packed weight layout (so
 * resr_mma_halo_source, resr_mma_weight_source and resr_mma_stage_slot serve both), the
 * warp's shape (4 rows of 16 pixels x 32 channels, 64 accumulators per lane) and the
 * accumulator layout.
 *
 *   BN=64: 16 x 16 pixels, 4 x 2 warps    BN=32: 32 x 16 pixels, 8 x 1 warps
 *   one stage: 28800 B either way (halo 10368 + weights 18432, or 19584 + 9216)
 *
 * Order of one K chunk in a warp (A reuse): for kx = 0..2, load B of the taps (0,kx),
 * (1,kx), (2,kx) (6 ldmatrix.x4), then for each of the warp's 6 halo rows h load A of
 * (h, kx) once (one ldmatrix.x4) and feed every output row i = h - ky in 0..3: 48 mma per
 * 12 ldmatrix.x4, 128 B of shared memory read per mma where the legacy order (9 taps,
 * A re-read per tap) reads 192 B. A horizontal tap shifts the pixels by one, which is
 * other data: A cannot be reused across kx.
 */
#ifndef RESR_CUDA_CONV_WIDE_TILING_CUH
#define RESR_CUDA_CONV_WIDE_TILING_CUH

#include "conv_tiling.cuh"

#define RESR_WIDE_WARPS          8
#define RESR_WIDE_THREADS        (RESR_WIDE_WARPS * 32)
#define RESR_WIDE_ROWS_PER_WARP  4
#define RESR_WIDE_HALO_ROWS      (RESR_WIDE_ROWS_PER_WARP + 2)   /* a warp's rows with their taps */
#define RESR_WIDE_NTILES         4                               /* n8 tiles per warp: 32 channels */
#define RESR_WIDE_WARPS_N(bn)    ((bn) / (8 * RESR_WIDE_NTILES))
#define RESR_WIDE_WARPS_M(bn)    (RESR_WIDE_WARPS / RESR_WIDE_WARPS_N(bn))
#define RESR_WIDE_TH(bn)         (RESR_WIDE_WARPS_M(bn) * RESR_WIDE_ROWS_PER_WARP)
#define RESR_WIDE_HALO_PIXELS(bn) ((RESR_WIDE_TH(bn) + 2) * RESR_MMA_HALO_W)
#define RESR_WIDE_HALO_ELEMS(bn) (RESR_WIDE_HALO_PIXELS(bn) * RESR_MMA_KC)
#define RESR_WIDE_STAGE_ELEMS(bn) (RESR_WIDE_HALO_ELEMS(bn) + RESR_MMA_WEIGHT_ELEMS(bn))
#define RESR_WIDE_STAGE_BYTES(bn) (RESR_WIDE_STAGE_ELEMS(bn) * 2)
#define RESR_WIDE_MIN_STAGES     2
#define RESR_WIDE_MAX_STAGES     4

/* Only these block widths have a wide kernel (bn 16 and 48 layers stay legacy). */
RESR_HD int resr_wide_bn_ok(int bn)
{
    return bn == 32 || bn == 64;
}

/* The pipeline depth a launch's dynamic shared memory holds: smem / stage bytes, or 0 when
 * smem is not a whole number of stages in [MIN, MAX]. The kernel reads its smem size from
 * %dynamic_smem_size, so launch and kernel cannot disagree. */
RESR_HD int resr_wide_stages_of(int bn, unsigned smem)
{
    const unsigned stage = RESR_WIDE_STAGE_BYTES(bn);
    const unsigned s = smem / stage;

    return smem % stage == 0 && s >= RESR_WIDE_MIN_STAGES && s <= RESR_WIDE_MAX_STAGES ? (int)s : 0;
}

/*
 * Each thread copies the same vectors of every chunk (v = threadIdx.x + i * THREADS): it
 * plans their sources once, at chunk 0, and steps them by these strides (elements) per
 * chunk; halo validity (the zero padding) does not depend on the chunk.
 */
#define RESR_WIDE_HALO_CHUNK_STRIDE RESR_MMA_KC

RESR_HD int64_t resr_wide_weight_chunk_stride(const ResrConvArgs *a)
{
    return (int64_t)9 * a->weight_cout * RESR_MMA_KC;
}

/*
 * The ring: chunks 0..stages-2 are loaded first, into slots 0..stages-2; chunk c is read
 * from slot c % stages, and while it is read chunk c+stages-1 is loaded into the slot
 * chunk c-1 used (everyone is past it: one barrier per chunk).
 */
RESR_HD int resr_wide_next_slot(int slot, int stages)
{
    return slot + 1 == stages ? 0 : slot + 1;
}

RESR_HD int resr_wide_prefetch_slot(int slot, int stages)
{
    return slot == 0 ? stages - 1 : slot - 1;
}

/*
 * ldmatrix.x4 row address of lane `lane` for the A fragment of halo row h (0..5) of warp
 * row-group warp_m at horizontal tap kx: matrices (pixels 0-7, k 0-7), (8-15, k 0-7),
 * (0-7, k 8-15), (8-15, k 8-15) as in resr_mma_a_address. Element offset in the halo.
 */
RESR_HD int resr_wide_a_address(int warp_m, int h, int kx, int lane)
{
    const int row = warp_m * RESR_WIDE_ROWS_PER_WARP + h;
    const int pixel = kx + (lane & 7) + (((lane >> 3) & 1) << 3);
    return resr_mma_swizzle(row * RESR_MMA_HALO_W + pixel, lane >> 4);
}

/* Element offset of tap (ky, kx)'s weight records from tap 0's. A tap starts at a
 * multiple of 8 records (bn is 32 or 64), which the swizzle (bit 2 of the record) does
 * not see: a lane's B address of any tap is its tap-0 address plus this constant, so the
 * kernel's unrolled taps cost no address math. */
RESR_HD int resr_wide_b_tap_offset(int bn, int ky, int kx)
{
    return (ky * 3 + kx) * bn * RESR_MMA_KC;
}

/* ldmatrix.x4 row address of the B fragments of n8 tiles 2*pair, 2*pair+1 of warp column
 * warp_n at tap (ky, kx); layout as resr_mma_b_address. Element offset in the weights. */
RESR_HD int resr_wide_b_address(int bn, int warp_n, int pair, int ky, int kx, int lane)
{
    const int n = warp_n * RESR_WIDE_NTILES * 8 + pair * 16 + (lane & 7) + ((lane >> 4) << 3);
    return resr_mma_swizzle(n, (lane >> 3) & 1) + resr_wide_b_tap_offset(bn, ky, kx);
}

/* The warp's output row that halo row h feeds through vertical tap ky, or -1 (outside 0..3). */
RESR_HD int resr_wide_out_row(int h, int ky)
{
    const int i = h - ky;
    return i >= 0 && i < RESR_WIDE_ROWS_PER_WARP ? i : -1;
}

/* Output pixel (dy, dx) in the block tile and channel n of accumulator element e of the
 * warp's row i and n8 tile j (the mma C layout, as resr_mma_acc_coord). */
RESR_HD void resr_wide_acc_coord(int warp_m, int warp_n, int i, int j, int e, int lane,
                                 int *dy, int *dx, int *n)
{
    *dy = warp_m * RESR_WIDE_ROWS_PER_WARP + i;
    *dx = (lane >> 2) + ((e >> 1) << 3);
    *n  = warp_n * RESR_WIDE_NTILES * 8 + j * 8 + ((lane & 3) << 1) + (e & 1);
}

#endif /* RESR_CUDA_CONV_WIDE_TILING_CUH */
