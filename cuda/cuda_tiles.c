/* The per-GPU choice of conv kernel and pipeline depth (cuda_tiles.h). */
#include <errno.h>
#include <string.h>

#include "conv_wide_tiling.cuh"
#include "cuda_tiles.h"

/* Opt-in shared memory per block, KiB, by compute capability (the Programming Guide's
 * table; 7.x for completeness: the wide kernel needs cp.async, 8.0+). */
static const struct { int sm; unsigned kib; } optin[] = {
    { 70, 96 }, { 72, 96 }, { 75, 64 },
    { 80, 163 }, { 86, 99 }, { 87, 163 }, { 89, 99 },
    { 90, 227 },
    { 100, 227 }, { 103, 227 }, { 120, 99 }, { 121, 99 },
};

unsigned resr_cuda_tiles_optin_smem(int sm)
{
    for (size_t i = 0; i < sizeof(optin) / sizeof(optin[0]); i++)
        if (optin[i].sm == sm)
            return optin[i].kib * 1024;
    return 48 * 1024;
}

static int fitting_stages(int sm, int bn, int want)
{
    const unsigned stages = resr_cuda_tiles_optin_smem(sm) / RESR_WIDE_STAGE_BYTES(bn);

    return (int)stages < want ? (int)stages : want;
}

int resr_cuda_tiles_stages(int sm, int bn, ResrPrecision math)
{
    if (math == RESR_PRECISION_FP32 || !resr_wide_bn_ok(bn) || sm < 80)
        return 0;
    const int s = fitting_stages(sm, bn, RESR_WIDE_MAX_STAGES);
    /* two stages would give up the deeper pipeline the wide kernel is for: the legacy
     * kernel then runs two blocks of four warps per SM as well */
    return s >= 3 ? s : 0;
}

int resr_cuda_tiles_parse(const char *s, ResrCudaTiles *mode)
{
    static const char *const names[] = { "auto", "legacy", "wide", "wide2", "wide3", "wide4" };

    if (!s || !*s) {
        *mode = RESR_CUDA_TILES_AUTO;
        return 0;
    }
    for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (!strcmp(s, names[i])) {
            *mode = (ResrCudaTiles)i;
            return 0;
        }
    return -EINVAL;
}

static int stages_for(int sm, int bn, ResrPrecision math, ResrCudaTiles mode)
{
    const int table = resr_cuda_tiles_stages(sm, bn, math);

    /* auto: no GPU has run the wide kernels yet (cuda/README.md) */
    if (mode == RESR_CUDA_TILES_LEGACY || mode == RESR_CUDA_TILES_AUTO || !table)
        return 0;
    if (mode >= RESR_CUDA_TILES_WIDE2) {
        const int want = 2 + (mode - RESR_CUDA_TILES_WIDE2);
        if (fitting_stages(sm, bn, want) == want)
            return want;
    }
    return table;
}

int resr_cuda_tiles_apply(ResrCudaWeights *w, int sm, ResrCudaTiles mode)
{
    int wide = 0;

    for (int i = 0; i < w->num_convs; i++) {
        ResrCudaConvLayout *c = &w->convs[i];
        /* the fp8 convs have their own kernel (conv3x3_mma.cu, e4m3), which is not wide */
        c->wide_stages = c->fp8 ? 0 : stages_for(sm, c->bn, w->math, mode);
        wide += c->wide_stages > 0;
    }
    return wide;
}
