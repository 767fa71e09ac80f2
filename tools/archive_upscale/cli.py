"""archive-upscale: upscale a long video, or a whole archive of them, in independent segments,
on a Slurm cluster or locally.

Usage:
  archive-upscale [OPTIONS] -- INPUT OUTPUT [FFMPEG OUTPUT OPTIONS...] --vf FILTERS
  archive-upscale [OPTIONS] --batch INPUT... -o OUTDIR -- [FFMPEG OUTPUT OPTIONS...] --vf FILTERS
  archive-upscale --resume --workdir DIR [OPTIONS]      continue the work in DIR
  archive-upscale --status --workdir DIR                 progress of the work in DIR

INPUT's main video stream is split at clean keyframes into segments by stream copy (no
re-encode of the source). Every segment is upscaled by its own ffmpeg process (a Slurm array
task with --slurm, one of N local workers with --local N) with FILTERS and the FFMPEG OUTPUT
OPTIONS (the video encoder: -c:v ffv1, -c:v libx264 -crf 16, -c:v hevc_nvenc ...), written
under a temporary name, checked (frame count, decodability) and renamed. Then the segments are
joined by stream copy, and INPUT's audio, subtitles, attachments, chapters and metadata are
muxed in once, unchanged: OUTPUT has exactly INPUT's video frames with their timestamps, so the
audio stays in sync.

The work directory (default OUTPUT.archive-work, on storage every node sees) holds the
manifest (source checksum, segment list, the exact filter and encoder options) and the state
of every segment. Running the same command again, or --resume, redoes only the segments that
are missing or invalid; a changed source or changed options are refused unless --restart.

--batch takes files, folders (searched recursively for video files) and @LIST files (one path
a line): every file is split, and the segments of all files form one queue (the local pool, or
Slurm arrays). Outputs mirror the input tree under OUTDIR (OUTDIR/season1/ep1.mkv for
INPUT/season1/ep1.avi). A file that fails is reported and the rest goes on; the exit status
is 1 when any failed. The work directory (default OUTDIR/.archive-work) holds batch.json and
one work directory per file (files/NNNN/).

Options:
  --slurm                 run the segments as one Slurm job array (sbatch --array)
  --local N               run N segments at a time on this machine [1; a rerun without
                          either runs the way the work directory's last run did]
  --gpus LIST             GPUs the local workers take round-robin, one each, by
                          CUDA_VISIBLE_DEVICES (e.g. 0,2,3; none) [all that nvidia-smi -L lists]
  --slurm-gpus N          ask Slurm for N GPUs per array task (sbatch --gres=gpu:N) [0]
  -o, --output-dir DIR    --batch: where the outputs go (mirroring the input tree)
  --ext EXT               --batch: the outputs' container (mkv, mp4, mov, ...) [mkv]
  --segment-seconds S     target segment length in seconds [60]
  --workdir DIR           work directory [OUTPUT.archive-work]
  --resume                continue the work directory's job; INPUT/OUTPUT/options may be left out
  --restart               discard the work directory's results and start over
  --status                print the progress of the work directory and exit
  --retries N             rerun failed segments up to N times before giving up [1]
  --slurm-opts 'OPTS'     extra sbatch options, e.g. '--partition=gpu --time=2:00:00'
  --max-parallel M        at most M array tasks at a time (sbatch --array=...%M)
  --input-opts 'OPTS'     ffmpeg input options for every segment, e.g. '-hwaccel cuda'
  --mux-opts 'OPTS'       extra ffmpeg options for the final join, e.g. '-map -1:s:1'
  --segment-format F      container of the intermediate segments: nut (exact timestamps) or
                          mkv (millisecond timestamps) [nut]
  --keep-segments         keep the segment files after a successful join
  --only LIST             process only these segments (e.g. 0 or 3,5), do not join: a preview
  --poll SECONDS          progress interval [10]
  -y, --overwrite         overwrite OUTPUT if it exists
  --ffmpeg PATH, --ffprobe PATH   [$FFMPEG/$FFPROBE, the build next to this script, PATH]

FILTERS run on each segment independently: frame-wise filters (realesrgan, scale, crop, format)
as they are. A chain with a deinterlacer (bwdif, yadif, w3fdif, estdif, bwdif_cuda, yadif_cuda)
reads each segment between its neighbours and keeps, by timestamp, the frames of its own
time, so every frame equals the one-process result; send_field modes make two frames per
frame, which the frame-count checks accept. Filters that cannot be cut exactly (fps,
minterpolate, decimate, select, hqdn3d, tmix, ...) are refused by name."""

import os
import shlex
import sys
import time

from .batch import is_batch_dir, main_batch
from .chain import analyze
from .common import Failure, Tools, log, write_json_atomic
from .driver import (choose_runner, failed_segments, finish, lock_dir, prepare, reconcile, run_queue,
                     wait_earlier_arrays)
from .local import parse_gpus
from .progress import Progress
from .slurm import listed_task, status_alive
from .task import run_segment
from .work import Work, settings_of


# Output options that would break the segment contract (one output frame per input frame,
# our own container and mapping): the user gets a clear error instead of a bad archive.
FORBIDDEN_OUTPUT_OPTS = {
    "-i": "INPUT is given after --",
    "-map": "the main video stream is mapped by the tool; use --mux-opts for the join",
    "-vf": "use --vf FILTERS", "-filter:v": "use --vf FILTERS", "-filter": "use --vf FILTERS",
    "-filter_complex": "use --vf FILTERS", "-lavfi": "use --vf FILTERS",
    "-f": "segments are written as --segment-format; OUTPUT's extension picks its container",
    "-ss": "trim INPUT before archiving", "-t": "trim INPUT before archiving",
    "-to": "trim INPUT before archiving", "-frames:v": "trim INPUT before archiving",
    "-vframes": "trim INPUT before archiving", "-r": "the source's timestamps are kept",
    "-fps_mode": "the source's timestamps are kept", "-vsync": "the source's timestamps are kept",
}


# --- the driver ----------------------------------------------------------------------------------

def parse_args(argv):
    class A:
        pass
    a = A()
    a.slurm = False
    a.local = None
    a.segment_seconds = None
    a.workdir = None
    a.resume = a.restart = a.status = a.keep_segments = a.overwrite = False
    a.retries = 1
    a.slurm_opts = a.input_opts = a.mux_opts = None
    a.max_parallel = None
    a.segment_format = None
    a.poll = 10.0
    a.ffmpeg = a.ffprobe = None
    a.input = a.output = a.vf = None
    a.output_opts = []
    a.run_segment = a.run_listed = None
    a.only = None
    a.batch = a.outdir = a.ext = None
    a.gpus = a.slurm_gpus = None

    def value(i, name):
        if i + 1 >= len(argv):
            raise Failure(f"{name} needs a value")
        return argv[i + 1]

    def number(i, name, kind):
        try:
            return kind(value(i, name))
        except ValueError:
            raise Failure(f"{name} {argv[i + 1]}: not {'a whole number' if kind is int else 'a number'}")

    i = 0
    while i < len(argv):
        o = argv[i]
        if o == "--":
            rest = argv[i + 1:]
            break
        if o in ("-h", "--help"):
            print(__doc__.strip())
            sys.exit(0)
        elif o == "--slurm":
            a.slurm = True
        elif o == "--local":
            a.local = number(i, o, int); i += 1
        elif o == "--segment-seconds":
            a.segment_seconds = number(i, o, float); i += 1
        elif o == "--workdir":
            a.workdir = value(i, o); i += 1
        elif o == "--resume":
            a.resume = True
        elif o == "--restart":
            a.restart = True
        elif o == "--status":
            a.status = True
        elif o == "--retries":
            a.retries = number(i, o, int); i += 1
        elif o == "--slurm-opts":
            a.slurm_opts = value(i, o); i += 1
        elif o == "--max-parallel":
            a.max_parallel = number(i, o, int); i += 1
        elif o == "--input-opts":
            a.input_opts = value(i, o); i += 1
        elif o == "--mux-opts":
            a.mux_opts = value(i, o); i += 1
        elif o == "--segment-format":
            a.segment_format = value(i, o); i += 1
            if a.segment_format not in ("nut", "mkv"):
                raise Failure("--segment-format: nut or mkv")
        elif o == "--keep-segments":
            a.keep_segments = True
        elif o == "--only":
            try:
                a.only = sorted({int(x) for x in value(i, o).split(",")})
            except ValueError:
                raise Failure("--only: segment numbers separated by commas")
            i += 1
        elif o == "--poll":
            a.poll = number(i, o, float); i += 1
        elif o in ("-y", "--overwrite"):
            a.overwrite = True
        elif o == "--ffmpeg":
            a.ffmpeg = value(i, o); i += 1
        elif o == "--ffprobe":
            a.ffprobe = value(i, o); i += 1
        elif o == "--batch":
            a.batch = a.batch or []
            while i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                a.batch.append(argv[i + 1])
                i += 1
            if not a.batch:
                raise Failure("--batch needs INPUT files, folders or @LISTs")
        elif o in ("-o", "--output-dir"):
            a.outdir = value(i, o); i += 1
        elif o == "--ext":
            a.ext = value(i, o).lstrip("."); i += 1
        elif o == "--gpus":
            a.gpus = parse_gpus(value(i, o)); i += 1
        elif o == "--slurm-gpus":
            a.slurm_gpus = number(i, o, int); i += 1
            if a.slurm_gpus < 0:
                raise Failure("--slurm-gpus N: N >= 0")
        elif o == "--run-listed":
            a.run_listed = (value(i, o), int(argv[i + 2]) if i + 2 < len(argv) else None)
            if a.run_listed[1] is None:
                raise Failure("--run-listed LIST K")
            return a
        elif o == "--run-segment":
            a.run_segment = (value(i, o), int(argv[i + 2]) if i + 2 < len(argv) else None)
            return a
        else:
            raise Failure(f"unknown option '{o}' (options go before --; see --help)")
        i += 1
    else:
        rest = []
    if a.slurm and a.local:
        raise Failure("--slurm and --local exclude each other")
    if a.local is not None and a.local < 1:
        raise Failure("--local N: N >= 1")
    if a.segment_seconds is not None and a.segment_seconds <= 0:
        raise Failure("--segment-seconds must be > 0")
    if a.batch is not None:
        if not a.outdir:
            raise Failure("--batch INPUT... needs -o OUTDIR")
        if not rest:
            raise Failure("--batch: after --: [ffmpeg output options] --vf FILTERS")
        rest = ["", ""] + rest        # no INPUT OUTPUT after -- in a batch
        if a.only is not None:
            raise Failure("--only previews one file's segments: not with --batch")
    elif a.outdir or a.ext:
        raise Failure("-o OUTDIR and --ext go with --batch (one file: -- INPUT OUTPUT ...)")
    if rest:
        if len(rest) < 2:
            raise Failure("after --: INPUT OUTPUT [ffmpeg output options] --vf FILTERS")
        a.input, a.output = rest[0] or None, rest[1] or None
        j = 2
        while j < len(rest):
            if rest[j] == "--vf":
                if j + 1 >= len(rest):
                    raise Failure("--vf needs FILTERS")
                a.vf = rest[j + 1]
                j += 2
                continue
            opt = rest[j].split(":")[0] if rest[j].startswith("-") else None
            if opt in FORBIDDEN_OUTPUT_OPTS or rest[j] in FORBIDDEN_OUTPUT_OPTS:
                raise Failure(f"ffmpeg option {rest[j]} is not allowed here: "
                              f"{FORBIDDEN_OUTPUT_OPTS.get(rest[j], FORBIDDEN_OUTPUT_OPTS.get(opt))}")
            a.output_opts.append(rest[j])
            j += 1
        if not a.vf:
            raise Failure("--vf FILTERS is required (e.g. --vf 'realesrgan=model=x4.pth')")
        analyze(a.vf)       # refuses a filter that segments cannot run exactly, by name
    return a


def main(argv):
    args = parse_args(argv)
    if args.run_segment:
        workdir, index = args.run_segment
        if index is None:
            raise Failure("--run-segment WORKDIR INDEX")
        return run_segment(workdir, index)

    if args.run_listed:
        return run_segment(*listed_task(*args.run_listed))
    if args.batch is not None or (args.workdir and is_batch_dir(args.workdir)):
        return main_batch(args)
    return main_single(args)


def fill_from_manifest(args, previous):
    """--resume --workdir DIR alone: INPUT, OUTPUT and the settings from DIR's manifest."""
    if not (args.resume and previous):
        raise Failure("give INPUT and OUTPUT after -- (or --resume --workdir DIR with a manifest)")
    args.input = previous["input"]["path"]
    args.output = previous["output"]
    fill_settings(args, previous["settings"])


def fill_settings(args, s):
    args.vf, args.output_opts = s["vf"], s["output_options"]
    args.input_opts = shlex.join(s["input_options"])
    args.ffmpeg = args.ffmpeg or s["ffmpeg"]
    args.segment_seconds = args.segment_seconds or s["segment_seconds"]
    args.segment_format = args.segment_format or s["segment_format"]


def print_status(work, previous):
    if not previous:
        raise Failure(f"{work.dir}: no manifest")
    if previous.get("joined"):
        log(f"{previous['output']}: complete, joined {previous['joined']}")
        return 0
    alive = status_alive(work)
    Progress([work], 0).report(alive, force=True)
    return 0


def main_single(args):
    if not args.workdir:
        if not args.output:
            raise Failure("give INPUT and OUTPUT after --, or --workdir DIR with --resume/--status")
        args.workdir = args.output + ".archive-work"
    work = Work(args.workdir)
    previous = work.load()
    if args.status:
        return print_status(work, previous)
    if args.input is None:
        fill_from_manifest(args, previous)
    if args.segment_seconds is None:
        args.segment_seconds = previous["settings"]["segment_seconds"] if previous else 60.0
    if args.segment_format is None:
        args.segment_format = previous["settings"]["segment_format"] if previous else "nut"
    if not os.path.isfile(args.input):
        raise Failure(f"INPUT {args.input}: no such file")
    if os.path.abspath(args.input) == os.path.abspath(args.output):
        raise Failure("OUTPUT must differ from INPUT")
    tools = Tools(args.ffmpeg, args.ffprobe)
    settings = settings_of(args, tools)
    previous = reconcile(work, previous, args, settings, args.restart)
    if previous == "complete":
        return 0
    lock = lock_dir(work.dir)   # noqa: F841 (held until the process ends)

    started = time.time()
    m = prepare(work, previous, args, tools, settings)
    runner = choose_runner(m.get("runner"), args)
    if runner != m.get("runner"):
        m["runner"] = runner
        write_json_atomic(work.manifest_path, m)

    wanted = [s["index"] for s in m["segments"]]
    if args.only is not None:
        if any(i >= len(wanted) for i in args.only):
            raise Failure(f"--only: there are {len(wanted)} segments (0..{len(wanted) - 1})")
        wanted = args.only
    progress = Progress([work], args.poll)
    wait_earlier_arrays(work, args, progress)
    not_done = failed_segments(work, tools)
    todo = [i for i in wanted if i in not_done]
    if todo and len(not_done) < len(m["segments"]):
        log(f"resuming: {len(m['segments']) - len(not_done)} of {len(m['segments'])} segments are "
            f"done and valid; to do: {' '.join(str(i) for i in todo)}")
    run_queue(work, lambda: [(work, i) for i in failed_segments(work, tools, wanted)],
              runner, args, progress)
    todo = failed_segments(work, tools, wanted)
    if todo:
        for i in todo:
            st = work.state(i)
            log(f"segment {i} failed: {st.get('error', 'no result')} (log: {work.path('logs', f'{i:05d}.log')})")
        raise Failure(f"{len(todo)} segment(s) failed: {' '.join(map(str, todo))}; "
                      f"fix the cause and rerun with --resume --workdir {work.dir}")
    if args.only is not None:
        log(f"segments {','.join(map(str, wanted))} are done (in {work.path('out')}); "
            f"rerun without --only to finish and join")
        return 0
    finish(work, tools, args, started)
    return 0


def entry(argv):
    """The command line: main() with errors as one message and exit status 1."""
    try:
        sys.exit(main(argv))
    except Failure as e:
        log(f"error: {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        log("interrupted; running work is stopped, rerun with --resume to continue")
        sys.exit(130)
    except BrokenPipeError:          # --help | head
        sys.exit(0)
