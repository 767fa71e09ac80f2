/*
 * The CUTLASS sm_90a path's host checks (cuda/cutlass_plan.c): which GPUs and convs it
 * takes, and the view checks CUTLASS's can_implement leaves out (a 200-byte pitch and a
 * misaligned base, accepted by can_implement in the compile-only study, must be refused;
 * a channel slice of the dense block's 192-channel concat buffer at a 16-byte channel
 * offset must pass).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../cuda/cutlass_plan.h"

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
    expect("sm90_kernel_bf16_falls_back", resr_sm90_kernel_for(&c, &why) < 0 && *why, "bf16 is not instantiated");
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
    expect("sm90_kernel_names", strcmp(resr_sm90_kernel_names[RESR_SM90_CONV_F16_N64], "resr_conv3x3_sm90_f16_n64") == 0,
           "the name must be the cubin's entry");
    return failures ? 1 : 0;
}
