"""A batch: many INPUT files (files, folders searched recursively, @LIST files) upscaled as one
job. Each file has its own work directory (WORKDIR/files/NNNN, as a single file's), and the
segments of all files form one queue (one local pool, or Slurm arrays), so short and long
files keep every worker busy. A file that fails (corrupt source, unsupported stream, failed
segment, failed join) is reported and the rest of the batch goes on.

WORKDIR/batch.json: the files (INPUT, its OUTPUT under OUTDIR mirroring the input tree), the
settings, the runner and every file's last error."""

import copy
import os
import shutil
import time

from .common import Failure, Tools, log, read_json, write_json_atomic
from .driver import (choose_runner, failed_segments, finish, lock_dir, prepare, reconcile, run_queue,
                     wait_earlier_arrays)
from .progress import Progress, eta, file_snapshot, rate_of_done
from .slurm import status_alive
from .work import Work, settings_of

BATCH_VERSION = 1
VIDEO_EXTENSIONS = {".mkv", ".mp4", ".m4v", ".mov", ".avi", ".webm", ".ts", ".m2ts", ".mts",
                    ".mpg", ".mpeg", ".vob", ".nut", ".wmv", ".flv", ".dv", ".mxf", ".3gp", ".ogv"}


def is_batch_dir(path):
    return os.path.isfile(os.path.join(path, "batch.json"))


def list_file_entries(path):
    """@LIST: one file or folder a line (blank lines and # comments skipped), relative paths
    from the list's own folder."""
    base = os.path.dirname(os.path.abspath(path))
    try:
        with open(path) as f:
            lines = [ln.strip() for ln in f]
    except OSError as e:
        raise Failure(f"--batch @{path}: {e.strerror}")
    return [os.path.join(base, ln) for ln in lines if ln and not ln.startswith("#")]


def find_inputs(inputs, skip_dirs):
    """[(INPUT, its path relative to OUTDIR)]: a file keeps its name; a folder's video files
    (searched recursively, skipping skip_dirs) keep their path below the folder."""
    found = []
    for item in inputs:
        if item.startswith("@"):
            found += find_inputs(list_file_entries(item[1:]), skip_dirs)
            continue
        if os.path.isdir(item):
            for dirpath, dirnames, filenames in os.walk(item):
                dirnames[:] = sorted(d for d in dirnames
                                     if os.path.abspath(os.path.join(dirpath, d)) not in skip_dirs)
                for name in sorted(filenames):
                    if os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS:
                        path = os.path.join(dirpath, name)
                        found.append((os.path.abspath(path), os.path.relpath(path, item)))
        elif os.path.isfile(item):
            found.append((os.path.abspath(item), os.path.basename(item)))
        else:
            raise Failure(f"--batch {item}: no such file or folder")
    return found


def discover(inputs, outdir, ext, skip_dirs=()):
    """The batch's files: INPUT, its path under OUTDIR with the extension `ext`, OUTPUT. Two
    inputs that would write one OUTPUT are refused, naming both."""
    files, seen = [], {}
    for path, rel in find_inputs(inputs, skip_dirs):
        rel = os.path.splitext(rel)[0] + "." + ext
        if rel in seen and seen[rel] != path:
            raise Failure(f"--batch: {seen[rel]} and {path} would both write {os.path.join(outdir, rel)}")
        if rel not in seen:
            seen[rel] = path
            files.append({"input": path, "rel": rel, "output": os.path.abspath(os.path.join(outdir, rel))})
    if not files:
        raise Failure("--batch: no video files found")
    return files


def batch_settings(args):
    return {"vf": args.vf, "output_options": args.output_opts, "input_options": args.input_opts or "",
            "segment_seconds": args.segment_seconds, "segment_format": args.segment_format,
            "mux_options": args.mux_opts}


class Batch:
    """WORKDIR of a batch: batch.json, files/NNNN/ (one work directory per file), jobs.json,
    tasks/ (Slurm task lists), logs/."""

    def __init__(self, workdir):
        self.root = Work(workdir)       # jobs.json, path(): the queue's bookkeeping
        self.dir = self.root.dir
        self.path_json = self.root.path("batch.json")
        self.data = read_json(self.path_json)

    def work(self, k):
        return Work(self.root.path("files", f"{k:04d}"))

    def save(self):
        write_json_atomic(self.path_json, self.data)

    def set_error(self, k, error):
        self.data["files"][k]["error"] = error
        self.save()


def fill_batch_args(args, data):
    """--resume --workdir DIR alone: the settings from DIR's batch.json."""
    s = data["settings"]
    args.vf, args.output_opts = s["vf"], s["output_options"]
    args.input_opts = s["input_options"]
    args.segment_seconds = args.segment_seconds or s["segment_seconds"]
    args.segment_format = args.segment_format or s["segment_format"]
    if args.mux_opts is None:
        args.mux_opts = s["mux_options"]
    args.ffmpeg = args.ffmpeg or data.get("ffmpeg")


def open_batch(args):
    """The batch's work directory, reconciled with the command: the same files and settings
    (else refused, listing the differences), or discarded with --restart."""
    if not args.workdir:
        if not args.outdir:
            raise Failure("--batch INPUT... -o OUTDIR, or --workdir DIR with --resume/--status")
        args.workdir = os.path.join(args.outdir, ".archive-work")
    b = Batch(args.workdir)
    if b.data and b.data.get("version") != BATCH_VERSION:
        raise Failure(f"{b.path_json}: batch version {b.data.get('version')}: use --restart")
    if args.status:
        return b
    if args.batch is None:
        if not b.data:
            raise Failure(f"{b.dir}: no batch.json (start it with --batch INPUT... -o OUTDIR)")
        if not args.resume or args.input:
            raise Failure(f"{b.dir} holds a batch: continue it with --resume --workdir {b.dir}, "
                          "or give --batch INPUT... -o OUTDIR")
        fill_batch_args(args, b.data)
        args.outdir, args.ext = b.data["outdir"], b.data["ext"]
        files = b.data["files"]
    else:
        args.ext = args.ext or "mkv"
        args.segment_seconds = args.segment_seconds or 60.0
        args.segment_format = args.segment_format or "nut"
        files = discover(args.batch, os.path.abspath(args.outdir), args.ext,
                         skip_dirs={os.path.abspath(args.outdir), b.dir})
    if b.data and not args.restart:
        problems = batch_changes(b.data, files, args)
        if problems:
            raise Failure(f"{b.dir} holds a batch made differently; it is not mixed:\n  "
                          + "\n  ".join(problems)
                          + "\nRerun with the original inputs and options, or add --restart.")
    elif b.data and args.restart:
        log(f"--restart: discarding the batch in {b.dir}")
        for d in ("files", "tasks"):
            shutil.rmtree(b.root.path(d), ignore_errors=True)
        for f in ("jobs.json", "batch.json"):
            try:
                os.unlink(b.root.path(f))
            except OSError:
                pass
        b.data = None
    elif os.path.isdir(b.dir) and os.listdir(b.dir):
        raise Failure(f"--workdir {b.dir} is not empty and holds no batch.json")
    if b.data is None:
        b.data = {"version": BATCH_VERSION, "outdir": os.path.abspath(args.outdir), "ext": args.ext,
                  "settings": batch_settings(args), "ffmpeg": args.ffmpeg,
                  "files": [{**f, "error": None} for f in files],
                  "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    return b


def batch_changes(data, files, args):
    problems = []
    old = [(f["input"], f["rel"]) for f in data["files"]]
    new = [(f["input"], f["rel"]) for f in files]
    if old != new:
        gone = [p for p, _ in old if (p, _) not in new]
        added = [p for p, _ in new if (p, _) not in old]
        problems.append(f"the files differ: {len(gone)} left out ({' '.join(gone[:5])}), "
                        f"{len(added)} added ({' '.join(added[:5])})")
    for key, new_value in batch_settings(args).items():
        if key == "mux_options" and new_value is None:
            continue
        if data["settings"].get(key) != new_value:
            problems.append(f"{key} was {data['settings'].get(key)!r}, now {new_value!r}")
    return problems


def file_args(args, b, k):
    """The command of one file of the batch, as if it had been given alone."""
    f = b.data["files"][k]
    fa = copy.copy(args)
    fa.input, fa.output, fa.workdir = f["input"], f["output"], b.work(k).dir
    return fa


def prepare_file(b, k, args, tools):
    """Reconcile, split and preflight file k: its Work when it has segments to run or join,
    None when it is complete. Raises Failure for a file that cannot go on."""
    fa = file_args(args, b, k)
    work = b.work(k)
    previous = work.load()
    if previous is None and os.path.isdir(work.dir):
        shutil.rmtree(work.dir)         # a split that was interrupted: start it afresh
    settings = settings_of(fa, tools)
    previous = reconcile(work, previous, fa, settings, False)
    if previous == "complete":
        return None
    os.makedirs(os.path.dirname(fa.output), exist_ok=True)
    try:
        prepare(work, previous, fa, tools, settings)
    except Failure:
        if previous is None:            # a half-made split: the next run starts it afresh
            shutil.rmtree(work.dir, ignore_errors=True)
        raise
    return work


def main_batch(args):
    b = open_batch(args)
    if args.status:
        return print_batch_status(b)
    lock = lock_dir(b.dir)   # noqa: F841 (held until the process ends)
    b.data["runner"] = choose_runner(b.data.get("runner"), args)
    b.save()
    started = time.time()
    tools = Tools(args.ffmpeg, args.ffprobe)
    n = len(b.data["files"])
    log(f"batch of {n} file(s) into {b.data['outdir']} (work directory {b.dir})")
    ready = {}          # file index -> Work with segments to run or join
    for k, f in enumerate(b.data["files"]):
        try:
            work = prepare_file(b, k, args, tools)
        except Failure as e:
            log(f"{f['rel']}: error: {e}")
            b.set_error(k, str(e)[-2000:])
            continue
        b.set_error(k, None)
        if work:
            ready[k] = work
    works = list(ready.values())
    progress = Progress(works, args.poll)
    wait_earlier_arrays(b.root, args, progress)
    pending = lambda: [(w, i) for w in works for i in failed_segments(w, tools)]  # noqa: E731
    todo = pending()
    total = sum(len(w.manifest["segments"]) for w in works)
    if len(todo) < total:          # also when everything is done (arrays finished while waiting)
        log(f"resuming: {total - len(todo)} of {total} segments are done and valid; to do: {len(todo)}")
    if todo:
        log(f"{len(todo)} segment(s) of {len(works)} file(s) in one queue")
        run_queue(b.root, pending, b.data["runner"], args, progress)
    for k, work in ready.items():
        finish_file(b, k, work, args, tools, started)
    return summary(b)


def finish_file(b, k, work, args, tools, started):
    f = b.data["files"][k]
    bad = failed_segments(work, tools)
    if bad:
        first = work.state(bad[0]).get("error", "no result")
        error = (f"{len(bad)} segment(s) failed: {' '.join(map(str, bad))} (segment {bad[0]}: "
                 f"{first}; log: {work.path('logs', f'{bad[0]:05d}.log')})")
        log(f"{f['rel']}: error: {error}")
        b.set_error(k, error[-2000:])
        return
    try:
        finish(work, tools, file_args(args, b, k), started)
    except Failure as e:
        log(f"{f['rel']}: error: {e}")
        b.set_error(k, str(e)[-2000:])


def summary(b):
    failed = [f for f in b.data["files"] if f.get("error")]
    n = len(b.data["files"])
    log(f"batch: {n - len(failed)} of {n} file(s) done, {len(failed)} failed")
    for f in failed:
        log(f"  FAILED {f['input']}: {f['error'].splitlines()[0]}")
    if failed:
        log(f"fix the cause (or leave the file out) and rerun with --resume --workdir {b.dir}")
        return 1
    return 0


def print_batch_status(b):
    """Per file: complete, failed (why), or segments and frames done; then the whole batch,
    with an ETA from the finished segments' rate."""
    if not b.data:
        raise Failure(f"{b.dir}: no batch.json")
    alive = status_alive(b.root)
    works, frames_total, frames_done, unsplit = [], 0, 0, 0
    for k, f in enumerate(b.data["files"]):
        work = b.work(k)
        m = work.load()
        if m and m.get("joined"):
            state = f"complete, joined {m['joined']}"
            frames_total += m["video"]["frames"]
            frames_done += m["video"]["frames"]
        elif m:
            works.append(work)
            done, running, failed, frames = file_snapshot(work, alive)
            frames_total += m["video"]["frames"]
            frames_done += frames
            state = (f"segments {done}/{len(m['segments'])} done, {running} running, {failed} failed"
                     f" | frames {frames}/{m['video']['frames']}")
        else:
            state = "not split yet"
            unsplit += 1
        if f.get("error"):
            state = f"FAILED: {f['error'].splitlines()[0]}" + ("" if not m else f" ({state})")
        log(f"{f['rel']}: {state}")
    n = len(b.data["files"])
    complete = sum(1 for k in range(n) if (b.work(k).load() or {}).get("joined"))
    failed = sum(1 for f in b.data["files"] if f.get("error"))
    log(f"batch: {complete}/{n} files complete, {failed} failed | frames {frames_done}/{frames_total}"
        f" | ETA {'?' if unsplit - failed > 0 else eta(frames_total - frames_done, rate_of_done(works))}")
    return 0
