/*
 * The CUDA engine: core/engine.h's interface on a GPU. Frames in device memory stay there:
 * run() takes ResrPlanes whose data[] are CUdeviceptr values (what AVFrame.data[] holds
 * for AV_PIX_FMT_CUDA frames) laid out as the geometry's formats describe (the sw_format).
 * Frames the geometry places in host memory are uploaded to, and downloaded from, frames
 * of the engine's own. All work is ordered on the device context's stream; every entry
 * point pushes the device's CUDA context and pops it before returning. Kernels come from
 * an embedded fatbin (cuda.mak) loaded through FFmpeg's dynamically loaded CudaFunctions.
 *
 * Compiled inside FFmpeg's build only: cuda_engine.c is the one file of the engines that
 * uses FFmpeg (libavutil's CUDA device context and driver loader).
 */
#ifndef RESR_CUDA_ENGINE_H
#define RESR_CUDA_ENGINE_H

#include <stdint.h>

#include "../core/engine.h"
#include "../core/resample.h"

struct AVBufferRef;

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
    uint64_t retries;            /* fp16 passes rerun at a smaller activation scale (all frames) */
    uint64_t saturated;          /* fp16 tiles still overflowing after the last retry */
    uint64_t retries_last;       /* collect_stats: retries of the last frame */
    uint64_t frame_copy_bytes;   /* frame data copied between host and device by run() (host
                                  * frames only: 0 for frames in device memory) */
    uint64_t status_reads;       /* control block reads (each waits for the stream): only
                                  * collect_stats (one per frame), get_stats and free */
    uint64_t upload_bytes;       /* weights, once at creation */
    float act_scale;             /* activation scale in use */
    float max_abs;               /* largest |activation| of the last frame (fp16) */
    int tile;                    /* tile edge in use, 0 = whole frame */
    uint64_t arena_bytes;
    /* cuda_conv=cutlass: conv launches that ran on the CUTLASS sm_90a kernels, and those
     * the per-layer choice left on mma.sync */
    uint64_t sm90_launches, sm90_fallbacks;
    /* conv launches on the wide mma.sync kernels (RESR_CUDA_TILES, cuda_tiles.h) */
    uint64_t wide_launches;
} ResrCudaEngineStats;

/*
 * engine must come from resr_cuda_engine_create. Reads the overflow control's counts
 * back from the device, so it waits for the stream: for tests and statistics, never
 * between frames of a stream that should keep the GPU busy. Returns 0 or a negative errno
 * (*stats filled either way).
 */
int resr_cuda_engine_get_stats(ResrEngine *engine, ResrCudaEngineStats *stats);

/*
 * Tests: read the control block back after every frame (one stream synchronisation per
 * frame), so that stats.max_abs and retries_last describe the last frame in every
 * precision: the largest |activation| of the accepted passes, Inf if any activation was
 * NaN or infinite. Off, run() never waits for the device.
 */
void resr_cuda_engine_collect_stats(ResrEngine *engine, int on);

/*
 * Test hook (tests/gpu): resizes src into dst (device frames of the plan's format and
 * sizes) with the resample kernel alone, and waits, so that the kernel can be compared
 * with the CPU engine's resize bit for bit. run() resizes as the geometry asks without it.
 */
int resr_cuda_engine_resample_only(ResrEngine *engine, const ResrResamplePlan *plan,
                                   const ResrPlanes *src, ResrPlanes *dst);

#endif /* RESR_CUDA_ENGINE_H */
