/* alloc.h: the library's one allocator and its fault injection for tests.
 *
 * Every allocation the library makes itself goes through bc_malloc and its
 * kin (src/alloc_int.h). A test can make the k-th of them fail, the way
 * SQLite's test_malloc.c and Lua's ltests.c do, and check that every path
 * turns the failure into BC_ENOMEM, frees what it had and writes no file.
 * Allocations made inside GSL, HDF5 and libyaml are theirs and not counted. */
#ifndef BCSIM_ALLOC_H
#define BCSIM_ALLOC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Arm the fault: counting from this call, allocation number `k` (1 = the
 * next one) fails, and with `persistent` non-zero every one after it fails
 * too. k = 0 disarms. Counts all threads together (atomically); meant for
 * single-threaded tests, where the k-th allocation is always the same one. */
void bc_alloc_fail_at(uint64_t k, int persistent);

/* Allocations attempted since the last bc_alloc_fail_at (failed ones
 * included); lets a test find how many allocations a command makes. */
uint64_t bc_alloc_count(void);

/* How many allocations have failed on purpose since the last bc_alloc_fail_at. */
uint64_t bc_alloc_failures(void);

#ifdef __cplusplus
}
#endif
#endif
