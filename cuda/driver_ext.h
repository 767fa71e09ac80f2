/*
 * Driver calls the CUDA engine needs beyond FFmpeg's loader (nv-codec-headers 12.1's
 * CudaFunctions): the CUTLASS sm_90a path's launch with attributes, its shared-memory
 * opt-in and the TMA descriptor encoders. Resolved from the libcuda.so.1 that FFmpeg
 * already loaded (dlopen RTLD_NOLOAD + dlsym: the same library, never a second one).
 * The types mirror cuda.h's (that header cannot be included beside FFmpeg's dynlink
 * one); cuda/cutlass/sm90_params.cu checks the mirror against cuda.h at compile time.
 */
#ifndef RESR_CUDA_DRIVER_EXT_H
#define RESR_CUDA_DRIVER_EXT_H

/* CUlaunchAttributeID values */
#define RESR_CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION 4
/* CUfunction_attribute value */
#define RESR_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES 8

/* CUlaunchAttribute */
typedef struct ResrLaunchAttribute {
    int id;
    char pad[4];
    union {
        char bytes[64];
        struct { unsigned x, y, z; } cluster_dim;
    } value;
} ResrLaunchAttribute;

/* CUlaunchConfig */
typedef struct ResrLaunchConfig {
    unsigned grid_x, grid_y, grid_z;
    unsigned block_x, block_y, block_z;
    unsigned shared_bytes;
    void *stream;                       /* CUstream */
    ResrLaunchAttribute *attrs;
    unsigned num_attrs;
} ResrLaunchConfig;

typedef struct ResrDriverExt {
    int (*launch_kernel_ex)(const ResrLaunchConfig *config, void *function, void **params,
                            void **extra);
    int (*func_set_attribute)(void *function, int attribute, int value);
    void *encode_tiled;                 /* cuTensorMapEncodeTiled, for sm90_params.cu */
    void *encode_im2col;                /* cuTensorMapEncodeIm2col */
    void *driver_version;               /* cuDriverGetVersion */
} ResrDriverExt;

/* Fills *ext from the loaded libcuda.so.1. Returns 0, or -ENOSYS with *missing naming the
 * first symbol not found (a driver older than CUDA 12.0). */
int resr_driver_ext_load(ResrDriverExt *ext, const char **missing);

#endif /* RESR_CUDA_DRIVER_EXT_H */
