/*
 * A stand-in for the NVIDIA driver library (libcuda.so.1) that runs the engine's kernels
 * in the CPU emulator, so that ffmpeg's CUDA frame paths through the filter (hardware
 * frame pools, uploads and downloads, context push/pop, launches and their parameters,
 * outscale's resample kernel) can be rehearsed on a machine without a GPU
 * (tests/cuda/fake_cuda_e2e.sh puts it first on LD_LIBRARY_PATH).
 *
 * "Device memory" is host memory: cuMemAlloc returns host addresses, copies are memcpy,
 * streams are synchronous. cuModuleGetFunction knows the engine's kernels by name
 * (resr_cuda_kernel_names, resr_resample_kernel); cuLaunchKernel replays them with
 * tests/cuda/emulate.h (the lane-by-lane tensor-core model) and the resample kernel's
 * per-thread body. Everything else FFmpeg's loader needs exists and fails with
 * CUDA_ERROR_NOT_SUPPORTED.
 *
 * It checks what it can: every allocation, launch and copy made with a context current
 * (pushed), balanced push/pop, frees of live allocations only. FAKE_CUDA_STATS=FILE
 * writes the counters at exit: allocations (total, live, peak), launches, calls without a
 * current context, push/pop balance, and what would make the host wait for a real GPU:
 * synchronisations (cuStreamSynchronize, cuEventSynchronize), polls (cuStreamQuery,
 * cuEventQuery), copies by direction (host to device, device to host, blocking or not,
 * and their bytes). FAKE_CUDA_SM=75 reports compute capability 7.5.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ffnvcodec/dynlink_cuda.h"

#pragma GCC diagnostic ignored "-Wunused-function"
#include "emulate.h"
#include "../../cuda/resample_math.cuh"
#include "../../cuda/cuda_tiles.h"
#include "../../cuda/driver_ext.h"
#include "fake_sm90.h"

#define FAKE_ERROR_INVALID_VALUE   1
#define FAKE_ERROR_INVALID_DEVICE  101
#define FAKE_ERROR_INVALID_CONTEXT 201
#define FAKE_ERROR_NOT_FOUND       500
#define FAKE_ERROR_NOT_SUPPORTED   801
#define FAKE_MAX_ALLOCS            4096

#define RESAMPLE_KERNEL RESR_KERNEL_COUNT
#define SM90_KERNEL(k) (RESAMPLE_KERNEL + 1 + (k))   /* the CUTLASS entries (fake_sm90.h) */

static struct {
    long allocs, frees, live, peak_live, launches, copies;
    long no_context;           /* driver calls made with no context current */
    long bad_frees;
    long pushes, pops;
    size_t live_bytes, peak_bytes;
    long syncs, queries;       /* the host waits for (or polls) the device */
    long htod, dtoh, dtod;     /* copies by direction (cuMemcpy2D* by their memory types) */
    size_t htod_bytes, dtoh_bytes;
    long sm90_launches, tma_encodes, tma_errors;   /* the CUTLASS path (fake_sm90.h) */
    long wide_launches, smem_opt_ins;               /* the wide mma.sync convs (cuda_tiles.h) */
} stats;

static struct { void *p; size_t size; } allocations[FAKE_MAX_ALLOCS];
static int context_depth;      /* one thread uses the filter's CUDA calls in these tests */
static char the_context, the_stream, the_module;

/* FAKE_CUDA_SM: the compute capability reported, 10 * major + minor (default 9.0) */
static int fake_sm(void)
{
    const char *sm = getenv("FAKE_CUDA_SM");
    return sm ? atoi(sm) : 90;
}

static void need_context(void)
{
    if (context_depth <= 0)
        stats.no_context++;
}

__attribute__((destructor)) static void write_stats(void)
{
    const char *path = getenv("FAKE_CUDA_STATS");
    FILE *f;

    if (!path || !(f = fopen(path, "w")))
        return;
    fprintf(f, "allocs %ld frees %ld live %ld peak_live %ld peak_bytes %zu launches %ld copies %ld "
            "no_context %ld bad_frees %ld pushes %ld pops %ld syncs %ld queries %ld htod %ld dtoh %ld dtod %ld "
            "htod_bytes %zu dtoh_bytes %zu sm90_launches %ld tma_encodes %ld tma_errors %ld wide_launches %ld "
            "smem_opt_ins %ld\n", stats.allocs, stats.frees, stats.live,
            stats.peak_live, stats.peak_bytes, stats.launches, stats.copies, stats.no_context,
            stats.bad_frees, stats.pushes, stats.pops, stats.syncs, stats.queries, stats.htod, stats.dtoh,
            stats.dtod, stats.htod_bytes, stats.dtoh_bytes, stats.sm90_launches, stats.tma_encodes,
            stats.tma_errors, stats.wide_launches, stats.smem_opt_ins);
    fclose(f);
}

/* ---- device, context, stream --------------------------------------------------------- */

tcuInit cuInit;
tcuDriverGetVersion cuDriverGetVersion;
tcuDeviceGetCount cuDeviceGetCount;
tcuDeviceGet cuDeviceGet;
tcuDeviceGetAttribute cuDeviceGetAttribute;
tcuDeviceGetName cuDeviceGetName;
tcuDeviceComputeCapability cuDeviceComputeCapability;
tcuCtxCreate_v2 cuCtxCreate_v2;
tcuCtxGetCurrent cuCtxGetCurrent;
tcuCtxSetLimit cuCtxSetLimit;
tcuCtxPushCurrent_v2 cuCtxPushCurrent_v2;
tcuCtxPopCurrent_v2 cuCtxPopCurrent_v2;
tcuCtxDestroy_v2 cuCtxDestroy_v2;
tcuCtxGetDevice cuCtxGetDevice;
tcuDevicePrimaryCtxRetain cuDevicePrimaryCtxRetain;
tcuDevicePrimaryCtxRelease cuDevicePrimaryCtxRelease;
tcuDevicePrimaryCtxSetFlags cuDevicePrimaryCtxSetFlags;
tcuDevicePrimaryCtxGetState cuDevicePrimaryCtxGetState;
tcuDevicePrimaryCtxReset cuDevicePrimaryCtxReset;
tcuStreamCreate cuStreamCreate;
tcuStreamQuery cuStreamQuery;
tcuStreamSynchronize cuStreamSynchronize;
tcuStreamDestroy_v2 cuStreamDestroy_v2;
tcuGetErrorName cuGetErrorName;
tcuGetErrorString cuGetErrorString;

CUresult CUDAAPI cuInit(unsigned int flags) { (void)flags; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDriverGetVersion(int *v) { *v = 12010; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDeviceGetCount(int *n) { *n = 1; return CUDA_SUCCESS; }

CUresult CUDAAPI cuDeviceGet(CUdevice *d, int ordinal)
{
    if (ordinal != 0)
        return FAKE_ERROR_INVALID_DEVICE;
    *d = 0;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int *v, CUdevice_attribute attr, CUdevice d)
{
    (void)d;
    *v = attr == 14 /* texture alignment */ ? 512 : 1;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetName(char *name, int len, CUdevice d)
{
    (void)d;
    snprintf(name, len, "fake CUDA device (CPU emulator)");
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceComputeCapability(int *major, int *minor, CUdevice d)
{
    const int v = fake_sm();
    (void)d;
    *major = v / 10;
    *minor = v % 10;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxCreate_v2(CUcontext *c, unsigned int flags, CUdevice d)
{
    (void)flags;
    (void)d;
    *c = (CUcontext)&the_context;
    context_depth++;   /* a new context is current */
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxGetCurrent(CUcontext *c)
{
    *c = context_depth > 0 ? (CUcontext)&the_context : NULL;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetLimit(CUlimit limit, size_t value) { (void)limit; (void)value; return CUDA_SUCCESS; }

CUresult CUDAAPI cuCtxPushCurrent_v2(CUcontext c)
{
    if (c != (CUcontext)&the_context)
        return FAKE_ERROR_INVALID_CONTEXT;
    stats.pushes++;
    context_depth++;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxPopCurrent_v2(CUcontext *c)
{
    if (context_depth <= 0)
        return FAKE_ERROR_INVALID_CONTEXT;
    stats.pops++;
    context_depth--;
    if (c)
        *c = (CUcontext)&the_context;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxDestroy_v2(CUcontext c) { (void)c; return CUDA_SUCCESS; }

CUresult CUDAAPI cuCtxGetDevice(CUdevice *d)
{
    need_context();
    *d = 0;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice d) { (void)d; *c = (CUcontext)&the_context; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice d) { (void)d; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDevicePrimaryCtxSetFlags(CUdevice d, unsigned int f) { (void)d; (void)f; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDevicePrimaryCtxReset(CUdevice d) { (void)d; return CUDA_SUCCESS; }

CUresult CUDAAPI cuDevicePrimaryCtxGetState(CUdevice d, unsigned int *flags, int *active)
{
    (void)d;
    *flags = 0;
    *active = 0;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamCreate(CUstream *s, unsigned int flags) { (void)flags; *s = (CUstream)&the_stream; return CUDA_SUCCESS; }
CUresult CUDAAPI cuStreamQuery(CUstream s) { (void)s; stats.queries++; return CUDA_SUCCESS; }
CUresult CUDAAPI cuStreamSynchronize(CUstream s) { (void)s; need_context(); stats.syncs++; return CUDA_SUCCESS; }
CUresult CUDAAPI cuStreamDestroy_v2(CUstream s) { (void)s; return CUDA_SUCCESS; }

CUresult CUDAAPI cuGetErrorName(CUresult r, const char **s)
{
    *s = r == CUDA_SUCCESS ? "CUDA_SUCCESS" : r == FAKE_ERROR_NOT_SUPPORTED ? "CUDA_ERROR_NOT_SUPPORTED" :
         r == FAKE_ERROR_INVALID_DEVICE ? "CUDA_ERROR_INVALID_DEVICE" : r == FAKE_ERROR_NOT_FOUND ?
         "CUDA_ERROR_NOT_FOUND" : r == 2 ? "CUDA_ERROR_OUT_OF_MEMORY" : "CUDA_ERROR (fake driver)";
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorString(CUresult r, const char **s)
{
    return cuGetErrorName(r, s);
}

/* ---- memory --------------------------------------------------------------------------- */

tcuMemAlloc_v2 cuMemAlloc_v2;
tcuMemFree_v2 cuMemFree_v2;
tcuMemsetD8Async cuMemsetD8Async;
tcuMemcpy cuMemcpy;
tcuMemcpyAsync cuMemcpyAsync;
tcuMemcpy2D_v2 cuMemcpy2D_v2;
tcuMemcpy2DAsync_v2 cuMemcpy2DAsync_v2;
tcuMemcpyHtoD_v2 cuMemcpyHtoD_v2;
tcuMemcpyHtoDAsync_v2 cuMemcpyHtoDAsync_v2;
tcuMemcpyDtoH_v2 cuMemcpyDtoH_v2;
tcuMemcpyDtoHAsync_v2 cuMemcpyDtoHAsync_v2;
tcuMemcpyDtoD_v2 cuMemcpyDtoD_v2;
tcuMemcpyDtoDAsync_v2 cuMemcpyDtoDAsync_v2;

CUresult CUDAAPI cuMemAlloc_v2(CUdeviceptr *p, size_t size)
{
    const char *limit = getenv("FAKE_CUDA_MEM_LIMIT");
    void *m;
    int slot;

    need_context();
    if (!size)
        return FAKE_ERROR_INVALID_VALUE;
    if (limit && stats.live_bytes + size > (size_t)strtoull(limit, NULL, 10))
        return 2;   /* CUDA_ERROR_OUT_OF_MEMORY */
    for (slot = 0; slot < FAKE_MAX_ALLOCS && allocations[slot].p; slot++)
        ;
    if (slot == FAKE_MAX_ALLOCS || !(m = aligned_alloc(256, (size + 255) / 256 * 256)))
        return 2;
    allocations[slot].p = m;
    allocations[slot].size = size;
    *p = (CUdeviceptr)(uintptr_t)m;
    stats.allocs++;
    stats.live_bytes += size;
    if (++stats.live > stats.peak_live)
        stats.peak_live = stats.live;
    if (stats.live_bytes > stats.peak_bytes)
        stats.peak_bytes = stats.live_bytes;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree_v2(CUdeviceptr p)
{
    need_context();
    for (int i = 0; i < FAKE_MAX_ALLOCS; i++)
        if (allocations[i].p && (CUdeviceptr)(uintptr_t)allocations[i].p == p) {
            free(allocations[i].p);
            stats.live_bytes -= allocations[i].size;
            allocations[i].p = NULL;
            stats.frees++;
            stats.live--;
            return CUDA_SUCCESS;
        }
    stats.bad_frees++;
    return FAKE_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n, CUstream s)
{
    (void)s;
    need_context();
    memset((void *)(uintptr_t)p, v, n);
    return CUDA_SUCCESS;
}

enum { DTOD, HTOD, DTOH };

/* A blocking copy is a synchronisation too: it returns when the device has done it. */
static CUresult copy(void *dst, const void *src, size_t n, int dir, int blocking)
{
    need_context();
    stats.copies++;
    stats.syncs += blocking && dir != DTOD;
    stats.dtod += dir == DTOD;
    if (dir == HTOD)
        stats.htod++, stats.htod_bytes += n;
    if (dir == DTOH)
        stats.dtoh++, stats.dtoh_bytes += n;
    memmove(dst, src, n);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpy(CUdeviceptr d, CUdeviceptr s, size_t n) { return copy((void *)(uintptr_t)d, (const void *)(uintptr_t)s, n, DTOD, 0); }
CUresult CUDAAPI cuMemcpyAsync(CUdeviceptr d, CUdeviceptr s, size_t n, CUstream st) { (void)st; return cuMemcpy(d, s, n); }
CUresult CUDAAPI cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) { return copy((void *)(uintptr_t)d, s, n, HTOD, 1); }
CUresult CUDAAPI cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n, CUstream st) { (void)st; return copy((void *)(uintptr_t)d, s, n, HTOD, 0); }
CUresult CUDAAPI cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) { return copy(d, (const void *)(uintptr_t)s, n, DTOH, 1); }
CUresult CUDAAPI cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, CUstream st) { (void)st; return copy(d, (const void *)(uintptr_t)s, n, DTOH, 0); }
CUresult CUDAAPI cuMemcpyDtoD_v2(CUdeviceptr d, CUdeviceptr s, size_t n) { return cuMemcpy(d, s, n); }
CUresult CUDAAPI cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n, CUstream st) { (void)st; return cuMemcpy(d, s, n); }

static CUresult copy_2d(const CUDA_MEMCPY2D *c, int blocking)
{
    const int dir = c->srcMemoryType == CU_MEMORYTYPE_HOST ? HTOD : c->dstMemoryType == CU_MEMORYTYPE_HOST ? DTOH : DTOD;
    const uint8_t *src = c->srcMemoryType == CU_MEMORYTYPE_HOST ? c->srcHost : (const void *)(uintptr_t)c->srcDevice;
    uint8_t *dst = c->dstMemoryType == CU_MEMORYTYPE_HOST ? c->dstHost : (void *)(uintptr_t)c->dstDevice;

    if (c->srcMemoryType == CU_MEMORYTYPE_ARRAY || c->dstMemoryType == CU_MEMORYTYPE_ARRAY)
        return FAKE_ERROR_NOT_SUPPORTED;
    need_context();
    stats.copies++;
    stats.syncs += blocking && dir != DTOD;
    stats.dtod += dir == DTOD;
    if (dir == HTOD)
        stats.htod++, stats.htod_bytes += c->WidthInBytes * c->Height;
    if (dir == DTOH)
        stats.dtoh++, stats.dtoh_bytes += c->WidthInBytes * c->Height;
    for (size_t y = 0; y < c->Height; y++)
        memmove(dst + (c->dstY + y) * c->dstPitch + c->dstXInBytes,
                src + (c->srcY + y) * c->srcPitch + c->srcXInBytes, c->WidthInBytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpy2D_v2(const CUDA_MEMCPY2D *c) { return copy_2d(c, 1); }
CUresult CUDAAPI cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D *c, CUstream s) { (void)s; return copy_2d(c, 0); }

/* ---- modules and kernels ---------------------------------------------------------------- */

tcuModuleLoadData cuModuleLoadData;
tcuModuleUnload cuModuleUnload;
tcuModuleGetFunction cuModuleGetFunction;
tcuLaunchKernel cuLaunchKernel;

CUresult CUDAAPI cuModuleLoadData(CUmodule *m, const void *image)
{
    need_context();
    if (!image)
        return FAKE_ERROR_INVALID_VALUE;
    *m = (CUmodule)&the_module;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleUnload(CUmodule m) { (void)m; need_context(); return CUDA_SUCCESS; }

/* Functions are their kernel index + 1. */
CUresult CUDAAPI cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name)
{
    need_context();
    if (m != (CUmodule)&the_module)
        return FAKE_ERROR_INVALID_VALUE;
    for (int k = 0; k < RESR_KERNEL_COUNT; k++)
        if (!strcmp(name, resr_cuda_kernel_names[k])) {
            *f = (CUfunction)(uintptr_t)(k + 1);
            return CUDA_SUCCESS;
        }
    if (!strcmp(name, "resr_resample_kernel")) {
        *f = (CUfunction)(uintptr_t)(RESAMPLE_KERNEL + 1);
        return CUDA_SUCCESS;
    }
    for (int k = 0; k < RESR_SM90_KERNEL_COUNT; k++)
        if (!strcmp(name, resr_sm90_kernel_names[k])) {
            *f = (CUfunction)(uintptr_t)(SM90_KERNEL(k) + 1);
            return CUDA_SUCCESS;
        }
    return FAKE_ERROR_NOT_FOUND;
}

/* ---- the CUTLASS sm_90a path: driver_ext.h's calls (fake_sm90.h runs the kernels) ---- */

static unsigned sm90_smem_allowed[RESR_SM90_KERNEL_COUNT];

/*
 * The engine's own kernels' dynamic shared-memory limit, as the driver keeps it: 48 KiB
 * until cuFuncSetAttribute raises it, at most the opt-in maximum of the fake's compute
 * capability (cuda_tiles.c's table, the Programming Guide's numbers); cuLaunchKernel
 * refuses a launch asking more, so a kernel the engine forgot to opt in fails as on a GPU.
 * FAKE_CUDA_NO_FUNC_ATTR=1: cuFuncSetAttribute is missing (CUDA_ERROR_NOT_SUPPORTED);
 * FAKE_CUDA_FUNC_ATTR_IGNORED=1: it answers success but changes nothing (to prove the
 * launch check fails).
 */
#define FAKE_DEFAULT_SMEM (48 * 1024)
static unsigned smem_limit[RESR_KERNEL_COUNT];

static CUresult set_kernel_smem(int k, int value)
{
    if (getenv("FAKE_CUDA_NO_FUNC_ATTR"))
        return FAKE_ERROR_NOT_SUPPORTED;
    if (value < 0 || (unsigned)value > resr_cuda_tiles_optin_smem(fake_sm()))
        return FAKE_ERROR_INVALID_VALUE;
    if (!getenv("FAKE_CUDA_FUNC_ATTR_IGNORED"))
        smem_limit[k] = (unsigned)value;
    stats.smem_opt_ins++;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuFuncSetAttribute(CUfunction f, int attribute, int value);
CUresult CUDAAPI cuFuncSetAttribute(CUfunction f, int attribute, int value)
{
    const int k = (int)(uintptr_t)f - 1 - SM90_KERNEL(0);

    need_context();
    if ((int)(uintptr_t)f - 1 >= 0 && (int)(uintptr_t)f - 1 < RESR_KERNEL_COUNT)
        return attribute == RESR_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES ?
               set_kernel_smem((int)(uintptr_t)f - 1, value) : CUDA_SUCCESS;
    if (k < 0 || k >= RESR_SM90_KERNEL_COUNT || value < 0)
        return FAKE_ERROR_INVALID_VALUE;
    if (attribute == RESR_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) {
        if (value > FAKE_SM90_MAX_SMEM)
            return FAKE_ERROR_INVALID_VALUE;
        sm90_smem_allowed[k] = (unsigned)value;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuLaunchKernelEx(const ResrLaunchConfig *c, CUfunction f, void **params, void **extra);
CUresult CUDAAPI cuLaunchKernelEx(const ResrLaunchConfig *c, CUfunction f, void **params, void **extra)
{
    const int k = (int)(uintptr_t)f - 1 - SM90_KERNEL(0);
    FakeSm90Launch l;
    const char *why;

    need_context();
    stats.launches++;
    if (k < 0 || k >= RESR_SM90_KERNEL_COUNT || !c || !params || !params[0] || !params[1] || extra)
        return FAKE_ERROR_INVALID_VALUE;
    memset(&l, 0, sizeof(l));
    l.kernel = k;
    l.grid[0] = c->grid_x, l.grid[1] = c->grid_y, l.grid[2] = c->grid_z;
    l.block[0] = c->block_x, l.block[1] = c->block_y, l.block[2] = c->block_z;
    l.smem = c->shared_bytes;
    l.smem_allowed = sm90_smem_allowed[k];
    for (unsigned i = 0; i < c->num_attrs; i++)
        if (c->attrs[i].id == RESR_CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION) {
            l.cluster[0] = (int)c->attrs[i].value.cluster_dim.x;
            l.cluster[1] = (int)c->attrs[i].value.cluster_dim.y;
            l.cluster[2] = (int)c->attrs[i].value.cluster_dim.z;
        }
    l.params = params[0];
    memcpy(&l.control, params[1], sizeof(l.control));
    if ((why = fake_sm90_launch(&l))) {
        fprintf(stderr, "fake libcuda: cuLaunchKernelEx(%s): %s\n", resr_sm90_kernel_names[k], why);
        return FAKE_ERROR_INVALID_VALUE;
    }
    stats.sm90_launches++;
    return CUDA_SUCCESS;
}

static CUresult encoded(const char *call, const char *why)
{
    stats.tma_encodes++;
    if (!why)
        return CUDA_SUCCESS;
    stats.tma_errors++;
    fprintf(stderr, "fake libcuda: %s: %s\n", call, why);
    return FAKE_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuTensorMapEncodeTiled(void *map, int dtype, unsigned rank, void *address, const uint64_t *dim,
                                        const uint64_t *strides, const uint32_t *box, const uint32_t *estrides,
                                        int interleave, int swizzle, int l2, int oob);
CUresult CUDAAPI cuTensorMapEncodeTiled(void *map, int dtype, unsigned rank, void *address, const uint64_t *dim,
                                        const uint64_t *strides, const uint32_t *box, const uint32_t *estrides,
                                        int interleave, int swizzle, int l2, int oob)
{
    return encoded("cuTensorMapEncodeTiled", fake_tmap_tiled(map, dtype, rank, address, dim, strides, box,
                                                             estrides, interleave, swizzle, l2, oob));
}

CUresult CUDAAPI cuTensorMapEncodeIm2col(void *map, int dtype, unsigned rank, void *address, const uint64_t *dim,
                                         const uint64_t *strides, const int *lower, const int *upper,
                                         uint32_t channels_per_pixel, uint32_t pixels_per_column,
                                         const uint32_t *estrides, int interleave, int swizzle, int l2, int oob);
CUresult CUDAAPI cuTensorMapEncodeIm2col(void *map, int dtype, unsigned rank, void *address, const uint64_t *dim,
                                         const uint64_t *strides, const int *lower, const int *upper,
                                         uint32_t channels_per_pixel, uint32_t pixels_per_column,
                                         const uint32_t *estrides, int interleave, int swizzle, int l2, int oob)
{
    return encoded("cuTensorMapEncodeIm2col",
                   fake_tmap_im2col(map, dtype, rank, address, dim, strides, lower, upper, channels_per_pixel,
                                    pixels_per_column, estrides, interleave, swizzle, l2, oob));
}

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                unsigned bz, unsigned shared, CUstream s, void **params, void **extra)
{
    const int k = (int)(uintptr_t)f - 1;

    (void)s;
    (void)extra;
    need_context();
    stats.launches++;
    if (k < 0 || k > RESAMPLE_KERNEL || !params || !params[0] || bx * by * bz > 1024)
        return FAKE_ERROR_INVALID_VALUE;
    if (k == RESAMPLE_KERNEL) {
        const ResrResampleArgs *a = params[0];
        if (gz != 1 || bz != 1 || bx * by != RESR_RESAMPLE_BLOCK_W * RESR_RESAMPLE_BLOCK_H)
            return FAKE_ERROR_INVALID_VALUE;
        for (unsigned y = 0; y < gy * by; y++)
            for (unsigned x = 0; x < gx * bx; x++)
                if ((int)x < a->dst_w && (int)y < a->dst_h)
                    resr_resample_thread(a, (int)x, (int)y);
        return CUDA_SUCCESS;
    }
    const unsigned limit = smem_limit[k] > FAKE_DEFAULT_SMEM ? smem_limit[k] : FAKE_DEFAULT_SMEM;
    if (shared > limit) {
        fprintf(stderr, "fake libcuda: cuLaunchKernel(%s): %u bytes of dynamic shared memory, the "
                "function allows %u (cuFuncSetAttribute)\n", resr_cuda_kernel_names[k], shared, limit);
        return FAKE_ERROR_INVALID_VALUE;
    }
    ResrCudaLaunch l;
    memset(&l, 0, sizeof(l));
    l.kernel = k;
    l.smem = shared;
    stats.wide_launches += resr_cuda_kernel_is_wide(k);
    l.grid[0] = gx, l.grid[1] = gy, l.grid[2] = gz;
    l.block[0] = bx, l.block[1] = by, l.block[2] = bz;
    memcpy(&l.args, params[0], sizeof(l.args));
    return emu_launch(NULL, &l) < 0 ? FAKE_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

/* No events are ever created here (cuEventCreate fails), but a wait on one is still counted. */
tcuEventSynchronize cuEventSynchronize;
tcuEventQuery cuEventQuery;
CUresult CUDAAPI cuEventSynchronize(CUevent e) { (void)e; stats.syncs++; return FAKE_ERROR_INVALID_VALUE; }
CUresult CUDAAPI cuEventQuery(CUevent e) { (void)e; stats.queries++; return FAKE_ERROR_INVALID_VALUE; }

/* ---- the rest of what FFmpeg's loader resolves: never used by these tests --------------- */

#define UNSUPPORTED(name) CUresult CUDAAPI name(void); CUresult CUDAAPI name(void) { return FAKE_ERROR_NOT_SUPPORTED; }
UNSUPPORTED(cuMemAllocPitch_v2)
UNSUPPORTED(cuMemAllocManaged)
UNSUPPORTED(cuStreamAddCallback)
UNSUPPORTED(cuStreamWaitEvent)
UNSUPPORTED(cuEventCreate)
UNSUPPORTED(cuEventDestroy_v2)
UNSUPPORTED(cuEventRecord)
UNSUPPORTED(cuLinkCreate)
UNSUPPORTED(cuLinkAddData)
UNSUPPORTED(cuLinkComplete)
UNSUPPORTED(cuLinkDestroy)
UNSUPPORTED(cuModuleGetGlobal)
UNSUPPORTED(cuTexObjectCreate)
UNSUPPORTED(cuTexObjectDestroy)
UNSUPPORTED(cuGLGetDevices_v2)
UNSUPPORTED(cuGraphicsGLRegisterImage)
UNSUPPORTED(cuGraphicsUnregisterResource)
UNSUPPORTED(cuGraphicsMapResources)
UNSUPPORTED(cuGraphicsUnmapResources)
UNSUPPORTED(cuGraphicsSubResourceGetMappedArray)
UNSUPPORTED(cuGraphicsResourceGetMappedPointer_v2)
UNSUPPORTED(cuArrayCreate_v2)
UNSUPPORTED(cuArray3DCreate_v2)
UNSUPPORTED(cuArrayDestroy)
