/*
 * Real-ESRGAN's high-order degradation as a list of stages drawn per frame: the
 * parameters of train_realesrgan_x4plus.yml / x2plus.yml (presets) and the order of
 * realesrgan/models/realesrgan_model.py's feed_data, or the single stages the options set.
 * The glue runs the stages (blur, resize and noise through this floor, JPEG through
 * libavcodec); nothing here knows FFmpeg.
 */
#ifndef RESR_DEGRADE_PIPELINE_H
#define RESR_DEGRADE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "noise.h"
#include "resize.h"

typedef enum ResrDegradePreset {
    RESR_PRESET_NONE,     /* only the stages the options set */
    RESR_PRESET_X4PLUS,   /* train_realesrgan_x4plus.yml */
    RESR_PRESET_X2PLUS,   /* train_realesrgan_x2plus.yml (the same degradation, scale 2) */
    RESR_PRESET_NB
} ResrDegradePreset;

/* What the user asked for. -1 (or a negative double where noted) leaves it to the preset. */
typedef struct ResrDegradeOptions {
    int preset;            /* ResrDegradePreset */
    int scale;             /* 1, 2, 4: output is input / scale */
    int blur;              /* -1, or ResrBlurType (RESR_BLUR_NONE: no blur stages) */
    int blur_size;
    double sigma_x, sigma_y, theta, beta, cutoff;
    double resize;         /* 0: preset (none without one), else the factor */
    int resize_mode;       /* -1, or ResrResizeMode */
    int noise;             /* -1, or ResrNoiseType */
    double noise_sigma, poisson_scale;
    int gray_noise;        /* -1, 0, 1 */
    int jpeg;              /* -1: preset; 0: no JPEG; 1..100: quality */
} ResrDegradeOptions;

typedef enum ResrStageKind {
    RESR_STAGE_BLUR,
    RESR_STAGE_RESIZE,
    RESR_STAGE_NOISE,
    RESR_STAGE_JPEG,
} ResrStageKind;

typedef struct ResrStage {
    ResrStageKind kind;
    ResrBlur blur;
    ResrResizeMode mode;          /* resize: to out_w x out_h */
    int out_w, out_h;
    double scale_factor;          /* > 0: F.interpolate's scale_factor; 0: size given */
    ResrNoise noise;
    int quality;                  /* JPEG, 1..100 */
} ResrStage;

#define RESR_DEGRADE_MAX_STAGES 12

typedef struct ResrDegradePlan {
    int nb_stages;
    ResrStage stage[RESR_DEGRADE_MAX_STAGES];
    int out_w, out_h;
} ResrDegradePlan;

const char *resr_preset_name(ResrDegradePreset preset);

/* NULL when the options are usable, else the problem, naming the option. */
const char *resr_degrade_check(const ResrDegradeOptions *o);

/* NULL when a w x h input can be degraded, else why not. */
const char *resr_degrade_check_size(const ResrDegradeOptions *o, int w, int h);

/* The stages for frame frame_index of a w x h input, drawn from (seed, frame_index). */
void resr_degrade_draw(ResrDegradePlan *p, const ResrDegradeOptions *o, uint64_t seed,
                       int64_t frame_index, int w, int h);

/* One line describing the stages and every drawn parameter (for -v verbose). */
void resr_degrade_describe(const ResrDegradePlan *p, char *buf, size_t size);

#endif /* RESR_DEGRADE_PIPELINE_H */
