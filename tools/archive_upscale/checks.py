"""The checks: a segment's result is complete (frame count, clean decode), and before any work
is spent, the encoder options and OUTPUT's container work (the preflight)."""

import os
import tempfile

from .chain import analyze
from .common import Failure, container_of
from .join import join_args


def expected_frames(m, frames):
    """(fewest, most) output frames for `frames` input frames: the rate the chain declares
    (1:1, or 2 per frame for a deinterlacer in send_field mode)."""
    lo, hi = analyze(m["settings"]["vf"])["rate"]
    return frames * lo, frames * hi


def verify_segment(tools, path, frames, decode):
    """None when `path` holds the expected number of video frames (`frames`: (fewest, most)),
    decoded without an error when `decode`; else what is wrong."""
    if not os.path.isfile(path):
        return f"{path} is missing"
    args = ["-count_frames"] if decode else ["-count_packets"]
    try:
        info = tools.probe(path, *args, "-select_streams", "v:0",
                           "-show_entries", "stream=nb_read_frames,nb_read_packets", check_errors=decode)
    except Failure as e:
        return f"{path} does not decode cleanly: {e}"
    streams = info.get("streams", [])
    got = int(streams[0].get("nb_read_frames" if decode else "nb_read_packets", -1)) if streams else 0
    lo, hi = frames
    if not lo <= got <= hi:
        want = f"{lo}" if lo == hi else f"{lo} to {hi}"
        return (f"{path} has {got} frames, expected {want} (the chain must keep every frame, or "
                "double it with a send_field deinterlacer; open GOP?)")
    return None


def segment_valid(work, tools, i):
    """Whether segment i's result is present, complete and made with the current settings."""
    m = work.manifest
    st = work.state(i)
    out = work.out(i)
    if st.get("status") != "done" or st.get("settings_id") != m["settings_id"]:
        return False
    if not os.path.isfile(out) or os.path.getsize(out) != st.get("size"):
        return False
    return verify_segment(tools, out, expected_frames(m, m["segments"][i]["frames"]), decode=False) is None


def preflight(work, tools):
    """Before hours of work: the encoder options work, and the join command can write OUTPUT's
    container with INPUT's streams (tried on two test frames and the first second of INPUT)."""
    m = work.manifest
    s = m["settings"]
    fmt = "nut" if m["segment_format"] == "nut" else "matroska"
    with tempfile.TemporaryDirectory(dir=work.dir, prefix="preflight.") as tmp:
        probe_seg = os.path.join(tmp, "test." + m["segment_format"])
        w, h = m["video"]["width"] or 320, m["video"]["height"] or 240
        tools.run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate=25:duration=0.08",
                          "-fps_mode", "passthrough", "-enc_time_base", "demux", "-flags:v", "+global_header",
                          *s["output_options"], "-f", fmt, probe_seg],
                         "the encoder options (tried on a test pattern)")
        out = os.path.join(tmp, "test" + os.path.splitext(m["output"])[1])
        args, _ = join_args(work, ["-i", probe_seg], out, ["-t", "1"])
        tools.run_ffmpeg(args, f"writing {container_of(m['output'])} with INPUT's streams "
                               "(tried on the first second)")
