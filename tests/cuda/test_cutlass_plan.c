/*
 * The CUTLASS sm_90a path's host checks (cuda/cutlass_plan.c): which GPUs and convs it
 * takes, and the view checks CUTLASS's can_implement leaves out (a 200-byte pitch and a
 * misaligned base, accepted by can_implement in the compile-only study, must be refused;
 * a channel slice of the dense block's 192-channel concat buffer at a 16-byte channel
 * offset must pass).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../../core/half.h"
#include "../../cuda/cutlass_plan.h"
#include "../common/synthetic_model.h"

static int failures;

static void expect(const char *name, int ok, const char *why)
{
    if (ok)
        printf("PASS %s\n", name);
    else {
        printf("FAIL %s: %s\n", name, why);
        failures++;
    }
}

static void view_case(const char *name, uint64_t base, int64_t pitch, int channels, int want_ok,
                      const char *want_why)
{
    const char *why;
    const int r = resr_sm90_check_view(base, pitch, channels, 2, &why);
    char msg[200];
    snprintf(msg, sizeof(msg), "returned %d (\"%s\"), want %s", r, why, want_ok ? "0" : want_why);
    expect(name, want_ok ? r == 0 : (r == -EINVAL && strstr(why, want_why) != NULL), msg);
}

/*
 * The kernel each conv of an official architecture should get, from the architecture and
 * the instantiated kernels alone (cuda/README.md, "Selection"): RRDBNet's growth convs
 * (C_out 32) the n32 kernel; the 5th dense conv of the first two dense blocks of an RRDB
 * (+ 0.2 x, fp16) the _res kernel, of the third (also + the float trunk) mma.sync;
 * conv_hr (64 -> 64) the n64 kernel; conv_first (3 channels), conv_body (+ float feat),
 * the upsampling convs and conv_last (float output) mma.sync. SRVGG: the body convs n64,
 * the first (3 channels) and the last (float output) mma.sync.
 */
static int expected_kernel(const ResrModel *m, int i)
{
    if (m->arch == RESR_ARCH_SRVGG)
        return i > 0 && i < m->num_convs - 1 ? RESR_SM90_CONV_F16_N64 : -1;
    if (i == 0)
        return -1;
    if (i < resr_rrdb_tail_index(m, 0)) {
        const int k = (i - 1) % 5, r = (i - 1) / 5 % 3;
        return k < 4 ? RESR_SM90_CONV_F16_N32 : r < 2 ? RESR_SM90_CONV_F16_N64_RES : -1;
    }
    return i == resr_rrdb_tail_index(m, 3) ? RESR_SM90_CONV_F16_N64 : -1;
}

/* The bf16 kernel of the same shape (written out, not the plan's offset arithmetic). */
static int bf16_kernel(int k)
{
    switch (k) {
    case RESR_SM90_CONV_F16_N64:     return RESR_SM90_CONV_BF16_N64;
    case RESR_SM90_CONV_F16_N32:     return RESR_SM90_CONV_BF16_N32;
    case RESR_SM90_CONV_F16_N64_RES: return RESR_SM90_CONV_BF16_N64_RES;
    }
    return -1;
}

/* One tile program of model, fp16 or bf16, every conv launch routed as the engine routes it:
 * each conv must get expected_kernel; the count printed and compared with want. */
static void route_case(const char *name, const ResrSyntheticShape *shape, int want, ResrPrecision math)
{
    const uint64_t wbase = 0x7e0000000000ull, abase = 0x7f0000000000ull, control = 0x7d0000000000ull;
    ResrModel *m = NULL;
    ResrCudaWeights w;
    ResrSm90Weights sw;
    ResrCudaArena arena;
    ResrCudaFrames frames;
    ResrTile tile;
    char msg[300] = "";
    int routed = 0, wrong = 0;

    memset(&w, 0, sizeof(w));
    memset(&sw, 0, sizeof(sw));
    if (resr_synthetic_model_create(&m, shape, 7) < 0 || resr_cuda_weights_pack(&w, m, math) < 0) {
        expect(name, 0, "model or weights failed");
        goto done;
    }
    int *exps = calloc(m->num_convs, sizeof(*exps));
    for (int i = 0; i < m->num_convs; i++)
        exps[i] = w.convs[i].weight_exp;
    /* fp32: the engine refuses cuda_conv=cutlass before packing; fp16 weights here let the
     * route show that an fp32 launch stays on mma.sync all the same */
    const int packed = resr_sm90_weights_pack(&sw, m, exps, math == RESR_PRECISION_FP32 ? RESR_PRECISION_FP16 : math);
    free(exps);
    if (packed < 0) {
        expect(name, 0, "sm90 weights failed");
        goto done;
    }
    resr_cuda_arena_plan(&arena, m, math, 64, 48);
    memset(&frames, 0, sizeof(frames));
    /* formats stay zero: only the conv launches are looked at */
    frames.in_w = 64, frames.in_h = 48;
    memset(&tile, 0, sizeof(tile));
    tile.input.w = tile.core.w = 64, tile.input.h = tile.core.h = 48;
    tile.output.w = 64 * m->scale, tile.output.h = 48 * m->scale;
    ResrCudaLaunch *l = calloc(resr_cuda_max_launches(m), sizeof(*l));
    const int n = resr_cuda_tile_program(l, m, &w, wbase, &arena, abase, &frames, &tile, control);
    for (int j = 0; j < n; j++) {
        const char *why;
        int index;
        const int k = resr_sm90_route(&l[j], m, &w, wbase, &sw, &index, &why);
        if (index < 0)
            continue;
        const int want_k = math == RESR_PRECISION_FP16 ? expected_kernel(m, index) :
                           math == RESR_PRECISION_BF16 ? bf16_kernel(expected_kernel(m, index)) : -1;
        routed += k >= 0;
        if (k != want_k && !wrong++)
            snprintf(msg, sizeof(msg), "conv %d (%s): kernel %d, want %d (%s)", index, m->convs[index].name,
                     k, want_k, why);
    }
    printf("# %s: %d of %d convs on CUTLASS\n", name, routed, m->num_convs);
    if (!wrong)
        snprintf(msg, sizeof(msg), "%d convs routed, want %d", routed, want);
    expect(name, !wrong && routed == want, msg);

    /* a view TMA cannot address (a 200-byte pitch) stays on mma.sync */
    for (int j = 0; j < n && math != RESR_PRECISION_FP32; j++) {
        const char *why;
        int index;
        if (resr_sm90_route(&l[j], m, &w, wbase, &sw, &index, &why) < 0)
            continue;
        ResrCudaLaunch bad = l[j];
        bad.args.conv.in_pixel = 100;
        const int k = resr_sm90_route(&bad, m, &w, wbase, &sw, &index, &why);
        snprintf(msg, sizeof(msg), "kernel %d (%s)", k, why);
        char sub[80];
        snprintf(sub, sizeof(sub), "%s_bad_pitch_falls_back", name);
        expect(sub, k < 0 && strstr(why, "pitch"), msg);
        break;
    }
    free(l);
done:
    resr_sm90_weights_free(&sw);
    resr_cuda_weights_free(&w);
    resr_synthetic_model_free(&m);
}

/* The CUTLASS weights and their epilogue record, against the model: KRSC order, the
 * mma.sync packing's power of two, bias, slope, the residual scale (0.2 on conv5). */
static void weights_case(const char *name, ResrPrecision math)
{
    const ResrSyntheticShape shape = { RESR_ARCH_RRDBNET, 4, 64, 32, 1, 0 };
    ResrModel *m = NULL;
    ResrCudaWeights w;
    ResrSm90Weights sw;
    int bad = 0, checked = 0;
    char msg[200] = "";

    memset(&sw, 0, sizeof(sw));
    if (resr_synthetic_model_create(&m, &shape, 3) < 0 || resr_cuda_weights_pack(&w, m, math) < 0) {
        expect(name, 0, "model or weights failed");
        return;
    }
    int exps[64];
    for (int i = 0; i < m->num_convs; i++)
        exps[i] = w.convs[i].weight_exp;
    resr_sm90_weights_pack(&sw, m, exps, math);
    /* fp16 keeps 11 significant bits, bf16 8: half an ulp of each, relative */
    const float rtol = math == RESR_PRECISION_BF16 ? 0x1p-8f : 0x1p-11f;
    for (int i = 0; i < m->num_convs; i++) {
        const ResrConv3x3 *c = &m->convs[i];
        if (sw.offset[i] == RESR_SM90_NO_WEIGHTS) {
            bad += c->in_channels % 8 == 0 && (c->out_channels == 32 || c->out_channels == 64);
            continue;
        }
        const uint16_t *krsc = (const uint16_t *)(sw.blob + sw.offset[i]);
        const ResrSm90EpilogueHead *head = (const ResrSm90EpilogueHead *)(sw.blob + sw.offset[i] +
            resr_sm90_epilogue_offset(c->in_channels, c->out_channels));
        const float *bias = (const float *)(head + 1), *slope = bias + c->out_channels;
        for (int o = 0; o < c->out_channels; o++)
            for (int tap = 0; tap < 9; tap++)
                for (int k = 0; k < c->in_channels; k += 7) {
                    const float want = ldexpf(c->weight[((size_t)o * c->in_channels + k) * 9 + tap], exps[i]);
                    const uint16_t bits = krsc[((size_t)o * 9 + tap) * c->in_channels + k];
                    const float got = math == RESR_PRECISION_BF16 ? resr_bf16_to_float(bits) : resr_half_to_float(bits);
                    checked++;
                    if (fabsf(got - want) > rtol * fabsf(want) + 1e-6f && !bad++)
                        snprintf(msg, sizeof(msg), "conv %d w[%d][%d][%d] = %g, want %g", i, o, tap, k, got, want);
                }
        const int conv5 = i >= 1 && i < resr_rrdb_tail_index(m, 0) && (i - 1) % 5 == 4;
        if (head->acc_scale != ldexpf(1.0f, -exps[i]) || head->res1_scale != (conv5 ? 0.2f : 1.0f) ||
            bias[0] != c->bias[0] || bias[c->out_channels - 1] != c->bias[c->out_channels - 1] ||
            slope[0] != (c->activation == RESR_ACT_LEAKY_RELU ? c->leaky_slope : 1.0f)) {
            if (!bad++)
                snprintf(msg, sizeof(msg), "conv %d: epilogue record differs", i);
        }
    }
    if (!bad)
        snprintf(msg, sizeof(msg), "%d weights compared", checked);
    expect(name, !bad && checked > 0, msg);
    resr_sm90_weights_free(&sw);
    resr_cuda_weights_free(&w);
    resr_synthetic_model_free(&m);
}

int main(void)
{
    const uint64_t arena = 0x7f0000000000ull;   /* a cuMemAlloc address: 256-byte aligned */

    expect("sm90_device_h100", resr_sm90_device_ok(9, 0), "9.0 must take the sm_90a path");
    expect("sm90_device_others", !resr_sm90_device_ok(8, 9) && !resr_sm90_device_ok(10, 0) &&
           !resr_sm90_device_ok(12, 0) && !resr_sm90_device_ok(7, 5),
           "sm_90a SASS runs on 9.0 only");

    /* fp16, 2 bytes an element */
    view_case("sm90_view_packed_64", arena, 64, 64, 1, "");
    view_case("sm90_view_concat_slice", arena + 64 * 2, 192, 32, 1, "");   /* channels 64..95 of 192 */
    view_case("sm90_view_pitch_200_bytes", arena, 100, 64, 0, "pitch");
    view_case("sm90_view_misaligned_base", arena + 8, 192, 64, 0, "base address");
    view_case("sm90_view_3_channels", arena, 64, 3, 0, "channel count");
    view_case("sm90_view_pitch_below_channels", arena, 32, 64, 0, "smaller");

    const char *why;
    ResrSm90Conv body = { RESR_PRECISION_FP16, 64, 64, 1, 0, 0, 0 };
    expect("sm90_kernel_body_64", resr_sm90_kernel_for(&body, &why) == RESR_SM90_CONV_F16_N64, why);
    ResrSm90Conv c = body;
    c.math = RESR_PRECISION_BF16;
    expect("sm90_kernel_bf16_body_64", resr_sm90_kernel_for(&c, &why) == RESR_SM90_CONV_BF16_N64, why);
    c.math = RESR_PRECISION_FP32;
    expect("sm90_kernel_fp32_falls_back", resr_sm90_kernel_for(&c, &why) < 0 && *why, "fp32 is not instantiated");
    c.in_channels = 160;
    c.out_channels = 32;
    c.math = RESR_PRECISION_BF16;
    expect("sm90_kernel_bf16_growth_32", resr_sm90_kernel_for(&c, &why) == RESR_SM90_CONV_BF16_N32, why);
    c.in_channels = 192;
    c.out_channels = 64;
    c.has_res1 = 1;
    expect("sm90_kernel_bf16_dense5_residual", resr_sm90_kernel_for(&c, &why) == RESR_SM90_CONV_BF16_N64_RES, why);
    c = body;
    c.in_channels = 160;
    c.out_channels = 32;
    expect("sm90_kernel_growth_32", resr_sm90_kernel_for(&c, &why) == RESR_SM90_CONV_F16_N32, why);
    c.has_res1 = 1;
    expect("sm90_kernel_growth_residual_falls_back", resr_sm90_kernel_for(&c, &why) < 0 && *why,
           "C_out 32 with a residual is not instantiated");
    c = body;
    c.out_channels = 48;
    expect("sm90_kernel_48_falls_back", resr_sm90_kernel_for(&c, &why) < 0 && *why, "C_out 48 is not instantiated");
    c = body;
    c.in_channels = 3;
    expect("sm90_kernel_3_channels_falls_back", resr_sm90_kernel_for(&c, &why) < 0 && strstr(why, "multiple of 8"),
           "3 input channels must be refused (pad to 8)");
    c = body;
    c.in_channels = 192;
    c.has_res1 = 1;
    expect("sm90_kernel_dense5_residual", resr_sm90_kernel_for(&c, &why) == RESR_SM90_CONV_F16_N64_RES, why);
    c.has_res2 = 1;
    expect("sm90_kernel_float_residual_falls_back", resr_sm90_kernel_for(&c, &why) < 0 && *why,
           "a float residual (res2) is not instantiated");
    c = body;
    c.upsample = 2;
    expect("sm90_kernel_upsample_falls_back", resr_sm90_kernel_for(&c, &why) < 0 && *why, "upsampled input");
    expect("sm90_kernel_names", strcmp(resr_sm90_kernel_names[RESR_SM90_CONV_F16_N64], "resr_conv3x3_sm90_f16_n64") == 0 &&
           strcmp(resr_sm90_kernel_names[RESR_SM90_CONV_BF16_N64_RES], "resr_conv3x3_sm90_bf16_n64_res") == 0,
           "the name must be the cubin's entry");
    expect("sm90_kernel_is_bf16", resr_sm90_kernel_is_bf16(RESR_SM90_CONV_BF16_N32) &&
           !resr_sm90_kernel_is_bf16(RESR_SM90_CONV_F16_N64_RES), "the bf16 kernels are the last three");

    /* the per-layer plan of the official architectures (counts from expected_kernel) */
    const ResrSyntheticShape x4plus = { RESR_ARCH_RRDBNET, 4, 64, 32, 23, 0 };
    const ResrSyntheticShape anime = { RESR_ARCH_SRVGG, 4, 64, 0, 0, 16 };
    route_case("sm90_route_x4plus", &x4plus, 23 * 14 + 1, RESR_PRECISION_FP16);
    route_case("sm90_route_animevideov3", &anime, 16, RESR_PRECISION_FP16);
    route_case("sm90_route_x4plus_bf16", &x4plus, 23 * 14 + 1, RESR_PRECISION_BF16);
    route_case("sm90_route_animevideov3_bf16", &anime, 16, RESR_PRECISION_BF16);
    route_case("sm90_route_fp32_none", &anime, 0, RESR_PRECISION_FP32);
    weights_case("sm90_weights_krsc", RESR_PRECISION_FP16);
    weights_case("sm90_weights_krsc_bf16", RESR_PRECISION_BF16);
    return failures ? 1 : 0;
}
