"""Progress of the segments: done, running, failed, frames finished, frame rate and ETA."""

import os
import socket
import time

from .common import hms, log


# --- progress ------------------------------------------------------------------------------------

def progress_frames(work, i):
    """Frames the running segment i has finished, from its ffmpeg -progress file."""
    try:
        with open(work.progress_path(i), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            text = f.read().decode(errors="replace")
    except OSError:
        return 0
    frames = 0
    for line in text.splitlines():
        if line.startswith("frame="):
            try:
                frames = int(line[6:])
            except ValueError:
                pass
    return frames


class Progress:
    def __init__(self, work, interval):
        self.work, self.interval = work, interval
        self.samples = []          # (time, frames finished)
        self.last_print = 0.0
        self.last_line = None

    def snapshot(self, alive):
        """alive(i, state) -> bool: whether a 'running' state has a live process behind it."""
        m = self.work.manifest
        done = running = failed = 0
        frames = 0
        for seg in m["segments"]:
            i = seg["index"]
            st = self.work.state(i)
            status = st.get("status")
            if status == "done" and st.get("settings_id") == m["settings_id"] and os.path.isfile(self.work.out(i)):
                done += 1
                frames += seg["frames"]
            elif status == "running" and alive(i, st):
                running += 1
                frames += min(progress_frames(self.work, i), seg["frames"])
            elif status in ("failed", "running"):
                failed += 1
        return done, running, failed, frames

    def report(self, alive, force=False):
        now = time.time()
        if not force and now - self.last_print < self.interval:
            return
        m = self.work.manifest
        done, running, failed, frames = self.snapshot(alive)
        self.samples.append((now, frames))
        self.samples = [s for s in self.samples if now - s[0] <= 120] or [(now, frames)]
        t0, f0 = self.samples[0]
        fps = (frames - f0) / (now - t0) if now > t0 else 0.0
        total = m["video"]["frames"]
        eta = hms((total - frames) / fps) if fps > 0 else "?"
        line = (f"segments {done}/{len(m['segments'])} done, {running} running, {failed} failed | "
                f"frames {frames}/{total} | {fps:.2f} fps | ETA {eta}")
        if force or line != self.last_line:
            log(line)
        self.last_line, self.last_print = line, now


def pid_alive(st):
    if st.get("host") != socket.gethostname():
        return True       # another node's process: only the scheduler can tell
    try:
        os.kill(st["pid"], 0)
        return True
    except (OSError, KeyError, TypeError):
        return False
