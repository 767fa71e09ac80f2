"""What every module of archive-upscale shares: the error type, the log line, small file and
timestamp utilities, and the ffmpeg/ffprobe binaries."""

import fractions
import hashlib
import json
import os
import re
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

# FFmpeg versions the filter's patch series supports (issue 13): 7.1, 8.x, 9.0
SUPPORTED_FFMPEG = "7.1, 8.x, 9.0"


def ffmpeg_version_ok(version):
    """Whether `ffmpeg -version`'s version word is a supported release; a git build
    (N-...-g..., or no number) is judged by its filters alone."""
    m = re.match(r"n?(\d+)\.(\d+)", version)
    if not m:
        return True
    major, minor = int(m.group(1)), int(m.group(2))
    return (major, minor) == (7, 1) or major == 8 or (major, minor) == (9, 0)


def ffmpeg_rejection(path):
    """None when the ffmpeg at `path` can run the jobs (it has the realesrgan filter and a
    supported version), else why not, in words."""
    try:
        ver = subprocess.run([path, "-hide_banner", "-version"], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=60)
        filters = subprocess.run([path, "-hide_banner", "-filters"], capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        return f"does not run ({e})"
    words = (ver.stdout.splitlines() or [""])[0].split()
    version = words[2] if len(words) > 2 and words[:2] == ["ffmpeg", "version"] else ""
    if ver.returncode != 0 or not version:
        return "is not an ffmpeg (`-version` printed no 'ffmpeg version' line)"
    if not re.search(r"^\s*\S+\s+realesrgan\s", filters.stdout, re.M):
        return (f"is FFmpeg {version} without the realesrgan filter (build this project's "
                "./ffmpeg: ./configure && make)")
    if not ffmpeg_version_ok(version):
        return f"is FFmpeg {version}; supported versions: {SUPPORTED_FFMPEG}"
    return None


class Tools:
    def __init__(self, ffmpeg=None, ffprobe=None):
        root = os.path.dirname(os.path.dirname(os.path.realpath(SCRIPT)))    # the build's top
        self.ffmpeg = self._find_ffmpeg(ffmpeg, os.path.join(root, "ffmpeg"))
        self.ffprobe = self._find(ffprobe, "FFPROBE", os.path.join(os.path.dirname(self.ffmpeg), "ffprobe"),
                                  os.path.join(root, "ffprobe"), "ffprobe")

    @staticmethod
    def _find_ffmpeg(given, beside):
        """--ffmpeg, else $FFMPEG, else the build beside this script, else PATH: the first
        that has the realesrgan filter and a supported version. A given one that does not
        is an error; the others found wanting are named with the reason and skipped."""
        if given:
            if not os.access(given, os.X_OK):
                raise Failure(f"--ffmpeg {given}: not an executable")
            why = ffmpeg_rejection(given)
            if why:
                raise Failure(f"--ffmpeg {given} {why}")
            return os.path.realpath(given)
        rejected = []
        on_path = [os.path.join(d, "ffmpeg") for d in os.environ.get("PATH", "").split(os.pathsep) if d]
        for candidate in (os.environ.get("FFMPEG"), beside, *on_path):
            if not candidate or not os.path.isfile(candidate) or not os.access(candidate, os.X_OK):
                continue
            path = os.path.realpath(candidate)
            if any(path == r for r, _ in rejected):
                continue
            why = ffmpeg_rejection(path)
            if not why:
                for r, w in rejected:
                    log(f"skipped {r}: it {w}")
                return path
            rejected.append((path, why))
        lines = "".join(f"\n  rejected {r}: it {w}" for r, w in rejected)
        raise Failure("no usable ffmpeg (looked at $FFMPEG, the build beside this script, "
                      f"PATH){lines or ': none found'}\nbuild it (./configure && make) or pass --ffmpeg PATH")

    @staticmethod
    def _find(given, env, sibling, beside, name):
        for candidate in (given, os.environ.get(env), sibling, beside):
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
