# A fake libcuda.so.1 (tests/cuda/fake_libcuda.c) that runs the CUDA engine's kernels in the
# CPU emulator: tests/cuda/fake_cuda_e2e.sh rehearses ffmpeg's CUDA frame paths through the
# filter with it on machines without a GPU. Built with the tests when CUDA is configured
# (its types come from nv-codec-headers); position-independent copies of the library sources.

ifeq ($(CUDA),yes)
FAKE_CUDA      := build/fake-cuda/libcuda.so.1
FAKE_CUDA_OBJS := $(patsubst %.c,build/fake-cuda/obj/%.o,tests/cuda/fake_libcuda.c $(LIB_SRCS))
FAKE_CUDA_INC  := $(if $(NVCODEC_TARBALL),-Ibuild/nv-codec-headers/include)

tests: $(FAKE_CUDA)

build/fake-cuda/obj/%.o: %.c $(NVCODEC_PC)
	@mkdir -p $(@D)
	@$(if $(Q),echo "CC	$@")
	$(Q)$(CC) $(RESR_CPPFLAGS) $(FAKE_CUDA_INC) $(RESR_CFLAGS) -fPIC -MMD -MP -c -o $@ $<

$(FAKE_CUDA): $(FAKE_CUDA_OBJS)
	@$(if $(Q),echo "LD	$@")
	$(Q)$(CC) -shared -pthread -Wl,-Bsymbolic -Wl,-soname,libcuda.so.1 -o $@ $^ $(RESR_LDLIBS)

-include $(FAKE_CUDA_OBJS:.o=.d)
endif
