/*
 * An allow-list interpreter for the pickle inside a PyTorch .pth (data.pkl). It builds a
 * tree of plain values and never calls anything: the only globals it accepts are the few a
 * state dict is made of (OrderedDict, torch's tensor rebuild functions, torch storage
 * types), and REDUCE on them is evaluated by our own code. Any other global, object
 * construction opcode or unknown opcode stops the load with an error naming it.
 *
 * The tree is never walked recursively, so hostile nesting cannot exhaust the C stack;
 * stack, memo, marks and value counts are bounded.
 */
#ifndef RESR_MODELS_PICKLE_H
#define RESR_MODELS_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

#define RESR_PICKLE_MAX_SIZE   ((size_t)16 << 20)  /* data.pkl of RealESRGAN_x4plus: ~70 KB */
#define RESR_PICKLE_MAX_VALUES (1u << 20)
#define RESR_PICKLE_MAX_STACK  (1u << 20)
#define RESR_PICKLE_MAX_MEMO   (1u << 20)
#define RESR_PICKLE_MAX_MARKS  256

typedef enum ResrPickleType {
    RESR_PK_NONE = 0,
    RESR_PK_BOOL,
    RESR_PK_INT,
    RESR_PK_FLOAT,
    RESR_PK_STR,      /* str or bytes: borrowed from the pickle bytes, not NUL-terminated */
    RESR_PK_TUPLE,
    RESR_PK_LIST,
    RESR_PK_DICT,     /* dict or OrderedDict: (key, value) pairs in insertion order */
    RESR_PK_GLOBAL,   /* one of the allowed callables / classes */
    RESR_PK_STORAGE,  /* a tensor storage named by a persistent id */
    RESR_PK_TENSOR,
} ResrPickleType;

typedef enum ResrPickleGlobal {
    RESR_PKG_ORDERED_DICT = 1,
    RESR_PKG_REBUILD_TENSOR,               /* torch._utils._rebuild_tensor */
    RESR_PKG_REBUILD_TENSOR_V2,            /* torch._utils._rebuild_tensor_v2 */
    RESR_PKG_REBUILD_PARAMETER,            /* torch._utils._rebuild_parameter */
    RESR_PKG_REBUILD_PARAMETER_WITH_STATE, /* torch._utils._rebuild_parameter_with_state */
    RESR_PKG_STORAGE_TYPE,                 /* torch.FloatStorage and friends */
} ResrPickleGlobal;

typedef struct ResrPickleTensor {
    uint32_t storage;   /* value index of a RESR_PK_STORAGE */
    int64_t offset;     /* in elements */
    int ndim;
    int64_t shape[RESR_MAX_DIMS];
    int64_t stride[RESR_MAX_DIMS];
} ResrPickleTensor;

typedef struct ResrPickleValue {
    ResrPickleType type;
    union {
        int64_t i;                                           /* BOOL, INT */
        double f;                                            /* FLOAT */
        struct { const char *ptr; size_t len; } str;         /* STR */
        struct { uint32_t *items; uint32_t len, cap; } seq;  /* TUPLE, LIST; DICT: k, v, ... */
        struct {
            ResrPickleGlobal kind;
            ResrDType dtype;                                 /* storage types */
            const char *dtype_name;                          /* "float32", "int64", ... */
        } global;
        struct {
            ResrDType dtype;
            const char *dtype_name;
            uint32_t key;                                    /* value index: STR or INT */
            int64_t numel;
        } storage;
        uint32_t tensor;                                     /* index into ResrPickle.tensors */
    } u;
} ResrPickleValue;

typedef struct ResrPickle {
    ResrPickleValue *values;
    uint32_t count, cap;
    ResrPickleTensor *tensors;
    uint32_t tensor_count, tensor_cap;
    uint32_t root;      /* value index of the unpickled object */
} ResrPickle;

/*
 * Interprets data (borrowed: strings point into it, so it must outlive pk). Returns 0,
 * -EINVAL (refused or malformed: err says what and where) or -ENOMEM.
 */
int resr_pickle_parse(ResrPickle *pk, const uint8_t *data, size_t size, char *err, size_t err_size);
void resr_pickle_free(ResrPickle *pk);

/*
 * Looks up a str key in a dict value. Returns the value index, or UINT32_MAX when absent;
 * *dups counts further entries with the same key (Python would keep the last: we refuse).
 */
uint32_t resr_pickle_dict_get(const ResrPickle *pk, uint32_t dict, const char *key, int *dups);

/* "str", "int", "tuple", ... for messages. */
const char *resr_pickle_type_name(ResrPickleType type);

#endif /* RESR_MODELS_PICKLE_H */
