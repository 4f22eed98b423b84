#!/usr/bin/python3
"""make_catalogue.py [-p PROPOSALS] [-y YEARS] [-o FILE]: write a synthetic budget
catalogue as a bcsim model file, for benchmarks and scale tests (not a real budget).

Each proposal is made from its index alone (no random numbers), cycling through every
kind of distribution for each field, every kind of savings line, investment profiles,
unit-cost indices; the model has a discount rate, unemployment shocks and a copula block
(effect and duration of the first proposals, and their effects among themselves). The
proposals are calibrated to break about even at their base values, as a catalogue's
proposals are. The same arguments always give the same file, byte for byte.

benchmarks/catalogue-50x20.yaml is `make_catalogue.py -p 50 -y 20`."""
import argparse
import sys


def num(x):
    return ("%.6g" % x)


def dist(kind, centre, spread, lo=None, hi=None):
    """A distribution of `kind` around `centre` with relative spread `spread`."""
    c, s = centre, abs(centre) * spread
    if kind == "uniform":
        return "{dist: uniform, min: %s, max: %s}" % (num(c - s), num(c + s))
    if kind == "normal":
        extra = "" if lo is None else ", min: %s, max: %s" % (num(lo), num(hi))
        return "{dist: normal, mean: %s, sd: %s%s}" % (num(c), num(s / 2), extra)
    if kind == "lognormal":
        return "{dist: lognormal, mean: %s, sd: %s}" % (num(c), num(s / 2))
    if kind == "triangular":
        return "{dist: triangular, min: %s, mode: %s, max: %s}" % (num(c - s), num(c), num(c + s * 1.2))
    if kind == "pert":
        return "{dist: pert, min: %s, mode: %s, max: %s}" % (num(c - s * 1.2), num(c), num(c + s))
    if kind == "beta":
        return "{dist: beta, mean: %s, sd: %s, min: %s, max: %s}" % (
            num(c), num(s / 3), num(c - s), num(c + s))
    if kind == "gamma":
        return "{dist: gamma, mean: %s, sd: %s}" % (num(c), num(s / 2))
    if kind == "discrete":
        return "{dist: discrete, values: [%s, %s, %s], weights: [1, 2, 1]}" % (
            num(c - s), num(c), num(c + s))
    raise ValueError(kind)


def proposal(i, years):
    kinds = ["triangular", "pert", "beta", "normal", "uniform", "lognormal", "gamma", "discrete"]
    k = lambda j: kinds[(i + j) % len(kinds)]
    invest = 1.0 + (i % 7) * 0.9                  # mDKK a year
    effect = 0.08 + (i % 5) * 0.04                # exits per participant
    duration = 0.6 + (i % 4) * 0.25               # years
    unit_cost = 90000 + (i % 6) * 20000           # DKK per full-year person
    start = 0.1 * (i % 3)
    # participants so that the base case breaks about even (+-10 %)
    savings_per_participant = effect * duration * unit_cost / 1e6
    participants = round(invest / savings_per_participant * (0.95 + 0.05 * (i % 3)))
    lines = []
    pid = "p%03d" % i
    lines.append("  - id: %s" % pid)
    lines.append("    name: Synthetic proposal %d" % i)
    inv_kind = ["fixed", "normal", "lognormal", "gamma"][i % 4]
    if inv_kind == "fixed":
        lines.append("    investment: %s" % num(invest))
    elif inv_kind == "normal":
        lines.append("    investment: %s" % dist("normal", invest, 0.1, invest * 0.7, invest * 1.3))
    else:
        lines.append("    investment: %s" % dist(inv_kind, invest, 0.1))
    if i % 3 == 0:  # front-loaded investment
        prof = [1.5 if t == 0 else 1.0 for t in range(years)]
        lines.append("    investment_profile: [%s]" % ", ".join(num(x) for x in prof))
    if i % 5 == 1:
        lines.append("    participants: %s" % dist("uniform", participants, 0.1))
    else:
        lines.append("    participants: %d" % participants)
    ek = k(0)
    if ek in ("lognormal", "gamma"):
        ek = "triangular"
    lines.append("    effect: %s" % dist(ek, effect, 0.5, -0.2, 0.9))
    el = i % 3
    if el == 0:
        lines.append("    elasticity: {dist: uniform, min: -1, max: 1, base: 0}")
    elif el == 1:
        lines.append("    elasticity: {dist: normal, mean: 0.3, sd: 0.4}")
    if start > 0:
        lines.append("    start: {dist: triangular, min: 0, mode: %s, max: %s}" % (num(start), num(start + 0.3)))
    dk = k(2)
    if dk in ("normal", "uniform", "discrete"):
        dk = "gamma"
    lines.append("    duration: %s" % dist(dk, duration, 0.4))
    uk = k(4)
    if uk == "lognormal":
        uk = "pert"
    lines.append("    unit_cost: %s" % dist(uk, unit_cost, 0.15, unit_cost * 0.6, unit_cost * 1.4))
    if i % 2 == 0:  # indexation 2 % a year
        idx = [1.02 ** t for t in range(years)]
        lines.append("    unit_cost_index: [%s]" % ", ".join(num(x) for x in idx))
    sv = []
    if i % 3 == 0:
        sv.append("      - {name: decentral, per: fte, amount: %s}" % dist("triangular", 15000, 0.5))
    if i % 3 == 1:
        sv.append("      - {name: grants, per: exit, amount: %s}" % dist("discrete", 12000, 0.5))
    if i % 4 == 2:
        sv.append("      - {name: other, per: year, amount: %s}" % dist("normal", 0.1, 0.5))
    if sv:
        lines.append("    savings:")
        lines.extend(sv)
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-p", "--proposals", type=int, default=50)
    ap.add_argument("-y", "--years", type=int, default=20)
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    if a.proposals < 1 or not 1 <= a.years <= 100:
        ap.error("need at least one proposal and 1 to 100 years")
    out = ["# Synthetic budget catalogue: %d proposals over %d years, for benchmarks and"
           % (a.proposals, a.years),
           "# scale tests (not a real budget). Made by benchmarks/make_catalogue.py -p %d -y %d;"
           % (a.proposals, a.years),
           "# do not edit: regenerate.",
           "model: catalogue-%dx%d" % (a.proposals, a.years),
           "title: Synthetic catalogue of %d proposals" % a.proposals,
           "horizon: {start_year: 2026, years: %d}" % a.years,
           "discount_rate: 0.035",
           "unemployment:",
           "  drift: {dist: triangular, min: -0.02, mode: 0.02, max: 0.085, base: 0}",
           "  volatility: 0.05",
           "proposals:"]
    for i in range(a.proposals):
        out.extend(proposal(i, a.years))
    # a copula block: effect and duration of the first proposals, effects among themselves
    block = min(a.proposals, 6)
    corr = []
    for i in range(block):
        corr.append("  - [p%03d.effect, p%03d.duration, 0.3]" % (i, i))
    for i in range(block):
        for j in range(i + 1, block):
            corr.append("  - [p%03d.effect, p%03d.effect, 0.2]" % (i, j))
    if corr:
        out.append("correlations:")
        out.extend(corr)
    text = "\n".join(out) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
