/*
 * Soak of the CPU engine: 10 000 small frames through one engine, as the filter drives it
 * during a long video. Checks, after a warm-up of WARMUP frames:
 *   - no allocation at all from the project's code (malloc, calloc, realloc,
 *     aligned_alloc, posix_memalign are wrapped at link time: mk/reliability.mak links
 *     this test with -Wl,--wrap=...), so nothing can grow per frame;
 *   - the heap in use (mallinfo2) and the resident set the same at the end as half-way
 *     (whatever libc or the threads allocate on our behalf; glibc may take a step early on);
 *   - every output identical to the first output of the same input (no state drifts), and
 *     the 16 bytes of slack after each row never written.
 * Two configurations: one tile with 2 threads, and 6 tiles (tile=8) with 2 threads.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "../../cpu/cpu_engine.h"
#include "../../models/model.h"
#include "../common/synthetic_model.h"
#include "../engine/engine_test.h"

#define FRAMES 10000
#define WARMUP 50

/* Under ASan the heap and resident figures are the sanitizer's (its quarantine holds freed
 * memory): only the allocation count and the outputs are checked there. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* ---- allocation counting: the linker sends every malloc of the test and of libresr.a
 * here (--wrap); the pointer is the real allocator's. */
static volatile long alloc_calls;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
int __real_posix_memalign(void **p, size_t align, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
int __wrap_posix_memalign(void **p, size_t align, size_t size);

static void counted(void)
{
    __atomic_add_fetch(&alloc_calls, 1, __ATOMIC_RELAXED);
}

void *__wrap_malloc(size_t size) { counted(); return __real_malloc(size); }
void *__wrap_calloc(size_t n, size_t size) { counted(); return __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t size) { counted(); return __real_realloc(p, size); }
void *__wrap_aligned_alloc(size_t align, size_t size)
{
    counted();
    return __real_aligned_alloc(align, size);
}
int __wrap_posix_memalign(void **p, size_t align, size_t size)
{
    counted();
    return __real_posix_memalign(p, align, size);
}

static long allocations(void)
{
    return __atomic_load_n(&alloc_calls, __ATOMIC_RELAXED);
}

static long resident_kib(void)
{
    long pages = -1, resident = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = -1;
        fclose(f);
    }
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t hash_frame(const TestFrame *f, int rows_luma, int rows_chroma)
{
    uint64_t h = 1469598103934665603ull;
    for (int p = 0; p < 3; p++) {
        const int rows = p ? rows_chroma : rows_luma;
        for (size_t i = 0; i < (size_t)f->planes.linesize[p] * rows; i++)
            h = (h ^ f->planes.data[p][i]) * 1099511628211ull;
    }
    return h;
}

static int slack_intact(const TestFrame *f, int width, int rows_luma, int rows_chroma)
{
    for (int p = 0; p < 3; p++) {
        const int rows = p ? rows_chroma : rows_luma;
        const int used = p ? (width + 1) / 2 : width;
        for (int y = 0; y < rows; y++)
            for (ptrdiff_t x = used; x < f->planes.linesize[p]; x++)
                if (f->planes.data[p][y * f->planes.linesize[p] + x] != 0xA5)
                    return 0;
    }
    return 1;
}

static void soak(const char *name, const ResrModel *m, int tile)
{
    const int w = 14, h = 10, s = m->scale;  /* width not a multiple of 4, odd chroma */
    const ResrPixelFormat f = planar_yuv(8, 1, 1, 0, 0);
    const ResrEngineConfig cfg = { .threads = 2, .tile = tile, .tile_pad = 4,
                                   .precision = RESR_PRECISION_FP32 };
    ResrFrameGeometry g = resr_frame_geometry(w, h, &f, w * s, h * s, &f, RESR_MEMORY_HOST);
    ResrEngine *e = NULL;
    TestFrame in[2], out;
    uint64_t first[2] = { 0, 0 };
    long allocs_warm = 0, rss_half = 0;
    size_t heap_half = 0;
    int ret, bad_frame = -1;

    memset(in, 0, sizeof(in));
    memset(&out, 0, sizeof(out));
    if (test_frame_alloc(&in[0], &f, w, h) < 0 || test_frame_alloc(&in[1], &f, w, h) < 0 ||
        test_frame_alloc(&out, &f, w * s, h * s) < 0) {
        resr_test_fail(name, "out of memory");
        goto done;
    }
    for (int k = 0; k < 2; k++)
        for (int p = 0; p < 3; p++) {
            const int rows = p ? (h + 1) / 2 : h, used = p ? (w + 1) / 2 : w;
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < used; x++)
                    in[k].planes.data[p][y * in[k].planes.linesize[p] + x] =
                        (uint8_t)(k ? 255 - 9 * x - 5 * y - 40 * p : 16 + 13 * x + 7 * y + 50 * p);
        }
    if ((ret = resr_cpu_engine_create(&e, m, &cfg)) < 0 || (ret = e->ops->plan(e, &g)) < 0) {
        resr_test_fail(name, "engine setup: %d", ret);
        goto done;
    }
    resident_kib();  /* stdio's first FILE: its freed chunks stay counted by mallinfo2 */
    for (int i = 0; i < FRAMES; i++) {
        const int k = i % 2;
        if ((ret = e->ops->run(e, &in[k].planes, &out.planes)) < 0) {
            resr_test_fail(name, "frame %d: run returned %d", i, ret);
            goto done;
        }
        const uint64_t hash = hash_frame(&out, h * s, (h * s + 1) / 2);
        if (i < 2)
            first[k] = hash;
        else if (hash != first[k] && bad_frame < 0)
            bad_frame = i;
        if (i == WARMUP - 1)
            allocs_warm = allocations();
        if (i == FRAMES / 2 - 1) {
            heap_half = mallinfo2().uordblks;
            rss_half = resident_kib();
        }
    }
    const long allocs = allocations() - allocs_warm;
    /* the heap first: reading /proc goes through stdio, which allocates */
    const size_t heap_end = mallinfo2().uordblks;
    const long rss_end = resident_kib();
    printf("# %s: %d frames %dx%d -> %dx%d; %ld allocations after frame %d; from frame %d to "
           "the end: heap in use %zu -> %zu bytes, resident %ld -> %ld KiB\n", name, FRAMES, w,
           h, w * s, h * s, allocs, WARMUP, FRAMES / 2, heap_half, heap_end, rss_half, rss_end);
    if (allocs != 0)
        resr_test_fail(name, "%ld allocations in %d steady-state frames", allocs, FRAMES - WARMUP);
    else if (!SANITIZED && heap_end != heap_half)
        resr_test_fail(name, "heap in use grew from %zu to %zu bytes", heap_half, heap_end);
    else if (!SANITIZED && (rss_half < 0 || rss_end != rss_half))
        resr_test_fail(name, "resident set grew from %ld to %ld KiB", rss_half, rss_end);
    else if (bad_frame >= 0)
        resr_test_fail(name, "frame %d differs from the first output of the same input", bad_frame);
    else if (!slack_intact(&out, w * s, h * s, (h * s + 1) / 2))
        resr_test_fail(name, "bytes after the rows were written");
    else
        resr_test_pass(name);
done:
    resr_engine_free(&e);
    test_frame_free(&in[0]);
    test_frame_free(&in[1]);
    test_frame_free(&out);
}

int main(void)
{
    const ResrSyntheticShape shape = { RESR_ARCH_SRVGG, 2, 8, 0, 0, 2 };
    ResrModel *m = NULL;

    /* the counting must be live, or "no allocation" would mean nothing */
    const long before = allocations();
    void *volatile probe = malloc(16);
    free(probe);
    if (allocations() == before) {
        resr_test_fail("soak/wrapped_allocator", "malloc is not wrapped: link with "
                  "mk/reliability.mak's rule (-Wl,--wrap=malloc,...)");
        return resr_test_exit();
    }
    if (resr_synthetic_model_create(&m, &shape, 7) < 0) {
        resr_test_fail("soak/setup", "synthetic model");
        return resr_test_exit();
    }
    soak("soak/cpu_engine_one_tile", m, 0);
    soak("soak/cpu_engine_tiled", m, 8);
    resr_synthetic_model_free(&m);
    return resr_test_exit();
}
