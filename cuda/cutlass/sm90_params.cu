/*
 * The CUTLASS sm_90a convs' kernel parameters, made on the host without the CUDA runtime
 * (sm90_params.h). nvcc compiles this file for its host side only: conv3x3_sm90.cu is
 * included with RESR_SM90_HOST_ONLY, so no kernel is instantiated here (the cubin has
 * them, mk/cutlass.mak). CUTLASS makes the TMA descriptors with the driver's
 * cuTensorMapEncodeIm2col/Tiled; CUTLASS_ENABLE_DIRECT_CUDA_DRIVER_CALL makes it call
 * those names directly instead of asking the CUDA runtime for them, and the names are
 * macros here for forwards to the pointers the engine resolved from the libcuda FFmpeg
 * loaded (cuda/driver_ext.h). Nothing in this object needs libcudart: nvcc's module
 * registration for the (empty) device side resolves to sm90_noruntime.c's stubs.
 */
#include <errno.h>

#include <cuda.h>
#include <cudaTypedefs.h>

/* before CUTLASS: its driver wrapper calls these names */
#define cuTensorMapEncodeTiled resr_sm90_encode_tiled
#define cuTensorMapEncodeIm2col resr_sm90_encode_im2col
#define cuDriverGetVersion resr_sm90_driver_version   /* the small-tensor driver workaround */

namespace {
/* the encoders of the call in progress (each engine's calls come from its own thread) */
thread_local PFN_cuTensorMapEncodeTiled_v12000 tiled_fn;
thread_local PFN_cuTensorMapEncodeIm2col_v12000 im2col_fn;
thread_local PFN_cuDriverGetVersion_v2020 version_fn;
thread_local int encode_failed;   /* CUTLASS prints a failed encode and goes on: caught here */
}

template <typename... Args> static CUresult resr_sm90_encode_tiled(Args... args)
{
    const CUresult r = tiled_fn ? tiled_fn(args...) : CUDA_ERROR_NOT_INITIALIZED;
    encode_failed |= r != CUDA_SUCCESS;
    return r;
}

template <typename... Args> static CUresult resr_sm90_encode_im2col(Args... args)
{
    const CUresult r = im2col_fn ? im2col_fn(args...) : CUDA_ERROR_NOT_INITIALIZED;
    encode_failed |= r != CUDA_SUCCESS;
    return r;
}

static CUresult resr_sm90_driver_version(int *version)
{
    return version_fn ? version_fn(version) : CUDA_ERROR_NOT_INITIALIZED;
}

#define RESR_SM90_HOST_ONLY
#include "conv3x3_sm90.cu"

extern "C" {
#include "../cutlass_plan.h"
#include "../driver_ext.h"
#include "sm90_params.h"
}

/* driver_ext.h mirrors cuda.h's launch types */
static_assert(sizeof(ResrLaunchAttribute) == sizeof(CUlaunchAttribute), "CUlaunchAttribute");
static_assert(offsetof(ResrLaunchAttribute, value) == offsetof(CUlaunchAttribute, value), "CUlaunchAttribute");
static_assert(sizeof(ResrLaunchConfig) == sizeof(CUlaunchConfig), "CUlaunchConfig");
static_assert(offsetof(ResrLaunchConfig, stream) == offsetof(CUlaunchConfig, hStream), "CUlaunchConfig");
static_assert(offsetof(ResrLaunchConfig, attrs) == offsetof(CUlaunchConfig, attrs), "CUlaunchConfig");
static_assert(offsetof(ResrLaunchConfig, num_attrs) == offsetof(CUlaunchConfig, numAttrs), "CUlaunchConfig");
static_assert(RESR_CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION, "id");
static_assert(RESR_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES ==
              CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, "attribute");

namespace {

using resr_cutlass::Conv;

/* CUTLASS's own Arguments for p: the views' strides as given (NHWC, channel stride 1).
 * Elem: the kernel's 2-byte type (fp16, bf16); Overflow: its tree has the fp16 overflow
 * node (Narrow(Overflow(MaxAbs(...))); bf16: Narrow(MaxAbs(...))). */
template <class K, bool Residual, class Elem, bool Overflow>
bool make_arguments(const ResrSm90Problem *p, typename K::Arguments &args)
{
    using PS = typename K::ProblemShape;
    using Half = Elem;
    const int w = p->width, h = p->height;
    const int64_t hw = (int64_t)w * h;
    PS shape(cutlass::conv::Mode::kCrossCorrelation,
             { 1, h, w, p->in_channels }, { hw * p->in_pixel, w * p->in_pixel, p->in_pixel, 1 },
             { p->out_channels, 3, 3, p->in_channels }, { 9 * p->in_channels, 3 * p->in_channels, p->in_channels, 1 },
             { hw * p->dst_pixel, w * p->dst_pixel, p->dst_pixel, 1 },
             { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, 1);
    args = typename K::Arguments{};
    args.problem_shape = shape;
    args.mainloop.ptr_A = (const Half *)(uintptr_t)p->in;
    args.mainloop.ptr_B = (const Half *)(uintptr_t)p->weight;
    cute::for_each(cute::make_seq<cute::rank<0>(typename K::StrideD{})>{}, [&](auto i) {
        cute::get<0, i>(args.epilogue.dD) = shape.stride_C[PS::RankT - 2 - i];
    });
    args.epilogue.ptr_D = (Half *)(uintptr_t)p->dst;
    ResrCudaControl *control = (ResrCudaControl *)(uintptr_t)p->control;
    auto &t = args.epilogue.thread;           /* Narrow([Overflow](MaxAbs(Summed))) */
    auto &maxabs = [&]() -> auto & {
        if constexpr (Overflow)
            return t.op_0.op_0;
        else
            return t.op_0;
    }();
    auto set_activated = [&](auto &activated) {   /* {acc, bias, scale, slope, Activate} */
        cute::get<1>(activated).ptr_row = (const float *)(uintptr_t)p->bias;
        cute::get<2>(activated).scalar_ptrs[0] = &control->act_scale;
        cute::get<3>(activated).ptr_row = (const float *)(uintptr_t)p->slope;
        cute::get<4>(activated).acc_scale = p->acc_scale;
    };
    if constexpr (Residual) {
        const int64_t rs[4] = { hw * p->res1_pixel, w * p->res1_pixel, p->res1_pixel, 1 };
        cute::for_each(cute::make_seq<cute::rank<0>(typename K::StrideC{})>{}, [&](auto i) {
            cute::get<0, i>(args.epilogue.dC) = rs[PS::RankT - 2 - i];
        });
        args.epilogue.ptr_C = (const Half *)(uintptr_t)p->res1;
        set_activated(maxabs.op_0.op_0);      /* Summed = {Activated, C, ResidualAdd} */
        maxabs.op_0.op_2.res1_scale = p->res1_scale;
    } else {
        set_activated(maxabs.op_0);
    }
    maxabs.op_1.ptr_scalar = (float *)&control->status.max_abs_bits;
    if constexpr (Overflow)
        t.op_0.op_1.ptr_scalar = (float *)&control->status.overflow;
    t.op_1.limit = p->narrow_limit;
    args.hw_info.device_id = 0;
    args.hw_info.sm_count = 132;              /* not used by the non-persistent schedule */
    return K::can_implement(args);
}

template <int BN, bool Residual, class Elem>
int fill(const ResrSm90Problem *p, ResrSm90Launch *out)
{
    using C = Conv<BN, Residual, Elem>;
    using K = typename C::Kernel;
    typename K::Arguments args;
    static_assert(sizeof(typename K::Params) <= RESR_SM90_PARAMS_MAX, "RESR_SM90_PARAMS_MAX");
    if (!make_arguments<K, Residual, Elem, resr_cutlass::Epilogue<typename C::Tile, Elem, Residual>::kOverflow>(p, args))
        return -EINVAL;
    const typename K::Params params = K::to_underlying_arguments(args, nullptr);
    const dim3 grid = K::get_grid_shape(params), block = K::get_block_shape();
    out->grid[0] = grid.x, out->grid[1] = grid.y, out->grid[2] = grid.z;
    out->block[0] = block.x, out->block[1] = block.y, out->block[2] = block.z;
    out->smem = K::SharedStorageSize;
    out->params_size = sizeof(params);
    memcpy(out->params, &params, sizeof(params));
    return 0;
}

template <class K> void shape(unsigned *threads, unsigned *smem)
{
    *threads = K::MaxThreadsPerBlock;
    *smem = K::SharedStorageSize;
}

} /* namespace */

extern "C" int resr_sm90_params(const ResrSm90Problem *p, const ResrSm90Encoders *enc, ResrSm90Launch *out)
{
    int ret = -EINVAL;

    memset(out, 0, offsetof(ResrSm90Launch, params));
    tiled_fn = (PFN_cuTensorMapEncodeTiled_v12000)enc->encode_tiled;
    im2col_fn = (PFN_cuTensorMapEncodeIm2col_v12000)enc->encode_im2col;
    version_fn = (PFN_cuDriverGetVersion_v2020)enc->driver_version;
    encode_failed = 0;
    using F16 = cutlass::half_t;
    using BF16 = cutlass::bfloat16_t;
    switch (p->kernel) {
    case RESR_SM90_CONV_F16_N64:      ret = fill<64, false, F16>(p, out); break;
    case RESR_SM90_CONV_F16_N32:      ret = fill<32, false, F16>(p, out); break;
    case RESR_SM90_CONV_F16_N64_RES:  ret = fill<64, true, F16>(p, out); break;
    case RESR_SM90_CONV_BF16_N64:     ret = fill<64, false, BF16>(p, out); break;
    case RESR_SM90_CONV_BF16_N32:     ret = fill<32, false, BF16>(p, out); break;
    case RESR_SM90_CONV_BF16_N64_RES: ret = fill<64, true, BF16>(p, out); break;
    }
    tiled_fn = nullptr;
    im2col_fn = nullptr;
    version_fn = nullptr;
    return ret >= 0 && encode_failed ? -EIO : ret;
}

extern "C" int resr_sm90_kernel_shape(int kernel, unsigned *threads, unsigned *smem)
{
    using F16 = cutlass::half_t;
    using BF16 = cutlass::bfloat16_t;
    switch (kernel) {
    case RESR_SM90_CONV_F16_N64:      shape<Conv<64, false, F16>::Kernel>(threads, smem); return 0;
    case RESR_SM90_CONV_F16_N32:      shape<Conv<32, false, F16>::Kernel>(threads, smem); return 0;
    case RESR_SM90_CONV_F16_N64_RES:  shape<Conv<64, true, F16>::Kernel>(threads, smem); return 0;
    case RESR_SM90_CONV_BF16_N64:     shape<Conv<64, false, BF16>::Kernel>(threads, smem); return 0;
    case RESR_SM90_CONV_BF16_N32:     shape<Conv<32, false, BF16>::Kernel>(threads, smem); return 0;
    case RESR_SM90_CONV_BF16_N64_RES: shape<Conv<64, true, BF16>::Kernel>(threads, smem); return 0;
    }
    return -EINVAL;
}
