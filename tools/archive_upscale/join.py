"""The join: the upscaled segments concatenated by stream copy and muxed with INPUT's other
streams (audio, subtitles, attachments, chapters, metadata)."""

import os
import shlex

from .chain import analyze
from .common import Failure, container_of, log, seconds_str, us_of
from .plan import count_packets

TEXT_SUBTITLES = {"subrip", "ass", "ssa", "webvtt", "mov_text", "text"}


# --- join ----------------------------------------------------------------------------------------

def subtitle_plan(m, container):
    """[(input stream index, codec to encode or 'copy')]; raises for what cannot be stored."""
    plan = []
    for s in m["streams"]:
        if s["codec_type"] != "subtitle":
            continue
        codec = s["codec_name"]
        target = "copy"
        if container in ("matroska",) and codec in ("mov_text", "text"):
            target = "subrip"
        elif container == "webm" and codec in TEXT_SUBTITLES and codec != "webvtt":
            target = "webvtt"
        elif container in ("mp4", "mov") and codec in TEXT_SUBTITLES and codec != "mov_text":
            target = "mov_text"
        plan.append((s["index"], target))
    return plan


def join_args(work, concat_input, output, extra_output_args=()):
    """The ffmpeg arguments that mux the upscaled video (input 0) with INPUT's other streams."""
    m = work.manifest
    container = container_of(output)
    video_start_us = us_of(m["segments"][0]["first_pts"], m["video"]["time_base"])
    offset = video_start_us - m["input_start_us"]
    args = ["-itsoffset", seconds_str(offset), *concat_input, "-i", m["input"]["path"],
            "-map", "0:v:0"]
    out_index = 1
    codecs = []
    dropped = []
    subs = dict(subtitle_plan(m, container))
    for s in m["streams"]:
        t = s["codec_type"]
        if s["index"] == m["video"]["stream_index"]:
            continue
        if t == "audio" or (t == "video" and s["attached_pic"]) or \
           (t == "attachment" and container in ("matroska", "webm")):
            args += ["-map", f"1:{s['index']}"]
        elif t == "subtitle":
            args += ["-map", f"1:{s['index']}"]
            if subs[s["index"]] != "copy":
                codecs += [f"-c:{out_index}", subs[s["index"]]]
        else:
            dropped.append(f"#{s['index']} {t} {s['codec_name']}")
            continue
        out_index += 1
    args += ["-map_metadata", "1", "-map_chapters", "1", "-c", "copy", *codecs]
    for key in ("language", "title"):
        src = next(s for s in m["streams"] if s["index"] == m["video"]["stream_index"])
        if src.get(key):
            args += [f"-metadata:s:v:0", f"{key}={src[key]}"]
    args += [*shlex.split(m.get("mux_options", "") or ""), *extra_output_args, output]
    return args, dropped


def write_concat_list(work):
    """ffconcat list of the upscaled segments. Each file's duration is the source's distance
    between the segments' first frames (in microseconds, from the exact timestamps), so the
    concat demuxer puts every frame at its source timestamp minus the first frame's."""
    m = work.manifest
    tb = m["video"]["time_base"]
    lines = ["ffconcat version 1.0"]
    for seg in m["segments"]:
        lines.append(f"file '{os.path.relpath(work.out(seg['index']), work.dir)}'")
        if seg["end_pts"] is not None:
            lines.append(f"duration {seconds_str(us_of(seg['end_pts'], tb) - us_of(seg['first_pts'], tb))}")
    path = work.path("join.ffconcat")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def check_segments_match(work, tools):
    """All upscaled segments must have the same codec parameters to be joined by stream copy."""
    keys = ("codec_name", "profile", "width", "height", "pix_fmt", "extradata_hash")
    first = None
    for seg in work.manifest["segments"]:
        info = tools.probe(work.out(seg["index"]), "-show_data_hash", "sha256", "-select_streams", "v:0",
                           "-show_entries", "stream=" + ",".join(keys))
        params = {k: info["streams"][0].get(k) for k in keys}
        if first is None:
            first = params
        elif params != first:
            raise Failure(f"segment {seg['index']} was encoded differently from segment 0 "
                          f"({params} vs {first}): cannot join by stream copy; use --restart")


def join(work, tools, overwrite):
    m = work.manifest
    for name in os.listdir(work.path("out")):
        if ".partial." in name:          # left by tasks that were killed
            os.unlink(work.path("out", name))
    output = m["output"]
    check_segments_match(work, tools)
    listing = write_concat_list(work)
    base, ext = os.path.splitext(output)
    tmp = os.path.join(os.path.dirname(output), f".{os.path.basename(base)}.joining{ext}")
    args, dropped = join_args(work, ["-f", "concat", "-safe", "0", "-i", listing], tmp)
    for d in dropped:
        log(f"warning: INPUT stream {d} is not carried into OUTPUT")
    log(f"joining {len(m['segments'])} segments and muxing INPUT's other streams into {output}")
    tools.run_ffmpeg(args, "joining", log_path=work.path("logs", "join.log"))
    got = count_packets(tools, tmp)
    lo, hi = (m["video"]["frames"] * r for r in analyze(m["settings"]["vf"])["rate"])
    if not lo <= got <= hi:
        os.unlink(tmp)
        raise Failure(f"the joined video has {got} frames, INPUT has {m['video']['frames']}"
                      + (f" (the chain makes {lo} to {hi})" if (lo, hi) != (m["video"]["frames"],) * 2 else ""))
    if os.path.exists(output) and not overwrite:
        raise Failure(f"{output} appeared meanwhile; the result is in {tmp}")
    os.replace(tmp, output)
