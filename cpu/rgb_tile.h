/*
 * The CPU network's input and output: planar float RGB, as the conversions write and read
 * it (cpu/convert.h) and the network consumes and produces it (cpu/network.h).
 */
#ifndef RESR_CPU_RGB_TILE_H
#define RESR_CPU_RGB_TILE_H

#include <stddef.h>

/* Three planes of h rows, row_stride floats apart, plane_stride apart. */
typedef struct ResrRgbTile {
    float *data;
    int width, height;
    ptrdiff_t row_stride;
    ptrdiff_t plane_stride;
} ResrRgbTile;

#endif /* RESR_CPU_RGB_TILE_H */
