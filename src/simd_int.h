/* simd_int.h: vector versions of the hot loops. */
#ifndef BCSIM_SIMD_INT_H
#define BCSIM_SIMD_INT_H

/* A function whose loops the compiler turns into vector instructions gets an
 * AVX2 version beside the baseline one, chosen when the program loads. Both
 * give the same bits: the same operations run lane by lane, and no fused
 * multiply-adds (the build passes -ffp-contract=off, and AVX2 does not imply
 * FMA). -DBCSIM_VECTOR_CLONES=OFF (defining BCSIM_NO_VECTOR_CLONES) builds
 * the baseline version alone; CI compares its result files with the default
 * build's. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(BCSIM_NO_VECTOR_CLONES)
#define BC_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define BC_VECTOR_CLONES
#endif

#endif
