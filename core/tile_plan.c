/*
 * Tiles as the official RealESRGANer.tile_process cuts them: cores of tile x tile pixels
 * from the top-left of the padded frame (the last row/column of cores is narrower), each
 * read with tile_pad pixels of context clamped to the padded frame.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../models/model.h"
#include "tile_plan.h"

/*
 * RRDBNet's automatic pad in body pixels (input pixels / unshuffle). Its receptive radius
 * (349 input pixels for x4plus) is no practical pad, but an output pixel depends on far
 * context only faintly. Tiled (tile 32: seams every 32 pixels, the worst case) vs untiled
 * PSNR in dB, float output, official weights, 96x96 crops of three test photos:
 *
 *   pad                     10     16     24     32     36     40     48
 *   RealESRGAN_x4plus     27-41  31-46  35-49  44-56  46-49  48-61  56-64
 *   x4plus_anime_6B       32-42  38-47  41-56  56-69         69-80  86-95
 *
 * 40 keeps the worst case above 45 dB (the official default 10 leaves visible seams).
 */
#define RESR_RRDB_AUTO_PAD 40

static int round_up(int v, int multiple)
{
    return (v + multiple - 1) / multiple * multiple;
}

static int min_int(int a, int b) { return a < b ? a : b; }
static int max_int(int a, int b) { return a > b ? a : b; }

/* Core [start, start+size) grown by pad on both sides, clamped to [0, limit). */
static void expand(int start, int size, int pad, int limit, int *out_start, int *out_size)
{
    const int begin = max_int(start - pad, 0);
    const int end   = min_int(start + size + pad, limit);
    *out_start = begin;
    *out_size  = end - begin;
}

int resr_tile_plan_make(ResrTilePlan *plan, int width, int height, int scale,
                        int unshuffle, int tile, int tile_pad, int pre_pad)
{
    memset(plan, 0, sizeof(*plan));
    if (width < 1 || height < 1 || scale < 1 || unshuffle < 1 || tile_pad < 0 || pre_pad < 0 ||
        pre_pad > RESR_MAX_PRE_PAD || width > INT_MAX / 8 / scale - RESR_MAX_PRE_PAD ||
        height > INT_MAX / 8 / scale - RESR_MAX_PRE_PAD)
        return -EINVAL;

    const int padded_w = round_up(width + pre_pad, unshuffle);
    const int padded_h = round_up(height + pre_pad, unshuffle);
    const int pad = round_up(tile_pad, unshuffle);
    const int tile_w = tile <= 0 ? padded_w : min_int(round_up(tile, unshuffle), padded_w);
    const int tile_h = tile <= 0 ? padded_h : min_int(round_up(tile, unshuffle), padded_h);
    const int tiles_x = (padded_w + tile_w - 1) / tile_w;
    const int tiles_y = (padded_h + tile_h - 1) / tile_h;

    plan->tiles = calloc((size_t)tiles_x * tiles_y, sizeof(*plan->tiles));
    if (!plan->tiles)
        return -ENOMEM;
    plan->padded_w = padded_w;
    plan->padded_h = padded_h;
    plan->count    = tiles_x * tiles_y;

    for (int ty = 0; ty < tiles_y; ty++) {
        for (int tx = 0; tx < tiles_x; tx++) {
            ResrTile *t = &plan->tiles[ty * tiles_x + tx];

            t->core.x = tx * tile_w;
            t->core.y = ty * tile_h;
            t->core.w = min_int(tile_w, padded_w - t->core.x);
            t->core.h = min_int(tile_h, padded_h - t->core.y);
            expand(t->core.x, t->core.w, pad, padded_w, &t->input.x, &t->input.w);
            expand(t->core.y, t->core.h, pad, padded_h, &t->input.y, &t->input.h);

            /* the padded columns/rows exist only for the network: crop them */
            t->output.x = t->core.x * scale;
            t->output.y = t->core.y * scale;
            t->output.w = min_int(t->core.w * scale, width  * scale - t->output.x);
            t->output.h = min_int(t->core.h * scale, height * scale - t->output.y);

            plan->max_input_w = max_int(plan->max_input_w, t->input.w);
            plan->max_input_h = max_int(plan->max_input_h, t->input.h);
        }
    }
    return 0;
}

void resr_tile_plan_free(ResrTilePlan *plan)
{
    free(plan->tiles);
    memset(plan, 0, sizeof(*plan));
}

int resr_tile_pad_auto(const ResrModel *m)
{
    /* the network's receptive radius, and one more input pixel for the output conversion:
     * 4:2:0 and 4:2:2 chroma is filtered from one output pixel past the core */
    const int exact = m->receptive_radius + 1;

    if (m->arch != RESR_ARCH_RRDBNET)
        return exact;
    /* the body runs at 1/unshuffle of the input: the same context there takes u times more
     * input pixels */
    return min_int(RESR_RRDB_AUTO_PAD * resr_model_unshuffle(m), exact);
}
