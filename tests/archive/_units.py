"""Unit cases of tools/archive-upscale's pure parts (run by tool_units.sh): where it cuts,
how it rounds timestamps, what it reads from a filter string and refuses on its command line."""
import os
import sys
import types

sys.dont_write_bytecode = True      # no __pycache__ beside the tool
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from archive_upscale import batch, chain, cli, common, join, local, plan, slurm, work  # noqa: E402

# one namespace for the cases below, as the tool's modules split them
au = types.SimpleNamespace(**{k: v for mod in (common, chain, plan, work, join, local, slurm, batch, cli)
                              for k, v in vars(mod).items() if not k.startswith("__")})

failures = 0


def check(name, got, want):
    global failures
    if got == want:
        print(f"PASS {name}")
    else:
        failures += 1
        print(f"FAIL {name}: got {got!r}, want {want!r}")


def gop(start_pts, n, step, bframes, key=True):
    """Packets of one closed GOP in decode order: I P B B P B B ... (pts reordered)."""
    out = [(start_pts, key)]
    shown = list(range(1, n))
    i = 0
    while i < len(shown):
        group = shown[i:i + bframes + 1]
        out.append((start_pts + group[-1] * step, False))   # the reference frame first
        out.extend((start_pts + g * step, False) for g in group[:-1])
        i += bframes + 1
    return out


# 25 fps in 1/1000: GOPs of 10 frames (0.4 s), cuts every >= 1 s -> at 1.2 s, 2.4 s, ...
tb = [1, 1000]
packets = []
for g in range(8):
    packets += gop(g * 400, 10, 40, 2)
first, cuts, skipped = au.plan_segments(packets, tb, 1.0)
check("plan_closed_gops_cut_at_keyframes_after_target", (first, cuts, skipped), (0, [0, 30, 60], []))
check("plan_segment_covers_all_packets", sum(1 for _ in packets), 80)

# an open GOP: the keyframe at 1.2 s is followed (in decode order) by frames shown before it
open_gop = gop(0, 28, 40, 2)
open_gop += [(1200, True), (1120, False), (1160, False)] + gop(1240, 29, 40, 2, key=False)
open_gop += gop(2400, 10, 40, 2)
first, cuts, skipped = au.plan_segments(open_gop, tb, 1.0)
check("plan_open_gop_keyframe_rejected", (cuts, skipped), ([0, 60], [28]))

# packets before the first keyframe cannot be decoded: the first segment starts after them
lead = [(80, False), (40, False)] + gop(120, 40, 40, 0)
first, cuts, _ = au.plan_segments(lead, tb, 1.0)
check("plan_leading_non_keyframes_dropped", (first, cuts[0]), (2, 2))

try:
    au.plan_segments([(0, False), (40, False)], tb, 1.0)
    check("plan_no_keyframe_refused", "no error", "Failure")
except au.Failure as e:
    check("plan_no_keyframe_refused", "keyframe" in str(e), True)

# microseconds like av_rescale_q (nearest, halves away from zero)
check("us_of_exact", au.us_of(1501, [1, 1000]), 1501000)
check("us_of_rounds_to_nearest", au.us_of(1, [1, 19184]), 52)
check("us_of_half_away_from_zero", (au.us_of(1, [1, 2000000]), au.us_of(-1, [1, 2000000])), (1, -1))
check("seconds_str", (au.seconds_str(1501000), au.seconds_str(-52), au.seconds_str(0)),
      ("1.501000", "-0.000052", "0.000000"))

check("model_paths_named", au.model_paths("scale=160:120,realesrgan=model=/m/x4.pth:tile=256"), ["/m/x4.pth"])
check("model_paths_positional", au.model_paths("realesrgan=/m/a.pth"), ["/m/a.pth"])
check("model_paths_quoted_and_labelled", au.model_paths("realesrgan@sr=model='/m/b.pth'"), ["/m/b.pth"])
check("model_paths_none", au.model_paths("scale=2*iw:2*ih"), [])

check("container_of", [au.container_of(p) for p in ("a.MKV", "b.mp4", "c.mov", "d.nut")],
      ["matroska", "mp4", "mov", "nut"])


def parse_error(argv):
    try:
        au.parse_args(argv)
        return None
    except au.Failure as e:
        return str(e)


check("cli_map_refused", "-map" in (parse_error(["--", "in.mkv", "out.mkv", "-map", "0", "--vf", "null"]) or ""), True)
check("cli_r_refused", "-r" in (parse_error(["--", "in.mkv", "out.mkv", "-r", "25", "--vf", "null"]) or ""), True)
check("cli_vf_required", "--vf" in (parse_error(["--", "in.mkv", "out.mkv", "-c:v", "ffv1"]) or ""), True)
check("cli_slurm_and_local_exclusive", "exclude" in (parse_error(["--slurm", "--local", "2", "--", "i", "o", "--vf", "null"]) or ""), True)
a = au.parse_args(["--local", "3", "--segment-seconds", "30", "--", "in.mkv", "out.mkv", "-c:v", "libx264",
                   "-crf", "16", "--vf", "realesrgan=model=m.pth", "-preset", "slow"])
check("cli_output_options_kept_in_order", (a.local, a.segment_seconds, a.output_opts, a.vf),
      (3, 30.0, ["-c:v", "libx264", "-crf", "16", "-preset", "slow"], "realesrgan=model=m.pth"))

# subtitles: what each container gets
m = {"streams": [{"index": 2, "codec_type": "subtitle", "codec_name": "subrip"},
                 {"index": 3, "codec_type": "subtitle", "codec_name": "mov_text"},
                 {"index": 4, "codec_type": "subtitle", "codec_name": "dvd_subtitle"}]}
check("subtitles_for_mkv", au.subtitle_plan(m, "matroska"), [(2, "copy"), (3, "subrip"), (4, "copy")])
check("subtitles_for_mp4", au.subtitle_plan(m, "mp4"), [(2, "mov_text"), (3, "copy"), (4, "copy")])

# --- batch: which files, where their outputs go
import tempfile  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    for rel in ("arc/s1/e1.mkv", "arc/s1/e2.MP4", "arc/s1/notes.txt", "arc/s2/e1.avi", "one.mov",
                "arc/out/old.mkv"):
        os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
        open(os.path.join(tmp, rel), "w").close()
    with open(os.path.join(tmp, "list.txt"), "w") as f:
        f.write("# comment\n\none.mov\n")
    files = au.discover([os.path.join(tmp, "arc"), "@" + os.path.join(tmp, "list.txt")], "/o", "mkv",
                        skip_dirs={os.path.join(tmp, "arc", "out")})
    check("batch_discover_mirrors_tree", [(os.path.relpath(f["input"], tmp), f["rel"], f["output"]) for f in files],
          [("arc/s1/e1.mkv", "s1/e1.mkv", "/o/s1/e1.mkv"), ("arc/s1/e2.MP4", "s1/e2.mkv", "/o/s1/e2.mkv"),
           ("arc/s2/e1.avi", "s2/e1.mkv", "/o/s2/e1.mkv"), ("one.mov", "one.mkv", "/o/one.mkv")])
    try:
        au.discover([os.path.join(tmp, "arc", "s1"), os.path.join(tmp, "arc", "s2")], "/o", "mkv")
        check("batch_discover_collision_refused", "no error", "Failure")
    except au.Failure as e:
        check("batch_discover_collision_refused", "e1.avi" in str(e) and "e1.mkv" in str(e), True)
    try:
        au.discover([os.path.join(tmp, "nothing-here")], "/o", "mkv")
        check("batch_discover_missing_refused", "no error", "Failure")
    except au.Failure as e:
        check("batch_discover_missing_refused", "nothing-here" in str(e), True)

check("cli_batch_parsed", (lambda a: (a.batch, a.outdir, a.ext, a.output_opts, a.vf, a.input))(
      au.parse_args(["--batch", "a", "b/", "@l.txt", "-o", "out", "--ext", ".mp4", "--", "-c:v", "ffv1", "--vf", "null"])),
      (["a", "b/", "@l.txt"], "out", "mp4", ["-c:v", "ffv1"], "null", None))
check("cli_number_refused_by_name", parse_error(["--local", "two", "--", "i", "o", "--vf", "null"]),
      "--local two: not a whole number")
check("cli_batch_needs_outdir", "-o OUTDIR" in (parse_error(["--batch", "a", "--", "--vf", "null"]) or ""), True)
check("cli_outdir_needs_batch", "--batch" in (parse_error(["-o", "x", "--", "i", "o", "--vf", "null"]) or ""), True)

# --- GPUs: --gpus, round-robin per worker slot; Slurm arrays no larger than MaxArraySize
check("gpus_parsed", (au.parse_gpus("0,2,3"), au.parse_gpus("none")), (["0", "2", "3"], []))
check("gpus_duplicate_refused", "--gpus" in (parse_error(["--gpus", "0,0", "--", "i", "o", "--vf", "null"]) or ""), True)
check("gpus_round_robin", [au.worker_env(s, ["0", "2", "3"])["CUDA_VISIBLE_DEVICES"] for s in range(5)],
      ["0", "2", "3", "0", "2"])
os.environ["CUDA_VISIBLE_DEVICES"] = "7"
check("gpus_none_keeps_environment", au.worker_env(1, [])["CUDA_VISIBLE_DEVICES"], "7")
check("slurm_array_chunks", [len(c) for c in au.array_chunks(list(range(2500)), 1001)], [1001, 1001, 498])
check("slurm_array_chunks_keep_order", au.array_chunks([1, 2, 3], 2), [[1, 2], [3]])

# --- the chain: rate, context, refusals
check("chain_frame_wise", au.analyze("scale=2*iw:2*ih,realesrgan=model='a,b.pth'"), {"rate": [1, 1], "context": 0})
check("chain_send_field_doubles", au.analyze("bwdif=send_field,realesrgan=model=m.pth"), {"rate": [2, 2], "context": 1})
check("chain_named_mode_and_deint", au.analyze("scale=iw:ih,yadif=mode=1:deint=interlaced"), {"rate": [1, 2], "context": 2})
check("chain_send_frame_keeps_rate", au.analyze("bwdif=send_frame:tff"), {"rate": [1, 1], "context": 1})
check("chain_w3fdif_default_is_field", au.analyze("w3fdif"), {"rate": [2, 2], "context": 1})
for vf, name in (("fps=30", "fps"), ("scale=1:1,minterpolate", "minterpolate"), ("bwdif,decimate", "decimate"),
                 ("hqdn3d@x=4", "hqdn3d")):
    try:
        au.analyze(vf)
        check(f"chain_refuses_{name}", "no error", "Failure")
    except au.Failure as e:
        check(f"chain_refuses_{name}", f"'{name}'" in str(e), True)
check("cli_refuses_unsegmentable_filter", "'tinterlace'" in (parse_error(["--", "i", "o", "--vf", "tinterlace"]) or ""), True)
check("chain_trim_after_temporal", au.with_trim("bwdif=send_field,scale=2*iw:2*ih", 1, 1.2, 2.4),
      "bwdif=send_field,select=gte(t\\,1.199900)*lt(t\\,2.399900),setpts=PTS-STARTPTS,scale=2*iw:2*ih")

# the build's ffmpeg next to tools/ is found without $FFMPEG (the modules live one level down)
if os.path.exists(os.path.join(ROOT, "ffmpeg")) and os.path.exists(os.path.join(ROOT, "ffprobe")):
    os.environ.pop("FFMPEG", None)
    os.environ.pop("FFPROBE", None)
    found = au.Tools()
    check("tools_found_beside_the_script", (found.ffmpeg, found.ffprobe),
          (os.path.realpath(os.path.join(ROOT, "ffmpeg")), os.path.realpath(os.path.join(ROOT, "ffprobe"))))
else:
    print("SKIP tools_found_beside_the_script: ffmpeg not built")

sys.exit(1 if failures else 0)
