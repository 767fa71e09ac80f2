"""The Slurm runner: one job array per run, waited for with squeue."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import time

from .common import SCRIPT, Failure, log
from .progress import pid_alive
from .work import Work


def squeue_tasks(job_id):
    """{array task id: state} of a job still known to Slurm; None once it is gone."""
    res = subprocess.run(["squeue", "-h", "-r", "-j", str(job_id), "-o", "%K %T"],
                         capture_output=True, text=True)
    if res.returncode != 0:
        if "Invalid job id" in res.stderr:
            return None
        raise Failure(f"squeue: {res.stderr.strip()}")
    if not res.stdout.strip():
        return None
    tasks = {}          # pending ranges ("3-7%2") are active but name no single task
    for line in res.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            tasks[int(parts[0])] = parts[1]
    return tasks


def max_array_size():
    """Slurm's MaxArraySize (array task ids run from 0 to MaxArraySize - 1); 1001, Slurm's
    default, when scontrol cannot tell."""
    try:
        res = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL)
    except OSError:
        return 1001
    m = re.search(r"^MaxArraySize\s*=\s*(\d+)", res.stdout, re.M)
    return int(m.group(1)) if m else 1001


def array_chunks(tasks, limit):
    """The tasks in arrays of at most `limit` (MaxArraySize) tasks each: ids 0..limit-1."""
    return [tasks[k:k + limit] for k in range(0, len(tasks), limit)]


def active_slurm_jobs(root):
    """The job arrays of `root`'s earlier runs that Slurm still runs or queues."""
    if not shutil.which("squeue"):
        return []
    return [job for job in root.jobs()
            if job.get("kind") == "slurm" and squeue_tasks(job["id"]) is not None]


def wait_slurm(root, jobs, poll, progress):
    """Until the job arrays are over; then their tasks that never recorded an end are failed."""
    where = {}          # (work dir, segment) -> (job id, array task id)
    for job in jobs:
        for k, (d, i) in enumerate(job.get("tasks", [])):
            where[(d, i)] = (job["id"], k)
    live = {}           # job id -> {array task id: state}

    def alive(work, i, _st):
        job_id, k = where.get((work.dir, i), (None, None))
        return live.get(job_id, {}).get(k) in ("RUNNING", "COMPLETING", "CONFIGURING")

    while True:
        live = {job["id"]: squeue_tasks(job["id"]) for job in jobs}
        progress.report(alive)
        if all(tasks is None for tasks in live.values()):
            break
        time.sleep(min(2.0, poll))
    # ended by Slurm before they could record it (node failure, cancelled while pending)
    for d, i in where:
        work = Work(d)
        st = work.state(i)
        if st.get("status") == "running":
            work.set_state(i, **(st | {"status": "failed", "finished": time.time(),
                                       "error": "the Slurm task ended without finishing"}))


def submit_array(root, tasks, runner, list_path):
    """One sbatch --array for `tasks` [(work, segment)]: array task k runs line k of list_path."""
    with open(list_path, "w") as f:
        f.write("".join(f"{work.dir}\t{i}\n" for work, i in tasks))
    script = root.path("task.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n# one segment per array task: line $SLURM_ARRAY_TASK_ID of the list $1\n"
                f"exec {shlex.join([sys.executable, SCRIPT, '--run-listed'])} \"$1\" \"$SLURM_ARRAY_TASK_ID\"\n")
    os.chmod(script, 0o755)
    spec = f"0-{len(tasks) - 1}"
    if runner.get("max_parallel"):
        spec += f"%{runner['max_parallel']}"
    gres = [f"--gres=gpu:{runner['gpus_per_task']}"] if runner.get("gpus_per_task") else []
    cmd = ["sbatch", "--parsable", f"--array={spec}", "--job-name=archive-upscale",
           f"--output={root.path('logs', 'slurm-%A_%a.log')}", "--requeue", f"--chdir={os.getcwd()}",
           *gres, *shlex.split(runner.get("slurm_opts") or ""), script, list_path]
    res = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        raise Failure(f"sbatch failed: {res.stderr.strip()}\n$ {shlex.join(cmd)}")
    job = {"kind": "slurm", "id": res.stdout.strip().split(";")[0], "list": list_path,
           "tasks": [[work.dir, i] for work, i in tasks], "submitted": time.time()}
    root.add_job(job)
    log(f"submitted Slurm job array {job['id']} ({len(tasks)} tasks: {spec})")
    return job


def run_slurm(root, tasks, runner, poll, progress):
    """The tasks [(work, segment)] as job arrays (one, or several where there are more tasks than
    the cluster's MaxArraySize), then wait for them all."""
    os.makedirs(root.path("tasks"), exist_ok=True)
    os.makedirs(root.path("logs"), exist_ok=True)
    stamp = len(root.jobs())
    jobs = [submit_array(root, chunk, runner, root.path("tasks", f"{stamp + n:04d}.list"))
            for n, chunk in enumerate(array_chunks(tasks, max_array_size()))]
    wait_slurm(root, jobs, poll, progress)


def listed_task(list_path, k):
    """Line k of a task list: (work dir, segment index)."""
    with open(list_path) as f:
        lines = f.read().splitlines()
    if not 0 <= k < len(lines):
        raise Failure(f"{list_path} has no task {k}")
    d, i = lines[k].split("\t")
    return d, int(i)


def status_alive(root):
    """For a one-shot --status: alive(work, i, state) from squeue for the tasks of `root`'s
    Slurm arrays, from the process table for local workers (on this host)."""
    jobs = [j for j in root.jobs() if j.get("kind") == "slurm"]
    if not jobs:
        return lambda work, i, st: pid_alive(st)
    live = set()
    if shutil.which("squeue"):
        for job in jobs:
            tasks = squeue_tasks(job["id"]) or {}
            live |= {tuple(job["tasks"][k]) for k, state in tasks.items()
                     if k < len(job["tasks"]) and state in ("RUNNING", "COMPLETING", "CONFIGURING")}
    return lambda work, i, st: (work.dir, i) in live
