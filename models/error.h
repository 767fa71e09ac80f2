/*
 * How the loaders report a failure: a message naming the file and the problem in the
 * caller's buffer, and a negative errno as the return value.
 */
#ifndef RESR_MODELS_ERROR_H
#define RESR_MODELS_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* Writes the printf-style message into err (when err and err_size are set); returns ret. */
int resr_set_error(char *err, size_t err_size, int ret, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The same with a va_list, for the parsers' own reporting functions. */
int resr_vset_error(char *err, size_t err_size, int ret, const char *fmt, va_list ap);

#endif /* RESR_MODELS_ERROR_H */
