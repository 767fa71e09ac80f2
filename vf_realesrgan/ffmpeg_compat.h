/*
 * The one place where the glue meets the differences between the FFmpeg versions it
 * supports: 7.1 (libavfilter 10), 8.x (11) and 9.0 (12). patches/ffmpeg-<series>/ register
 * the filter in each; configure picks the series from the source's version.
 *
 * 8.0 split the filter definition: the public AVFilter became the .p member of the
 * internal FFFilter, which allfilters.c lists (7.1 lists AVFilters and keeps priv_size,
 * init, the pads and the formats query in AVFilter itself). Everything else the glue uses
 * (FilterLink, FILTER_QUERY_FUNC2 and the *_from_list2 formats setters, the colour-space
 * negotiation, FF_FILTER_FLAG_HWFRAME_AWARE) is already in 7.1.
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

#ifndef AVFILTER_REALESRGAN_FFMPEG_COMPAT_H
#define AVFILTER_REALESRGAN_FFMPEG_COMPAT_H

#include "libavfilter/version.h"

#if LIBAVFILTER_VERSION_MAJOR < 10 || (LIBAVFILTER_VERSION_MAJOR == 10 && LIBAVFILTER_VERSION_MINOR < 4)
#error "realesrgan needs FFmpeg 7.1 or later (libavfilter 10.4): supported are 7.1, 8.x and 9.0"
#endif

#if LIBAVFILTER_VERSION_MAJOR >= 11
/* 8.0 and later: FFFilter wraps the public AVFilter as .p */
typedef FFFilter ResrFilterDefinition;
#define RESR_FILTER_PUBLIC(field) .p.field
#else
/* 7.1: one AVFilter holds both */
typedef AVFilter ResrFilterDefinition;
#define RESR_FILTER_PUBLIC(field) .field
#endif

#endif /* AVFILTER_REALESRGAN_FFMPEG_COMPAT_H */
