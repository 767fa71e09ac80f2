/*
 * Model names to files: the table of official checkpoints (zoo_table.h) and the search
 * path described in zoo.h. A failed lookup's message holds everything needed to fix it:
 * what was looked for, where, and for an official model where to download it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zoo.h"

/* REALESRGAN_MODEL_PATH entries plus the standard directories */
#define SEARCH_DIRS_MAX  16
#define SEARCH_DIR_SIZE  4096
/* longest name looked up; anything longer cannot be a model's name */
#define NAME_MAX_LEN     200

static const ResrZooModel zoo[] = {
#define RESR_ZOO_MODEL(name, arch, scale, release, size, sha256, sha256_alt) \
    { name, RESR_ARCH_##arch, scale, release, size, sha256, sha256_alt },
#include "zoo_table.h"
#undef RESR_ZOO_MODEL
};

#define ZOO_COUNT (sizeof(zoo) / sizeof(zoo[0]))

typedef struct SearchPath {
    int count;
    char dir[SEARCH_DIRS_MAX][SEARCH_DIR_SIZE];
} SearchPath;

/* A message built piece by piece; truncation is silent (the buffer stays terminated). */
typedef struct Message {
    char *buf;
    size_t size, len;
} Message;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void append(Message *m, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!m->buf || m->len + 1 >= m->size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(m->buf + m->len, m->size - m->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->len = m->len + (size_t)n < m->size ? m->len + (size_t)n : m->size - 1;
}

static Message message(char *err, size_t err_size)
{
    Message m = { err, err_size, 0 };
    if (err && err_size)
        err[0] = 0;
    return m;
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* length of the longest common prefix of a and b, ignoring ASCII case */
static size_t common_prefix(const char *a, const char *b)
{
    size_t n = 0;
    while (a[n] && ascii_lower((unsigned char)a[n]) == ascii_lower((unsigned char)b[n]))
        n++;
    return n;
}

/* name is model, or model followed by ".pth", ignoring ASCII case */
static int names_match(const char *name, const char *model)
{
    const size_t n = strlen(model);
    if (common_prefix(name, model) != n)
        return 0;
    return !name[n] || (common_prefix(name + n, ".pth") == 4 && !name[n + 4]);
}

static int ends_with(const char *s, const char *suffix)
{
    const size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

const ResrZooModel *resr_zoo_model(size_t i)
{
    return i < ZOO_COUNT ? &zoo[i] : NULL;
}

const ResrZooModel *resr_zoo_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < ZOO_COUNT; i++)
        if (names_match(name, zoo[i].name))
            return &zoo[i];
    return NULL;
}

/* Adds dir (len bytes) unless already listed. */
static int add_dir(SearchPath *sp, const char *dir, size_t len, Message *m)
{
    if (len >= SEARCH_DIR_SIZE) {
        append(m, "model search directory longer than %d bytes: '%.60s...'", SEARCH_DIR_SIZE - 1,
               dir);
        return -EINVAL;
    }
    for (int i = 0; i < sp->count; i++)
        if (strlen(sp->dir[i]) == len && !memcmp(sp->dir[i], dir, len))
            return 0;
    if (sp->count == SEARCH_DIRS_MAX) {
        append(m, "more than %d model search directories", SEARCH_DIRS_MAX);
        return -EINVAL;
    }
    memcpy(sp->dir[sp->count], dir, len);
    sp->dir[sp->count][len] = 0;
    sp->count++;
    return 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int add_dirf(SearchPath *sp, Message *m, const char *fmt, ...)
{
    char dir[SEARCH_DIR_SIZE + 1];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(dir, sizeof(dir), fmt, ap);
    va_end(ap);
    if (n < 0)
        return 0;
    return add_dir(sp, dir, (size_t)n < sizeof(dir) ? (size_t)n : sizeof(dir), m);
}

/*
 * <prefix>/share/realesrgan/models when the running program sits in <prefix>/bin/, as an
 * installed ffmpeg does; the build tree's ./ffmpeg does not, and adds nothing.
 */
static int add_install_dir(SearchPath *sp, Message *m)
{
#ifdef __linux__
    char exe[SEARCH_DIR_SIZE];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (n <= 0)
        return 0;
    exe[n] = 0;
    if (!(slash = strrchr(exe, '/')))
        return 0;
    *slash = 0;                                  /* <prefix>/bin */
    if (!ends_with(exe, "/bin"))
        return 0;
    exe[strlen(exe) - 4] = 0;                    /* <prefix> */
    return add_dirf(sp, m, "%s/share/realesrgan/models", exe);
#else
    (void)sp;
    (void)m;
    return 0;
#endif
}

static int build_search_path(SearchPath *sp, Message *m)
{
    const char *env = getenv("REALESRGAN_MODEL_PATH");
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int ret;

    sp->count = 0;
    while (env && *env) {
        const char *end = strchr(env, ':');
        const size_t len = end ? (size_t)(end - env) : strlen(env);
        /* the standard directories keep their four places */
        if (len && sp->count == SEARCH_DIRS_MAX - 4) {
            append(m, "REALESRGAN_MODEL_PATH lists too many directories (at most %d are "
                   "searched)", SEARCH_DIRS_MAX - 4);
            return -EINVAL;
        }
        if (len && (ret = add_dir(sp, env, len, m)) < 0)
            return ret;
        env = end ? end + 1 : NULL;
    }
    if ((ret = add_dirf(sp, m, "./models")) < 0)
        return ret;
    /* the XDG base directory spec ignores a relative XDG_CACHE_HOME */
    if (xdg && xdg[0] == '/')
        ret = add_dirf(sp, m, "%s/realesrgan", xdg);
    else if (home && home[0])
        ret = add_dirf(sp, m, "%s/.cache/realesrgan", home);
    if (ret < 0 || (ret = add_install_dir(sp, m)) < 0)
        return ret;
#ifdef RESR_ZOO_DATADIR
    if ((ret = add_dirf(sp, m, "%s", RESR_ZOO_DATADIR)) < 0)
        return ret;
#endif
    return 0;
}

static int copy_path(char *path, size_t path_size, const char *src, Message *m)
{
    const size_t len = strlen(src);

    if (!path || len >= path_size) {
        append(m, "%s: path longer than the %zu bytes the caller allows", src, path_size);
        return -ENAMETOOLONG;
    }
    memcpy(path, src, len + 1);
    return 0;
}

static void append_known_names(Message *m)
{
    for (size_t i = 0; i < ZOO_COUNT; i++)
        append(m, "%s%s", i ? ", " : "", zoo[i].name);
}

static void append_dirs(Message *m, const SearchPath *sp)
{
    for (int i = 0; i < sp->count; i++)
        append(m, "%s%s", i ? ", " : "", sp->dir[i]);
}

int resr_zoo_resolve(const char *name_or_path, char *path, size_t path_size,
                     char *err, size_t err_size)
{
    Message m = message(err, err_size);
    char candidates[2][NAME_MAX_LEN + 16], full[SEARCH_DIR_SIZE + sizeof(candidates[0]) + 1];
    const ResrZooModel *known;
    SearchPath *sp = NULL;
    struct stat st;
    int ncandidates, ret;

    if (path && path_size)
        path[0] = 0;
    if (!name_or_path || !*name_or_path) {
        append(&m, "no model given: model=NAME (");
        append_known_names(&m);
        append(&m, ") or model=FILE (.pth or .safetensors)");
        return -EINVAL;
    }
    if (stat(name_or_path, &st) == 0)
        return copy_path(path, path_size, name_or_path, &m);
    if (strchr(name_or_path, '/') || strlen(name_or_path) > NAME_MAX_LEN) {
        append(&m, "%s: no such file", name_or_path);
        return -ENOENT;
    }

    known = resr_zoo_find(name_or_path);
    if (known) {
        snprintf(candidates[0], sizeof(candidates[0]), "%s.pth", known->name);
        snprintf(candidates[1], sizeof(candidates[1]), "%s.safetensors", known->name);
        ncandidates = 2;
    } else if (ends_with(name_or_path, ".pth") || ends_with(name_or_path, ".safetensors")) {
        snprintf(candidates[0], sizeof(candidates[0]), "%s", name_or_path);
        ncandidates = 1;
    } else {
        snprintf(candidates[0], sizeof(candidates[0]), "%s.pth", name_or_path);
        snprintf(candidates[1], sizeof(candidates[1]), "%s.safetensors", name_or_path);
        ncandidates = 2;
    }

    sp = malloc(sizeof(*sp));
    if (!sp) {
        append(&m, "out of memory");
        return -ENOMEM;
    }
    if ((ret = build_search_path(sp, &m)) < 0)
        goto done;
    for (int d = 0; d < sp->count; d++)
        for (int c = 0; c < ncandidates; c++) {
            snprintf(full, sizeof(full), "%s/%s", sp->dir[d], candidates[c]);
            if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
                ret = copy_path(path, path_size, full, &m);
                goto done;
            }
        }

    ret = -ENOENT;
    if (known)
        append(&m, "model '%s' not found", known->name);
    else
        append(&m, "model '%s': no such file, and not a known model name (known: ",
               name_or_path);
    if (!known)
        append_known_names(&m);
    append(&m, "%s; looked for %s%s%s in: ", known ? "" : ")", candidates[0],
           ncandidates > 1 ? " and " : "", ncandidates > 1 ? candidates[1] : "");
    append_dirs(&m, sp);
    if (known)
        append(&m, ". Download it with tools/fetch-models %s (or 'make models') from the "
               "project, or by hand from %s/%s/%s.pth (sha256 %s) into one of these "
               "directories", known->name, RESR_ZOO_RELEASES_URL, known->release, known->name,
               known->sha256);
done:
    free(sp);
    return ret;
}
