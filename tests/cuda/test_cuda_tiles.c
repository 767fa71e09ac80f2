/*
 * The per-GPU choice of conv kernel (cuda/cuda_tiles.c): the opt-in table against the
 * CUDA C++ Programming Guide's per-compute-capability numbers, the stage counts that fit
 * (each stage 28800 B: conv_wide_tiling.cuh), who stays legacy (fp32, bn 16/48, sm_75),
 * RESR_CUDA_TILES's words and forced stage counts that do not fit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cuda/conv_wide_tiling.cuh"
#include "../../cuda/cuda_tiles.h"
#include "../common/test_util.h"

static void expect(const char *name, int ok, const char *fmt, int got, int want)
{
    if (ok) {
        resr_test_pass(name);
        return;
    }
    char why[128];
    snprintf(why, sizeof(why), fmt, got, want);
    resr_test_fail(name, "%s", why);
}

int main(void)
{
    const struct { int sm, bn, math, stages; } table[] = {
        { 75, 64, RESR_PRECISION_FP16, 0 },  /* no cp.async: legacy */
        { 80, 64, RESR_PRECISION_FP16, 4 },  /* 163 KiB: 4 x 28800 = 115200 */
        { 80, 32, RESR_PRECISION_BF16, 4 },
        { 86, 64, RESR_PRECISION_FP16, 3 },  /* 99 KiB = 101376: 3 x 28800 = 86400 */
        { 86, 32, RESR_PRECISION_BF16, 3 },
        { 87, 64, RESR_PRECISION_FP16, 4 },
        { 89, 64, RESR_PRECISION_FP16, 3 },
        { 89, 32, RESR_PRECISION_FP16, 3 },
        { 90, 64, RESR_PRECISION_FP16, 4 },  /* 227 KiB, capped at 4 */
        { 120, 64, RESR_PRECISION_FP16, 3 },
        { 86, 64, RESR_PRECISION_FP32, 0 },  /* fp32 has no tensor-core kernel */
        { 86, 16, RESR_PRECISION_FP16, 0 },  /* bn 16 and 48 have no wide kernel */
        { 90, 48, RESR_PRECISION_FP16, 0 },
        { 85, 64, RESR_PRECISION_FP16, 0 },  /* unknown: 48 KiB, one stage only */
    };
    char name[64];

    expect("tiles_stage_bytes", RESR_WIDE_STAGE_BYTES(64) == 28800 && RESR_WIDE_STAGE_BYTES(32) == 28800,
           "stage %d B, expected %d", RESR_WIDE_STAGE_BYTES(64), 28800);
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const int got = resr_cuda_tiles_stages(table[i].sm, table[i].bn, table[i].math);
        snprintf(name, sizeof(name), "tiles_sm%d_bn%d_%s", table[i].sm, table[i].bn,
                 resr_precision_name(table[i].math));
        expect(name, got == table[i].stages, "%d stages, expected %d", got, table[i].stages);
        if (got)
            expect(strcat(name, "_fits"), (unsigned)got * RESR_WIDE_STAGE_BYTES(table[i].bn) <=
                         resr_cuda_tiles_optin_smem(table[i].sm), "%d stages exceed the opt-in limit (%d)",
                   got, (int)resr_cuda_tiles_optin_smem(table[i].sm));
    }

    /* the override's words; anything else is refused */
    const char *words[] = { NULL, "", "auto", "legacy", "wide", "wide2", "wide3", "wide4" };
    const ResrCudaTiles modes[] = { RESR_CUDA_TILES_AUTO, RESR_CUDA_TILES_AUTO, RESR_CUDA_TILES_AUTO,
                                    RESR_CUDA_TILES_LEGACY, RESR_CUDA_TILES_WIDE, RESR_CUDA_TILES_WIDE2,
                                    RESR_CUDA_TILES_WIDE3, RESR_CUDA_TILES_WIDE4 };
    int bad = 0;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        ResrCudaTiles m = (ResrCudaTiles)-1;
        bad += resr_cuda_tiles_parse(words[i], &m) != 0 || m != modes[i];
    }
    ResrCudaTiles m;
    expect("tiles_parse", !bad && resr_cuda_tiles_parse("wide5", &m) == -EINVAL &&
           resr_cuda_tiles_parse("Legacy", &m) == -EINVAL, "%d words misread (of %d)", bad, 8);

    /* apply: a network of bn 64, 32 and 16 convs */
    ResrCudaConvLayout convs[3] = { { .bn = 64 }, { .bn = 32 }, { .bn = 16 } };
    ResrCudaWeights w = { .math = RESR_PRECISION_FP16, .num_convs = 3, .convs = convs };
    const struct { int sm; ResrCudaTiles mode; int stages; } apply[] = {
        { 86, RESR_CUDA_TILES_AUTO, 0 },   /* legacy until a GPU run has checked wide */
        { 86, RESR_CUDA_TILES_WIDE, 3 },   { 86, RESR_CUDA_TILES_LEGACY, 0 },
        { 86, RESR_CUDA_TILES_WIDE2, 2 },  { 86, RESR_CUDA_TILES_WIDE4, 3 },   /* 4 do not fit: the table's */
        { 80, RESR_CUDA_TILES_WIDE3, 3 },  { 90, RESR_CUDA_TILES_WIDE, 4 },
        { 75, RESR_CUDA_TILES_WIDE4, 0 },  /* never below sm_80 */
    };
    for (size_t i = 0; i < sizeof(apply) / sizeof(apply[0]); i++) {
        const int wide = resr_cuda_tiles_apply(&w, apply[i].sm, apply[i].mode);
        const int want = apply[i].stages ? 2 : 0;
        snprintf(name, sizeof(name), "tiles_apply_sm%d_mode%d", apply[i].sm, (int)apply[i].mode);
        expect(name, wide == want && convs[0].wide_stages == apply[i].stages &&
                     convs[1].wide_stages == apply[i].stages && convs[2].wide_stages == 0,
               "bn64 conv %d stages, expected %d", convs[0].wide_stages, apply[i].stages);
    }
    /* precision=fp8 (weights stored fp16): its e4m3 convs keep their own kernel */
    convs[1].fp8 = 1;
    const int wide8 = resr_cuda_tiles_apply(&w, 90, RESR_CUDA_TILES_WIDE);
    expect("tiles_apply_fp8_convs_not_wide", wide8 == 1 && convs[0].wide_stages == 4 && convs[1].wide_stages == 0,
           "%d convs wide (want 1: the bn64 one), the fp8 conv has %d stages", wide8, convs[1].wide_stages);
    return resr_test_exit();
}
