/*
 * Zip reading, from the end: end-of-central-directory record (zip64 when present: torch
 * always writes it), central directory, then each entry's local header on demand. Sizes
 * from the file are uint64_t and compared against what is left of the buffer before any
 * addition, so no sum can wrap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "inflate.h"
#include "zip.h"

#define SIG_LOCAL      0x04034b50u
#define SIG_CENTRAL    0x02014b50u
#define SIG_EOCD       0x06054b50u
#define SIG_EOCD64     0x06064b50u
#define SIG_EOCD64_LOC 0x07064b50u

#define LOCAL_SIZE     30
#define CENTRAL_SIZE   46
#define EOCD_SIZE      22
#define EOCD64_SIZE    56
#define EOCD64_LOC_SIZE 20

#define FLAG_ENCRYPTED       0x0001u
#define FLAG_DATA_DESCRIPTOR 0x0008u
#define FLAG_STRONG_ENCRYPT  0x0040u

/* A deflate symbol pair (length 258, distance) costs at least 2 bits: 1032 bytes per byte. */
#define DEFLATE_MAX_RATIO 1032

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

uint32_t resr_crc32(uint32_t crc, const uint8_t *data, size_t size)
{
    /* slicing-by-4; the table costs ~1k operations, negligible next to any entry */
    uint32_t table[4][256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[0][i] = c;
    }
    for (int t = 1; t < 4; t++)
        for (int i = 0; i < 256; i++)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];

    crc = ~crc;
    while (size >= 4) {
        crc ^= rd32(data);
        crc = table[3][crc & 0xff] ^ table[2][(crc >> 8) & 0xff] ^
              table[1][(crc >> 16) & 0xff] ^ table[0][crc >> 24];
        data += 4;
        size -= 4;
    }
    while (size--)
        crc = table[0][(crc ^ *data++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const ResrZipEntry *)a)->name, ((const ResrZipEntry *)b)->name);
}

/* Finds the end-of-central-directory record: the last signature whose comment fits. */
static int find_eocd(const uint8_t *data, size_t size, size_t *eocd)
{
    if (size < EOCD_SIZE)
        return -1;
    const size_t lowest = size - EOCD_SIZE > 65535 ? size - EOCD_SIZE - 65535 : 0;
    for (size_t pos = size - EOCD_SIZE + 1; pos-- > lowest;) {
        if (rd32(data + pos) == SIG_EOCD &&
            (size_t)rd16(data + pos + 20) <= size - EOCD_SIZE - pos) {
            *eocd = pos;
            return 0;
        }
    }
    return -1;
}

/* Replaces the 0xffffffff placeholders of a central header by its zip64 extra field. */
static int apply_zip64_extra(const uint8_t *extra, size_t extra_len, ResrZipEntry *e,
                             int need_size, int need_comp, int need_offset)
{
    size_t pos = 0;
    while (extra_len - pos >= 4) {
        const uint16_t id = rd16(extra + pos), len = rd16(extra + pos + 2);
        pos += 4;
        if (len > extra_len - pos)
            return -1;
        if (id == 0x0001) {
            const uint8_t *p = extra + pos;
            size_t left = len;
            if (need_size) {
                if (left < 8) return -1;
                e->size = rd64(p); p += 8; left -= 8;
            }
            if (need_comp) {
                if (left < 8) return -1;
                e->comp_size = rd64(p); p += 8; left -= 8;
            }
            if (need_offset) {
                if (left < 8) return -1;
                e->local_offset = rd64(p);
            }
            return 0;
        }
        pos += len;
    }
    return need_size || need_comp || need_offset ? -1 : 0;
}

int resr_zip_open(ResrZip *zip, const uint8_t *data, size_t size, char *err, size_t err_size)
{
    size_t eocd;
    uint64_t count, cd_size, cd_offset, cd_limit;
    char *names;
    int ret;

    memset(zip, 0, sizeof(*zip));
    zip->data = data;
    zip->size = size;

    if (find_eocd(data, size, &eocd) < 0)
        return resr_set_error(err, err_size, -EINVAL, "truncated: zip central directory not found");
    const uint8_t *e = data + eocd;
    count     = rd16(e + 10);
    cd_size   = rd32(e + 12);
    cd_offset = rd32(e + 16);
    cd_limit  = eocd;
    if (rd16(e + 4) != 0 || rd16(e + 6) != 0) {
        if (rd16(e + 4) != 0xffff || rd16(e + 6) != 0xffff)
            return resr_set_error(err, err_size, -EINVAL, "multi-disk zip archives are not supported");
    }

    if (eocd >= EOCD64_LOC_SIZE && rd32(data + eocd - EOCD64_LOC_SIZE) == SIG_EOCD64_LOC) {
        const uint8_t *loc = data + eocd - EOCD64_LOC_SIZE;
        const uint64_t off = rd64(loc + 8);
        if (off > eocd - EOCD64_LOC_SIZE || eocd - EOCD64_LOC_SIZE - off < EOCD64_SIZE ||
            rd32(data + off) != SIG_EOCD64)
            return resr_set_error(err, err_size, -EINVAL, "corrupt zip64 end of central directory");
        const uint8_t *e64 = data + off;
        if (rd32(e64 + 16) != 0 || rd32(e64 + 20) != 0)
            return resr_set_error(err, err_size, -EINVAL, "multi-disk zip archives are not supported");
        count     = rd64(e64 + 32);
        cd_size   = rd64(e64 + 40);
        cd_offset = rd64(e64 + 48);
        cd_limit  = off;
    } else if (count == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) {
        return resr_set_error(err, err_size, -EINVAL,
                       "truncated: zip64 end of central directory not found");
    }

    if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset)
        return resr_set_error(err, err_size, -EINVAL,
                       "truncated: zip central directory (%llu bytes at %llu) outside the file",
                       (unsigned long long)cd_size, (unsigned long long)cd_offset);
    if (count > RESR_ZIP_MAX_ENTRIES)
        return resr_set_error(err, err_size, -EINVAL, "zip archive has %llu entries (limit %d)",
                       (unsigned long long)count, RESR_ZIP_MAX_ENTRIES);
    if (count > cd_size / CENTRAL_SIZE)
        return resr_set_error(err, err_size, -EINVAL, "corrupt zip: %llu entries cannot fit in a "
                       "%llu-byte central directory", (unsigned long long)count,
                       (unsigned long long)cd_size);
    zip->cd_offset = cd_offset;

    zip->entries = calloc(count ? count : 1, sizeof(*zip->entries));
    /* every name is in the directory, so cd_size + one NUL per entry bounds them all */
    names = zip->names = malloc(cd_size + count + 1);
    if (!zip->entries || !names) {
        ret = resr_set_error(err, err_size, -ENOMEM, "out of memory reading the zip directory");
        goto fail;
    }

    const uint8_t *cd = data + cd_offset;
    size_t pos = 0, names_used = 0;
    for (uint64_t i = 0; i < count; i++) {
        ResrZipEntry *ent = &zip->entries[i];
        if (cd_size - pos < CENTRAL_SIZE || rd32(cd + pos) != SIG_CENTRAL) {
            ret = resr_set_error(err, err_size, -EINVAL, "corrupt zip central directory (entry %llu)",
                          (unsigned long long)i);
            goto fail;
        }
        const uint8_t *h = cd + pos;
        const size_t name_len = rd16(h + 28), extra_len = rd16(h + 30), comment_len = rd16(h + 32);
        if (name_len + extra_len + comment_len > cd_size - pos - CENTRAL_SIZE) {
            ret = resr_set_error(err, err_size, -EINVAL, "corrupt zip central directory (entry %llu)",
                          (unsigned long long)i);
            goto fail;
        }
        const uint8_t *name = h + CENTRAL_SIZE;
        if (memchr(name, 0, name_len)) {
            ret = resr_set_error(err, err_size, -EINVAL, "zip entry name contains a NUL byte");
            goto fail;
        }
        ent->name = names + names_used;
        memcpy(ent->name, name, name_len);
        ent->name[name_len] = 0;
        ent->name_len = name_len;
        names_used += name_len + 1;

        ent->flags        = rd16(h + 8);
        ent->method       = rd16(h + 10);
        ent->crc32        = rd32(h + 16);
        ent->comp_size    = rd32(h + 20);
        ent->size         = rd32(h + 24);
        ent->local_offset = rd32(h + 42);
        if (apply_zip64_extra(name + name_len, extra_len, ent, ent->size == 0xffffffffu,
                              ent->comp_size == 0xffffffffu,
                              ent->local_offset == 0xffffffffu) < 0) {
            ret = resr_set_error(err, err_size, -EINVAL, "zip entry '%s' has a corrupt zip64 extra field",
                          ent->name);
            goto fail;
        }
        if (ent->local_offset >= cd_offset) {
            ret = resr_set_error(err, err_size, -EINVAL, "zip entry '%s' starts outside the archive data",
                          ent->name);
            goto fail;
        }
        pos += CENTRAL_SIZE + name_len + extra_len + comment_len;
    }
    zip->count = count;

    qsort(zip->entries, zip->count, sizeof(*zip->entries), compare_entries);
    for (size_t i = 1; i < zip->count; i++) {
        if (!strcmp(zip->entries[i - 1].name, zip->entries[i].name)) {
            ret = resr_set_error(err, err_size, -EINVAL, "duplicate zip entry '%s'", zip->entries[i].name);
            goto fail;
        }
    }
    return 0;

fail:
    resr_zip_close(zip);
    return ret;
}

void resr_zip_close(ResrZip *zip)
{
    free(zip->names);
    free(zip->entries);
    memset(zip, 0, sizeof(*zip));
}

const ResrZipEntry *resr_zip_find(const ResrZip *zip, const char *name)
{
    ResrZipEntry key;
    key.name = (char *)name;
    return bsearch(&key, zip->entries, zip->count, sizeof(*zip->entries), compare_entries);
}

const ResrZipEntry *resr_zip_find_suffix(const ResrZip *zip, const char *suffix, size_t *matches)
{
    const size_t slen = strlen(suffix);
    const ResrZipEntry *found = NULL;

    *matches = 0;
    for (size_t i = 0; i < zip->count; i++) {
        const ResrZipEntry *e = &zip->entries[i];
        if (e->name_len < slen || memcmp(e->name + e->name_len - slen, suffix, slen))
            continue;
        if (e->name_len > slen && e->name[e->name_len - slen - 1] != '/')
            continue;
        found = e;
        (*matches)++;
    }
    return *matches == 1 ? found : NULL;
}

int resr_zip_data_offset(const ResrZip *zip, const ResrZipEntry *entry, uint64_t *offset,
                         char *err, size_t err_size)
{
    const uint64_t lo = entry->local_offset;

    if (lo > zip->cd_offset || zip->cd_offset - lo < LOCAL_SIZE ||
        rd32(zip->data + lo) != SIG_LOCAL)
        return resr_set_error(err, err_size, -EINVAL, "zip entry '%s': local header not found",
                       entry->name);
    const uint8_t *h = zip->data + lo;
    const uint16_t flags = rd16(h + 6), method = rd16(h + 8);
    const uint64_t name_len = rd16(h + 26), extra_len = rd16(h + 28);
    if (name_len + extra_len > zip->cd_offset - lo - LOCAL_SIZE)
        return resr_set_error(err, err_size, -EINVAL, "zip entry '%s': truncated local header",
                       entry->name);
    if (name_len != entry->name_len || memcmp(h + LOCAL_SIZE, entry->name, name_len))
        return resr_set_error(err, err_size, -EINVAL,
                       "zip entry '%s': local header names a different file", entry->name);
    if (method != entry->method)
        return resr_set_error(err, err_size, -EINVAL,
                       "zip entry '%s': local and central headers disagree on the method",
                       entry->name);
    /* with a data descriptor (flag 3) the local fields may be zero; otherwise must agree */
    if (!(flags & FLAG_DATA_DESCRIPTOR)) {
        const uint32_t crc = rd32(h + 14), comp = rd32(h + 18), size = rd32(h + 22);
        if (crc != entry->crc32 ||
            (comp != 0xffffffffu && comp != entry->comp_size) ||
            (size != 0xffffffffu && size != entry->size))
            return resr_set_error(err, err_size, -EINVAL,
                           "zip entry '%s': local and central headers disagree on size or CRC",
                           entry->name);
    }

    const uint64_t start = lo + LOCAL_SIZE + name_len + extra_len;
    if (entry->comp_size > zip->cd_offset - start)
        return resr_set_error(err, err_size, -EINVAL,
                       "truncated: zip entry '%s' (%llu bytes) runs past the archive data",
                       entry->name, (unsigned long long)entry->comp_size);
    *offset = start;
    return 0;
}

int resr_zip_read(const ResrZip *zip, const ResrZipEntry *entry, ResrZipData *out,
                  char *err, size_t err_size)
{
    uint64_t start;
    int ret;

    memset(out, 0, sizeof(*out));
    if (entry->flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPT))
        return resr_set_error(err, err_size, -EINVAL, "zip entry '%s' is encrypted", entry->name);
    if (entry->method != 0 && entry->method != 8)
        return resr_set_error(err, err_size, -EINVAL,
                       "zip entry '%s' uses compression method %u (only stored and deflate)",
                       entry->name, entry->method);
    if (entry->size > RESR_ZIP_MAX_ENTRY_SIZE || entry->size > SIZE_MAX - 1)
        return resr_set_error(err, err_size, -EFBIG,
                       "zip entry '%s' declares %llu bytes (limit %llu)", entry->name,
                       (unsigned long long)entry->size,
                       (unsigned long long)RESR_ZIP_MAX_ENTRY_SIZE);
    if ((ret = resr_zip_data_offset(zip, entry, &start, err, err_size)) < 0)
        return ret;
    const uint8_t *src = zip->data + start;

    if (entry->method == 0) {
        if (entry->comp_size != entry->size)
            return resr_set_error(err, err_size, -EINVAL,
                           "zip entry '%s' is stored but its sizes differ (%llu vs %llu)",
                           entry->name, (unsigned long long)entry->comp_size,
                           (unsigned long long)entry->size);
        out->data = src;
        out->size = (size_t)entry->size;
    } else {
        const char *why = NULL;
        size_t got = 0;
        if (entry->size / DEFLATE_MAX_RATIO > entry->comp_size + 64)
            return resr_set_error(err, err_size, -EINVAL,
                           "zip entry '%s' declares %llu bytes from %llu compressed bytes, more "
                           "than deflate can encode (zip bomb?)", entry->name,
                           (unsigned long long)entry->size,
                           (unsigned long long)entry->comp_size);
        out->owned = malloc(entry->size ? (size_t)entry->size : 1);
        if (!out->owned)
            return resr_set_error(err, err_size, -ENOMEM, "out of memory inflating zip entry '%s' "
                           "(%llu bytes)", entry->name, (unsigned long long)entry->size);
        ret = resr_inflate(out->owned, (size_t)entry->size, &got, src, (size_t)entry->comp_size,
                           &why);
        if (ret == -EFBIG) {
            ret = resr_set_error(err, err_size, -EFBIG, "zip entry '%s' inflates to more than its "
                          "declared %llu bytes", entry->name, (unsigned long long)entry->size);
            goto fail;
        }
        if (ret < 0) {
            ret = resr_set_error(err, err_size, ret, "zip entry '%s': %s", entry->name, why);
            goto fail;
        }
        if (got != entry->size) {
            ret = resr_set_error(err, err_size, -EINVAL, "zip entry '%s' inflates to %zu bytes, its "
                          "header declares %llu", entry->name, got,
                          (unsigned long long)entry->size);
            goto fail;
        }
        out->data = out->owned;
        out->size = got;
    }

    const uint32_t crc = resr_crc32(0, out->data, out->size);
    if (crc != entry->crc32) {
        ret = resr_set_error(err, err_size, -EINVAL, "zip entry '%s' is corrupt: CRC-32 %08x, "
                      "expected %08x", entry->name, crc, entry->crc32);
        goto fail;
    }
    return 0;
fail:
    resr_zip_data_free(out);
    return ret;
}

void resr_zip_data_free(ResrZipData *data)
{
    free(data->owned);
    memset(data, 0, sizeof(*data));
}
