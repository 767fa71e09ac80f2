/*
 * Workers sleep on a condition variable until the batch generation changes, then take job
 * numbers from an atomic counter; the caller takes jobs too and then waits until every
 * worker has left the batch (so ctx may live on the caller's stack).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "thread_pool.h"

struct ResrThreadPool {
    int threads;
    pthread_t *workers;
    int started;              /* workers successfully created */

    pthread_mutex_t lock;
    pthread_cond_t wake;      /* workers: a new batch, or quit */
    pthread_cond_t done;      /* caller: the last worker left the batch */
    unsigned generation;
    int busy;                 /* workers still inside the current batch */
    int quit;

    ResrJobFn fn;
    void *ctx;
    int jobs;
    atomic_int next_job;
};

typedef struct WorkerArg {
    ResrThreadPool *pool;
    int index;
} WorkerArg;

static void take_jobs(ResrThreadPool *pool, int thread)
{
    int job;
    while ((job = atomic_fetch_add_explicit(&pool->next_job, 1, memory_order_relaxed)) < pool->jobs)
        pool->fn(pool->ctx, job, thread);
}

static void *worker_main(void *arg)
{
    ResrThreadPool *pool = ((WorkerArg *)arg)->pool;
    const int index = ((WorkerArg *)arg)->index;
    unsigned seen = 0;

    free(arg);
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->quit && pool->generation == seen)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->quit)
            break;
        seen = pool->generation;
        pthread_mutex_unlock(&pool->lock);

        take_jobs(pool, index);

        pthread_mutex_lock(&pool->lock);
        if (--pool->busy == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

int resr_thread_pool_create(ResrThreadPool **out, int threads)
{
    ResrThreadPool *pool;
    int ret;

    *out = NULL;
    if (threads < 1)
        return -EINVAL;
    pool = calloc(1, sizeof(*pool));
    if (!pool)
        return -ENOMEM;
    pool->threads = threads;
    atomic_init(&pool->next_job, 0);
    if (pthread_mutex_init(&pool->lock, NULL)) {
        free(pool);
        return -ENOMEM;
    }
    if (pthread_cond_init(&pool->wake, NULL)) {
        pthread_mutex_destroy(&pool->lock);
        free(pool);
        return -ENOMEM;
    }
    if (pthread_cond_init(&pool->done, NULL)) {
        pthread_cond_destroy(&pool->wake);
        pthread_mutex_destroy(&pool->lock);
        free(pool);
        return -ENOMEM;
    }

    if (threads > 1) {
        pool->workers = calloc(threads - 1, sizeof(*pool->workers));
        if (!pool->workers) {
            ret = -ENOMEM;
            goto fail;
        }
    }
    for (int i = 1; i < threads; i++) {
        WorkerArg *arg = malloc(sizeof(*arg));
        if (!arg) {
            ret = -ENOMEM;
            goto fail;
        }
        arg->pool = pool;
        arg->index = i;
        if ((ret = pthread_create(&pool->workers[i - 1], NULL, worker_main, arg))) {
            free(arg);
            ret = -ret;
            goto fail;
        }
        pool->started++;
    }
    *out = pool;
    return 0;
fail:
    resr_thread_pool_free(&pool);
    return ret;
}

void resr_thread_pool_run(ResrThreadPool *pool, ResrJobFn fn, void *ctx, int jobs)
{
    if (pool->started == 0 || jobs <= 1) {
        for (int job = 0; job < jobs; job++)
            fn(ctx, job, 0);
        return;
    }

    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->jobs = jobs;
    atomic_store_explicit(&pool->next_job, 0, memory_order_relaxed);
    pool->busy = pool->started;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);

    take_jobs(pool, 0);

    pthread_mutex_lock(&pool->lock);
    while (pool->busy)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

int resr_thread_pool_threads(const ResrThreadPool *pool)
{
    return pool->threads;
}

void resr_thread_pool_free(ResrThreadPool **ppool)
{
    ResrThreadPool *pool = *ppool;

    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; i++)
        pthread_join(pool->workers[i], NULL);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
    *ppool = NULL;
}
