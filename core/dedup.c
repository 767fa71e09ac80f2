/*
 * Held frames on the host: the comparison of two frames over core/dedup.h's per-sample
 * formula, and the frame copy the CPU engine keeps its frames with.
 */
#include <math.h>
#include <string.h>

#include "dedup.h"

double resr_dedup_max_diff(const ResrPixelFormat *fmt, const ResrPlanes *a, const ResrPlanes *b,
                           int w, int h, double stop_above)
{
    int comps[4];
    const int n = resr_stored_components(fmt, comps);
    double worst = 0.0;

    for (int i = 0; i < n; i++) {
        int cw, ch;
        resr_dedup_component_size(fmt, comps[i], w, h, &cw, &ch);
        const int bw = (cw + RESR_DEDUP_BLOCK - 1) / RESR_DEDUP_BLOCK;
        const int bh = (ch + RESR_DEDUP_BLOCK - 1) / RESR_DEDUP_BLOCK;
        for (int by = 0; by < bh; by++) {
            for (int bx = 0; bx < bw; bx++) {
                const double d = resr_dedup_block_diff(fmt, a, b, comps[i], bx, by, cw, ch);
                worst = d > worst ? d : worst;
            }
            if (worst > stop_above)
                return worst;
        }
    }
    return worst;
}

void resr_frame_copy(const ResrPixelFormat *fmt, ResrPlanes *dst, const ResrPlanes *src, int w, int h)
{
    size_t row_bytes[RESR_MAX_PLANES];
    int rows[RESR_MAX_PLANES];
    const int planes = resr_plane_layout(fmt, w, h, row_bytes, rows);

    for (int p = 0; p < planes; p++)
        for (int y = 0; y < rows[p]; y++)
            memcpy(dst->data[p] + (ptrdiff_t)y * dst->linesize[p],
                   src->data[p] + (ptrdiff_t)y * src->linesize[p], row_bytes[p]);
}
