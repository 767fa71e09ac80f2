/*
 * What each convolution of a model costs on a given input: the size it runs at, its FLOPs
 * (2 x multiply-adds) and the layer kind it belongs to, derived from the loaded model's
 * convolutions, for the benchmarks' per-layer tables and achieved-throughput figures (CPU
 * and GPU alike).
 */
#ifndef RESR_MODELS_FLOPS_H
#define RESR_MODELS_FLOPS_H

#include "model.h"

typedef struct ResrConvCost {
    int width, height;   /* output size of the convolution */
    double flops;        /* 2 * 9 * in_channels * out_channels * width * height */
} ResrConvCost;

/*
 * Convolution i of model on an in_w x in_h network input (for RRDBNet multiples of
 * model->unshuffle: the body runs at in/unshuffle, conv_up1 at twice that, conv_up2,
 * conv_hr and conv_last at four times; SRVGG's convs all run at the input size).
 */
ResrConvCost resr_model_conv_cost(const ResrModel *model, int i, int in_w, int in_h);

/* The sum over every convolution: FLOPs of one in_w x in_h input. */
double resr_model_flops(const ResrModel *model, int in_w, int in_h);

/*
 * The layer kind convolution i is reported under in per-layer tables (convolutions of one
 * kind have one shape): SRVGG "first", "body", "last"; RRDBNet "conv_first",
 * "rdb.conv1" .. "rdb.conv5" (every dense block's), "conv_body", "conv_up1", "conv_up2",
 * "conv_hr", "conv_last". No spaces.
 */
const char *resr_model_conv_kind(const ResrModel *model, int i);

#endif /* RESR_MODELS_FLOPS_H */
