#!/usr/bin/env bash
# test_report.sh: bcsim summary and bcsim export: the numbers in the summary
# and every value in the CSV files against the HDF5 file they come from (read
# with h5py), and the refusals (not a result file, truncated, missing,
# existing CSV files, folders that cannot be written). Usage:
# test_report.sh BCSIM SRCDIR
set -u
bcsim=$(realpath "$1") # absolute, so that relative arguments work from anywhere
src=$(realpath "$2")
model=$src/models/aarhus-2026.yaml
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0
fail=0

# expect STATUS STDOUT-PATTERN STDERR-PATTERN -- COMMAND... (tests/lib.sh)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

# every line of file $1 occurs, whole, as a line of file $2
lines_in() {
  local n=0 line
  while IFS= read -r line; do
    n=$((n + 1))
    if grep -qxF -- "$line" "$2"; then ok; else bad "line not in $(basename "$2"): '$line'"; fi
  done <"$1"
  [ "$n" -gt 0 ] && ok || bad "no lines expected from $1"
}

run=$tmp/run.h5
sob=$tmp/sob.h5
"$bcsim" run "$model" -n 20000 --seed 3 --threads 2 -o "$run" --quiet || { echo "cannot make $run"; exit 1; }
"$bcsim" sobol "$model" -n 1024 --replicates 16 --threads 2 -o "$sob" --quiet || { echo "cannot make $sob"; exit 1; }
"$bcsim" run "$src/tests/models/fixed.yaml" -n 100 -o "$tmp/fixed.h5" --quiet || { echo "cannot make fixed.h5"; exit 1; }

# --- help and usage -----------------------------------------------------------
expect 0 '^  summary FILE' '' -- "$bcsim" --help
expect 0 '^  export FILE --csv DIR' '' -- "$bcsim" --help
expect 0 '^usage: bcsim summary FILE.h5$' '' -- "$bcsim" summary --help
expect 0 '^usage: bcsim export FILE.h5 --csv DIR \[--force\]$' '' -- "$bcsim" export --help
expect 0 'docs/csv-export.md' '' -- "$bcsim" export -h
expect 2 '' 'missing the result file' -- "$bcsim" summary
expect 2 '' "unknown option '--csv'" -- "$bcsim" summary "$run" --csv
expect 2 '' 'unexpected argument' -- "$bcsim" summary "$run" "$run"
expect 2 '' 'missing the result file' -- "$bcsim" export --csv "$tmp/x"
expect 2 '' 'missing --csv DIR' -- "$bcsim" export "$run"
expect 2 '' "option '--csv' needs a value" -- "$bcsim" export "$run" --csv
expect 2 '' "unknown option '--frob'" -- "$bcsim" export "$run" --csv "$tmp/x" --frob
check "usage errors made no folder" test ! -e "$tmp/x"

# --- summary of a run: the numbers as h5py reads them ------------------------------
expect 0 '^Result file ' '' -- "$bcsim" summary "$run"
"$bcsim" summary "$run" >"$tmp/run.txt"
"$py" - "$run" >"$tmp/run.want" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
a = f.attrs
ids = list(f["outputs/names"].asstr()[:])
titles = list(f["outputs/titles"].asstr()[:])
w = max(9, min(16, max(len(i) for i in ids)))
print(f"  model    {a['title']} ({a['model_id']})")
print(f"  study    run: {a['runs']} runs, sampler {a['sampler']}, seed {a['seed']}")
y0, H = int(a["start_year"]), int(a["years"])
print(f"  horizon  {y0}-{y0 + H - 1} ({H} years)")
print(f"  made     {a['created']} with bcsim {a['bcsim_version']}")
wl = max(9, max(len(i) for i in ids))
for i, t in zip(ids, titles):
    if len(t) <= 100 - 4 - wl:
        print(f"  {i:<{wl}}  {t}")
s = f["summary"]
q = s["avg_gain/quantiles"]
probs = list(q.attrs["probabilities"])
i5, i50, i95 = (probs.index(p) for p in (0.05, 0.5, 0.95))
q = q[:]
mean = s["avg_gain/mean"][:]
p, se = s["break_even_probability"][:], s["break_even_probability_se"][:]
lp, lse = s["loss_probability"][:], s["loss_probability_se"][:]
for o, i in enumerate(ids):
    print(f"  {i:<{w}.{w}} {mean[o]:9.3f} {q[o, i5]:9.3f} {q[o, i50]:9.3f} {q[o, i95]:9.3f}"
          f"   {100 * p[o]:6.2f} % +- {100 * se[o]:4.2f} %   {100 * lp[o]:6.2f} % +- {100 * lse[o]:4.2f} %")
bey = s["break_even_year"]
years, counts = bey.attrs["years"], bey[:]
for o, i in enumerate(ids):
    j = int(np.argmax(counts[o]))  # the first of equal maxima, as bcsim
    y = "none within the horizon" if years[j] < 0 else str(years[j])
    print(f"  {i:<{w}.{w}}  {y:<24} {100 * counts[o, j] / a['runs']:9.2f} %")
g = f["sensitivity/regression"]
cols = list(g["outputs"].asstr()[:])
inp = list(g["inputs"].asstr()[:])
src, r2 = g["src"][:], g["r2"][:]
for o, i in enumerate(ids):
    y = cols.index("avg_gain:" + i)
    order = sorted(range(len(inp)), key=lambda j: -abs(src[j, y]))[:3]
    for k, j in enumerate(order):
        lead = f"  {i:<{w}.{w}}  {r2[y]:5.3f}  " if k == 0 else " " * (w + 11)
        print(f"{lead}{k + 1:<4}  {inp[j]:<34.34} {src[j, y]:8.3f}")
PY
lines_in "$tmp/run.want" "$tmp/run.txt"
check "summary of a run names the regression" grep -q 'standardised regression coefficients' "$tmp/run.txt"
check "summary of a run is at most 100 columns" \
  "$py" -c 'import sys; sys.exit(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")) > 100)' "$tmp/run.txt"

# --- summary of a Sobol' study ---------------------------------------------------
expect 0 "total Sobol' indices ST with 95 % intervals \(16 replicates\)" '' -- \
  "$bcsim" summary "$sob"
"$bcsim" summary "$sob" >"$tmp/sob.txt"
"$py" - "$sob" >"$tmp/sob.want" <<'PY'
import sys, h5py, math
f = h5py.File(sys.argv[1], "r")
a = f.attrs
print(f"  study    sobol: N = {a['runs']} base samples ({a['sobol_evaluations']} evaluations), "
      f"sampler {a['sampler']}, seed {a['seed']}")
ids = list(f["outputs/names"].asstr()[:])
w = max(9, min(16, max(len(i) for i in ids)))
g = f["sensitivity/sobol"]
cols = list(g["outputs"].asstr()[:])
inp = list(g["inputs"].asstr()[:])
total, ci = g["total"][:], g["total_ci"][:]
for o, i in enumerate(ids):
    for qi, qn in enumerate(("avg_gain", "break_even")):
        y = cols.index(f"{qn}:{i}")
        ok = [j for j in range(len(inp)) if not math.isnan(total[j, y])]
        order = sorted(ok, key=lambda j: -total[j, y])[:3]
        for k, j in enumerate(order):
            if k == 0:
                lead = f"  {i if qi == 0 else '':<{w}.{w}}  {qn:<10}  "
            else:
                lead = " " * (w + 16)
            print(f"{lead}{k + 1:<4}  {inp[j]:<32.32} {total[j, y]:6.3f}"
                  f"  [{ci[j, y, 0]:6.3f}, {ci[j, y, 1]:6.3f}]")
PY
lines_in "$tmp/sob.want" "$tmp/sob.txt"
check "summary of a Sobol' study is at most 100 columns" \
  "$py" -c 'import sys; sys.exit(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")) > 100)' "$tmp/sob.txt"

# a Sobol' file of format 1 (bootstrap percentile intervals) still reads, and says so
cp "$sob" "$tmp/sob1.h5"
"$py" - "$tmp/sob1.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    f.attrs["format_version"] = np.int32(1)
    f.attrs["bootstrap"] = np.uint64(200)
    del f.attrs["replicates"]
    del f.attrs["interval_method"]
PY
expect 0 "total Sobol' indices ST with 95 % bootstrap intervals \(200 replicates\)" '' -- \
  "$bcsim" summary "$tmp/sob1.h5"

# --- no sensitivity data; a tornado only; a file from before the loss probability
expect 0 'no sensitivity results in this file \(run bcsim sobol\)' '' -- \
  "$bcsim" summary "$tmp/fixed.h5"
cp "$run" "$tmp/old.h5"
"$py" - "$tmp/old.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    del f["sensitivity/regression"]
    del f["summary/loss_probability"]
    del f["summary/loss_probability_se"]
PY
"$bcsim" summary "$tmp/old.h5" >"$tmp/old.txt"
check "summary falls back to the tornado" grep -q 'tornado' "$tmp/old.txt"
check "summary says n/a without a loss probability" grep -qE '^  portfolio .* n/a$' "$tmp/old.txt"
"$py" - "$tmp/old.h5" >"$tmp/old.want" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
ids = list(f["outputs/names"].asstr()[:])
w = max(9, min(16, max(len(i) for i in ids)))
t = f["sensitivity/tornado"]
inp = list(t["inputs"].asstr()[:])
lo, hi = t["low"][:], t["high"][:]
for o, i in enumerate(ids):
    order = sorted(range(len(inp)), key=lambda j: -abs(hi[j, o] - lo[j, o]))[:3]
    for k, j in enumerate(order):
        lead = f"  {i:<{w}.{w}}  " if k == 0 else " " * (w + 4)
        print(f"{lead}{k + 1:<4}  {inp[j]:<34.34} {lo[j, o]:8.3f} {hi[j, o]:8.3f} "
              f"{abs(hi[j, o] - lo[j, o]):8.3f}")
PY
lines_in "$tmp/old.want" "$tmp/old.txt"

# --- export: every value equals the HDF5 value it comes from ----------------------
cat >"$tmp/check_csv.py" <<'PY'
"""Check the CSV files of `bcsim export` against the HDF5 file: the set of files,
the headers, minimal RFC 4180 quoting with "\n" line ends, and every value, parsed
back, equal to the value in the HDF5 file (numbers with the fewest digits)."""
import csv, io, math, os, sys
import h5py, numpy as np

h5, d = sys.argv[1], sys.argv[2]
f = h5py.File(h5, "r")
a = f.attrs
runs = int(a["runs"])
y0, H = int(a["start_year"]), int(a["years"])
ids = list(f["outputs/names"].asstr()[:])
problems = []

def num(text, value, where):
    """text must parse to value exactly, with no more digits than needed."""
    v = float(text)
    value = float(value)
    same = (math.isnan(v) and math.isnan(value)) or v == value
    if not same:
        problems.append(f"{where}: {text!r} != {value!r}")
        return
    if math.isfinite(v):
        def digits(s):  # significant digits written, trailing zeros included
            m = s.lower().split("e")[0].lstrip("-")
            m = m[:-2] if m.endswith(".0") else m
            return len(m.replace(".", "").lstrip("0"))
        if digits(text) > max(1, digits(repr(v))):
            problems.append(f"{where}: {text!r} has more digits than {repr(v)!r}")

def load(name, header):
    path = os.path.join(d, name)
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    if rows[0] != header:
        problems.append(f"{name}: header {rows[0]} != {header}")
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    if out.getvalue() != text:
        problems.append(f"{name}: not minimally quoted with \\n line ends")
    if any(len(r) != len(header) for r in rows):
        problems.append(f"{name}: rows of different lengths")
    return rows[1:]

def qname(p):
    pc = 100 * p
    return f"p{int(round(pc)):02d}" if abs(pc - round(pc)) < 1e-9 else f"p{pc:g}"

def series(group, *i):
    """(statistic, value) of element i (output, or output and year) of a /summary group."""
    g = f[group]
    out = [(s, g[s][()][i]) for s in ("mean", "sd", "min", "max")]
    q = g["quantiles"]
    return out + [(qname(p), q[()][i + (k,)]) for k, p in enumerate(q.attrs["probabilities"])]

def compare(name, rows, want, nkey):
    """rows and want: lists of tuples; the first nkey fields compare as text."""
    if len(rows) != len(want):
        problems.append(f"{name}: {len(rows)} rows, want {len(want)}")
    for n, (r, w) in enumerate(zip(rows, want)):
        where = f"{name} row {n + 2}"
        if list(r[:nkey]) != [str(x) for x in w[:nkey]]:
            problems.append(f"{where}: {r[:nkey]} != {list(w[:nkey])}")
            continue
        for text, value in zip(r[nkey:], w[nkey:]):
            if value is None:
                if text != "":
                    problems.append(f"{where}: {text!r} should be empty")
            elif isinstance(value, (int, np.integer)):
                if text != str(int(value)):
                    problems.append(f"{where}: {text!r} != {value}")
            elif isinstance(value, str):
                if text != value:
                    problems.append(f"{where}: {text!r} != {value!r}")
            else:
                num(text, value, where)

expected = {"inputs.csv"}
if "summary" in f:
    expected |= {"summary.csv", "gain_by_year.csv", "break_even_year.csv"}
    s = f["summary"]
    want = []
    for o, i in enumerate(ids):
        want += [(i, "avg_gain", st, v) for st, v in series("summary/avg_gain", o)]
        for st in ("break_even_probability", "break_even_probability_se",
                   "loss_probability", "loss_probability_se"):
            if st in s:
                want.append((i, "avg_gain", st, s[st][o]))
        want += [(i, "npv", st, v) for st, v in series("summary/npv", o)]
    compare("summary.csv", load("summary.csv", ["output", "quantity", "statistic", "value"]),
            want, 3)
    want = []
    for o, i in enumerate(ids):
        for t in range(H):
            want += [(i, y0 + t, st, v) for st, v in series("summary/gain_by_year", o, t)]
    compare("gain_by_year.csv", load("gain_by_year.csv", ["output", "year", "statistic", "value"]),
            want, 3)
    bey = s["break_even_year"]
    years, counts = bey.attrs["years"], bey[()]
    want = [(i, "" if years[j] < 0 else int(years[j]), int(counts[o, j]), int(counts[o, j]) / runs)
            for o, i in enumerate(ids) for j in range(H + 1)]
    compare("break_even_year.csv", load("break_even_year.csv", ["output", "year", "runs", "share"]),
            want, 3)
if "histograms" in f:
    expected.add("histograms.csv")
    want = []
    for o, i in enumerate(ids):
        parts = [("avg_gain", f["histograms/avg_gain/edges"][o], f["histograms/avg_gain/counts"][o]),
                 ("npv", f["histograms/npv/edges"][o], f["histograms/npv/counts"][o])]
        parts += [(f"gain_{y0 + t}", f["histograms/gain_by_year/edges"][o, t],
                   f["histograms/gain_by_year/counts"][o, t]) for t in range(H)]
        for q, e, c in parts:
            want += [(i, q, b, e[b], e[b + 1], int(c[b])) for b in range(len(c))]
    compare("histograms.csv",
            load("histograms.csv", ["output", "quantity", "bin", "lower", "upper", "count"]),
            want, 3)
sens = [m for m in ("sobol", "regression", "tornado") if f"sensitivity/{m}" in f]
if sens:
    expected.add("sensitivity.csv")
    want = []
    if "sobol" in sens:
        g = f["sensitivity/sobol"]
        cols, inp = list(g["outputs"].asstr()[:]), list(g["inputs"].asstr()[:])
        ci = "first_ci" in g
        for y, col in enumerate(cols):
            q, o = col.split(":", 1)
            for j, x in enumerate(inp):
                for m in ("first", "total"):
                    lo, hi = (g[m + "_ci"][j, y, 0], g[m + "_ci"][j, y, 1]) if ci else (None, None)
                    want.append(("sobol", o, q, x, m, g[m][j, y], lo, hi))
    if "regression" in sens:
        g = f["sensitivity/regression"]
        cols, inp = list(g["outputs"].asstr()[:]), list(g["inputs"].asstr()[:])
        for y, col in enumerate(cols):
            q, o = col.split(":", 1)
            want.append(("regression", o, q, "", "r2", g["r2"][y], None, None))
            want += [("regression", o, q, x, "src", g["src"][j, y], None, None)
                     for j, x in enumerate(inp)]
    if "tornado" in sens:
        g = f["sensitivity/tornado"]
        inp = list(g["inputs"].asstr()[:])
        for o, i in enumerate(ids):
            for j, x in enumerate(inp):
                want.append(("tornado", i, "avg_gain", x, "low", g["low"][j, o], None, None))
                want.append(("tornado", i, "avg_gain", x, "high", g["high"][j, o], None, None))
    compare("sensitivity.csv", load("sensitivity.csv", ["method", "output", "quantity", "input",
                                                        "measure", "value", "lower", "upper"]),
            want, 5)
if "decision/evpi" in f:
    expected.add("decision.csv")
    g = f["decision"]
    inp, Hd = list(g["inputs"].asstr()[:]), float(g["evpi"].attrs["years"])
    want = []
    for o, i in enumerate(ids):
        want.append((i, "evpi", "", g["evpi"][o], g["evpi_se"][o], None, g["evpi"][o] * Hd))
        want += [(i, "evppi", x, g["evppi"][k, o], g["evppi_se"][k, o], g["evppi_bias"][k, o],
                  g["evppi"][k, o] * Hd) for k, x in enumerate(inp)]
    if "decision/groups" in f:
        gn = list(g["groups"].asstr()[:])
        want += [(i, "evppi_group", x, g["group_evppi"][k, o], g["group_evppi_se"][k, o],
                  g["group_evppi_bias"][k, o], g["group_evppi"][k, o] * Hd)
                 for o, i in enumerate(ids) for k, x in enumerate(gn)]
    if "decision/packages" in f:
        a = f["decision/packages"].attrs
        want.append(("packages", "evpi_package", "", a["evpi"], a["evpi_se"], None,
                     a["evpi"] * Hd))
    compare("decision.csv", load("decision.csv", ["output", "measure", "input", "value", "se",
                                                  "bias", "value_horizon"]), want, 3)
if "decision/affordability" in f:
    expected.add("affordability.csv")
    g = f["decision"]
    fac, pl = g["investment_factor"][:], g["planned_investment"][:]
    lv, st, pr = g["max_investment_factor"][:], g["max_investment_status"][:], \
        g["max_investment_factor"].attrs["probabilities"]
    names = ["found", "never", "beyond"]
    want = [(i, "curve", fac[j], fac[j] * pl[o], g["affordability"][o, j], None)
            for o, i in enumerate(ids) for j in range(len(fac))]
    want += [(i, "largest", lv[o, k], lv[o, k] * pl[o], pr[k], names[st[o, k]])
             for o, i in enumerate(ids) for k in range(len(pr))]
    compare("affordability.csv", load("affordability.csv", ["output", "measure",
            "investment_factor", "investment", "break_even_probability", "status"]), want, 2)
if "decision/threshold" in f:
    expected.add("thresholds.csv")
    g = f["decision"]
    inp, kinds = list(g["threshold_inputs"].asstr()[:]), ["never", "at_least", "at_most", "always"]
    want = []
    for o, i in enumerate(ids):
        for k, x in enumerate(inp):
            kd = int(g["threshold_kind"][k, o])
            v, p = (g["threshold"][k, o], g["threshold_percentile"][k, o]) if kd in (1, 2) else (None, None)
            want.append((i, x, kinds[kd], v, p))
    compare("thresholds.csv", load("thresholds.csv", ["output", "input", "kind", "value",
                                                      "percentile"]), want, 3)
if "decision/packages" in f:
    expected.add("packages.csv")
    g = f["decision/packages"]
    best = int(g.attrs["best"])
    cols = ["investment", "mean", "mean_se", "p_break_even", "p_break_even_se", "p_loss",
            "p_loss_se", "p5", "cvar5", "resolution"]
    want = [(g["labels"].asstr()[k], int(g["members"][k].sum()), *(g[c][k] for c in cols),
             int(g["feasible"][k]), int(g["frontier_loss"][k]), int(g["frontier_cvar"][k]),
             int(k == best)) for k in range(len(g["mean"]))]
    compare("packages.csv", load("packages.csv", ["package", "proposals"] + cols +
            ["feasible", "frontier_loss", "frontier_cvar", "best"]), want, 1)
g = f["inputs"]
want = [(x, int(u), s, b) for x, u, s, b in zip(g["names"].asstr()[:], g["uncertain"][:],
                                                 g["spec"].asstr()[:], g["base"][:])]
compare("inputs.csv", load("inputs.csv", ["input", "uncertain", "distribution", "base"]), want, 3)

got = set(os.listdir(d))
if got != expected:
    problems.append(f"files {sorted(got)}, want {sorted(expected)}")
for p in problems[:20]:
    print(p)
print(f"{len(problems)} problems")
sys.exit(1 if problems else 0)
PY

out=$tmp/csv-run
expect 0 "^$out/summary.csv$" '' -- "$bcsim" export "$run" --csv "$out"
check "export lists the ten files" test "$(wc -l <"$tmp/out")" -eq 10
expect 0 '^0 problems$' '' -- "$py" "$tmp/check_csv.py" "$run" "$out"
check "inputs.csv quotes the distributions" grep -q '^academics.effect,1,"pert(min=-0.024, mode=0.096, max=0.2, lambda=4) base=0.12",0.12$' "$out/inputs.csv"
check "break_even_year.csv: year empty for none" grep -qE '^portfolio,,[0-9]+,0\.[0-9]+$' "$out/break_even_year.csv"

out=$tmp/csv-sob
expect 0 "^$out/sensitivity.csv$" '' -- "$bcsim" export "$sob" --csv "$out"
expect 0 '^0 problems$' '' -- "$py" "$tmp/check_csv.py" "$sob" "$out"
out=$tmp/csv-fixed
expect 0 "^$out/inputs.csv$" '' -- "$bcsim" export "$tmp/fixed.h5" --csv "$out"
expect 0 '^0 problems$' '' -- "$py" "$tmp/check_csv.py" "$tmp/fixed.h5" "$out"
check "no sensitivity.csv without sensitivity data" test ! -e "$out/sensitivity.csv"
out=$tmp/csv-old
expect 0 "^$out/summary.csv$" '' -- "$bcsim" export "$tmp/old.h5" --csv "$out/"
expect 0 '^0 problems$' '' -- "$py" "$tmp/check_csv.py" "$tmp/old.h5" "$out"

# existing files: refused without --force and left as they were; replaced with it
out=$tmp/csv-run
touch -d '2001-01-01' "$out"/*.csv
before=$(cd "$out" && ls -l --time-style=+%s . && cksum ./*.csv)
expect 2 '' "csv-run/summary.csv exists; use --force to replace it" -- \
  "$bcsim" export "$run" --csv "$out"
check "a refused export changes nothing" test "$before" = "$(cd "$out" && ls -l --time-style=+%s . && cksum ./*.csv)"
rm "$out/summary.csv"
expect 2 '' "csv-run/gain_by_year.csv exists" -- "$bcsim" export "$run" --csv "$out"
check "a refused export writes no file" test ! -e "$out/summary.csv"
expect 0 "^$out/inputs.csv$" '' -- "$bcsim" export "$run" --csv "$out" --force
expect 0 '^0 problems$' '' -- "$py" "$tmp/check_csv.py" "$run" "$out"
check "no temporary files left" test -z "$(ls -A "$out" | grep -v '\.csv$')"
mkdir "$tmp/csv-dir" "$tmp/csv-dir/summary.csv"
expect 2 '' 'summary.csv is a directory' -- "$bcsim" export "$run" --csv "$tmp/csv-dir" --force

# --- refusals: not a result file, truncated, missing; folders ------------------------
for cmd in summary export; do
  extra=()
  [ $cmd = export ] && extra=(--csv "$tmp/never")
  expect 2 '' "aarhus-2026.yaml is not a bcsim result file \(not an HDF5 file\)" -- \
    "$bcsim" $cmd "$model" "${extra[@]}"
  expect 2 '' 'nope.h5: No such file or directory' -- "$bcsim" $cmd "$tmp/nope.h5" "${extra[@]}"
  expect 2 '' 'is a directory' -- "$bcsim" $cmd "$tmp" "${extra[@]}"
done
head -c 20000 "$run" >"$tmp/t.h5"
expect 2 '' "t.h5: cannot open the file \(HDF5: truncated file" -- "$bcsim" summary "$tmp/t.h5"
expect 2 '' "t.h5: cannot open the file \(HDF5: truncated file" -- \
  "$bcsim" export "$tmp/t.h5" --csv "$tmp/never"
for n in 0 8 512 4096 60000; do
  head -c $n "$sob" >"$tmp/t.h5"
  expect 2 '' 't.h5' -- "$bcsim" summary "$tmp/t.h5"
done
check "a refused export made no folder" test ! -e "$tmp/never"
"$py" - "$tmp" <<'PY'
import sys, h5py, shutil
d = sys.argv[1]
with h5py.File(f"{d}/other.h5", "w") as f:
    f.attrs["format"] = "netcdf"
with h5py.File(f"{d}/bare.h5", "w") as f:
    f["x"] = 1
shutil.copy(f"{d}/run.h5", f"{d}/shape.h5")
with h5py.File(f"{d}/shape.h5", "r+") as f:
    del f["summary/avg_gain/mean"]
    f["summary/avg_gain/mean"] = [1.0, 2.0, 3.0]
shutil.copy(f"{d}/run.h5", f"{d}/gone.h5")
with h5py.File(f"{d}/gone.h5", "r+") as f:
    del f["summary/npv/sd"]
PY
expect 2 '' "attribute format is 'netcdf'" -- "$bcsim" summary "$tmp/other.h5"
expect 2 '' 'not a bcsim result file \(no attribute format\)' -- "$bcsim" summary "$tmp/bare.h5"
expect 2 '' 'dataset /summary/avg_gain/mean has shape \[3\], not \[4\]' -- "$bcsim" summary "$tmp/shape.h5"
expect 2 '' 'no dataset /summary/npv/sd' -- "$bcsim" export "$tmp/gone.h5" --csv "$tmp/never"

expect 2 '' "cannot create folder $tmp/nodir/sub: No such file or directory" -- \
  "$bcsim" export "$run" --csv "$tmp/nodir/sub"
check "no folder made under a missing parent" test ! -e "$tmp/nodir"
expect 2 '' "csv-run/inputs.csv exists and is not a folder" -- \
  "$bcsim" export "$run" --csv "$tmp/csv-run/inputs.csv"
if [ -d /sys ]; then
  expect 2 '' 'cannot create folder /sys/bcsim-test' -- "$bcsim" export "$run" --csv /sys/bcsim-test
  expect 2 '' '/sys' -- "$bcsim" export "$run" --csv /sys
fi
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$tmp/ro"
  chmod 555 "$tmp/ro"
  expect 2 '' "cannot write to folder $tmp/ro" -- "$bcsim" export "$run" --csv "$tmp/ro"
  expect 2 '' "cannot create folder $tmp/ro/sub" -- "$bcsim" export "$run" --csv "$tmp/ro/sub"
fi
if [ -w /dev/full ]; then
  expect 1 '' 'writing the summary failed' -- sh -c "\"$bcsim\" summary \"$run\" >/dev/full"
fi

summary
