/*
 * What nvcc's host code for sm90_params.cu references in the CUDA runtime, without the
 * runtime: the module registration nvcc emits for every .cu (its device side is empty:
 * no kernel is instantiated there, the kernels are in their own cubin, loaded with the
 * driver). Registration does nothing; a runtime query fails, which CUTLASS only reaches
 * for persistent schedules (the convs are not persistent).
 */
#include <stddef.h>

void **__cudaRegisterFatBinary(void *fatbin);
void __cudaRegisterFatBinaryEnd(void **handle);
void __cudaUnregisterFatBinary(void **handle);
void __cudaRegisterVar(void **handle, char *host_var, char *device_address, const char *name,
                       int ext, size_t size, int constant, int global);

static void *resr_no_module;

void **__cudaRegisterFatBinary(void *fatbin)
{
    (void)fatbin;
    return &resr_no_module;
}

void __cudaRegisterFatBinaryEnd(void **handle)
{
    (void)handle;
}

void __cudaUnregisterFatBinary(void **handle)
{
    (void)handle;
}

void __cudaRegisterVar(void **handle, char *host_var, char *device_address, const char *name,
                       int ext, size_t size, int constant, int global)
{
    (void)handle, (void)host_var, (void)device_address, (void)name;
    (void)ext, (void)size, (void)constant, (void)global;
}
