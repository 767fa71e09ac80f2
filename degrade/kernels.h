/*
 * Blur kernels of Real-ESRGAN's degradation model, as BasicSR's basicsr/data/degradations.py
 * defines them (bivariate_Gaussian, bivariate_generalized_Gaussian, bivariate_plateau,
 * circular_lowpass_kernel), and filter2D (basicsr/utils/img_process_util.py): reflect
 * padding by size/2, then cross-correlation.
 */
#ifndef RESR_DEGRADE_KERNELS_H
#define RESR_DEGRADE_KERNELS_H

/* the largest blur_size (odd); the training pipeline uses 7..21 */
#define RESR_KERNEL_MAX_SIZE 63

typedef enum ResrBlurType {
    RESR_BLUR_NONE,
    RESR_BLUR_ISO,                /* Gaussian, sigma_x in both directions */
    RESR_BLUR_ANISO,              /* Gaussian, sigma_x, sigma_y, rotated by theta */
    RESR_BLUR_GENERALIZED_ISO,    /* exp(-0.5 q^beta) */
    RESR_BLUR_GENERALIZED_ANISO,
    RESR_BLUR_PLATEAU_ISO,        /* 1 / (q^beta + 1) */
    RESR_BLUR_PLATEAU_ANISO,
    RESR_BLUR_SINC,               /* circular low-pass: cutoff J1(cutoff r) / (2 pi r) */
    RESR_BLUR_NB
} ResrBlurType;

typedef struct ResrBlur {
    ResrBlurType type;
    int size;                     /* odd, 1..RESR_KERNEL_MAX_SIZE */
    double sigma_x, sigma_y;      /* > 0 (Gaussian families) */
    double theta;                 /* radians, anisotropic kinds */
    double beta;                  /* > 0, generalized and plateau */
    double cutoff;                /* radians per pixel, sinc */
    int pad_to;                   /* sinc: zero-padded to this odd size (0: none) */
} ResrBlur;

/* "iso", "aniso", ...: the option names, in ResrBlurType order */
const char *resr_blur_name(ResrBlurType type);

/* NULL when the parameters make a kernel, else why not (for the glue's message). */
const char *resr_blur_check(const ResrBlur *b);

/* The normalised kernel, row-major, side resr_blur_side(b) (size, or pad_to when larger);
 * k holds RESR_KERNEL_MAX_SIZE^2 floats. Returns the side. Call resr_blur_check first. */
int resr_blur_side(const ResrBlur *b);
int resr_blur_kernel(const ResrBlur *b, float *k);

/*
 * filter2D on one channel: dst[y][x] = sum_ij k[i][j] src[refl(y+i-r)][refl(x+j-r)],
 * r = side/2, for rows y0 <= y < y1 (w x h planes, rows of w floats). Reflection repeats
 * as needed, so any kernel fits any image (PyTorch's reflect pad refuses pads >= size).
 */
void resr_filter2d_rows(const float *src, float *dst, int w, int h, const float *k, int side,
                        int y0, int y1);

#endif /* RESR_DEGRADE_KERNELS_H */
