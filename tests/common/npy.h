/*
 * Reading numpy arrays from .npz golden files (numpy.savez / savez_compressed: a zip of
 * .npy files) through the project's own zip reader. C order, little-endian float32,
 * float16, uint8 and uint16 only: what the golden files hold.
 */
#ifndef RESR_TESTS_NPY_H
#define RESR_TESTS_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "../../models/zip.h"

#define RESR_NPY_MAX_DIMS 8

typedef enum ResrNpyDType {
    RESR_NPY_F32 = 1,
    RESR_NPY_F16,
    RESR_NPY_U8,
    RESR_NPY_U16,
} ResrNpyDType;

typedef struct ResrNpyArray {
    ResrNpyDType dtype;
    int ndim;
    int64_t shape[RESR_NPY_MAX_DIMS];
    size_t count;    /* elements */
    void *data;      /* owned, count elements of dtype */
} ResrNpyArray;

typedef struct ResrNpz {
    uint8_t *file;
    size_t size;
    ResrZip zip;     /* zip.entries / zip.count list the arrays ("name.npy") */
} ResrNpz;

/* Returns 0, -ENOENT (no such file), -EINVAL (not a zip) or -ENOMEM; err says which. */
int resr_npz_open(ResrNpz *npz, const char *path, char *err, size_t err_size);
void resr_npz_close(ResrNpz *npz);

/* Reads array name (without ".npy"). -ENOENT when absent, -EINVAL when malformed. */
int resr_npz_read(const ResrNpz *npz, const char *name, ResrNpyArray *out,
                  char *err, size_t err_size);

/* Same, converted to float32 (float16 exactly; integers by value). */
int resr_npz_read_f32(const ResrNpz *npz, const char *name, ResrNpyArray *out,
                      char *err, size_t err_size);

/* Parses one .npy file image. */
int resr_npy_parse(const uint8_t *data, size_t size, ResrNpyArray *out, char *err, size_t err_size);

void resr_npy_free(ResrNpyArray *a);

#endif /* RESR_TESTS_NPY_H */
