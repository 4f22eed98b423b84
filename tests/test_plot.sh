#!/usr/bin/env bash
# test_plot.sh: scripts/plot_results.py, the figures for a budget memo: which
# figures each kind of result file gives (the /decision figures too, the
# package frontier from a synthetic /decision/packages), valid and non-blank PNGs of the
# documented size, PDFs, notes for skipped figures, exit status and one-line
# messages for files that are not bcsim results. Usage: test_plot.sh BCSIM SRCDIR
set -u
bcsim=$(realpath "$1") # absolute, so that relative arguments work from anywhere
src=$(realpath "$2")
model=$src/models/aarhus-2026.yaml
script=$src/scripts/plot_results.py
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# expect STATUS STDOUT-PATTERN STDERR-PATTERN -- COMMAND... (tests/lib.sh)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

# lines FILE N: the file has exactly N lines
lines() { [ "$(wc -l <"$1")" -eq "$2" ]; }
no_traceback() { ! grep -q Traceback "$tmp/err"; }

# pngs DIR DPI NAME:WIDTH_IN:HEIGHT_IN ...: every PNG exists, has the PNG
# signature, an IHDR whose width and height are the figure size x dpi, and is
# not blank (many distinct colours, a fair share of non-white pixels)
pngs() {
  "$py" - "$@" <<'PY'
import struct, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.image as mpimg
import numpy as np
d, dpi = sys.argv[1], int(sys.argv[2])
bad = []
for spec in sys.argv[3:]:
    name, w, h = spec.split(":")
    path = f"{d}/{name}.png"
    try:
        head = open(path, "rb").read(33)
    except OSError as e:
        bad.append(f"{path}: {e}"); continue
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        bad.append(f"{path}: not a PNG"); continue
    width, height = struct.unpack(">II", head[16:24])
    want = (round(float(w) * dpi), round(float(h) * dpi))
    if (width, height) != want:
        bad.append(f"{path}: {width}x{height} pixels, want {want[0]}x{want[1]}")
    img = mpimg.imread(path)[..., :3]
    if img.shape[:2] != (height, width):
        bad.append(f"{path}: decodes to {img.shape}")
    q = np.round(img * 255).astype(np.uint32).reshape(-1, 3)
    colours = len(np.unique((q[:, 0] << 16) | (q[:, 1] << 8) | q[:, 2]))
    ink = float(np.mean(q.min(axis=1) < 235))
    if colours < 50 or ink < 0.05:
        bad.append(f"{path}: looks blank ({colours} colours, {ink:.1%} non-white)")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
}

# pdfs DIR NAME...: every PDF exists and starts with %PDF
pdfs() {
  local d=$1 n
  shift
  for n in "$@"; do
    [ "$(head -c 4 "$d/$n.pdf" 2>/dev/null)" = "%PDF" ] || { echo "$d/$n.pdf: not a PDF"; return 1; }
  done
}

# --- the script itself -------------------------------------------------------
check "plot_results.py is executable" test -x "$script"
check "shebang is #!/usr/bin/python3" test "$(head -1 "$script")" = "#!/usr/bin/python3"
expect 0 'usage: plot_results.py' '' -- "$script" --help
# importable without side effects, with documented functions
check "module import" "$py" - "$src/scripts" "$tmp/import" <<'PY'
import os, sys
sys.dont_write_bytecode = True        # no __pycache__ in the source tree
sys.path.insert(0, os.path.abspath(sys.argv[1]))
os.chdir(os.path.dirname(sys.argv[2]))
before = set(os.listdir("."))
import plot_results as pr
assert set(os.listdir(".")) == before, "import wrote files"
assert "matplotlib.pyplot" not in sys.modules, "imports pyplot"
for name in ("load", "make_all", "main", "plot_distribution", "plot_s_curve", "plot_fan",
             "plot_tornado", "plot_sobol", "plot_break_even_year", "plot_evppi",
             "plot_affordability", "plot_packages", "figure_size"):
    fn = getattr(pr, name)
    assert callable(fn) and fn.__doc__ and fn.__doc__.strip(), name
PY

# --- inputs: a small run and a small Sobol' study ------------------------------
"$bcsim" run "$model" -n 20000 --seed 3 -o "$tmp/run.h5" --quiet
"$bcsim" sobol "$model" -n 1024 --replicates 16 -o "$tmp/sobol.h5" --quiet
"$py" - "$tmp/run.h5" "$tmp/nosens.h5" "$tmp/plain.h5" "$tmp/nodecision.h5" "$tmp/packages.h5" <<'PY'
import shutil, sys, h5py, numpy as np
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "a") as f:          # a run file without sensitivity data
    del f["sensitivity"]
with h5py.File(sys.argv[3], "w") as f:          # HDF5, but not a bcsim result
    f["x"] = [1.0, 2.0, 3.0]
shutil.copy(sys.argv[1], sys.argv[4])
with h5py.File(sys.argv[4], "a") as f:          # a run file from before /decision
    del f["decision"]
# a run file with /decision/packages (synthetic numbers) for the default model's
# 3 proposals: the 7 packages, 2 on each frontier, one breaking the rules
shutil.copy(sys.argv[1], sys.argv[5])
with h5py.File(sys.argv[5], "a") as f:
    if "packages" in f["decision"]:
        del f["decision/packages"]
    g = f["decision"].create_group("packages")
    g["members"] = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1],
                             [0, 1, 1], [1, 1, 1]], np.uint8)
    g["mean"] = [0.32, -0.76, -1.64, -0.44, -1.32, -2.40, -2.08]
    g["p_loss"] = [0.27, 0.19, 0.83, 0.36, 0.71, 0.92, 0.68]
    g["cvar5"] = [-1.95, -1.70, -3.30, -2.90, -3.60, -4.40, -5.00]
    g["frontier_loss"] = g["frontier_cvar"] = np.array([1, 1, 0, 0, 0, 0, 0], np.uint8)
    g["feasible"] = np.array([1, 1, 0, 1, 1, 1, 1], np.uint8)
    g.attrs["best"] = np.int64(0)
PY
# bcsim itself may write /decision/packages: then a run gives that figure too
packages=0
"$py" -c 'import sys, h5py; sys.exit(0 if "decision/packages" in h5py.File(sys.argv[1], "r") else 1)' \
  "$tmp/run.h5" && packages=1

m=aarhus-2026
# figure sizes in inches for the model's 4 outputs (2 x 2 small multiples)
sizes_run="$m-gain-distribution:10:7.5 $m-s-curve:10:6.5 $m-fan:10:7.5 $m-tornado:11:8.5 $m-break-even-year:10:7.5 $m-evppi:11:8.5 $m-affordability:10:7.5"
sizes_sobol="$m-tornado:11:8.5 $m-sobol:11:13.5"

# --- a run and a Sobol' file together: all eight figures, no notes -------------
out=$tmp/fig
expect 0 "^$out/$m-gain-distribution.png$" '' -- \
  "$script" "$tmp/run.h5" "$tmp/sobol.h5" -o "$out" --dpi 100
cp "$tmp/out" "$tmp/both.txt"
check "$((16 + 2 * packages)) paths printed, one per line" lines "$tmp/both.txt" $((16 + 2 * packages))
check "every printed path exists" sh -c 'while read -r p; do [ -s "$p" ] || exit 1; done <"$1"' _ "$tmp/both.txt"
for k in gain-distribution s-curve fan tornado sobol break-even-year evppi affordability; do
  for e in png pdf; do
    grep -qx "$out/$m-$k.$e" "$tmp/both.txt" && ok || bad "$m-$k.$e not written"
  done
done
# shellcheck disable=SC2086
check "PNGs valid, 100 dpi sizes, not blank" pngs "$out" 100 $sizes_run $m-sobol:11:13.5
check "PDFs" pdfs "$out" $m-gain-distribution $m-s-curve $m-fan $m-tornado $m-sobol $m-break-even-year \
  $m-evppi $m-affordability
[ -n "$(find "$out" -name '*.tmp.*')" ] && bad "temporary file left in $out" || ok

# --- a run file without sensitivity data: six figures, a note for the rest -----
out=$tmp/nosens
expect 0 "$m-fan.pdf" 'skipped tornado: .*nosens.h5 has no /sensitivity/tornado' -- \
  "$script" "$tmp/nosens.h5" -o "$out"
check "nosens: $((12 + 2 * packages)) paths" lines "$tmp/out" $((12 + 2 * packages))
check "nosens: one note per skipped figure (2)" lines "$tmp/err" 2
grep -q '^skipped sobol: .*nosens.h5 has no /sensitivity/sobol (run bcsim sobol)$' "$tmp/err" \
  && ok || { bad "sobol note"; cat "$tmp/err"; }
check "nosens: no traceback" no_traceback
# default: PNG and PDF at 150 dpi
# shellcheck disable=SC2086
check "nosens PNGs at the default 150 dpi" pngs "$out" 150 $m-gain-distribution:10:7.5 \
  $m-s-curve:10:6.5 $m-fan:10:7.5 $m-break-even-year:10:7.5 $m-evppi:11:8.5 $m-affordability:10:7.5
check "nosens PDFs" pdfs "$out" $m-gain-distribution $m-s-curve $m-fan $m-break-even-year \
  $m-evppi $m-affordability
[ ! -e "$out/$m-tornado.png" ] && [ ! -e "$out/$m-sobol.png" ] && ok \
  || bad "nosens drew a figure it has no data for"

# --- a Sobol' file alone: tornado and Sobol'; notes for the run figures -------
out=$tmp/sobolonly
expect 0 "$m-sobol.png" 'skipped gain-distribution: .*sobol.h5 has no /histograms/avg_gain' -- \
  "$script" "$tmp/sobol.h5" -o "$out" --format png --dpi 60
check "sobol only: 2 paths" lines "$tmp/out" 2
check "sobol only: 6 notes (none for the package frontier)" lines "$tmp/err" 6
grep -q '^skipped evppi: .*sobol.h5 has no /decision/evppi (run bcsim run)$' "$tmp/err" \
  && ok || { bad "evppi note"; cat "$tmp/err"; }
# shellcheck disable=SC2086
check "sobol only: PNGs at 60 dpi" pngs "$out" 60 $sizes_sobol
[ ! -e "$out/$m-sobol.pdf" ] && ok || bad "--format png wrote a PDF"

# --- a run file without /decision: no value of information or affordability --
out=$tmp/nodecision
expect 0 "$m-tornado.png" 'skipped affordability: .*nodecision.h5 has no /decision/affordability$' -- \
  "$script" "$tmp/nodecision.h5" -o "$out" --format png --dpi 40
check "nodecision: 5 paths" lines "$tmp/out" 5
check "nodecision: 3 notes (sobol, evppi, affordability)" lines "$tmp/err" 3
grep -q '^skipped evppi: .*nodecision.h5 has no /decision/evppi$' "$tmp/err" \
  && ok || { bad "nodecision evppi note"; cat "$tmp/err"; }
[ ! -e "$out/$m-evppi.png" ] && [ ! -e "$out/$m-affordability.png" ] && ok \
  || bad "nodecision drew a /decision figure"

# --- /decision/packages (synthetic): the package frontier too -----------------
out=$tmp/packages
expect 0 "^$out/$m-package-frontier.png$" 'skipped sobol: ' -- \
  "$script" "$tmp/packages.h5" -o "$out" --dpi 60
check "packages: 16 paths" lines "$tmp/out" 16
check "packages: 1 note (sobol)" lines "$tmp/err" 1
check "packages: PNGs at 60 dpi" pngs "$out" 60 $m-package-frontier:11:6.5 $m-evppi:11:8.5
check "packages: PDF" pdfs "$out" $m-package-frontier
check "packages: no traceback" no_traceback

# --- files that are not bcsim results: status 2, one line, no traceback -------
out=$tmp/never
for f in "$model" "$tmp/plain.h5" "$tmp/missing.h5"; do
  expect 2 '' "^plot_results.py: $f: not a bcsim result file \(.+\)$" -- "$script" "$f" -o "$out"
  check "$(basename "$f"): one line on stderr" lines "$tmp/err" 1
  check "$(basename "$f"): no traceback" no_traceback
done
# a good file with a bad one: nothing is written
expect 2 '' 'plain.h5: not a bcsim result file' -- "$script" "$tmp/run.h5" "$tmp/plain.h5" -o "$out"
[ ! -e "$out" ] && ok || bad "a refused call created $out"

# --- bad usage: status 2 (argparse) -----------------------------------------
expect 2 '' 'required: -o' -- "$script" "$tmp/run.h5"
expect 2 '' 'required: FILE' -- "$script" -o "$out"
expect 2 '' "unknown format 'jpg'" -- "$script" "$tmp/run.h5" -o "$out" --format png,jpg
expect 2 '' "--dpi" -- "$script" "$tmp/run.h5" -o "$out" --dpi abc
expect 2 '' 'not a directory' -- "$script" "$tmp/run.h5" -o "$model"
[ ! -e "$out" ] && ok || bad "bad usage created $out"

summary
