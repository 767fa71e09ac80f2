/*
 * The CPU network's side of the benchmark (tests/bench/run_cpu.py drives it, with PyTorch
 * and ffmpeg alongside): resr_network_forward on real frames, with each convolution's time.
 *
 *   bench_cpu MODEL -s WxH [-t THREADS] [--frames FILE] [--portable] [-r RUNS] [--layers]
 *   bench_cpu MODEL -s WxH ... --serve
 *
 * MODEL: a .pth / .safetensors file, or synthetic:srvgg (realesr-animevideov3's shape) /
 * synthetic:rrdb (RealESRGAN_x4plus's shape) with random weights. FILE: rgb24 frames of
 * W x H back to back (else one random frame). After one warm-up frame the standalone mode
 * runs RUNS frames (--layers: then a table of where the time went, per layer kind); --serve
 * instead answers commands from stdin, one per line, so that a driver can interleave our
 * runs with PyTorch's in the same minutes of a noisy machine:
 *
 *   frame K       forward of frame K (mod the count) -> "frame K WALL_MS CPU_MS", then
 *                 "convms MS0 MS1 ..." (each convolution's wall time in that forward)
 *   save K PATH   frame K's output, float32 [3][H*s][W*s], to PATH -> "saved K"
 *   quit
 *
 * Every line is "key value..." for the driver. First lines: "model ..." (architecture,
 * FLOPs of one frame from the loaded model), then one "conv I KIND W H CIN COUT FLOPS" per
 * convolution, then "ready". CPU_MS is the CPU time of all threads of the process. The
 * per-convolution times come from resr_network_profile: in place, inside real forwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../cpu/conv3x3.h"
#include "../../cpu/network.h"
#include "../../cpu/onednn.h"
#include "../../models/flops.h"
#include "../common/synthetic_model.h"

static double clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

typedef struct Timing {
    double wall_ms, cpu_ms;
} Timing;

static Timing timing_start(void)
{
    return (Timing){ clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_PROCESS_CPUTIME_ID) };
}

static Timing timing_since(Timing t0)
{
    return (Timing){ clock_ms(CLOCK_MONOTONIC) - t0.wall_ms, clock_ms(CLOCK_PROCESS_CPUTIME_ID) - t0.cpu_ms };
}

/* ---- frames ----------------------------------------------------------------------------- */

typedef struct Frames {
    float *rgb;      /* [count][3][h][w] in [0, 1] */
    int count;
} Frames;

static int load_frames(Frames *f, const char *path, int w, int h)
{
    const size_t pixels = (size_t)w * h;
    uint8_t *buf = NULL;
    long size = 0;
    FILE *fp = NULL;

    if (!path) {   /* one random frame */
        uint32_t state = 1;
        if (!(f->rgb = malloc(3 * pixels * sizeof(float))))
            return -ENOMEM;
        for (size_t k = 0; k < 3 * pixels; k++)
            f->rgb[k] = resr_synthetic_uniform(&state, 0.0f, 1.0f);
        f->count = 1;
        return 0;
    }
    if (!(fp = fopen(path, "rb")) || fseek(fp, 0, SEEK_END) < 0 || (size = ftell(fp)) <= 0 ||
        fseek(fp, 0, SEEK_SET) < 0)
        goto fail;
    f->count = (int)(size / (long)(3 * pixels));
    if (f->count < 1 || size % (long)(3 * pixels))
        goto fail;
    if (!(buf = malloc(size)) || fread(buf, 1, size, fp) != (size_t)size ||
        !(f->rgb = malloc((size_t)f->count * 3 * pixels * sizeof(float))))
        goto fail;
    for (int n = 0; n < f->count; n++)
        for (size_t p = 0; p < pixels; p++)
            for (int c = 0; c < 3; c++)
                f->rgb[((size_t)n * 3 + c) * pixels + p] = buf[((size_t)n * pixels + p) * 3 + c] / 255.0f;
    free(buf);
    fclose(fp);
    return 0;
fail:
    fprintf(stderr, "bench_cpu: %s: cannot read rgb24 frames of %dx%d\n", path, w, h);
    free(buf);
    if (fp)
        fclose(fp);
    return -EIO;
}

/* ---- main ------------------------------------------------------------------------------- */

typedef struct Bench {
    const ResrModel *model;
    ResrNetwork *net;
    Frames frames;
    double *conv_ms;          /* [num_convs]: the last forward's, per convolution */
    float *out;
    int w, h, threads;
} Bench;

static int run_frame(Bench *b, int k, Timing *t)
{
    const int s = b->model->scale;
    const size_t pixels = (size_t)b->w * b->h;
    const ResrRgbTile in = { b->frames.rgb + (size_t)(k % b->frames.count) * 3 * pixels, b->w, b->h, b->w,
                             (ptrdiff_t)pixels };
    ResrRgbTile out = { b->out, b->w * s, b->h * s, b->w * s, (ptrdiff_t)pixels * s * s };
    memset(b->conv_ms, 0, b->model->num_convs * sizeof(*b->conv_ms));
    const Timing t0 = timing_start();
    const int ret = resr_network_forward(b->net, &in, &out);
    *t = timing_since(t0);
    return ret;
}

/*
 * Per layer kind: the convolutions' times inside the best frame, against that frame: where
 * a frame's time goes.
 */
static void print_layers(const Bench *b, const double *best_conv_ms, double frame_ms)
{
    const ResrModel *m = b->model;
    const char *kinds[16];
    double kind_ms[16] = { 0 }, kind_flops[16] = { 0 }, sum_ms = 0;
    int count[16] = { 0 }, nkinds = 0;

    for (int i = 0; i < m->num_convs; i++) {
        const char *kind = resr_model_conv_kind(m, i);
        int k = 0;
        while (k < nkinds && strcmp(kinds[k], kind))
            k++;
        if (k == nkinds)
            kinds[nkinds++] = kind;
        kind_flops[k] += resr_model_conv_cost(m, i, b->w, b->h).flops;
        kind_ms[k] += best_conv_ms[i];
        sum_ms += best_conv_ms[i];
        count[k]++;
    }
    printf("\nper layer kind: wall time of the convolutions inside the best frame\n");
    printf("  %-12s %5s %9s %10s %10s %7s\n", "layer", "count", "GFLOP", "ms", "GFLOP/s", "share");
    for (int k = 0; k < nkinds; k++)
        printf("  %-12s %5d %9.2f %10.2f %10.1f %6.1f%%\n", kinds[k], count[k], kind_flops[k] * 1e-9,
               kind_ms[k], kind_flops[k] / kind_ms[k] * 1e-6, 100 * kind_ms[k] / frame_ms);
    printf("  %-12s %5s %9s %10.2f %10s %6.1f%%\n", "all convs", "", "", sum_ms, "", 100 * sum_ms / frame_ms);
    printf("  %-12s %5s %9s %10.2f %10s %6.1f%%  (conversions, halos, copies)\n",
           "rest", "", "", frame_ms - sum_ms, "", 100 * (frame_ms - sum_ms) / frame_ms);
}

static int serve(Bench *b)
{
    char line[1200], path[1024];
    int k, ret;

    while (fgets(line, sizeof(line), stdin)) {
        Timing t;
        if (sscanf(line, "frame %d", &k) == 1) {
            if ((ret = run_frame(b, k, &t)) < 0)
                return ret;
            printf("frame %d %.3f %.3f\nconvms", k, t.wall_ms, t.cpu_ms);
            for (int i = 0; i < b->model->num_convs; i++)
                printf(" %.4f", b->conv_ms[i]);
            printf("\n");
        } else if (sscanf(line, "save %d %1023s", &k, path) == 2) {
            const size_t n = (size_t)3 * b->w * b->h * b->model->scale * b->model->scale;
            FILE *fp;
            if ((ret = run_frame(b, k, &t)) < 0)
                return ret;
            if (!(fp = fopen(path, "wb")) || fwrite(b->out, sizeof(float), n, fp) != n) {
                if (fp)
                    fclose(fp);
                return -EIO;
            }
            fclose(fp);
            printf("saved %d\n", k);
        } else if (!strncmp(line, "quit", 4)) {
            break;
        } else {
            printf("error unknown command: %s", line);
        }
        fflush(stdout);
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s MODEL|synthetic:srvgg|synthetic:rrdb -s WxH [-t threads] [--frames FILE]\n"
                    "       [--portable] [-r runs] [--layers] [--serve]\n", argv0);
    return 2;
}

int main(int argc, char **argv)
{
    const char *model_arg = NULL, *frames_path = NULL;
    int runs = 3, layers = 0, serving = 0, ret = 0;
    Bench b = { .threads = 2 };
    ResrModel *model = NULL;
    int synthetic = 0;
    char err[512];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-s") && i + 1 < argc && sscanf(argv[i + 1], "%dx%d", &b.w, &b.h) == 2)
            i++;
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            b.threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
            frames_path = argv[++i];
        else if (!strcmp(argv[i], "--portable"))
            resr_conv3x3_force_portable(1);
        else if (!strcmp(argv[i], "--layers"))
            layers = 1;
        else if (!strcmp(argv[i], "--serve"))
            serving = 1;
        else if (argv[i][0] != '-' && !model_arg)
            model_arg = argv[i];
        else
            return usage(argv[0]);
    }
    if (!model_arg || b.w < 1 || b.h < 1 || b.threads < 1 || runs < 1)
        return usage(argv[0]);

    if (!strncmp(model_arg, "synthetic:", 10)) {
        const int rrdb = !strcmp(model_arg + 10, "rrdb");
        const ResrSyntheticShape shape = rrdb ?
            (ResrSyntheticShape){ .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 64, .num_grow_ch = 32, .num_block = 23 } :
            (ResrSyntheticShape){ .arch = RESR_ARCH_SRVGG, .scale = 4, .num_feat = 64, .num_conv = 16 };
        if (!rrdb && strcmp(model_arg + 10, "srvgg"))
            return usage(argv[0]);
        ret = resr_synthetic_model_create(&model, &shape, 1);
        synthetic = 1;
        snprintf(err, sizeof(err), "cannot create the synthetic model");
    } else {
        ret = resr_model_load(&model, model_arg, err, sizeof(err));
    }
    if (ret < 0) {
        fprintf(stderr, "bench_cpu: %s\n", err);
        return 1;
    }
    b.model = model;
    if ((ret = resr_network_create(&b.net, model, b.threads)) < 0 || (ret = resr_network_plan(b.net, b.w, b.h)) < 0 ||
        (ret = load_frames(&b.frames, frames_path, b.w, b.h)) < 0 ||
        !(b.out = malloc((size_t)3 * b.w * b.h * model->scale * model->scale * sizeof(float))) ||
        !(b.conv_ms = calloc(model->num_convs, sizeof(double)))) {
        fprintf(stderr, "bench_cpu: setup failed (%d): sizes must be multiples of the unshuffle factor\n", ret);
        ret = 1;
        goto end;
    }

    printf("model arch=%s scale=%d convs=%d input=%dx%d flops=%.0f impl=%s threads=%d frames=%d "
           "backend=%s isa=%s\n",
           resr_arch_name(model->arch), model->scale, model->num_convs, b.w, b.h,
           resr_model_flops(model, b.w, b.h), resr_conv3x3_impl_name(), b.threads, b.frames.count,
           /* RESR_CPU_BACKEND=native|onednn in the environment picks it (cpu/network.c) */
           resr_network_backend(b.net) == RESR_CPU_BACKEND_ONEDNN ? "onednn" : "native",
           resr_network_backend(b.net) == RESR_CPU_BACKEND_ONEDNN ? resr_onednn_isa_name() : resr_conv3x3_impl_name());
    for (int i = 0; i < model->num_convs; i++) {
        const ResrConvCost c = resr_model_conv_cost(model, i, b.w, b.h);
        printf("conv %d %s %d %d %d %d %.0f\n", i, resr_model_conv_kind(model, i), c.width, c.height,
               model->convs[i].in_channels, model->convs[i].out_channels, c.flops);
    }
    resr_network_profile(b.net, b.conv_ms);
    Timing t;
    if ((ret = run_frame(&b, 0, &t)) < 0)   /* warm-up: pages, caches */
        goto end;
    printf("ready\n");
    fflush(stdout);

    if (serving) {
        ret = serve(&b);
    } else {
        double *ms = malloc(runs * sizeof(double)), *best = malloc(model->num_convs * sizeof(double));
        const double flops = resr_model_flops(model, b.w, b.h);
        if (!ms || !best) {
            free(ms), free(best);
            ret = -ENOMEM;
            goto end;
        }
        double best_ms = 1e30;
        for (int r = 0; r < runs && ret >= 0; r++)
            if ((ret = run_frame(&b, r, &t)) >= 0) {
                printf("frame %d %.3f %.3f\n", r, t.wall_ms, t.cpu_ms);
                ms[r] = t.wall_ms;
                if (t.wall_ms < best_ms) {
                    best_ms = t.wall_ms;
                    memcpy(best, b.conv_ms, model->num_convs * sizeof(*best));
                }
            }
        if (ret >= 0) {
            qsort(ms, runs, sizeof(double), cmp_double);
            printf("\n%s x%d %dx%d, %d threads, %s: median %.1f ms (%.2f frames/s), best %.1f ms, "
                   "%.1f GFLOP/s (%.2f GFLOP per frame)\n", resr_arch_name(model->arch), model->scale, b.w, b.h,
                   b.threads, resr_conv3x3_impl_name(), ms[runs / 2], 1e3 / ms[runs / 2], ms[0],
                   flops / ms[0] * 1e-6, flops * 1e-9);
            if (layers)
                print_layers(&b, best, ms[0]);
        }
        free(ms), free(best);
    }
    if (ret < 0)
        fprintf(stderr, "bench_cpu: failed: %d\n", ret);

end:
    resr_network_free(&b.net);
    free(b.conv_ms);
    free(b.frames.rgb);
    free(b.out);
    if (synthetic)
        resr_synthetic_model_free(&model);
    else
        resr_model_free(&model);
    return ret < 0 ? 1 : ret;
}
