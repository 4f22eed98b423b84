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
    peer_numpy.py MODEL.yaml --sobol N [--bootstrap B] [--seed S] [--chunk C]

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

`--sobol N` is the peer of `bcsim sobol --sampler mc`, done SALib-style (see sobol()):
the k groups are the uncertain inputs (`unemployment.shocks`, H columns, is one group);
A and B are N rows of independent draws of every input from numpy's native samplers,
AB_j is A with group j's columns taken from B, and f(A), f(B), f(AB_j) are N (k + 2)
evaluations, vectorised over chunks of rows. For avg_gain, npv and the break-even
indicator (avg_gain >= 0) of every proposal and the portfolio: V = var(fA and fB
together), first order S_j = mean(fB (fAB_j - fA)) / V (Saltelli 2010), total
ST_j = mean((fA - fAB_j)^2) / (2 V) (Jansen), with outputs shifted by their base case
as bcsim does (a constant: it changes no expectation, only keeps the sums well
conditioned). Bootstrap: B replicates, each resampling the N rows with replacement;
95 % percentile intervals. CORRELATIONS ARE IGNORED in this mode (the inputs are drawn
independently), so the indices are those of the independent model; bcsim's, with the
copula, are those of the independent uniforms behind it. Timing covers sampling,
evaluation, estimators and bootstrap, not reading the YAML.
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
# Sobol' indices (--sobol): the A/B/AB_j design, SALib-style


def sobol_groups(model):
    """The k groups: every uncertain input, with unemployment.shocks (H columns) as one."""
    groups = []
    for name, inp in model.inputs.items():
        if inp.random:
            groups.append(name)
        if name == "unemployment.drift" and model.sigma > 0:
            groups.append("unemployment.shocks")
    return groups


def quantities(model, vals, shocks, n):
    """(n, 3 O): avg_gain of every output, then npv, then the indicator avg_gain >= 0."""
    O = len(model.outputs)
    out = np.empty((n, 3 * O))
    for o, G in enumerate(evaluate(model, vals, shocks, n)):
        ag = G.mean(axis=1)
        out[:, o] = ag
        out[:, O + o] = G @ model.disc
        out[:, 2 * O + o] = ag >= 0
    return out


def bootstrap_counts(rng, sizes, boot):
    """Resampling N = sum(sizes) row indices with replacement, boot times, chunk by chunk.

    Yields, for each chunk of rows, the (boot, size) float matrix of how often each row
    was drawn. Mathematically the same as SALib's r = rng.integers(N, size=(N, B)) and
    fA[r] etc.: first how many of the N draws fall in each chunk (a multinomial over the
    chunks), then which rows of the chunk they hit. Replicate means become a product
    counts @ terms / N, so no replicate's (N, ...) gather is ever materialised.
    """
    N = sum(sizes)
    per_chunk = rng.multinomial(N, np.array(sizes) / N, size=boot)  # (boot, chunks)
    for c, n in enumerate(sizes):
        W = np.empty((boot, n))
        for r0 in range(0, boot, 32):  # 32 replicates at a time: small temporaries
            r1 = min(boot, r0 + 32)
            rep = np.repeat(np.arange(r1 - r0), per_chunk[r0:r1, c])
            idx = rep * n + rng.integers(0, n, rep.size)
            W[r0:r1] = np.bincount(idx, minlength=(r1 - r0) * n).reshape(r1 - r0, n)
        yield W


def indices_from_sums(fixed, terms, N):
    """fixed (..., 4, ny): sums of fA, fB, fA^2, fB^2; terms (..., k, 2, ny): sums of
    fB (fAB_j - fA) and (fA - fAB_j)^2. Returns V (..., ny), S and ST (..., k, ny)."""
    m = (fixed[..., 0, :] + fixed[..., 1, :]) / (2 * N)
    V = (fixed[..., 2, :] + fixed[..., 3, :]) / (2 * N) - m * m  # var, ddof 0, as np.var
    with np.errstate(divide="ignore", invalid="ignore"):
        Vj = np.where(V > 0, V, np.nan)[..., None, :]
        S = terms[..., 0, :] / N / Vj
        ST = terms[..., 1, :] / (2 * N) / Vj
    return V, S, ST


def sobol(model, N, boot, seed, chunk, level=0.95):
    groups = sobol_groups(model)
    k, O = len(groups), len(model.outputs)
    ny = 3 * O
    s_design, s_boot = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.Generator(np.random.PCG64(s_design))
    rng_b = np.random.Generator(np.random.PCG64(s_boot))

    # shift every quantity by its base case (a constant, as bcsim does)
    base = {name: np.array([v]) for name, v in base_values(model).items()}
    shift = quantities(model, base, None, 1)[0]

    sizes = [min(chunk, N - i) for i in range(0, N, chunk)]
    fixed = np.zeros((4, ny))  # sums of fA, fB, fA^2, fB^2
    terms = np.zeros((k, 2, ny))  # sums of fB (fAB_j - fA), (fA - fAB_j)^2
    bfixed = np.zeros((boot, 4, ny))
    bterms = np.zeros((boot, k, 2, ny))
    counts = bootstrap_counts(rng_b, sizes, boot) if boot else None
    for n in sizes:
        A, A_sh = draw(model, rng, n, False)
        B, B_sh = draw(model, rng, n, False)
        fA = quantities(model, A, A_sh, n) - shift
        fB = quantities(model, B, B_sh, n) - shift
        W = next(counts) if boot else None
        t = np.concatenate([fA, fB, fA * fA, fB * fB], axis=1)  # (n, 4 ny)
        fixed += t.sum(axis=0).reshape(4, ny)
        if boot:
            bfixed += (W @ t).reshape(boot, 4, ny)
        for j, g in enumerate(groups):
            AB, AB_sh = dict(A), A_sh  # AB_j: A with group j's columns from B
            if g == "unemployment.shocks":
                AB_sh = B_sh
            else:
                AB[g] = B[g]
            d = quantities(model, AB, AB_sh, n) - shift - fA  # fAB_j - fA
            t = np.concatenate([fB * d, d * d], axis=1)  # (n, 2 ny)
            terms[j] += t.sum(axis=0).reshape(2, ny)
            if boot:
                bterms[:, j] += (W @ t).reshape(boot, 2, ny)
        W = None  # free this chunk's counts before the next chunk's are made

    V, S, ST = indices_from_sums(fixed, terms, N)
    res = {"groups": groups, "V": V, "S": S, "ST": ST, "mean": fixed[:2].sum(0) / (2 * N) + shift,
           "evaluations": N * (k + 2), "boot": boot}
    if boot:
        _, bS, bST = indices_from_sums(bfixed, bterms, N)
        p = [50 * (1 - level), 50 * (1 + level)]
        res["S_ci"] = np.percentile(bS, p, axis=0)  # (2, k, ny), type 7 as bcsim
        res["ST_ci"] = np.percentile(bST, p, axis=0)
    return res


def print_sobol(model, res, N, seed, level):
    O = len(model.outputs)
    groups = res["groups"]
    d = sum(model.H if g == "unemployment.shocks" else 1 for g in groups)
    print(f"# Sobol' indices, {N} base samples, seed {seed}: {len(groups)} input group{'s' if len(groups) > 1 else ''} "
          f"({d} components), plain Monte Carlo A/B (numpy PCG64, native samplers), "
          "correlations " + ("IGNORED" if model.corr_names else "none in the model"))
    y = O - 1  # the portfolio's avg_gain
    print(f"portfolio: average annual gain (mean {res['mean'][y]:.4g}, "
          f"variance {res['V'][y]:.4g})")
    print(f"  {'input':<32} {'first order':^23}  {'total':^23}".rstrip())
    S, ST = res["S"][:, y], res["ST"][:, y]
    order = np.argsort(-np.nan_to_num(ST, nan=-np.inf), kind="stable")
    for j in order:
        if res["boot"]:
            sl, sh = res["S_ci"][:, j, y]
            tl, th = res["ST_ci"][:, j, y]
            print(f"  {groups[j]:<32} {S[j]:6.3f} [{sl:6.3f}, {sh:6.3f}]"
                  f"  {ST[j]:6.3f} [{tl:6.3f}, {th:6.3f}]")
        else:
            print(f"  {groups[j]:<32} {S[j]:6.3f} {'':16}  {ST[j]:6.3f}")
    ybe = 2 * O + O - 1
    STb = res["ST"][:, ybe]
    if np.all(np.isnan(STb)):
        print("  break-even (avg_gain >= 0): the indicator does not vary")
    else:
        top = np.argsort(-np.nan_to_num(STb, nan=-np.inf), kind="stable")[:3]
        print("  break-even risk (avg_gain >= 0) driven by: "
              + ", ".join(f"{groups[j]} (total {STb[j]:.2f})" for j in top))
    if res["boot"]:
        print(f"Intervals: {100 * level:g} % bootstrap percentile intervals from "
              f"{res['boot']} replicates (rows resampled with replacement).")


# ----------------------------------------------------------------------------------------
# Command line


def main(argv=None):
    ap = argparse.ArgumentParser(description="numpy peer of bcsim run (throughput comparison)")
    ap.add_argument("model")
    ap.add_argument("-n", "--runs", type=float, default=1e6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk", type=float, default=None,
                    help="rows per chunk (default 1e5 runs; 16384 base samples for --sobol)")
    ap.add_argument("--no-corr", action="store_true", help="ignore the correlations")
    ap.add_argument("--base", action="store_true",
                    help="one run with every input at its base value and no shocks")
    ap.add_argument("--sobol", type=float, metavar="N",
                    help="Sobol' indices from N base samples (N (k + 2) evaluations), "
                         "like bcsim sobol --sampler mc; correlations ignored")
    ap.add_argument("--bootstrap", type=int, default=200, metavar="B",
                    help="bootstrap replicates for --sobol (default 200, 0 = none)")
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

    if a.sobol is not None:
        N = int(a.sobol)
        if N < 2 or N != a.sobol:
            print("peer_numpy: --sobol needs a whole number N >= 2", file=sys.stderr)
            return 2
        if a.bootstrap < 0 or 0 < a.bootstrap < 10:
            print("peer_numpy: --bootstrap must be 0 or at least 10", file=sys.stderr)
            return 2
        if not sobol_groups(model):
            print("peer_numpy: the model has no uncertain inputs", file=sys.stderr)
            return 2
        chunk = max(1, int(a.chunk)) if a.chunk is not None else 16384
        t0 = time.perf_counter()
        res = sobol(model, N, a.bootstrap, a.seed, chunk)
        secs = time.perf_counter() - t0
        print_sobol(model, res, N, a.seed, 0.95)
        ev = res["evaluations"]
        print(f"peer_numpy sobol: {N} base samples, {ev} evaluations, {a.bootstrap} bootstrap "
              f"in {secs:.3f} s = {ev / secs:.0f} evaluations/s")
        return 0

    runs = int(a.runs)
    chunk = max(1, int(a.chunk)) if a.chunk is not None else 100000
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
