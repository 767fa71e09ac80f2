# Objects of the realesrgan filter inside FFmpeg's build. libavfilter/Makefile includes this
# file through the libavfilter/realesrgan symlink to the project root
# (patches/ffmpeg-<series>/0001-*.patch), so $(SUBDIR) is libavfilter/ here and object names are
# relative to it, as with libavfilter/dnn/. Sources are globbed: a new project .c file needs
# no change here nor in the patch. The floors below the glue (models/, core/, cpu/, and
# cuda/'s plain C) also build build/lib/libresr.a (top-level Makefile); the command-line
# inspector and the tests (the reference forward included) stay out of FFmpeg.

RESR_SRC_DIR := $(SRC_PATH)/libavfilter/realesrgan
RESR_SRCS    := $(filter-out %/resr_inspect.c,                                           \
                    $(wildcard $(RESR_SRC_DIR)/vf_realesrgan/*.c $(RESR_SRC_DIR)/cpu/*.c    \
                               $(RESR_SRC_DIR)/core/*.c $(RESR_SRC_DIR)/models/*.c))
# issue 14: the realesrgan_degrade filter's own files (its glue and degrade/) are listed below
RESR_DEGRADE_GLUE := $(RESR_SRC_DIR)/vf_realesrgan/vf_realesrgan_degrade.c $(RESR_SRC_DIR)/vf_realesrgan/degrade_jpeg.c
RESR_SRCS    := $(filter-out $(RESR_DEGRADE_GLUE),$(RESR_SRCS))
RESR_OBJS    := $(RESR_SRCS:$(RESR_SRC_DIR)/%.c=realesrgan/%.o)

# The CUDA engine (cuda/*.c and the kernels' fatbin, which the project Makefile generates
# when CUDA is configured and nvcc found) needs FFmpeg's CUDA support; the driver is
# loaded at run time through FFmpeg's loader, nothing more to link.
RESR_FATBIN_C := $(RESR_SRC_DIR)/build/cuda/resr_kernels_fatbin.c
ifeq ($(CONFIG_CUDA)$(if $(wildcard $(RESR_FATBIN_C)),yes),yesyes)
RESR_OBJS    += $(patsubst $(RESR_SRC_DIR)/%.c,realesrgan/%.o,$(wildcard $(RESR_SRC_DIR)/cuda/*.c)) \
                realesrgan/build/cuda/resr_kernels_fatbin.o
$(RESR_OBJS:%=$(SUBDIR)%): CPPFLAGS += -DRESR_HAVE_CUDA=1
# the CUTLASS sm_90a convs (mk/cutlass.mak, when configured): their cubin as a C array, and
# the prebuilt host object that makes their Params (C++, no CUDA runtime: -lstdc++ only)
RESR_CUTLASS_C := $(RESR_SRC_DIR)/build/cuda/resr_cutlass_cubin.c
ifneq ($(wildcard $(RESR_CUTLASS_C)),)
RESR_OBJS    += realesrgan/build/cuda/resr_cutlass_cubin.o
$(RESR_OBJS:%=$(SUBDIR)%): CPPFLAGS += -DRESR_HAVE_CUTLASS=1
FF_EXTRALIBS += $(RESR_SRC_DIR)/build/cuda/resr_sm90_host.o -lstdc++
endif
endif

OBJS-$(CONFIG_REALESRGAN_FILTER) += $(RESR_OBJS)

# realesrgan_degrade (issue 14): its glue, the degradation floor, and the glue's format
# description and core/'s pixel layout it shares with realesrgan (FFmpeg's OBJS are sorted,
# so objects both filters list are built once)
RESR_DEGRADE_OBJS := $(RESR_DEGRADE_GLUE:$(RESR_SRC_DIR)/%.c=realesrgan/%.o)                \
                     $(patsubst $(RESR_SRC_DIR)/%.c,realesrgan/%.o,$(wildcard $(RESR_SRC_DIR)/degrade/*.c)) \
                     realesrgan/vf_realesrgan/formats.o realesrgan/core/pixel_format.o
OBJS-$(CONFIG_REALESRGAN_DEGRADE_FILTER) += $(RESR_DEGRADE_OBJS)
$(RESR_DEGRADE_OBJS:%=$(SUBDIR)%): CPPFLAGS += -I$(RESR_SRC_DIR)

# oneDNN (issue 16): the CPU engine's optional convolution path; ./configure writes
# build/onednn.mak. The programs' link line expands FF_EXTRALIBS when it runs, so an append
# here reaches ffmpeg and ffprobe.
-include $(RESR_SRC_DIR)/build/onednn.mak
$(RESR_OBJS:%=$(SUBDIR)%): CPPFLAGS += $(RESR_ONEDNN_CFLAGS)
FF_EXTRALIBS += $(RESR_ONEDNN_LIBS)

# the project root on the include path, as in the standalone build
$(RESR_OBJS:%=$(SUBDIR)%): CPPFLAGS += -I$(RESR_SRC_DIR)
# FFmpeg 7.1's flags warn of declarations after statements, which its later versions allow
$(RESR_OBJS:%=$(SUBDIR)%): CFLAGS += -Wno-declaration-after-statement

clean::
	$(RM) $(foreach d,models core cpu cuda degrade vf_realesrgan build/cuda,$(CLEANSUFFIXES:%=libavfilter/realesrgan/$(d)/%))
