"""One segment, as run by a Slurm array task or a local worker (archive-upscale --run-segment)."""

import os
import shlex
import signal
import socket
import subprocess
import time

from .chain import analyze, with_trim
from .checks import expected_frames, verify_segment
from .common import Failure, Tools, die_with_parent, log, seconds_str, sha256_file, tail_of, us_of
from .work import Work


# --- one segment (a Slurm array task or a local worker) ------------------------------------------

def run_segment(workdir, index):
    """Upscale segment `index`; the result appears at out/NNNNN only when it is complete and
    verified. Exit status 0 on success."""
    work = Work(workdir)
    m = work.load()
    if not m:
        raise Failure(f"{workdir}: no manifest")
    seg = m["segments"][index]
    tools = Tools(m["settings"]["ffmpeg"], m["ffprobe"])
    os.chdir(m["cwd"])
    prev = work.state(index)
    attempt = prev.get("attempt", 0) + 1
    host = socket.gethostname()
    slurm = None
    if os.environ.get("SLURM_ARRAY_JOB_ID"):
        slurm = f"{os.environ['SLURM_ARRAY_JOB_ID']}_{os.environ.get('SLURM_ARRAY_TASK_ID')}"
    # the GPU this task was given (local worker: round-robin; Slurm: --gres), for the record
    gpu = os.environ.get("CUDA_VISIBLE_DEVICES")
    base = dict(attempt=attempt, host=host, pid=os.getpid(), slurm=slurm, gpu=gpu,
                settings_id=m["settings_id"], started=time.time())
    tmp = work.path("out", f"{index:05d}.{host}.{os.getpid()}.partial.{m['segment_format']}")
    log_path = work.path("logs", f"{index:05d}.log")
    child = None

    def on_signal(signum, _frame):
        if child and child.poll() is None:
            child.kill()
        work.set_state(index, status="failed", **base, finished=time.time(),
                       error=f"terminated by {signal.Signals(signum).name} (scancel, time limit, "
                             "preemption, node shutdown, or the local driver ended)")
        try:
            os.unlink(tmp)
        except OSError:
            pass
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    work.set_state(index, status="running", **base)
    try:
        src = work.src(index)
        if not os.path.isfile(src) or os.path.getsize(src) != seg["size"] or sha256_file(src) != seg["sha256"]:
            raise Failure(f"{src} is missing or differs from the split (checksum): use --restart")
        try:
            os.unlink(work.progress_path(index))
        except OSError:
            pass
        s = m["settings"]
        source, vf, time_base = segment_input(work, index)
        cmd = [tools.ffmpeg, "-nostdin", "-hide_banner", "-y", "-nostats",
               "-progress", work.progress_path(index), "-stats_period", "2",
               *s["input_options"], *source, "-map", "0:v:0", "-vf", vf,
               "-fps_mode", "passthrough", "-enc_time_base", time_base, "-flags:v", "+global_header",
               *s["output_options"], "-f", "nut" if m["segment_format"] == "nut" else "matroska", tmp]
        start = time.time()
        with open(log_path, "a") as logf:
            logf.write(f"== attempt {attempt} on {host} pid {os.getpid()}"
                       f"{' slurm ' + slurm if slurm else ''}{' gpu ' + gpu if gpu is not None else ''} {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
                       f"$ {shlex.join(cmd)}\n")
            logf.flush()
            child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                     preexec_fn=die_with_parent)
            status = child.wait()
        if status != 0:
            raise Failure(f"ffmpeg exited with status {status}: " + tail_of(log_path, 5).strip())
        problem = verify_segment(tools, tmp, expected_frames(m, seg["frames"]), decode=True)
        if problem:
            raise Failure(problem)
        os.replace(tmp, work.out(index))
        seconds = time.time() - start
        work.set_state(index, status="done", **base, finished=time.time(), seconds=seconds,
                       frames=seg["frames"], size=os.path.getsize(work.out(index)),
                       fps=seg["frames"] / seconds if seconds > 0 else 0)
        return 0
    except Failure as e:
        work.set_state(index, status="failed", **base, finished=time.time(), error=str(e)[-2000:])
        with open(log_path, "a") as logf:
            logf.write(f"FAILED: {e}\n")
        try:
            os.unlink(tmp)
        except OSError:
            pass
        log(f"segment {index}: {e}")
        return 1


def segment_input(work, index):
    """(ffmpeg input arguments, filter chain, encoder time base) of segment `index`.

    A frame-wise chain reads the segment alone and keeps the source's timestamps. A temporal
    chain (a deinterlacer) reads the segment between its neighbours, as one stream (the concat
    demuxer places each at its source distance), so its first and last frames see the same
    neighbours as in one pass over the whole file; after the temporal filters only the frames
    of the segment's own time are kept, and their times (fields: halfway between frames) need
    the filter's time base."""
    m = work.manifest
    s = m["settings"]
    context = analyze(s["vf"])["context"]
    if not context:
        return ["-i", work.src(index)], s["vf"], "demux"
    segs, tb = m["segments"], m["video"]["time_base"]
    span = lambda seg: us_of(seg["end_pts"], tb) - us_of(seg["first_pts"], tb)  # noqa: E731
    lines = ["ffconcat version 1.0"]
    for j in range(max(0, index - 1), min(len(segs), index + 2)):
        lines.append(f"file '{os.path.basename(work.src(j))}'")
        if segs[j]["end_pts"] is not None:
            lines.append(f"duration {seconds_str(span(segs[j]))}")
    listing = work.path("src", f"{index:05d}.context.ffconcat")
    with open(listing, "w") as f:
        f.write("\n".join(lines) + "\n")
    start_us = span(segs[index - 1]) if index > 0 else 0
    end_us = start_us + span(segs[index]) if segs[index]["end_pts"] is not None else None
    vf = with_trim(s["vf"], context, start_us / 1e6, end_us / 1e6 if end_us is not None else None)
    return ["-f", "concat", "-safe", "0", "-i", listing], vf, "filter"
