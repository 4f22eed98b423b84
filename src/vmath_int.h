/* vmath_int.h: an exponential that the compiler can vectorise. */
#ifndef BCSIM_VMATH_INT_H
#define BCSIM_VMATH_INT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* e^x within 1 ulp of libm's exp (tests/test_bcase.c measures it), by plain
 * arithmetic only, so that a loop of calls becomes vector instructions and
 * gives the same bits in every lane and on every machine (the build contracts
 * no multiply-add):
 * x = k ln 2 + r with |r| <= ln 2 / 2 (Cody and Waite's two-part ln 2),
 * e^r - 1 by its Taylor series to r^13 (truncation below 2^-57 relative),
 * then 2^k in two factors so that results between 2^-1074 and 2^1024 (k from
 * -1075 to 1025) round once. Beyond |x| = 1000 the result is 0 or inf anyway;
 * NaN gives NaN. */
static inline double bc_exp(double x)
{
    const double shift = 0x1.8p52; /* adding it rounds to an integer, kept in the low bits */
    const uint64_t shift_bits = 0x4338000000000000u;
    const double inv_ln2 = 0x1.71547652b82fep0, ln2_hi = 0x1.62e42fee00000p-1,
                 ln2_lo = 0x1.a39ef35793c76p-33;
    x = fabs(x) > 1000 ? copysign(1000.0, x) : x; /* one select: the loop stays vector */
    double kd = x * inv_ln2 + shift;
    kd -= shift;                                /* k = round(x / ln 2), |k| <= 1443 */
    const double r = (x - kd * ln2_hi) - kd * ln2_lo; /* kd ln2_hi is exact */
    double q = 1.0 / 6227020800;                /* 1/13! */
    q = q * r + 1.0 / 479001600;
    q = q * r + 1.0 / 39916800;
    q = q * r + 1.0 / 3628800;
    q = q * r + 1.0 / 362880;
    q = q * r + 1.0 / 40320;
    q = q * r + 1.0 / 5040;
    q = q * r + 1.0 / 720;
    q = q * r + 1.0 / 120;
    q = q * r + 1.0 / 24;
    q = q * r + 1.0 / 6;
    q = q * r + 0.5;
    const double p = 1.0 + (r + (r * r) * q); /* e^r */
    /* 2^k = 2^k1 2^k2 with k1 = round(k / 2): both are normal numbers */
    const double k1d = (kd * 0.5 + shift), k2d = (kd - (k1d - shift)) + shift;
    uint64_t b1, b2;
    memcpy(&b1, &k1d, sizeof b1);
    memcpy(&b2, &k2d, sizeof b2);
    b1 = (b1 - shift_bits + 1023) << 52;
    b2 = (b2 - shift_bits + 1023) << 52;
    double s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return p * s1 * s2;
}

#endif
