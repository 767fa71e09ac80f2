/*
 * Raw DEFLATE decoder. Huffman codes decode through a 2^FAST_BITS lookup table, with a
 * canonical bit-by-bit walk (as in zlib's puff.c) for the rare longer codes. The code
 * validity rules follow zlib's inftrees.c: over-subscribed codes are refused, incomplete
 * ones only allowed when they are a single one-bit code.
 */
#include <errno.h>
#include <string.h>

#include "inflate.h"

#define FAST_BITS   10
#define MAX_BITS    15
#define MAX_LITLEN  288  /* 286 valid symbols; the fixed code defines 288 */
#define MAX_DIST    32   /* 30 valid symbols; the fixed code defines 32 */
#define MAX_CODELEN 19

typedef struct Huffman {
    uint16_t fast[1 << FAST_BITS];  /* (length << 9) | symbol; 0: code longer than FAST_BITS */
    uint16_t count[MAX_BITS + 1];   /* number of codes of each length */
    uint16_t symbol[MAX_LITLEN];    /* symbols ordered by code */
} Huffman;

typedef struct Inflater {
    const uint8_t *src;
    size_t src_len, src_pos;
    uint64_t bitbuf;   /* holds only real input bits: nothing is invented past the end */
    int bitcnt;

    uint8_t *dst;
    size_t dst_cap, dst_pos;

    const char *why;
    Huffman lit, dist, codelen;
} Inflater;

static const uint16_t len_base[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
    9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
static const uint8_t codelen_order[MAX_CODELEN] = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

static int fail(Inflater *s, const char *why)
{
    s->why = why;
    return -EINVAL;
}

static void refill(Inflater *s)
{
    while (s->bitcnt <= 56 && s->src_pos < s->src_len) {
        s->bitbuf |= (uint64_t)s->src[s->src_pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
}

/* n <= 16 */
static int get_bits(Inflater *s, int n, unsigned *out)
{
    refill(s);
    if (s->bitcnt < n)
        return fail(s, "truncated deflate stream");
    *out = (unsigned)(s->bitbuf & ((1u << n) - 1));
    s->bitbuf >>= n;
    s->bitcnt -= n;
    return 0;
}

/*
 * Builds the decoding tables from code lengths. is_codelen: the code-length code, which
 * zlib never allows incomplete. A code with no symbols at all is accepted here and fails
 * only if a symbol is actually decoded from it (as zlib does for literal-only blocks).
 */
static int huff_build(Inflater *s, Huffman *h, const uint8_t *lengths, int n, int is_codelen)
{
    uint16_t offs[MAX_BITS + 2];
    uint16_t next_code[MAX_BITS + 1];
    int left = 1, max_len = 0;

    memset(h->count, 0, sizeof(h->count));
    memset(h->fast, 0, sizeof(h->fast));
    for (int i = 0; i < n; i++)
        h->count[lengths[i]]++;
    h->count[0] = 0;
    for (int len = 1; len <= MAX_BITS; len++) {
        left = 2 * left - h->count[len];
        if (left < 0)
            return fail(s, "over-subscribed Huffman code");
        if (h->count[len])
            max_len = len;
    }
    if (max_len == 0)
        return 0;
    if (left > 0 && (is_codelen || max_len != 1))
        return fail(s, "incomplete Huffman code");

    offs[1] = 0;
    for (int len = 1; len <= MAX_BITS; len++)
        offs[len + 1] = offs[len] + h->count[len];
    for (int sym = 0; sym < n; sym++)
        if (lengths[sym])
            h->symbol[offs[lengths[sym]]++] = (uint16_t)sym;

    unsigned code = 0;
    next_code[0] = 0;
    for (int len = 1; len <= MAX_BITS; len++) {
        code = (code + h->count[len - 1]) << 1;
        next_code[len] = (uint16_t)code;
    }
    for (int sym = 0; sym < n; sym++) {
        const int len = lengths[sym];
        if (!len)
            continue;
        const unsigned c = next_code[len]++;
        if (len > FAST_BITS)
            continue;
        /* deflate sends Huffman codes most significant bit first into an LSB-first stream */
        unsigned rev = 0;
        for (int b = 0; b < len; b++)
            rev |= ((c >> b) & 1u) << (len - 1 - b);
        for (unsigned j = rev; j < (1u << FAST_BITS); j += 1u << len)
            h->fast[j] = (uint16_t)((len << 9) | sym);
    }
    return 0;
}

static int decode(Inflater *s, const Huffman *h, int *sym)
{
    refill(s);
    const unsigned peek = (unsigned)(s->bitbuf & ((1u << MAX_BITS) - 1));
    const unsigned entry = h->fast[peek & ((1u << FAST_BITS) - 1)];
    int len;

    if (entry) {
        len  = (int)(entry >> 9);
        *sym = (int)(entry & 511);
    } else {
        /* canonical walk: codes of each length are consecutive integers starting at first */
        int code = 0, first = 0, index = 0;
        for (len = 1; len <= MAX_BITS; len++) {
            code |= (int)((peek >> (len - 1)) & 1u);
            const int count = h->count[len];
            if (code - first < count) {
                *sym = h->symbol[index + code - first];
                break;
            }
            index += count;
            first  = (first + count) << 1;
            code <<= 1;
        }
        if (len > MAX_BITS)
            return fail(s, s->bitcnt < MAX_BITS ? "truncated deflate stream"
                                                : "invalid Huffman code");
    }
    if (len > s->bitcnt)
        return fail(s, "truncated deflate stream");
    s->bitbuf >>= len;
    s->bitcnt -= len;
    return 0;
}

static int stored_block(Inflater *s)
{
    unsigned len, nlen;
    int ret;

    /* drop the bits up to the byte boundary, then give back whole unread bytes */
    s->bitbuf >>= s->bitcnt & 7;
    s->bitcnt -= s->bitcnt & 7;
    if ((ret = get_bits(s, 16, &len)) < 0 || (ret = get_bits(s, 16, &nlen)) < 0)
        return ret;
    if (len != (~nlen & 0xffffu))
        return fail(s, "stored block length check failed");
    s->src_pos -= (size_t)(s->bitcnt / 8);
    s->bitbuf = 0;
    s->bitcnt = 0;

    if (len > s->src_len - s->src_pos)
        return fail(s, "truncated deflate stream");
    if (len > s->dst_cap - s->dst_pos) {
        s->why = "deflate data larger than declared";
        return -EFBIG;
    }
    memcpy(s->dst + s->dst_pos, s->src + s->src_pos, len);
    s->dst_pos += len;
    s->src_pos += len;
    return 0;
}

static int huffman_block(Inflater *s)
{
    int ret, sym;

    for (;;) {
        if ((ret = decode(s, &s->lit, &sym)) < 0)
            return ret;
        if (sym < 256) {
            if (s->dst_pos >= s->dst_cap) {
                s->why = "deflate data larger than declared";
                return -EFBIG;
            }
            s->dst[s->dst_pos++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return 0;

        unsigned extra, len, dist;
        sym -= 257;
        if (sym >= 29)
            return fail(s, "invalid length symbol");
        if ((ret = get_bits(s, len_extra[sym], &extra)) < 0)
            return ret;
        len = len_base[sym] + extra;

        if ((ret = decode(s, &s->dist, &sym)) < 0)
            return ret;
        if (sym >= 30)
            return fail(s, "invalid distance symbol");
        if ((ret = get_bits(s, dist_extra[sym], &extra)) < 0)
            return ret;
        dist = dist_base[sym] + extra;

        if (dist > s->dst_pos)
            return fail(s, "distance too far back");
        if (len > s->dst_cap - s->dst_pos) {
            s->why = "deflate data larger than declared";
            return -EFBIG;
        }
        /* byte by byte: source and destination overlap when dist < len */
        uint8_t *out = s->dst + s->dst_pos;
        const uint8_t *from = out - dist;
        for (unsigned i = 0; i < len; i++)
            out[i] = from[i];
        s->dst_pos += len;
    }
}

static int fixed_tables(Inflater *s)
{
    uint8_t lengths[MAX_LITLEN];
    int ret, i;

    for (i = 0; i < 144; i++)        lengths[i] = 8;
    for (; i < 256; i++)             lengths[i] = 9;
    for (; i < 280; i++)             lengths[i] = 7;
    for (; i < MAX_LITLEN; i++)      lengths[i] = 8;
    if ((ret = huff_build(s, &s->lit, lengths, MAX_LITLEN, 0)) < 0)
        return ret;
    for (i = 0; i < MAX_DIST; i++)
        lengths[i] = 5;
    return huff_build(s, &s->dist, lengths, MAX_DIST, 0);
}

static int dynamic_tables(Inflater *s)
{
    uint8_t lengths[286 + 30];
    unsigned hlit, hdist, hclen, v;
    int ret;

    if ((ret = get_bits(s, 5, &hlit)) < 0 || (ret = get_bits(s, 5, &hdist)) < 0 ||
        (ret = get_bits(s, 4, &hclen)) < 0)
        return ret;
    hlit += 257;
    hdist += 1;
    hclen += 4;
    if (hlit > 286 || hdist > 30)
        return fail(s, "too many length or distance symbols");

    memset(lengths, 0, sizeof(lengths));
    for (unsigned i = 0; i < hclen; i++) {
        if ((ret = get_bits(s, 3, &v)) < 0)
            return ret;
        lengths[codelen_order[i]] = (uint8_t)v;
    }
    if ((ret = huff_build(s, &s->codelen, lengths, MAX_CODELEN, 1)) < 0)
        return ret;

    memset(lengths, 0, sizeof(lengths));
    unsigned n = 0;
    while (n < hlit + hdist) {
        int sym;
        unsigned repeat, value = 0;
        if ((ret = decode(s, &s->codelen, &sym)) < 0)
            return ret;
        if (sym < 16) {
            lengths[n++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (n == 0)
                return fail(s, "repeated code length with no previous length");
            value = lengths[n - 1];
            if ((ret = get_bits(s, 2, &repeat)) < 0)
                return ret;
            repeat += 3;
        } else if (sym == 17) {
            if ((ret = get_bits(s, 3, &repeat)) < 0)
                return ret;
            repeat += 3;
        } else {
            if ((ret = get_bits(s, 7, &repeat)) < 0)
                return ret;
            repeat += 11;
        }
        if (repeat > hlit + hdist - n)
            return fail(s, "too many code lengths");
        while (repeat--)
            lengths[n++] = (uint8_t)value;
    }
    if (lengths[256] == 0)
        return fail(s, "missing end-of-block code");
    if ((ret = huff_build(s, &s->lit, lengths, (int)hlit, 0)) < 0)
        return ret;
    return huff_build(s, &s->dist, lengths + hlit, (int)hdist, 0);
}

int resr_inflate(uint8_t *dst, size_t dst_cap, size_t *dst_len,
                 const uint8_t *src, size_t src_len, const char **why)
{
    Inflater s;
    unsigned final, type;
    int ret;

    memset(&s, 0, sizeof(s));
    s.src = src;
    s.src_len = src_len;
    s.dst = dst;
    s.dst_cap = dst_cap;
    *dst_len = 0;

    do {
        if ((ret = get_bits(&s, 1, &final)) < 0 || (ret = get_bits(&s, 2, &type)) < 0)
            goto fail;
        switch (type) {
        case 0:
            ret = stored_block(&s);
            break;
        case 1:
            if ((ret = fixed_tables(&s)) >= 0)
                ret = huffman_block(&s);
            break;
        case 2:
            if ((ret = dynamic_tables(&s)) >= 0)
                ret = huffman_block(&s);
            break;
        default:
            ret = fail(&s, "invalid block type");
            break;
        }
        if (ret < 0)
            goto fail;
    } while (!final);

    *dst_len = s.dst_pos;
    return 0;
fail:
    *why = s.why;
    return ret;
}
