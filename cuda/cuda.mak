# CUDA kernels: one fatbin with SASS for every supported architecture plus PTX for later
# ones, embedded in a generated C file that defines resr_cuda_fatbin[] (loaded at run time
# through FFmpeg's CUDA loader: no link-time libcuda, no CUDA runtime).
#
#   make cuda-kernels      build/cuda/resr_kernels.fatbin and build/cuda/resr_kernels_fatbin.c
#   make cuda-resources    -Xptxas -v of every kernel on every architecture (build/cuda/ptxas.txt)
#   make cuda-sass         SASS per architecture and the HMMA counts (needs cuobjdump)
#
# Included by the project Makefile. NVCC defaults to /usr/local/cuda/bin/nvcc (or
# $(CUDA_HOME)/bin/nvcc); with no nvcc the rules say so and stop.

CUDA_HOME    ?= /usr/local/cuda
NVCC         ?= $(CUDA_HOME)/bin/nvcc
CUOBJDUMP    ?= $(firstword $(wildcard $(CUDA_HOME)/bin/cuobjdump) cuobjdump)
CUDA_ARCHS   ?= 75 80 86 89 90
# SASS for each architecture, and compute_90 PTX that newer GPUs JIT-compile
CUDA_GENCODE := $(foreach a,$(CUDA_ARCHS),-gencode arch=compute_$(a),code=sm_$(a)) \
                -gencode arch=compute_$(lastword $(CUDA_ARCHS)),code=compute_$(lastword $(CUDA_ARCHS))
CUDA_NVFLAGS := -std=c++17 -O3 --fmad=false -Xptxas -warn-spills -Werror all-warnings --threads 0

# the kernels include cuda/'s headers and core/'s (the RESR_HD colour and resample math)
CUDA_SRCS    := $(wildcard cuda/*.cu cuda/*.cuh cuda/*.h core/*.h)
CUDA_FATBIN  := build/cuda/resr_kernels.fatbin
CUDA_FATBIN_C := build/cuda/resr_kernels_fatbin.c

cuda-kernels: $(CUDA_FATBIN_C)

$(CUDA_FATBIN): $(CUDA_SRCS)
	@mkdir -p $(@D)
	@command -v $(NVCC) >/dev/null || { echo "nvcc not found (set NVCC or CUDA_HOME)" >&2; exit 1; }
	@$(if $(Q),echo "NVCC	$@")
	$(Q)$(NVCC) $(CUDA_NVFLAGS) $(CUDA_GENCODE) -fatbin -o $@ cuda/resr_kernels.cu

# a C array, aligned as cuModuleLoadData wants (8 bytes; 64 to be generous)
$(CUDA_FATBIN_C): $(CUDA_FATBIN) cuda/embed.sh
	@$(if $(Q),echo "EMBED	$@")
	$(Q)sh cuda/embed.sh $< resr_cuda_fatbin > $@.tmp && mv $@.tmp $@

cuda-resources: $(CUDA_SRCS)
	@mkdir -p build/cuda
	for a in $(CUDA_ARCHS); do \
	    $(NVCC) $(CUDA_NVFLAGS) -gencode arch=compute_$$a,code=sm_$$a -Xptxas -v -cubin \
	        -o build/cuda/resr_kernels.sm_$$a.cubin cuda/resr_kernels.cu 2>&1 | sed "s/^/sm_$$a: /"; \
	done | tee build/cuda/ptxas.txt

cuda-sass: $(CUDA_FATBIN)
	@command -v $(CUOBJDUMP) >/dev/null || { echo "cuobjdump not found (set CUOBJDUMP)" >&2; exit 1; }
	for a in $(CUDA_ARCHS); do \
	    $(CUOBJDUMP) --dump-sass --gpu-architecture sm_$$a $(CUDA_FATBIN) > build/cuda/resr_kernels.sm_$$a.sass; \
	    echo "sm_$$a: $$(grep -c HMMA build/cuda/resr_kernels.sm_$$a.sass) HMMA, $$(grep -c LDSM build/cuda/resr_kernels.sm_$$a.sass) LDSM, $$(grep -cE 'LDL|STL' build/cuda/resr_kernels.sm_$$a.sass) local loads/stores"; \
	done

.PHONY: cuda-kernels cuda-resources cuda-sass
