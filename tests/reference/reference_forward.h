/*
 * The oracle: plain fp32, one function per layer, exactly the official forward pass
 * (reflect pre-padding to a multiple of the unshuffle factor, then crop). The CPU network
 * and the CUDA kernels are tested against it; it is itself tested against PyTorch's
 * outputs (tests/engine/test_reference.c). Test code only: never linked into the filter.
 */
#ifndef RESR_TESTS_REFERENCE_FORWARD_H
#define RESR_TESTS_REFERENCE_FORWARD_H

#include "../../models/model.h"

/*
 * in:  [3][h][w] RGB, any w, h >= 1
 * out: [3][h*scale][w*scale]
 * Returns 0 or a negative errno value (-EINVAL, -ENOMEM).
 */
int resr_reference_forward(const ResrModel *model, const float *in, int w, int h, float *out);

#endif /* RESR_TESTS_REFERENCE_FORWARD_H */
