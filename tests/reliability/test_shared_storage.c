/*
 * Tensors viewing the same bytes of one storage are refused before anything is converted:
 * otherwise a small .pth makes the loader convert far more than it holds (200 views of one
 * 4 MiB storage are 800 MiB of weights). Views of disjoint parts of one storage pass that
 * check. Each .pth is a stored zip built in memory: data.pkl (protocol 2, the opcodes
 * torch.save writes), one float32 storage, byteorder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../models/model.h"
#include "../../models/zip.h"
#include "../common/test_util.h"

typedef struct Buf {
    unsigned char *b;
    size_t n, cap;
} Buf;

static void put(Buf *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->n + n)
            cap *= 2;
        unsigned char *grown = realloc(o->b, cap);
        if (!grown) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        o->b = grown;
        o->cap = cap;
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void puts_(Buf *o, const char *s) { put(o, s, strlen(s)); }

static void le(Buf *o, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        const unsigned char c = (unsigned char)(v >> (8 * i));
        put(o, &c, 1);
    }
}

/* BINUNICODE */
static void str(Buf *o, const char *s)
{
    puts_(o, "X");
    le(o, (uint32_t)strlen(s), 4);
    puts_(o, s);
}

/* BININT */
static void int32(Buf *o, uint32_t v)
{
    puts_(o, "J");
    le(o, v, 4);
}

typedef struct View {
    const char *name;
    uint32_t offset, numel;
} View;

/* {'params': {name: 1-d float32 tensor over storage '0' of storage_numel elements}} */
static void state_dict_pickle(Buf *o, const View *v, size_t n, uint32_t storage_numel)
{
    puts_(o, "\x80\x02}");
    str(o, "params");
    puts_(o, "}(");
    for (size_t i = 0; i < n; i++) {
        str(o, v[i].name);
        puts_(o, "ctorch._utils\n_rebuild_tensor_v2\n((");
        str(o, "storage");
        puts_(o, "ctorch\nFloatStorage\n");
        str(o, "0");
        str(o, "cpu");
        int32(o, storage_numel);
        puts_(o, "tQ");                         /* persistent id: the storage */
        int32(o, v[i].offset);
        puts_(o, "(");
        int32(o, v[i].numel);
        puts_(o, "t(K\x01t\x89" "ccollections\nOrderedDict\n)RtR");
    }
    puts_(o, "us.");
}

typedef struct Entry {
    const char *name;
    const unsigned char *data;
    size_t size;
} Entry;

/* a stored zip of the entries */
static void stored_zip(Buf *z, const Entry *e, size_t n)
{
    uint32_t offsets[8], crcs[8];
    for (size_t i = 0; i < n; i++) {
        offsets[i] = (uint32_t)z->n;
        crcs[i] = resr_crc32(0, e[i].data, e[i].size);
        le(z, 0x04034b50u, 4);
        le(z, 20, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2);
        le(z, crcs[i], 4), le(z, (uint32_t)e[i].size, 4), le(z, (uint32_t)e[i].size, 4);
        le(z, (uint32_t)strlen(e[i].name), 2), le(z, 0, 2);
        puts_(z, e[i].name);
        put(z, e[i].data, e[i].size);
    }
    const uint32_t cd = (uint32_t)z->n;
    for (size_t i = 0; i < n; i++) {
        le(z, 0x02014b50u, 4);
        le(z, 20, 2), le(z, 20, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2);
        le(z, crcs[i], 4), le(z, (uint32_t)e[i].size, 4), le(z, (uint32_t)e[i].size, 4);
        le(z, (uint32_t)strlen(e[i].name), 2);
        le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 4);
        le(z, offsets[i], 4);
        puts_(z, e[i].name);
    }
    const uint32_t cd_size = (uint32_t)z->n - cd;
    le(z, 0x06054b50u, 4);
    le(z, 0, 2), le(z, 0, 2), le(z, (uint32_t)n, 2), le(z, (uint32_t)n, 2);
    le(z, cd_size, 4), le(z, cd, 4), le(z, 0, 2);
}

/* Loads the views as a .pth; returns the status, the message in err. */
static int load_views(const View *v, size_t n, uint32_t storage_numel, char *err, size_t err_size)
{
    Buf pkl = { 0 }, zip = { 0 };
    unsigned char *storage = calloc(storage_numel ? storage_numel : 1, 4);
    ResrModel *m = NULL;

    if (!storage) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    state_dict_pickle(&pkl, v, n, storage_numel);
    const Entry entries[] = {
        { "shared/data.pkl", pkl.b, pkl.n },
        { "shared/data/0", storage, (size_t)storage_numel * 4 },
        { "shared/byteorder", (const unsigned char *)"little", 6 },
    };
    stored_zip(&zip, entries, 3);
    const int ret = resr_model_load_buffer(&m, zip.b, zip.n, "shared.pth", err, err_size);
    resr_model_free(&m);
    free(storage);
    free(pkl.b);
    free(zip.b);
    return ret;
}

static void expect_shared_refused(const char *name, const View *v, size_t n,
                                  uint32_t storage_numel, const char *want)
{
    char err[512] = "";
    const int ret = load_views(v, n, storage_numel, err, sizeof(err));
    resr_test_check(ret == -EINVAL && strstr(err, want), name, "ret %d, error '%s', wanted '%s'",
                    ret, err, want);
}

int main(void)
{
    char err[512] = "";

    const View overlap[] = { { "a", 0, 100 }, { "b", 50, 100 } };
    expect_shared_refused("shared_storage/overlapping_views", overlap, 2, 200,
                          "tensors 'a' and 'b' share bytes of storage 'data/0'");

    const View tied[] = { { "conv.weight", 0, 64 }, { "tied.weight", 0, 64 } };
    expect_shared_refused("shared_storage/tied_weights", tied, 2, 64,
                          "tensors 'conv.weight' and 'tied.weight' share bytes");

    /* 200 views of 2^20 elements of one 4 MiB storage: under the 2^28-parameter cap, 800 MiB
     * to convert before the fix, refused now before any conversion */
    enum { FLOOD = 200 };
    static View flood[FLOOD];
    static char names[FLOOD][16];
    for (int i = 0; i < FLOOD; i++) {
        snprintf(names[i], sizeof(names[i]), "t%03d", i);
        flood[i] = (View){ names[i], 0, 1u << 20 };
    }
    expect_shared_refused("shared_storage/alias_flood_200x4MiB", flood, FLOOD, 1u << 20,
                          "share bytes of storage 'data/0'");

    /* disjoint parts of one storage (and an empty tensor anywhere) pass the check; the file
     * is then refused for what it is: not a network */
    const View disjoint[] = { { "a", 0, 100 }, { "b", 100, 100 }, { "c", 50, 0 } };
    const int ret = load_views(disjoint, 3, 200, err, sizeof(err));
    resr_test_check(ret == -EINVAL && !strstr(err, "share bytes") &&
                    strstr(err, "architecture"), "shared_storage/disjoint_views_allowed",
                    "ret %d, error '%s'", ret, err);
    return resr_test_exit();
}
