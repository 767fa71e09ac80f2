/*
 * The wide tensor-core 3x3 conv for sm_80 and newer (index math and the why in
 * conv_wide_tiling.cuh): 8 warps per block, operands in dynamic shared memory (the host
 * opts the function in past 48 KiB with cuFuncSetAttribute), a cp.async ring of 2-4 K
 * chunks whose depth is the launch's dynamic shared-memory size over one stage, and A
 * fragments reused across the vertical taps. Same arguments, arithmetic and fused
 * epilogue as conv3x3_mma.cu (included before this file in resr_kernels.cu: copy_commit,
 * copy_wait, MmaOp and conv_epilogue come from there).
 */
#include "conv_wide_tiling.cuh"

static __device__ __forceinline__ unsigned dynamic_smem_bytes(void)
{
    unsigned r;
    asm("mov.u32 %0, %%dynamic_smem_size;\n" : "=r"(r));
    return r;
}

/* ldmatrix.x4 from a shared-space byte address (the kernel keeps its row addresses as
 * such: one add per fragment, no generic-to-shared conversion in the loop). */
static __device__ __forceinline__ void ldmatrix_x4_shared(unsigned r[4], unsigned addr)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}

/* One 16-byte cp.async to a shared-space byte address; bytes 0 zero-fills (the padding). */
static __device__ __forceinline__ void copy16_shared(unsigned dst, const void *gmem, unsigned bytes)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(dst), "l"(gmem), "r"(bytes));
}

/*
 * One thread's copies of a stage, planned once (resr_mma_halo_source and
 * resr_mma_weight_source at chunk 0) and stepped per chunk, so that the chunk loop does
 * no division, bounds test or 64-bit index math per vector: sources, shared-memory
 * offsets within a stage and the halo vectors' byte counts (16, or 0 for padding).
 */
template <typename T, int BN>
struct WideLoads {
    static constexpr int HALO_V = RESR_WIDE_HALO_PIXELS(BN) * 2, WEIGHT_V = 9 * BN * 2;
    static constexpr int HALO_N = (HALO_V + RESR_WIDE_THREADS - 1) / RESR_WIDE_THREADS;
    static constexpr int WEIGHT_N = (WEIGHT_V + RESR_WIDE_THREADS - 1) / RESR_WIDE_THREADS;
    const T *hsrc[HALO_N], *wsrc[WEIGHT_N];
    unsigned hdst[HALO_N], hbytes[HALO_N], wdst[WEIGHT_N];
    int64_t wstride;

    __device__ __forceinline__ void plan(const ResrConvArgs &a, int x0, int y0, int oc0)
    {
#pragma unroll
        for (int i = 0; i < HALO_N; i++) {
            const int v = threadIdx.x + i * RESR_WIDE_THREADS;
            int64_t src = 0;
            const bool valid = v < HALO_V && resr_mma_halo_source(&a, x0, y0, 0, v, &src);
            hsrc[i] = (const T *)a.in + src;
            hbytes[i] = valid ? 16 : 0;
            hdst[i] = 2 * resr_mma_stage_slot(v);
        }
#pragma unroll
        for (int i = 0; i < WEIGHT_N; i++) {
            const int v = threadIdx.x + i * RESR_WIDE_THREADS;
            wsrc[i] = (const T *)a.weight + (v < WEIGHT_V ? resr_mma_weight_source(&a, BN, oc0, 0, v) : 0);
            wdst[i] = 2 * (RESR_WIDE_HALO_ELEMS(BN) + resr_mma_stage_slot(v));
        }
        wstride = resr_wide_weight_chunk_stride(&a);
    }

    /* chunk `chunk` into the stage at shared-space byte address stage */
    __device__ __forceinline__ void load(unsigned stage, int chunk) const
    {
#pragma unroll
        for (int i = 0; i < HALO_N; i++)
            if (HALO_V % RESR_WIDE_THREADS == 0 || i < HALO_N - 1 ||
                threadIdx.x + i * RESR_WIDE_THREADS < HALO_V)
                copy16_shared(stage + hdst[i], hsrc[i] + chunk * RESR_WIDE_HALO_CHUNK_STRIDE, hbytes[i]);
#pragma unroll
        for (int i = 0; i < WEIGHT_N; i++)
            if (WEIGHT_V % RESR_WIDE_THREADS == 0 || i < WEIGHT_N - 1 ||
                threadIdx.x + i * RESR_WIDE_THREADS < WEIGHT_V)
                copy16_shared(stage + wdst[i], wsrc[i] + chunk * wstride, 16);
    }
};

/* An opaque copy: ptxas would rather recompute the row addresses from threadIdx in every
 * chunk (some 90 instructions per 144 mma) than keep them in registers; a value it cannot
 * see through has to be kept. */
static __device__ __forceinline__ void pin(unsigned &v)
{
    asm volatile("" : "+r"(v));
}

/* cp.async.wait_group wants an immediate: at most `pending` of this thread's groups in flight. */
static __device__ __forceinline__ void copy_wait_pending(int pending)
{
    if (pending >= 2)
        copy_wait<2>();
    else if (pending == 1)
        copy_wait<1>();
    else
        copy_wait<0>();
}

template <typename T, int BN>
static __device__ __forceinline__ void conv3x3_wide(const ResrConvArgs &a)
{
#if __CUDA_ARCH__ >= 800
    constexpr int RPW = RESR_WIDE_ROWS_PER_WARP, NT = RESR_WIDE_NTILES;
    constexpr unsigned STAGE_BYTES = RESR_WIDE_STAGE_BYTES(BN);
    extern __shared__ __align__(128) unsigned char resr_wide_smem[];

    const int stages = resr_wide_stages_of(BN, dynamic_smem_bytes());
    if (!stages)
        __trap();   /* the host launched a size that is not whole stages */
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int warp_m = warp / RESR_WIDE_WARPS_N(BN), warp_n = warp % RESR_WIDE_WARPS_N(BN);
    const int x0 = blockIdx.x * RESR_MMA_TW, y0 = blockIdx.y * RESR_WIDE_TH(BN);
    const int oc0 = a.oc0 + blockIdx.z * BN;
    const int chunks = a.in_channels / RESR_MMA_KC;
    float acc[RPW][NT][4];
    /* the lane's ldmatrix row addresses in stage 0, as shared-space bytes: A for the 6 halo
     * rows x 3 horizontal taps (the swizzle makes them 18 distinct values), B for tap 0
     * (other taps are constant offsets); computed once, a stage adds its offset */
    const unsigned smem_base = (unsigned)__cvta_generic_to_shared(resr_wide_smem);
    unsigned a_addr[3][RESR_WIDE_HALO_ROWS], b_addr[NT / 2];

#pragma unroll
    for (int kx = 0; kx < 3; kx++)
#pragma unroll
        for (int h = 0; h < RESR_WIDE_HALO_ROWS; h++) {
            a_addr[kx][h] = smem_base + 2 * resr_wide_a_address(warp_m, h, kx, lane);
            pin(a_addr[kx][h]);
        }
#pragma unroll
    for (int pair = 0; pair < NT / 2; pair++) {
        b_addr[pair] = smem_base + 2 * (RESR_WIDE_HALO_ELEMS(BN) + resr_wide_b_address(BN, warp_n, pair, 0, 0, lane));
        pin(b_addr[pair]);
    }

    zero_acc(acc);

    WideLoads<T, BN> loads;
    loads.plan(a, x0, y0, oc0);

    /* prologue: chunks 0 .. stages-2 in flight, one commit group each (empty past the end,
     * so that group counting stays uniform) */
    for (int s = 0; s < stages - 1; s++) {
        if (s < chunks)
            loads.load(smem_base + s * STAGE_BYTES, s);
        copy_commit();
    }
    int slot = 0;
    for (int chunk = 0; chunk < chunks; chunk++) {
        /* groups committed: stages-1+chunk; chunk's must be done, stages-2 may still fly */
        copy_wait_pending(stages - 2);
        __syncthreads();   /* chunk visible to all; everyone is past chunk-1's reads */
        const int next = chunk + stages - 1;
        if (next < chunks)   /* into the slot chunk-1 used */
            loads.load(smem_base + resr_wide_prefetch_slot(slot, stages) * STAGE_BYTES, next);
        copy_commit();

        const unsigned stage = slot * STAGE_BYTES;
#pragma unroll
        for (int kx = 0; kx < 3; kx++) {
            unsigned b[3][NT][2];
#pragma unroll
            for (int ky = 0; ky < 3; ky++)
#pragma unroll
                for (int pair = 0; pair < NT / 2; pair++) {
                    unsigned r[4];
                    ldmatrix_x4_shared(r, b_addr[pair] + stage + 2 * resr_wide_b_tap_offset(BN, ky, kx));
                    b[ky][2 * pair][0] = r[0];
                    b[ky][2 * pair][1] = r[1];
                    b[ky][2 * pair + 1][0] = r[2];
                    b[ky][2 * pair + 1][1] = r[3];
                }
#pragma unroll
            for (int h = 0; h < RESR_WIDE_HALO_ROWS; h++) {
                unsigned afrag[4];
                ldmatrix_x4_shared(afrag, a_addr[kx][h] + stage);
#pragma unroll
                for (int ky = 0; ky < 3; ky++) {
                    const int i = resr_wide_out_row(h, ky);
                    if (i < 0)
                        continue;
#pragma unroll
                    for (int j = 0; j < NT; j++)
                        MmaOp<T>::run(acc[i][j], afrag, b[ky][j]);
                }
            }
        }
        slot = resr_wide_next_slot(slot, stages);
    }
    copy_wait<0>();   /* only empty groups are left; none may outlive the block */

    conv_epilogue<T, RPW, NT>(a, acc, x0, y0, oc0, [&](int j, int e, int *dy, int *dx, int *n) {
        resr_wide_acc_coord(warp_m, warp_n, 0, j, e, lane, dy, dx, n);
    });
#else
    (void)a;
    __trap();   /* the host launches the wide kernels on sm_80 and newer only */
#endif
}

#define RESR_WIDE_KERNEL(name, T, BN)                                                     \
    extern "C" __global__ void __launch_bounds__(RESR_WIDE_THREADS, 1)                    \
    name(const ResrConvArgs args)                                                         \
    {                                                                                     \
        if (resr_control_skip(args.control)) /* a pass after the tile was accepted */      \
            return;                                                                       \
        conv3x3_wide<T, BN>(args);                                                        \
    }

RESR_WIDE_KERNEL(resr_conv3x3w_f16_bn32, __half, 32)
RESR_WIDE_KERNEL(resr_conv3x3w_f16_bn64, __half, 64)
RESR_WIDE_KERNEL(resr_conv3x3w_bf16_bn32, __nv_bfloat16, 32)
RESR_WIDE_KERNEL(resr_conv3x3w_bf16_bn64, __nv_bfloat16, 64)
