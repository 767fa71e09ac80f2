/*
 * The fake driver's CPU twin of the CUTLASS sm_90a conv entries (cuda/cutlass/
 * conv3x3_sm90.cu), for tests/cuda/fake_libcuda.c: a launch is checked as the hardware
 * would take it, then run as the kernel computes it.
 *
 * What it reads: the kernel's Params are CUTLASS's opaque struct, but the TMA descriptors
 * in them are the fake's own records (fake_tensor_map.h), in the struct's order: the
 * activations (im2col), the filter (tiled, KRSC), the residual source C (im2col, the
 * _res kernel only), the output D (im2col). From them: sizes, views (base, pitch, channel
 * offset), the weights. The epilogue's per-channel bias and slope and its acc_scale and
 * res1_scale come from the record the engine packs after each conv's weights
 * (cutlass_plan.h, ResrSm90EpilogueHead), and the twin requires the Params to carry
 * pointers to that bias and slope and to the control block's act_scale and status fields
 * (what the epilogue tree reads and reports to), and the fp16 limit.
 *
 * What it checks: the entry's launch shape (cluster 1x1x1 or none, the dynamic shared
 * memory opted in with cuFuncSetAttribute and at most 227 KB, one block per 128 pixels),
 * the descriptors' agreement (channels, sizes, C_out of the kernel). The conv itself: fp16
 * or bf16 operands (the kernel's type), float sums, then the epilogue's own RESR_HD
 * functions in the tree's order (resr_conv_activate, resr_scaled_add, resr_track_max_abs,
 * the overflow test (fp16 kernels only), resr_saturate at the fp16 limit or none for
 * bf16); the control block's skip is read first, as the entry does.
 */
#ifndef RESR_TESTS_FAKE_SM90_H
#define RESR_TESTS_FAKE_SM90_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../core/half.h"
#include "../../cuda/control_math.cuh"
#include "../../cuda/conv_tiling.cuh"
#include "../../cuda/cutlass_plan.h"
#include "../../cuda/cutlass/sm90_params.h"
#include "../../cuda/epilogue_math.cuh"
#include "fake_tensor_map.h"

#define FAKE_SM90_MAX_SMEM (227 * 1024)

typedef struct FakeSm90Launch {
    int kernel;                      /* RESR_SM90_* */
    unsigned grid[3], block[3], smem, smem_allowed;
    int cluster[3];                  /* 0: no cluster attribute */
    const unsigned char *params;     /* RESR_SM90_PARAMS_MAX bytes */
    uint64_t control;
} FakeSm90Launch;

static int fake_sm90_has_u64(const unsigned char *p, uint64_t v)
{
    for (size_t at = 0; at + 8 <= RESR_SM90_PARAMS_MAX; at += 8) {
        uint64_t u;
        memcpy(&u, p + at, 8);
        if (u == v)
            return 1;
    }
    return 0;
}

static int fake_sm90_has_f32(const unsigned char *p, float v)
{
    for (size_t at = 0; at + 4 <= RESR_SM90_PARAMS_MAX; at += 4) {
        float f;
        memcpy(&f, p + at, 4);
        if (f == v)
            return 1;
    }
    return 0;
}

static float fake_sm90_value(uint16_t v, int bf16)
{
    return bf16 ? resr_bf16_to_float(v) : resr_half_to_float(v);
}

static float fake_sm90_at(const FakeTensorMap *t, int c, int x, int y, int bf16)
{
    const uint16_t *v = (const uint16_t *)(uintptr_t)(t->address + (uint64_t)y * t->stride[1] +
                                                      (uint64_t)x * t->stride[0]);
    return fake_sm90_value(v[c], bf16);
}

/* NULL after running the launch, or why the hardware would not run it as given. */
static const char *fake_sm90_launch(const FakeSm90Launch *l)
{
    const FakeTensorMap *m[8];
    const int n = fake_tmap_find(l->params, RESR_SM90_PARAMS_MAX, m, 8);
    const int bf16 = resr_sm90_kernel_is_bf16(l->kernel);
    const int residual = l->kernel == RESR_SM90_CONV_F16_N64_RES || l->kernel == RESR_SM90_CONV_BF16_N64_RES;
    const int bn = l->kernel == RESR_SM90_CONV_F16_N32 || l->kernel == RESR_SM90_CONV_BF16_N32 ? 32 : 64;
    const float limit = bf16 ? 0.0f : RESR_CUDA_F16_LIMIT;   /* cuda_plan.c's narrow_limit */

    if (l->cluster[0] && (l->cluster[0] != 1 || l->cluster[1] != 1 || l->cluster[2] != 1))
        return "cluster shape other than 1x1x1";
    if (l->smem > 48 * 1024 && l->smem > l->smem_allowed)
        return "dynamic shared memory above 48 KB without cuFuncSetAttribute";
    if (l->smem > FAKE_SM90_MAX_SMEM)
        return "dynamic shared memory above 227 KB";
    if (l->block[0] * l->block[1] * l->block[2] > 1024 || l->block[0] % 128)
        return "block not whole warp groups";
    if (n != (residual ? 4 : 3))
        return "not the descriptors the kernel takes (activations, filter, [C], D)";
    const FakeTensorMap *A = m[0], *B = m[1], *C = residual ? m[2] : NULL, *D = m[n - 1];
    if (A->mode != FAKE_TMAP_IM2COL || B->mode != FAKE_TMAP_TILED || D->mode != FAKE_TMAP_IM2COL ||
        (C && C->mode != FAKE_TMAP_IM2COL))
        return "descriptor modes out of order";
    const int cin = (int)A->dim[0], W = (int)A->dim[1], H = (int)A->dim[2], cout = (int)B->dim[1];
    if (A->rank != 4 || B->rank != 4 || D->rank != 4 || A->dim[3] != 1 || B->dim[0] != (uint32_t)cin ||
        B->dim[2] != 3 || B->dim[3] != 3 || cout != bn || D->dim[0] != (uint32_t)cout ||
        D->dim[1] != (uint32_t)W || D->dim[2] != (uint32_t)H ||
        (C && (C->dim[0] != (uint32_t)cout || C->dim[1] != (uint32_t)W || C->dim[2] != (uint32_t)H)))
        return "descriptor shapes disagree (C_in, C_out, W, H)";
    /* CUtensorMapDataType: UINT16 1 (bits moved as they are: CUTLASS's choice for some of
     * its copies), FLOAT16 6, BFLOAT16 9; a float type other than the kernel's would make the
     * hardware read the bits as that type */
    const int dtype = bf16 ? 9 : 6;
    for (int i = 0; i < n; i++)
        if (m[i]->dtype != dtype && m[i]->dtype != 1) {
            static char why[96];
            snprintf(why, sizeof(why), "descriptor %d of %d has data type %d, want %d (%s) or 1 (16-bit)", i, n, m[i]->dtype, dtype,
                     bf16 ? "bf16" : "fp16");
            return why;
        }
    if ((uint64_t)l->grid[0] * 128 < (uint64_t)W * H || l->grid[1] * bn < (unsigned)cout)
        return "grid does not cover the output";
    /* the epilogue's per-conv record, and the Params' pointers to it and to the control */
    const ResrSm90EpilogueHead *head = (const ResrSm90EpilogueHead *)(uintptr_t)(
        B->address + resr_sm90_epilogue_offset(cin, cout));
    const float *bias = (const float *)(head + 1), *slope = bias + cout;
    ResrCudaControl *control = (ResrCudaControl *)(uintptr_t)l->control;
    if (!control)
        return "no control block";
    if (!fake_sm90_has_u64(l->params, (uint64_t)(uintptr_t)bias) ||
        !fake_sm90_has_u64(l->params, (uint64_t)(uintptr_t)slope))
        return "Params do not point at the conv's bias and slope";
    if (!fake_sm90_has_u64(l->params, l->control + offsetof(ResrCudaControl, act_scale)) ||
        !fake_sm90_has_u64(l->params, l->control + offsetof(ResrCudaControl, status)))
        return "Params do not point at the control block's scale and status";
    if ((!bf16 && !fake_sm90_has_f32(l->params, RESR_CUDA_F16_LIMIT)) ||
        (residual && !fake_sm90_has_f32(l->params, head->res1_scale)))
        return "Params lack the fp16 limit or the residual scale";
    /* the fp16 kernels report overflow to the control block; the bf16 tree has no such node */
    if (!bf16 && !fake_sm90_has_u64(l->params, l->control + offsetof(ResrCudaControl, status.overflow)))
        return "Params do not point at the control block's overflow count";
    if (resr_control_skip(l->control))   /* the entry returns before CUTLASS runs */
        return NULL;

    const uint16_t *w = (const uint16_t *)(uintptr_t)B->address;
    const float bias_scale = control->act_scale;
    float max_abs = resr_bits_float(control->status.max_abs_bits);
    int overflow = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int o = 0; o < cout; o++) {
                float acc = 0.0f;
                for (int tap = 0; tap < 9; tap++) {
                    const int sx = x + tap % 3 - 1, sy = y + tap / 3 - 1;
                    if (sx < 0 || sy < 0 || sx >= W || sy >= H)
                        continue;
                    for (int k = 0; k < cin; k++)
                        acc += fake_sm90_at(A, k, sx, sy, bf16) *
                               fake_sm90_value(w[((size_t)o * 9 + tap) * cin + k], bf16);
                }
                float v = resr_conv_activate(acc, head->acc_scale, bias[o], bias_scale, slope[o]);
                if (C)
                    v = resr_scaled_add(v, head->res1_scale, fake_sm90_at(C, o, x, y, bf16));
                max_abs = resr_track_max_abs(max_abs, v);
                overflow |= !bf16 && !(fabsf(v) <= RESR_CUDA_F16_LIMIT);
                uint16_t *d = (uint16_t *)(uintptr_t)(D->address + (uint64_t)y * D->stride[1] +
                                                      (uint64_t)x * D->stride[0]);
                v = resr_saturate(v, limit);
                d[o] = bf16 ? resr_float_to_bf16(v) : resr_float_to_half(v);
            }
    if (resr_float_bits(max_abs) > control->status.max_abs_bits)
        control->status.max_abs_bits = resr_float_bits(max_abs);
    control->status.overflow += overflow;
    return NULL;
}

#endif /* RESR_TESTS_FAKE_SM90_H */
