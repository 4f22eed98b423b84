/* quantile.c: the sampler's quantile functions (see quantile_int.h): the
 * beta and gamma tables, built from GSL's CDFs, and every kind's
 * quantile function evaluated many values at a time, by plain arithmetic
 * that the compiler turns into vector instructions. */
#include "quantile_int.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "simd_int.h"
#include "vmath_int.h"

/* The loops below vectorise only if what they call is inlined into them. */
#define BC_INLINE static inline __attribute__((always_inline))

int bc_qtable_wants(const bc_dist *d)
{
    return d->kind == BC_DIST_BETA || d->kind == BC_DIST_PERT || d->kind == BC_DIST_GAMMA;
}

/* y and dy/ds at s for the table's distribution. Slopes come from the
 * density in log form, so that they stay finite where the density under- or
 * overflows: for a beta, dy/ds = u (1-u) B(a,b) / (z^a (1-z)^b); for a gamma,
 * dy/ds = u (1-u) / (Q f(Q)). c[0], c[1]: the constants of the density's log,
 * computed once a table (ln B(a,b); or ln Gamma(k) and k ln theta). */
static void qtable_node(const bc_qtable *t, const bc_dist *d, const double *c, double s,
                        double *y, double *dy)
{
    double u = 1 / (1 + exp(-s)), v = 1 / (1 + exp(s)); /* u and 1 - u */
    double lu = -log1p(exp(-s)), lv = -log1p(exp(s));   /* their logs */
    if (t->beta) {
        /* the smaller of z and 1 - z straight from an inverse CDF, where it is
         * accurate (1 - Z ~ Beta(b, a)); the other as its complement */
        bc_dist unit = *d;
        unit.p[BC_P_MIN] = 0;
        unit.p[BC_P_MAX] = 1;
        double z, zc;
        if (u <= 0.5) {
            z = bc_dist_quantile(&unit, u);
            zc = 1 - z;
        } else {
            unit.a = d->b;
            unit.b = d->a;
            zc = bc_dist_quantile(&unit, v);
            z = 1 - zc;
        }
        double lz = log(z), lzc = log(zc);
        *y = lz - lzc;
        *dy = exp(lu + lv + c[0] - d->a * lz - d->b * lzc);
    } else {
        double k = d->a, theta = d->b;
        double q = u <= 0.5 ? bc_dist_quantile(d, u) : bc_dist_quantile_upper(d, v);
        double lq = log(q);
        *y = lq;
        /* ln f(q) = (k-1) ln q - q/theta - ln Gamma(k) - k ln theta */
        *dy = exp(lu + lv - k * lq + q / theta + c[0] + c[1]);
    }
}

/* dy/ds at y for the node whose u has logs lu, lv (see qtable_node). */
static double qtable_slope(const bc_qtable *t, const bc_dist *d, const double *c, double lu,
                           double lv, double y)
{
    if (t->beta)
        return exp(lu + lv + c[0] + d->a * log1p(exp(-y)) + d->b * log1p(exp(y)));
    return exp(lu + lv - d->a * y + exp(y) / d->b + c[0] + c[1]);
}

/* The node at s by Newton's method from the guess y: on ln P - ln u below
 * the median and ln Q - ln (1 - u) above (P and Q by GSL, each where it is
 * accurate; a beta's upper tail as the lower tail of Beta(b, a) at 1 - z),
 * whose derivatives in y are (1 - u) / (dy/ds) and -u / (dy/ds) at the root.
 * Converged after a step below 1e-7 relative: the convergence is quadratic,
 * so the error left is at the CDF's rounding (measured: the same nodes
 * within 1e-13 relative as when iterating to 1e-11 and one step more). 1 with y and dy/ds; 0
 * where it does not converge within 12 steps or a CDF is not a positive
 * number, and the caller takes the inverse CDF instead. */
static int qtable_newton(const bc_qtable *t, const bc_dist *d, const double *c, double s,
                         double y, double *yo, double *dyo)
{
    const double u = 1 / (1 + exp(-s)), v = 1 / (1 + exp(s));
    const double lu = -log1p(exp(-s)), lv = -log1p(exp(s));
    const int lower = u <= 0.5;
    for (int it = 0; it < 12; it++) {
        double tail;
        if (t->beta) {
            const double z = 1 / (1 + exp(-y)), zc = 1 / (1 + exp(y));
            tail = lower ? gsl_cdf_beta_P(z, d->a, d->b) : gsl_cdf_beta_P(zc, d->b, d->a);
        } else {
            const double q = exp(y);
            tail = lower ? gsl_cdf_gamma_P(q, d->a, d->b) : gsl_cdf_gamma_Q(q, d->a, d->b);
        }
        const double dyds = qtable_slope(t, d, c, lu, lv, y);
        if (!(tail > 0) || !isfinite(tail) || !isfinite(dyds))
            return 0;
        const double step = lower ? -(log(tail) - lu) * dyds / v : (log(tail) - lv) * dyds / u;
        if (!isfinite(step))
            return 0;
        y += step;
        if (fabs(step) <= 1e-7 * (fabs(y) > 1 ? fabs(y) : 1)) {
            *yo = y;
            *dyo = qtable_slope(t, d, c, lu, lv, y);
            return isfinite(y) && isfinite(*dyo);
        }
    }
    return 0;
}

void bc_qtable_fill(bc_qtable *t, const bc_dist *d)
{
    t->beta = d->kind != BC_DIST_GAMMA;
    t->lo = t->beta ? d->p[BC_P_MIN] : 0;
    t->width = t->beta ? d->p[BC_P_MAX] - d->p[BC_P_MIN] : 1;
    double s0 = log(BC_U_MIN / BC_U_MAX), s1 = -s0, h = (s1 - s0) / BC_QT_CELLS;
    t->s0 = s0;
    t->inv_h = 1 / h;
    double c[2];
    if (t->beta) {
        c[0] = gsl_sf_lnbeta(d->a, d->b);
        c[1] = 0;
    } else {
        c[0] = gsl_sf_lngamma(d->a);
        c[1] = d->a * log(d->b);
    }
    /* the middle node by the inverse CDF, then outward node by node, each
     * from its neighbours by Newton's method on the CDF */
    const int mid = BC_QT_CELLS / 2;
    double y, dy;
    qtable_node(t, d, c, s0 + mid * h, &y, &dy);
    t->y[mid] = y;
    t->dy[mid] = dy * h;
    for (int dir = -1; dir <= 1; dir += 2)
        for (int j = mid + dir; j >= 0 && j <= BC_QT_CELLS; j += dir) {
            const int p1 = j - dir, p2 = j - 2 * dir;
            /* Adams-Bashforth's two steps (one beside the middle) as the guess */
            const double m = p2 >= 0 && p2 <= BC_QT_CELLS && p1 != mid
                                 ? 1.5 * t->dy[p1] - 0.5 * t->dy[p2]
                                 : t->dy[p1];
            const double s = s0 + j * h;
            if (!qtable_newton(t, d, c, s, t->y[p1] + dir * m, &y, &dy))
                qtable_node(t, d, c, s, &y, &dy);
            t->y[j] = y;
            t->dy[j] = dy * h;
        }
}

/* Whether every node of the table is a number: an inverse CDF that failed
 * somewhere inside (0, 1) would otherwise turn into NaN inputs, run after
 * run. */
int bc_qtable_finite(const bc_qtable *t)
{
    for (int j = 0; j <= BC_QT_CELLS; j++)
        if (!isfinite(t->y[j]) || !isfinite(t->dy[j]))
            return 0;
    return 1;
}

/* a where `which`, else b, by bit masks: both are loaded, so that a loop of
 * calls blends vector registers instead of loading through a chosen address */
BC_INLINE double blend(int which, double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    const uint64_t m = (uint64_t)0 - (uint64_t)(which != 0);
    ua = (ua & m) | (ub & ~m);
    memcpy(&a, &ua, sizeof a);
    return a;
}

/* Cubic Hermite between nodes (y0, m0) and (y1, m1), slopes scaled to the cell. */
BC_INLINE double hermite(double x, double y0, double m0, double y1, double m1)
{
    double x2 = x * x, x3 = x2 * x;
    return (2 * x3 - 3 * x2 + 1) * y0 + (x3 - 2 * x2 + x) * m0 + (-2 * x3 + 3 * x2) * y1 +
           (x3 - x2) * m1;
}

/* The table's y at u[0 .. n), n <= 64, into y: the cells from s = logit(u),
 * clamped to the table, then Hermite's cubic in the cell. In three loops,
 * so that the two without the table's lookups are vector instructions
 * (AVX2 gathers are off for generic tuning); each value's operations are
 * the same whatever n. */
BC_VECTOR_CLONES static void qtable_ys(const bc_qtable *t, const double *u, double *y, size_t n)
{
    double f[64], y0[64], m0[64], y1[64], m1[64];
    int cell[64];
    const double s0 = t->s0, inv_h = t->inv_h;
    for (size_t i = 0; i < n; i++) {
        const double c = (bc_log(u[i] / (1 - u[i])) - s0) * inv_h;
        const double cc = blend(c < 0, 0, blend(c > BC_QT_CELLS - 1, BC_QT_CELLS - 1, c));
        cell[i] = (int)cc;
        f[i] = c - cell[i];
    }
    for (size_t i = 0; i < n; i++) {
        const int j = cell[i];
        y0[i] = t->y[j];
        m0[i] = t->dy[j];
        y1[i] = t->y[j + 1];
        m1[i] = t->dy[j + 1];
    }
    for (size_t i = 0; i < n; i++)
        y[i] = hermite(f[i], y0[i], m0[i], y1[i], m1[i]);
}

/* AS 241's rational functions: numerator and denominator coefficients, the
 * constant term first (Wichura 1988, Applied Statistics 37:477-484). */
static const double as241_a[8] = {3.387132872796366608, 133.14166789178437745,
                                  1971.5909503065514427, 13731.693765509461125,
                                  45921.953931549871457, 67265.770927008700853,
                                  33430.575583588128105, 2509.0809287301226727};
static const double as241_b[8] = {1.0, 42.313330701600911252, 687.1870074920579083,
                                  5394.1960214247511077, 21213.794301586595867,
                                  39307.89580009271061, 28729.085735721942674,
                                  5226.495278852854561};
static const double as241_c[8] = {1.42343711074968357734, 4.6303378461565452959,
                                  5.7694972214606914055, 3.64784832476320460504,
                                  1.27045825245236838258, 0.24178072517745061177,
                                  0.0227238449892691845833, 7.7454501427834140764e-4};
static const double as241_d[8] = {1.0, 2.05319162663775882187, 1.6763848301838038494,
                                  0.68976733498510000455, 0.14810397642748007459,
                                  0.0151986665636164571966, 5.475938084995344946e-4,
                                  1.05075007164441684324e-9};
static const double as241_e[8] = {6.6579046435011037772, 5.4637849111641143699,
                                  1.7848265399172913358, 0.29656057182850489123,
                                  0.026532189526576123093, 0.0012426609473880784386,
                                  2.71155556874348757815e-5, 2.01033439929228813265e-7};
static const double as241_f[8] = {1.0, 0.59983220655588793769, 0.13692988092273580531,
                                  0.0148753612908506148525, 7.868691311456132591e-4,
                                  1.8463183175100546818e-5, 1.4215117583164458887e-7,
                                  2.04426310338993978564e-15};

/* c[0] + x (c[1] + x (... + x c[7])), and the same with each coefficient
 * chosen lane by lane (c where `which`, else d), written out so that a loop
 * of calls has no inner loop. */
BC_INLINE double horner8(const double *c, double x)
{
    return ((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]) *
               x + c[0];
}

BC_INLINE double horner8_sel(int which, const double *c, const double *d, double x)
{
#define BC_SEL(i) blend(which, c[i], d[i])
    return ((((((BC_SEL(7) * x + BC_SEL(6)) * x + BC_SEL(5)) * x + BC_SEL(4)) * x + BC_SEL(3)) * x +
              BC_SEL(2)) * x + BC_SEL(1)) * x + BC_SEL(0);
#undef BC_SEL
}

/* AS 241 for |p - 1/2| <= 0.425: q R(r), r = 0.180625 - q^2, q = p - 1/2. */
BC_INLINE double as241_central(double p)
{
    const double q = p - 0.5, r = 0.180625 - q * q;
    return q * (horner8(as241_a, r) / horner8(as241_b, r));
}

/* AS 241 beyond: R(t - 1.6) for t = sqrt(-ln min(p, 1 - p)) <= 5, else
 * R(t - 5), the coefficients selected lane by lane; -inf at 0, inf at 1. */
BC_INLINE double as241_tail(double p)
{
    const double q = p - 0.5;
    double pp = blend(q < 0, p, 1.0 - p);
    pp = blend(pp < 0x1p-1022, 0x1p-1022, pp); /* bc_log's domain; 0 and 1 are set below */
    const double t = sqrt(-bc_log(pp));
    const int far = t > 5.0;
    const double w = blend(far, t - 5.0, t - 1.6);
    const double ratio = horner8_sel(far, as241_e, as241_c, w) / horner8_sel(far, as241_f, as241_d, w);
    double z = blend(q < 0, -ratio, ratio);
    z = blend(p <= 0, -INFINITY, z);
    return blend(p >= 1, INFINITY, z);
}

/* Phi^-1(p[i]) in chunks of 64: the central function for every value (85 %
 * of them are central), then the tail function for the others only,
 * gathered into a short array, so that the logarithm and the square root
 * are paid for the tails alone. Each value gets one function's bits, the
 * same wherever it stands. The cloned loops are static, and the library's
 * functions call them: clang resolves clones of static functions only. */
BC_VECTOR_CLONES static void normal_quantiles_std(const double *p, double *z, size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += 64) {
        const size_t m = n - i0 < 64 ? n - i0 : 64;
        const double *pc = p + i0;
        double *zc = z + i0;
        double pt[64], zt[64];
        unsigned char at[64];
        size_t nt = 0;
        for (size_t i = 0; i < m; i++) { /* first, since z may be p; no branch */
            at[nt] = (unsigned char)i;
            pt[nt] = pc[i];
            nt += !(fabs(pc[i] - 0.5) <= 0.425);
        }
        for (size_t i = 0; i < m; i++)
            zc[i] = as241_central(pc[i]);
        for (size_t j = 0; j < nt; j++)
            zt[j] = as241_tail(pt[j]);
        for (size_t j = 0; j < nt; j++)
            zc[at[j]] = zt[j];
    }
}

void bc_normal_quantiles(const double *p, double *z, size_t n)
{
    normal_quantiles_std(p, z, n);
}

/* Cody's rational functions for the normal CDF (Cody 1969, Math. Comp.
 * 23:631-637): |x| < 0.66291 (in x^2), |x| < sqrt 32 (in |x|), beyond (in
 * 1/x^2); numerator and denominator, constant term first. */
static const double cody_a[5] = {2.2352520354606839287, 161.02823106855587881,
                                 1067.6894854603709582, 18154.981253343561249,
                                 0.065682337918207449113};
static const double cody_b[4] = {47.20258190468824187, 976.09855173777669322,
                                 10260.932208618978205, 45507.789335026729956};
static const double cody_c[9] = {0.39894151208813466764, 8.8831497943883759412,
                                 93.506656132177855979,  597.27027639480026226,
                                 2494.5375852903726711,  6848.1904505362823326,
                                 11602.651437647350124,  9842.7148383839780218,
                                 1.0765576773720192317e-8};
static const double cody_d[8] = {22.266688044328115691, 235.38790178262499861,
                                 1519.377599407554805,  6485.558298266760755,
                                 18615.571640885098091, 34900.952721145977266,
                                 38912.003286093271411, 19685.429676859990727};
static const double cody_p[6] = {0.21589853405795699,  0.1274011611602473639,
                                 0.022235277870649807, 0.001421619193227893466,
                                 2.9112874951168792e-5, 0.02307344176494017303};
static const double cody_q[5] = {1.28426009614491121, 0.468238212480865118,
                                 0.0659881378689285515, 0.00378239633202758244,
                                 7.29751555083966205e-5};

/* Q(|x|) = P(-|x|), the smaller tail: in the middle ranges e^(-x^2/2) is
 * split as e^(-y^2/2) e^(-(x-y)(x+y)/2), y = |x| rounded down to 1/16, so
 * that the large exponent is exact. All three ranges computed, one chosen. */
BC_INLINE double normal_tail(double x, int large_too)
{
    const double ax = blend(fabs(x) < 38, fabs(x), 38); /* beyond, the tail is 0 */
    const double xsq = ax * ax;
    double num = cody_a[4] * xsq, den = xsq;
    for (int i = 0; i < 3; i++) {
        num = (num + cody_a[i]) * xsq;
        den = (den + cody_b[i]) * xsq;
    }
    const double small = 0.5 - ax * (num + cody_a[3]) / (den + cody_b[3]);
    double mn = cody_c[8] * ax, md = ax;
    for (int i = 0; i < 7; i++) {
        mn = (mn + cody_c[i]) * ax;
        md = (md + cody_d[i]) * ax;
    }
    const double medium = (mn + cody_c[7]) / (md + cody_d[7]);
    double large = medium;
    if (large_too) { /* a constant once inlined: the loops have no branch */
        const double ixsq = 1.0 / blend(xsq > 1, xsq, 1);
        double ln = cody_p[5] * ixsq, ld = ixsq;
        for (int i = 0; i < 4; i++) {
            ln = (ln + cody_p[i]) * ixsq;
            ld = (ld + cody_q[i]) * ixsq;
        }
        large = (0.398942280401432677939946059934 - ixsq * (ln + cody_p[4]) / (ld + cody_q[4])) /
                ax;
    }
    const double y = (double)(int32_t)(ax * 16) / 16;
    const double del = (ax - y) * (ax + y) * 0.5;
    const double e = bc_exp(-0.5 * y * y) * bc_exp(-del);
    const double big = e * blend(ax < 5.656854249492380195206754896838, medium, large);
    return blend(fabs(x) >= 38, 0.0, blend(ax < 0.66291, small, big));
}

BC_INLINE double clamped_cdf(double z, double t)
{
    const double v = blend(z > 0, 1.0 - t, t);
    return blend(v < BC_U_MIN, BC_U_MIN, blend(v > BC_U_MAX, BC_U_MAX, v));
}

/* In chunks of 64: every value by the two inner ranges, then the values
 * beyond sqrt 32 (about 1e-8 of a normal's) again with all three, gathered
 * into a short array as in normal_quantiles_std. */
BC_VECTOR_CLONES static void normal_cdfs(const double *z, double *p, size_t n)
{
    for (size_t i0 = 0; i0 < n; i0 += 64) {
        const size_t m = n - i0 < 64 ? n - i0 : 64;
        const double *zc = z + i0;
        double *pc = p + i0;
        double zt[64], pt[64];
        unsigned char at[64];
        size_t nt = 0;
        for (size_t i = 0; i < m; i++) { /* first, since p may be z */
            at[nt] = (unsigned char)i;
            zt[nt] = zc[i];
            nt += fabs(zc[i]) >= 5.656854249492380195206754896838;
        }
        for (size_t i = 0; i < m; i++)
            pc[i] = clamped_cdf(zc[i], normal_tail(zc[i], 0));
        for (size_t j = 0; j < nt; j++)
            pt[j] = clamped_cdf(zt[j], normal_tail(zt[j], 1));
        for (size_t j = 0; j < nt; j++)
            pc[at[j]] = pt[j];
    }
}

void bc_normal_cdfs_clamped(const double *z, double *p, size_t n)
{
    normal_cdfs(z, p, n);
}

/* The normal, maybe truncated: q = P(lo) + u (P(hi) - P(lo)) (d->a, d->b),
 * in the upper tail's terms when d->c (z = -Phi^-1(q), q upper-tail mass).
 * With no max, q rounds to 1 at the largest u; that point is computed from
 * the upper-tail mass (1 - u) d->d instead, exact. */
BC_VECTOR_CLONES static void normal_quantiles(const bc_dist *d, const double *u, double *x, size_t n)
{
    const double a = d->a, b = d->b, dd = d->d, mean = d->p[BC_P_MEAN], sd = d->p[BC_P_SD];
    const double lo = d->p[BC_P_MIN], hi = d->p[BC_P_MAX];
    const int upper = d->c != 0, open_top = d->c == 0 && isinf(hi);
    for (size_t i0 = 0; i0 < n; i0 += 64) {
        const size_t m = n - i0 < 64 ? n - i0 : 64;
        const double *uc = u + i0;
        double q[64], z[64];
        for (size_t i = 0; i < m; i++) {
            const double qi = a + uc[i] * b;
            q[i] = blend(open_top && qi >= 1, (1 - uc[i]) * dd, qi);
        }
        normal_quantiles_std(q, z, m);
        for (size_t i = 0; i < m; i++) {
            const int swap = open_top && a + uc[i] * b >= 1;
            const double v = mean + sd * blend(upper || swap, -z[i], z[i]);
            x[i0 + i] = blend(v < lo, lo, blend(v > hi, hi, v)); /* rounding can step a hair outside */
        }
    }
}

BC_VECTOR_CLONES static void quantiles(const bc_dist *d, const bc_qtable *t, const double *u,
                                      double *x, size_t n)
{
    const double *v = d->p;
    switch (d->kind) {
    case BC_DIST_UNIFORM: {
        const double a = d->a, b = d->b;
        for (size_t i = 0; i < n; i++)
            x[i] = a + u[i] * b;
        return;
    }
    case BC_DIST_NORMAL:
        normal_quantiles(d, u, x, n);
        return;
    case BC_DIST_LOGNORMAL: {
        const double a = d->a, b = d->b;
        normal_quantiles_std(u, x, n);
        for (size_t i = 0; i < n; i++)
            x[i] = bc_exp(a + b * x[i]);
        return;
    }
    case BC_DIST_TRIANGULAR: {
        /* F^-1(u) = min + sqrt(u (max-min)(mode-min))       for u < F(mode)
         *         = max - sqrt((1-u)(max-min)(max-mode))    otherwise */
        const double lo = v[BC_P_MIN], hi = v[BC_P_MAX], c = v[BC_P_MODE], fc = d->a;
        const double wl = (hi - lo) * (c - lo), wh = (hi - lo) * (hi - c);
        for (size_t i = 0; i < n; i++) {
            const double left = lo + sqrt(u[i] * wl), right = hi - sqrt((1 - u[i]) * wh);
            x[i] = u[i] < fc ? left : right;
        }
        return;
    }
    case BC_DIST_PERT:
    case BC_DIST_BETA:
    case BC_DIST_GAMMA: {
        const double lo = t->lo, width = t->width;
        const int beta = t->beta;
        for (size_t i0 = 0; i0 < n; i0 += 64) {
            const size_t m = n - i0 < 64 ? n - i0 : 64;
            double y[64];
            qtable_ys(t, u + i0, y, m);
            double *xo = x + i0;
            if (beta)
                for (size_t i = 0; i < m; i++)
                    xo[i] = lo + width / (1 + bc_exp(-y[i])); /* z = 1/(1 + e^-y) */
            else
                for (size_t i = 0; i < m; i++)
                    xo[i] = bc_exp(y[i]);
        }
        return;
    }
    default: /* discrete (a search) and fixed */
        for (size_t i = 0; i < n; i++)
            x[i] = bc_dist_quantile(d, u[i]);
        return;
    }
}

void bc_quantiles(const bc_dist *d, const bc_qtable *t, const double *u, double *x, size_t n)
{
    quantiles(d, t, u, x, n);
}
