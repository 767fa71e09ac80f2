/*
 * Lanczos resizing of frames in their own format (see resample.h): the window tables,
 * planned once per geometry in double precision. The engines run them.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resample.h"

#define RESR_PI 3.14159265358979323846
#define TABLE_ALIGN 16

static double sinc(double x)
{
    if (x == 0.0)
        return 1.0;
    x *= RESR_PI;
    return sin(x) / x;
}

static double lanczos(double x)
{
    return x > -RESR_LANCZOS_A && x < RESR_LANCZOS_A ? sinc(x) * sinc(x / RESR_LANCZOS_A) : 0.0;
}

static size_t align_up(size_t v)
{
    return (v + TABLE_ALIGN - 1) / TABLE_ALIGN * TABLE_ALIGN;
}

/*
 * Where output sample j of an axis reads, as a continuous source position in PIL's edge
 * convention (sample k covers [k, k+1)). Samples of a grid subsampled by sub sit at luma
 * position j*sub + site (site: the siting offset in luma samples, 0 for unsubsampled
 * grids); luma maps centre to centre, (X + 0.5) * ratio - 0.5, ratio = source / output.
 */
static double window_centre(int j, int sub, double site, double ratio)
{
    const double luma = ((double)j * sub + site + 0.5) * ratio - 0.5;
    return (luma - site) / sub + 0.5;
}

static void window_bounds(int j, int src, int sub, double site, double ratio, int *lo, int *hi)
{
    const double centre  = window_centre(j, sub, site, ratio);
    const double support = RESR_LANCZOS_A * (ratio > 1.0 ? ratio : 1.0);

    *lo = (int)floor(centre - support + 0.5);
    *hi = (int)floor(centre + support + 0.5);
    *lo = *lo < 0 ? 0 : *lo > src - 1 ? src - 1 : *lo;
    *hi = *hi > src ? src : *hi <= *lo ? *lo + 1 : *hi;
}

typedef struct AxisSpec {
    int src, dst, sub;
    double site, ratio;
    int taps;
} AxisSpec;

static void axis_measure(AxisSpec *a)
{
    a->taps = 1;
    for (int j = 0; j < a->dst; j++) {
        int lo, hi;
        window_bounds(j, a->src, a->sub, a->site, a->ratio, &lo, &hi);
        if (hi - lo > a->taps)
            a->taps = hi - lo;
    }
}

static void axis_fill(const AxisSpec *a, int32_t *start, float *weight)
{
    const double scale = a->ratio > 1.0 ? a->ratio : 1.0;

    for (int j = 0; j < a->dst; j++) {
        const double centre = window_centre(j, a->sub, a->site, a->ratio);
        double w[2 * RESR_LANCZOS_A * RESR_RESAMPLE_MAX_SHRINK + 2], sum = 0.0;
        float *row = weight + (size_t)j * a->taps;
        int lo, hi;

        window_bounds(j, a->src, a->sub, a->site, a->ratio, &lo, &hi);
        for (int k = lo; k < hi; k++) {
            w[k - lo] = lanczos(((double)k + 0.5 - centre) / scale);
            sum += w[k - lo];
        }
        start[j] = lo + a->taps > a->src ? a->src - a->taps : lo;
        memset(row, 0, sizeof(*row) * a->taps);
        if (sum == 0.0) {   /* no weight in the window: the nearest sample */
            const int k = (int)floor(centre);
            row[(k < lo ? lo : k >= hi ? hi - 1 : k) - start[j]] = 1.0f;
            continue;
        }
        for (int k = lo; k < hi; k++)
            row[k - start[j]] = (float)(w[k - lo] / sum);
    }
}

void resr_resample_free(ResrResamplePlan *plan)
{
    free(plan->tables);
    memset(plan, 0, sizeof(*plan));
}

int resr_resample_plan(ResrResamplePlan *plan, const ResrPixelFormat *fmt,
                       int src_w, int src_h, int dst_w, int dst_h)
{
    AxisSpec spec[2][2];
    size_t offset[2][2][2], size = 0, rows = 0;
    float site_x = 0.0f, site_y = 0.0f;

    resr_resample_free(plan);
    /* the window bound keeps axis_fill's stack row sufficient */
    if (!resr_resample_sizes_ok(src_w, src_h, dst_w, dst_h))
        return -EINVAL;

    plan->fmt = *fmt;
    plan->src_w = src_w;
    plan->src_h = src_h;
    plan->dst_w = dst_w;
    plan->dst_h = dst_h;

    /* the conversion's siting: chroma sample i at luma i * sub + site */
    if (!fmt->is_rgb && !fmt->is_gray)
        resr_chroma_siting(fmt, &site_x, &site_y);
    for (int cls = 0; cls < 2; cls++) {
        const int l2w = cls ? fmt->log2_chroma_w : 0, l2h = cls ? fmt->log2_chroma_h : 0;
        spec[cls][0] = (AxisSpec){ -((-src_w) >> l2w), -((-dst_w) >> l2w), 1 << l2w,
                                   cls ? site_x : 0.0, (double)src_w / dst_w, 0 };
        spec[cls][1] = (AxisSpec){ -((-src_h) >> l2h), -((-dst_h) >> l2h), 1 << l2h,
                                   cls ? site_y : 0.0, (double)src_h / dst_h, 0 };
        for (int d = 0; d < 2; d++) {
            AxisSpec *a = &spec[cls][d];
            axis_measure(a);
            offset[cls][d][0] = size;
            size = align_up(size + sizeof(int32_t) * a->dst);
            offset[cls][d][1] = size;
            size = align_up(size + sizeof(float) * a->dst * a->taps);
        }
        const size_t need = (size_t)spec[cls][1].src * spec[cls][0].dst + spec[cls][0].dst;
        rows = need > rows ? need : rows;
    }

    if (!(plan->tables = malloc(size))) {
        resr_resample_free(plan);
        return -ENOMEM;
    }
    plan->tables_size = size;
    plan->rows_count = rows;
    for (int cls = 0; cls < 2; cls++)
        for (int d = 0; d < 2; d++) {
            const AxisSpec *a = &spec[cls][d];
            int32_t *start = (int32_t *)((uint8_t *)plan->tables + offset[cls][d][0]);
            float *weight = (float *)((uint8_t *)plan->tables + offset[cls][d][1]);
            axis_fill(a, start, weight);
            plan->axis[cls][d] = (ResrResampleAxis){ a->src, a->dst, a->taps, start, weight };
        }
    return 0;
}
