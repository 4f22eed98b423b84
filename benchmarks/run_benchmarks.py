#!/usr/bin/python3
"""run_benchmarks.py: the engine's speed and memory on the default model.

Prints, for models/aarhus-2026.yaml: runs/s of the whole engine with 1 and 2
threads at 10^7 runs, the draw-only loop of the same process and the ratio
(bench_engine), peak resident memory of `bcsim run` at 10^6 and 10^8 runs,
and the throughput of the numpy peer (peer_numpy.py) at 10^7 runs.

usage: benchmarks/run_benchmarks.py [--build DIR] [--runs N] [--big N] [--skip-big]
Run from the top of the repository after `bash scripts/setup.sh`.
"""
import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

MODEL = "models/aarhus-2026.yaml"


def run_rss(cmd):
    """Run cmd, return (seconds, peak RSS in MiB) from wait4's rusage."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit("failed: %s" % " ".join(cmd))
    return time.monotonic() - t0, ru.ru_maxrss / 1024.0


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=10**7)
    ap.add_argument("--big", type=int, default=10**8)
    ap.add_argument("--skip-big", action="store_true")
    a = ap.parse_args()
    bench = os.path.join(a.build, "bench_engine")
    bcsim = os.path.join(a.build, "bcsim")

    print("machine: %s, %d cores, %s" % (cpu_name(), os.cpu_count(), platform.platform()))
    print("date: %s" % time.strftime("%Y-%m-%d"))
    rates = {}
    for threads in (1, 2):
        out = subprocess.run([bench, MODEL, str(a.runs), str(threads), "2"],
                             check=True, capture_output=True, text=True).stdout
        print(out.rstrip())
        rates[threads] = float(re.search(r"engine: .*?(\d+) runs/s", out).group(1))
    print("scaling: 2 threads / 1 thread = %.2f" % (rates[2] / rates[1]))

    with tempfile.TemporaryDirectory() as tmp:
        sizes = [10**6] + ([] if a.skip_big else [a.big])
        for n in sizes:
            secs, rss = run_rss([bcsim, "run", MODEL, "-n", str(n), "--quiet", "--force",
                                 "-o", os.path.join(tmp, "r.h5")])
            print("peak RSS: bcsim run -n %d: %.1f MiB (%.1f s, %.0f runs/s)"
                  % (n, rss, secs, n / secs))

    out = subprocess.run(["/usr/bin/python3", "benchmarks/peer_numpy.py", MODEL,
                          "-n", str(a.runs)], check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("peer_numpy:")][0]
    peer = float(re.search(r"= (\d+(?:\.\d+)?) runs/s", line).group(1))
    print(line)
    print("engine (2 threads) / numpy peer = %.2f" % (rates[2] / peer))


if __name__ == "__main__":
    main()
