/*
 * precision=fp8 calibration (fp8_calibrate.h): the fp32 plan of the network executed on the
 * host, launch by launch, by a plain reading of ResrConvArgs (no tiling), recording the
 * largest |input| of every conv.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/e4m3.h"
#include "conv_tiling.cuh"   /* resr_conv_activate, resr_scaled_add: the kernels' epilogue */
#include "fp8_calibrate.h"

float resr_cuda_fp8_in_scale(float max_abs)
{
    int e = 0;

    if (!(max_abs > 0.0f) || !isfinite(max_abs))
        return 1.0f;
    /* fp16 operands times the scale must stay finite in fp16: 2^-14 .. 2^14 */
    while (e < 14 && max_abs * ldexpf(RESR_FP8_HEADROOM, e + 1) <= RESR_E4M3_MAX)
        e++;
    while (e > -14 && max_abs * ldexpf(RESR_FP8_HEADROOM, e) > RESR_E4M3_MAX)
        e--;
    return ldexpf(1.0f, e);
}

float resr_cuda_fp8_calib_pixel(int x, int y, int c)
{
    const float smooth = 0.35f * sinf(0.37f * x + 1.3f * c) * cosf(0.23f * y - 0.7f * c);
    const float edge = ((x / 4 + y / 4) & 1) ? 0.15f : -0.15f;
    const float v = 0.5f + smooth + edge + (x < 8 && y < 8 ? 0.5f : 0.0f);
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* Largest |value| of channels 0 .. in_channels-1 of the launch's input view. */
static float input_max(const ResrConvArgs *a)
{
    const float *in = (const float *)(uintptr_t)a->in;
    float m = 0.0f;

    for (int64_t p = 0; p < (int64_t)a->in_width * a->in_height; p++)
        for (int c = 0; c < a->in_channels; c++)
            m = fmaxf(m, fabsf(in[p * a->in_pixel + c]));
    return m;
}

/* The conv and its epilogue (kernel_args.h), fp32 storage, packed weights [chunk][tap][k][n]
 * (n innermost: the inner loop runs over contiguous weights, so the compiler vectorises it;
 * animevideov3's 64x64 forward takes ~2.5 s the other way round). acc: float [weight_cout]. */
static void run_conv(const ResrConvArgs *a, float *acc)
{
    const float *in = (const float *)(uintptr_t)a->in, *wt = (const float *)(uintptr_t)a->weight;
    const float *bias = (const float *)(uintptr_t)a->bias, *slope = (const float *)(uintptr_t)a->slope;
    float *dst = (float *)(uintptr_t)a->dst, *dst_f32 = (float *)(uintptr_t)a->dst_f32;
    const int cout = a->weight_cout;

    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++) {
            const int64_t pixel = (int64_t)y * a->width + x;
            for (int n = 0; n < cout; n++)
                acc[n] = 0.0f;
            for (int tap = 0; tap < 9; tap++) {
                const int oy = y + tap / 3 - 1, ox = x + tap % 3 - 1;
                if (oy < 0 || oy >= a->height || ox < 0 || ox >= a->width)
                    continue;
                const float *px = in + ((int64_t)(oy >> a->upsample) * a->in_width +
                                        (ox >> a->upsample)) * a->in_pixel;
                for (int ci = 0; ci < a->in_channels; ci++) {
                    const float v = px[ci];
                    const float *w = wt + (((int64_t)(ci / 8) * 9 + tap) * 8 + ci % 8) * cout;
                    for (int n = 0; n < cout; n++)
                        acc[n] += v * w[n];
                }
            }
            for (int n = a->oc0; n < a->out_channels; n++) {
                float v = resr_conv_activate(acc[n], a->acc_scale, bias[n], a->bias_scale, slope[n]);
                if (a->res1)
                    v = resr_scaled_add(v, a->res1_scale, ((const float *)(uintptr_t)a->res1)[pixel * a->res1_pixel + n]);
                if (a->res2)
                    v = resr_scaled_add(v, a->res2_scale, ((const float *)(uintptr_t)a->res2)[pixel * a->res2_pixel + n]);
                if (dst_f32)
                    dst_f32[pixel * a->dst_f32_pixel + n] = v;
                if (dst)
                    dst[pixel * a->dst_pixel + n] = v;
            }
        }
}

int resr_cuda_fp8_calib_max(float *max_abs, const ResrModel *m)
{
    const int u = resr_model_unshuffle(m);
    const int side = (m->arch == RESR_ARCH_SRVGG ? RESR_FP8_CALIB_SRVGG : RESR_FP8_CALIB_RRDB) * u;
    const ResrTile tile = { { 0, 0, side, side }, { 0, 0, side, side }, { 0, 0, side * m->scale, side * m->scale } };
    ResrCudaFrames frames;
    ResrCudaWeights w;
    ResrCudaArena ar;
    ResrCudaLaunch *launches = NULL;
    float *arena = NULL, *acc = NULL;
    int ret, n;

    memset(&frames, 0, sizeof(frames));
    if ((ret = resr_cuda_weights_pack(&w, m, RESR_PRECISION_FP32)) < 0)
        return ret;
    resr_cuda_arena_plan(&ar, m, RESR_PRECISION_FP32, side, side);
    launches = calloc(resr_cuda_max_launches(m), sizeof(*launches));
    arena = calloc(1, ar.size);
    acc = malloc(w.size);   /* more than any conv's weight_cout floats */
    if (!launches || !arena || !acc) {
        ret = -ENOMEM;
        goto end;
    }
    /* the network input, unshuffled: channel c*u*u + i*u + j is pixel (u*x + j, u*y + i) */
    for (int y = 0; y < side / u; y++)
        for (int x = 0; x < side / u; x++)
            for (int ch = 0; ch < 3 * u * u; ch++)
                arena[((size_t)y * (side / u) + x) * ar.in_pixel + ar.input / sizeof(float) + ch] =
                    resr_cuda_fp8_calib_pixel(u * x + ch % u, u * y + ch / u % u, ch / (u * u));
    /* control 0: no overflow control, bias_scale 1; the conversions (first, last) are skipped */
    n = resr_cuda_tile_program(launches, m, &w, (uint64_t)(uintptr_t)w.blob, &ar,
                               (uint64_t)(uintptr_t)arena, &frames, &tile, 0);
    for (int i = 0; i < m->num_convs; i++)
        max_abs[i] = 0.0f;
    for (int i = 1; i < n - 1; i++) {
        const ResrConvArgs *a = &launches[i].args.conv;
        for (int k = 0; k < m->num_convs; k++)
            if (a->weight == (uint64_t)(uintptr_t)w.blob + w.convs[k].weight)
                max_abs[k] = fmaxf(max_abs[k], input_max(a));
        run_conv(a, acc);
    }
    ret = 0;
end:
    free(launches);
    free(arena);
    free(acc);
    resr_cuda_weights_free(&w);
    return ret;
}

int resr_cuda_fp8_calibrate(ResrCudaWeights *w, const ResrModel *m)
{
    float *max_abs = malloc(m->num_convs * sizeof(*max_abs));
    int ret;

    if (!max_abs)
        return -ENOMEM;
    if ((ret = resr_cuda_fp8_calib_max(max_abs, m)) >= 0)
        for (int i = 0; i < m->num_convs; i++)
            w->convs[i].in_scale = w->convs[i].fp8 ? resr_cuda_fp8_in_scale(max_abs[i]) : 1.0f;
    free(max_abs);
    return ret;
}
