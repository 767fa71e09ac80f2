/* The loaders' error reporting (error.h). */
#include <stdio.h>

#include "error.h"

int resr_vset_error(char *err, size_t err_size, int ret, const char *fmt, va_list ap)
{
    if (err && err_size)
        vsnprintf(err, err_size, fmt, ap);
    return ret;
}

int resr_set_error(char *err, size_t err_size, int ret, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ret = resr_vset_error(err, err_size, ret, fmt, ap);
    va_end(ap);
    return ret;
}
