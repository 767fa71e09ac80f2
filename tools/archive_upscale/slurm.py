"""The Slurm runner: one job array per run, waited for with squeue."""

import os
import shlex
import shutil
import subprocess
import time

from .common import Failure, log
from .local import task_command


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


def active_slurm_job(work):
    """The work directory's job array that Slurm still runs or queues, if any."""
    if not shutil.which("squeue"):
        return None
    for job in reversed(work.jobs()):
        if job.get("kind") == "slurm" and squeue_tasks(job["id"]) is not None:
            return job
    return None


def wait_slurm(work, job, poll, progress):
    """Until the job array is over; then its tasks that never recorded an end are failed."""
    live = {}

    def alive(i, _st):
        return live.get(i) in ("RUNNING", "COMPLETING", "CONFIGURING")

    while True:
        tasks = squeue_tasks(job["id"])
        live = tasks or {}
        progress.report(alive)
        if tasks is None:
            break
        time.sleep(min(2.0, poll))
    # ended by Slurm before they could record it (node failure, cancelled while pending)
    for i in job["segments"]:
        st = work.state(i)
        if st.get("status") == "running":
            work.set_state(i, **(st | {"status": "failed", "finished": time.time(),
                                       "error": "the Slurm task ended without finishing"}))


def run_slurm(work, todo, runner, poll, progress):
    """One job array for the segments in `todo`, then wait for it."""
    script = work.path("task.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n# one segment per array task: archive-upscale --run-segment\n"
                f"exec {shlex.join(task_command(work, 0)[:-1])} \"$SLURM_ARRAY_TASK_ID\"\n")
    os.chmod(script, 0o755)
    spec = ",".join(str(i) for i in todo)
    if runner.get("max_parallel"):
        spec += f"%{runner['max_parallel']}"
    cmd = ["sbatch", "--parsable", f"--array={spec}", "--job-name=archive-upscale",
           f"--output={work.path('logs', 'slurm-%A_%a.log')}", "--requeue",
           f"--chdir={work.manifest['cwd']}", *shlex.split(runner.get("slurm_opts") or ""), script]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise Failure(f"sbatch failed: {res.stderr.strip()}\n$ {shlex.join(cmd)}")
    job = {"kind": "slurm", "id": res.stdout.strip().split(";")[0], "segments": list(todo),
           "submitted": time.time()}
    work.add_job(job)
    log(f"submitted Slurm job array {job['id']} ({len(todo)} tasks: {spec})")
    wait_slurm(work, job, poll, progress)
