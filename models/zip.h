/*
 * Read-only zip archive over a memory buffer: what PyTorch's .pth files and numpy's .npz
 * files are. Stored and deflated entries, zip64, CRC-32 checked. Every offset and size
 * comes from the file, so every one is bounds-checked before use.
 */
#ifndef RESR_MODELS_ZIP_H
#define RESR_MODELS_ZIP_H

#include <stddef.h>
#include <stdint.h>

/* Largest entry we inflate or hand out: far above any checkpoint, far below a bomb. */
#define RESR_ZIP_MAX_ENTRY_SIZE ((uint64_t)4 << 30)
#define RESR_ZIP_MAX_ENTRIES    100000

typedef struct ResrZipEntry {
    char *name;              /* NUL-terminated copy; names containing NUL are refused */
    size_t name_len;
    uint16_t method;         /* 0 stored, 8 deflated */
    uint16_t flags;
    uint32_t crc32;
    uint64_t comp_size;
    uint64_t size;           /* uncompressed */
    uint64_t local_offset;   /* of the local header */
} ResrZipEntry;

typedef struct ResrZip {
    const uint8_t *data;     /* borrowed: must outlive the ResrZip */
    size_t size;
    uint64_t cd_offset;      /* entries' data lies before the central directory */
    ResrZipEntry *entries;   /* sorted by name */
    size_t count;
    char *names;             /* one block holding every entry's name */
} ResrZip;

/* An entry's bytes: borrowed from the archive (stored entries) or owned (inflated). */
typedef struct ResrZipData {
    const uint8_t *data;
    size_t size;
    uint8_t *owned;          /* free()d by resr_zip_data_free */
} ResrZipData;

/*
 * Parses the central directory. Returns 0, -EINVAL (not a zip, truncated, inconsistent:
 * err says which) or -ENOMEM. Duplicate names, encrypted entries and absurd sizes are
 * refused here, before anything is read.
 */
int resr_zip_open(ResrZip *zip, const uint8_t *data, size_t size, char *err, size_t err_size);
void resr_zip_close(ResrZip *zip);

/* Exact name lookup; NULL if absent. */
const ResrZipEntry *resr_zip_find(const ResrZip *zip, const char *name);

/*
 * The unique entry whose name is suffix or ends with "/" suffix (the archive's root folder
 * name varies). Returns it, or NULL with *matches = 0 (absent) or > 1 (ambiguous).
 */
const ResrZipEntry *resr_zip_find_suffix(const ResrZip *zip, const char *suffix, size_t *matches);

/*
 * Reads one entry, checking its local header against the central directory, its size and
 * its CRC-32. Returns 0, -EINVAL (corrupt: err says how), -EFBIG (over
 * RESR_ZIP_MAX_ENTRY_SIZE, or a deflate stream longer than declared) or -ENOMEM.
 */
int resr_zip_read(const ResrZip *zip, const ResrZipEntry *entry, ResrZipData *out,
                  char *err, size_t err_size);
void resr_zip_data_free(ResrZipData *data);

/* Offset of an entry's data in the archive (after its local header); tests use it. */
int resr_zip_data_offset(const ResrZip *zip, const ResrZipEntry *entry, uint64_t *offset,
                         char *err, size_t err_size);

uint32_t resr_crc32(uint32_t crc, const uint8_t *data, size_t size);

#endif /* RESR_MODELS_ZIP_H */
