/*
 * JPEG quantisation tables for a quality 1..100 as the IJG library (and DiffJPEG's
 * quality_to_factor) scales them: factor 5000/q below 50, 200 - 2q from 50; entries
 * (table * factor + 50) / 100 clamped to 1..255 (baseline). The base tables are those of
 * ITU-T T.81 Annex K, in natural (row-major) order.
 */
#ifndef RESR_DEGRADE_JPEG_TABLES_H
#define RESR_DEGRADE_JPEG_TABLES_H

#include <stdint.h>

/* luma and chroma: 64 entries each, natural order */
void resr_jpeg_tables(int quality, uint16_t luma[64], uint16_t chroma[64]);

#endif /* RESR_DEGRADE_JPEG_TABLES_H */
