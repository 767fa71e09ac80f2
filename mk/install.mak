# Installing like a program (tools/install-tree keeps a manifest of what it put there):
#   make install [PREFIX=DIR] [DESTDIR=DIR] [INSTALL_MODELS="realesr-animevideov3 ..."]
#       PREFIX/bin/ffmpeg, ffprobe, resr-inspect; the filter's manual page
#       (share/man/man1/ffmpeg-realesrgan.1) and its texinfo source (share/doc/realesrgan/);
#       the model directory share/realesrgan/models/, which the filter searches by name, with
#       the models named in INSTALL_MODELS (files, or official names found or downloaded by
#       tools/fetch-models)
#   make uninstall [PREFIX=DIR] [DESTDIR=DIR]
#       removes exactly what install put there (share/realesrgan/install-manifest); a
#       directory holding files put there since (models copied by hand) is kept, and named
# PREFIX defaults to configure's --prefix (config.mak).

INSTALL_ROOT     = $(DESTDIR)$(PREFIX)
INSTALL_MANIFEST := share/realesrgan/install-manifest
INSTALL_MODELDIR := share/realesrgan/models
MAN_PAGE         := build/doc/ffmpeg-realesrgan.1

# FFmpeg's own texinfo-to-pod converter (from the source tree the build uses), then pod2man
$(MAN_PAGE): doc/ffmpeg-realesrgan.texi doc/realesrgan.texi $(FFSRC)/.resr-stamp
	@mkdir -p $(@D)
	@$(if $(Q),echo "MAN	$@")
	$(Q)perl $(FFSRC)/doc/texi2pod.pl -Dconfig-not-all=yes -Idoc $< $(@:.1=.pod)
	$(Q)pod2man --section=1 --center=" " --release=" " --date=" " --name=FFMPEG-REALESRGAN \
	    $(@:.1=.pod) > $@.tmp && mv $@.tmp $@

man: $(MAN_PAGE)

install: ffmpeg ffprobe inspect $(MAN_PAGE)
	@[ -n "$(PREFIX)" ] || { echo "install: PREFIX is empty (./configure --prefix=DIR or make install PREFIX=DIR)" >&2; exit 1; }
	@echo "installing into $(INSTALL_ROOT)"
	$(Q)models=; for m in $(INSTALL_MODELS); do                                             \
	    if [ -f "$$m" ]; then p=$$m; else                                                      \
	    p=$$(tools/fetch-models -q "$$m") || { echo "install: model $$m: not found nor fetched" >&2; exit 1; }; fi; \
	    models="$$models 644:$$p:$(INSTALL_MODELDIR)/$$(basename "$$p")";                      \
	done;                                                                                    \
	tools/install-tree install "$(INSTALL_ROOT)" $(INSTALL_MANIFEST)                           \
	    755:$(FFBUILD)/ffmpeg:bin/ffmpeg 755:$(FFBUILD)/ffprobe:bin/ffprobe                    \
	    $(if $(wildcard models/resr_inspect.c),755:$(INSPECT):bin/resr-inspect)              \
	    644:$(MAN_PAGE):share/man/man1/ffmpeg-realesrgan.1                                     \
	    644:doc/realesrgan.texi:share/doc/realesrgan/realesrgan.texi                           \
	    644:doc/ffmpeg-realesrgan.texi:share/doc/realesrgan/ffmpeg-realesrgan.texi             \
	    dir:$(INSTALL_MODELDIR) $$models

uninstall:
	@[ -n "$(PREFIX)" ] || { echo "uninstall: PREFIX is empty" >&2; exit 1; }
	tools/install-tree uninstall "$(INSTALL_ROOT)" $(INSTALL_MANIFEST)

.PHONY: man install uninstall
