/*
 * Two passes per component (see resample.h): every source row's horizontal sums once
 * (resr_resample_row), then each output row as the weighted sum of those rows in the
 * order resr_resample_sample adds them, so the result equals the CUDA kernel's bit for bit.
 */
#include "resample.h"

static void resample_component(const ResrResamplePlan *plan, float *rows, int c,
                               const ResrPlanes *src, ResrPlanes *dst)
{
    const ResrPixelFormat *fmt = &plan->fmt;
    const int cls = resr_resample_class(fmt, c);
    const ResrResampleAxis *ax = &plan->axis[cls][0], *ay = &plan->axis[cls][1];
    const float max_code = resr_resample_max_code(fmt);
    const int dw = ax->dst_size;
    float *acc = rows + (size_t)ay->src_size * dw;

    for (int y = 0; y < ay->src_size; y++)
        for (int x = 0; x < dw; x++)
            rows[(size_t)y * dw + x] = resr_resample_row(fmt, src, c, y, ax->start, ax->weight,
                                                         ax->taps, x, max_code);
    for (int y = 0; y < ay->dst_size; y++) {
        const float *wy = ay->weight + (size_t)y * ay->taps;

        for (int x = 0; x < dw; x++)
            acc[x] = 0.0f;
        for (int j = 0; j < ay->taps; j++) {
            const float *row = rows + (size_t)(ay->start[y] + j) * dw;
            for (int x = 0; x < dw; x++)
                acc[x] += wy[j] * row[x];
        }
        for (int x = 0; x < dw; x++)
            resr_store_code(fmt, dst, c, x, y, acc[x], max_code);
    }
}

void resr_resample_run(const ResrResamplePlan *plan, float *scratch, const ResrPlanes *src,
                       ResrPlanes *dst)
{
    const int pad = resr_padding_byte(&plan->fmt);
    int comps[4];
    const int n = resr_stored_components(&plan->fmt, comps);

    for (int i = 0; i < n; i++)
        resample_component(plan, scratch, comps[i], src, dst);
    if (pad >= 0) {
        const int p = plan->fmt.comp[0].plane;
        for (int y = 0; y < plan->dst_h; y++)
            for (int x = 0; x < plan->dst_w; x++)
                dst->data[p][(ptrdiff_t)y * dst->linesize[p] + (ptrdiff_t)x * 4 + pad] = 255;
    }
}
