/*
 * Frame <-> planar float RGB tiles on the CPU: loops over core/colour_math.h's per-pixel
 * functions, the same ones the CUDA conversion kernels run.
 */
#ifndef RESR_CPU_CONVERT_H
#define RESR_CPU_CONVERT_H

#include "../core/pixel_format.h"
#include "rgb_tile.h"

/*
 * Reads frame pixels [x0, x0+tile->width) x [y0, y0+tile->height) of a frame_w x frame_h
 * frame into tile as RGB in [0,1] (float frames: as stored, unclamped, except that a NaN
 * sample reads as 0 (chroma: 0.5, neutral), -Inf as 0 and +Inf as 1). Coordinates past
 * the frame are mirrored (reflect, no edge repeat), as the network's pre-padding wants.
 * Chroma is interpolated at the luma position according to chroma_loc.
 */
void resr_frame_to_rgb(const ResrPixelFormat *fmt, const ResrPlanes *frame,
                       int frame_w, int frame_h, int x0, int y0, ResrRgbTile *tile);

/*
 * Writes RGB tile pixels [cx, cx+cw) x [cy, cy+ch) (tile coordinates) to frame pixels
 * starting at (dst_x, dst_y), clamped to the format's range and rounded. Subsampled
 * chroma is filtered from the RGB around each chroma sample whose first luma pixel lies in
 * the rectangle, reading tile pixels up to one outside it where the tile has them (clamping
 * at the tile's edge otherwise), so a tile computed with padding gives seamless chroma.
 * Alpha is not written (see resr_alpha_upscale).
 */
void resr_rgb_to_frame(const ResrPixelFormat *fmt, const ResrRgbTile *tile,
                       int cx, int cy, int cw, int ch,
                       ResrPlanes *frame, int dst_x, int dst_y);

/*
 * Upscales the alpha component of src (w x h) by scale into dst ((w*scale) x (h*scale)),
 * bicubic, clamped; both frames in format fmt (which must have alpha).
 */
void resr_alpha_upscale(const ResrPixelFormat *fmt, const ResrPlanes *src, int w, int h,
                        ResrPlanes *dst, int scale);

#endif /* RESR_CPU_CONVERT_H */
