/*
 * The pickle allow-list against the ways a .pth can ask Python to run code, built in memory
 * (tests/models/data holds the file-level cases: os.system, posix.system, builtins.eval,
 * subprocess via STACK_GLOBAL, INST, NEWOBJ). Each pickle must be refused by
 * resr_pickle_parse with a message naming what was refused; none may parse.
 *   - callables reached by GLOBAL (protocol 2) and STACK_GLOBAL (protocol 4), among them
 *     near-misses of allowed names (prefixes, suffixes, a NUL inside, a dotted name);
 *   - every object-building or out-of-band opcode: OBJ, NEWOBJ_EX, EXT1/2/4, PERSID,
 *     BUILD on something that is not a dict, sets, out-of-band buffers, protocol-0 text;
 *   - an allowed callable given to REDUCE with arguments it must not take.
 */
#include <stdio.h>
#include <string.h>

#include "../../models/pickle.h"
#include "../common/test_util.h"

typedef struct Buf {
    unsigned char b[1024];
    size_t n;
} Buf;

static void put(Buf *o, const void *p, size_t n)
{
    if (o->n + n <= sizeof(o->b)) {
        memcpy(o->b + o->n, p, n);
        o->n += n;
    }
}

static void puts_(Buf *o, const char *s) { put(o, s, strlen(s)); }

/* SHORT_BINUNICODE */
static void str(Buf *o, const char *s, size_t n)
{
    const unsigned char op[2] = { 0x8c, (unsigned char)n };
    put(o, op, 2);
    put(o, s, n);
}

/* Refused with a message containing want, or a FAIL line. */
static void expect_refused(const char *name, const Buf *p, const char *want)
{
    ResrPickle pk;
    char err[512] = "", full[300];
    snprintf(full, sizeof(full), "hostile_pickle/%s", name);
    const int ret = resr_pickle_parse(&pk, p->b, p->n, err, sizeof(err));
    if (ret == 0)
        resr_pickle_free(&pk);
    resr_test_check(ret < 0 && strstr(err, want), full, "ret %d, error '%s', wanted '%s'", ret,
                    err, want);
}

/* module.name called with () through GLOBAL and through STACK_GLOBAL */
static void callable(const char *module, size_t mlen, const char *name, size_t nlen)
{
    char label[256], want[256], shown_m[96], shown_n[96];
    Buf g = { .n = 0 }, s = { .n = 0 };

    /* the message shows non-printable bytes as '?' */
    for (size_t i = 0; i <= mlen && i < sizeof(shown_m); i++)
        shown_m[i] = i == mlen ? 0 : module[i] >= 0x20 && module[i] < 0x7f ? module[i] : '?';
    for (size_t i = 0; i <= nlen && i < sizeof(shown_n); i++)
        shown_n[i] = i == nlen ? 0 : name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
    snprintf(want, sizeof(want), "refusing pickle global '%s.%s'", shown_m, shown_n);

    puts_(&g, "\x80\x02" "c");
    put(&g, module, mlen);
    puts_(&g, "\n");
    put(&g, name, nlen);
    puts_(&g, "\n" ")R.");
    snprintf(label, sizeof(label), "global/%s.%s", shown_m, shown_n);
    expect_refused(label, &g, want);

    puts_(&s, "\x80\x04");
    str(&s, module, mlen);
    str(&s, name, nlen);
    puts_(&s, "\x93" ")R.");
    snprintf(label, sizeof(label), "stack_global/%s.%s", shown_m, shown_n);
    expect_refused(label, &s, want);
}

static void callable_z(const char *module, const char *name)
{
    callable(module, strlen(module), name, strlen(name));
}

static void opcode(const char *name, const char *bytes, size_t n, const char *want)
{
    Buf p = { .n = 0 };
    put(&p, bytes, n);
    expect_refused(name, &p, want);
}

int main(void)
{
    static const char *const calls[][2] = {
        { "builtins", "exec" },          { "builtins", "eval" },
        { "builtins", "getattr" },       { "builtins", "__import__" },
        { "builtins", "open" },          { "__builtin__", "eval" },
        { "os", "popen" },               { "os", "execv" },
        { "nt", "system" },              { "posix", "system" },
        { "subprocess", "Popen" },       { "subprocess", "run" },
        { "runpy", "_run_code" },        { "pickle", "loads" },
        { "marshal", "loads" },          { "types", "FunctionType" },
        { "importlib", "import_module" }, { "ctypes", "CDLL" },
        { "torch", "load" },             { "torch.storage", "_load_from_bytes" },
        { "torch._utils", "_rebuild_device_tensor_from_numpy" },
        { "torch._tensor", "_rebuild_from_type_v2" },
        { "torch.serialization", "_get_layout" },
        { "numpy", "load" },             { "numpy.core.multiarray", "_reconstruct" },
        { "numpy.testing._private.utils", "runstring" },
        { "collections", "defaultdict" }, { "functools", "partial" },
        { "operator", "attrgetter" },    { "webbrowser", "open" },
        /* near-misses of allowed names */
        { "collections", "OrderedDictX" }, { "collections.OrderedDict", "__reduce__" },
        { "torch._utils", "_rebuild_tensor_v3" }, { "torch._utils", "_rebuild_" },
        { "torch", "FloatStorage.__init__" },   { "torch.nn", "FloatStorage" },
        { "Torch", "FloatStorage" },            { "torch._utils ", "_rebuild_tensor" },
    };
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        callable_z(calls[i][0], calls[i][1]);
    /* a NUL or a newline inside an allowed name must not cut the comparison short */
    callable("collections", 11, "OrderedDict\0os.system", 21);
    callable("torch\0os", 8, "system", 6);

    opcode("opcode/OBJ", "\x80\x02" "(ccollections\nOrderedDict\no.", 29, "refusing pickle opcode OBJ");
    opcode("opcode/NEWOBJ_EX", "\x80\x04" "ccollections\nOrderedDict\n" ")}" "\x92.", 31,
           "refusing pickle opcode NEWOBJ_EX");
    opcode("opcode/EXT1", "\x80\x02\x82\x01.", 5, "refusing pickle opcode EXT");
    opcode("opcode/EXT2", "\x80\x02\x83\x01\x00.", 6, "refusing pickle opcode EXT");
    opcode("opcode/EXT4", "\x80\x02\x84\x01\x00\x00\x00.", 8, "refusing pickle opcode EXT");
    opcode("opcode/PERSID", "Pstorage\n.", 10, "refusing pickle opcode PERSID");
    opcode("opcode/EMPTY_SET", "\x80\x04\x8f.", 4, "refusing pickle opcode set");
    opcode("opcode/FROZENSET", "\x80\x04(\x91.", 5, "refusing pickle opcode set");
    opcode("opcode/NEXT_BUFFER", "\x80\x05\x97.", 4, "refusing pickle opcode out-of-band buffer");
    opcode("opcode/READONLY_BUFFER", "\x80\x05\x98.", 4, "refusing pickle opcode out-of-band buffer");
    opcode("opcode/text_STRING", "S'os'\n.", 7, "refusing pickle opcode protocol 0 text");
    opcode("opcode/text_INT", "I1\n.", 4, "refusing pickle opcode protocol 0 text");
    /* BUILD: __setstate__ on anything but a dict (OrderedDict's _metadata) is refused */
    opcode("build/state_on_tuple", "\x80\x02" ")}b.", 6, "pickle BUILD at byte 4 sets dict state on a tuple");
    opcode("build/list_state_on_dict", "\x80\x02" "}]b.", 6, "sets list state on a dict");
    opcode("build/on_global", "\x80\x02" "ccollections\nOrderedDict\n}b.", 29,
           "sets dict state on a global");
    /* allowed callables with arguments they must not take */
    opcode("reduce/ordered_dict_with_args",
           "\x80\x02" "ccollections\nOrderedDict\n" "]\x85R.", 30, "has constructor arguments");
    opcode("reduce/on_a_string", "\x80\x04\x8c\x02os)R.", 8, "pickle REDUCE at byte 7 calls a str");
    opcode("reduce/storage_type",
           "\x80\x02" "ctorch\nFloatStorage\n" ")R.", 24, "calls a storage type");
    opcode("reduce/rebuild_without_storage",
           "\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n" "(K\x00K\x00)))\x89Nt" "R.", 48,
           "not backed by a storage");
    return resr_test_exit();
}
