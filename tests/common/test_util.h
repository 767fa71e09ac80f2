/*
 * Tiny helpers shared by the C unit tests: one output line per case (PASS name /
 * FAIL name: why / SKIP name: why), an exit status that is nonzero on any failure, and
 * the llm.c-style closeness check |a - b| <= atol + rtol * |ref|.
 */
#ifndef RESR_TESTS_TEST_UTIL_H
#define RESR_TESTS_TEST_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ResrTestCounts {
    int passed, failed, skipped;
} ResrTestCounts;

static inline ResrTestCounts *resr_test_counts(void)
{
    static ResrTestCounts counts;
    return &counts;
}

static inline void resr_test_pass(const char *name)
{
    resr_test_counts()->passed++;
    printf("PASS %s\n", name);
    fflush(stdout);
}

static inline void resr_test_vfail(const char *name, const char *fmt, va_list ap)
{
    resr_test_counts()->failed++;
    printf("FAIL %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void resr_test_fail(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    resr_test_vfail(name, fmt, ap);
    va_end(ap);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void resr_test_skip(const char *name, const char *fmt, ...)
{
    va_list ap;
    resr_test_counts()->skipped++;
    printf("SKIP %s: ", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/*
 * A case whose data is missing (weights, media, goldens: anything CI provides), as opposed
 * to resr_test_skip for what the machine lacks (a GPU, an instruction set). Prints
 * "SKIP name: missing data: why"; with RESR_STRICT=1 (CI) a FAIL instead.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline void resr_test_skip_data(const char *name, const char *fmt, ...)
{
    const char *strict = getenv("RESR_STRICT");
    va_list ap;

    if (strict && !strcmp(strict, "1")) {
        resr_test_counts()->failed++;
        printf("FAIL %s: missing data (RESR_STRICT=1 fails it): ", name);
    } else {
        resr_test_counts()->skipped++;
        printf("SKIP %s: missing data: ", name);
    }
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/* PASS when ok, else FAIL with the message. Returns ok. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline int resr_test_check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    if (ok) {
        resr_test_pass(name);
        return 1;
    }
    va_start(ap, fmt);
    resr_test_vfail(name, fmt, ap);
    va_end(ap);
    return 0;
}

/*
 * 1 when every |got[i] - ref[i]| <= atol + rtol * |ref[i]| (NaN never is); otherwise 0,
 * with why describing the first mismatches (index, values) and their count.
 */
static inline int resr_test_allclose(const float *got, const float *ref, size_t n,
                                     float atol, float rtol, char *why, size_t why_size)
{
    size_t bad = 0, o = 0;
    for (size_t i = 0; i < n; i++) {
        const double diff = fabs((double)got[i] - (double)ref[i]);
        if (diff <= atol + rtol * fabs((double)ref[i]))
            continue;
        if (bad < 3 && o < why_size)
            o += (size_t)snprintf(why + o, why_size - o, "%s[%zu] got %.9g ref %.9g",
                                  bad ? ", " : "", i, (double)got[i], (double)ref[i]);
        bad++;
    }
    if (bad && o < why_size)
        snprintf(why + o, why_size - o, " (%zu of %zu mismatch)", bad, n);
    return bad == 0;
}

/* Summary comment line (not a case line) and the process exit status. */
static inline int resr_test_exit(void)
{
    const ResrTestCounts *c = resr_test_counts();
    printf("# %d passed, %d failed, %d skipped\n", c->passed, c->failed, c->skipped);
    return c->failed ? 1 : 0;
}

#endif /* RESR_TESTS_TEST_UTIL_H */
