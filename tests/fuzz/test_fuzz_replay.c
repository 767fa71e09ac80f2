/*
 * Replays the kept fuzz inputs through the fuzz targets without libFuzzer: the minimised
 * corpus (tests/fuzz/corpus/<target>/) and every input that once broke the loader
 * (tests/fuzz/regressions/<target>/). A target abort()s when the loader breaks its
 * contract, which fails this program (and under `make check-asan`, so does any memory
 * error or leak). One line per target and folder (none for an empty regressions folder).
 *
 * usage: test_fuzz_replay [FUZZ_DIR]   (default tests/fuzz, run from the repository root)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/test_util.h"
#include "fuzz_targets.h"

#define MAX_INPUT ((size_t)16 << 20)

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir through target; returns how many, or -1 on a read error. */
static int replay_dir(const char *dir, ResrFuzzTarget target, char *why, size_t why_size)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int count = 0;

    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md"))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof(*names));
            if (!grown)
                break;
            names = grown;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), compare_names);

    uint8_t *buf = malloc(MAX_INPUT);
    for (size_t i = 0; i < n && count >= 0; i++) {
        char path[1100];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        if (!f || !buf) {
            snprintf(why, why_size, "cannot read %.1000s", path);
            count = -1;
        } else {
            const size_t size = fread(buf, 1, MAX_INPUT, f);
            /* an exact-size copy, so that ASan sees a read one byte past the input */
            uint8_t *input = malloc(size ? size : 1);
            if (input) {
                memcpy(input, buf, size);
                target(input, size);
                free(input);
                count++;
            }
        }
        if (f)
            fclose(f);
    }
    free(buf);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "tests/fuzz";
    static const char *const kinds[] = { "corpus", "regressions" };

    for (const ResrFuzzTargetInfo *t = resr_fuzz_targets; t->name; t++) {
        for (int k = 0; k < 2; k++) {
            char dir[1024], name[200], why[1200] = "";
            snprintf(dir, sizeof(dir), "%s/%s/%s", root, kinds[k], t->name);
            snprintf(name, sizeof(name), "replay/%s/%s", t->name, kinds[k]);
            const int n = replay_dir(dir, t->run, why, sizeof(why));
            if (n < 0)
                resr_test_fail(name, "%s", why);
            else if (n == 0 && k == 1)
                printf("# %s: none kept\n", name);  /* no failure found yet: nothing to run */
            else if (n == 0)
                resr_test_skip(name, "no inputs in %s", dir);
            else {
                printf("# %s: %d inputs\n", name, n);
                resr_test_pass(name);
            }
        }
    }
    return resr_test_exit();
}
