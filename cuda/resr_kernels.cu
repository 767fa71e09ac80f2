/*
 * The one translation unit the fatbin is built from (cuda.mak): every kernel family in
 * one module, loaded once by cuda_engine.c with cuModuleLoadData. Built with --fmad=false
 * so the conversion kernels round as the CPU engine's conversion does (both run
 * core/colour_math.h); the fp32 conv uses explicit fmaf.
 */
#include "conv3x3_mma.cu"
#include "conv3x3_wide.cu"
#include "conv3x3_f32.cu"
#include "convert.cu"
#include "resample.cu"
#include "dedup.cu"
