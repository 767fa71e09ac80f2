"""The local runner: N worker processes on this machine, each on its own share of the CPUs and,
where there are GPUs, on one GPU (round-robin)."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

from .common import SCRIPT, Failure, die_with_parent


def task_command(work, i):
    return [sys.executable, SCRIPT, "--run-segment", work.dir, str(i)]


def detect_gpus():
    """The GPU indices `nvidia-smi -L` lists ("GPU 0: NVIDIA H200 (UUID: ...)"); none without it."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return []
    res = subprocess.run([smi, "-L"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        return []
    return [m.group(1) for m in re.finditer(r"^GPU (\d+):", res.stdout, re.M)]


def parse_gpus(text):
    """--gpus 0,2,3 -> ['0', '2', '3']; --gpus none -> []; (a UUID or MIG name is kept as given)."""
    if text == "none":
        return []
    gpus = [g.strip() for g in text.split(",")]
    if not all(gpus) or len(set(gpus)) != len(gpus):
        raise Failure(f"--gpus {text}: GPU indices separated by commas (0,2,3), or none")
    return gpus


def worker_env(slot, gpus):
    """Worker `slot`'s environment: its GPU (round-robin over `gpus`) as the only one CUDA shows,
    so the filter's engine, -hwaccel cuda and the encoder all use it as device 0."""
    env = dict(os.environ)
    if gpus:
        env["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]
    return env


def run_local(tasks, workers, progress, gpus=()):
    """Run `tasks` ([(work, segment index)], one queue, in order) with `workers` processes at a
    time, each pinned to its own share of this machine's CPUs (so each ffmpeg sizes its thread
    pools to its share) and to GPU gpus[slot % len(gpus)]."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    share = max(1, len(cpus) // workers) if cpus else 0
    slots = {}          # slot -> ((work, segment), Popen)
    queue = list(tasks)
    running = set()     # (work dir, segment) of the live tasks

    def alive(work, i, _st):
        return (work.dir, i) in running

    def prepare(slot):
        mask = {cpus[(slot * share + k) % len(cpus)] for k in range(share)} if share else None

        def in_child():
            if mask:
                os.sched_setaffinity(0, mask)
            die_with_parent()
        return in_child

    try:
        while queue or slots:
            for slot in range(workers):
                if slot not in slots and queue:
                    work, i = queue.pop(0)
                    with open(work.path("logs", f"{i:05d}.task.log"), "a") as tlog:
                        p = subprocess.Popen(task_command(work, i), stdin=subprocess.DEVNULL,
                                             stdout=tlog, stderr=tlog, start_new_session=True,
                                             env=worker_env(slot, gpus), preexec_fn=prepare(slot))
                    slots[slot] = ((work, i), p)
                    running.add((work.dir, i))
            for slot, ((work, i), p) in list(slots.items()):
                rc = p.poll()
                if rc is None:
                    continue
                del slots[slot]
                running.discard((work.dir, i))
                record_task_end(work, i, rc)
            progress.report(alive)
            time.sleep(0.3)
    except KeyboardInterrupt:
        for _, p in slots.values():
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except OSError:
                pass
        raise


def record_task_end(work, i, rc):
    """A task that died without recording its end (SIGKILL, a crash) is marked failed."""
    st = work.state(i)
    if rc != 0 and st.get("status") != "failed":
        why = f"killed by signal {-rc}" if rc < 0 else f"exit status {rc}"
        work.set_state(i, **(st | {"status": "failed", "finished": time.time(), "error": f"task {why}"}))
