/*
 * RESR_HD marks the index-math and colour functions that the kernels and the CPU twin
 * tests share: __host__ __device__ under nvcc, plain static inline C elsewhere.
 */
#ifndef RESR_CUDA_HD_H
#define RESR_CUDA_HD_H

#ifdef __CUDACC__
#define RESR_HD static __host__ __device__ __forceinline__
#else
#define RESR_HD static inline
#endif

#endif /* RESR_CUDA_HD_H */
