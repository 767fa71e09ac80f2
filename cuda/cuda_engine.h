/*
 * The CUDA engine: ResrEngineOps on device memory. Frames stay on the GPU: run() takes
 * ResrPlanes whose data[] are CUdeviceptr values (what AVFrame.data[] holds for
 * AV_PIX_FMT_CUDA frames) laid out as the geometry's formats describe (the sw_format).
 * All work is ordered on the device context's stream; every entry point pushes the
 * device's CUDA context and pops it before returning. Kernels come from an embedded
 * fatbin (cuda.mak) loaded through FFmpeg's dynamically loaded CudaFunctions.
 *
 * Compiled inside FFmpeg's build only (it needs libavutil's CUDA device context).
 */
#ifndef RESR_CUDA_ENGINE_H
#define RESR_CUDA_ENGINE_H

#include <stdint.h>

#include "../vf_realesrgan/engine.h"

struct AVBufferRef;
struct ResrResamplePlan;

/*
 * hw_device_ref: an AVHWDeviceContext of type AV_HWDEVICE_TYPE_CUDA (the input link's
 * hw_frames_ctx->device_ref). Needs compute capability 7.5 or newer; bf16 needs 8.0
 * (on 7.5 it is refused with a message). Returns 0 or a negative errno.
 */
int resr_cuda_engine_create(ResrEngine **out, const ResrModel *model,
                            const ResrEngineConfig *config, struct AVBufferRef *hw_device_ref);

/* Counters for tests and the debug log. */
typedef struct ResrCudaEngineStats {
    uint64_t frames;
    uint64_t tiles;
    uint64_t retries;            /* fp16 tiles rerun at a smaller activation scale */
    uint64_t frame_copy_bytes;   /* frame data copied between host and device by run(): 0 */
    uint64_t status_reads;       /* 8-byte status reads (fp16: one per tile) */
    uint64_t upload_bytes;       /* weights, once at creation */
    float act_scale;             /* activation scale in use */
    float max_abs;               /* largest |activation| of the last frame (fp16) */
    int tile;                    /* tile edge in use, 0 = whole frame */
    uint64_t arena_bytes;
} ResrCudaEngineStats;

/* engine must come from resr_cuda_engine_create. */
void resr_cuda_engine_get_stats(const ResrEngine *engine, ResrCudaEngineStats *stats);

/*
 * Tests: read the kernels' status after every tile in every precision (fp16 always does),
 * so stats.max_abs covers bf16 and fp32 too: the largest |activation| of the last frame,
 * Inf if any activation was NaN or infinite. Costs a stream synchronisation per tile.
 */
void resr_cuda_engine_collect_stats(ResrEngine *engine, int on);

/*
 * outscale on the GPU (cuda/resample.cu, the twin of vf_realesrgan/resample.c): uploads the
 * plan's tables for later resr_cuda_engine_resample calls (NULL releases them). The plan
 * is not kept; plan again after it changes. Returns 0 or a negative errno.
 */
int resr_cuda_engine_set_resample(ResrEngine *engine, const struct ResrResamplePlan *plan);

/* Resizes src into dst (device frames of the plan's format and sizes) on the engine's stream. */
int resr_cuda_engine_resample(ResrEngine *engine, const ResrPlanes *src, ResrPlanes *dst);

/*
 * Copies a frame between host and device memory on the engine's stream: plane p is rows[p]
 * rows of bytes[p] bytes (FFmpeg's av_hwframe_transfer_data copies height >> 1 chroma rows
 * and so drops the last one of odd-height 4:2:0 frames). to_device: src is host memory, dst
 * device memory, else the reverse; a copy to the host is waited for.
 */
int resr_cuda_engine_transfer(ResrEngine *engine, const ResrPlanes *src, ResrPlanes *dst,
                              const size_t bytes[4], const int rows[4], int to_device);

/* Waits for the work queued on the engine's stream (the filter times frames this way at -v verbose). */
int resr_cuda_engine_sync(ResrEngine *engine);

#endif /* RESR_CUDA_ENGINE_H */
