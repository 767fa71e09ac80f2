/*
 * CPU twin of the CUDA conversion kernels: the kernels' per-thread bodies
 * (cuda/convert_math.cuh), run over their whole grid by the emulator, must produce exactly
 * what the CPU engine's conversion loops (cpu/convert.c) produce, bit for bit, for every pixel format the filter
 * describes (the CUDA path's nv12, yuv420p, p010, p016, yuv444p, yuv444p16 and the
 * 32-bit RGB layouts among them): reading with mirroring past every edge and the pixel
 * unshuffle (x1, x2, x4 models), writing a tile's core with clamping, rounding and the
 * chroma tent filter (plain and SRVGG's shuffle + skip layout), and the alpha upscale.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wunused-function"
#include "../../cpu/convert.h"
#include "../engine/engine_test.h"
#include "emulate.h"

static uint32_t rng = 777;

static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void fill_random(TestFrame *f, const ResrPixelFormat *fmt)
{
    for (int p = 0; p < 4; p++) {
        if (!f->planes.data[p])
            continue;
        const int rows = p == 0 || fmt->is_rgb || p == 3 ? f->height : -((-f->height) >> fmt->log2_chroma_h);
        for (ptrdiff_t i = 0; i < f->planes.linesize[p] * rows; i++)
            f->planes.data[p][i] = (uint8_t)next_random();
        if (fmt->type == RESR_SAMPLE_F32)   /* floats: values in [-0.25, 1.25] */
            for (ptrdiff_t i = 0; i + 4 <= f->planes.linesize[p] * rows; i += 4) {
                const float v = -0.25f + 1.5f * (float)(next_random() >> 8) / 16777216.0f;
                memcpy(f->planes.data[p] + i, &v, 4);
            }
    }
}

static uint64_t addr(const void *p) { return (uint64_t)(uintptr_t)p; }

/* frame -> network input, unshuffle u, against resr_frame_to_rgb of the same rectangle */
static int check_input(const TestFormat *tf, int u, int *mismatch)
{
    const ResrPixelFormat *fmt = &tf->fmt;
    const int fw = 13, fh = 9;                 /* odd sizes, chroma rounding up */
    const int x0 = -5, y0 = -3, w = 24, h = 16; /* mirrored on every side */
    const int in_pixel = ((3 * u * u + 15) / 16) * 16;
    TestFrame frame;
    ResrCudaLaunch l;
    int ok = 1;

    if (test_frame_alloc(&frame, fmt, fw, fh) < 0)
        return 0;
    fill_random(&frame, fmt);
    float *tile = malloc(sizeof(float) * 3 * w * h);
    float *net = malloc(sizeof(float) * (w / u) * (h / u) * in_pixel);
    ResrRgbTile t = test_tile(tile, w, h);
    resr_frame_to_rgb(fmt, &frame.planes, fw, fh, x0, y0, &t);

    memset(&l, 0, sizeof(l));
    l.kernel = RESR_KERNEL_FRAME_TO_NET;
    l.block[0] = 32, l.block[1] = 4, l.block[2] = 1;
    l.grid[0] = (w / u + 31) / 32, l.grid[1] = (h / u + 3) / 4, l.grid[2] = 1;
    ResrInputArgs *a = &l.args.input;
    a->fmt = *fmt;
    a->frame = frame.planes;
    a->frame_w = fw, a->frame_h = fh;
    a->x0 = x0, a->y0 = y0, a->w = w, a->h = h;
    a->unshuffle = u;
    a->dst_pixel = in_pixel;
    a->dst = addr(net);
    a->math = RESR_PRECISION_FP32;
    a->value_scale = 1.0f;
    emu_launch(NULL, &l);

    for (int y = 0; y < h && ok; y++)
        for (int x = 0; x < w && ok; x++)
            for (int c = 0; c < 3 && ok; c++) {
                /* pixel_unshuffle: channel c*u*u + (y%u)*u + x%u of pixel (y/u, x/u) */
                const float got = net[((y / u) * (w / u) + x / u) * in_pixel + (c * u + y % u) * u + x % u];
                const float want = tile[(c * h + y) * w + x];
                if (memcmp(&got, &want, 4)) {
                    printf("  %s u=%d: x=%d y=%d c=%d got %.9g want %.9g\n", tf->name, u, x, y, c, got, want);
                    ok = 0;
                }
            }
    for (int p = 0; p < (w / u) * (h / u) && ok; p++)
        for (int c = 3 * u * u; c < in_pixel; c++)
            if (net[p * in_pixel + c] != 0.0f)
                ok = 0;
    *mismatch += !ok;
    free(tile), free(net);
    test_frame_free(&frame);
    return ok;
}

/* network output -> frame, a tile's core written at an offset, against resr_rgb_to_frame */
static int check_output(const TestFormat *tf, int shuffle)
{
    const ResrPixelFormat *fmt = &tf->fmt;
    const int fw = 23, fh = 17;
    const int s = shuffle, tw = 24, th = 16;            /* tile, output resolution */
    const int cx = 3, cy = 2, cw = 17, ch = 11;         /* core inside the tile, odd */
    const int dst_x = 5, dst_y = 5;                     /* odd: chroma starts mid-sample */
    const int net_pixel = 3 * s * s, base_pixel = 16;
    TestFrame want, got;
    ResrCudaLaunch l;
    int plane = -1;
    ptrdiff_t offset = -1;

    if (test_frame_alloc(&want, fmt, fw, fh) < 0 || test_frame_alloc(&got, fmt, fw, fh) < 0)
        return 0;
    float *tile = malloc(sizeof(float) * 3 * tw * th);
    float *net = malloc(sizeof(float) * (tw / s) * (th / s) * net_pixel);
    uint16_t *base = calloc((size_t)(tw / s) * (th / s) * base_pixel, 2);
    for (int i = 0; i < (tw / s) * (th / s) * net_pixel; i++)
        net[i] = -0.1f + 1.2f * (float)(next_random() >> 8) / 16777216.0f;
    for (int i = 0; i < (tw / s) * (th / s) * base_pixel; i++)
        base[i] = resr_float_to_half((float)(next_random() >> 8) / 16777216.0f * 0.25f);

    /* the planar tile the CPU conversion sees: shuffle + skip done the reference way */
    for (int y = 0; y < th; y++)
        for (int x = 0; x < tw; x++)
            for (int c = 0; c < 3; c++) {
                float v;
                if (s == 1) {
                    v = net[(y * tw + x) * net_pixel + c];
                } else {
                    const int p = (y / s) * (tw / s) + x / s;
                    v = net[p * net_pixel + (c * s + y % s) * s + x % s];
                    v = v + resr_half_to_float(base[p * base_pixel + c]);
                }
                tile[(c * th + y) * tw + x] = v;
            }
    ResrRgbTile t = test_tile(tile, tw, th);
    resr_rgb_to_frame(fmt, &t, cx, cy, cw, ch, &want.planes, dst_x, dst_y);

    memset(&l, 0, sizeof(l));
    l.kernel = RESR_KERNEL_NET_TO_FRAME;
    l.block[0] = 32, l.block[1] = 4, l.block[2] = 1;
    l.grid[0] = (cw + 31) / 32, l.grid[1] = (ch + 3) / 4, l.grid[2] = 1;
    ResrOutputArgs *a = &l.args.output;
    a->fmt = *fmt;
    a->frame = got.planes;
    a->net = addr(net);
    a->base = s > 1 ? addr(base) : 0;
    a->net_pixel = net_pixel;
    a->base_pixel = base_pixel;
    a->shuffle = s;
    a->tile_w = tw, a->tile_h = th;
    a->cx = cx, a->cy = cy, a->cw = cw, a->ch = ch;
    a->dst_x = dst_x, a->dst_y = dst_y;
    a->math = RESR_PRECISION_FP16;
    a->value_scale = 1.0f;
    emu_launch(NULL, &l);

    const int ok = test_frames_identical(&want, &got, fmt, &plane, &offset);
    if (!ok)
        printf("  %s shuffle %d: first differing byte: plane %d offset %td\n", tf->name, s, plane, offset);
    free(tile), free(net), free(base);
    test_frame_free(&want), test_frame_free(&got);
    return ok;
}

static int check_alpha(const TestFormat *tf)
{
    const ResrPixelFormat *fmt = &tf->fmt;
    const int w = 7, h = 5, s = 4;
    TestFrame src, want, got;
    ResrCudaLaunch l;
    ResrCudaFrames frames;
    int plane = -1;
    ptrdiff_t offset = -1;

    if (test_frame_alloc(&src, fmt, w, h) < 0 || test_frame_alloc(&want, fmt, w * s, h * s) < 0 ||
        test_frame_alloc(&got, fmt, w * s, h * s) < 0)
        return 0;
    fill_random(&src, fmt);
    resr_alpha_upscale(fmt, &src.planes, w, h, &want.planes, s);
    memset(&frames, 0, sizeof(frames));
    frames.in_fmt = frames.out_fmt = *fmt;
    frames.in = src.planes;
    frames.out = got.planes;
    frames.in_w = w, frames.in_h = h;
    resr_cuda_alpha_launch(&l, &frames, s);
    emu_launch(NULL, &l);
    const int ok = test_frames_identical(&want, &got, fmt, &plane, &offset);
    test_frame_free(&src), test_frame_free(&want), test_frame_free(&got);
    return ok;
}

int main(void)
{
    TestFormat formats[TEST_MAX_FORMATS];
    const int n = test_formats(formats);
    const ResrChromaLocation locs[] = { RESR_CHROMA_LEFT, RESR_CHROMA_CENTER, RESR_CHROMA_TOPLEFT,
                                        RESR_CHROMA_TOP, RESR_CHROMA_BOTTOMLEFT, RESR_CHROMA_BOTTOM };

    for (int i = 0; i < n; i++) {
        char name[96];
        int mismatch = 0;
        TestFormat tf = formats[i];

        /* each subsampled format once per chroma siting, range flipped on the way */
        const int variants = tf.fmt.log2_chroma_w || tf.fmt.log2_chroma_h ? 6 : 1;
        for (int v = 0; v < variants; v++) {
            tf.fmt.chroma_loc = locs[v];
            if (!tf.fmt.is_rgb && !tf.fmt.is_gray && v == 3)
                tf.fmt.full_range = !tf.fmt.full_range;
            for (int u = 1; u <= 4; u *= 2)
                check_input(&tf, u, &mismatch);
        }
        snprintf(name, sizeof(name), "input_twin_%s", tf.name);
        if (mismatch)
            resr_test_fail(name, "kernel input differs from resr_frame_to_rgb");
        else
            resr_test_pass(name);

        int out_ok = 1;
        tf = formats[i];
        for (int v = 0; v < variants; v++) {
            tf.fmt.chroma_loc = locs[v];
            out_ok &= check_output(&tf, 1) && check_output(&tf, 4);
        }
        snprintf(name, sizeof(name), "output_twin_%s", tf.name);
        if (out_ok)
            resr_test_pass(name);
        else
            resr_test_fail(name, "kernel output differs from resr_rgb_to_frame");

        if (tf.fmt.has_alpha) {
            snprintf(name, sizeof(name), "alpha_twin_%s", tf.name);
            if (check_alpha(&tf))
                resr_test_pass(name);
            else
                resr_test_fail(name, "kernel alpha differs from resr_alpha_upscale");
        }
    }
    return resr_test_exit();
}
