/*
 * A small persistent pthread pool: run() hands a batch of independent jobs to the workers
 * and the calling thread, and returns when all are done. Threads are created once, so a
 * forward pass of a few hundred layers costs a few hundred wake-ups, not thread creations.
 */
#ifndef RESR_CPU_THREAD_POOL_H
#define RESR_CPU_THREAD_POOL_H

typedef struct ResrThreadPool ResrThreadPool;

/* Runs job number `job` (0 .. jobs-1) on thread `thread` (0 .. threads-1). */
typedef void (*ResrJobFn)(void *ctx, int job, int thread);

/* threads: total threads including the caller, >= 1 (1 = no workers, run() is a loop). */
int resr_thread_pool_create(ResrThreadPool **out, int threads);

/* Runs fn for jobs 0 .. jobs-1, handed out in order as threads become free. */
void resr_thread_pool_run(ResrThreadPool *pool, ResrJobFn fn, void *ctx, int jobs);

int resr_thread_pool_threads(const ResrThreadPool *pool);

void resr_thread_pool_free(ResrThreadPool **pool);

#endif /* RESR_CPU_THREAD_POOL_H */
