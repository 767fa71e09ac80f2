/* The CUTLASS sm_90a path's host checks (cutlass_plan.h). */
#include <errno.h>

#include "cutlass_plan.h"

const char *const resr_sm90_kernel_names[RESR_SM90_KERNEL_COUNT] = {
    "resr_conv3x3_sm90_f16_n64",
    "resr_conv3x3_sm90_f16_n32",
    "resr_conv3x3_sm90_f16_n64_res",
};

int resr_sm90_device_ok(int cc_major, int cc_minor)
{
    return cc_major == 9 && cc_minor == 0;
}

int resr_sm90_kernel_for(const ResrSm90Conv *conv, const char **why)
{
    *why = "";
    if (conv->math != RESR_PRECISION_FP16)
        *why = "only fp16 is instantiated";
    else if (conv->upsample != 1)
        *why = "nearest-upsampled inputs are not a TMA im2col view";
    else if (conv->has_res2 || conv->has_dst_f32)
        *why = "a float residual or float output is not instantiated";
    else if (conv->in_channels % 8 || conv->in_channels < 8)
        *why = "input channels must be a multiple of 8 (pad with zero weights)";
    else if (conv->out_channels == 64)
        return conv->has_res1 ? RESR_SM90_CONV_F16_N64_RES : RESR_SM90_CONV_F16_N64;
    else if (conv->out_channels == 32 && !conv->has_res1)
        return RESR_SM90_CONV_F16_N32;
    else
        *why = "no kernel for this output channel count (instantiated: 64, 64 + res1, 32)";
    return -1;
}

int resr_sm90_check_view(uint64_t base, int64_t pixel_stride, int channels, int elem_size,
                         const char **why)
{
    *why = "";
    if (elem_size <= 0 || channels <= 0)
        *why = "empty view";
    else if (base % 16)
        *why = "base address not 16-byte aligned (TMA)";
    else if ((channels * elem_size) % 16)
        *why = "channel count not a multiple of 16 bytes (TMA box)";
    else if (pixel_stride < channels)
        *why = "pixel stride smaller than the channel count";
    else if ((pixel_stride * elem_size) % 16)
        *why = "pixel stride (pitch) not a multiple of 16 bytes (TMA)";
    else
        return 0;
    return -EINVAL;
}
