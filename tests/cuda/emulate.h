/*
 * A CPU emulator of the CUDA engine's kernels, for the twin tests (no GPU needed).
 *
 * It replays each kernel the way the GPU runs it, block by block and lane by lane, through
 * the very index functions the kernels call (cuda/conv_tiling.cuh, cuda/convert_math.cuh):
 * shared-memory staging by resr_mma_halo_source / resr_mma_stage_slot, ldmatrix row
 * addresses by resr_mma_a_address / resr_mma_b_address, accumulator coordinates by
 * resr_mma_acc_coord. What it adds independently is the hardware: ldmatrix's delivery of
 * 8x8 matrices to lanes and mma.m16n8k16's fragment layouts, written from the PTX ISA
 * description, so an index function that disagrees with the hardware shows up as a wrong
 * convolution. It also counts ldmatrix bank conflicts and shared-memory slots written
 * twice (a swizzle that is not a bijection), the mma count (so ldmatrix bytes per mma),
 * and, for the wide kernel, stage reads of a ring slot that does not hold the chunk.
 *
 * Memory is host memory: the "device addresses" in the launch arguments are host pointers.
 */
#ifndef RESR_TESTS_CUDA_EMULATE_H
#define RESR_TESTS_CUDA_EMULATE_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cuda/convert_math.cuh"
#include "../../cuda/conv_tiling.cuh"
#include "../../cuda/conv_wide_tiling.cuh"
#include "../../cuda/epilogue_math.cuh"
#include "../../cuda/cuda_plan.h"
#include "../../core/e4m3.h"
#include "../../core/half.h"

typedef struct EmuCounters {
    long ldmatrix_phases;      /* 8-address groups read */
    long bank_conflicts;       /* extra cycles: phases whose 8 rows share a bank group */
    long misaligned;           /* ldmatrix rows not 16-byte aligned */
    long slot_collisions;      /* stage slots written twice in one chunk */
    long mmas;                 /* mma.m16n8k16 per warp */
    long stage_errors;         /* wide kernel: a stage read that does not hold its chunk */
    long launches;
    long skipped;              /* launches that returned at once (control skip) */
} EmuCounters;

static EmuCounters emu_counters;

static float emu_operand(const void *base, int64_t i, int math)
{
    return resr_tensor_load(base, i, math);
}

/* What the kernel's narrow<T>() stores. */
static void emu_store_narrow(uint64_t base, int64_t i, int math, float v, float limit)
{
    resr_tensor_store((void *)(uintptr_t)base, i, math, resr_saturate(v, limit));
}

static float emu_track_max_abs(float running, float v)
{
    return resr_track_max_abs(running, v);
}

static void emu_report_status(const ResrConvArgs *a, float warp_max)
{
    if (!a->status)
        return;
    ResrCudaStatus *s = (ResrCudaStatus *)(uintptr_t)a->status;
    const uint32_t bits = resr_float_bits(warp_max);
    if (bits > s->max_abs_bits)
        s->max_abs_bits = bits;
    if (a->narrow_limit > 0.0f && !(warp_max <= a->narrow_limit))
        s->overflow++;
}

/* report_status_fp8 (device_common.cuh): a clipped e4m3 input is an overflow */
static void emu_report_status_fp8(const ResrConvArgs *a, float warp_max, float in_max)
{
    if (!a->status)
        return;
    ResrCudaStatus *s = (ResrCudaStatus *)(uintptr_t)a->status;
    const uint32_t bits = resr_float_bits(resr_fp8_status_max(warp_max, in_max));
    if (bits > s->max_abs_bits)
        s->max_abs_bits = bits;
    if (resr_fp8_status_overflow(a->narrow_limit, warp_max, in_max))
        s->overflow++;
}

/* The epilogue of one output element, as both conv kernels write it (fp8: the accumulator
 * times the weights' channel scale first). */
static float emu_epilogue(const ResrConvArgs *a, int math, float acc, int y, int x, int c)
{
    const float *bias = (const float *)(uintptr_t)a->bias, *slope = (const float *)(uintptr_t)a->slope;
    const int64_t pixel = (int64_t)y * a->width + x;
    if (a->out_scale)
        acc = resr_fp8_dequant(acc, ((const float *)(uintptr_t)a->out_scale)[c]);
    float v = resr_conv_activate(acc, a->acc_scale, bias[c], resr_control_scale(a->control, a->bias_scale),
                                 slope[c]);

    if (a->res1)
        v = resr_scaled_add(v, a->res1_scale,
                            emu_operand((const void *)(uintptr_t)a->res1, pixel * a->res1_pixel + c, math));
    if (a->res2)
        v = resr_scaled_add(v, a->res2_scale, ((const float *)(uintptr_t)a->res2)[pixel * a->res2_pixel + c]);
    if (a->dst_f32)
        ((float *)(uintptr_t)a->dst_f32)[pixel * a->dst_f32_pixel + c] = v;
    if (a->dst)
        emu_store_narrow(a->dst, pixel * a->dst_pixel + c, math, v, a->narrow_limit);
    return v;
}

/* ---- tensor-core kernel --------------------------------------------------------------- */

/* ldmatrix.x4: lane l names row l%8 of matrix l/8; lane l receives, from each matrix j,
 * elements 2*(l%4) and 2*(l%4)+1 of row l/4 as register j (first element in the low half). */
static void emu_ldmatrix_x4(uint32_t regs[32][4], const uint16_t *smem, const int addr[32])
{
    for (int j = 0; j < 4; j++) {
        int groups[8];
        for (int r = 0; r < 8; r++) {
            const int a = addr[8 * j + r];
            if (a % 8)
                emu_counters.misaligned++;
            groups[r] = (a * 2 / 16) % 8;
        }
        emu_counters.ldmatrix_phases++;
        for (int r = 0; r < 8; r++)
            for (int q = 0; q < r; q++)
                if (groups[q] == groups[r]) {
                    emu_counters.bank_conflicts++;
                    break;
                }
        for (int l = 0; l < 32; l++) {
            const uint16_t *row = smem + addr[8 * j + l / 4];
            regs[l][j] = (uint32_t)row[2 * (l % 4)] | ((uint32_t)row[2 * (l % 4) + 1] << 16);
        }
    }
}

static float emu_half_of(uint32_t reg, int hi, int math)
{
    const uint16_t b = (uint16_t)(hi ? reg >> 16 : reg & 0xffff);
    return math == RESR_PRECISION_FP16 ? resr_half_to_float(b) : resr_bf16_to_float(b);
}

/*
 * mma.sync.m16n8k16.row.col, fragment layouts from the PTX ISA (groupID g = lane/4,
 * threadID_in_group t = lane%4):
 *   A (16x16): a_i, i = 0..7 (register i/2, half i%2): row g + 8*((i/2)%2), col 2t + i%2 + 8*(i/4)
 *   B (16x8):  b_i, i = 0..3 (register i/2, half i%2): row 2t + i%2 + 8*(i/2), col g
 *   C (16x8):  c_i, i = 0..3: row g + 8*(i/2), col 2t + i%2
 */
static void emu_mma(float c[32][4], uint32_t a[32][4], uint32_t b[32][2], int math)
{
    float A[16][16], B[16][8], C[16][8];

    emu_counters.mmas++;

    for (int l = 0; l < 32; l++) {
        const int g = l / 4, t = l % 4;
        for (int i = 0; i < 8; i++)
            A[g + 8 * ((i / 2) % 2)][2 * t + i % 2 + 8 * (i / 4)] = emu_half_of(a[l][i / 2], i % 2, math);
        for (int i = 0; i < 4; i++)
            B[2 * t + i % 2 + 8 * (i / 2)][g] = emu_half_of(b[l][i / 2], i % 2, math);
        for (int i = 0; i < 4; i++)
            C[g + 8 * (i / 2)][2 * t + i % 2] = c[l][i];
    }
    for (int m = 0; m < 16; m++)
        for (int n = 0; n < 8; n++) {
            float s = C[m][n];
            for (int k = 0; k < 16; k++)
                s += A[m][k] * B[k][n];   /* products of 11-bit significands are exact in float */
            C[m][n] = s;
        }
    for (int l = 0; l < 32; l++)
        for (int i = 0; i < 4; i++)
            c[l][i] = C[l / 4 + 8 * (i / 2)][2 * (l % 4) + i % 2];
}

/* fp8: what to_e4m3x4 (conv3x3_mma.cu) makes of two f16x2 registers: bytes 0-1 from lo's
 * halves, 2-3 from hi's, each resr_float_to_e4m3 of the fp16 product value * scale (the
 * product rounded to fp16 as __hmul2 does: exact, or Inf beyond 65504); *amax takes the
 * products' largest |value|. */
static uint32_t emu_e4m3x4(uint32_t lo, uint32_t hi, float scale, float *amax)
{
    const uint32_t h[4] = { lo & 0xffff, lo >> 16, hi & 0xffff, hi >> 16 };
    uint32_t r = 0;

    for (int i = 0; i < 4; i++) {
        const float p = resr_half_to_float(resr_float_to_half(resr_half_to_float((uint16_t)h[i]) * scale));
        *amax = fmaxf(*amax, fabsf(p));
        r |= (uint32_t)resr_float_to_e4m3(p) << (8 * i);
    }
    return r;
}

/*
 * mma.sync.m16n8k32.row.col with e4m3 A and B (the .s8 m16n8k32 layouts), from the PTX ISA:
 *   A (16x32): a_i, i = 0..15 (register i/4, byte i%4): row g + 8*((i/4)%2), col 4t + i%4 + 16*(i/8)
 *   B (32x8):  b_i, i = 0..7 (register i/4, byte i%4): row 4t + i%4 + 16*(i/4), col g
 *   C as m16n8k16.
 */
static void emu_mma_e4m3(float c[32][4], uint32_t a[32][4], uint32_t b[32][2])
{
    float A[16][32], B[32][8], C[16][8];

    for (int l = 0; l < 32; l++) {
        const int g = l / 4, t = l % 4;
        for (int i = 0; i < 16; i++)
            A[g + 8 * ((i / 4) % 2)][4 * t + i % 4 + 16 * (i / 8)] =
                resr_e4m3_to_float((uint8_t)(a[l][i / 4] >> (8 * (i % 4))));
        for (int i = 0; i < 8; i++)
            B[4 * t + i % 4 + 16 * (i / 4)][g] = resr_e4m3_to_float((uint8_t)(b[l][i / 4] >> (8 * (i % 4))));
        for (int i = 0; i < 4; i++)
            C[g + 8 * (i / 2)][2 * t + i % 2] = c[l][i];
    }
    for (int m = 0; m < 16; m++)
        for (int n = 0; n < 8; n++) {
            float s = C[m][n];
            for (int k = 0; k < 32; k++)
                s += A[m][k] * B[k][n];   /* products of 4-bit significands are exact */
            C[m][n] = s;
        }
    for (int l = 0; l < 32; l++)
        for (int i = 0; i < 4; i++)
            c[l][i] = C[l / 4 + 8 * (i / 2)][2 * (l % 4) + i % 2];
}

#define EMU_MAX_RPW 4
#define EMU_MAX_NT  8

/* The fp8 kernel's taps of one chunk for one warp (chunk_mma_fp8): tap pairs (the ninth
 * paired with itself times 0), the fp16 fragments converted lane by lane, one k32 mma per
 * pair and n8 tile; *amax: the largest |input * in_scale| converted. */
static void emu_chunk_fp8(float acc[EMU_MAX_RPW][EMU_MAX_NT][32][4], const ResrConvArgs *a, int bn,
                          int warp_m, int warp_n, const uint16_t *halo, const uint16_t *wts, float *amax)
{
    const int rpw = RESR_MMA_ROWS_PER_WARP(bn), nt = RESR_MMA_NTILES(bn);
    float wmax = 0.0f;

    for (int tap = 0; tap < 9; tap += 2) {
        const int taps[2] = { tap, tap + 1 < 9 ? tap + 1 : tap };
        const float wscale[2] = { 1.0f, tap + 1 < 9 ? 1.0f : 0.0f };
        const float iscale[2] = { a->in_scale, tap + 1 < 9 ? a->in_scale : 0.0f };
        uint32_t b[EMU_MAX_NT][32][2];
        for (int pair = 0; pair < nt / 2; pair++) {
            uint32_t r[2][32][4];
            int addr[32];
            for (int k = 0; k < 2; k++) {
                for (int lane = 0; lane < 32; lane++)
                    addr[lane] = resr_mma_b_address(bn, warp_n, pair, taps[k], lane);
                emu_ldmatrix_x4(r[k], wts, addr);
            }
            for (int lane = 0; lane < 32; lane++)
                for (int k = 0; k < 2; k++) {
                    b[2 * pair][lane][k] = emu_e4m3x4(r[k][lane][0], r[k][lane][1], wscale[k], &wmax);
                    b[2 * pair + 1][lane][k] = emu_e4m3x4(r[k][lane][2], r[k][lane][3], wscale[k], &wmax);
                }
        }
        for (int i = 0; i < rpw; i++) {
            uint32_t r[2][32][4], af[32][4];
            int addr[32];
            for (int k = 0; k < 2; k++) {
                for (int lane = 0; lane < 32; lane++)
                    addr[lane] = resr_mma_a_address(bn, warp_m, i, taps[k], lane);
                emu_ldmatrix_x4(r[k], halo, addr);
            }
            for (int lane = 0; lane < 32; lane++)
                for (int k = 0; k < 2; k++) {
                    af[lane][2 * k] = emu_e4m3x4(r[k][lane][0], r[k][lane][2], iscale[k], amax);
                    af[lane][2 * k + 1] = emu_e4m3x4(r[k][lane][1], r[k][lane][3], iscale[k], amax);
                }
            for (int j = 0; j < nt; j++)
                emu_mma_e4m3(acc[i][j], af, b[j]);
        }
    }
}

static int emu_conv_mma(const ResrCudaLaunch *l)
{
    const ResrConvArgs *a = &l->args.conv;
    const int fp8 = l->kernel >= RESR_KERNEL_CONV_FP8_FIRST;
    const int math = fp8 ? RESR_PRECISION_FP16 : (l->kernel - RESR_KERNEL_CONV_FIRST) / 4;
    const int bn = ((l->kernel - (fp8 ? RESR_KERNEL_CONV_FP8_FIRST : RESR_KERNEL_CONV_FIRST)) % 4 + 1) * 16;
    const int rpw = RESR_MMA_ROWS_PER_WARP(bn), nt = RESR_MMA_NTILES(bn);
    const int warps = RESR_MMA_WARPS(bn), warps_n = RESR_MMA_WARPS_N(bn);
    const int halo_vecs = RESR_MMA_HALO_PIXELS(bn) * 2, weight_vecs = 9 * bn * 2;
    const uint16_t *in = (const uint16_t *)(uintptr_t)a->in;
    const uint16_t *weight = (const uint16_t *)(uintptr_t)a->weight;
    if ((int)l->block[0] != warps * 32)
        return -EINVAL;
    uint16_t *stage = malloc(RESR_MMA_STAGE_ELEMS(bn) * sizeof(*stage));
    uint8_t *written = malloc(RESR_MMA_STAGE_ELEMS(bn) / 8);
    float (*acc)[EMU_MAX_RPW][EMU_MAX_NT][32][4] = malloc(sizeof(*acc) * warps);
    float in_amax[32];   /* fp8: per warp, the largest |input * in_scale| */

    if (!stage || !written || !acc) {
        free(stage), free(written), free(acc);
        return -ENOMEM;
    }

    for (unsigned bz = 0; bz < l->grid[2]; bz++)
    for (unsigned by = 0; by < l->grid[1]; by++)
    for (unsigned bx = 0; bx < l->grid[0]; bx++) {
        const int x0 = bx * RESR_MMA_TW, y0 = by * RESR_MMA_TH(bn), oc0 = a->oc0 + bz * bn;
        memset(acc, 0, sizeof(*acc) * warps);
        memset(in_amax, 0, sizeof(in_amax));

        for (int chunk = 0; chunk < a->in_channels / RESR_MMA_KC; chunk++) {
            uint16_t *halo = stage, *wts = stage + RESR_MMA_HALO_ELEMS(bn);
            memset(written, 0, RESR_MMA_STAGE_ELEMS(bn) / 8);
            for (int v = 0; v < halo_vecs; v++) {
                int64_t src = 0;
                const int slot = resr_mma_stage_slot(v);
                const int valid = resr_mma_halo_source(a, x0, y0, chunk, v, &src);
                for (int e = 0; e < 8; e++)
                    halo[slot + e] = valid ? in[src + e] : 0;
                emu_counters.slot_collisions += written[slot / 8]++ != 0;
            }
            for (int v = 0; v < weight_vecs; v++) {
                const int slot = resr_mma_stage_slot(v);
                const int64_t src = resr_mma_weight_source(a, bn, oc0, chunk, v);
                memcpy(wts + slot, weight + src, 16);
                emu_counters.slot_collisions += written[(RESR_MMA_HALO_ELEMS(bn) + slot) / 8]++ != 0;
            }

            for (int warp = 0; warp < warps && fp8; warp++)
                emu_chunk_fp8(acc[warp], a, bn, warp / warps_n, warp % warps_n, halo, wts, &in_amax[warp]);
            for (int warp = 0; warp < warps && !fp8; warp++) {
                const int warp_m = warp / warps_n, warp_n = warp % warps_n;
                for (int tap = 0; tap < 9; tap++) {
                    uint32_t b[EMU_MAX_NT][32][2];
                    for (int pair = 0; pair < nt / 2; pair++) {
                        uint32_t r[32][4];
                        int addr[32];
                        for (int lane = 0; lane < 32; lane++)
                            addr[lane] = resr_mma_b_address(bn, warp_n, pair, tap, lane);
                        emu_ldmatrix_x4(r, wts, addr);
                        for (int lane = 0; lane < 32; lane++) {
                            b[2 * pair][lane][0] = r[lane][0];
                            b[2 * pair][lane][1] = r[lane][1];
                            b[2 * pair + 1][lane][0] = r[lane][2];
                            b[2 * pair + 1][lane][1] = r[lane][3];
                        }
                    }
                    for (int i = 0; i < rpw; i++) {
                        uint32_t af[32][4];
                        int addr[32];
                        for (int lane = 0; lane < 32; lane++)
                            addr[lane] = resr_mma_a_address(bn, warp_m, i, tap, lane);
                        emu_ldmatrix_x4(af, halo, addr);
                        for (int j = 0; j < nt; j++)
                            emu_mma(acc[warp][i][j], af, b[j], math);
                    }
                }
            }
        }

        for (int warp = 0; warp < warps; warp++) {
            const int warp_m = warp / warps_n, warp_n = warp % warps_n;
            float warp_max = 0.0f;
            for (int lane = 0; lane < 32; lane++)
                for (int i = 0; i < rpw; i++)
                    for (int j = 0; j < nt; j++)
                        for (int e = 0; e < 4; e++) {
                            int dy, dx, n;
                            resr_mma_acc_coord(bn, warp_m, warp_n, i, j, e, lane, &dy, &dx, &n);
                            const int y = y0 + dy, x = x0 + dx, c = oc0 + n;
                            if (c >= a->out_channels || y >= a->height || x >= a->width)
                                continue;
                            warp_max = emu_track_max_abs(warp_max,
                                                         emu_epilogue(a, math, acc[warp][i][j][lane][e], y, x, c));
                        }
            if (fp8)
                emu_report_status_fp8(a, warp_max, in_amax[warp]);
            else
                emu_report_status(a, warp_max);
        }
    }
    free(stage), free(written), free(acc);
    return 0;
}

/* ---- wide tensor-core kernel (conv3x3_wide.cu) --------------------------------------- */

/* One K chunk into a stage of the wide kernel, as its threads copy it: sources planned at
 * chunk 0 and stepped by the chunk strides (WideLoads in conv3x3_wide.cu). */
static void emu_wide_load(uint16_t *stage, uint8_t *written, const ResrConvArgs *a, int bn, int x0, int y0,
                          int oc0, int chunk)
{
    const uint16_t *in = (const uint16_t *)(uintptr_t)a->in;
    const uint16_t *weight = (const uint16_t *)(uintptr_t)a->weight;
    uint16_t *wts = stage + RESR_WIDE_HALO_ELEMS(bn);

    memset(written, 0, RESR_WIDE_STAGE_ELEMS(bn) / 8);
    for (int v = 0; v < RESR_WIDE_HALO_PIXELS(bn) * 2; v++) {
        int64_t src = 0;
        const int slot = resr_mma_stage_slot(v);
        const int valid = resr_mma_halo_source(a, x0, y0, 0, v, &src);
        src += (int64_t)chunk * RESR_WIDE_HALO_CHUNK_STRIDE;
        for (int e = 0; e < 8; e++)
            stage[slot + e] = valid ? in[src + e] : 0;
        emu_counters.slot_collisions += written[slot / 8]++ != 0;
    }
    for (int v = 0; v < 9 * bn * 2; v++) {
        const int slot = resr_mma_stage_slot(v);
        memcpy(wts + slot, weight + resr_mma_weight_source(a, bn, oc0, 0, v) + chunk * resr_wide_weight_chunk_stride(a),
               16);
        emu_counters.slot_collisions += written[(RESR_WIDE_HALO_ELEMS(bn) + slot) / 8]++ != 0;
    }
}

/* One warp's work on one K chunk, in the kernel's order: kx, then B of the 3 vertical
 * taps, then each halo row's A once for every output row it feeds. */
static void emu_wide_chunk(float acc[RESR_WIDE_ROWS_PER_WARP][RESR_WIDE_NTILES][32][4], const uint16_t *halo,
                           const uint16_t *wts, int bn, int warp_m, int warp_n, int math)
{
    for (int kx = 0; kx < 3; kx++) {
        uint32_t b[3][RESR_WIDE_NTILES][32][2];
        for (int ky = 0; ky < 3; ky++)
            for (int pair = 0; pair < RESR_WIDE_NTILES / 2; pair++) {
                uint32_t r[32][4];
                int addr[32];
                for (int lane = 0; lane < 32; lane++)
                    addr[lane] = resr_wide_b_address(bn, warp_n, pair, ky, kx, lane);
                emu_ldmatrix_x4(r, wts, addr);
                for (int lane = 0; lane < 32; lane++) {
                    b[ky][2 * pair][lane][0] = r[lane][0];
                    b[ky][2 * pair][lane][1] = r[lane][1];
                    b[ky][2 * pair + 1][lane][0] = r[lane][2];
                    b[ky][2 * pair + 1][lane][1] = r[lane][3];
                }
            }
        for (int h = 0; h < RESR_WIDE_HALO_ROWS; h++) {
            uint32_t af[32][4];
            int addr[32];
            for (int lane = 0; lane < 32; lane++)
                addr[lane] = resr_wide_a_address(warp_m, h, kx, lane);
            emu_ldmatrix_x4(af, halo, addr);
            for (int ky = 0; ky < 3; ky++) {
                const int i = resr_wide_out_row(h, ky);
                if (i < 0)
                    continue;
                for (int j = 0; j < RESR_WIDE_NTILES; j++)
                    emu_mma(acc[i][j], af, b[ky][j], math);
            }
        }
    }
}

/*
 * The wide kernel: its stage count from the launch's dynamic shared memory, as the kernel
 * reads %dynamic_smem_size; the ring replayed slot by slot (prologue of stages-1 chunks,
 * then per chunk the prefetch into the slot chunk-1 used and the reads of chunk's slot),
 * each slot tagged with the chunk it holds so a wrong slot shows up as a stage error.
 */
static int emu_conv_wide(const ResrCudaLaunch *l)
{
    const ResrConvArgs *a = &l->args.conv;
    const int math = (l->kernel - RESR_KERNEL_CONV_WIDE_FIRST) / 2;
    const int bn = ((l->kernel - RESR_KERNEL_CONV_WIDE_FIRST) % 2 + 1) * 32;
    const int stages = resr_wide_stages_of(bn, l->smem);
    const int warps_n = RESR_WIDE_WARPS_N(bn), chunks = a->in_channels / RESR_MMA_KC;
    if ((int)l->block[0] != RESR_WIDE_THREADS || !stages)
        return -EINVAL;
    uint16_t *ring = malloc((size_t)stages * RESR_WIDE_STAGE_ELEMS(bn) * sizeof(*ring));
    uint8_t *written = malloc(RESR_WIDE_STAGE_ELEMS(bn) / 8);
    float (*acc)[RESR_WIDE_ROWS_PER_WARP][RESR_WIDE_NTILES][32][4] = malloc(sizeof(*acc) * RESR_WIDE_WARPS);
    int holds[RESR_WIDE_MAX_STAGES];

    if (!ring || !written || !acc) {
        free(ring), free(written), free(acc);
        return -ENOMEM;
    }
    for (unsigned bz = 0; bz < l->grid[2]; bz++)
    for (unsigned by = 0; by < l->grid[1]; by++)
    for (unsigned bx = 0; bx < l->grid[0]; bx++) {
        const int x0 = bx * RESR_MMA_TW, y0 = by * RESR_WIDE_TH(bn), oc0 = a->oc0 + bz * bn;
        memset(acc, 0, sizeof(*acc) * RESR_WIDE_WARPS);
        for (int s = 0; s < stages; s++)
            holds[s] = -1;
        for (int s = 0; s < stages - 1 && s < chunks; s++) {
            emu_wide_load(ring + s * RESR_WIDE_STAGE_ELEMS(bn), written, a, bn, x0, y0, oc0, s);
            holds[s] = s;
        }
        for (int chunk = 0, slot = 0; chunk < chunks; chunk++, slot = resr_wide_next_slot(slot, stages)) {
            const int next = chunk + stages - 1, prev = resr_wide_prefetch_slot(slot, stages);
            if (next < chunks) {
                emu_wide_load(ring + prev * RESR_WIDE_STAGE_ELEMS(bn), written, a, bn, x0, y0, oc0, next);
                holds[prev] = next;
            }
            emu_counters.stage_errors += holds[slot] != chunk;
            const uint16_t *halo = ring + slot * RESR_WIDE_STAGE_ELEMS(bn);
            for (int warp = 0; warp < RESR_WIDE_WARPS; warp++)
                emu_wide_chunk(acc[warp], halo, halo + RESR_WIDE_HALO_ELEMS(bn), bn, warp / warps_n,
                               warp % warps_n, math);
        }
        for (int warp = 0; warp < RESR_WIDE_WARPS; warp++) {
            float warp_max = 0.0f;
            for (int lane = 0; lane < 32; lane++)
                for (int i = 0; i < RESR_WIDE_ROWS_PER_WARP; i++)
                    for (int j = 0; j < RESR_WIDE_NTILES; j++)
                        for (int e = 0; e < 4; e++) {
                            int dy, dx, n;
                            resr_wide_acc_coord(warp / warps_n, warp % warps_n, i, j, e, lane, &dy, &dx, &n);
                            const int y = y0 + dy, x = x0 + dx, c = oc0 + n;
                            if (c >= a->out_channels || y >= a->height || x >= a->width)
                                continue;
                            warp_max = emu_track_max_abs(warp_max,
                                                         emu_epilogue(a, math, acc[warp][i][j][lane][e], y, x, c));
                        }
            emu_report_status(a, warp_max);
        }
    }
    free(ring), free(written), free(acc);
    return 0;
}

/* ---- fp32 kernel ------------------------------------------------------------------------ */

static int emu_conv_f32(const ResrCudaLaunch *l)
{
    const ResrConvArgs *a = &l->args.conv;
    const int bn = ((l->kernel - RESR_KERNEL_CONV_FIRST) % 4 + 1) * 16;
    const float *in = (const float *)(uintptr_t)a->in, *weight = (const float *)(uintptr_t)a->weight;
    static float halo[RESR_F32_KC * RESR_F32_HALO_PIXELS], wts[9 * RESR_F32_KC * 64];
    static float acc[RESR_F32_THREADS][4][8];

    if (l->block[0] != RESR_F32_THREADS)
        return -EINVAL;
    for (unsigned bz = 0; bz < l->grid[2]; bz++)
    for (unsigned by = 0; by < l->grid[1]; by++)
    for (unsigned bx = 0; bx < l->grid[0]; bx++) {
        const int x0 = bx * RESR_F32_TW, y0 = by * RESR_F32_TH, oc0 = a->oc0 + bz * bn;
        memset(acc, 0, sizeof(acc));
        for (int chunk = 0; chunk < a->in_channels / RESR_F32_KC; chunk++) {
            for (int v = 0; v < RESR_F32_KC * RESR_F32_HALO_PIXELS; v++) {
                int64_t src = 0;
                halo[v] = resr_f32_halo_source(a, x0, y0, chunk, v, &src) ? in[src] : 0.0f;
            }
            for (int v = 0; v < 9 * RESR_F32_KC * bn; v++)
                wts[v] = weight[resr_f32_weight_source(a, bn, oc0, chunk, v)];
            for (int t = 0; t < RESR_F32_THREADS; t++) {
                int dy, dx, n0;
                resr_f32_thread_coord(t, &dy, &dx, &n0);
                if (n0 >= bn)
                    continue;
                for (int c = 0; c < RESR_F32_KC; c++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                            for (int p = 0; p < 4; p++)
                                for (int k = 0; k < 8; k++)
                                    acc[t][p][k] = fmaf(halo[c * RESR_F32_HALO_PIXELS + (dy + ky) * RESR_F32_HALO_W + dx + p + kx],
                                                        wts[((ky * 3 + kx) * RESR_F32_KC + c) * bn + n0 + k], acc[t][p][k]);
            }
        }
        for (int warp = 0; warp < RESR_F32_THREADS / 32; warp++) {
            float warp_max = 0.0f;
            for (int t = warp * 32; t < warp * 32 + 32; t++) {
                int dy, dx, n0;
                resr_f32_thread_coord(t, &dy, &dx, &n0);
                if (n0 >= bn)
                    continue;
                for (int k = 0; k < 8; k++)
                    for (int p = 0; p < 4; p++) {
                        const int y = y0 + dy, x = x0 + dx + p, c = oc0 + n0 + k;
                        if (c >= a->out_channels || y >= a->height || x >= a->width)
                            continue;
                        warp_max = emu_track_max_abs(warp_max, emu_epilogue(a, RESR_PRECISION_FP32, acc[t][p][k], y, x, c));
                    }
            }
            emu_report_status(a, warp_max);
        }
    }
    return 0;
}

/* The control block a launch reads (0: none; the alpha kernel has none). */
static uint64_t emu_launch_control(const ResrCudaLaunch *l)
{
    if (resr_cuda_kernel_is_conv(l->kernel))
        return l->args.conv.control;
    if (l->kernel == RESR_KERNEL_FRAME_TO_NET)
        return l->args.input.control;
    if (l->kernel == RESR_KERNEL_NET_TO_FRAME)
        return l->args.output.control;
    return 0;
}

/* dedup's kernels (dedup.cu): the compare always works, a copy only in its case. */
static int emu_dedup(const ResrCudaLaunch *l)
{
    const unsigned gx = l->grid[0] * l->block[0], gy = l->grid[1] * l->block[1];

    if (l->kernel == RESR_KERNEL_DEDUP_COPY && !resr_dedup_copy_runs(&l->args.copy)) {
        emu_counters.skipped++;
        return 0;
    }
    for (unsigned y = 0; y < gy; y++)
        for (unsigned x = 0; x < gx; x++) {
            if (l->kernel == RESR_KERNEL_DEDUP_COMPARE) {
                const ResrDedupCompareArgs *a = &l->args.compare;
                if ((int)x * RESR_DEDUP_BLOCK < a->cw && (int)y * RESR_DEDUP_BLOCK < a->ch)
                    resr_dedup_compare_thread(a, x, y);
            } else {
                const ResrDedupCopyArgs *a = &l->args.copy;
                if ((int)x < a->row_bytes && (int)y < a->rows)
                    resr_dedup_copy_thread(a, x, y);
            }
        }
    return 0;
}

/* ---- conversions and the backend ---------------------------------------------------------- */

static int emu_launch(void *opaque, const ResrCudaLaunch *l)
{
    const unsigned gx = l->grid[0] * l->block[0], gy = l->grid[1] * l->block[1];
    (void)opaque;

    emu_counters.launches++;
    if (l->kernel == RESR_KERNEL_CONTROL) {
        if (l->grid[0] * l->grid[1] * l->grid[2] != 1)
            return -EINVAL;
        resr_control_step(&l->args.control);
        return 0;
    }
    /* the kernels' first test: a pass after the tile was accepted returns at once, and
     * every network kernel of a reused frame (dedup); alpha and the copies test reuse */
    if (l->kernel == RESR_KERNEL_DEDUP_COMPARE || l->kernel == RESR_KERNEL_DEDUP_COPY)
        return emu_dedup(l);
    if (l->kernel == RESR_KERNEL_ALPHA ? resr_control_reusing(l->args.alpha.control) :
                                         resr_control_skip(emu_launch_control(l))) {
        emu_counters.skipped++;
        return 0;
    }
    if (l->kernel >= RESR_KERNEL_CONV_FP8_FIRST)
        return emu_conv_mma(l);
    if (resr_cuda_kernel_is_wide(l->kernel))
        return emu_conv_wide(l);
    if (l->kernel < RESR_KERNEL_FRAME_TO_NET) {
        const int math = (l->kernel - RESR_KERNEL_CONV_FIRST) / 4;
        return math == RESR_PRECISION_FP32 ? emu_conv_f32(l) : emu_conv_mma(l);
    }
    /* the conversion kernels: one thread per pixel, bounds checked as in convert.cu */
    for (unsigned y = 0; y < gy; y++)
        for (unsigned x = 0; x < gx; x++) {
            if (l->kernel == RESR_KERNEL_FRAME_TO_NET) {
                const ResrInputArgs *a = &l->args.input;
                if ((int)x < a->w / a->unshuffle && (int)y < a->h / a->unshuffle)
                    resr_input_thread(a, x, y);
            } else if (l->kernel == RESR_KERNEL_NET_TO_FRAME) {
                const ResrOutputArgs *a = &l->args.output;
                if ((int)x < a->cw && (int)y < a->ch)
                    resr_output_thread(a, x, y);
            } else {
                const ResrAlphaArgs *a = &l->args.alpha;
                const int ax = a->x0 + x, ay = a->y0 + y;
                if (ax < a->x0 + a->w && ay < a->y0 + a->h)
                    resr_alpha_pixel(&a->fmt, &a->src, a->src_w, a->src_h, &a->dst, a->scale, ax, ay);
            }
        }
    return 0;
}

static int emu_control_read(void *opaque, uint64_t control, ResrCudaControl *out)
{
    (void)opaque;
    memcpy(out, (const void *)(uintptr_t)control, sizeof(*out));
    return 0;
}

static const ResrCudaBackend emu_backend = { NULL, emu_launch, emu_control_read };

#endif /* RESR_TESTS_CUDA_EMULATE_H */
