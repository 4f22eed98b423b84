/* quantile_int.h: the sampler's quantile functions, many values at a time
 * (src/quantile.c). Every function here gives the same bits for a value
 * whether it is evaluated alone or among others, in a vector lane or not:
 * plain arithmetic, bc_exp and bc_log (vmath_int.h), no libm calls in the
 * loops, and no fused multiply-adds (the build passes -ffp-contract=off).
 * GSL stays the reference: tests/test_sampler.c measures each against GSL's
 * CDFs and inverses, and GSL's CDFs build the tables. */
#ifndef BCSIM_QUANTILE_INT_H
#define BCSIM_QUANTILE_INT_H

#include <stddef.h>

#include "bcsim/dist.h"

/* Quantile tables for the beta family (beta, pert) and the gamma, whose
 * inverse CDFs have no closed form and cost microseconds in GSL. The table is
 * uniform in s = logit(u) over [logit(BC_U_MIN), logit(BC_U_MAX)] and holds a
 * transform y of the quantile on which it is smooth and nearly linear in both
 * tails: y = logit(z) for a beta, z = (Q - min)/(max - min) (so z ~ u^(1/alpha)
 * near 0 becomes a straight line), y = ln Q for a gamma. Cubic Hermite
 * interpolation with exact slopes dy/ds. */
#define BC_QT_CELLS 4096

typedef struct bc_qtable {
    int beta;                      /* 1: beta family, 0: gamma */
    double lo, width;              /* beta: Q = lo + width z */
    double s0, inv_h;              /* s_j = s0 + j / inv_h */
    double y[BC_QT_CELLS + 1];     /* transformed quantile at the nodes */
    double dy[BC_QT_CELLS + 1];    /* dy/ds times the cell width */
} bc_qtable;

/* Whether d's quantiles come from a table. */
int bc_qtable_wants(const bc_dist *d);
/* Fill t for d (a beta, pert or gamma): the middle node by GSL's inverse
 * CDF, every other by Newton's method on GSL's CDF from its neighbours (a
 * node the method misses, by the inverse). The nodes depend on d alone. */
void bc_qtable_fill(bc_qtable *t, const bc_dist *d);
/* Whether every node of t is a number. */
int bc_qtable_finite(const bc_qtable *t);

/* x[i] = the quantile of d at u[i], i < n, u[i] in [BC_U_MIN, BC_U_MAX];
 * t is d's table when bc_qtable_wants(d), else unused. x may be u. */
void bc_quantiles(const bc_dist *d, const bc_qtable *t, const double *u, double *x, size_t n);

/* z[i] = the standard normal quantile of p[i] (Wichura's AS 241, PPND16, as
 * in GSL's gsl_cdf_ugaussian_Pinv; -inf at 0 and inf at 1). z may be p. */
void bc_normal_quantiles(const double *p, double *z, size_t n);

/* p[i] = the standard normal CDF at z[i] (Cody's rational approximations, as
 * in GSL's gsl_cdf_ugaussian_P; the upper half as 1 - Q), clamped to
 * [BC_U_MIN, BC_U_MAX]. p may be z. */
void bc_normal_cdfs_clamped(const double *z, double *p, size_t n);

#endif
