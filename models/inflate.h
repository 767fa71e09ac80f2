/*
 * Raw DEFLATE (RFC 1951) decoder for zip entries: ours rather than zlib's, so the loader
 * has no dependency and every byte it touches is bounds-checked. The caller states the
 * exact output size it expects (the zip header's), and more is refused: a zip bomb stops
 * at the declared size instead of filling memory.
 */
#ifndef RESR_MODELS_INFLATE_H
#define RESR_MODELS_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes src into dst[0..dst_cap). On success returns 0 and *dst_len is the number of
 * bytes produced (<= dst_cap). On failure returns -EINVAL (corrupt or truncated stream) or
 * -EFBIG (the stream decodes to more than dst_cap bytes), and *why names the problem
 * (a static string). Never reads outside src[0..src_len) nor writes outside dst.
 */
int resr_inflate(uint8_t *dst, size_t dst_cap, size_t *dst_len,
                 const uint8_t *src, size_t src_len, const char **why);

#endif /* RESR_MODELS_INFLATE_H */
