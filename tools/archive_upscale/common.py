"""What every module of archive-upscale shares: the error type, the log line, small file and
timestamp utilities, and the ffmpeg/ffprobe binaries."""

import fractions
import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys

PROG = "archive-upscale"
# the command-line entry point: array tasks and local workers run it again (--run-segment)
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "archive-upscale")


class Failure(Exception):
    """An error for the user: printed as one message, exit status 1."""


def log(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


# --- small utilities -----------------------------------------------------------------------------

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                return h.hexdigest()
            h.update(block)


def write_json_atomic(path, data):
    tmp = f"{path}.{socket.gethostname()}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default
    except json.JSONDecodeError as e:
        raise Failure(f"{path}: not valid JSON ({e})")


def us_of(ticks, tb):
    """ticks * tb in microseconds, rounded like av_rescale_q (to nearest, halves away from 0)."""
    q = fractions.Fraction(ticks) * fractions.Fraction(tb[0], tb[1]) * 1000000
    n = abs(q.numerator) * 2 + q.denominator
    r = n // (2 * q.denominator)
    return r if q >= 0 else -r


def seconds_str(us):
    sign = "-" if us < 0 else ""
    us = abs(us)
    return f"{sign}{us // 1000000}.{us % 1000000:06d}"


def hms(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def container_of(path):
    ext = os.path.splitext(path)[1].lower()
    return {".mkv": "matroska", ".mka": "matroska", ".webm": "webm", ".mp4": "mp4",
            ".m4v": "mp4", ".mov": "mov", ".nut": "nut", ".ts": "mpegts",
            ".m2ts": "mpegts", ".avi": "avi"}.get(ext, ext.lstrip(".") or "unknown")


# --- ffmpeg and ffprobe --------------------------------------------------------------------------

class Tools:
    def __init__(self, ffmpeg=None, ffprobe=None):
        root = os.path.dirname(os.path.dirname(os.path.realpath(SCRIPT)))    # the build's top
        self.ffmpeg = self._find(ffmpeg, "FFMPEG", os.path.join(root, "ffmpeg"), "ffmpeg")
        self.ffprobe = self._find(ffprobe, "FFPROBE", os.path.join(root, "ffprobe"), "ffprobe")

    @staticmethod
    def _find(given, env, beside, name):
        for candidate in (given, os.environ.get(env), beside):
            if candidate:
                if os.access(candidate, os.X_OK):
                    return os.path.realpath(candidate)
                if candidate == given:
                    raise Failure(f"--{name} {given}: not an executable")
        found = shutil.which(name)
        if not found:
            raise Failure(f"no {name}: build it (make) or pass --{name} PATH")
        return os.path.realpath(found)

    def version(self):
        out = subprocess.run([self.ffmpeg, "-hide_banner", "-version"], capture_output=True, text=True)
        return out.stdout.splitlines()[0] if out.stdout else "unknown"

    def probe(self, path, *args, check_errors=False):
        cmd = [self.ffprobe, "-v", "error", *args, "-of", "json", path]
        res = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if res.returncode != 0 or (check_errors and res.stderr.strip()):
            raise Failure(f"ffprobe {path}: {res.stderr.strip()[-2000:] or 'exit status %d' % res.returncode}")
        return json.loads(res.stdout or "{}")

    def run_ffmpeg(self, args, what, log_path=None):
        cmd = [self.ffmpeg, "-nostdin", "-hide_banner", "-y", *args]
        if log_path:
            with open(log_path, "a") as logf:
                logf.write("$ " + shlex.join(cmd) + "\n")
                logf.flush()
                res = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf)
            if res.returncode != 0:
                raise Failure(f"{what} failed (exit status {res.returncode}); log: {log_path}\n"
                              + tail_of(log_path))
            return
        res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if res.returncode != 0:
            raise Failure(f"{what} failed (exit status {res.returncode}):\n$ {shlex.join(cmd)}\n"
                          + res.stderr.strip()[-3000:])


def tail_of(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def die_with_parent():
    """Local tasks end with their driver (SIGTERM, which they record as a failure), as Slurm
    tasks end with their job."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)      # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
