# Benchmarks (tests/bench/README.md).
#   make bench            CPU: our network and ./ffmpeg vs PyTorch CPU on the same frames, same
#                         threads; prints the table, writes tests/bench/RESULTS-cpu.{md,csv}
#   make bench BENCH_ARGS="--pairs 5 --rows animevideov3-320x240"   (tests/bench/run_cpu.py --help)
#   make bench-tools      the C side only: build/bench/bench_cpu
#   make bench-venv       OpenVINO (PyPI) in build/bench-venv: make bench then adds its column
# The GPU benchmark runs inside tests/gpu/check.sh (tests/gpu/gpu_bench.c, tests/gpu/bench_torch_gpu.py).

BENCH_CPU    := build/bench/bench_cpu
# issue 16: the private venv with OpenVINO (make bench-venv) when it exists
BENCH_VENV   := build/bench-venv
BENCH_PYTHON ?= $(if $(wildcard $(BENCH_VENV)/bin/python),$(BENCH_VENV)/bin/python,/usr/bin/python3)
BENCH_ARGS   ?=

bench-tools: $(BENCH_CPU)

$(BENCH_CPU): build/obj/tests/bench/bench_cpu.o $(TEST_COMMON) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "LD	$@")
	$(Q)$(CC) $(RESR_CFLAGS) -o $@ $^ $(RESR_LDLIBS)

bench: $(BENCH_CPU) ffmpeg
	$(BENCH_PYTHON) tests/bench/run_cpu.py $(BENCH_ARGS)

-include build/obj/tests/bench/bench_cpu.d

# OpenVINO from PyPI into a venv of Debian's python3 (numpy and PyTorch from the system)
bench-venv:
	@test -x $(BENCH_VENV)/bin/python || /usr/bin/python3 -m venv --system-site-packages $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet openvino

.PHONY: bench bench-tools bench-venv

# Held frames: ./ffmpeg with and without dedup, side by side (tests/bench/dedup_bench.py)
#   make bench-dedup      writes tests/bench/RESULTS-dedup.md
bench-dedup: ffmpeg
	$(BENCH_PYTHON) tests/bench/dedup_bench.py --out tests/bench/RESULTS-dedup.md $(BENCH_ARGS)

.PHONY: bench-dedup
