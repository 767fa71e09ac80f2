/*
 * F.interpolate's area, bilinear and bicubic (resize.h): the coordinate mapping and
 * weights of PyTorch's upsample kernels (aten/src/ATen/native/UpSample.h:
 * area_pixel_compute_source_index, upsample_get_value_bounded, cubic_convolution1/2) and of
 * adaptive_avg_pool2d (start = floor(i*in/out), end = ceil((i+1)*in/out)).
 */
#include <math.h>
#include <stdlib.h>

#include "resize.h"

static const char *const resize_names[RESR_RESIZE_NB] = { "area", "bilinear", "bicubic" };

const char *resr_resize_name(ResrResizeMode mode)
{
    return (unsigned)mode < RESR_RESIZE_NB ? resize_names[mode] : "?";
}

int resr_resize_scaled_size(int in, double factor)
{
    const int out = (int)floor((double)in * factor);
    return out > 1 ? out : 1;
}

/* align_corners=False: src = (dst + 0.5) * scale - 0.5 */
static double source_index(double scale, int dst)
{
    return ((double)dst + 0.5) * scale - 0.5;
}

static int clamp_index(int i, int n)
{
    return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

/* Keys' cubic convolution, A = -0.75 as PyTorch: weights of taps i-1, i, i+1, i+2 at t. */
static void cubic_weights(double t, double w[4])
{
    const double A = -0.75;
    const double x1 = t + 1.0, x2 = t, x3 = 1.0 - t, x4 = 2.0 - t;
    w[0] = ((A * x1 - 5.0 * A) * x1 + 8.0 * A) * x1 - 4.0 * A;
    w[1] = ((A + 2.0) * x2 - (A + 3.0)) * x2 * x2 + 1.0;
    w[2] = ((A + 2.0) * x3 - (A + 3.0)) * x3 * x3 + 1.0;
    w[3] = ((A * x4 - 5.0 * A) * x4 + 8.0 * A) * x4 - 4.0 * A;
}

/* Taps of one output sample as (position, weight) pairs, positions possibly repeated at
 * the edges (clamped): they are summed into the table's contiguous window. */
static int sample_taps(ResrResizeMode mode, int in, int out, double scale, int i,
                       int pos[], double wt[])
{
    if (mode == RESR_RESIZE_AREA) {
        const int start = (int)(((long long)i * in) / out);
        const int end = (int)(((long long)(i + 1) * in + out - 1) / out);
        for (int p = start; p < end; p++) {
            pos[p - start] = p;
            wt[p - start] = 1.0 / (end - start);
        }
        return end - start;
    }
    double src = source_index(scale, i);
    if (mode == RESR_RESIZE_BILINEAR) {
        src = src < 0.0 ? 0.0 : src;
        const int i0 = clamp_index((int)src, in);
        const double l = src - i0 < 1.0 ? src - i0 : 1.0;
        pos[0] = i0;
        pos[1] = i0 < in - 1 ? i0 + 1 : i0;
        wt[0] = 1.0 - l;
        wt[1] = l;
        return 2;
    }
    const int i0 = (int)floor(src);
    double w[4];
    cubic_weights(src - i0, w);
    for (int t = 0; t < 4; t++) {
        pos[t] = clamp_index(i0 - 1 + t, in);
        wt[t] = w[t];
    }
    return 4;
}

static int max_taps(ResrResizeMode mode, int in, int out)
{
    if (mode == RESR_RESIZE_AREA)
        return (in + out - 1) / out + 1;
    return mode == RESR_RESIZE_BILINEAR ? 2 : 4;
}

/* Window of one sample: starts at the lowest position (moved left where the window would
 * pass the input's end), weights of repeated (edge-clamped) positions summed. */
static void fill_sample(ResrResizeAxis *a, int i, const int *pos, const double *wt, int n,
                        double *acc)
{
    int lo = pos[0];
    for (int t = 1; t < n; t++)
        lo = pos[t] < lo ? pos[t] : lo;
    if (lo + a->taps > a->in)
        lo = a->in - a->taps;
    for (int t = 0; t < a->taps; t++)
        acc[t] = 0.0;
    for (int t = 0; t < n; t++)
        acc[pos[t] - lo] += wt[t];
    float *w = a->weight + (size_t)i * a->taps;
    for (int t = 0; t < a->taps; t++)
        w[t] = (float)acc[t];
    a->first[i] = lo;
}

int resr_resize_axis_init(ResrResizeAxis *a, ResrResizeMode mode, int in, int out,
                          double scale_factor)
{
    const double scale = scale_factor > 0.0 ? 1.0 / scale_factor : (double)in / out;
    const int n_max = max_taps(mode, in, out);
    int *pos = malloc(sizeof(*pos) * n_max);
    double *wt = malloc(sizeof(*wt) * n_max), *acc = malloc(sizeof(*acc) * n_max);
    int ret = -1;

    a->in = in;
    a->out = out;
    a->taps = n_max < in ? n_max : in;
    a->first = malloc(sizeof(*a->first) * out);
    a->weight = malloc(sizeof(*a->weight) * (size_t)out * a->taps);
    if (!pos || !wt || !acc || !a->first || !a->weight) {
        resr_resize_axis_free(a);
        goto fail;
    }
    for (int i = 0; i < out; i++) {
        const int n = sample_taps(mode, in, out, scale, i, pos, wt);
        fill_sample(a, i, pos, wt, n, acc);
    }
    ret = 0;
fail:
    free(pos);
    free(wt);
    free(acc);
    return ret;
}

void resr_resize_axis_free(ResrResizeAxis *a)
{
    free(a->first);
    free(a->weight);
    a->first = NULL;
    a->weight = NULL;
}

void resr_resize_rows_h(const ResrResizeAxis *ax, const float *src, float *dst, int y0, int y1)
{
    for (int y = y0; y < y1; y++) {
        const float *s = src + (size_t)y * ax->in;
        float *d = dst + (size_t)y * ax->out;
        for (int x = 0; x < ax->out; x++) {
            const float *w = ax->weight + (size_t)x * ax->taps;
            const float *p = s + ax->first[x];
            float acc = 0.0f;
            for (int t = 0; t < ax->taps; t++)
                acc += w[t] * p[t];
            d[x] = acc;
        }
    }
}

void resr_resize_rows_v(const ResrResizeAxis *ay, const float *src, float *dst, int w,
                        int y0, int y1)
{
    for (int y = y0; y < y1; y++) {
        const float *wt = ay->weight + (size_t)y * ay->taps;
        const float *s = src + (size_t)ay->first[y] * w;
        float *d = dst + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            float acc = 0.0f;
            for (int t = 0; t < ay->taps; t++)
                acc += wt[t] * s[(size_t)t * w + x];
            d[x] = acc;
        }
    }
}
