/*
 * The model and dn options (model_options.h).
 *
 * This file is part of FFmpeg.
 *
 * FFmpeg is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * FFmpeg is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with FFmpeg; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libavutil/error.h"
#include "libavutil/log.h"

#include "../models/zoo.h"
#include "model_options.h"

#define DN_MODEL  "realesr-general-x4v3"
#define WDN_MODEL "realesr-general-wdn-x4v3"

int ff_realesrgan_load_model(void *log_ctx, const char *what, const char *name, ResrModel **model,
                             char *path, size_t path_size)
{
    char err[2048];
    int ret;

    err[0] = 0;
    if ((ret = resr_zoo_resolve(name, path, path_size, err, sizeof(err))) < 0) {
        av_log(log_ctx, AV_LOG_ERROR, "%s: %s\n", what, err[0] ? err : av_err2str(ret));
        return ret;
    }
    if ((ret = resr_model_load(model, path, err, sizeof(err))) < 0) {
        av_log(log_ctx, AV_LOG_ERROR, "%s\n", err[0] ? err : av_err2str(ret));
        return ret;
    }
    av_log(log_ctx, AV_LOG_VERBOSE, "%s %s: %s x%d, %d convolutions, weights stored as %s\n", what,
           path, resr_arch_name((*model)->arch), (*model)->scale, (*model)->num_convs,
           (*model)->source_dtype[0] ? (*model)->source_dtype : "float32");
    return 0;
}

/* The weak-denoise model's name: dn_model_name, else the file beside the model, else the
 * zoo's name. *beside gets the file tried beside the model. */
static int weak_denoise_name(void *log_ctx, const char *model_path, float dn,
                             const char *dn_model_name, const char **name, char *beside, size_t size)
{
    const char *base = strrchr(model_path, '/');
    const char *hit = strstr(base ? base + 1 : model_path, DN_MODEL);

    *name = dn_model_name;
    if (dn_model_name)
        return 0;
    if (!hit) {
        av_log(log_ctx, AV_LOG_ERROR, "dn=%g is the denoise strength of " DN_MODEL " (blended with "
               WDN_MODEL "); %s is another model: give dn_model=FILE to blend it with, or leave "
               "dn at 1\n", dn, model_path);
        return AVERROR(EINVAL);
    }
    snprintf(beside, size, "%.*s" WDN_MODEL "%s", (int)(hit - model_path), model_path,
             hit + strlen(DN_MODEL));
    *name = access(beside, F_OK) == 0 ? beside : WDN_MODEL;
    return 0;
}

int ff_realesrgan_blend_denoise(void *log_ctx, ResrModel **model, const char *model_path, float dn,
                                const char *dn_model_name)
{
    char wdn_path[4096], beside[4096] = "", err[1024];
    ResrModel *wdn = NULL, *blended = NULL;
    const char *wdn_name;
    int ret;

    if ((ret = weak_denoise_name(log_ctx, model_path, dn, dn_model_name, &wdn_name, beside,
                                 sizeof(beside))) < 0)
        return ret;
    if ((ret = ff_realesrgan_load_model(log_ctx, "dn_model", wdn_name, &wdn, wdn_path, sizeof(wdn_path))) < 0) {
        if (!dn_model_name)
            av_log(log_ctx, AV_LOG_ERROR, "dn=%g needs " WDN_MODEL ": put it beside the model (%s) or "
                   "give dn_model=FILE\n", dn, beside);
        goto fail;
    }
    err[0] = 0;
    if ((ret = resr_model_check_blendable(*model, wdn, err, sizeof(err))) < 0) {
        av_log(log_ctx, AV_LOG_ERROR, "dn: cannot blend %s with %s: %s\n", model_path, wdn_path,
               err[0] ? err : av_err2str(ret));
        goto fail;
    }
    if ((ret = resr_model_blend(&blended, *model, wdn, dn)) < 0) {
        av_log(log_ctx, AV_LOG_ERROR, "dn: blending %s with %s failed: %s\n", model_path, wdn_path,
               av_err2str(ret));
        goto fail;
    }
    av_log(log_ctx, AV_LOG_VERBOSE, "dn=%g: %g x %s + %g x %s\n", dn, dn, model_path, 1.0 - dn, wdn_path);
    resr_model_free(model);
    *model = blended;
fail:
    resr_model_free(&wdn);
    return ret;
}
