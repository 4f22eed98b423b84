#!/usr/bin/python3
"""peer_numpy.py: a vectorised numpy implementation of the bcsim model, for comparison.

This is the tool an analyst would otherwise write in an afternoon: read the same YAML
model file, draw every uncertain input with numpy's native samplers, evaluate the
business case (MODEL.md sections 2-4) for a whole chunk of runs at once, and report,
per proposal and for the portfolio, the mean average annual gain, its P5/P50/P95 and
the break-even probability. It exists to compare throughput with the C engine
(`bcsim run`), and as an independent check of its means.

    peer_numpy.py MODEL.yaml -n RUNS [--seed S] [--chunk C] [--no-corr]
    peer_numpy.py MODEL.yaml --base

Only numpy and yaml (Debian python3-numpy, python3-yaml); no scipy.

Single-threaded: numpy's random Generator (PCG64) and the element-wise array operations
used here all run on one core (no BLAS-heavy work: the only matrix product is the tiny
copula Cholesky factor). The C program uses every core; divide its rate by the thread
count for a per-core comparison.

Correlations (rank correlations, Gaussian copula) are imposed by reordering within each
chunk (Iman-Conover style): draw correlated standard normals Z = N(0,1)^k L^T with
L L^T = R, R_ij = 2 sin(pi rho_s / 6), draw each correlated input with its native
sampler, and hand the sorted draws out in the rank order of its column of Z. Each input
keeps its exact marginal, and its ranks follow the Gaussian copula's (the empirical
copula of Z). That needs no inverse CDF (no scipy) and costs one sort and one argsort
per correlated input per chunk. `--no-corr` turns it off.

Timing covers sampling, evaluation and statistics (including the percentiles over
the kept avg_gain arrays), not reading the YAML.
"""

import argparse
import math
import sys
import time

import numpy as np
import yaml


# ----------------------------------------------------------------------------------------
# Distributions (MODEL.md section 5)


class ModelError(Exception):
    pass


def _num(x, what):
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ModelError(f"{what}: expected a number, got {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ModelError(f"{what}: must be finite")
    return x


def _phi(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _Phi(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


class Fixed:
    def __init__(self, value):
        self.value = value
        self.base = value
        self.random = False

    def sample(self, rng, n):
        return self.value  # a scalar, broadcast by numpy


class Dist:
    """One uncertain input: its sampler and its base value."""

    random = True

    def __init__(self, spec, name):
        self.name = name
        p = dict(spec)
        kind = p.pop("dist", None)
        base = p.pop("base", None)
        self.kind = kind

        def get(key, default=None, required=True):
            if key in p:
                return _num(p.pop(key), f"{name}.{key}")
            if default is not None or not required:
                return default
            raise ModelError(f"{name}: {kind} distribution needs '{key}'")

        if kind == "uniform":
            self.lo, self.hi = get("min"), get("max")
            if not self.lo < self.hi:
                raise ModelError(f"{name}: min must be < max")
            default_base = 0.5 * (self.lo + self.hi)
        elif kind == "normal":
            self.mean, self.sd = get("mean"), get("sd")
            self.lo = get("min", required=False)
            self.hi = get("max", required=False)
            if not self.sd > 0:
                raise ModelError(f"{name}: sd must be > 0")
            lo = -math.inf if self.lo is None else self.lo
            hi = math.inf if self.hi is None else self.hi
            if not lo < hi:
                raise ModelError(f"{name}: min must be < max")
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            mass = _Phi(b) - _Phi(a)
            if mass < 1e-6:
                raise ModelError(f"{name}: [min, max] holds almost no probability")
            self.truncated = self.lo is not None or self.hi is not None
            self.tlo, self.thi, self.mass = lo, hi, mass
            pa = _phi(a) if math.isfinite(a) else 0.0
            pb = _phi(b) if math.isfinite(b) else 0.0
            default_base = self.mean + self.sd * (pa - pb) / mass  # mean after truncation
        elif kind == "lognormal":
            mean, sd = get("mean"), get("sd")
            if not (mean > 0 and sd > 0):
                raise ModelError(f"{name}: lognormal needs mean > 0 and sd > 0")
            s2 = math.log1p((sd / mean) ** 2)
            self.mu, self.sigma = math.log(mean) - 0.5 * s2, math.sqrt(s2)
            default_base = mean
        elif kind == "triangular":
            self.lo, self.mode, self.hi = get("min"), get("mode"), get("max")
            if not (self.lo < self.hi and self.lo <= self.mode <= self.hi):
                raise ModelError(f"{name}: need min < max and mode in [min, max]")
            default_base = self.mode
        elif kind == "pert":
            lo, mode, hi = get("min"), get("mode"), get("max")
            lam = get("lambda", 4.0)
            if not (lo < hi and lo <= mode <= hi and lam > 0):
                raise ModelError(f"{name}: need min < max, mode in [min, max], lambda > 0")
            self.lo, self.hi = lo, hi
            self.a = 1 + lam * (mode - lo) / (hi - lo)
            self.b = 1 + lam * (hi - mode) / (hi - lo)
            default_base = mode
        elif kind == "beta":
            self.lo, self.hi = get("min", 0.0), get("max", 1.0)
            if not self.lo < self.hi:
                raise ModelError(f"{name}: min must be < max")
            w = self.hi - self.lo
            if "alpha" in p or "beta" in p:
                if "mean" in p or "sd" in p:
                    raise ModelError(f"{name}: beta takes mean/sd or alpha/beta, not both")
                self.a, self.b = get("alpha"), get("beta")
                if not (self.a > 0 and self.b > 0):
                    raise ModelError(f"{name}: alpha and beta must be > 0")
            else:
                m = (get("mean") - self.lo) / w
                s = get("sd") / w
                if not (0 < m < 1 and s > 0):
                    raise ModelError(f"{name}: need mean inside (min, max) and sd > 0")
                k = m * (1 - m) / (s * s) - 1
                if not k > 0:
                    raise ModelError(f"{name}: sd too large for a beta")
                self.a, self.b = m * k, (1 - m) * k
            default_base = self.lo + w * self.a / (self.a + self.b)
        elif kind == "gamma":
            mean, sd = get("mean"), get("sd")
            if not (mean > 0 and sd > 0):
                raise ModelError(f"{name}: gamma needs mean > 0 and sd > 0")
            self.shape, self.scale = mean * mean / (sd * sd), sd * sd / mean
            default_base = mean
        elif kind == "discrete":
            vals, wts = p.pop("values", None), p.pop("weights", None)
            if not isinstance(vals, list) or not isinstance(wts, list) or len(vals) != len(wts) \
                    or not vals:
                raise ModelError(f"{name}: discrete needs values and weights of equal length")
            self.values = np.array([_num(v, f"{name}.values") for v in vals])
            w = np.array([_num(v, f"{name}.weights") for v in wts])
            if not np.all(w > 0):
                raise ModelError(f"{name}: weights must be positive")
            self.p = w / w.sum()
            default_base = float(self.values @ self.p)
        else:
            raise ModelError(f"{name}: unknown distribution {kind!r}")
        if p:
            raise ModelError(f"{name}: unknown key(s) {sorted(p)} for {kind}")
        self.base = default_base if base is None else _num(base, f"{name}.base")

    def sample(self, rng, n):
        k = self.kind
        if k == "uniform":
            return rng.uniform(self.lo, self.hi, n)
        if k == "normal":
            x = rng.normal(self.mean, self.sd, n)
            if self.truncated:  # rejection: redraw what falls outside [min, max]
                bad = np.flatnonzero((x < self.tlo) | (x > self.thi))
                while bad.size:
                    y = rng.normal(self.mean, self.sd, bad.size)
                    x[bad] = y
                    bad = bad[(y < self.tlo) | (y > self.thi)]
            return x
        if k == "lognormal":
            return rng.lognormal(self.mu, self.sigma, n)
        if k == "triangular":
            return rng.triangular(self.lo, self.mode, self.hi, n)
        if k in ("pert", "beta"):
            return self.lo + (self.hi - self.lo) * rng.beta(self.a, self.b, n)
        if k == "gamma":
            return rng.gamma(self.shape, self.scale, n)
        if k == "discrete":
            return rng.choice(self.values, n, p=self.p)
        raise AssertionError(k)


def make_input(x, name, default=None):
    if x is None:
        if default is None:
            raise ModelError(f"{name} is required")
        return Fixed(float(default))
    if isinstance(x, dict):
        return Dist(x, name)
    return Fixed(_num(x, name))


# ----------------------------------------------------------------------------------------
# The model file


class Proposal:
    pass


class Model:
    def __init__(self, doc):
        hz = doc.get("horizon") or {}
        self.y0 = int(hz.get("start_year", 2026))
        self.H = H = int(hz.get("years", 5))
        self.r = _num(doc.get("discount_rate", 0), "discount_rate")
        un = doc.get("unemployment") or {}
        self.inputs = {}  # canonical name -> Fixed | Dist
        self.drift = self._add("unemployment.drift", un.get("drift"), 0.0)
        self.sigma = _num(un.get("volatility", 0), "unemployment.volatility")
        if self.sigma < 0:
            raise ModelError("volatility must be >= 0")
        self.proposals = []
        for q in doc["proposals"]:
            p = Proposal()
            p.id = q["id"]
            pre = p.id + "."
            p.I = self._add(pre + "investment", q.get("investment"))
            p.n = self._add(pre + "participants", q.get("participants"))
            p.e = self._add(pre + "effect", q.get("effect"))
            p.eta = self._add(pre + "elasticity", q.get("elasticity"), 0.0)
            p.s = self._add(pre + "start", q.get("start"), 0.0)
            p.d = self._add(pre + "duration", q.get("duration"))
            p.u = self._add(pre + "unit_cost", q.get("unit_cost"))
            p.profile = self._vec(q.get("investment_profile"), pre + "investment_profile")
            p.k = self._vec(q.get("unit_cost_index"), pre + "unit_cost_index")
            p.lines = []
            for ln in q.get("savings") or []:
                if ln["per"] not in ("fte", "exit", "year"):
                    raise ModelError(f"{pre}savings.{ln['name']}: per must be fte, exit or year")
                name = pre + "savings." + ln["name"]
                self._add(name, ln.get("amount"))
                p.lines.append((ln["per"], name))
            self.proposals.append(p)
        self.outputs = [p.id for p in self.proposals] + ["portfolio"]
        self.disc = (1.0 + self.r) ** -np.arange(H)
        # correlations: rank rho_s -> normal rho = 2 sin(pi rho_s / 6)
        self.corr_names = []
        pairs = []
        for a, b, rho in doc.get("correlations") or []:
            for nm in (a, b):
                if nm not in self.inputs or not self.inputs[nm].random:
                    raise ModelError(f"correlation names an unknown or fixed input {nm!r}")
                if nm not in self.corr_names:
                    self.corr_names.append(nm)
            pairs.append((a, b, _num(rho, "rho")))
        k = len(self.corr_names)
        R = np.eye(k)
        for a, b, rho in pairs:
            i, j = self.corr_names.index(a), self.corr_names.index(b)
            R[i, j] = R[j, i] = 2 * math.sin(math.pi * rho / 6)
        self.chol = np.linalg.cholesky(R) if k else None  # raises if not positive definite

    def _add(self, name, x, default=None):
        inp = make_input(x, name, default)
        self.inputs[name] = inp
        return inp

    def _vec(self, x, name):
        if x is None:
            return np.ones(self.H)
        v = np.array([_num(t, name) for t in x])
        if v.shape != (self.H,):
            raise ModelError(f"{name}: needs {self.H} factors")
        return v


# ----------------------------------------------------------------------------------------
# Sampling and evaluation


def draw(model, rng, n, corr):
    """Draw every input for n runs: name -> array (n,) or scalar; shocks (n, H) or None."""
    vals = {}
    for name, inp in model.inputs.items():
        vals[name] = inp.sample(rng, n)
    shocks = rng.standard_normal((n, model.H)) if model.sigma > 0 else None
    if corr and model.corr_names:
        # Gaussian copula by reordering: sorted draws handed out in the ranks of Z.
        z = rng.standard_normal((n, len(model.corr_names))) @ model.chol.T
        for j, name in enumerate(model.corr_names):
            x = np.sort(vals[name])
            out = np.empty_like(x)
            out[np.argsort(z[:, j])] = x
            vals[name] = out
    return vals, shocks


def col(x):
    """(n,) -> (n, 1) so it broadcasts against (n, H); scalars pass through."""
    return x[:, None] if isinstance(x, np.ndarray) else x


def evaluate(model, vals, shocks, n):
    """Gain per output and year: list of (n, H) arrays, proposals then portfolio."""
    H = model.H
    g = vals["unemployment.drift"]
    step = np.log1p(col(g)) if isinstance(g, np.ndarray) else np.full((1, 1), math.log1p(g))
    if shocks is not None:
        step = step + model.sigma * shocks
    lnU = np.cumsum(np.broadcast_to(step, (n, H)), axis=1)  # ln U_t, t = 0..H-1
    lags = np.arange(H)
    gains = []
    for p in model.proposals:
        pre = p.id + "."
        n_, e, eta = vals[pre + "participants"], vals[pre + "effect"], vals[pre + "elasticity"]
        s, d, u, I = (vals[pre + "start"], vals[pre + "duration"], vals[pre + "unit_cost"],
                      vals[pre + "investment"])
        # X_c = n e U_c^(-eta)
        m = np.exp(-col(eta) * lnU) if isinstance(eta, np.ndarray) or eta != 0 else 1.0
        X = np.broadcast_to(col(n_ * e) * m, (n, H))
        # F_t = sum_{c<=t} X_c ov(c+s, c+s+d; t, t+1); the overlap depends only on the lag
        # j = t - c: W_j = max(0, min(s+d, j+1) - max(s, j)).
        W = np.maximum(0.0, np.minimum(col(s + d), lags + 1) - np.maximum(col(s), lags))
        W = np.broadcast_to(W, (n, H))
        F = X * W[:, :1]
        for j in range(1, H):
            F[:, j:] += X[:, :H - j] * W[:, j:j + 1]
        G = F * (col(u) * p.k * 1e-6)  # benefit savings B_t
        for per, name in p.lines:
            amt = vals[name]
            if per == "fte":
                G += F * (col(amt) * 1e-6)
            elif per == "exit":
                G += X * (col(amt) * 1e-6)
            else:
                G += col(amt)
        G -= col(I) * p.profile
        gains.append(G)
    gains.append(sum(gains[1:], gains[0].copy()))
    return gains


def base_values(model):
    return {name: inp.base for name, inp in model.inputs.items()}


# ----------------------------------------------------------------------------------------
# Command line


def main(argv=None):
    ap = argparse.ArgumentParser(description="numpy peer of bcsim run (throughput comparison)")
    ap.add_argument("model")
    ap.add_argument("-n", "--runs", type=float, default=1e6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk", type=float, default=1e5)
    ap.add_argument("--no-corr", action="store_true", help="ignore the correlations")
    ap.add_argument("--base", action="store_true",
                    help="one run with every input at its base value and no shocks")
    a = ap.parse_args(argv)

    try:
        with open(a.model, encoding="utf-8") as f:
            model = Model(yaml.safe_load(f))
    except (ModelError, KeyError, TypeError, np.linalg.LinAlgError) as ex:
        print(f"peer_numpy: {a.model}: {ex}", file=sys.stderr)
        return 2

    if a.base:
        vals = {k: np.array([v]) for k, v in base_values(model).items()}
        gains = evaluate(model, vals, None, 1)
        for name, G in zip(model.outputs, gains):
            npv = float(G[0] @ model.disc)
            print(f"{name:<12} avg_gain {G[0].mean():8.4f}  npv {npv:8.4f}  gain "
                  + " ".join(f"{x:7.3f}" for x in G[0]))
        return 0

    runs, chunk = int(a.runs), max(1, int(a.chunk))
    if runs < 1 or runs != a.runs:
        print("peer_numpy: -n must be a positive whole number", file=sys.stderr)
        return 2
    corr = not a.no_corr and bool(model.corr_names)
    k = len(model.outputs)

    t0 = time.perf_counter()
    rng = np.random.Generator(np.random.PCG64(a.seed))
    avg = np.empty((k, runs))  # kept for the percentiles
    sum_npv = np.zeros(k)
    n_be = np.zeros(k, dtype=np.int64)
    done = 0
    while done < runs:
        n = min(chunk, runs - done)
        vals, shocks = draw(model, rng, n, corr)
        for i, G in enumerate(evaluate(model, vals, shocks, n)):
            ag = G.mean(axis=1)
            avg[i, done:done + n] = ag
            sum_npv[i] += (G @ model.disc).sum()
            n_be[i] += np.count_nonzero(ag >= 0)
        done += n
    mean = avg.mean(axis=1)
    q = np.percentile(avg, [5, 50, 95], axis=1)
    pbe = n_be / runs
    secs = time.perf_counter() - t0

    print(f"# {runs} runs, seed {a.seed}, chunk {chunk}, correlations "
          + ("imposed (Gaussian copula by reordering)" if corr else
             "IGNORED" if model.corr_names else "none in the model"))
    print(f"{'output':<12} {'mean':>9} {'P5':>9} {'P50':>9} {'P95':>9} {'P(be)':>8} {'npv':>9}")
    for i, name in enumerate(model.outputs):
        print(f"{name:<12} {mean[i]:9.4f} {q[0, i]:9.4f} {q[1, i]:9.4f} {q[2, i]:9.4f} "
              f"{pbe[i]:8.4f} {sum_npv[i] / runs:9.4f}")
    print(f"peer_numpy: {runs} runs in {secs:.3f} s = {runs / secs:.0f} runs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
