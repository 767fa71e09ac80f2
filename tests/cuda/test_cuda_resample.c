/*
 * CPU twin of the CUDA resample kernel (outscale): the launches the CUDA engine makes
 * (resr_resample_launches, cuda/resample_launch.c), replayed over their whole grid with
 * the kernel's per-thread body (cuda/resample_math.cuh) and its bounds check, must
 * produce exactly the bytes the CPU engine's two-pass resize (cpu/resample.c) produces,
 * for every pixel format the
 * filter describes (the CUDA path's nv12, yuv420p, p010, p016, yuv444p, yuv444p16 and the
 * 32-bit RGB layouts among them), shrinking and growing, every chroma siting, and leave
 * every byte outside the frame alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wunused-function"
#include "../../cuda/cuda_plan.h"
#include "../../cuda/resample_math.cuh"
#include "../engine/engine_test.h"

static unsigned rng = 4242;

/* The grid as the engine launches it, each thread checking bounds as the kernel does. */
static int emulate(const ResrResamplePlan *plan, const ResrPlanes *src, ResrPlanes *dst)
{
    ResrResampleArgs args[4];
    const int n = resr_resample_launches(args, plan, (uint64_t)(uintptr_t)plan->tables);

    for (int i = 0; i < n; i++) {
        ResrResampleArgs a = args[i];
        const int gx = (a.dst_w + RESR_RESAMPLE_BLOCK_W - 1) / RESR_RESAMPLE_BLOCK_W;
        const int gy = (a.dst_h + RESR_RESAMPLE_BLOCK_H - 1) / RESR_RESAMPLE_BLOCK_H;
        a.src = *src;
        a.dst = *dst;
        for (int y = 0; y < gy * RESR_RESAMPLE_BLOCK_H; y++)
            for (int x = 0; x < gx * RESR_RESAMPLE_BLOCK_W; x++)
                if (x < a.dst_w && y < a.dst_h)
                    resr_resample_thread(&a, x, y);
    }
    return n;
}

static const struct { int sw, sh, dw, dh; } sizes[] = {
    { 64, 48, 32, 24 }, { 64, 48, 56, 42 }, { 37, 29, 18, 14 }, { 20, 14, 47, 33 }, { 9, 7, 3, 2 },
};

int main(void)
{
    static const ResrChromaLocation locs[] = { RESR_CHROMA_LEFT, RESR_CHROMA_CENTER, RESR_CHROMA_TOPLEFT,
                                               RESR_CHROMA_TOP, RESR_CHROMA_BOTTOMLEFT, RESR_CHROMA_BOTTOM };
    TestFormat formats[TEST_MAX_FORMATS];
    const int nformats = test_formats(formats);

    for (int f = 0; f < nformats; f++) {
        ResrPixelFormat fmt = formats[f].fmt;
        const int subsampled = !fmt.is_rgb && !fmt.is_gray && (fmt.log2_chroma_w || fmt.log2_chroma_h);
        char name[96];
        int ok = 1, launches = 0, expected = (fmt.is_gray ? 1 : 3) + fmt.has_alpha;

        snprintf(name, sizeof(name), "twin_%s", formats[f].name);
        for (int l = 0; l < (subsampled ? 6 : 1) && ok; l++)
            for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && ok; s++) {
                ResrResamplePlan plan = { 0 };
                TestFrame src, cpu, gpu;
                int plane = 0;
                ptrdiff_t offset = 0;

                fmt.chroma_loc = locs[l];
                if (test_frame_alloc(&src, &fmt, sizes[s].sw, sizes[s].sh) < 0 ||
                    test_frame_alloc(&cpu, &fmt, sizes[s].dw, sizes[s].dh) < 0 ||
                    test_frame_alloc(&gpu, &fmt, sizes[s].dw, sizes[s].dh) < 0 ||
                    resr_resample_plan(&plan, &fmt, sizes[s].sw, sizes[s].sh, sizes[s].dw, sizes[s].dh) < 0) {
                    resr_test_fail(name, "setup failed");
                    return resr_test_exit();
                }
                test_fill_random(&src, &fmt, &rng);
                const int run = test_resample(&plan, &src.planes, &cpu.planes);
                launches = emulate(&plan, &src.planes, &gpu.planes);
                if (run < 0) {
                    resr_test_fail(name, "CPU resize: %d", run);
                    ok = 0;
                } else if (launches != expected) {
                    resr_test_fail(name, "%d launches, want one per component (%d)", launches, expected);
                    ok = 0;
                } else if (!test_frames_identical(&cpu, &gpu, &fmt, &plane, &offset)) {
                    resr_test_fail(name, "siting %d, %dx%d -> %dx%d: plane %d byte %td differs (cpu %d, kernel %d)",
                              (int)locs[l], sizes[s].sw, sizes[s].sh, sizes[s].dw, sizes[s].dh, plane, offset,
                              cpu.planes.data[plane][offset], gpu.planes.data[plane][offset]);
                    ok = 0;
                }
                resr_resample_free(&plan);
                test_frame_free(&src);
                test_frame_free(&cpu);
                test_frame_free(&gpu);
            }
        if (ok)
            resr_test_pass(name);
    }
    return resr_test_exit();
}
