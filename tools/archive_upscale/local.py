"""The local runner: N worker processes on this machine."""

import os
import signal
import subprocess
import sys
import time

from .common import SCRIPT, die_with_parent


def task_command(work, i):
    return [sys.executable, SCRIPT, "--run-segment", work.dir, str(i)]


def run_local(work, todo, workers, progress):
    """Run the segments in `todo` with `workers` processes at a time, each pinned to its own
    share of this machine's CPUs (so each ffmpeg sizes its thread pools to its share)."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    share = max(1, len(cpus) // workers) if cpus else 0
    slots = {}          # slot -> (segment, Popen)
    queue = list(todo)
    running_segments = {}

    def alive(i, _st):
        return i in running_segments

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
                    i = queue.pop(0)
                    with open(work.path("logs", f"{i:05d}.task.log"), "a") as tlog:
                        p = subprocess.Popen(task_command(work, i), stdin=subprocess.DEVNULL,
                                             stdout=tlog, stderr=tlog, start_new_session=True,
                                             preexec_fn=prepare(slot))
                    slots[slot] = (i, p)
                    running_segments[i] = p
            for slot, (i, p) in list(slots.items()):
                rc = p.poll()
                if rc is None:
                    continue
                del slots[slot]
                del running_segments[i]
                st = work.state(i)
                if rc != 0 and st.get("status") != "failed":
                    why = f"killed by signal {-rc}" if rc < 0 else f"exit status {rc}"
                    work.set_state(i, **(st | {"status": "failed", "finished": time.time(),
                                               "error": f"task {why}"}))
            progress.report(alive)
            time.sleep(0.3)
    except KeyboardInterrupt:
        for _, p in slots.values():
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except OSError:
                pass
        raise
