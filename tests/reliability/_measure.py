"""Runs one command and measures its memory, for tests/reliability/*.sh (standard library
only).

    _measure.py peak LOG OUT -- CMD...
        runs CMD (stderr to LOG, stdout to LOG.stdout) and writes "STATUS PEAK_KIB" to OUT:
        STATUS is "exit N" or "signal N", PEAK_KIB the largest resident set (ru_maxrss).
    _measure.py soak LOG OUT FRAME_A -- CMD...
        CMD must write ffmpeg's -progress to stdout. Samples CMD's resident set (VmRSS) at the
        first progress report at or past FRAME_A and at the last one it can read, and
        writes "STATUS PEAK_KIB RSS_A RSS_LAST FRAME_LAST" to OUT.
"""
import os
import subprocess
import sys


def status_text(ws):
    return "signal %d" % os.WTERMSIG(ws) if os.WIFSIGNALED(ws) else "exit %d" % os.WEXITSTATUS(ws)


def vmrss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def peak(log, out, cmd):
    with open(log, "wb") as err, open(log + ".stdout", "wb") as so:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=so, stderr=err)
        _, ws, ru = os.wait4(p.pid, 0)
    with open(out, "w") as f:
        f.write("%s %d\n" % (status_text(ws), ru.ru_maxrss))


def soak(log, out, frame_a, cmd):
    rss_a = rss_last = -1
    frame_last = 0
    with open(log, "wb") as err:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        for raw in p.stdout:
            line = raw.decode("ascii", "replace").strip()
            if not line.startswith("frame="):
                continue
            frame, rss = int(line[6:] or 0), vmrss(p.pid)
            frame_last = frame
            # (the last report can come as ffmpeg exits, when its VmRSS is gone)
            if rss > 0:
                if frame >= frame_a and rss_a < 0:
                    rss_a = rss
                rss_last = rss
        _, ws, ru = os.wait4(p.pid, 0)
    with open(out, "w") as f:
        f.write("%s %d %d %d %d\n" % (status_text(ws), ru.ru_maxrss, rss_a, rss_last, frame_last))


def main():
    mode = sys.argv[1]
    sep = sys.argv.index("--")
    args, cmd = sys.argv[2:sep], sys.argv[sep + 1:]
    if mode == "peak":
        peak(args[0], args[1], cmd)
    elif mode == "soak":
        soak(args[0], args[1], int(args[2]), cmd)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
