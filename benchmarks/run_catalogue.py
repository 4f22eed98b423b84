#!/usr/bin/python3
"""run_catalogue.py: bcsim's speed and memory as the model grows (docs: benchmarks/README.md).

For P proposals x H years (models from benchmarks/make_catalogue.py), the wall time and
peak resident memory of a whole `bcsim run` process, runs/s and the time per run per
proposal-year (which is constant when the cost is linear in the model's size); then the
50 x 20 catalogue (benchmarks/catalogue-50x20.yaml) at 10^3, 10^6 and (unless
--skip-big) 10^8 runs, and `bcsim sobol` on it.

usage: benchmarks/run_catalogue.py [--build DIR] [--runs N] [--proposals 3,10,30,100,300]
                                   [--years 5,20] [--skip-big] [--skip-sobol]
Run from the top of the repository after `bash scripts/setup.sh`.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_benchmarks import cpu_name, run_rss  # noqa: E402
import platform  # noqa: E402

CATALOGUE = "benchmarks/catalogue-50x20.yaml"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=2 * 10**5)
    ap.add_argument("--proposals", default="3,10,30,100,300")
    ap.add_argument("--years", default="5,20")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--skip-sobol", action="store_true")
    a = ap.parse_args()
    bcsim = os.path.join(a.build, "bcsim")
    print("machine: %s, %d cores, %s" % (cpu_name(), os.cpu_count(), platform.platform()))
    print("date: %s" % time.strftime("%Y-%m-%d"))
    thr = ["--threads", str(a.threads)]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.h5")
        print("| proposals | years | runs | time (s) | runs/s | ns per run per proposal-year | peak RSS (MiB) |")
        print("|---|---|---|---|---|---|---|")
        for h in [int(x) for x in a.years.split(",")]:
            for p in [int(x) for x in a.proposals.split(",")]:
                model = os.path.join(tmp, "c%dx%d.yaml" % (p, h))
                subprocess.run(["/usr/bin/python3", "benchmarks/make_catalogue.py", "-p", str(p),
                                "-y", str(h), "-o", model], check=True)
                secs, rss = run_rss([bcsim, "run", model, "-n", str(a.runs), "--quiet",
                                     "--force", "-o", out] + thr)
                print("| %d | %d | %d | %.2f | %.0f | %.1f | %.0f |"
                      % (p, h, a.runs, secs, a.runs / secs, secs / a.runs / (p * h) * 1e9, rss))
        sizes = [10**3, 10**6] + ([] if a.skip_big else [10**8])
        for n in sizes:
            secs, rss = run_rss([bcsim, "run", CATALOGUE, "-n", str(n), "--quiet", "--force",
                                 "-o", out] + thr)
            print("catalogue 50x20: bcsim run -n %d: %.2f s, %.0f runs/s, peak RSS %.0f MiB"
                  % (n, secs, n / secs, rss))
        if not a.skip_sobol:
            secs, rss = run_rss([bcsim, "sobol", CATALOGUE, "-n", "16384", "--quiet", "--force",
                                 "-o", out] + thr)
            print("catalogue 50x20: bcsim sobol -n 16384: %.2f s, peak RSS %.0f MiB" % (secs, rss))


if __name__ == "__main__":
    main()
