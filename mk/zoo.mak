# Model zoo and demo (tools/fetch-models, tools/demo; the table is models/zoo_table.h).
#   make models [MODELS="realesr-animevideov3 RealESRGAN_x4plus"] [MODEL_DIR=DIR]
#       find or download the official checkpoints (all seven by default), sha256-verified,
#       into MODEL_DIR (default ~/.cache/realesrgan, which model=NAME searches)
#   make demo [DEMO_INPUT=FILE] [DEMO_SECONDS=2]
#       build if needed, find or fetch realesr-animevideov3, upscale the first seconds of the
#       official demo clip (media/onepiece_demo.mp4, in the repository) into out/

MODELS ?= all

models:
	tools/fetch-models $(if $(MODEL_DIR),--dir $(MODEL_DIR)) $(MODELS) >/dev/null

# the demo runs make itself (configure first on a fresh checkout)
demo:
	@MAKE="$(MAKE)" tools/demo

.PHONY: models demo
