"""The work directory of one file: its manifest (what was split, with which settings) and the
state of every segment."""

import hashlib
import json
import os
import shlex

from .common import Failure, read_json, sha256_file, write_json_atomic

MANIFEST_VERSION = 1


class Work:
    """The work directory: manifest.json (immutable after the split), state/NNNNN.json per
    segment (written by the task running it), src/ (split), out/ (upscaled), progress/, logs/."""

    def __init__(self, workdir):
        self.dir = os.path.abspath(workdir)
        self.manifest_path = os.path.join(self.dir, "manifest.json")
        self.jobs_path = os.path.join(self.dir, "jobs.json")
        self.manifest = None

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def load(self):
        self.manifest = read_json(self.manifest_path)
        if self.manifest and self.manifest.get("version") != MANIFEST_VERSION:
            raise Failure(f"{self.manifest_path}: manifest version {self.manifest.get('version')}, "
                          f"this tool writes {MANIFEST_VERSION}: use --restart")
        return self.manifest

    def src(self, i):
        return self.path("src", f"{i:05d}.{self.manifest['segment_format']}")

    def out(self, i):
        return self.path("out", f"{i:05d}.{self.manifest['segment_format']}")

    def state_path(self, i):
        return self.path("state", f"{i:05d}.json")

    def progress_path(self, i):
        return self.path("progress", f"{i:05d}.txt")

    def state(self, i):
        return read_json(self.state_path(i), {}) or {}

    def set_state(self, i, **fields):
        write_json_atomic(self.state_path(i), fields)

    def jobs(self):
        return read_json(self.jobs_path, []) or []

    def add_job(self, job):
        write_json_atomic(self.jobs_path, self.jobs() + [job])


def model_paths(vf):
    """The model= files named in a filter string (their checksums join the manifest)."""
    paths = []
    for chain in vf.replace(";", ",").split(","):
        name, _, args = chain.partition("=")
        if name.strip().split("@")[0] != "realesrgan":
            continue
        for kv in args.split(":"):
            key, _, value = kv.partition("=")
            if key.strip() == "model" and value:
                paths.append(value.strip().strip("'\""))
            elif not value and key and not paths:  # first positional option is model
                paths.append(key.strip().strip("'\""))
    return paths


def settings_of(args, tools):
    models = {}
    for p in model_paths(args.vf):
        if not os.path.isfile(p):
            raise Failure(f"--vf: model file {p} not found")
        models[os.path.abspath(p)] = sha256_file(p)
    return {
        "vf": args.vf,
        "output_options": args.output_opts,
        "input_options": shlex.split(args.input_opts or ""),
        "segment_seconds": args.segment_seconds,
        "segment_format": args.segment_format,
        "models": models,
        "ffmpeg": tools.ffmpeg,
    }


def settings_id(settings):
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def source_identity(path, known=None):
    st = os.stat(path)
    ident = {"path": os.path.abspath(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if known and known["size"] == st.st_size and known["mtime_ns"] == st.st_mtime_ns:
        ident["sha256"] = known["sha256"]    # unchanged file: no need to read it all again
    else:
        ident["sha256"] = sha256_file(path)
    return ident
