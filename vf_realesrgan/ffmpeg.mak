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
RESR_OBJS    := $(RESR_SRCS:$(RESR_SRC_DIR)/%.c=realesrgan/%.o)

# The CUDA engine (cuda/*.c and the kernels' fatbin, which the project Makefile generates
# when CUDA is configured and nvcc found) needs FFmpeg's CUDA support; the driver is
# loaded at run time through FFmpeg's loader, nothing more to link.
RESR_FATBIN_C := $(RESR_SRC_DIR)/build/cuda/resr_kernels_fatbin.c
ifeq ($(CONFIG_CUDA)$(if $(wildcard $(RESR_FATBIN_C)),yes),yesyes)
RESR_OBJS    += $(patsubst $(RESR_SRC_DIR)/%.c,realesrgan/%.o,$(wildcard $(RESR_SRC_DIR)/cuda/*.c)) \
                realesrgan/build/cuda/resr_kernels_fatbin.o
$(RESR_OBJS:%=$(SUBDIR)%): CPPFLAGS += -DRESR_HAVE_CUDA=1
endif

OBJS-$(CONFIG_REALESRGAN_FILTER) += $(RESR_OBJS)

# the project root on the include path, as in the standalone build
$(RESR_OBJS:%=$(SUBDIR)%): CPPFLAGS += -I$(RESR_SRC_DIR)
# FFmpeg 7.1's flags warn of declarations after statements, which its later versions allow
$(RESR_OBJS:%=$(SUBDIR)%): CFLAGS += -Wno-declaration-after-statement

clean::
	$(RM) $(foreach d,models core cpu cuda vf_realesrgan build/cuda,$(CLEANSUFFIXES:%=libavfilter/realesrgan/$(d)/%))
