/* The driver calls FFmpeg's loader lacks (driver_ext.h). */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "driver_ext.h"

static void *find(void *lib, const char *name, const char **missing)
{
    void *f = lib ? dlsym(lib, name) : NULL;

    if (!f && !*missing)
        *missing = name;
    return f;
}

int resr_driver_ext_load(ResrDriverExt *ext, const char **missing)
{
    /* the library FFmpeg's loader opened: RTLD_NOLOAD never loads another one */
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);

    memset(ext, 0, sizeof(*ext));
    *missing = lib ? NULL : "libcuda.so.1 (not loaded)";
    *(void **)&ext->launch_kernel_ex = find(lib, "cuLaunchKernelEx", missing);
    *(void **)&ext->func_set_attribute = find(lib, "cuFuncSetAttribute", missing);
    ext->encode_tiled = find(lib, "cuTensorMapEncodeTiled", missing);
    ext->encode_im2col = find(lib, "cuTensorMapEncodeIm2col", missing);
    ext->driver_version = find(lib, "cuDriverGetVersion", missing);
    if (lib)
        dlclose(lib);   /* drops the reference NOLOAD took; FFmpeg's keeps it loaded */
    return *missing ? -ENOSYS : 0;
}
