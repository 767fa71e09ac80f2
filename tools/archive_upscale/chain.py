"""What the filter chain does to the frame count, and whether segments can run it exactly.

Most filters map each frame to one frame (realesrgan, scale, crop, format): segments are
filtered independently and the results join exactly. Deinterlacers are temporal: each output
frame is made from the input frame and its neighbours (yadif, bwdif and w3fdif read one frame on
each side), and in send_field mode they output two frames per input frame. Such a chain runs
with context: the task decodes the neighbouring segments too, and after the last temporal
filter keeps only the frames whose timestamps lie in its own segment. Filters whose output
depends on frames any distance away, or on the frame number, cannot be cut exactly and are
refused by name."""

from .common import Failure

# each output frame depends on at most one input frame before and one after it
WINDOW_FILTERS = {"yadif", "bwdif", "w3fdif", "estdif", "yadif_cuda", "bwdif_cuda", "bwdif_vulkan",
                  "yadif_videotoolbox", "tblend"}
# the option order of the deinterlacers (positional options), and their "field" modes
POSITIONAL = {"yadif": ("mode", "parity", "deint"), "bwdif": ("mode", "parity", "deint"),
              "yadif_cuda": ("mode", "parity", "deint"), "bwdif_cuda": ("mode", "parity", "deint"),
              "bwdif_vulkan": ("mode", "parity", "deint"), "yadif_videotoolbox": ("mode", "parity", "deint"),
              "w3fdif": ("filter", "mode", "parity", "deint"), "estdif": ("mode", "parity", "deint")}
FIELD_MODES = {"1", "3", "send_field", "send_field_nospatial", "field"}
DEFAULT_FIELD = {"w3fdif", "estdif"}        # their default mode is field (one frame per field)

UNSEGMENTABLE = {
    "fps": "resamples the frame rate over the whole stream",
    "framerate": "interpolates across frames over the whole stream",
    "minterpolate": "interpolates across frames over the whole stream",
    "mpdecimate": "drops frames by comparing with earlier kept frames",
    "decimate": "drops frames in cycles counted from the first frame",
    "fieldmatch": "matches fields in cycles counted from the first frame",
    "pullup": "undoes telecine in cycles counted from the first frame",
    "telecine": "works in cycles counted from the first frame",
    "detelecine": "works in cycles counted from the first frame",
    "tinterlace": "pairs frames counted from the first frame",
    "interlace": "pairs frames counted from the first frame",
    "framestep": "keeps frames counted from the first frame",
    "select": "its expression may use the frame number or time",
    "setpts": "the tool keeps the source's timestamps",
    "trim": "trim INPUT before archiving", "tpad": "pads the whole stream's ends",
    "loop": "repeats frames of the whole stream", "reverse": "reverses the whole stream",
    "shuffleframes": "reorders frames counted from the first frame",
    "random": "reorders frames at random",
    "hqdn3d": "its temporal part feeds back every earlier frame",
    "deflicker": "averages over a window of frames", "tmix": "mixes a window of frames",
    "tmedian": "takes the median of a window of frames", "atadenoise": "averages a window of frames",
    "lagfun": "feeds back every earlier frame", "photosensitivity": "feeds back earlier frames",
}


def split_top(text, sep):
    """Split at `sep` outside quotes, brackets and backslash escapes (filter graph syntax)."""
    parts, cur, quote, depth, i = [], "", False, 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur += text[i:i + 2]
            i += 2
            continue
        if c == "'":
            quote = not quote
        elif not quote and c == "[":
            depth += 1
        elif not quote and c == "]":
            depth -= 1
        if c == sep and not quote and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    return parts + [cur]


def parse_chain(vf):
    """[(filter name, {option: value})] of a linear chain; positional options by their names."""
    filters = []
    for part in split_top(vf, ","):
        spec = part.strip()
        while spec.startswith("["):             # input labels
            spec = spec[spec.index("]") + 1:].strip()
        name, _, args = spec.partition("=")
        name = name.split("[")[0].strip().split("@")[0]      # output labels, instance names
        opts = {}
        names = POSITIONAL.get(name, ())
        for k, kv in enumerate(a for a in split_top(args, ":") if a != "") if args else []:
            key, eq, value = kv.partition("=")
            if eq:
                opts[key.strip()] = value.strip().strip("'")
            elif k < len(names):
                opts[names[k]] = key.strip().strip("'")
        filters.append((name, opts))
    return filters


def rate_of(name, opts):
    """(fewest, most) output frames per input frame of one filter."""
    if name not in POSITIONAL:
        return 1, 1
    field = opts.get("mode", "field" if name in DEFAULT_FIELD else "0") in FIELD_MODES
    if not field:
        return 1, 1
    # deint=interlaced: frames not marked interlaced pass through as one frame
    return (1, 2) if opts.get("deint") in ("1", "interlaced") else (2, 2)


def analyze(vf):
    """{'rate': [fewest, most] output frames per input frame, 'context': how many filters from
    the start of the chain must see the neighbouring segments (0: none)}; raises Failure for a
    filter that cannot run in independent segments exactly, naming it."""
    graph = ";" in vf
    chain = parse_chain(vf) if not graph else [(n, {}) for part in split_top(vf, ";")
                                                for n, _ in parse_chain(part)]
    lo = hi = 1
    context = 0
    for k, (name, opts) in enumerate(chain):
        if name in UNSEGMENTABLE:
            raise Failure(f"--vf: the filter '{name}' cannot run in independent segments exactly "
                          f"({UNSEGMENTABLE[name]}): run it on the whole file first")
        if name in WINDOW_FILTERS:
            if graph:
                raise Failure(f"--vf: the temporal filter '{name}' is supported in a linear chain "
                              "(a,b,c), not in a filter graph with ';'")
            context = k + 1
        r = rate_of(name, opts)
        lo, hi = lo * r[0], hi * r[1]
    return {"rate": [lo, hi], "context": context}


def with_trim(vf, context, start_s, end_s):
    """The chain with the segment's own frames kept after its first `context` filters: those
    whose time lies in [start_s, end_s) (end_s None: to the end), the timestamps made to start
    at 0 as every segment's do. (A margin of 0.1 ms: far below any field's duration, far above
    the rounding of a timestamp to seconds.)"""
    chain = split_top(vf, ",")
    window = f"gte(t\\,{start_s - 0.0001:.6f})" + (f"*lt(t\\,{end_s - 0.0001:.6f})" if end_s is not None else "")
    trim = [f"select={window}", "setpts=PTS-STARTPTS"]
    return ",".join(chain[:context] + trim + chain[context:])
