"""Planning: where the video is cut (clean keyframes only), and the split of INPUT into
segment files by stream copy."""

import fractions
import os
import time

from .common import Failure, log, sha256_file, write_json_atomic
from .work import MANIFEST_VERSION, settings_id, source_identity


# --- planning the segments -----------------------------------------------------------------------

def plan_segments(packets, tb, segment_seconds):
    """Choose the cut points of the video.

    packets: [(pts, is_key)] in decode order. A cut is made before a keyframe packet only when
    it is clean: every later packet is shown after it and every earlier packet before it (an
    open-GOP keyframe, whose leading pictures are shown before it and reference the previous
    GOP, is not clean). Returns (first, cuts, skipped): `first` is the index of the first
    keyframe (packets before it are not decodable and dropped), `cuts` the packet indices
    where segments start (cuts[0] == first), `skipped` the keyframes rejected as unclean.
    """
    n = len(packets)
    first = next((i for i, (_, key) in enumerate(packets) if key), None)
    if first is None:
        raise Failure("the video stream has no keyframe")
    # suffix minimum of pts and prefix maximum (from `first`) make the clean test O(1)
    suffix_min = [0] * (n + 1)
    suffix_min[n] = float("inf")
    for i in range(n - 1, first - 1, -1):
        suffix_min[i] = min(packets[i][0], suffix_min[i + 1])
    target = fractions.Fraction(segment_seconds) / fractions.Fraction(tb[0], tb[1])
    cuts, skipped = [first], []
    prefix_max = packets[first][0]
    start_pts = packets[first][0]
    for i in range(first + 1, n):
        pts, key = packets[i]
        if key and pts - start_pts >= target:
            if prefix_max < pts and suffix_min[i] == pts:
                cuts.append(i)
                start_pts = pts
            else:
                skipped.append(i)
        prefix_max = max(prefix_max, pts)
    return first, cuts, skipped


# --- split ---------------------------------------------------------------------------------------

def main_video_stream(info):
    for s in info.get("streams", []):
        if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic"):
            return s
    raise Failure("INPUT has no video stream")


def split(work, args, tools, settings):
    input_path = os.path.abspath(args.input)
    log(f"reading {input_path}")
    ident = source_identity(input_path)
    info = tools.probe(input_path, "-show_streams", "-show_format", "-show_chapters")
    video = main_video_stream(info)
    vidx = video["index"]
    tb = [int(x) for x in video["time_base"].split("/")]
    pk = tools.probe(input_path, "-select_streams", str(vidx), "-show_entries", "packet=pts,flags")
    packets = []
    for p in pk.get("packets", []):
        if "pts" not in p:
            raise Failure("INPUT's video has packets without timestamps (a raw stream or AVI?): "
                          "remux it into MKV first")
        packets.append((int(p["pts"]), p.get("flags", "").startswith("K")))
    discarded = sum(1 for p in pk.get("packets", []) if p.get("flags", "")[1:2] == "D")
    if discarded:
        raise Failure(f"INPUT's edit list hides {discarded} video frame(s); segments would show "
                      "them: trim or re-encode INPUT first")
    first, cuts, skipped = plan_segments(packets, tb, args.segment_seconds)
    if first:
        log(f"warning: {first} video packet(s) before the first keyframe cannot be decoded: dropped")
    if skipped:
        log(f"{len(skipped)} keyframe(s) are not clean cut points (open GOP): not cut there")
    bounds = cuts + [len(packets)]
    segments = []
    for k in range(len(cuts)):
        pts = [p for p, _ in packets[bounds[k]:bounds[k + 1]]]
        segments.append({"index": k, "first_packet": bounds[k], "frames": len(pts),
                         "first_pts": min(pts), "end_pts": None})
    for k, seg in enumerate(segments):
        seg["end_pts"] = segments[k + 1]["first_pts"] if k + 1 < len(segments) else None

    fmt = settings["segment_format"]
    for d in ("src", "out", "state", "progress", "logs"):
        os.makedirs(work.path(d), exist_ok=True)
    log(f"splitting {len(packets) - first} frames into {len(segments)} segments "
        f"(stream copy, {fmt})")
    seg_opts = ["-segment_format", "nut" if fmt == "nut" else "matroska", "-reset_timestamps", "1"]
    if len(cuts) > 1:
        seg_opts += ["-segment_frames", ",".join(str(c - first) for c in cuts[1:])]
    tools.run_ffmpeg(["-i", input_path, "-map", f"0:{vidx}", "-c", "copy", "-f", "segment",
                      *seg_opts, work.path("src", f"%05d.{fmt}")],
                     "splitting INPUT", log_path=work.path("logs", "split.log"))
    for seg in segments:
        path = work.path("src", f"{seg['index']:05d}.{fmt}")
        if not os.path.isfile(path):
            raise Failure(f"the split made no {path}; log: {work.path('logs', 'split.log')}")
        got = count_packets(tools, path)
        if got != seg["frames"]:
            raise Failure(f"split segment {path} has {got} packets, expected {seg['frames']}")
        seg["size"] = os.path.getsize(path)
        seg["sha256"] = sha256_file(path)
    extra = work.path("src", f"{len(segments):05d}.{fmt}")
    if os.path.exists(extra):
        raise Failure(f"the split made more segments than planned ({extra})")

    fmt_start = info.get("format", {}).get("start_time")
    manifest = {
        "version": MANIFEST_VERSION,
        "input": ident,
        "output": os.path.abspath(args.output),
        "cwd": os.getcwd(),          # relative paths in the filters (model=...) resolve here
        "ffprobe": tools.ffprobe,
        "settings": settings,
        "settings_id": settings_id(settings),
        "segment_format": fmt,
        "ffmpeg_version": tools.version(),
        "video": {"stream_index": vidx, "time_base": tb, "codec": video.get("codec_name"),
                  "width": video.get("width"), "height": video.get("height"),
                  "frames": len(packets) - first},
        "input_start_us": round(float(fmt_start) * 1000000) if fmt_start not in (None, "N/A") else 0,
        "streams": [{k: s.get(k) for k in ("index", "codec_type", "codec_name")}
                    | {"attached_pic": s.get("disposition", {}).get("attached_pic", 0),
                       "language": s.get("tags", {}).get("language"),
                       "title": s.get("tags", {}).get("title")}
                    for s in info.get("streams", [])],
        "segments": segments,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    write_json_atomic(work.manifest_path, manifest)
    work.manifest = manifest
    return manifest


def count_packets(tools, path):
    info = tools.probe(path, "-count_packets", "-select_streams", "v:0",
                       "-show_entries", "stream=nb_read_packets")
    streams = info.get("streams", [])
    return int(streams[0]["nb_read_packets"]) if streams else 0
