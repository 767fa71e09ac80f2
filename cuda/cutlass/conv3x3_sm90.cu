/*
 * 3x3 convolutions for sm_90a as CUTLASS sm90 implicit-GEMM fprop: TMA im2col loads of the
 * NHWC fp16 activations, TMA loads of the filter, warp-specialised (a producer warp
 * group issuing TMA, consumer warp groups issuing wgmma), our fused epilogue as an EVT
 * (resr_epilogue.cuh) stored by TMA. Built into its own cubin for sm_90a only
 * (cuda/cutlass.mak); the mma.sync kernels of conv3x3_mma.cu serve every other GPU and
 * remain the fallback (cuda/README.md, "CUTLASS sm_90a path").
 *
 * GEMM view (fprop): M = N*H*W output pixels, N = output channels, K = 9 taps * C_in.
 * The activation tensor is a channel slice of the caller's buffer: its strides are the
 * caller's (channel stride 1, pixel stride = pitch >= channels), passed to the TMA im2col
 * descriptor; can_implement does not check them, the host must (16-byte aligned base and
 * pitch, channels a multiple of 8: cuda/README.md).
 *
 * Each kernel is wrapped in an extern "C" entry that first reads the control block's
 * skip flag (the sync-free overflow control): a tile already accepted returns before
 * any barrier, TMA descriptor prefetch or shared-memory use, so the retry passes cost one
 * 4-byte load per block, as in the mma.sync kernels.
 *
 * Build with -DNDEBUG: a device assert left in serialises wgmma (ptxas C7510).
 */
#include <cutlass/cutlass.h>
#include <cutlass/kernel_hardware_info.hpp>
#include <cute/tensor.hpp>
#include <cutlass/conv/collective/collective_builder.hpp>
#include <cutlass/conv/convolution.h>
#include <cutlass/conv/kernel/conv_universal.hpp>
#include <cutlass/epilogue/collective/collective_builder.hpp>
#include <cutlass/epilogue/fusion/sm90_callbacks_tma_warpspecialized.hpp>

#include "../control_math.cuh"
#include "resr_epilogue.cuh"

using namespace cute;

namespace resr_cutlass {

using namespace cutlass::epilogue::fusion;

constexpr auto Round = cutlass::FloatRoundStyle::round_to_nearest;

/*
 * The epilogue tree (resr_epilogue.cuh), for a tile shape. Per-channel vectors are row
 * broadcasts (the GEMM's N is the channel); bias_scale is a scalar broadcast read through
 * a pointer: &control->act_scale, so every pass applies the scale the control kernel set.
 */
template <class Tile, class ElementD, bool Residual>
struct Epilogue {
    /* fp16 only: the overflow count that makes the control rerun a pass at a lower scale
     * (bf16 has float's range: no limit, no rerun, as the mma.sync bf16 kernels) */
    static constexpr bool kOverflow = cute::is_same_v<ElementD, cutlass::half_t>;
    using Bias  = Sm90RowBroadcast<0, Tile, float, float, Stride<_0, _1, int64_t>>;
    using Slope = Sm90RowBroadcast<0, Tile, float, float, Stride<_0, _1, int64_t>>;
    using Scale = Sm90ScalarBroadcast<float>;
    using Activated = Sm90EVT<Sm90Compute<Activate, float, float, Round>,
                              Sm90AccFetch, Bias, Scale, Slope>;
    /* res1 is CUTLASS's source operand C: loaded by TMA at the caller's strides */
    using Summed = cute::conditional_t<Residual,
                                       Sm90EVT<Sm90Compute<ResidualAdd, float, float, Round>,
                                               Activated, Sm90SrcFetch<ElementD>>,
                                       Activated>;
    using MaxAbs = Sm90EVT<Sm90ScalarReduction<MaxAbsReduce, AtomicMaxBits, float, float, Round>,
                           Summed>;
    using Overflow = cute::conditional_t<kOverflow,
                                         Sm90EVT<Sm90ScalarReduction<OverflowReduce, AtomicCount, float,
                                                                     float, Round>, MaxAbs>,
                                         MaxAbs>;
    using Tree = Sm90EVT<Sm90Compute<Narrow, ElementD, float, Round>, Overflow>;
};

/*
 * One conv kernel: NHWC Element (fp16 or bf16) in, Element weights [C_out][3][3][C_in]
 * (KRSC), fp32 accumulation, Element out; with Residual, the Element source C is res1
 * (v * res1_scale + C). bf16 is the same tree and tiles (both 2-byte types: the same TMA
 * boxes, swizzle and wgmma shapes).
 *
 * Tile 128 pixels x BN channels x 64 K, warp-specialised and not persistent (CUTLASS 4.3
 * has no cooperative or ping-pong schedule for conv; the builder picks the consumer warp
 * group layout): BN = C_out (64 for the SRVGG body and RRDB trunk convs) so each im2col tile of
 * the input is loaded once per tap and reused for every output channel; K 64 = one
 * 128-byte TMA box of fp16 channels, the widest swizzle. The growth convs (C_out 32)
 * take BN 32 (wgmma's N may be any multiple of 8): half the B tile, the same A traffic.
 */
template <int BN, bool Residual, class ElementAB = cutlass::half_t>
struct Conv {
    using Element = ElementAB;
    using ElementC = cute::conditional_t<Residual, Element, void>;
    using Tile = Shape<_128, Int<BN>, Shape<_64>>;
    using Cluster = Shape<_1, _1, _1>;
    using Fusion = typename Epilogue<Tile, Element, Residual>::Tree;

    using CollectiveEpilogue = typename cutlass::epilogue::collective::CollectiveBuilder<
        cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, Tile, Cluster,
        cutlass::epilogue::collective::EpilogueTileAuto, float, float,
        ElementC, cutlass::layout::TensorNHWC, 8,
        Element, cutlass::layout::TensorNHWC, 8,
        cutlass::epilogue::TmaWarpSpecialized, Fusion>::CollectiveOp;

    using CollectiveMainloop = typename cutlass::conv::collective::CollectiveBuilder<
        cutlass::arch::Sm90, cutlass::arch::OpClassTensorOp, cutlass::conv::Operator::kFprop,
        Element, cutlass::layout::TensorNHWC, 8,
        Element, cutlass::layout::TensorNHWC, 8,
        float, Tile, Cluster,
        cutlass::conv::collective::StageCountAutoCarveout<
            static_cast<int>(sizeof(typename CollectiveEpilogue::SharedStorage))>,
        cutlass::conv::KernelImplicitTmaWarpSpecializedSm90>::CollectiveOp;

    using ProblemShape = cutlass::conv::ConvProblemShape<
        CollectiveMainloop::DispatchPolicy::ConvOp,
        CollectiveMainloop::DispatchPolicy::NumSpatialDimensions>;
    using Kernel = cutlass::conv::kernel::ConvUniversal<ProblemShape, CollectiveMainloop,
                                                        CollectiveEpilogue>;
};

} /* namespace resr_cutlass */

#if defined(__CUDA_ARCH__) && !defined(__CUDA_ARCH_FEAT_SM90_ALL)
#error "conv3x3_sm90.cu is for sm_90a only (cuda/cutlass.mak)"
#endif

#ifndef RESR_SM90_HOST_ONLY /* sm90_params.cu: the types, not the kernels */
/*
 * The entry the engine launches (cuLaunchKernelEx, MaxThreadsPerBlock threads, the
 * kernel's SharedStorageSize of dynamic shared memory): params by value in constant
 * parameter space (__grid_constant__: the TMA descriptors in it are addressed there).
 */
#define RESR_SM90_KERNEL(name, BN, RES, ELEM)                                               \
    using name##_op = resr_cutlass::Conv<BN, RES, ELEM>::Kernel;                                 \
    extern "C" __global__ void                                                              \
    __launch_bounds__(name##_op::MaxThreadsPerBlock, name##_op::MinBlocksPerMultiprocessor) \
    name(CUTLASS_GRID_CONSTANT const typename name##_op::Params params, const uint64_t control) \
    {                                                                                       \
        extern __shared__ char smem[];                                                      \
        if (resr_control_skip(control)) /* a pass after the tile was accepted */            \
            return;                                                                         \
        name##_op op;                                                                       \
        op(params, smem);                                                                   \
    }

/* the order and names of cutlass_plan.c's resr_sm90_kernel_names */
RESR_SM90_KERNEL(resr_conv3x3_sm90_f16_n64, 64, false, cutlass::half_t)      /* SRVGG body, RRDB trunk/upsampling convs */
RESR_SM90_KERNEL(resr_conv3x3_sm90_f16_n32, 32, false, cutlass::half_t)      /* RRDB growth convs 64..160 -> 32 */
RESR_SM90_KERNEL(resr_conv3x3_sm90_f16_n64_res, 64, true, cutlass::half_t)   /* 5th dense conv: 192 -> 64, + x * 0.2 */
RESR_SM90_KERNEL(resr_conv3x3_sm90_bf16_n64, 64, false, cutlass::bfloat16_t)
RESR_SM90_KERNEL(resr_conv3x3_sm90_bf16_n32, 32, false, cutlass::bfloat16_t)
RESR_SM90_KERNEL(resr_conv3x3_sm90_bf16_n64_res, 64, true, cutlass::bfloat16_t)
#endif /* RESR_SM90_HOST_ONLY */
