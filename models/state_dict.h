/*
 * A checkpoint's named tensors, converted to fp32 in one arena. Reads PyTorch .pth zips
 * ({'params_ema'|'params': state_dict} or a bare state dict) and .safetensors files; the
 * format is detected from the bytes, not the file name.
 */
#ifndef RESR_MODELS_STATE_DICT_H
#define RESR_MODELS_STATE_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

#define RESR_TENSOR_NAME_MAX 255
/* 1 GiB of fp32, 16x RealESRGAN_x4plus (16.7 M parameters): all a file may ask for. */
#define RESR_STATE_DICT_MAX_FLOATS ((size_t)1 << 28)

typedef struct ResrTensor {
    char *name;
    int ndim;
    int64_t shape[RESR_MAX_DIMS];
    int64_t numel;
    ResrDType source_dtype;
    float *data;                /* numel floats in the arena, 64-byte aligned */
} ResrTensor;

typedef struct ResrStateDict {
    ResrTensor *tensors;        /* sorted by name, names unique */
    size_t count;
    float *arena;
    size_t arena_count;         /* floats, including alignment padding */
    const char *format;         /* "pth" or "safetensors" */
    const char *container;      /* "params_ema", "params" or "" (bare state dict) */
    unsigned dtype_mask;        /* 1 << ResrDType of every stored element type */
} ResrStateDict;

/*
 * Parses and converts a whole checkpoint. Returns 0, -EINVAL (malformed, refused, NaN or
 * Inf weights, ...: err names the problem and the tensor), -EFBIG or -ENOMEM. The
 * message does not name the file; the caller prefixes it.
 */
int resr_state_dict_load(ResrStateDict *sd, const uint8_t *data, size_t size,
                         char *err, size_t err_size);
void resr_state_dict_free(ResrStateDict *sd);

const ResrTensor *resr_state_dict_find(const ResrStateDict *sd, const char *name);

/* Exact conversions (every half and bfloat16 value is representable in fp32). */
float resr_f16_to_f32(uint16_t h);
float resr_bf16_to_f32(uint16_t b);

/* "float32", "float16", "bfloat16" */
const char *resr_dtype_name(ResrDType dtype);

#endif /* RESR_MODELS_STATE_DICT_H */
