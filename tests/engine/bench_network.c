/*
 * Speed of the fast CPU network on Real-ESRGAN-shaped synthetic models (weights do not
 * change the work): ms per frame and GFLOP/s for the whole network, then per layer kind
 * (each convolution timed alone at its resolution with the same kernels and threads).
 *
 *   bench_network [srvgg|rrdb] [-s WxH] [-t threads] [-r runs] [--portable] [--layers]
 *
 * srvgg = realesr-animevideov3 shape (64 feat, 16 convs, x4), default 320x240;
 * rrdb  = RealESRGAN_x4plus shape (64 feat, 32 growth, 23 blocks, x4), default 64x64.
 *
 * Build (standalone): gcc -std=c11 -O2 -I. -pthread tests/engine/bench_network.c
 *   tests/common/synthetic_model.c build/lib/libresr.a -lm -o build/bench_network
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L   /* clock_gettime */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../vf_realesrgan/conv3x3.h"
#include "../../vf_realesrgan/network.h"
#include "../../vf_realesrgan/thread_pool.h"
#include "../common/synthetic_model.h"

static double clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time of all threads: on a shared machine, what the work cost regardless of waiting. */
static double cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The size conv i runs at for a w x h input tile (RRDBNet's tail runs at 2x and 4x). */
static void conv_size(const ResrModel *m, int i, int w, int h, int *cw, int *ch)
{
    int f = 1;
    if (m->arch == RESR_ARCH_RRDBNET) {
        const int tail = i - resr_rrdb_tail_index(m, 0);
        w /= m->unshuffle, h /= m->unshuffle;
        f = tail <= 0 ? 1 : tail == 1 ? 2 : 4;
    }
    *cw = w * f, *ch = h * f;
}

static double conv_pixels(const ResrModel *m, int i, int w, int h)
{
    int cw, ch;
    conv_size(m, i, w, h, &cw, &ch);
    return (double)cw * ch;
}

static double conv_flops(const ResrConv3x3 *c, double pixels)
{
    return 2.0 * 9 * c->in_channels * c->out_channels * pixels;
}

/* The layer kind a conv is reported under. */
static const char *conv_kind(const ResrModel *m, int i)
{
    if (m->arch == RESR_ARCH_SRVGG)
        return i == 0 ? "first 3->nf" : i == m->num_conv + 1 ? "last nf->3*s*s" : "body nf->nf";
    if (i == 0)
        return "conv_first";
    if (i < resr_rrdb_tail_index(m, 0)) {
        static const char *names[5] = { "dense conv1", "dense conv2", "dense conv3", "dense conv4",
                                        "dense conv5" };
        return names[(i - 1) % 5];
    }
    static const char *tail[5] = { "conv_body", "conv_up1 (2x)", "conv_up2 (4x)", "conv_hr (4x)",
                                   "conv_last (4x)" };
    return tail[i - resr_rrdb_tail_index(m, 0)];
}

typedef struct Job {
    ResrConvRowsFn rows;
    ResrConvParams p;
    int jobs;
} Job;

static void job_fn(void *ctx, int job, int thread)
{
    const Job *j = ctx;
    (void)thread;
    j->rows(j->p, (int)((long)j->p.height * job / j->jobs), (int)((long)j->p.height * (job + 1) / j->jobs));
}

/*
 * Best-of-runs CPU time of one conv alone (w x h output; input read x`upsample`
 * nearest-upsampled, as RRDBNet's conv_up1/2), input and output in scratch NHWC buffers.
 */
static double time_conv(const ResrConvPacked *pk, int w, int h, int upsample, ResrThreadPool *pool,
                        ResrConvRowsFn rows, int runs)
{
    const int threads = resr_thread_pool_threads(pool);
    const int iw = w / upsample, ih = h / upsample;
    const size_t cin = pk->in_channels, cout = pk->oc_blocks * RESR_CONV_OC_BLOCK;
    float *in = calloc((size_t)(iw + 2) * (ih + 2) * cin, sizeof(float));
    float *out = calloc((size_t)(w + 2) * (h + 2) * cout, sizeof(float));
    double best = 1e30;
    Job j = { rows, { 0 }, threads == 1 ? 1 : 4 * threads };

    if (!in || !out) {
        free(in);
        free(out);
        return -1;
    }
    for (size_t i = 0; i < (size_t)(iw + 2) * (ih + 2) * cin; i++)
        in[i] = (float)(i % 17) * 0.05f - 0.4f;
    j.p.conv = pk;
    j.p.in = (ResrNhwc){ in + (iw + 2) * cin + cin, (ptrdiff_t)cin, (ptrdiff_t)(iw + 2) * cin };
    j.p.upsample = upsample;
    j.p.width = w, j.p.height = h;
    j.p.store = RESR_STORE_NHWC;
    j.p.dst = (ResrNhwc){ out + (w + 2) * cout + cout, (ptrdiff_t)cout, (ptrdiff_t)(w + 2) * cout };
    if (j.jobs > h)
        j.jobs = h;
    for (int r = 0; r < runs; r++) {
        const double t0 = cpu_ms();
        resr_thread_pool_run(pool, job_fn, &j, j.jobs);
        const double t = cpu_ms() - t0;
        best = t < best ? t : best;
    }
    free(in);
    free(out);
    return best;
}

/* Per layer kind, in CPU time (all threads), against the frame's best CPU time. */
static void profile_layers(const ResrModel *m, int w, int h, int threads, int runs, double frame_ms)
{
    ResrThreadPool *pool = NULL;
    ResrConvRowsFn rows = resr_conv3x3_rows_fn();
    const char *kinds[32];
    double kind_ms[32] = { 0 }, kind_flops[32] = { 0 }, total_ms = 0;
    int nkinds = 0, count[32] = { 0 };

    if (resr_thread_pool_create(&pool, threads) < 0)
        return;
    /* Identical shapes take identical time: time each distinct (kind, shape) once. */
    for (int i = 0; i < m->num_convs; i++) {
        const char *kind = conv_kind(m, i);
        const double px = conv_pixels(m, i, w, h);
        int k = 0;
        while (k < nkinds && strcmp(kinds[k], kind))
            k++;
        if (k == nkinds)
            kinds[nkinds++] = kind;
        kind_flops[k] += conv_flops(&m->convs[i], px);
        count[k]++;
    }
    printf("\nper layer kind (each conv timed alone, CPU time of all threads, best of %d):\n", runs);
    printf("  %-16s %5s %10s %14s %8s\n", "layer", "count", "CPU ms", "GFLOP/s/core", "share");
    for (int k = 0; k < nkinds; k++) {
        int i = 0;
        while (strcmp(conv_kind(m, i), kinds[k]))
            i++;
        int lw, lh;
        ResrConvPacked pk;
        conv_size(m, i, w, h, &lw, &lh);
        if (resr_conv3x3_pack(&pk, &m->convs[i]) < 0)
            break;
        const int tail = m->arch == RESR_ARCH_RRDBNET ? i - resr_rrdb_tail_index(m, 0) : -1;
        kind_ms[k] = time_conv(&pk, lw, lh, tail == 1 || tail == 2 ? 2 : 1, pool, rows, runs) * count[k];
        resr_conv3x3_packed_free(&pk);
        total_ms += kind_ms[k];
    }
    for (int k = 0; k < nkinds; k++)
        printf("  %-16s %5d %10.2f %14.1f %7.1f%%\n", kinds[k], count[k], kind_ms[k],
               kind_flops[k] / kind_ms[k] * 1e-6, 100 * kind_ms[k] / frame_ms);
    printf("  %-16s %5s %10.2f %14s %7.1f%%\n", "sum of convs", "", total_ms, "",
           100 * total_ms / frame_ms);
    printf("  %-16s %5s %10.2f %14s %7.1f%%  (conversion, halos, copies, sync)\n", "rest", "",
           frame_ms - total_ms, "", 100 * (frame_ms - total_ms) / frame_ms);
    resr_thread_pool_free(&pool);
}

int main(int argc, char **argv)
{
    ResrSyntheticShape shape = { .arch = RESR_ARCH_SRVGG, .scale = 4, .num_feat = 64, .num_conv = 16 };
    int w = 0, h = 0, threads = 2, runs = 5, layers = 0, ret;
    ResrModel *model = NULL;
    ResrNetwork *net = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "srvgg")) {
            /* the default */
        } else if (!strcmp(argv[i], "rrdb")) {
            shape = (ResrSyntheticShape){ .arch = RESR_ARCH_RRDBNET, .scale = 4, .num_feat = 64,
                                          .num_grow_ch = 32, .num_block = 23 };
        } else if (!strcmp(argv[i], "-s") && i + 1 < argc && sscanf(argv[i + 1], "%dx%d", &w, &h) == 2) {
            i++;
        } else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
            threads = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--portable")) {
            resr_conv3x3_force_portable(1);
        } else if (!strcmp(argv[i], "--layers")) {
            layers = 1;
        } else {
            fprintf(stderr, "usage: %s [srvgg|rrdb] [-s WxH] [-t threads] [-r runs] [--portable] [--layers]\n",
                    argv[0]);
            return 2;
        }
    }
    if (!w)
        w = shape.arch == RESR_ARCH_SRVGG ? 320 : 64, h = shape.arch == RESR_ARCH_SRVGG ? 240 : 64;
    if (runs < 1)
        runs = 1;

    if ((ret = resr_synthetic_model_create(&model, &shape, 1)) < 0 ||
        (ret = resr_network_create(&net, model, threads)) < 0 ||
        (ret = resr_network_plan(net, w, h)) < 0) {
        fprintf(stderr, "setup failed: %d\n", ret);
        return 1;
    }

    const int s = model->scale;
    float *in = malloc((size_t)3 * w * h * sizeof(float));
    float *out = malloc((size_t)3 * w * s * h * s * sizeof(float));
    double *times = malloc((runs + 1) * sizeof(double)), flops = 0, cpu_best = 1e30;
    uint32_t state = 1;
    if (!in || !out || !times)
        return 1;
    for (size_t i = 0; i < (size_t)3 * w * h; i++)
        in[i] = resr_synthetic_uniform(&state, 0.0f, 1.0f);
    for (int i = 0; i < model->num_convs; i++)
        flops += conv_flops(&model->convs[i], conv_pixels(model, i, w, h));

    ResrRgbTile tin = { in, w, h, w, (ptrdiff_t)w * h };
    ResrRgbTile tout = { out, w * s, h * s, w * s, (ptrdiff_t)w * s * h * s };
    for (int r = 0; r <= runs; r++) {   /* run 0 warms caches and pages */
        const double t0 = now_ms(), c0 = cpu_ms();
        if ((ret = resr_network_forward(net, &tin, &tout)) < 0) {
            fprintf(stderr, "forward failed: %d\n", ret);
            return 1;
        }
        times[r] = now_ms() - t0;
        if (r && cpu_ms() - c0 < cpu_best)
            cpu_best = cpu_ms() - c0;
    }
    qsort(times + 1, runs, sizeof(double), cmp_double);
    printf("%s %dx%d x%d, %d thread%s, %s: best %.1f ms, median %.1f ms per frame, "
           "%.1f GFLOP/s (%.2f GFLOP per frame); best CPU time %.1f ms = %.1f GFLOP/s per core\n",
           shape.arch == RESR_ARCH_SRVGG ? "SRVGG(64,16)" : "RRDBNet(64,32,23)", w, h, s, threads,
           threads == 1 ? "" : "s", resr_conv3x3_impl_name(), times[1], times[1 + runs / 2],
           flops / times[1] * 1e-6, flops * 1e-9, cpu_best, flops / cpu_best * 1e-6);

    if (layers)
        profile_layers(model, w, h, threads, runs, cpu_best);

    free(in);
    free(out);
    free(times);
    resr_network_free(&net);
    resr_synthetic_model_free(&model);
    return 0;
}
