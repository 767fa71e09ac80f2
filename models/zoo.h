/*
 * The official Real-ESRGAN checkpoints by name, and where a name is found on disk.
 *
 * Search path for a name, in order:
 *   1. every directory of $REALESRGAN_MODEL_PATH (':'-separated);
 *   2. ./models;
 *   3. $XDG_CACHE_HOME/realesrgan, else ~/.cache/realesrgan (where tools/fetch-models
 *      downloads to);
 *   4. <prefix>/share/realesrgan/models, prefix being the directory above the running
 *      program's bin/ (an installed ffmpeg), and RESR_ZOO_DATADIR when the build defines it.
 * In each directory NAME.pth, then NAME.safetensors. Only looks files up: no checksum,
 * no network (tools/fetch-models downloads and verifies).
 */
#ifndef RESR_MODELS_ZOO_H
#define RESR_MODELS_ZOO_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define RESR_ZOO_RELEASES_URL "https://github.com/xinntao/Real-ESRGAN/releases/download"

typedef struct ResrZooModel {
    const char *name;        /* the release file without ".pth": "RealESRGAN_x4plus" */
    ResrArch arch;
    int scale;
    const char *release;     /* tag under RESR_ZOO_RELEASES_URL: "v0.1.0" */
    int64_t size;            /* bytes of the release file */
    const char *sha256;      /* of the release file, lowercase hex */
    const char *sha256_alt;  /* another accepted copy of the same weights, or "" */
} ResrZooModel;

/* The i-th official model (models/zoo_table.h order), NULL past the last. */
const ResrZooModel *resr_zoo_model(size_t i);

/* The model called name, ASCII case-insensitively, with or without ".pth"; or NULL. */
const ResrZooModel *resr_zoo_find(const char *name);

/*
 * A model option's value to a file path. A path that exists is returned as is; a name
 * (no '/') is looked up in the search path: a known name as its release file (or the same
 * name with .safetensors), any other name as NAME.pth then NAME.safetensors, or as given
 * when it ends in one of these. Returns 0, -ENOENT (err lists what was
 * searched where, the known names, and for a known model how to download it), -EINVAL
 * (empty value, bad REALESRGAN_MODEL_PATH) or -ENAMETOOLONG (path_size too small).
 */
int resr_zoo_resolve(const char *name_or_path, char *path, size_t path_size,
                     char *err, size_t err_size);

#endif /* RESR_MODELS_ZOO_H */
