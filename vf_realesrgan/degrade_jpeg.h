/*
 * The degradation's JPEG stage: real JPEG through libavcodec's mjpeg encoder and decoder,
 * 4:2:0, BT.601 full range, with the IJG quality tables (degrade/jpeg_tables.h).
 */
#ifndef RESR_GLUE_DEGRADE_JPEG_H
#define RESR_GLUE_DEGRADE_JPEG_H

/*
 * Compresses the w x h planar RGB image rgb (3 planes of w*h floats one after the other, clamped and
 * rounded to 8 bits on the way in, as the training code clamps before its JPEG) at quality
 * 1..100 and replaces it with the decoded image. log_ctx: for av_log. Returns 0 or an
 * AVERROR.
 */
int ff_realesrgan_degrade_jpeg(void *log_ctx, float *rgb, int w, int h, int quality);

#endif /* RESR_GLUE_DEGRADE_JPEG_H */
