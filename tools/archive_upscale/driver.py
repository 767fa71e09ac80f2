"""The driver's steps, shared by one file and a batch: reconcile a work directory with the
command (resume, refuse a changed source or changed options, --restart), split and preflight,
choose the runner, run the queue of segments with retries, join."""

import fcntl
import os
import shutil
import time

from .checks import preflight, segment_valid
from .common import PROG, Failure, hms, log, write_json_atomic
from .join import join
from .local import detect_gpus, run_local
from .plan import split
from .slurm import active_slurm_jobs, run_slurm, wait_slurm
from .work import settings_id, source_identity


def changes(work, previous, args, settings):
    """What differs between the work directory's manifest and this command."""
    problems = []
    src = source_identity(args.input, previous["input"])
    if src["sha256"] != previous["input"]["sha256"]:
        problems.append(f"INPUT's content changed (sha256 {previous['input']['sha256'][:12]}... "
                        f"then, {src['sha256'][:12]}... now)")
    if os.path.abspath(args.output) != previous["output"]:
        problems.append(f"OUTPUT was {previous['output']}")
    for key, new in settings.items():
        old = previous["settings"].get(key)
        if old != new:
            problems.append(f"{key} was {old!r}, now {new!r}")
    return problems


def discard(work):
    log(f"--restart: discarding the results in {work.dir}")
    for d in ("src", "out", "state", "progress"):
        shutil.rmtree(work.path(d), ignore_errors=True)
    for f in ("manifest.json", "jobs.json", "join.ffconcat"):
        try:
            os.unlink(work.path(f))
        except OSError:
            pass


def reconcile(work, previous, args, settings, restart):
    """The manifest to go on with (None: split anew), or "complete" when OUTPUT is already made
    with these settings. Raises for a changed source or changed options (unless restart)."""
    if previous and previous.get("joined") and not restart:
        if os.path.exists(previous["output"]) and previous["settings_id"] == settings_id(settings):
            log(f"{previous['output']} is complete (joined {previous['joined']}); --restart to redo it")
            return "complete"
        if not os.path.isdir(work.path("src")):
            log("the earlier run's segments were removed after its join: starting over")
            restart = True
    if os.path.exists(args.output) and not args.overwrite:
        raise Failure(f"OUTPUT {args.output} exists (-y to overwrite)")
    if previous and not restart:
        problems = changes(work, previous, args, settings)
        if problems:
            raise Failure(f"{work.dir} holds results made differently; they are not mixed:\n  "
                          + "\n  ".join(problems)
                          + "\nRerun with the original options, or add --restart to discard them.")
        return previous
    if previous:
        discard(work)
    elif os.path.isdir(work.dir) and os.listdir(work.dir):
        raise Failure(f"--workdir {work.dir} is not empty and holds no manifest")
    return None


def lock_dir(path):
    """Two drivers never work on one directory: an exclusive lock held while the process lives."""
    os.makedirs(path, exist_ok=True)
    lock = open(os.path.join(path, "lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise Failure(f"another {PROG} is working on {path}")
    return lock


def prepare(work, previous, args, tools, settings):
    """Split and preflight a new work directory; apply a changed --mux-opts to an old one."""
    if previous is None:
        split(work, args, tools, settings)
        preflight(work, tools)
    m = work.manifest
    if args.mux_opts is not None and m.get("mux_options") != args.mux_opts:
        m["mux_options"] = args.mux_opts
        write_json_atomic(work.manifest_path, m)
        preflight(work, tools)
    return m


def choose_runner(previous_runner, args):
    """How the segments run: as given, else as the last run of this work directory did."""
    runner = dict(previous_runner or {"kind": "local", "workers": 1})
    if args.slurm:
        runner = {"kind": "slurm", "slurm_opts": args.slurm_opts, "max_parallel": args.max_parallel,
                  "gpus_per_task": args.slurm_gpus}
    elif args.local:
        runner = {"kind": "local", "workers": args.local, "gpus": args.gpus}
    else:
        for key, value in (("slurm_opts", args.slurm_opts), ("max_parallel", args.max_parallel),
                           ("gpus_per_task", args.slurm_gpus), ("gpus", args.gpus)):
            if value is not None:
                runner[key] = value
    return runner


def local_gpus(runner):
    """The GPUs local workers take round-robin: --gpus as given, else all of nvidia-smi -L."""
    gpus = runner.get("gpus")
    return detect_gpus() if gpus is None else gpus


def wait_earlier_arrays(root, args, progress):
    """An earlier driver's arrays that Slurm still runs: wait for them, so that no segment ever
    runs twice at once."""
    jobs = active_slurm_jobs(root)
    for job in jobs:
        log(f"Slurm job array {job['id']} of an earlier run is still active: waiting for it")
    if jobs:
        wait_slurm(root, jobs, args.poll, progress)


def run_queue(root, pending, runner, args, progress):
    """Run the segments pending() returns ([(work, segment)], all files in one queue) until none
    is left or the retries are spent."""
    gpus = local_gpus(runner) if runner["kind"] == "local" else []
    if runner["kind"] == "local" and gpus:
        log(f"{runner['workers']} local worker(s) on GPU(s) {','.join(gpus)} (round-robin, "
            "CUDA_VISIBLE_DEVICES)")
    for attempt in range(args.retries + 1):
        todo = pending()
        if not todo:
            return
        if attempt > 0:
            log(f"retry {attempt} of {args.retries}: {describe(todo)}")
        if runner["kind"] == "slurm":
            run_slurm(root, todo, runner, args.poll, progress)
        else:
            run_local(todo, runner["workers"], progress, gpus)
        progress.report(lambda w, i, st: False, force=True)


def describe(tasks):
    """'segments 1 2' for one file; 'a.mkv:1 b.mkv:0' across files."""
    dirs = {work.dir for work, _ in tasks}
    if len(dirs) == 1:
        return "segments " + " ".join(str(i) for _, i in tasks)
    return " ".join(f"{os.path.basename(work.manifest['input']['path'])}:{i}" for work, i in tasks)


def failed_segments(work, tools, wanted=None):
    m = work.manifest
    wanted = [s["index"] for s in m["segments"]] if wanted is None else wanted
    return [i for i in wanted if not segment_valid(work, tools, i)]


def finish(work, tools, args, started):
    """Join the file's segments into OUTPUT, stamp the manifest, drop the segment files."""
    m = work.manifest
    join(work, tools, args.overwrite)
    m["joined"] = time.strftime("%Y-%m-%d %H:%M:%S")
    write_json_atomic(work.manifest_path, m)
    if not args.keep_segments:
        shutil.rmtree(work.path("src"), ignore_errors=True)
        shutil.rmtree(work.path("out"), ignore_errors=True)
    log(f"done: {m['output']}: {m['video']['frames']} frames in {len(m['segments'])} segments, "
        f"{hms(time.time() - started)} for this run")
