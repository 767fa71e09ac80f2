/*
 * The blur kernels and filter2D (kernels.h), after BasicSR's degradations.py. Kernels are
 * computed in double and stored as float, normalised to sum 1 as BasicSR does.
 */
#include <math.h>

#include "core/colour_math.h"

#include "kernels.h"

static const char *const blur_names[RESR_BLUR_NB] = {
    "none", "iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso",
    "plateau_aniso", "sinc",
};

const char *resr_blur_name(ResrBlurType type)
{
    return (unsigned)type < RESR_BLUR_NB ? blur_names[type] : "?";
}

static int is_aniso(ResrBlurType t)
{
    return t == RESR_BLUR_ANISO || t == RESR_BLUR_GENERALIZED_ANISO || t == RESR_BLUR_PLATEAU_ANISO;
}

static int has_beta(ResrBlurType t)
{
    return t >= RESR_BLUR_GENERALIZED_ISO && t <= RESR_BLUR_PLATEAU_ANISO;
}

const char *resr_blur_check(const ResrBlur *b)
{
    if ((unsigned)b->type >= RESR_BLUR_NB)
        return "unknown blur type";
    if (b->type == RESR_BLUR_NONE)
        return NULL;
    if (b->size < 1 || b->size > RESR_KERNEL_MAX_SIZE || !(b->size & 1))
        return "blur_size must be odd, from 1 to 63";
    if (b->pad_to && (b->pad_to < b->size || b->pad_to > RESR_KERNEL_MAX_SIZE || !(b->pad_to & 1)))
        return "kernel padding must be odd, at least blur_size, at most 63";
    if (b->type == RESR_BLUR_SINC)
        return b->cutoff > 0.0 && b->cutoff <= M_PI ? NULL : "cutoff must be in (0, pi]";
    if (!(b->sigma_x > 0.0) || (is_aniso(b->type) && !(b->sigma_y > 0.0)))
        return "sigma_x and sigma_y must be > 0";
    if (!isfinite(b->theta))
        return "theta must be finite";
    if (has_beta(b->type) && !(b->beta > 0.0))
        return "beta must be > 0";
    return NULL;
}

int resr_blur_side(const ResrBlur *b)
{
    return b->pad_to > b->size ? b->pad_to : b->size;
}

/*
 * The inverse covariance [[a, c], [c, d]] of sigma_matrix2: U diag(sx^2, sy^2) U^T with
 * U the rotation by theta; isotropic kinds use diag(sx^2, sx^2) (no rotation).
 */
static void inverse_covariance(const ResrBlur *b, double *a, double *c, double *d)
{
    const double sx = b->sigma_x, sy = is_aniso(b->type) ? b->sigma_y : b->sigma_x;
    const double th = is_aniso(b->type) ? b->theta : 0.0;
    const double co = cos(th), si = sin(th);
    const double m00 = co * co * sx * sx + si * si * sy * sy;
    const double m01 = co * si * (sx * sx - sy * sy);
    const double m11 = si * si * sx * sx + co * co * sy * sy;
    const double det = m00 * m11 - m01 * m01;
    *a = m11 / det;
    *c = -m01 / det;
    *d = m00 / det;
}

/* Unnormalised value at offset (x, y) from the centre (x along a row, y down the rows,
 * as BasicSR's mesh_grid). */
static double kernel_value(const ResrBlur *b, double a, double c, double d, double x, double y)
{
    if (b->type == RESR_BLUR_SINC) {
        const double r = sqrt(x * x + y * y);
        if (r == 0.0)
            return b->cutoff * b->cutoff / (4.0 * M_PI);
        return b->cutoff * j1(b->cutoff * r) / (2.0 * M_PI * r);
    }
    const double q = a * x * x + 2.0 * c * x * y + d * y * y;
    switch (b->type) {
    case RESR_BLUR_ISO:
    case RESR_BLUR_ANISO:
        return exp(-0.5 * q);
    case RESR_BLUR_GENERALIZED_ISO:
    case RESR_BLUR_GENERALIZED_ANISO:
        return exp(-0.5 * pow(q, b->beta));
    default:
        return 1.0 / (pow(q, b->beta) + 1.0);
    }
}

int resr_blur_kernel(const ResrBlur *b, float *k)
{
    const int side = resr_blur_side(b), n = b->size, pad = (side - n) / 2, r = n / 2;
    double tmp[RESR_KERNEL_MAX_SIZE * RESR_KERNEL_MAX_SIZE];
    double a = 0.0, c = 0.0, d = 0.0, sum = 0.0;

    if (b->type != RESR_BLUR_SINC)
        inverse_covariance(b, &a, &c, &d);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            tmp[i * n + j] = kernel_value(b, a, c, d, j - r, i - r);
            sum += tmp[i * n + j];
        }
    for (int i = 0; i < side * side; i++)
        k[i] = 0.0f;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            k[(i + pad) * side + j + pad] = (float)(tmp[i * n + j] / sum);
    return side;
}

void resr_filter2d_rows(const float *src, float *dst, int w, int h, const float *k, int side,
                        int y0, int y1)
{
    const int r = side / 2;
    int xs[RESR_KERNEL_MAX_SIZE];

    for (int y = y0; y < y1; y++) {
        for (int x = 0; x < w; x++) {
            float acc = 0.0f;
            for (int j = 0; j < side; j++)
                xs[j] = resr_reflect_index(x + j - r, w);
            for (int i = 0; i < side; i++) {
                const float *row = src + (size_t)resr_reflect_index(y + i - r, h) * w;
                const float *kr = k + i * side;
                for (int j = 0; j < side; j++)
                    acc += kr[j] * row[xs[j]];
            }
            dst[(size_t)y * w + x] = acc;
        }
    }
}
