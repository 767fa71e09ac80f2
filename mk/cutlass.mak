# CUTLASS sm_90a convs (issue 12; cuda/cutlass/, cuda/README.md "CUTLASS sm_90a path").
# Only when ./configure found CUTLASS (config.mak's CUTLASS_TARBALL; --disable-cutlass
# leaves it empty):
#
#   make cutlass-kernels    build/cuda/resr_cutlass_sm90a.cubin (sm_90a SASS only)
#   make cutlass-sass       its SASS and the HGMMA / TMA counts (needs cuobjdump + nvdisasm)
#
# `make` (tests) builds both the cubin and the host test of the epilogue, so make check's
# tests/cuda/cutlass_sm90.sh can grep the SASS and run the test. Each instantiation costs
# ~50-70 s and ~3 GB of compiler memory (nice'd on 2 cores): keep their number small.

ifneq ($(CUTLASS_TARBALL),)
CUTLASS_DIR     := build/cutlass
CUTLASS_STAMP   := $(CUTLASS_DIR)/.unpacked
CUTLASS_CUBIN   := build/cuda/resr_cutlass_sm90a.cubin
CUTLASS_INCLUDE := -I$(CUTLASS_DIR)/include -I$(CUTLASS_DIR)/tools/util/include
# -DNDEBUG: a device assert left in serialises wgmma (ptxas warning C7510)
CUTLASS_NVFLAGS := -std=c++17 -O3 -DNDEBUG --expt-relaxed-constexpr -Xptxas -warn-spills \
                   $(CUTLASS_INCLUDE)
CUTLASS_SRCS    := $(wildcard cuda/cutlass/*.cu cuda/cutlass/*.cuh) cuda/conv_tiling.cuh \
                   cuda/epilogue_math.cuh cuda/control_math.cuh cuda/kernel_args.h core/hd.h core/half.h
CUTLASS_EPILOGUE_TEST := build/tests/cuda/cutlass_epilogue

$(CUTLASS_STAMP): $(CUTLASS_TARBALL)
	rm -rf $(CUTLASS_DIR)
	mkdir -p $(CUTLASS_DIR)
	tar -xzf $< -C $(CUTLASS_DIR) --strip-components=1
	touch $@

$(CUTLASS_CUBIN): $(CUTLASS_SRCS) $(CUTLASS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "NVCC	$@")
	$(Q)$(NVCC) $(CUTLASS_NVFLAGS) -gencode arch=compute_90a,code=sm_90a -cubin -o $@ \
	    cuda/cutlass/conv3x3_sm90.cu

# host C++: the EVT functors of resr_epilogue.cuh against the CPU engine's conv layer
$(CUTLASS_EPILOGUE_TEST): tests/cuda/cutlass_epilogue.cpp $(CUTLASS_SRCS) $(CUTLASS_STAMP) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "CXX	$@")
	$(Q)$(CXX) -std=c++17 -O1 -Wall -Wextra -I. $(subst -I,-isystem ,$(CUTLASS_INCLUDE)) -isystem $(CUDA_HOME)/include \
	    -o $@ $< $(LIB) -lm -lpthread

cutlass-kernels: $(CUTLASS_CUBIN)
tests: $(CUTLASS_CUBIN) $(CUTLASS_EPILOGUE_TEST)

# The engine's side (cuda_conv=cutlass): the cubin embedded as a C array, and the host
# code that makes the kernels' Params (cuda/cutlass/sm90_params.cu: nvcc, host only, no
# CUDA runtime; CUTLASS's driver calls forwarded to pointers the engine resolves) linked
# with its no-runtime stubs into one object. vf_realesrgan/ffmpeg.mak links both into
# FFmpeg when the C array exists, with -lstdc++ (CUTLASS's host code prints with iostream).
CUTLASS_CUBIN_C := build/cuda/resr_cutlass_cubin.c
SM90_HOST_O     := build/cuda/resr_sm90_host.o
$(CUTLASS_CUBIN_C): $(CUTLASS_CUBIN) cuda/embed.sh
	@$(if $(Q),echo "EMBED	$@")
	$(Q)sh cuda/embed.sh $< resr_cutlass_cubin > $@.tmp && mv $@.tmp $@

build/cuda/sm90_params.o: cuda/cutlass/sm90_params.cu cuda/cutlass/sm90_params.h cuda/driver_ext.h \
                          cuda/cutlass_plan.h $(CUTLASS_SRCS) $(CUTLASS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "NVCC	$@")
	$(Q)$(NVCC) $(CUTLASS_NVFLAGS) -DCUTLASS_ENABLE_DIRECT_CUDA_DRIVER_CALL -I. \
	    -gencode arch=compute_90a,code=sm_90a -Xcompiler -fPIC -c -o $@ $<

build/cuda/sm90_noruntime.o: cuda/cutlass/sm90_noruntime.c
	@mkdir -p $(@D)
	$(Q)$(CC) -O2 -fPIC -c -o $@ $<

$(SM90_HOST_O): build/cuda/sm90_params.o build/cuda/sm90_noruntime.o
	$(Q)$(LD) -r -o $@ $^
	@if nm -u $@ | grep -q ' cuda[A-Z]'; then \
	    echo "$@ needs the CUDA runtime:" >&2; nm -u $@ | grep ' cuda[A-Z]' >&2; rm -f $@; exit 1; fi

ffmpeg-build: $(CUTLASS_CUBIN_C) $(SM90_HOST_O)
cutlass-engine: $(CUTLASS_CUBIN_C) $(SM90_HOST_O)

cutlass-sass: $(CUTLASS_CUBIN)
	tests/cuda/cutlass_sm90.sh --sass-only
else
cutlass-kernels cutlass-sass cutlass-engine:
	@echo "CUTLASS is not configured (./configure: 'CUTLASS (sm_90a)' line; tools/fetch-sources cutlass)" >&2
	@exit 1

# a CUTLASS build left from an earlier configuration must not reach FFmpeg's
ffmpeg-build: no-cutlass-engine
no-cutlass-engine:
	@rm -f build/cuda/resr_cutlass_cubin.c build/cuda/resr_sm90_host.o
.PHONY: no-cutlass-engine
endif

# cuobjdump and nvdisasm where the toolkit lacks them (CUDA 13's minimal installs):
# NVIDIA's PyPI wheels, pinned, unpacked into build/cuda-tools/ (pip, no venv needed)
CUDA_TOOLS_WHEELS := nvidia-cuda-cuobjdump==13.5.37 nvidia-cuda-nvdisasm==13.5.37
cuda-tools:
	python3 -m pip download --no-deps --only-binary=:all: -d build/cuda-tools/wheels $(CUDA_TOOLS_WHEELS)
	cd build/cuda-tools && for w in wheels/*.whl; do python3 -m zipfile -e "$$w" .; done
	chmod +x build/cuda-tools/nvidia/cu13/bin/*

.PHONY: cutlass-kernels cutlass-sass cutlass-engine cuda-tools

# The GPU check of the CUTLASS path (tests/gpu/README.md, "CUTLASS check"): CUDA runtime,
# sm_90a, the CPU engine's layer from libresr.a. Built here, run on an H100/H200.
ifneq ($(CUTLASS_TARBALL),)
CUTLASS_CHECK := build/cuda/cutlass_check
$(CUTLASS_CHECK): tests/gpu/cutlass_check.cu $(CUTLASS_SRCS) $(CUDA_SRCS) $(CUTLASS_STAMP) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "NVCC	$@")
	$(Q)$(NVCC) $(CUTLASS_NVFLAGS) -I. -gencode arch=compute_90a,code=sm_90a -o $@ $< $(LIB) \
	    -L$(CUDA_HOME)/lib64/stubs -lcuda -lm -lpthread
cutlass-check: $(CUTLASS_CHECK)
else
cutlass-check:
	@echo "CUTLASS is not configured" >&2
	@exit 1
endif
.PHONY: cutlass-check
