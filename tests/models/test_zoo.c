/*
 * The model zoo: the table of official checkpoints, and resr_zoo_resolve's search path
 * (REALESRGAN_MODEL_PATH, ./models, the cache directory) on a scratch directory tree with
 * the environment set per case; then tools/fetch-models --find on the same trees must
 * name the same files, so the shell tool and the filter agree.
 *
 * usage: test_zoo [OFFICIAL_ANIMEVIDEOV3_PTH]
 *   default: ($RESR_SHARED_MODELS or ../shared/models)/realesr-animevideov3.pth; the
 *   fetch-models cases SKIP without it. Run from the repository root; no network.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../models/zoo.h"
#include "../common/test_util.h"

#define PATH_SIZE 4096
#define DIR_SIZE  1024

static char root[DIR_SIZE];      /* the repository */
static char scratch[DIR_SIZE];   /* this test's directory tree */

/* scratch/rel, in a rotating static buffer */
static const char *at(const char *rel)
{
    static char buf[4][PATH_SIZE];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", scratch, rel);
    return buf[slot];
}

static int make_dirs(const char *path)
{
    char tmp[PATH_SIZE];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* an empty file at scratch/rel (its directory created) */
static int touch(const char *rel)
{
    char dir[PATH_SIZE];
    const char *path = at(rel);
    snprintf(dir, sizeof(dir), "%s", path);
    *strrchr(dir, '/') = 0;
    if (make_dirs(dir) < 0)
        return -1;
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    return fd < 0 ? -1 : close(fd);
}

static void clear_env(void)
{
    unsetenv("REALESRGAN_MODEL_PATH");
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", at("home"), 1);
}

static int is_hex64(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 64;
}

/* ------------------------------------------------------------------ cases */

static void test_table(void)
{
    static const char *const expected[] = {
        "RealESRGAN_x4plus", "RealESRNet_x4plus", "RealESRGAN_x4plus_anime_6B",
        "RealESRGAN_x2plus", "realesr-animevideov3", "realesr-general-x4v3",
        "realesr-general-wdn-x4v3",
    };
    const size_t n = sizeof(expected) / sizeof(expected[0]);
    size_t count = 0;
    int ok = 1;
    char why[256] = "";

    while (resr_zoo_model(count))
        count++;
    if (count != n) {
        resr_test_fail("zoo/table", "%zu models, expected %zu", count, n);
        return;
    }
    for (size_t i = 0; i < n && ok; i++) {
        const ResrZooModel *m = resr_zoo_model(i);
        const int want_scale = strstr(m->name, "x2") ? 2 : 4;
        const ResrArch want_arch = strncmp(m->name, "realesr-", 8) ? RESR_ARCH_RRDBNET
                                                                    : RESR_ARCH_SRVGG;
        if (strcmp(m->name, expected[i]))
            snprintf(why, sizeof(why), "model %zu is %s, expected %s", i, m->name, expected[i]);
        else if (m->scale != want_scale || m->arch != want_arch)
            snprintf(why, sizeof(why), "%s: x%d %s", m->name, m->scale, resr_arch_name(m->arch));
        else if (!is_hex64(m->sha256) || (m->sha256_alt[0] && !is_hex64(m->sha256_alt)))
            snprintf(why, sizeof(why), "%s: sha256 '%s' / '%s'", m->name, m->sha256,
                     m->sha256_alt);
        else if (m->release[0] != 'v' || m->size < 1000000)
            snprintf(why, sizeof(why), "%s: release '%s', %lld bytes", m->name, m->release,
                     (long long)m->size);
        ok = !why[0];
    }
    resr_test_check(ok, "zoo/table", "%s", why);
}

static void test_find(void)
{
    const ResrZooModel *x4 = resr_zoo_model(0);
    resr_test_check(resr_zoo_find("RealESRGAN_x4plus") == x4 &&
                    resr_zoo_find("realesrgan_x4plus") == x4 &&
                    resr_zoo_find("RealESRGAN_x4plus.pth") == x4 &&
                    resr_zoo_find("REALESRGAN_X4PLUS.PTH") == x4 &&
                    resr_zoo_find("RealESRGAN_x4plus.Pth") == x4 &&
                    resr_zoo_find("realesr-general-wdn-x4v3") == resr_zoo_model(6),
                    "zoo/find", "a spelling of a known name was not found");
    resr_test_check(!resr_zoo_find("RealESRGAN_x4") && !resr_zoo_find("RealESRGAN_x4plus.pthx") &&
                    !resr_zoo_find("RealESRGAN_x4plus.safetensors") && !resr_zoo_find("") &&
                    !resr_zoo_find(NULL) && !resr_zoo_find("RealESRGAN_x4plusx"),
                    "zoo/find_rejects", "a prefix, suffix or other name matched");
}

/* resolve name; PASS when it returns want_ret and (for 0) path equals want_path */
static void expect_resolve(const char *test, const char *name, int want_ret, const char *want_path)
{
    char path[PATH_SIZE], err[2048];
    const int ret = resr_zoo_resolve(name, path, sizeof(path), err, sizeof(err));

    if (ret != want_ret)
        resr_test_fail(test, "'%s': returned %d (%s), expected %d", name, ret, ret ? err : path,
                       want_ret);
    else if (!ret && strcmp(path, want_path))
        resr_test_fail(test, "'%s': resolved to %s, expected %s", name, path, want_path);
    else
        resr_test_pass(test);
}

/* resolve fails with want_ret and a message holding every string of want[] */
static void expect_error(const char *test, const char *name, int want_ret,
                         const char *const *want, int nwant)
{
    char path[PATH_SIZE] = "unchanged", err[2048];
    const int ret = resr_zoo_resolve(name, path, sizeof(path), err, sizeof(err));

    if (ret != want_ret) {
        resr_test_fail(test, "'%s': returned %d, expected %d (%s)", name, ret, want_ret,
                       ret ? err : path);
        return;
    }
    for (int i = 0; i < nwant; i++)
        if (!strstr(err, want[i])) {
            resr_test_fail(test, "message lacks '%s': %s", want[i], err);
            return;
        }
    resr_test_check(path[0] == 0, test, "path not cleared on error: '%s'", path);
}

static void test_paths(void)
{
    char abs_path[PATH_SIZE];

    clear_env();
    touch("cwd/my checkpoint.pth");
    expect_resolve("zoo/existing_relative_path", "my checkpoint.pth", 0, "my checkpoint.pth");
    snprintf(abs_path, sizeof(abs_path), "%s", at("cwd/my checkpoint.pth"));
    expect_resolve("zoo/existing_absolute_path", abs_path, 0, abs_path);

    const char *const nofile[] = { "nodir/x.pth: no such file" };
    expect_error("zoo/missing_path", "nodir/x.pth", -ENOENT, nofile, 1);

    const char *const empty[] = { "no model given", "realesr-animevideov3" };
    expect_error("zoo/empty_name", "", -EINVAL, empty, 2);
    expect_error("zoo/null_name", NULL, -EINVAL, empty, 2);

    char small[8];
    resr_test_check(resr_zoo_resolve("my checkpoint.pth", small, sizeof(small), NULL, 0) ==
                    -ENAMETOOLONG, "zoo/small_buffer", "no -ENAMETOOLONG for an 8-byte buffer");
}

static void test_search_order(void)
{
    char env[3 * PATH_SIZE];
    const char *name = "realesr-animevideov3";

    clear_env();
    touch("env2/realesr-animevideov3.pth");
    touch("cwd/models/realesr-animevideov3.pth");
    touch("home/.cache/realesrgan/realesr-animevideov3.pth");
    touch("xdg/realesrgan/realesr-animevideov3.pth");
    make_dirs(at("env1/realesr-animevideov3.pth"));    /* a directory is not a model */

    snprintf(env, sizeof(env), "%s::%s", at("env1"), at("env2"));
    setenv("REALESRGAN_MODEL_PATH", env, 1);
    expect_resolve("zoo/env_path_first", name, 0, at("env2/realesr-animevideov3.pth"));
    expect_resolve("zoo/name_any_case_with_pth", "REALESR-AnimeVideoV3.pth", 0,
                   at("env2/realesr-animevideov3.pth"));

    unsetenv("REALESRGAN_MODEL_PATH");
    expect_resolve("zoo/models_dir_second", name, 0, "./models/realesr-animevideov3.pth");

    unlink(at("cwd/models/realesr-animevideov3.pth"));
    expect_resolve("zoo/home_cache_third", name, 0,
                   at("home/.cache/realesrgan/realesr-animevideov3.pth"));
    setenv("XDG_CACHE_HOME", at("xdg"), 1);
    expect_resolve("zoo/xdg_cache", name, 0, at("xdg/realesrgan/realesr-animevideov3.pth"));
    setenv("XDG_CACHE_HOME", "relative/xdg", 1);
    expect_resolve("zoo/relative_xdg_ignored", name, 0,
                   at("home/.cache/realesrgan/realesr-animevideov3.pth"));
    unsetenv("XDG_CACHE_HOME");

    touch("cwd/models/RealESRGAN_x2plus.safetensors");
    expect_resolve("zoo/known_name_safetensors", "RealESRGAN_x2plus", 0,
                   "./models/RealESRGAN_x2plus.safetensors");
    touch("home/.cache/realesrgan/my-finetune.pth");
    expect_resolve("zoo/custom_name", "my-finetune", 0,
                   at("home/.cache/realesrgan/my-finetune.pth"));
    expect_resolve("zoo/custom_name_with_extension", "my-finetune.pth", 0,
                   at("home/.cache/realesrgan/my-finetune.pth"));
}

static void test_errors(void)
{
    char env[PATH_SIZE + 64];

    clear_env();
    snprintf(env, sizeof(env), "%s", at("env1"));
    setenv("REALESRGAN_MODEL_PATH", env, 1);
    const char *const unknown[] = {
        "model 'nosuchmodel': no such file, and not a known model name",
        "RealESRGAN_x4plus, RealESRNet_x4plus, RealESRGAN_x4plus_anime_6B, RealESRGAN_x2plus, "
        "realesr-animevideov3, realesr-general-x4v3, realesr-general-wdn-x4v3",
        "nosuchmodel.pth and nosuchmodel.safetensors", env, "./models",
        at("home/.cache/realesrgan"),
    };
    expect_error("zoo/unknown_name", "nosuchmodel", -ENOENT, unknown, 6);

    const char *const missing[] = {
        "model 'RealESRGAN_x4plus_anime_6B' not found", "RealESRGAN_x4plus_anime_6B.pth", env,
        "tools/fetch-models RealESRGAN_x4plus_anime_6B",
        "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.2.4/"
        "RealESRGAN_x4plus_anime_6B.pth",
        "f872d837d3c90ed2e05227bed711af5671a6fd1c9f7d7e91c911a61f155e99da",
    };
    expect_error("zoo/known_model_missing", "realesrgan_x4plus_anime_6b", -ENOENT, missing, 6);

    /* 13 directories: one more than the 12 the path may hold */
    char many[13 * 8] = "";
    for (int i = 0; i < 13; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s/d%d", i ? ":" : "", i);
    setenv("REALESRGAN_MODEL_PATH", many, 1);
    const char *const too_many[] = { "REALESRGAN_MODEL_PATH lists too many directories" };
    expect_error("zoo/too_many_dirs", "realesr-animevideov3", -EINVAL, too_many, 1);
}

/* ------------------------------------------------------------------ fetch-models agrees */

/* tools/fetch-models --find NAME: its exit status, and its first stdout line in out */
static int fetch_models_find(const char *name, char *out, size_t size)
{
    char cmd[2 * PATH_SIZE];
    FILE *p;

    out[0] = 0;
    snprintf(cmd, sizeof(cmd), "PREFIX=/nonexistent '%s/tools/fetch-models' -q --find '%s' "
             "2>/dev/null", root, name);
    if (!(p = popen(cmd, "r")))
        return -1;
    if (fgets(out, (int)size, p))
        out[strcspn(out, "\n")] = 0;
    return pclose(p);
}

/*
 * The same layouts through resr_zoo_resolve and tools/fetch-models --find. fetch-models
 * checks the sha256, so the files are links to the shared official realesr-animevideov3.pth.
 */
static void test_fetch_models_agrees(const char *official)
{
    char env[3 * PATH_SIZE], got[PATH_SIZE], want[PATH_SIZE];
    /* each adds a link; the links of the layouts before it stay */
    static const char *const layouts[][4] = {
        /* link, first REALESRGAN_MODEL_PATH dir, XDG_CACHE_HOME, expected (NULL: the link) */
        { "home/.cache/realesrgan/realesr-animevideov3.pth", NULL, NULL, NULL },
        { "cwd/models/realesr-animevideov3.pth", NULL, NULL, "./models/realesr-animevideov3.pth" },
        { "fmB/realesr-animevideov3.pth", "fmB", NULL, NULL },
        { "fmA/realesr-animevideov3.pth", "fmA", NULL, NULL },
        { "xdg2/realesrgan/realesr-animevideov3.pth", NULL, "xdg2", NULL },
    };
    int ret;

    if (access(official, R_OK) < 0) {
        resr_test_skip_data("zoo/fetch_models_agrees", "%s not found", official);
        return;
    }
    clear_env();
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        char dir[PATH_SIZE];
        snprintf(dir, sizeof(dir), "%s", at(layouts[i][0]));
        *strrchr(dir, '/') = 0;
        unlink(at(layouts[i][0]));   /* an earlier case's empty file */
        if (make_dirs(dir) < 0 || symlink(official, at(layouts[i][0])) < 0) {
            resr_test_fail("zoo/fetch_models_agrees", "%s: %s", layouts[i][0], strerror(errno));
            return;
        }
        if (layouts[i][1]) {
            snprintf(env, sizeof(env), "%s:%s", at(layouts[i][1]), at("fmB"));
            setenv("REALESRGAN_MODEL_PATH", env, 1);
        }
        if (layouts[i][2]) {   /* the cache alone decides: nothing before it */
            unsetenv("REALESRGAN_MODEL_PATH");
            unlink(at("cwd/models/realesr-animevideov3.pth"));
            setenv("XDG_CACHE_HOME", at(layouts[i][2]), 1);
        }
        const char *expected = layouts[i][3] ? layouts[i][3] : at(layouts[i][0]);
        ret = resr_zoo_resolve("realesr-animevideov3", want, sizeof(want), NULL, 0);
        if (ret < 0 || strcmp(want, expected)) {
            resr_test_fail("zoo/fetch_models_agrees", "layout %zu: resolve gave %d '%s', "
                           "expected %s", i, ret, want, expected);
            return;
        }
        ret = fetch_models_find("realesr-animevideov3", got, sizeof(got));
        if (ret != 0 || strcmp(got, want)) {
            resr_test_fail("zoo/fetch_models_agrees", "layout %zu: resolve gave %s, fetch-models "
                           "--find gave '%s' (status %d)", i, want, got, ret);
            return;
        }
    }
    resr_test_pass("zoo/fetch_models_agrees");

    /* the first file found is the one ffmpeg loads: a wrong one is an error, not skipped */
    clear_env();
    snprintf(env, sizeof(env), "%s", at("bad"));
    setenv("REALESRGAN_MODEL_PATH", env, 1);
    touch("bad/realesr-animevideov3.pth");
    ret = fetch_models_find("realesr-animevideov3", got, sizeof(got));
    resr_test_check(ret != 0 && !got[0], "zoo/fetch_models_rejects_checksum",
                    "an empty file first in the path gave status %d, '%s'", ret, got);
    unsetenv("REALESRGAN_MODEL_PATH");
}

int main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR"), *shared = getenv("RESR_SHARED_MODELS");
    char official[PATH_SIZE];

    if (!getcwd(root, sizeof(root)) || strlen(root) > DIR_SIZE - 64) {
        resr_test_fail("zoo/setup", "getcwd: %s", strerror(errno));
        return resr_test_exit();
    }
    /* made absolute: the cases run in a scratch directory */
    if (argc > 1)
        snprintf(official, sizeof(official), "%s%s%s", argv[1][0] == '/' ? "" : root,
                 argv[1][0] == '/' ? "" : "/", argv[1]);
    else if (shared && shared[0] == '/')
        snprintf(official, sizeof(official), "%s/realesr-animevideov3.pth", shared);
    else
        snprintf(official, sizeof(official), "%s/%s/realesr-animevideov3.pth", root,
                 shared ? shared : "../shared/models");
    /* tests/run-tests gives each test a fresh TMPDIR */
    snprintf(scratch, sizeof(scratch), "%s/resr-zoo-%ld", tmp && tmp[0] ? tmp : "/tmp",
             (long)getpid());
    if (mkdir(scratch, 0700) < 0 || make_dirs(at("cwd")) < 0 || chdir(at("cwd")) < 0) {
        resr_test_fail("zoo/setup", "scratch directory %s: %s", scratch, strerror(errno));
        return resr_test_exit();
    }

    test_table();
    test_find();
    test_paths();
    test_search_order();
    test_errors();
    test_fetch_models_agrees(official);

    if (chdir(root) == 0) {
        char cmd[PATH_SIZE + 16];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
        if (system(cmd) != 0)
            fprintf(stderr, "test_zoo: could not remove %s\n", scratch);
    }
    return resr_test_exit();
}
