/*
 * TMA descriptors as the fake driver makes them (tests/cuda/fake_libcuda.c) and the
 * CUTLASS params check (tests/cuda/sm90_params_check.c) records them: the encode
 * functions check their arguments as the driver documents them (cuTensorMapEncodeTiled,
 * cuTensorMapEncodeIm2col: rank, 16-byte aligned address and strides, strides at least
 * the packed size, box sizes, element strides, the 128-byte swizzle's span) and, when
 * valid, write a readable record into the 128-byte CUtensorMap, so that a launch can find
 * the tensors its Params carry. Plain C, no CUDA headers (enums are passed as int).
 */
#ifndef RESR_TESTS_FAKE_TENSOR_MAP_H
#define RESR_TESTS_FAKE_TENSOR_MAP_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FAKE_TMAP_MAGIC 0x50414d54u   /* "TMAP" */
#define FAKE_TMAP_TILED 1
#define FAKE_TMAP_IM2COL 2
#define FAKE_TMAP_SWIZZLE_128B 3      /* CU_TENSOR_MAP_SWIZZLE_128B */

typedef struct FakeTensorMap {         /* fits the 128 bytes of a CUtensorMap */
    uint32_t magic;
    uint8_t mode, dtype, rank, swizzle;
    uint32_t channels_per_pixel, pixels_per_column;   /* im2col */
    int16_t lower[3], upper[3];                       /* im2col corners, spatial dims */
    uint64_t address;
    uint32_t dim[5];
    uint64_t stride[4];                               /* bytes, dims 1..rank-1 */
    uint32_t box[5];                                  /* tiled */
} FakeTensorMap;

/* element bytes of CUtensorMapDataType: UINT8 0, UINT16 1, UINT32 2, INT32 3, UINT64 4,
 * INT64 5, FLOAT16 6, FLOAT32 7, FLOAT64 8, BFLOAT16 9, ... */
static inline int fake_tmap_elem(int dtype)
{
    static const int size[] = { 1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4 };
    return dtype >= 0 && dtype < (int)(sizeof(size) / sizeof(size[0])) ? size[dtype] : 0;
}

/* The checks both encoders share; NULL or why the driver would refuse. */
static inline const char *fake_tmap_check_common(FakeTensorMap *r, int dtype, unsigned rank,
                                                 const void *address, const uint64_t *dim,
                                                 const uint64_t *strides, const uint32_t *estrides,
                                                 int interleave)
{
    const int es = fake_tmap_elem(dtype);

    if (!es)
        return "unknown data type";
    if (rank < 1 || rank > 5)
        return "rank outside 1..5";
    if ((uintptr_t)address % 16)
        return "global address not 16-byte aligned";
    if (interleave != 0)
        return "interleaved layouts are not used here";
    memset(r, 0, sizeof(*r));
    r->magic = FAKE_TMAP_MAGIC;
    r->dtype = (uint8_t)dtype;
    r->rank = (uint8_t)rank;
    r->address = (uint64_t)(uintptr_t)address;
    for (unsigned i = 0; i < rank; i++) {
        if (dim[i] == 0 || dim[i] > ((uint64_t)1 << 32))
            return "global dimension outside 1..2^32";
        if (estrides[i] < 1 || estrides[i] > 8)
            return "element stride outside 1..8";
        r->dim[i] = (uint32_t)dim[i];
    }
    /* CUTLASS's filter descriptor orders its strides K, R, S (not nested): only the
     * innermost row must fit inside the first stride */
    if (rank > 1 && strides[0] < dim[0] * es)
        return "first global stride below the innermost dimension's bytes";
    for (unsigned i = 0; i + 1 < rank; i++) {
        if (strides[i] % 16)
            return "global stride not a multiple of 16 bytes";
        if (strides[i] >= ((uint64_t)1 << 40))
            return "global stride 2^40 or more";
        r->stride[i] = strides[i];
    }
    return NULL;
}

static inline const char *fake_tmap_tiled(void *map, int dtype, unsigned rank, void *address,
                                          const uint64_t *dim, const uint64_t *strides,
                                          const uint32_t *box, const uint32_t *estrides,
                                          int interleave, int swizzle, int l2, int oob)
{
    FakeTensorMap r;
    const char *why = fake_tmap_check_common(&r, dtype, rank, address, dim, strides, estrides, interleave);

    (void)l2, (void)oob;
    if (why)
        return why;
    if (!map || (uintptr_t)map % 64)
        return "tensor map not 64-byte aligned";
    for (unsigned i = 0; i < rank; i++) {
        if (box[i] < 1 || box[i] > 256)
            return "box dimension outside 1..256";
        r.box[i] = box[i];
    }
    if ((box[0] * fake_tmap_elem(dtype)) % 16)
        return "inner box dimension not a multiple of 16 bytes";
    if (swizzle == FAKE_TMAP_SWIZZLE_128B && box[0] * fake_tmap_elem(dtype) > 128)
        return "inner box dimension wider than the 128-byte swizzle";
    r.mode = FAKE_TMAP_TILED;
    r.swizzle = (uint8_t)swizzle;
    memcpy(map, &r, sizeof(r));
    return NULL;
}

static inline const char *fake_tmap_im2col(void *map, int dtype, unsigned rank, void *address,
                                           const uint64_t *dim, const uint64_t *strides,
                                           const int *lower, const int *upper,
                                           uint32_t channels_per_pixel, uint32_t pixels_per_column,
                                           const uint32_t *estrides, int interleave, int swizzle,
                                           int l2, int oob)
{
    FakeTensorMap r;
    const char *why = fake_tmap_check_common(&r, dtype, rank, address, dim, strides, estrides, interleave);

    (void)l2, (void)oob;
    if (why)
        return why;
    if (!map || (uintptr_t)map % 64)
        return "tensor map not 64-byte aligned";
    if (rank < 3)
        return "im2col needs rank 3..5";
    if (channels_per_pixel < 1 || channels_per_pixel > 256)
        return "channels per pixel outside 1..256";
    if (pixels_per_column < 1 || pixels_per_column > 1024)
        return "pixels per column outside 1..1024";
    if ((channels_per_pixel * fake_tmap_elem(dtype)) % 16)
        return "channels per pixel not a multiple of 16 bytes";
    if (swizzle == FAKE_TMAP_SWIZZLE_128B && channels_per_pixel * fake_tmap_elem(dtype) > 128)
        return "channels per pixel wider than the 128-byte swizzle";
    for (unsigned i = 0; i + 2 < rank; i++) {
        if (lower[i] < -32768 || lower[i] > 32767 || upper[i] < -32768 || upper[i] > 32767)
            return "im2col corner outside the 16-bit range";
        r.lower[i] = (int16_t)lower[i];
        r.upper[i] = (int16_t)upper[i];
    }
    r.mode = FAKE_TMAP_IM2COL;
    r.swizzle = (uint8_t)swizzle;
    r.channels_per_pixel = channels_per_pixel;
    r.pixels_per_column = pixels_per_column;
    memcpy(map, &r, sizeof(r));
    return NULL;
}

/* The records in a kernel's parameter blob, in their order there (64-byte aligned). */
static inline int fake_tmap_find(const unsigned char *params, size_t size, const FakeTensorMap **out, int max)
{
    int n = 0;

    for (size_t at = 0; at + sizeof(FakeTensorMap) <= size && n < max; at += 64) {
        const FakeTensorMap *r = (const FakeTensorMap *)(params + at);
        if (r->magic == FAKE_TMAP_MAGIC && (r->mode == FAKE_TMAP_TILED || r->mode == FAKE_TMAP_IM2COL))
            out[n++] = r;
    }
    return n;
}

static inline void fake_tmap_print(FILE *f, const FakeTensorMap *r)
{
    fprintf(f, "%s dtype %d rank %d addr %#llx dim", r->mode == FAKE_TMAP_IM2COL ? "im2col" : "tiled",
            r->dtype, r->rank, (unsigned long long)r->address);
    for (int i = 0; i < r->rank; i++)
        fprintf(f, " %u", r->dim[i]);
    fprintf(f, " stride");
    for (int i = 0; i + 1 < r->rank; i++)
        fprintf(f, " %llu", (unsigned long long)r->stride[i]);
    if (r->mode == FAKE_TMAP_IM2COL)
        fprintf(f, " cpp %u ppc %u lower %d %d upper %d %d", r->channels_per_pixel, r->pixels_per_column,
                r->lower[0], r->lower[1], r->upper[0], r->upper[1]);
    else
        fprintf(f, " box %u %u %u %u %u", r->box[0], r->box[1], r->box[2], r->box[3], r->box[4]);
    fprintf(f, " swizzle %d\n", r->swizzle);
}

#endif /* RESR_TESTS_FAKE_TENSOR_MAP_H */
