/* vmath_int.h: an exponential and a logarithm that the compiler can vectorise. */
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

/* ln x within 1 ulp of libm's log (tests/test_sampler.c measures it), for x
 * a positive normal number (the sampler's arguments are in [2^-53, 2^53]),
 * by plain arithmetic like bc_exp: x = 2^e m with m in [sqrt(1/2), sqrt(2)),
 * f = m - 1 (exact), s = f / (2 + f), ln m = 2 atanh s = f - (f^2/2 -
 * s (f^2/2 + R)) with R = 2 s^2/3 + 2 s^4/5 + ... to s^20 (|s| < 0.172, the
 * truncation below 2^-60 relative), and e ln 2 in two parts as in bc_exp.
 * Outside positive normal numbers the result is meaningless. */
static inline double bc_log(double x)
{
    const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    const uint64_t mant = b & 0x000fffffffffffffu;
    const uint64_t up = mant > 0x6a09e667f3bccu; /* m >= sqrt 2: halve it */
    const uint64_t mb = mant | ((0x3ffu - up) << 52);
    /* the exponent field as a double without an integer conversion (which
     * AVX2 lacks for 64-bit integers): 2^52 + field, less 2^52 */
    const uint64_t eb = 0x4330000000000000u | ((b >> 52) & 0x7ffu);
    double m, ef;
    memcpy(&m, &mb, sizeof m);
    memcpy(&ef, &eb, sizeof ef);
    const double e = (ef - 0x1p52) - (double)(1023 - (int)up);
    const double f = m - 1.0, s = f / (2.0 + f), z = s * s;
    double r = 2.0 / 21;
    r = r * z + 2.0 / 19;
    r = r * z + 2.0 / 17;
    r = r * z + 2.0 / 15;
    r = r * z + 2.0 / 13;
    r = r * z + 2.0 / 11;
    r = r * z + 2.0 / 9;
    r = r * z + 2.0 / 7;
    r = r * z + 2.0 / 5;
    r = r * z + 2.0 / 3;
    r *= z;
    const double hfsq = 0.5 * f * f;
    return e * ln2_hi - ((hfsq - (s * (hfsq + r) + e * ln2_lo)) - f);
}

#endif
