/*
 * The fast 3x3 convolution of the CPU network: channels-last (NHWC) activations that carry
 * a one-pixel zero halo, so every output pixel reads a full 3x3 window without border
 * branches; weights repacked once into blocks of 16 output channels; an implicit-GEMM
 * register-blocked microkernel (6 pixels x 16 channels) in AVX2+FMA, or portable C when
 * the CPU lacks it (chosen at runtime); an input that can be read nearest-upsampled (so
 * RRDBNet's x2 upsamples are never materialised); and a fused epilogue: bias, activation,
 * up to two scaled residual adds, and a store to NHWC, to planar RGB, or pixel-shuffled
 * plus the upsampled input (SRVGG's tail).
 */
#ifndef RESR_CPU_CONV3X3_H
#define RESR_CPU_CONV3X3_H

#include <stddef.h>

#include "../models/model.h"

#define RESR_CONV_OC_BLOCK 16

/* One convolution's weights in the microkernel's order. */
typedef struct ResrConvPacked {
    int in_channels;
    int out_channels;
    int oc_blocks;        /* ceil(out_channels / 16) */
    float *weight;        /* [oc_blocks][3][3][in_channels][16], zero past out_channels */
    float *bias;          /* [oc_blocks * 16] */
    float *slope;         /* [oc_blocks * 16]: negative-side slopes (leaky: all equal) */
    ResrActivation activation;
} ResrConvPacked;

/* A channels-last tensor: element (y, x, c) at data[y*row + x*pixel + c]; data points at
 * pixel (0, 0) of the interior and rows/columns -1 and h, w are readable (the halo). */
typedef struct ResrNhwc {
    float *data;
    ptrdiff_t pixel;
    ptrdiff_t row;
} ResrNhwc;

typedef enum ResrConvStore {
    RESR_STORE_NHWC,        /* to dst */
    RESR_STORE_PLANAR,      /* to planar[c][y][x], c < out_channels */
    RESR_STORE_SHUFFLE_ADD, /* planar[c][y*s+i][x*s+j] = v[c*s*s + i*s + j] + base[c][y][x] */
} ResrConvStore;

typedef struct ResrPlanar {
    float *data;
    ptrdiff_t row;
    ptrdiff_t plane;
} ResrPlanar;

/*
 * Everything one convolution call needs, passed by value. The epilogue computes
 * v = act(conv + bias); v = v * res1_scale + res1 (if res1.data); v = v * res2_scale + res2
 * (if res2.data); then stores v. Residuals are read at the output pixel only, so a
 * residual may be the destination itself (in-place update).
 */
typedef struct ResrConvParams {
    const ResrConvPacked *conv;
    ResrNhwc in;                  /* in_channels channels from channel 0 of this view */
    int upsample;                 /* 1, or 2: in is read nearest-upsampled x2 (F.interpolate) */
    int width, height;            /* output size = (upsampled) input size */
    ResrNhwc res1, res2;
    float res1_scale, res2_scale;
    ResrConvStore store;
    ResrNhwc dst;                 /* RESR_STORE_NHWC */
    ResrPlanar planar;            /* RESR_STORE_PLANAR, RESR_STORE_SHUFFLE_ADD */
    ResrPlanar base;              /* RESR_STORE_SHUFFLE_ADD: [c][height][width] */
    int shuffle;                  /* RESR_STORE_SHUFFLE_ADD: s */
} ResrConvParams;

/* Computes output rows [y0, y1) (all output channels). */
typedef void (*ResrConvRowsFn)(ResrConvParams p, int y0, int y1);

/* The best implementation this CPU runs: AVX2+FMA when available, else portable C. */
ResrConvRowsFn resr_conv3x3_rows_fn(void);

/* Whether this CPU has AVX2 and FMA. */
int resr_conv3x3_have_avx2(void);

/* "avx2+fma" or "portable": what resr_conv3x3_rows_fn returns now. */
const char *resr_conv3x3_impl_name(void);

/*
 * Test hook: nonzero makes resr_conv3x3_rows_fn return the portable implementation (for
 * networks created afterwards), so tests cover the fallback on AVX2 machines too.
 */
void resr_conv3x3_force_portable(int force);

/* Repacks conv (PyTorch OIHW) into packed. Returns 0 or -ENOMEM. */
int resr_conv3x3_pack(ResrConvPacked *packed, const ResrConv3x3 *conv);
void resr_conv3x3_packed_free(ResrConvPacked *packed);

#endif /* RESR_CPU_CONV3X3_H */
