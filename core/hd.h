/*
 * RESR_HD marks the functions that the CUDA kernels and the C code share (the colour
 * and resample math, index helpers, fp16/bf16 bits): __host__ __device__ under nvcc,
 * plain static inline C elsewhere. One definition, compiled by both compilers, is what
 * lets the CPU engine and the kernels produce the same values.
 */
#ifndef RESR_CORE_HD_H
#define RESR_CORE_HD_H

#ifdef __CUDACC__
#define RESR_HD static __host__ __device__ __forceinline__
#else
#define RESR_HD static inline
#endif

#endif /* RESR_CORE_HD_H */
