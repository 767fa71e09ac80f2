/*
 * Splitting a frame into overlapping tiles, shared by the CPU and CUDA engines.
 *
 * The network sees the frame reflect-padded on the right and bottom by pre_pad pixels and
 * then to a multiple of the unshuffle factor (the official pre_pad and mod padding). Each tile is a core rectangle of that padded
 * frame plus up to tile_pad pixels of context on every side (less at the frame's edge, where
 * the network's own zero padding applies, as the official tiled inference does). Only the
 * core's output is kept, cropped to the real frame.
 */
#ifndef RESR_CORE_TILE_PLAN_H
#define RESR_CORE_TILE_PLAN_H

struct ResrModel;

/* The largest pre_pad (the official scripts use 0 and 10). */
#define RESR_MAX_PRE_PAD 1024

typedef struct ResrRect { int x, y, w, h; } ResrRect;

typedef struct ResrTile {
    ResrRect input;   /* what the network reads, padded-frame coordinates */
    ResrRect core;    /* what this tile is responsible for, padded-frame coordinates, inside input */
    ResrRect output;  /* core * scale, cropped to the real output frame */
} ResrTile;

typedef struct ResrTilePlan {
    int padded_w, padded_h;  /* the frame plus pre_pad, rounded up to the unshuffle factor */
    int max_input_w, max_input_h;
    int count;
    ResrTile *tiles;
} ResrTilePlan;

/*
 * tile <= 0 or >= the frame: one tile covering the frame. Tile edges and pads are rounded
 * to the unshuffle factor. Returns 0 or -ENOMEM / -EINVAL.
 */
int resr_tile_plan_make(ResrTilePlan *plan, int width, int height, int scale,
                        int unshuffle, int tile, int tile_pad, int pre_pad);
void resr_tile_plan_free(ResrTilePlan *plan);

/*
 * The automatic tile_pad for a model, in input pixels. SRVGGNetCompact: its receptive
 * radius + 1, so tiles compute exactly what the whole frame computes, in every output
 * format (subsampled chroma is filtered from one pixel past the core). RRDBNet: its receptive
 * radius (hundreds of pixels) would multiply the work; a pad measured to keep tiled vs
 * untiled output above 45 dB PSNR on real images instead (see tile_plan.c).
 */
int resr_tile_pad_auto(const struct ResrModel *model);

#endif /* RESR_CORE_TILE_PLAN_H */
