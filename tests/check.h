/* check.h: minimal assertion helpers for bcsim's test programs. Each failed
 * check prints its place and values; main returns check_finish(). */
#ifndef BCSIM_TESTS_CHECK_H
#define BCSIM_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond)                                                                   \
            check_passed++;                                                         \
        else {                                                                      \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                           \
    } while (0)

/* |got - want| <= tol, in double precision. */
#define CHECK_NEAR(got, want, tol)                                                  \
    do {                                                                            \
        double g_ = (got), w_ = (want), t_ = (tol);                                 \
        if (fabs(g_ - w_) <= t_)                                                    \
            check_passed++;                                                         \
        else {                                                                      \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: %s = %.17g, want %.17g +- %g\n", __FILE__, __LINE__, \
                    #got, g_, w_, t_);                                              \
        }                                                                           \
    } while (0)

#define CHECK_INT(got, want)                                                        \
    do {                                                                            \
        long long g_ = (long long)(got), w_ = (long long)(want);                    \
        if (g_ == w_)                                                               \
            check_passed++;                                                         \
        else {                                                                      \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, \
                    w_);                                                            \
        }                                                                           \
    } while (0)

/* `hay` contains `needle`. */
#define CHECK_HAS(hay, needle)                                                      \
    do {                                                                            \
        const char *h_ = (hay), *n_ = (needle);                                     \
        if (h_ && strstr(h_, n_))                                                   \
            check_passed++;                                                         \
        else {                                                                      \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, \
                    h_ ? h_ : "(null)", n_);                                        \
        }                                                                           \
    } while (0)

static inline int check_finish(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
