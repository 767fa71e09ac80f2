/*
 * Resizing as PyTorch's F.interpolate does it without antialiasing (the training code's
 * calls): 'area' (adaptive average pooling), 'bilinear' and 'bicubic' (A = -0.75), both
 * with align_corners=False. Separable: a table of taps per output column and per output
 * row, then one horizontal and one vertical pass.
 */
#ifndef RESR_DEGRADE_RESIZE_H
#define RESR_DEGRADE_RESIZE_H

typedef enum ResrResizeMode {
    RESR_RESIZE_AREA,
    RESR_RESIZE_BILINEAR,
    RESR_RESIZE_BICUBIC,
    RESR_RESIZE_NB
} ResrResizeMode;

const char *resr_resize_name(ResrResizeMode mode);

/* One axis: output i = sum_t weight[i*taps + t] * input[first[i] + t] (taps clamped to the
 * input; area's windows are at most `taps` long). */
typedef struct ResrResizeAxis {
    int in, out, taps;
    int *first;
    float *weight;
} ResrResizeAxis;

/*
 * Plans one axis from in to out samples. scale_factor > 0 is F.interpolate's scale_factor
 * (it, not in/out, maps coordinates for bilinear and bicubic, as in PyTorch); 0 means a
 * size was given (scale in/out). Returns 0, or -1 when out of memory.
 */
int resr_resize_axis_init(ResrResizeAxis *a, ResrResizeMode mode, int in, int out,
                          double scale_factor);
void resr_resize_axis_free(ResrResizeAxis *a);

/* Horizontal pass over rows y0..y1-1: src in_w x h, dst out_w x h. */
void resr_resize_rows_h(const ResrResizeAxis *ax, const float *src, float *dst, int y0, int y1);
/* Vertical pass over output rows y0..y1-1: src w x in_h, dst w x out_h. */
void resr_resize_rows_v(const ResrResizeAxis *ay, const float *src, float *dst, int w,
                        int y0, int y1);

/* F.interpolate's output size for scale_factor: floor(in * factor), here at least 1. */
int resr_resize_scaled_size(int in, double factor);

#endif /* RESR_DEGRADE_RESIZE_H */
