/*
 * The CPU network executors.
 *
 * resr_reference_forward is the oracle: plain fp32, one function per layer, exactly the
 * official forward pass (reflect pre-padding to a multiple of the unshuffle factor, then
 * crop). Everything else, the fast CPU path and the CUDA kernels included, is tested
 * against it.
 *
 * ResrNetwork is the fast path the filter uses: channels-last, vectorised, multithreaded,
 * buffers planned once for the largest tile.
 */
#ifndef RESR_VF_NETWORK_H
#define RESR_VF_NETWORK_H

#include "../models/model.h"
#include "colour.h"

/*
 * in:  [3][h][w] RGB, any w, h >= 1
 * out: [3][h*scale][w*scale]
 * Returns 0 or a negative errno value (-ENOMEM).
 */
int resr_reference_forward(const ResrModel *model, const float *in, int w, int h, float *out);

typedef struct ResrNetwork ResrNetwork;

/* threads: worker count, 0 = one per online CPU. */
int resr_network_create(ResrNetwork **out, const ResrModel *model, int threads);

/* Sizes the arena for input tiles up to max_w x max_h; re-plans only when they grow. */
int resr_network_plan(ResrNetwork *net, int max_w, int max_h);

/* Bytes resr_network_plan allocates for input tiles up to max_w x max_h (weights aside). */
size_t resr_network_arena_bytes(const ResrModel *model, int max_w, int max_h);

/*
 * Runs the network on one tile. in->width and in->height must be multiples of
 * model->unshuffle and within the plan; out must be (in->width*scale) x (in->height*scale).
 * The tile's border is the network's border: convolutions zero-pad there.
 */
int resr_network_forward(ResrNetwork *net, const ResrRgbTile *in, ResrRgbTile *out);

/*
 * Benchmarks: with conv_ms set ([model->num_convs]), every later forward adds each
 * convolution's wall time in milliseconds to conv_ms[i] (i in model->convs order; the
 * strips of RRDBNet's 4x tail add up). NULL turns it off. Costs two clock reads per conv.
 */
void resr_network_profile(ResrNetwork *net, double *conv_ms);

void resr_network_free(ResrNetwork **net);

#endif /* RESR_VF_NETWORK_H */
