"""Progress of the segments: done, running, failed, frames finished, frame rate and ETA."""

import os
import socket
import time

from .chain import analyze
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


def file_snapshot(work, alive):
    """(done, running, failed, frames finished) of one file's segments. alive(work, i, state)
    -> bool: whether a 'running' state has a live process behind it."""
    m = work.manifest
    done = running = failed = frames = 0
    for seg in m["segments"]:
        i = seg["index"]
        st = work.state(i)
        status = st.get("status")
        if status == "done" and st.get("settings_id") == m["settings_id"] and os.path.isfile(work.out(i)):
            done += 1
            frames += seg["frames"]
        elif status == "running" and alive(work, i, st):
            running += 1
            # ffmpeg counts output frames: a send_field chain makes two per input frame
            frames += min(progress_frames(work, i) // analyze(m["settings"]["vf"])["rate"][1], seg["frames"])
        elif status in ("failed", "running"):
            failed += 1
    return done, running, failed, frames


class Progress:
    """One line of progress over the segments of `works` (one file, or a batch's files), with
    the frame rate of the last two minutes and the ETA."""

    def __init__(self, works, interval):
        self.works, self.interval = list(works), interval
        self.samples = []          # (time, frames finished)
        self.last_print = 0.0
        self.last_line = None

    def snapshot(self, alive):
        total = [0, 0, 0, 0]
        for work in self.works:
            total = [a + b for a, b in zip(total, file_snapshot(work, alive))]
        return tuple(total)

    def report(self, alive, force=False):
        now = time.time()
        if not force and now - self.last_print < self.interval:
            return
        done, running, failed, frames = self.snapshot(alive)
        self.samples.append((now, frames))
        self.samples = [s for s in self.samples if now - s[0] <= 120] or [(now, frames)]
        t0, f0 = self.samples[0]
        fps = (frames - f0) / (now - t0) if now > t0 else 0.0
        total = sum(w.manifest["video"]["frames"] for w in self.works)
        segments = sum(len(w.manifest["segments"]) for w in self.works)
        line = (f"segments {done}/{segments} done, {running} running, {failed} failed | "
                f"frames {frames}/{total} | {fps:.2f} fps | ETA {eta(total - frames, fps)}")
        if force or line != self.last_line:
            log(line)
        self.last_line, self.last_print = line, now


def eta(frames_left, fps):
    if frames_left <= 0:
        return hms(0)
    return hms(frames_left / fps) if fps > 0 else "?"


def rate_of_done(works):
    """Frames per second of the finished segments (their recorded fps, weighted by frames):
    the rate a one-shot --status can give an ETA with."""
    frames = seconds = 0.0
    for work in works:
        for seg in work.manifest["segments"]:
            st = work.state(seg["index"])
            if st.get("status") == "done" and st.get("seconds"):
                frames += seg["frames"]
                seconds += st["seconds"]
    return frames / seconds if seconds > 0 else 0.0


def pid_alive(st):
    if st.get("host") != socket.gethostname():
        return True       # another node's process: only the scheduler can tell
    try:
        os.kill(st["pid"], 0)
        return True
    except (OSError, KeyError, TypeError):
        return False
