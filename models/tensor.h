/*
 * Element types a checkpoint may store, shared by the .pth and .safetensors readers.
 */
#ifndef RESR_MODELS_TENSOR_H
#define RESR_MODELS_TENSOR_H

#define RESR_MAX_DIMS 8

typedef enum ResrDType {
    RESR_DTYPE_UNSUPPORTED = 0,  /* recognised (int64, float64, ...) but not loadable */
    RESR_DTYPE_F32         = 1,
    RESR_DTYPE_F16         = 2,
    RESR_DTYPE_BF16        = 3,
} ResrDType;

static inline int resr_dtype_size(ResrDType t)
{
    return t == RESR_DTYPE_F32 ? 4 : t == RESR_DTYPE_F16 || t == RESR_DTYPE_BF16 ? 2 : 0;
}

#endif /* RESR_MODELS_TENSOR_H */
