#!/usr/bin/python3
"""plot_results.py: figures for a budget memo from bcsim result files.

Usage:
    plot_results.py FILE.h5 [FILE2.h5 ...] -o DIR [--format png,pdf] [--dpi N]

Reads result files written by `bcsim run` and `bcsim sobol` (the layout is
docs/hdf5-layout.md) and draws, from whatever each file holds:

    <model>-gain-distribution   distribution of the average annual gain per
                                output, break-even line and P(break even) +- SE
    <model>-s-curve             its cumulative distribution (S-curve)
    <model>-fan                 fan chart of the gain by year (P5-P95, P25-P75,
                                median)
    <model>-tornado             one-at-a-time tornado per output
    <model>-sobol               Sobol' indices with their intervals for the
                                average gain and the break-even indicator
    <model>-break-even-year     distribution of the break-even year
    <model>-evppi               value of information: EVPPI of each input,
                                ranked, under the EVPI, per output
    <model>-affordability       P(break even) against the investment, the
                                planned one and the largest for 50-95 % marked
    <model>-package-frontier    packages of proposals: mean gain against
                                P(loss) and CVaR 5 %, the efficient frontier

A run file gives all but the Sobol' figure (the package frontier only when it
has /decision/packages), a Sobol' file the tornado and the Sobol' figure. A
figure whose data a file lacks is skipped with one note on stderr (the
package frontier silently: packages are optional). When several files of the
same model are given (a run and a Sobol' study), each figure is drawn once;
files whose figures would collide but differ get the file name in the figure
name.

Uses only Debian's python3-h5py, python3-matplotlib and numpy, and draws
with matplotlib's Agg renderer without pyplot (no display needed).

As a module:

    import plot_results as pr
    d = pr.load("run.h5")
    fig = pr.plot_distribution(d)             # the whole figure
    pr.plot_distribution(d, ax=my_ax, output="portfolio")   # one panel
    pr.make_all(["run.h5", "sobol.h5"], "figures", ("png", "pdf"))

Exit status: 0 on success (also when figures were skipped), 2 on bad usage or
a file that is not a bcsim result, 1 when writing a figure failed.
"""

import argparse
import hashlib
import math
import os
import re
import sys
import textwrap

PROG = "plot_results.py"
NEEDS = ("needs numpy, h5py and matplotlib: run it with Debian's /usr/bin/python3 "
         "(packages python3-numpy, python3-h5py, python3-matplotlib)")

try:
    import numpy as np
except ImportError as _e:               # e.g. another python3 first on PATH
    if __name__ == "__main__":
        sys.exit(f"{PROG}: {_e}; {NEEDS}")
    raise

FORMAT_VERSION = 2
KINDS = ("gain-distribution", "s-curve", "fan", "tornado", "sobol", "break-even-year",
         "evppi", "affordability", "package-frontier")
FORMATS = ("png", "pdf", "svg")
# figures skipped without a note when a file lacks their (optional) data;
# their key in load()'s problems (a malformed group is still noted)
QUIET_KINDS = {"package-frontier": "packages"}

# Colours: a blue for gains and bands, a red for losses (ColorBrewer RdBu, safe
# for colour-blind readers), tab10 for the outputs, near-black for the
# portfolio.
GAIN = "#4393c3"
GAIN_DARK = "#2166ac"
LOSS = "#d6604d"
NEUTRAL = "#9e9e9e"
INK = "#222222"
MUTED = "#555555"
OUTPUT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                  "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
PORTFOLIO_COLOUR = INK

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.7,
    "axes.axisbelow": True,
    "axes.edgecolor": "#888888",
    "axes.titlepad": 5,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
}

HEADER_IN = 1.15        # inches at the top for title, subtitle and legend
FOOTER_LINE_IN = 0.17   # inches per footer line
TORNADO_MAX_BARS = 10
SOBOL_MAX_BARS = 8
SOBOL_SHOWN_MIN = 0.005   # inputs with a smaller total index (and interval) are summarised


class NotBcsimResult(Exception):
    """The file does not exist, is not HDF5, or is not a bcsim result file."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: not a bcsim result file ({reason})")
        self.path = path
        self.reason = reason


class UnsupportedVersion(NotBcsimResult):
    """A bcsim result file of a newer format_version than this script reads."""

    def __init__(self, path, version):
        Exception.__init__(self, f"{path}: bcsim result format_version {version}; "
                                 f"this script reads version {FORMAT_VERSION}")
        self.path = path
        self.reason = f"format_version {version}"


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def _attr(value):
    """An HDF5 attribute as a plain Python value."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OSU":
            return [_attr(v) for v in value.tolist()]
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _strings(dset):
    """A string dataset as a list of str."""
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
            for v in dset[()].tolist()]


def load(path):
    """Read a bcsim result file into a dict of plain values and numpy arrays.

    Raises NotBcsimResult if `path` does not exist, is not an HDF5 file, or
    is not a bcsim result (root attribute format != "bcsim-results"), and
    UnsupportedVersion for a newer format_version.

    Keys: path, file (base name), attrs (root attributes: model_id, title,
    seed, runs, sampler, study, ...), outputs (ids), titles, and, where the
    file has them (None otherwise): hist (avg_gain histogram: edges, counts),
    break_even (p, se), quantiles (avg_gain: q, probs), gain_by_year (q,
    probs), base_case (avg_gain, gain, break_even_year), break_even_year
    (counts, years), tornado (inputs, low, high, base, order, quantiles),
    sobol (inputs, outputs, first, total, first_ci, total_ci, mean, variance),
    and from /decision: voi (evpi, evpi_se, years, inputs, evppi, evppi_se,
    bins), affordability (factor, curve, planned, probs, max_factor,
    max_status) and packages (members, mean, p_loss, cvar5, frontier_loss,
    frontier_cvar, feasible, best). problems maps a key to why its data
    could not be used.
    """
    import h5py

    if not os.path.exists(path):
        raise NotBcsimResult(path, "no such file")
    if os.path.isdir(path):
        raise NotBcsimResult(path, "is a directory")
    try:
        is_hdf5 = h5py.is_hdf5(path)
    except (OSError, ValueError) as e:
        raise NotBcsimResult(path, f"cannot read it: {e}") from None
    if not is_hdf5:
        raise NotBcsimResult(path, "not an HDF5 file")
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as e:
        raise NotBcsimResult(path, f"cannot open it: {e}") from None
    with f:
        attrs = {}
        try:
            for k, v in f.attrs.items():
                if k in ("model_text",):
                    continue
                attrs[k] = _attr(v)
            model_text = _attr(f.attrs.get("model_text", ""))
        except (OSError, ValueError, TypeError) as e:
            raise NotBcsimResult(path, f"unreadable root attributes: {e}") from None
        fmt = attrs.get("format")
        if fmt != "bcsim-results":
            raise NotBcsimResult(path, "no root attribute format" if fmt is None
                                 else f"root attribute format is {fmt!r}, not 'bcsim-results'")
        version = attrs.get("format_version")
        if isinstance(version, (int, float)) and version > FORMAT_VERSION:
            raise UnsupportedVersion(path, version)
        if "outputs/names" not in f:
            raise NotBcsimResult(path, "no /outputs/names")
        try:
            return _read(f, path, attrs, model_text)
        except (OSError, KeyError, ValueError, TypeError) as e:
            raise NotBcsimResult(path, f"unreadable: {e}") from None


def _read(f, path, attrs, model_text):
    """The datasets of an open result file (see load)."""
    d = {"path": path, "file": os.path.basename(path), "attrs": attrs,
         "model_text": model_text, "problems": {}}
    outputs = _strings(f["outputs/names"])
    O = len(outputs)
    d["outputs"] = outputs
    titles = _strings(f["outputs/titles"]) if "outputs/titles" in f else []
    d["titles"] = titles if len(titles) == O else list(outputs)
    attrs.setdefault("model_id", os.path.splitext(os.path.basename(path))[0])
    attrs.setdefault("title", attrs["model_id"])
    H = int(attrs.get("years", 0) or 0)

    def arr(name):
        return f[name][()] if name in f and hasattr(f[name], "shape") else None

    def check(key, ok, what):
        if not ok:
            d["problems"][key] = f"{what} has an unexpected shape"
        return ok

    # average annual gain: histogram, break-even probability, quantiles
    e, c = arr("histograms/avg_gain/edges"), arr("histograms/avg_gain/counts")
    d["hist"] = None
    if e is not None and c is not None and check(
            "hist", e.ndim == 2 and c.ndim == 2 and e.shape[0] == O == c.shape[0]
            and e.shape[1] == c.shape[1] + 1, "/histograms/avg_gain"):
        d["hist"] = {"edges": e.astype(float), "counts": c.astype(float)}
    p, se = arr("summary/break_even_probability"), arr("summary/break_even_probability_se")
    d["break_even"] = None
    if p is not None and p.shape == (O,):
        d["break_even"] = {"p": p.astype(float),
                           "se": se.astype(float) if se is not None and se.shape == (O,)
                           else np.full(O, np.nan)}
    d["quantiles"] = None
    if "summary/avg_gain/quantiles" in f:
        q = f["summary/avg_gain/quantiles"]
        probs = q.attrs.get("probabilities")
        if probs is not None and q.ndim == 2 and q.shape[0] == O and q.shape[1] == len(probs):
            d["quantiles"] = {"q": q[()].astype(float), "probs": np.asarray(probs, float)}

    # gain by year
    d["gain_by_year"] = None
    if "summary/gain_by_year/quantiles" in f:
        q = f["summary/gain_by_year/quantiles"]
        probs = q.attrs.get("probabilities")
        if check("gain_by_year", probs is not None and q.ndim == 3 and q.shape[0] == O
                 and q.shape[2] == len(probs) and q.shape[1] >= 1,
                 "/summary/gain_by_year/quantiles"):
            d["gain_by_year"] = {"q": q[()].astype(float), "probs": np.asarray(probs, float)}

    # base case
    d["base_case"] = None
    ba, bg, by = arr("base_case/avg_gain"), arr("base_case/gain"), arr("base_case/break_even_year")
    if ba is not None and ba.shape == (O,):
        d["base_case"] = {"avg_gain": ba.astype(float),
                          "gain": bg.astype(float) if bg is not None and bg.ndim == 2
                          and bg.shape[0] == O else None,
                          "break_even_year": by.astype(int) if by is not None
                          and by.shape == (O,) else None}

    # break-even year
    d["break_even_year"] = None
    if "summary/break_even_year" in f:
        ds = f["summary/break_even_year"]
        years = ds.attrs.get("years")
        if check("break_even_year", years is not None and ds.ndim == 2 and ds.shape[0] == O
                 and ds.shape[1] == len(years) and len(years) >= 2,
                 "/summary/break_even_year"):
            d["break_even_year"] = {"counts": ds[()].astype(float),
                                    "years": np.asarray(years, int)}

    # tornado
    d["tornado"] = None
    if "sensitivity/tornado" in f:
        g = f["sensitivity/tornado"]
        try:
            inputs = _strings(g["inputs"])
            low, high = g["low"][()].astype(float), g["high"][()].astype(float)
            base = g["base"][()].astype(float)
            order = g["order"][()].astype(np.int64) if "order" in g else None
            qs = g["low"].attrs.get("quantiles")
            K = len(inputs)
            ok = (low.shape == (K, O) and high.shape == (K, O) and base.shape == (O,)
                  and (order is None or (order.shape == (O, K) and
                                         ((order >= 0) & (order < K)).all())))
        except KeyError as e:
            ok = False
            d["problems"]["tornado"] = f"/sensitivity/tornado lacks {e}"
        else:
            if check("tornado", ok, "/sensitivity/tornado"):
                d["tornado"] = {"inputs": inputs, "low": low, "high": high, "base": base,
                                "order": order,
                                "quantiles": (np.asarray(qs, float) if qs is not None
                                              else np.array([0.1, 0.9]))}

    # Sobol' indices
    d["sobol"] = None
    if "sensitivity/sobol" in f:
        g = f["sensitivity/sobol"]
        try:
            inputs, outs = _strings(g["inputs"]), _strings(g["outputs"])
            first, total = g["first"][()].astype(float), g["total"][()].astype(float)
            K, M = len(inputs), len(outs)
            fci = g["first_ci"][()].astype(float) if "first_ci" in g else None
            tci = g["total_ci"][()].astype(float) if "total_ci" in g else None
            mean = g["mean"][()].astype(float) if "mean" in g else None
            var = g["variance"][()].astype(float) if "variance" in g else None
            ok = first.shape == (K, M) and total.shape == (K, M)
            if fci is not None and fci.shape != (K, M, 2):
                fci = None
            if tci is not None and tci.shape != (K, M, 2):
                tci = None
            if mean is not None and mean.shape != (M,):
                mean = None
            if var is not None and var.shape != (M,):
                var = None
        except KeyError as e:
            d["problems"]["sobol"] = f"/sensitivity/sobol lacks {e}"
        else:
            if check("sobol", ok, "/sensitivity/sobol"):
                d["sobol"] = {"inputs": inputs, "outputs": outs, "first": first,
                              "total": total, "first_ci": fci, "total_ci": tci,
                              "mean": mean, "variance": var}
    _read_decision(f, d)
    d["H"] = H
    return d


def _read_decision(f, d):
    """The /decision group of an open file into d: voi, affordability and
    packages (see load), None where the file lacks them."""
    d["voi"] = d["affordability"] = d["packages"] = None
    g = f.get("decision")
    if g is None or not hasattr(g, "keys"):
        return
    O = len(d["outputs"])

    def arr(name, grp=g):
        ds = grp.get(name)
        return ds[()] if ds is not None and hasattr(ds, "shape") else None

    def nans(a, shape):
        return a.astype(float) if a is not None and a.shape == shape else np.full(shape, np.nan)

    if "evppi" in g:
        inputs = _strings(g["inputs"]) if "inputs" in g else []
        D = len(inputs)
        evpi, evppi = arr("evpi"), arr("evppi")
        if evpi is not None and evpi.shape == (O,) and evppi is not None \
                and evppi.shape == (D, O):
            years = g["evpi"].attrs.get("years", d["attrs"].get("years", 0))
            d["voi"] = {"evpi": evpi.astype(float), "evpi_se": nans(arr("evpi_se"), (O,)),
                        "years": int(np.asarray(years).reshape(-1)[0] or 0),
                        "inputs": inputs, "evppi": evppi.astype(float),
                        "evppi_se": nans(arr("evppi_se"), (D, O)),
                        "bins": _attr(g["evppi"].attrs.get("bins"))}
        else:
            d["problems"]["voi"] = "/decision/evpi or /decision/evppi has an unexpected shape"
    if "affordability" in g:
        d["affordability"] = _read_affordability(g, d, arr, O)
    if "packages" in g and hasattr(g["packages"], "keys"):
        d["packages"] = _read_packages(g["packages"], d, arr, O)


def _read_affordability(g, d, arr, O):
    """/decision/affordability and the largest investments (see load)."""
    fac, cur, plan = arr("investment_factor"), arr("affordability"), arr("planned_investment")
    if not (fac is not None and fac.ndim == 1 and len(fac) >= 2 and cur is not None
            and cur.shape == (O, len(fac)) and plan is not None and plan.shape == (O,)):
        d["problems"]["affordability"] = ("/decision/affordability, investment_factor or "
                                          "planned_investment has an unexpected shape")
        return None
    a = {"factor": fac.astype(float), "curve": cur.astype(float),
         "planned": plan.astype(float), "probs": None, "max_factor": None, "max_status": None}
    mf, ms = arr("max_investment_factor"), arr("max_investment_status")
    probs = g["max_investment_factor"].attrs.get("probabilities") if mf is not None else None
    if probs is not None and mf.shape == (O, len(probs)) and ms is not None \
            and ms.shape == mf.shape:
        a.update(probs=np.asarray(probs, float), max_factor=mf.astype(float),
                 max_status=ms.astype(int))
    return a


def _read_packages(pk, d, arr, O):
    """/decision/packages (see load): one row per package of proposals."""
    members = arr("members", pk)
    cols = {k: arr(k, pk) for k in ("mean", "p_loss", "cvar5")}
    K = members.shape[0] if members is not None and members.ndim == 2 else -1
    P = O - 1 if d["outputs"][-1] == "portfolio" else O
    if K < 1 or members.shape[1] != P or any(v is None or v.shape != (K,)
                                             for v in cols.values()):
        d["problems"]["packages"] = "/decision/packages has missing or misshapen datasets"
        return None
    p = {k: v.astype(float) for k, v in cols.items()}
    p["members"] = members.astype(bool)
    for k, default in (("frontier_loss", False), ("frontier_cvar", False), ("feasible", True)):
        v = arr(k, pk)
        p[k] = v.astype(bool) if v is not None and v.shape == (K,) else np.full(K, default)
    best = np.asarray(pk.attrs.get("best", -1)).reshape(-1)
    p["best"] = int(best[0]) if len(best) and -1 <= int(best[0]) < K else -1
    return p


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def _minus(s):
    """Typographic minus signs in a formatted number."""
    return s.replace("-", "\u2212")


def _num(x, digits=2):
    t = f"{x:.{digits}f}"
    if float(t) == 0:
        t = t.lstrip("-")               # no "-0.00"
    return _minus(t)


def _pct_pm(p, se):
    """'54.78 % ± 0.11 %': as many decimals as the standard error supports."""
    if se is None or not np.isfinite(se):
        return f"{p * 100:.1f} %"
    if se > 0:
        dec = int(min(2, max(0, 1 - math.floor(math.log10(se * 100)))))
    else:
        dec = 1
    return f"{p * 100:.{dec}f} % \u00b1 {se * 100:.{dec}f} %"


def _horizon(d):
    a = d["attrs"]
    start, H = a.get("start_year"), d.get("H") or a.get("years")
    if start is None or not H:
        return ""
    start, H = int(start), int(H)
    if start < 1000:                    # not calendar years (an analytic test model)
        return ""
    return f"{start}" if H == 1 else f"{start}\u2013{start + H - 1}"


def _sp(text):
    return f" {text}" if text else ""


def _output_index(d, output):
    """Index of an output given by id or index; default the portfolio (last)."""
    if output is None:
        return len(d["outputs"]) - 1
    if isinstance(output, (int, np.integer)):
        return int(output)
    return d["outputs"].index(output)


def _output_colour(d, o):
    if d["outputs"][o] == "portfolio":
        return PORTFOLIO_COLOUR
    return OUTPUT_COLOURS[o % len(OUTPUT_COLOURS)]


def _panel_title(d, o, width=62, extra=None, max_lines=3):
    """'<id>: <title>' wrapped, the title left out when it only repeats the id."""
    name, title = d["outputs"][o], d["titles"][o]
    text = title if title.lower().startswith(name.lower()) else f"{name}: {title}"
    if title == name:
        text = name
    lines = textwrap.wrap(text, width) or [name]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "\u2026"
    if extra:
        lines.append(extra)
    return "\n".join(lines)


def _grid(n):
    """(rows, cols) of the small multiples for n outputs."""
    cols = 1 if n == 1 else 2
    return int(math.ceil(n / cols)), cols


def figure_size(kind, n_outputs):
    """Figure size in inches (width, height) of a figure kind for n outputs.

    The sizes depend only on the kind and the number of outputs, so the
    pixel size of a PNG is figure_size × dpi.
    """
    rows, _ = _grid(n_outputs)
    if kind in ("gain-distribution", "fan", "break-even-year", "affordability"):
        return (10.0, 1.5 + 3.0 * rows)
    if kind == "s-curve":
        return (10.0, 6.5)
    if kind in ("tornado", "evppi"):
        return (11.0, 1.5 + 3.5 * rows)
    if kind == "package-frontier":
        return (11.0, 6.5)
    if kind == "sobol":
        return (11.0, 1.5 + 3.0 * n_outputs)
    raise ValueError(f"unknown figure kind {kind!r}")


def _int(v):
    try:
        return f"{int(v):,}"
    except (TypeError, ValueError):
        return str(v)


def footer_lines(d, kind=None, width_in=10.0):
    """The provenance lines under a figure: model id, study, runs, sampler,
    seed, file, bcsim version; what-if overrides; notes for the figure."""
    a = d["attrs"]
    study = a.get("study", "?")
    parts = [f"model {a.get('model_id', '?')}"]
    if study == "sobol":
        s = f"bcsim sobol: N = {_int(a.get('runs'))} base samples"
        if a.get("sobol_evaluations"):
            s += f" ({_int(a['sobol_evaluations'])} evaluations)"
        parts.append(s)
    else:
        parts.append(f"bcsim {study}: {_int(a.get('runs'))} runs")
    parts.append(f"sampler {a.get('sampler', '?')}")
    parts.append(f"seed {a.get('seed', '?')}")
    if study == "sobol" and kind == "sobol":
        b = a.get("replicates", a.get("bootstrap"))
        if b:
            lvl = a.get("confidence_level", 0.95)
            how = "bootstrap replicates" if "bootstrap" in a else "replicates"
            parts.append(f"{_int(b)} {how}, {lvl * 100:g} % intervals")
    parts.append(d["file"])
    if a.get("bcsim_version"):
        parts.append(f"bcsim {a['bcsim_version']}")
    lines = ["  \u00b7  ".join(parts)]
    ov = a.get("overrides") or ""
    if ov.strip():
        text = "what-if overrides (--set): " + "; ".join(ov.strip().splitlines())
        lines.append(text if len(text) <= 170 else text[:169] + "\u2026")
    note = _NOTES.get(kind)
    if callable(note):
        note = note(d)
    if kind == "sobol" and re.search(r"(?m)^correlations\s*:", d.get("model_text") or ""):
        note = (note or "") + (" Correlated inputs: the first of two correlated inputs "
                               "carries their shared variation (docs/sensitivity.md).")
    if note:
        lines.extend(textwrap.wrap(note.strip(), int(width_in * 17)))
    return lines


_NOTES = {
    "gain-distribution": "Average annual gain = (savings \u2212 investment) averaged over the "
                         "horizon. Break even: average annual gain \u2265 0. \u00b1: Monte "
                         "Carlo standard error. Shared horizontal axis.",
    "s-curve": "Read the break-even probability on the right-hand axis at 0 (marked). "
               "\u00b1: Monte Carlo standard error.",
    "fan": "Quantiles of each year's gain (savings \u2212 investment in that year) "
           "over all runs. Shared vertical axis.",
    "tornado": "Each uncertain input alone at its low and high percentile, every other "
               "input at its base value; inputs sorted by swing |high \u2212 low|. "
               "Interactions and correlations are ignored.",
    "sobol": "Share of the output's variance due to each input: first order = the input "
             "alone, total = including its interactions. Sorted by the total index.",
    "break-even-year": "Break-even year: the first year in which the cumulative gain "
                       "reaches 0 or more. It can fall below 0 again later, so "
                       "'by the last year' need not equal P(break even) of the average gain.",
    "evppi": lambda d: _note_evppi(d),
    "affordability": "Every run's investment scaled by the same factor (0 to 2 times the "
                     "plan, steps of 0.5 %), every other input as uncertain as in the study; "
                     "the portfolio scales every proposal's at once. The largest investments "
                     "are read between the steps (docs/decision.md). Shared vertical axis.",
    "package-frontier": "Each dot is a package: a set of the proposals funded. Mean: mean "
                        "average annual gain; P(loss): P(average annual gain < \u22121 "
                        "mDKK/year); CVaR 5 %: mean average annual gain of the worst 5 % of "
                        "runs. On the efficient frontier: no other package has a higher mean "
                        "at no more risk. Shared vertical axis.",
}


def _new_figure(d, kind, title, nrows=1, ncols=1, legend=None, legend_cols=None,
                **subplot_kw):
    """A figure of the kind's size with header (title, model title, legend),
    footer (provenance) and an nrows × ncols grid of axes."""
    from matplotlib.figure import Figure

    w, h = figure_size(kind, len(d["outputs"]))
    foot = footer_lines(d, kind, w)
    footer_in = 0.14 + FOOTER_LINE_IN * len(foot)
    header_in = HEADER_IN if legend else 0.8
    fig = Figure(figsize=(w, h), layout="constrained")
    fig.get_layout_engine().set(rect=(0, footer_in / h, 1, 1 - (header_in + footer_in) / h),
                                h_pad=0.06, w_pad=0.06)
    fig.text(0.012, 1 - 0.12 / h, title, ha="left", va="top", fontsize=14,
             fontweight="bold", color=INK)
    a = d["attrs"]
    sub = a.get("title") or a.get("model_id")
    if sub != a.get("model_id"):
        sub = f"{sub}  ({a.get('model_id')})"
    if (a.get("overrides") or "").strip():
        sub += "  \u00b7  what-if: inputs changed with --set (see the footer)"
    fig.text(0.012, 1 - 0.45 / h, sub, ha="left", va="top", fontsize=10.5, color=MUTED)
    if legend:
        fig.legend(handles=legend, loc="upper left", bbox_to_anchor=(0.006, 1 - 0.68 / h),
                   ncol=legend_cols or len(legend), frameon=False, handlelength=2.2,
                   columnspacing=1.6, borderaxespad=0)
    for i, line in enumerate(foot):
        fig.text(0.012, (0.08 + FOOTER_LINE_IN * (len(foot) - 1 - i)) / h, line,
                 ha="left", va="bottom", fontsize=8, color=MUTED if i == 0 else "#777777")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, axes


def _inner_labels(ax, k, n, cols, x=True, y=True):
    """Axis labels of panel k of n only on the outer panels of the grid
    (x: bottom row, y: left column), tick labels where sharing hid them."""
    if x:
        if k + cols < n:
            ax.set_xlabel("")
        else:
            ax.xaxis.set_tick_params(labelbottom=True)
    if y:
        if k % cols:
            ax.set_ylabel("")
        else:
            ax.yaxis.set_tick_params(labelleft=True)


def _hide_unused(axes, n):
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.set_visible(False)


def _styled(fn):
    """Draw under the module's matplotlib style (restored afterwards)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import matplotlib
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)
    return wrapper


def _trim_range(edges, counts, tail=0.0005):
    """x-range holding all but `tail` of the runs in each tail."""
    total = counts.sum()
    if total <= 0:
        return edges[0], edges[-1]
    cum = np.cumsum(counts) / total
    lo = int(np.searchsorted(cum, tail, side="left"))
    hi = int(np.searchsorted(cum, 1 - tail, side="left"))
    hi = min(hi, len(counts) - 1)
    return edges[lo], edges[hi + 1]


def _gain_range(d):
    """Common x-range of the average-gain figures, 0 always inside."""
    h = d["hist"]
    lo, hi = 0.0, 0.0
    if h is not None:
        for o in range(len(d["outputs"])):
            a, b = _trim_range(h["edges"][o], h["counts"][o])
            lo, hi = min(lo, a), max(hi, b)
    elif d["quantiles"] is not None:
        q = d["quantiles"]["q"]
        lo, hi = min(0.0, q.min()), max(0.0, q.max())
    pad = 0.04 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def _percent_axis(axis, scale=1.0, decimals=0):
    from matplotlib.ticker import FuncFormatter
    axis.set_major_formatter(FuncFormatter(
        lambda v, _: _minus(f"{v * scale:.{decimals}f} %")))


# --------------------------------------------------------------------------
# 1. Distribution of the average annual gain
# --------------------------------------------------------------------------

def _legend_distribution(d):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    items = [Patch(facecolor=GAIN, alpha=0.75, label="runs that break even (gain \u2265 0)"),
             Patch(facecolor=LOSS, alpha=0.75, label="runs with a loss (gain < 0)"),
             Line2D([], [], color=INK, lw=1.6, label="break even (0)")]
    if d["base_case"] is not None:
        items.append(Line2D([], [], color=INK, lw=1.3, ls=(0, (1.5, 1.5)),
                            label="base case (inputs at base values)"))
    return items


@_styled
def plot_distribution(data, ax=None, output=None, xlim=None):
    """Histogram of the average annual gain (mDKK/year) from /histograms/avg_gain.

    With ax=None, returns a new Figure with one panel per output (proposals
    and portfolio, shared horizontal axis). With an Axes, draws the panel of
    one output (id or index; default the portfolio) into it and returns ax.
    Runs that break even are shaded blue, losses red; the break-even line at
    0, the base case and P(break even) ± its standard error are marked.
    """
    d = data
    if d["hist"] is None:
        raise ValueError(f"{d['path']} has no /histograms/avg_gain")
    if ax is None:
        n = len(d["outputs"])
        rows, cols = _grid(n)
        fig, axes = _new_figure(
            d, "gain-distribution",
            f"Average annual gain{_sp(_horizon(d))}: how likely is each proposal to pay for itself?",
            rows, cols, legend=_legend_distribution(d), sharex=True)
        xlim = _gain_range(d)
        for o in range(n):
            a = axes.flat[o]
            plot_distribution(d, ax=a, output=o, xlim=xlim)
            _inner_labels(a, o, n, cols)
        _hide_unused(axes, n)
        return fig

    o = _output_index(d, output)
    edges, counts = d["hist"]["edges"][o], d["hist"]["counts"][o]
    runs = counts.sum()
    dens = counts / max(runs, 1) / np.maximum(np.diff(edges), 1e-300) * 100.0
    # split the bin holding 0 so the shading changes exactly at break even
    e, v = list(edges), list(dens)
    if e[0] < 0 < e[-1] and 0.0 not in e:
        k = int(np.searchsorted(edges, 0.0, side="right")) - 1
        e.insert(k + 1, 0.0)
        v.insert(k, v[k])
    e, v = np.asarray(e), np.asarray(v)
    neg = e[1:] <= 0
    if neg.any():
        kk = np.nonzero(neg)[0][-1] + 1
        ax.stairs(v[:kk], e[:kk + 1], fill=True, color=LOSS, alpha=0.75, lw=0)
    if (~neg).any():
        kk = np.nonzero(~neg)[0][0]
        ax.stairs(v[kk:], e[kk:], fill=True, color=GAIN, alpha=0.75, lw=0)
    ax.stairs(v, e, color=INK, lw=0.6, alpha=0.7)
    if np.count_nonzero(counts) <= 1:
        # no spread (no uncertain input moves it): a density means nothing
        ax.set_yticks([])
        k = int(np.argmax(counts))
        ax.text(0.5, 0.45, f"no spread: every run gives {_num(edges[k])} mDKK/year",
                transform=ax.transAxes, ha="center", va="center", color=MUTED,
                bbox=dict(boxstyle="square,pad=0.2", fc="white", ec="none"))
    ax.axvline(0, color=INK, lw=1.6, zorder=3)
    if d["base_case"] is not None:
        ax.axvline(d["base_case"]["avg_gain"][o], color=INK, lw=1.3, ls=(0, (1.5, 1.5)),
                   zorder=3)
    if xlim is None:
        xlim = _gain_range(d)
    ax.set_xlim(*xlim)
    top = v.max() if len(v) else 1.0
    # headroom: the text box sits above the tallest bar
    ax.set_ylim(0, top * 1.68 if top > 0 else 1)
    ax.set_title(_panel_title(d, o), loc="left")
    ax.set_xlabel("average annual gain, mDKK/year")
    ax.set_ylabel("% of runs per mDKK/year")

    lines = []
    be = d["break_even"]
    if be is not None:
        lines.append(f"P(break even) = {_pct_pm(be['p'][o], be['se'][o])}")
    q = d["quantiles"]
    if q is not None:
        idx = {round(p, 4): i for i, p in enumerate(q["probs"])}
        if all(k in idx for k in (0.05, 0.5, 0.95)):
            qq = q["q"][o]
            lines.append(f"median {_num(qq[idx[0.5]])} mDKK/year")
            lines.append(f"90 % of runs: {_num(qq[idx[0.05]])} to {_num(qq[idx[0.95]])}")
    if d["base_case"] is not None:
        lines.append(f"base case {_num(d['base_case']['avg_gain'][o])} mDKK/year")
    if lines:
        # put the box on the side away from the break-even line
        right = (0.0 - xlim[0]) < 0.5 * (xlim[1] - xlim[0])
        ax.text(0.985 if right else 0.015, 0.965, "\n".join(lines),
                transform=ax.transAxes, ha="right" if right else "left", va="top",
                fontsize=9.5, color=INK, linespacing=1.35, multialignment="left",
                bbox=dict(boxstyle="round,pad=0.35", fc="white", ec="#cccccc", alpha=0.92))
    return ax


# --------------------------------------------------------------------------
# 2. S-curve
# --------------------------------------------------------------------------

@_styled
def plot_s_curve(data, ax=None):
    """Cumulative distribution (S-curve) of the average annual gain of every
    output, from the histogram (or, without one, the stored quantiles).

    Left axis P(gain < x), right axis P(gain ≥ x); the break-even probability
    of each output is marked at 0. Returns a new Figure with ax=None, else ax.
    """
    from matplotlib.lines import Line2D
    d = data
    if d["hist"] is None and d["quantiles"] is None:
        raise ValueError(f"{d['path']} has no /histograms/avg_gain or quantiles")
    fig = None
    if ax is None:
        fig, axes = _new_figure(
            d, "s-curve",
            f"Average annual gain{_sp(_horizon(d))}: cumulative distribution (S-curve)")
        ax = axes[0, 0]
    n = len(d["outputs"])
    be = d["break_even"]
    handles = []
    for o in range(n):
        col = _output_colour(d, o)
        lw = 2.6 if d["outputs"][o] == "portfolio" else 2.0
        if d["hist"] is not None:
            e, c = d["hist"]["edges"][o], d["hist"]["counts"][o]
            y = np.concatenate([[0.0], np.cumsum(c)]) / max(c.sum(), 1)
            ax.plot(e, y, color=col, lw=lw, zorder=3)
        else:
            q = d["quantiles"]
            ax.plot(q["q"][o], q["probs"], color=col, lw=lw, marker="o", ms=3.5, zorder=3)
        label = d["outputs"][o]
        if be is not None:
            p = be["p"][o]
            ax.plot([0], [1 - p], marker="o", ms=8, mfc="white", mec=col, mew=2.2, zorder=5)
            label += f":  P(break even) {_pct_pm(p, be['se'][o])}"
        handles.append(Line2D([], [], color=col, lw=lw, label=label))
    ax.axvline(0, color=INK, lw=1.4, zorder=2)
    handles.append(Line2D([], [], color=INK, lw=1.4, label="break even (0)"))
    if be is not None:
        handles.append(Line2D([], [], ls="none", marker="o", ms=8, mfc="white", mec=MUTED,
                              mew=2.0, label="where each curve crosses 0"))
    ax.set_xlim(*_gain_range(d))
    ax.set_ylim(0, 1)
    ax.set_yticks(np.linspace(0, 1, 11))
    _percent_axis(ax.yaxis, 100)
    ax.set_xlabel("average annual gain x, mDKK/year")
    ax.set_ylabel("share of runs with average annual gain < x")
    right = ax.twinx()
    right.set_ylim(0, 1)
    right.set_yticks(np.linspace(0, 1, 11))
    from matplotlib.ticker import FuncFormatter
    right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{(1 - v) * 100:.0f} %"))
    right.set_ylabel("share of runs with average annual gain \u2265 x")
    right.grid(False)
    right.spines["right"].set_visible(True)
    ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.95,
              edgecolor="#cccccc")
    return fig if fig is not None else ax


# --------------------------------------------------------------------------
# 3. Fan chart of the gain by year
# --------------------------------------------------------------------------

def _quantile_index(probs, p):
    i = int(np.argmin(np.abs(probs - p)))
    return i, probs[i]


def _legend_fan(d, pl):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    (o_lo, o_hi), (i_lo, i_hi) = pl
    items = [Patch(facecolor=GAIN, alpha=0.28,
                   label=f"P{o_lo * 100:g}\u2013P{o_hi * 100:g} ({(o_hi - o_lo) * 100:g} % of runs)"),
             Patch(facecolor=GAIN, alpha=0.6,
                   label=f"P{i_lo * 100:g}\u2013P{i_hi * 100:g} ({(i_hi - i_lo) * 100:g} % of runs)"),
             Line2D([], [], color=GAIN_DARK, lw=2.2, label="median")]
    if d["base_case"] is not None and d["base_case"]["gain"] is not None:
        items.append(Line2D([], [], color=INK, lw=1.3, ls=(0, (3, 2)), marker="o", ms=3.5,
                            label="base case"))
    items.append(Line2D([], [], color=INK, lw=1.4, label="break even (0)"))
    return items


@_styled
def plot_fan(data, ax=None, output=None):
    """Fan chart of the gain of each year (mDKK/year) from
    /summary/gain_by_year/quantiles: P5–P95 and P25–P75 bands and the median,
    with the base case and the zero line.

    With ax=None, returns a new Figure with one panel per output (shared
    vertical axis); with an Axes, draws one output (default the portfolio).
    """
    d = data
    g = d["gain_by_year"]
    if g is None:
        raise ValueError(f"{d['path']} has no /summary/gain_by_year/quantiles")
    probs = g["probs"]
    idx = [_quantile_index(probs, p) for p in (0.05, 0.95, 0.25, 0.75, 0.5)]
    if ax is None:
        n = len(d["outputs"])
        rows, cols = _grid(n)
        pl = ((idx[0][1], idx[1][1]), (idx[2][1], idx[3][1]))
        fig, axes = _new_figure(d, "fan", f"Gain by year{_sp(_horizon(d))}: range of outcomes",
                                rows, cols, legend=_legend_fan(d, pl), sharey=True)
        for o in range(n):
            a = axes.flat[o]
            plot_fan(d, ax=a, output=o)
            _inner_labels(a, o, n, cols)
        _hide_unused(axes, n)
        return fig

    o = _output_index(d, output)
    q = g["q"][o]                       # H x 9
    H = q.shape[0]
    start = int(d["attrs"].get("start_year", 0) or 0)
    x = np.arange(start, start + H, dtype=float)
    xs = x if H > 1 else np.array([x[0] - 0.3, x[0] + 0.3])

    def col(i):
        v = q[:, idx[i][0]]
        return v if H > 1 else np.repeat(v, 2)

    ax.fill_between(xs, col(0), col(1), color=GAIN, alpha=0.28, lw=0)
    ax.fill_between(xs, col(2), col(3), color=GAIN, alpha=0.6, lw=0)
    ax.plot(xs, col(4), color=GAIN_DARK, lw=2.2)
    ax.axhline(0, color=INK, lw=1.4, zorder=1.5)
    bc = d["base_case"]
    if bc is not None and bc["gain"] is not None and bc["gain"].shape[1] == H:
        ax.plot(x, bc["gain"][o], color=INK, lw=1.3, ls=(0, (3, 2)), marker="o", ms=3.5,
                zorder=4)
    ax.set_xticks(x)
    ax.set_xticklabels([str(int(v)) for v in x], rotation=0 if H <= 10 else 90)
    ax.set_xlim(xs[0] - 0.15, xs[-1] + 0.15)
    ax.set_title(_panel_title(d, o), loc="left")
    ax.set_xlabel("year")
    ax.set_ylabel("gain in the year, mDKK/year")
    return ax


# --------------------------------------------------------------------------
# 4. Tornado
# --------------------------------------------------------------------------

def _bar_panels(d, kind, title, need, extra, legend, draw):
    """A figure of one panel of horizontal bars per output, sharing the x
    axis; each row of panels as tall as its panel needing the most bar slots
    (need[o]) plus `extra` slots for the titles; draw(ax, o, slots) fills
    panel o."""
    n = len(need)
    rows, cols = _grid(n)
    row_slots = [max(need[r * cols:(r + 1) * cols]) for r in range(rows)]
    fig, axes = _new_figure(d, kind, title, rows, cols, legend=legend, sharex=True,
                            gridspec_kw={"height_ratios": [k + extra for k in row_slots]})
    for o in range(n):
        a = axes.flat[o]
        draw(a, o, row_slots[o // cols])
        _inner_labels(a, o, n, cols, y=False)
    _hide_unused(axes, n)
    return fig


def _tornado_rows(t, o):
    """Input rows of output o by decreasing swing; those that move it at all."""
    swing = np.abs(t["high"][:, o] - t["low"][:, o])
    order = (t["order"][o] if t["order"] is not None
             else np.argsort(-swing, kind="stable"))
    # keep the file's order, but make sure it is by decreasing swing
    order = sorted(order.tolist(), key=lambda i: -swing[i])
    tol = 1e-9 * max(1.0, float(swing.max()) if len(swing) else 1.0)
    moving = [i for i in order if swing[i] > tol]
    return moving, len(order) - len(moving)


def _tornado_labels(t):
    lo, hi = t["quantiles"][0], t["quantiles"][-1]
    return (f"input at its {lo * 100:g}th percentile", f"input at its {hi * 100:g}th percentile")


def _legend_tornado(d):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    lo, hi = _tornado_labels(d["tornado"])
    return [Patch(facecolor=LOSS, label=lo),
            Patch(facecolor=GAIN, label=hi),
            Line2D([], [], color=MUTED, lw=1.6, label="base case (all inputs at base)"),
            Line2D([], [], color=INK, lw=1.2, ls=(0, (4, 2)), label="break even (0)")]


def _tornado_xlim(d):
    t = d["tornado"]
    vals = np.concatenate([t["low"].ravel(), t["high"].ravel(), t["base"], [0.0]])
    lo, hi = float(vals.min()), float(vals.max())
    pad = 0.17 * (hi - lo or 1.0)
    return lo - pad, hi + pad


@_styled
def plot_tornado(data, ax=None, output=None, slots=None, xlim=None):
    """Tornado chart of the average annual gain (mDKK/year) from
    /sensitivity/tornado: each uncertain input alone at its 10th and 90th
    percentile, all others at base; inputs sorted by swing, at most
    TORNADO_MAX_BARS per panel, inputs that do not move the output left out.

    With ax=None, returns a new Figure with one panel per output; with an
    Axes, draws one output (default the portfolio).
    """
    d = data
    t = d["tornado"]
    if t is None:
        raise ValueError(f"{d['path']} has no /sensitivity/tornado")
    n = len(d["outputs"])
    if ax is None:
        # bars as thick in every panel: each row of panels as tall as its
        # longest tornado (plus room for the titles)
        need = []
        for o in range(n):
            moving, still = _tornado_rows(t, o)
            shown = min(TORNADO_MAX_BARS, len(moving))
            need.append(max(shown, 1) + (1 if len(moving) > shown or still else 0))
        xlim = _tornado_xlim(d)
        return _bar_panels(
            d, "tornado",
            f"Tornado: average annual gain{_sp(_horizon(d))}, one input at a time",
            need, 2.5, _legend_tornado(d),
            lambda a, o, slots: plot_tornado(d, ax=a, output=o, slots=slots, xlim=xlim))

    o = _output_index(d, output)
    moving, still = _tornado_rows(t, o)
    show = moving[:TORNADO_MAX_BARS]
    rest = len(moving) - len(show)
    base = t["base"][o]
    if slots is None:
        slots = max(len(show), 1) + (1 if rest or still else 0)
    if xlim is None:
        xlim = _tornado_xlim(d)
    span = xlim[1] - xlim[0]
    for y, i in enumerate(show):
        lo, hi = t["low"][i, o], t["high"][i, o]
        # the longer bar first, so a shorter one on the same side stays visible
        bars = sorted([(lo, LOSS), (hi, GAIN)], key=lambda b: -abs(b[0] - base))
        for v, c in bars:
            ax.barh(y, v - base, left=base, height=0.68, color=c, lw=0, zorder=3)
        left, right = min(lo, hi), max(lo, hi)
        label = dict(va="center", fontsize=8.5, color=MUTED, zorder=6,
                     bbox=dict(boxstyle="square,pad=0.08", fc="white", ec="none"))
        if left < base - 0.005:
            ax.text(left - 0.01 * span, y, _num(left), ha="right", **label)
        if right > base + 0.005:
            ax.text(right + 0.01 * span, y, _num(right), ha="left", **label)
    ax.axvline(base, color=MUTED, lw=1.6, zorder=4)
    if base != 0:
        ax.axvline(0, color=INK, lw=1.2, ls=(0, (4, 2)), zorder=4)
    ax.set_yticks(range(len(show)))
    ax.set_yticklabels([t["inputs"][i] for i in show])
    ax.set_ylim(slots - 0.5, -0.6)
    ax.set_xlim(*xlim)
    ax.set_xlabel("average annual gain, mDKK/year")
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    ax.set_title(_panel_title(d, o, extra=f"base case {_num(base)} mDKK/year"), loc="left")
    notes = []
    if rest:
        notes.append(f"{rest} more input{'s' if rest > 1 else ''} with smaller swings")
    if still:
        notes.append(f"{still} input{'s' if still > 1 else ''} without effect")
    if not show:
        ax.text(0.5, 0.5, "no uncertain input moves this output", transform=ax.transAxes,
                ha="center", va="center", color=MUTED)
    if notes:
        ax.text(0.99, 0.015, "not shown: " + "; ".join(notes), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8.5, color=MUTED, style="italic", zorder=6,
                bbox=dict(boxstyle="square,pad=0.15", fc="white", ec="none"))
    return ax


# --------------------------------------------------------------------------
# 5. Sobol' indices
# --------------------------------------------------------------------------

SOBOL_QUANTITIES = ("avg_gain", "break_even")
FIRST_COLOUR = "#2166ac"
TOTAL_COLOUR = "#92c5de"


def _sobol_column(s, quantity, name):
    key = f"{quantity}:{name}"
    return s["outputs"].index(key) if key in s["outputs"] else None


def _sobol_xlim(d):
    """Common x-range of the Sobol' panels: 0..1, room for the labels, and
    for intervals that reach below 0."""
    s = d["sobol"]
    lo = -0.05
    cols = [j for j, name in enumerate(s["outputs"])
            if name.split(":", 1)[0] in SOBOL_QUANTITIES]
    for key in ("first", "total", "first_ci", "total_ci"):
        if s[key] is not None and cols:
            v = s[key][:, cols]
            lo = min(lo, float(np.nanmin(v)) - 0.02)
    lo = max(lo, -0.5)
    return (math.floor(lo * 20) / 20, 1.13)


def _legend_sobol(d):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    s = d["sobol"]
    items = [Patch(facecolor=TOTAL_COLOUR, label="total index (alone and in interactions)"),
             Patch(facecolor=FIRST_COLOUR, label="first-order index (alone)")]
    if s["first_ci"] is not None or s["total_ci"] is not None:
        lvl = d["attrs"].get("confidence_level", 0.95)
        items.append(Line2D([], [], color=INK, lw=1.1, marker="|", ms=7,
                            label=f"{lvl * 100:g} % interval"))
    return items


@_styled
def plot_sobol(data, ax=None, output=None, quantity="avg_gain", xlim=None):
    """Sobol' indices (first order and total, with their intervals) from
    /sensitivity/sobol, sorted by the total index, at most SOBOL_MAX_BARS
    inputs per panel.

    With ax=None, returns a new Figure: one row per output, the average
    annual gain on the left and the break-even indicator on the right. With
    an Axes, draws one output (default the portfolio) and quantity
    ("avg_gain", "break_even" or "npv").
    """
    d = data
    s = d["sobol"]
    if s is None:
        raise ValueError(f"{d['path']} has no /sensitivity/sobol")
    if ax is None:
        rows = [o for o in range(len(d["outputs"]))
                if any(_sobol_column(s, qn, d["outputs"][o]) is not None
                       for qn in SOBOL_QUANTITIES)]
        if not rows:
            raise ValueError(f"{d['path']}: /sensitivity/sobol has no avg_gain or "
                             f"break_even columns for the outputs")
        fig, axes = _new_figure(
            d, "sobol", "Sobol' indices: which inputs drive the gain and the break-even risk",
            len(d["outputs"]), 2, legend=_legend_sobol(d))
        xlim = _sobol_xlim(d)
        for r, o in enumerate(rows):
            for c, qn in enumerate(SOBOL_QUANTITIES):
                plot_sobol(d, ax=axes[r, c], output=o, quantity=qn, xlim=xlim)
        for a in axes[:len(rows) - 1].flat:
            a.set_xlabel("")
        for a in axes[len(rows):].flat:
            a.set_visible(False)
        return fig

    o = _output_index(d, output)
    name = d["outputs"][o]
    j = _sobol_column(s, quantity, name)
    mean = s["mean"][j] if j is not None and s["mean"] is not None else None
    var = s["variance"][j] if j is not None and s["variance"] is not None else None
    if quantity == "avg_gain":
        extra = "average annual gain"
        if var is not None:
            extra += f" (variance {var:.3g} (mDKK/year)\u00b2)"
        title = _panel_title(d, o, width=58, extra=extra, max_lines=2)
    elif quantity == "break_even":
        extra = "break even: average annual gain \u2265 0"
        if mean is not None:
            extra += f" (P = {mean * 100:.1f} %)"
        title = f"{name}\n{extra}"
    else:
        extra = quantity
        if var is not None:
            extra += f" (variance {var:.3g} mDKK\u00b2)"
        title = f"{name}\n{extra}"
    ax.set_title(title, loc="left")
    ax.set_xlim(*(xlim or _sobol_xlim(d)))
    ax.set_xlabel("Sobol' index (share of the output's variance)")
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    if j is None:
        ax.text(0.5, 0.5, f"no {quantity} indices in this file", transform=ax.transAxes,
                ha="center", va="center", color=MUTED)
        ax.set_yticks([])
        return ax
    first, total = s["first"][:, j], s["total"][:, j]
    fci = s["first_ci"][:, j, :] if s["first_ci"] is not None else None
    tci = s["total_ci"][:, j, :] if s["total_ci"] is not None else None
    if var is not None and var <= 0 or not np.any(np.abs(total) > 0):
        ax.text(0.5, 0.5, "does not vary in this study: every index is 0",
                transform=ax.transAxes, ha="center", va="center", color=MUTED)
        ax.set_yticks([])
        ax.set_ylim(SOBOL_MAX_BARS - 0.5, -0.6)
        return ax
    order = np.argsort(-total, kind="stable")
    upper = total if tci is None else np.maximum(total, tci[:, 1])
    shown = [i for i in order if upper[i] >= SOBOL_SHOWN_MIN][:SOBOL_MAX_BARS]
    if not shown:
        shown = list(order[:1])
    rest = len(order) - len(shown)
    h = 0.36
    for y, i in enumerate(shown):
        ax.barh(y - h / 2, total[i], height=h, color=TOTAL_COLOUR, lw=0, zorder=3)
        ax.barh(y + h / 2, first[i], height=h, color=FIRST_COLOUR, lw=0, zorder=3)
        if tci is not None:
            ax.errorbar(total[i], y - h / 2, xerr=[[total[i] - tci[i, 0]], [tci[i, 1] - total[i]]],
                        fmt="none", ecolor=INK, elinewidth=1.0, capsize=2.5, zorder=4)
        if fci is not None:
            ax.errorbar(first[i], y + h / 2, xerr=[[max(first[i] - fci[i, 0], 0)],
                                                    [max(fci[i, 1] - first[i], 0)]],
                        fmt="none", ecolor=INK, elinewidth=1.0, capsize=2.5, zorder=4)
        end = max(total[i], tci[i, 1] if tci is not None else total[i],
                  first[i], fci[i, 1] if fci is not None else first[i])
        ax.text(min(end, 1.0) + 0.015, y, f"{total[i]:.2f}", ha="left", va="center",
                fontsize=8.5, color=MUTED)
    ax.axvline(0, color="#888888", lw=0.8, zorder=2)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels([s["inputs"][i] for i in shown])
    ax.set_ylim(SOBOL_MAX_BARS - 0.5 + (0.9 if rest else 0), -0.6)
    if rest:
        ax.text(0.99, 0.015, f"not shown: {rest} input{'s' if rest > 1 else ''} "
                f"with total index < {SOBOL_SHOWN_MIN:g}" if all(
                    upper[i] < SOBOL_SHOWN_MIN for i in order if i not in shown)
                else f"not shown: {rest} more input{'s' if rest > 1 else ''}",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8.5,
                color=MUTED, style="italic")
    return ax


# --------------------------------------------------------------------------
# 6. Break-even year
# --------------------------------------------------------------------------

def _legend_break_even_year(d):
    from matplotlib.patches import Patch
    items = [Patch(facecolor=GAIN, label="breaks even in that year"),
             Patch(facecolor=NEUTRAL, label="no break-even within the horizon")]
    bc = d["base_case"]
    if bc is not None and bc["break_even_year"] is not None:
        items.append(Patch(facecolor="white", edgecolor=INK, lw=1.8,
                           label="base-case break-even year"))
    return items


@_styled
def plot_break_even_year(data, ax=None, output=None, ylim=None):
    """Distribution of the break-even year (the first year whose cumulative
    gain is ≥ 0) from /summary/break_even_year, as % of runs, with a last bar
    for runs that do not break even within the horizon.

    With ax=None, returns a new Figure with one panel per output (shared
    vertical axis); with an Axes, draws one output (default the portfolio).
    """
    d = data
    b = d["break_even_year"]
    if b is None:
        raise ValueError(f"{d['path']} has no /summary/break_even_year")
    counts, years = b["counts"], b["years"]
    pct = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) * 100
    if ax is None:
        n = len(d["outputs"])
        rows, cols = _grid(n)
        fig, axes = _new_figure(d, "break-even-year",
                                "Break-even year: when does the cumulative gain reach 0?",
                                rows, cols, legend=_legend_break_even_year(d), sharey=True)
        ylim = (0, min(100, pct.max() * 1.18 + 1))
        for o in range(n):
            a = axes.flat[o]
            plot_break_even_year(d, ax=a, output=o, ylim=ylim)
            _inner_labels(a, o, n, cols, x=False)
        _hide_unused(axes, n)
        return fig

    o = _output_index(d, output)
    real = years >= 0
    last = int(years[real].max()) if real.any() else None
    labels = [str(int(y)) if y >= 0 else (f"none by\n{last}" if last is not None else "none")
              for y in years]
    colours = [GAIN if y >= 0 else NEUTRAL for y in years]
    x = np.arange(len(years), dtype=float)
    x[~real] += 0.35                      # set the "none" bar a little apart
    edge = ["none"] * len(years)
    widths = [0.0] * len(years)
    bc = d["base_case"]
    if bc is not None and bc["break_even_year"] is not None:
        by = bc["break_even_year"][o]
        for k, y in enumerate(years):
            if y == by or (by < 0 and y < 0):
                edge[k], widths[k] = INK, 1.8
                labels[k] += "\n(base case)"
    ax.bar(x, pct[o], width=0.72, color=colours, edgecolor=edge, linewidth=widths, zorder=3)
    if len(years) <= 16:
        for xi, v in zip(x, pct[o]):
            ax.text(xi, v + (ylim[1] if ylim else pct[o].max()) * 0.012,
                    f"{v:.1f} %" if v < 99.95 else "100 %", ha="center", va="bottom",
                    fontsize=8.5 if len(years) <= 8 else 7, color=INK)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=0 if len(years) <= 8 else 90)
    if ylim is None:
        ylim = (0, min(100, pct[o].max() * 1.18 + 1))
    ax.set_ylim(*ylim)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("% of runs")
    ax.grid(axis="x", visible=False)
    reached = pct[o][real].sum()
    ax.set_title(_panel_title(d, o, extra=f"breaks even by {last}: {reached:.1f} % of runs"
                              if last is not None else None), loc="left")
    return ax


# --------------------------------------------------------------------------
# 7. Value of information: the EVPPI ranking
# --------------------------------------------------------------------------

EVPPI_MAX_BARS = 12
EVPI_COLOUR = NEUTRAL
EVPPI_COLOUR = GAIN_DARK


def _evppi_rows(v, o):
    """Inputs with EVPPI > 0 for output o, largest first (at most
    EVPPI_MAX_BARS), and how many more there are."""
    e = v["evppi"][:, o]
    order = [int(i) for i in np.argsort(-e, kind="stable") if e[i] > 0]
    return order[:EVPPI_MAX_BARS], len(order) - min(len(order), EVPPI_MAX_BARS)


def _evppi_slots(v, o):
    """Rows a panel needs: EVPI, the inputs (or a line saying there are none), a note."""
    show, rest = _evppi_rows(v, o)
    return 1 + max(len(show), 1) + (1 if rest else 0)


def _evppi_xlim(v):
    se = np.nan_to_num(v["evppi_se"])
    hi = float(max(np.max(v["evpi"] + np.nan_to_num(v["evpi_se"])),
                   np.max(v["evppi"] + se) if v["evppi"].size else 0.0))
    return (0.0, hi * 1.2 if hi > 0 else 1.0)


def _over_horizon(d):
    """'over 2026–2030' (or 'over the horizon') and the years to multiply by."""
    years = d["voi"]["years"] if d["voi"] is not None else 0
    span = _horizon(d)
    return (f"over {span}" if span else "over the horizon"), years


def _legend_evppi(d):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    return [Patch(facecolor=EVPI_COLOUR, label="EVPI: every input known first"),
            Patch(facecolor=EVPPI_COLOUR, label="EVPPI: that input alone known first"),
            Line2D([], [], color=INK, lw=1.0, marker="|", ms=7,
                   label="\u00b1 Monte Carlo standard error")]


@_styled
def plot_evppi(data, ax=None, output=None, slots=None, xlim=None):
    """Value of information from /decision: the EVPPI of each input (bias-
    corrected, with its standard error), largest first, under the EVPI of the
    output (every input known), in mDKK/year with the value over the horizon
    on the top axis. Only inputs with EVPPI > 0, at most EVPPI_MAX_BARS.

    With ax=None, returns a new Figure with one panel per output (shared
    horizontal axis); with an Axes, draws one output (default the portfolio).
    """
    d = data
    v = d["voi"]
    if v is None:
        raise ValueError(f"{d['path']} has no /decision/evppi")
    n = len(d["outputs"])
    if ax is None:
        need = [_evppi_slots(v, o) for o in range(n)]
        xlim = _evppi_xlim(v)
        return _bar_panels(
            d, "evppi", "Value of information: what is it worth to know an input "
                        "before deciding?",
            need, 3.0, _legend_evppi(d),
            lambda a, o, slots: plot_evppi(d, ax=a, output=o, slots=slots, xlim=xlim))

    o = _output_index(d, output)
    show, rest = _evppi_rows(v, o)
    xlim = xlim or _evppi_xlim(v)
    slots = slots or _evppi_slots(v, o)
    vals = np.array([v["evpi"][o]] + [v["evppi"][i, o] for i in show])
    ses = np.nan_to_num(np.array([v["evpi_se"][o]] + [v["evppi_se"][i, o] for i in show]))
    y = np.arange(len(vals))
    ax.barh(y, vals, height=0.66, color=[EVPI_COLOUR] + [EVPPI_COLOUR] * len(show),
            lw=0, zorder=3)
    ax.errorbar(vals, y, xerr=ses, fmt="none", ecolor=INK, elinewidth=1.0, capsize=2.5,
                zorder=4)
    ax.axvline(vals[0], color=MUTED, lw=1.0, ls=(0, (4, 2)), zorder=2)
    for yi, val, se in zip(y, vals, ses):
        ax.text(val + se + 0.012 * (xlim[1] - xlim[0]), yi, _num(val, 3), ha="left",
                va="center", fontsize=8.5, color=MUTED, zorder=6)
    _evppi_axes(d, ax, o, show, rest, slots, xlim)
    return ax


def _evppi_axes(d, ax, o, show, rest, slots, xlim):
    """Ticks, labels, the top axis over the horizon, title and notes of an EVPPI panel."""
    v = d["voi"]
    over, years = _over_horizon(d)
    ax.set_yticks(range(1 + len(show)))
    ax.set_yticklabels(["EVPI (all inputs)"] + [v["inputs"][i] for i in show])
    ax.get_yticklabels()[0].set_fontweight("bold")
    ax.set_ylim(slots - 0.5, -0.6)
    ax.set_xlim(*xlim)
    ax.set_xlabel("value of information, mDKK/year")
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    evpi, se = v["evpi"][o], v["evpi_se"][o]
    extra = f"EVPI {_num(evpi, 3)}" + (f" \u00b1 {_num(se, 3)}" if np.isfinite(se) else "")
    extra += " mDKK/year"
    total = ""
    if years:
        top = ax.secondary_xaxis("top", functions=(lambda x: x * years, lambda x: x / years))
        top.set_xlabel(f"mDKK {over} (\u00d7 {years} years)", fontsize=8.5, color=MUTED)
        top.tick_params(labelsize=8.5, colors=MUTED)
        total = f", {_num(evpi * years, 2)} {over}"
    ax.set_title(_panel_title(d, o, extra=extra + total if len(extra + total) <= 50
                              else extra), loc="left")
    if not show:
        ax.text(0.012 * (xlim[1] - xlim[0]), 1, "no single input known alone changes the "
                "decision", ha="left", va="center", color=MUTED, style="italic", zorder=6)
    if rest:
        ax.text(0.99, 0.015, f"not shown: {rest} more input{'s' if rest > 1 else ''} "
                f"with smaller EVPPI", transform=ax.transAxes, ha="right", va="bottom",
                fontsize=8.5, color=MUTED, style="italic", zorder=6,
                bbox=dict(boxstyle="square,pad=0.15", fc="white", ec="none"))


def _note_evppi(d):
    over, years = _over_horizon(d)
    v = d["voi"]
    bins = f" from {v['bins']} equal-probability bins of each input" if v and v["bins"] else ""
    times = f"; {over} multiply by {years} years (top axis)" if years else ""
    return ("Value of information: the expected gain of deciding on each proposal (fund it "
            "or not) after learning the input(s), in mDKK/year of the average annual gain"
            f"{times}. EVPPI{bins}, bias-corrected; inputs whose EVPPI is 0 (they cannot "
            "change the decision alone) are left out. The portfolio: each proposal decided "
            "on its own (the sums of the proposals').")


# --------------------------------------------------------------------------
# 8. Affordability: P(break even) against the investment
# --------------------------------------------------------------------------

def _legend_affordability(d):
    from matplotlib.lines import Line2D
    items = [Line2D([], [], color=GAIN_DARK, lw=2.2, label="P(break even) at that investment"),
             Line2D([], [], color=INK, lw=1.3, ls=(0, (4, 2)), label="planned investment"),
             Line2D([], [], ls="none", marker="o", ms=7, mfc="white", mec=INK, mew=1.8,
                    label="P(break even) as planned")]
    if d["affordability"]["max_factor"] is not None:
        items.append(Line2D([], [], ls="none", marker="D", ms=5.5, color=LOSS,
                            label="largest for 50, 80, 90, 95 %"))
    return items


@_styled
def plot_affordability(data, ax=None, output=None):
    """Affordability curve from /decision/affordability: P(break even) when
    every run's investment is scaled to a level (mDKK/year: the factor times
    the planned investment), every other input as uncertain as before; the
    planned investment and the largest investment that still breaks even with
    50, 80, 90 and 95 % (/decision/max_investment_factor) are marked.

    With ax=None, returns a new Figure with one panel per output (shared
    vertical axis); with an Axes, draws one output (default the portfolio).
    """
    d = data
    a = d["affordability"]
    if a is None:
        raise ValueError(f"{d['path']} has no /decision/affordability")
    if ax is None:
        n = len(d["outputs"])
        rows, cols = _grid(n)
        fig, axes = _new_figure(
            d, "affordability",
            "What may a proposal cost? P(break even) against the investment",
            rows, cols, legend=_legend_affordability(d), sharey=True)
        for o in range(n):
            ax_o = axes.flat[o]
            plot_affordability(d, ax=ax_o, output=o)
            _inner_labels(ax_o, o, n, cols, x=False)
        _hide_unused(axes, n)
        return fig

    o = _output_index(d, output)
    f, p, plan = a["factor"], a["curve"][o], a["planned"][o]
    scale = plan if plan > 0 else 1.0
    x = f * scale
    ax.fill_between(x, 0, p, color=GAIN, alpha=0.15, lw=0)
    ax.plot(x, p, color=GAIN_DARK, lw=2.2, zorder=3)
    at_plan = float(np.interp(1.0, f, p))
    ax.axvline(scale, color=INK, lw=1.3, ls=(0, (4, 2)), zorder=2)
    low = at_plan > 0.6                 # the curve passes high: the label at the bottom
    ax.text(scale, 0.04 if low else 0.96, "planned ", transform=ax.get_xaxis_transform(),
            rotation=90, ha="right", va="bottom" if low else "top", fontsize=8.5, color=INK,
            zorder=6, bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.8))
    ax.plot([scale], [at_plan], marker="o", ms=7, mfc="white", mec=INK, mew=1.8, zorder=6)
    _affordability_levels(ax, a, o, scale)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0, 1.02)
    ax.set_yticks(np.linspace(0, 1, 6))
    _percent_axis(ax.yaxis, 100)
    ax.set_ylabel("P(break even)")
    ax.set_xlabel("average annual investment, mDKK/year" if plan > 0
                  else "factor of the planned investment (planned: 0)")
    ax.set_title(_panel_title(d, o, extra=f"planned {_num(plan)} mDKK/year: P(break even) "
                              f"{at_plan * 100:.1f} %"), loc="left")
    return ax


def _affordability_levels(ax, a, o, scale):
    """Mark the largest investment for each probability (status 0: found) and
    list them in a box at the top right."""
    if a["max_factor"] is None:
        return
    lines = ["largest investment, mDKK/year,", "to break even with"]
    for p, mf, st in zip(a["probs"], a["max_factor"][o], a["max_status"][o]):
        if st == 0:
            xx = mf * scale
            ax.plot([xx, xx], [0, p], color=LOSS, lw=0.9, ls=":", zorder=2)
            ax.plot([xx], [p], marker="D", ms=5.5, color=LOSS, zorder=5)
            value = _num(xx)
        elif st == 1:
            value = "never (not even at no cost)"
        else:
            value = f"> {_num(a['factor'][-1] * scale)} (beyond {a['factor'][-1]:g}\u00d7 plan)"
        lines.append(f"  {p * 100:g} %:  {value}")
    ax.text(0.985, 0.965, "\n".join(lines), transform=ax.transAxes, ha="right", va="top",
            fontsize=8.5, color=INK, linespacing=1.3, multialignment="left", zorder=7,
            bbox=dict(boxstyle="round,pad=0.35", fc="white", ec="#cccccc", alpha=0.92))


# --------------------------------------------------------------------------
# 9. Packages of proposals: the efficient frontier
# --------------------------------------------------------------------------

PACKAGE_MAX_LABELS = 20
BEST_COLOUR = "#f1a340"
PACKAGE_RISKS = {
    "p_loss": ("frontier_loss", "P(loss): P(average annual gain < \u22121 mDKK/year)\n"
               "(lower is better)",
               "Mean gain against the risk of a loss"),
    "cvar5": ("frontier_cvar", "CVaR 5 %: mean gain of the worst 5 % of runs, mDKK/year\n"
              "(higher is better)",
              "Mean gain against the bad tail (CVaR 5 %)"),
}


def _package_names(d):
    """Each package's members' ids joined by '+'."""
    ids = d["outputs"][:-1] if d["outputs"][-1] == "portfolio" else d["outputs"]
    return ["+".join(ids[j] for j in np.nonzero(row)[0]) or "(none)"
            for row in d["packages"]["members"]]


def _package_labels(pk, front):
    """Rows to label: the best, the frontier's by mean, then the rest by mean;
    at most PACKAGE_MAX_LABELS."""
    by_mean = sorted(range(len(pk["mean"])), key=lambda k: -pk["mean"][k])
    first = ([pk["best"]] if pk["best"] >= 0 else []) + \
        [k for k in by_mean if front[k] and k != pk["best"]]
    return (first + [k for k in by_mean if k not in first])[:PACKAGE_MAX_LABELS]


def _legend_packages(d):
    from matplotlib.lines import Line2D
    pk = d["packages"]
    items = [Line2D([], [], ls="none", marker="o", ms=6, color=NEUTRAL,
                    label="package (a set of proposals funded)"),
             Line2D([], [], color=GAIN_DARK, lw=1.8, marker="o", ms=6,
                    label="efficient frontier")]
    if not pk["feasible"].all():
        items.insert(1, Line2D([], [], ls="none", marker="o", ms=6, mfc="white",
                               mec=NEUTRAL, mew=1.2, label="breaks the study's rules"))
    if pk["best"] >= 0:
        items.append(Line2D([], [], ls="none", marker="*", ms=14, mfc=BEST_COLOUR, mec=INK,
                            mew=0.8, label="best package"))
    items.append(Line2D([], [], color=INK, lw=1.2, label="break even (0)"))
    return items


@_styled
def plot_packages(data, ax=None, risk="p_loss"):
    """Packages of proposals from /decision/packages: the mean average annual
    gain (mDKK/year) of every package against its risk, P(loss) or CVaR 5 %;
    the efficient frontier joined and labelled with its members' ids, the
    best package highlighted, at most PACKAGE_MAX_LABELS labels.

    With ax=None, returns a new Figure: mean against P(loss) on the left and
    against CVaR 5 % on the right. With an Axes, draws the one of `risk`
    ("p_loss" or "cvar5").
    """
    d = data
    pk = d["packages"]
    if pk is None:
        raise ValueError(f"{d['path']} has no /decision/packages")
    if ax is None:
        fig, axes = _new_figure(d, "package-frontier",
                                "Packages of proposals: mean gain against risk", 1, 2,
                                legend=_legend_packages(d), sharey=True)
        for c, r in enumerate(PACKAGE_RISKS):
            plot_packages(d, ax=axes[0, c], risk=r)
        axes[0, 1].set_ylabel("")
        axes[0, 1].yaxis.set_tick_params(labelleft=True)
        return fig

    fkey, xlabel, title = PACKAGE_RISKS[risk]
    x, y, front, ok = pk[risk], pk["mean"], pk[fkey], pk["feasible"]
    ax.scatter(x[ok], y[ok], s=30, color=NEUTRAL, lw=0, zorder=3)
    ax.scatter(x[~ok], y[~ok], s=30, facecolors="white", edgecolors=NEUTRAL, lw=1.2, zorder=3)
    idx = np.nonzero(front)[0]
    idx = idx[np.argsort(x[idx], kind="stable")]
    ax.plot(x[idx], y[idx], color=GAIN_DARK, lw=1.8, marker="o", ms=6, zorder=4)
    b = pk["best"]
    if b >= 0:
        ax.plot([x[b]], [y[b]], ls="none", marker="*", ms=17, mfc=BEST_COLOUR, mec=INK,
                mew=0.8, zorder=5)
    ax.axhline(0, color=INK, lw=1.2, zorder=2)
    _package_annotations(d, ax, x, y, front)
    ax.margins(x=0.14, y=0.12)
    if risk == "p_loss":
        _percent_axis(ax.xaxis, 100)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("mean average annual gain, mDKK/year")
    best = f"best: {_package_names(d)[b]}" if b >= 0 else "no package meets the rules"
    ax.set_title(f"{title}\n{int(front.sum())} of {len(y)} packages on the frontier; {best}",
                 loc="left")
    return ax


def _package_annotations(d, ax, x, y, front):
    """Label the packages _package_labels picks, and say how many are not."""
    pk = d["packages"]
    names = _package_names(d)
    rows = _package_labels(pk, front)
    xr = (float(x.min()), float(x.max()) - float(x.min()) or 1.0)
    yr = float(y.max() - y.min()) or 1.0
    placed = []
    for k in sorted(rows, key=lambda k: -y[k]):
        right = x[k] > xr[0] + 0.6 * xr[1]          # labels of points at the right go left
        # below the point when a label just placed is close above it
        below = any(abs(x[k] - px) < 0.25 * xr[1] and 0 <= py - y[k] < 0.06 * yr and not pb
                    for px, py, pb in placed)
        placed.append((x[k], y[k], below))
        dx = (11 if k == pk["best"] else 6) * (-1 if right else 1)   # clear of the star
        ax.annotate(names[k], (x[k], y[k]), xytext=(dx, -12 if below else 5),
                    textcoords="offset points", ha="right" if right else "left",
                    va="bottom", fontsize=8.5, zorder=7,
                    color=INK if front[k] or k == pk["best"] else MUTED,
                    fontweight="bold" if k == pk["best"] else "normal",
                    bbox=dict(boxstyle="square,pad=0.08", fc="white", ec="none", alpha=0.8))
    if len(rows) < len(y):
        ax.text(0.985, 0.015, f"labelled: {len(rows)} of {len(y)} packages (the frontier "
                "first)", transform=ax.transAxes, ha="right", va="bottom", fontsize=8.5,
                color=MUTED, style="italic")


# --------------------------------------------------------------------------
# Figures, names and the command line
# --------------------------------------------------------------------------

_PLOTTERS = {
    "gain-distribution": plot_distribution,
    "s-curve": plot_s_curve,
    "fan": plot_fan,
    "tornado": plot_tornado,
    "sobol": plot_sobol,
    "break-even-year": plot_break_even_year,
    "evppi": plot_evppi,
    "affordability": plot_affordability,
    "package-frontier": plot_packages,
}


def missing(data, kind):
    """Why a file cannot give a figure kind (one line), or None if it can."""
    d = data
    need = {
        "gain-distribution": ("hist", "/histograms/avg_gain", "run bcsim run"),
        "s-curve": ("hist", "/histograms/avg_gain", "run bcsim run"),
        "fan": ("gain_by_year", "/summary/gain_by_year/quantiles", "run bcsim run"),
        "tornado": ("tornado", "/sensitivity/tornado", None),
        "sobol": ("sobol", "/sensitivity/sobol", "run bcsim sobol"),
        "break-even-year": ("break_even_year", "/summary/break_even_year", "run bcsim run"),
        "evppi": ("voi", "/decision/evppi", "run bcsim run"),
        "affordability": ("affordability", "/decision/affordability", "run bcsim run"),
        "package-frontier": ("packages", "/decision/packages", None),
    }[kind]
    key, where, hint = need
    if kind in ("evppi", "affordability") and d["attrs"].get("study") == "run":
        hint = None                     # a run file without them: no hint helps
    if kind == "s-curve" and d["quantiles"] is not None:
        return None
    if d.get(key) is not None:
        if kind == "sobol" and not any(
                _sobol_column(d["sobol"], q, n) is not None
                for q in SOBOL_QUANTITIES for n in d["outputs"]):
            return f"{d['path']}: /sensitivity/sobol has no avg_gain or break_even columns"
        return None
    if key in d["problems"]:
        return f"{d['path']}: {d['problems'][key]}"
    if hint is None:
        return f"{d['path']} has no {where}"
    return f"{d['path']} has no {where} ({hint})"


def _signature(d, kind):
    """What a figure shows: equal signatures draw the same figure (up to the footer)."""
    h = hashlib.sha1()
    h.update(repr((d["attrs"].get("model_id"), d["outputs"], d["titles"], kind,
                   d["attrs"].get("overrides"), d["attrs"].get("study"),
                   d["attrs"].get("seed"), d["attrs"].get("runs"),
                   d["attrs"].get("sampler"))).encode())
    if kind == "tornado":
        # the tornado does not depend on the runs: a run and a Sobol' study of
        # the same model give the same one
        h = hashlib.sha1(repr((d["attrs"].get("model_id"), d["outputs"], d["titles"],
                               d["tornado"]["inputs"])).encode())
        for k in ("low", "high", "base"):
            h.update(np.ascontiguousarray(d["tornado"][k]).tobytes())
    return h.hexdigest()


def _safe(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"


def plan(datas):
    """Which figures to draw from loaded files and under which names.

    Returns (jobs, notes): jobs a list of (data, kind, base name), notes the
    lines for figures no file gives (not for the package frontier of a file
    without /decision/packages: packages are optional). A figure drawn from one file is not
    noted as missing for another file of the same model, and a tornado
    identical to one already planned is drawn once.
    """
    cands, lacks = [], []
    for d in datas:
        for kind in KINDS:
            why = missing(d, kind)
            if why is None:
                cands.append((d, kind))
            elif kind not in QUIET_KINDS or QUIET_KINDS[kind] in d["problems"]:
                lacks.append((d, kind, why))
    seen, jobs = set(), []
    for d, kind in cands:
        sig = _signature(d, kind)
        if sig in seen:
            continue
        seen.add(sig)
        jobs.append([d, kind, None])
    # names: <model>-<kind>, or <model>-<file>-<kind> when several differ
    groups = {}
    for job in jobs:
        groups.setdefault((_safe(job[0]["attrs"]["model_id"]), job[1]), []).append(job)
    used = set()
    for (model, kind), members in groups.items():
        for job in members:
            if len(members) == 1:
                name = f"{model}-{kind}"
            else:
                stem = _safe(re.sub(r"\.(h5|hdf5|he5)$", "", job[0]["file"], flags=re.I))
                name = f"{model}-{stem}-{kind}"
            base, k = name, 2
            while name in used:
                name = f"{base}-{k}"
                k += 1
            used.add(name)
            job[2] = name
    done = {(job[0]["attrs"]["model_id"], job[1]) for job in jobs}
    notes = [f"skipped {kind}: {why}" for d, kind, why in lacks
             if (d["attrs"]["model_id"], kind) not in done]
    order = {id(d): i for i, d in enumerate(datas)}
    jobs.sort(key=lambda j: (order[id(j[0])], KINDS.index(j[1])))
    return [tuple(j) for j in jobs], notes


def save(fig, path, fmt, dpi):
    """Write a figure to path in format fmt, through a temporary file renamed
    into place (a reader never sees a half-written figure)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    if fig.canvas is None or type(fig.canvas).__name__ == "FigureCanvasBase":
        FigureCanvasAgg(fig)
    tmp = os.path.join(os.path.dirname(path) or ".",
                       f".{os.path.basename(path)}.tmp.{os.getpid()}")
    try:
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OSError(e.errno, e.strerror or str(e), path) from None
        raise


def _metadata(fmt):
    # no creation dates: the same input gives the same PDF and SVG bytes
    if fmt == "pdf":
        return {"Creator": PROG, "CreationDate": None}
    if fmt == "svg":
        return {"Date": None}
    return {"Software": PROG}


class OutputError(Exception):
    """The output directory cannot be used (exists as a file, cannot be made)."""


class DrawError(Exception):
    """Some figures could not be drawn; `written` holds the paths that were."""

    def __init__(self, failures, written):
        super().__init__("; ".join(failures))
        self.failures = failures
        self.written = written


def make_all(paths, outdir, formats=("png", "pdf"), dpi=150, notes=None, on_write=None):
    """Load every file in paths and write each figure they support to outdir
    (created if missing) in each format (png, pdf, svg). Returns the written
    paths.

    Every file is read before anything is written: a file that is not a
    bcsim result raises NotBcsimResult and nothing is written. One line per
    figure that no file gives goes to `notes` (a text stream, default
    sys.stderr). on_write(path) is called after each file is written. An
    unusable outdir raises OutputError. A figure that cannot be drawn (a
    malformed file) is reported to `notes`, the others are still drawn, and
    DrawError is raised at the end; OSError when writing propagates.
    """
    notes = sys.stderr if notes is None else notes
    datas = [load(p) for p in paths]
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise OutputError(f"{outdir}: exists and is not a directory")
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{outdir}: cannot create the directory "
                          f"({e.strerror or e})") from None
    jobs, lines = plan(datas)
    for line in lines:
        print(line, file=notes)
    written, failures = [], []
    for d, kind, name in jobs:
        try:
            fig = _PLOTTERS[kind](d)
        except Exception as e:          # a malformed file: say so, draw the rest
            msg = f"{d['path']}: cannot draw {kind} ({type(e).__name__}: {e})"
            print(f"{PROG}: {msg}", file=notes)
            failures.append(msg)
            continue
        for fmt in formats:
            out = os.path.join(outdir, f"{name}.{fmt}")
            with _quiet():
                save(fig, out, fmt, dpi)
            written.append(out)
            if on_write is not None:
                on_write(out)
    if failures:
        raise DrawError(failures, written)
    return written


class _quiet:
    """Silence matplotlib's warnings while saving (the layout is fixed)."""

    def __enter__(self):
        import warnings
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._w.__exit__(*exc)


def _formats(text):
    fmts = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    if not fmts:
        raise argparse.ArgumentTypeError("no format given")
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown format {bad[0]!r} (choose from {', '.join(FORMATS)})")
    return list(dict.fromkeys(fmts))


def _dpi(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 10 <= v <= 1200:
        raise argparse.ArgumentTypeError(f"{v} is outside 10..1200")
    return v


def main(argv=None):
    """The command line; returns the exit status."""
    ap = argparse.ArgumentParser(
        prog=PROG,
        description="Figures for a budget memo from bcsim result files (bcsim run, "
                    "bcsim sobol): distribution and S-curve of the average annual gain, "
                    "fan chart by year, tornado, Sobol' indices, break-even year, value "
                    "of information (EVPPI), affordability curve, package frontier.")
    ap.add_argument("files", nargs="+", metavar="FILE.h5", help="bcsim result files")
    ap.add_argument("-o", "--outdir", required=True, metavar="DIR",
                    help="directory for the figures (created if missing)")
    ap.add_argument("--format", type=_formats, default=["png", "pdf"], metavar="png,pdf",
                    help="comma-separated formats: png, pdf, svg (default png,pdf)")
    ap.add_argument("--dpi", type=_dpi, default=150, metavar="N",
                    help="resolution of the PNGs (default 150)")
    args = ap.parse_args(argv)
    try:
        import h5py  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as e:
        print(f"{PROG}: {e}; {NEEDS}", file=sys.stderr)
        return 1

    def report(path):
        # a reader that stops early (| head) does not stop the figures
        try:
            print(path, flush=True)
        except BrokenPipeError:
            sys.stdout = open(os.devnull, "w")

    try:
        make_all(args.files, args.outdir, args.format, args.dpi, notes=sys.stderr,
                 on_write=report)
    except (NotBcsimResult, OutputError) as e:
        print(f"{PROG}: {_one_line(e)}", file=sys.stderr)
        return 2
    except DrawError:
        return 1
    except OSError as e:
        where = getattr(e, "filename", None)
        print(f"{PROG}: {where + ': ' if where else ''}cannot write "
              f"({e.strerror or _one_line(e)})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _one_line(e):
    return " ".join(str(e).split())


if __name__ == "__main__":
    sys.exit(main())
