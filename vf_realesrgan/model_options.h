/*
 * The filter's model options: model=FILE|NAME resolved through the model zoo and loaded,
 * and dn < 1 (realesr-general-x4v3's denoise strength) blending in the weak-denoise
 * model. Messages go to the filter's log.
 */
#ifndef RESR_GLUE_MODEL_OPTIONS_H
#define RESR_GLUE_MODEL_OPTIONS_H

#include <stddef.h>

#include "../models/model.h"

/* Resolves a model option's value (file or name) into path and loads it; `what` names
 * the option in messages. */
int ff_realesrgan_load_model(void *log_ctx, const char *what, const char *name, ResrModel **model,
                             char *path, size_t path_size);

/*
 * dn < 1: the official denoise strength. *model (loaded from model_path) becomes
 * dn * model + (1 - dn) * the weak-denoise model: dn_model_name, or
 * realesr-general-wdn-x4v3 beside the model (its name with realesr-general-x4v3 replaced,
 * as the official script finds it) or on the model search path.
 */
int ff_realesrgan_blend_denoise(void *log_ctx, ResrModel **model, const char *model_path, float dn,
                                const char *dn_model_name);

#endif /* RESR_GLUE_MODEL_OPTIONS_H */
