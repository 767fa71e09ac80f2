/*
 * IJG-scaled JPEG quantisation tables (jpeg_tables.h).
 */
#include "jpeg_tables.h"

static const uint8_t annex_k_luma[64] = {
    16, 11, 10, 16,  24,  40,  51,  61,
    12, 12, 14, 19,  26,  58,  60,  55,
    14, 13, 16, 24,  40,  57,  69,  56,
    14, 17, 22, 29,  51,  87,  80,  62,
    18, 22, 37, 56,  68, 109, 103,  77,
    24, 35, 55, 64,  81, 104, 113,  92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103,  99,
};

static const uint8_t annex_k_chroma[64] = {
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
};

static uint16_t scaled(int base, int factor)
{
    const int v = (base * factor + 50) / 100;
    return (uint16_t)(v < 1 ? 1 : (v > 255 ? 255 : v));
}

void resr_jpeg_tables(int quality, uint16_t luma[64], uint16_t chroma[64])
{
    const int q = quality < 1 ? 1 : (quality > 100 ? 100 : quality);
    const int factor = q < 50 ? 5000 / q : 200 - 2 * q;

    for (int i = 0; i < 64; i++) {
        luma[i] = scaled(annex_k_luma[i], factor);
        chroma[i] = scaled(annex_k_chroma[i], factor);
    }
}
