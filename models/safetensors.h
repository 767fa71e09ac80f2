/*
 * .safetensors reader: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to {dtype, shape, data_offsets}, then the raw little-endian data. The JSON
 * parser is minimal and bounded (nesting, sizes, counts); offsets are checked against the
 * data region and against dtype x shape.
 */
#ifndef RESR_MODELS_SAFETENSORS_H
#define RESR_MODELS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

#define RESR_SAFETENSORS_MAX_HEADER  ((uint64_t)100 << 20)  /* the format's own limit */
#define RESR_SAFETENSORS_MAX_TENSORS 100000

typedef struct ResrSafeTensor {
    char *name;              /* owned, NUL-terminated, JSON escapes decoded */
    ResrDType dtype;         /* RESR_DTYPE_UNSUPPORTED for I64, F64, ... */
    char dtype_name[16];     /* as written in the file ("F32", "I64", ...) */
    int ndim;
    int64_t shape[RESR_MAX_DIMS];
    int64_t numel;
    const uint8_t *data;     /* borrowed from the file buffer; size = numel * dtype size */
    size_t size;
} ResrSafeTensor;

typedef struct ResrSafeTensors {
    ResrSafeTensor *tensors;
    size_t count, cap;
} ResrSafeTensors;

/* Returns 1 when data starts like a safetensors file (plausible length, then '{'). */
int resr_safetensors_probe(const uint8_t *data, size_t size);

/* Returns 0, -EINVAL (malformed: err says what) or -ENOMEM. data must outlive st. */
int resr_safetensors_parse(ResrSafeTensors *st, const uint8_t *data, size_t size,
                           char *err, size_t err_size);
void resr_safetensors_free(ResrSafeTensors *st);

#endif /* RESR_MODELS_SAFETENSORS_H */
