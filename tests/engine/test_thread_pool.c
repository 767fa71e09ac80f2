/*
 * The thread pool: every job of every batch runs exactly once, on a valid thread index,
 * and run() returns only after all of them finished; across many small batches (the
 * pattern of a forward pass: hundreds of layers) and with more threads than cores.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cpu/thread_pool.h"
#include "../common/test_util.h"

#define MAX_JOBS 64

typedef struct Batch {
    atomic_int runs[MAX_JOBS];
    atomic_int bad_thread;
    int threads;
} Batch;

static void job(void *ctx, int index, int thread)
{
    Batch *b = ctx;
    if (thread < 0 || thread >= b->threads)
        atomic_store(&b->bad_thread, 1);
    atomic_fetch_add(&b->runs[index], 1);
}

static void test_threads(int threads)
{
    char name[64];
    ResrThreadPool *pool = NULL;
    Batch b;
    int ret;

    snprintf(name, sizeof(name), "thread_pool_%d_threads", threads);
    if ((ret = resr_thread_pool_create(&pool, threads)) < 0) {
        resr_test_fail(name, "create: %d", ret);
        return;
    }
    if (resr_thread_pool_threads(pool) != threads) {
        resr_test_fail(name, "threads() = %d", resr_thread_pool_threads(pool));
        goto end;
    }
    for (int batch = 0; batch < 2000; batch++) {
        const int jobs = batch % (MAX_JOBS + 1);   /* 0 jobs included */
        memset(&b, 0, sizeof(b));
        b.threads = threads;
        resr_thread_pool_run(pool, job, &b, jobs);
        /* run() returned: every job must be done, none twice, none beyond jobs */
        for (int i = 0; i < MAX_JOBS; i++) {
            const int want = i < jobs;
            if (atomic_load(&b.runs[i]) != want) {
                resr_test_fail(name, "batch %d of %d jobs: job %d ran %d times", batch, jobs, i,
                               atomic_load(&b.runs[i]));
                goto end;
            }
        }
        if (atomic_load(&b.bad_thread)) {
            resr_test_fail(name, "batch %d: a job got a thread index outside [0, %d)", batch, threads);
            goto end;
        }
    }
    resr_test_pass(name);
end:
    resr_thread_pool_free(&pool);
}

int main(void)
{
    ResrThreadPool *pool = (ResrThreadPool *)&pool;

    resr_test_check(resr_thread_pool_create(&pool, 0) < 0 && pool == NULL, "thread_pool_rejects_0",
                    "0 threads accepted");
    for (int threads = 1; threads <= 5; threads++)
        test_threads(threads);
    resr_thread_pool_free(&pool);   /* NULL: a no-op */
    return resr_test_exit();
}
