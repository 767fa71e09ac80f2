/*
 * Lanczos resizing of frames in their own format (see resample.h): window tables planned
 * once per geometry in double precision, then two float passes per component, horizontal
 * into a scratch block of rows, vertical from it, in the summation order the CUDA kernel
 * uses.
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

int resr_resample_components(const ResrPixelFormat *fmt, int comps[4])
{
    int n = 0;

    comps[n++] = 0;
    if (!fmt->is_gray) {
        comps[n++] = 1;
        comps[n++] = 2;
    }
    if (fmt->has_alpha)
        comps[n++] = 3;
    if (n < 4)
        comps[n] = -1;
    return n;
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
        double w[2 * RESR_LANCZOS_A * 64 + 2], sum = 0.0;
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
    free(plan->rows);
    memset(plan, 0, sizeof(*plan));
}

int resr_resample_plan(ResrResamplePlan *plan, const ResrPixelFormat *fmt,
                       int src_w, int src_h, int dst_w, int dst_h)
{
    AxisSpec spec[2][2];
    size_t offset[2][2][2], size = 0, rows = 0;
    float site_x = 0.0f, site_y = 0.0f;

    resr_resample_free(plan);
    if (src_w < 1 || src_h < 1 || dst_w < 1 || dst_h < 1)
        return -EINVAL;
    /* a window holds at most 2 * a * ratio + 2 samples: bound the ratio so axis_fill's
     * stack row suffices (64x shrinking is far beyond what outscale asks) */
    if (src_w > 64 * dst_w || src_h > 64 * dst_h)
        return -EINVAL;

    plan->fmt = *fmt;
    plan->src_w = src_w;
    plan->src_h = src_h;
    plan->dst_w = dst_w;
    plan->dst_h = dst_h;

    if (!fmt->is_rgb && !fmt->is_gray) {
        /* the siting offsets colour.c uses: chroma sample i at luma i * sub + site */
        const float hx = fmt->chroma_loc == RESR_CHROMA_CENTER || fmt->chroma_loc == RESR_CHROMA_TOP ||
                         fmt->chroma_loc == RESR_CHROMA_BOTTOM ? 0.5f : 0.0f;
        const float vy = fmt->chroma_loc == RESR_CHROMA_TOPLEFT || fmt->chroma_loc == RESR_CHROMA_TOP ? 0.0f :
                         fmt->chroma_loc == RESR_CHROMA_BOTTOMLEFT || fmt->chroma_loc == RESR_CHROMA_BOTTOM ? 1.0f : 0.5f;
        site_x = hx * (float)((1 << fmt->log2_chroma_w) - 1);
        site_y = vy * (float)((1 << fmt->log2_chroma_h) - 1);
    }
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

/* ---- samples, read as colour.c reads them (the network's output is finite: no NaN
 * replacement) and written by its resr_store_sample -------------------------------------- */

static float load_sample(const ResrPixelFormat *fmt, const uint8_t *p, int shift, float max_code)
{
    switch (fmt->type) {
    case RESR_SAMPLE_U8:
        return p[0];
    case RESR_SAMPLE_U16: {
        uint16_t v;
        memcpy(&v, p, sizeof(v));
        const float code = (float)(v >> shift);
        return code < max_code ? code : max_code;
    }
    case RESR_SAMPLE_F32:
    default: {
        float v;
        memcpy(&v, p, sizeof(v));
        return v;
    }
    }
}

static void resample_component(ResrResamplePlan *plan, int c, const ResrPlanes *src, ResrPlanes *dst)
{
    const ResrPixelFormat *fmt = &plan->fmt;
    const ResrComponent *k = &fmt->comp[c];
    const int cls = resr_resample_class(fmt, c);
    const ResrResampleAxis *ax = &plan->axis[cls][0], *ay = &plan->axis[cls][1];
    const float max_code = fmt->type == RESR_SAMPLE_F32 ? 1.0f : (float)((1 << fmt->depth) - 1);
    const int dw = ax->dst_size;
    float *rows = plan->rows, *acc = plan->rows + (size_t)ay->src_size * dw;

    for (int y = 0; y < ay->src_size; y++) {
        const uint8_t *line = src->data[k->plane] + (ptrdiff_t)y * src->linesize[k->plane] + k->offset;
        float *out = rows + (size_t)y * dw;
        for (int x = 0; x < dw; x++) {
            const float *w = ax->weight + (size_t)x * ax->taps;
            const uint8_t *p = line + (ptrdiff_t)ax->start[x] * k->step;
            float h = 0.0f;
            for (int t = 0; t < ax->taps; t++, p += k->step)
                h += w[t] * load_sample(fmt, p, k->shift, max_code);
            out[x] = h;
        }
    }
    for (int y = 0; y < ay->dst_size; y++) {
        const float *w = ay->weight + (size_t)y * ay->taps;
        uint8_t *line = dst->data[k->plane] + (ptrdiff_t)y * dst->linesize[k->plane] + k->offset;

        for (int x = 0; x < dw; x++)
            acc[x] = 0.0f;
        for (int t = 0; t < ay->taps; t++) {
            const float *row = rows + (size_t)(ay->start[y] + t) * dw;
            for (int x = 0; x < dw; x++)
                acc[x] += w[t] * row[x];
        }
        for (int x = 0; x < dw; x++)
            resr_store_sample(fmt, line + (ptrdiff_t)x * k->step, k->shift, acc[x], max_code);
    }
}

int resr_resample_run(ResrResamplePlan *plan, const ResrPlanes *src, ResrPlanes *dst)
{
    const int pad = resr_padding_byte(&plan->fmt);
    int comps[4];
    const int n = resr_resample_components(&plan->fmt, comps);

    /* the CUDA engine uses the tables only: the scratch is for CPU runs */
    if (!plan->rows && !(plan->rows = malloc(sizeof(*plan->rows) * plan->rows_count)))
        return -ENOMEM;

    for (int i = 0; i < n; i++)
        resample_component(plan, comps[i], src, dst);
    if (pad >= 0) {
        const int p = plan->fmt.comp[0].plane;
        for (int y = 0; y < plan->dst_h; y++)
            for (int x = 0; x < plan->dst_w; x++)
                dst->data[p][(ptrdiff_t)y * dst->linesize[p] + (ptrdiff_t)x * 4 + pad] = 255;
    }
    return 0;
}
