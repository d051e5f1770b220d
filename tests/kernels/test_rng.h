/* Seeded test inputs for the kernel tests: splitmix64, random Fr/Fq values (already in
 * Montgomery form: any value below p is one), the seed taken from VIA_TEST_SEED or the clock
 * and printed so that a failure can be replayed. */
#ifndef VIA_TESTS_KERNELS_RNG_H
#define VIA_TESTS_KERNELS_RNG_H
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "via/field.h"
#include "via/msm.h"

static uint64_t test_rng_state;

static inline uint64_t test_rand64(void) {
    uint64_t z = (test_rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t test_seed_init(const char *name) {
    const char *env = getenv("VIA_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
    test_rng_state = seed;
    printf("%s: seed %" PRIu64 " (replay with VIA_TEST_SEED=%" PRIu64 ")\n", name, seed, seed);
    return seed;
}

/* Uniform value below the modulus m, by rejection. */
static inline void test_rand_below(uint64_t out[4], const uint64_t m[4]) {
    do {
        for (int i = 0; i < 4; i++)
            out[i] = test_rand64();
        out[3] &= (1ULL << 62) - 1;
    } while (!via_limbs_lt(out, m));
}

/* The edge scalars of the device MSM tests: sc[i] = 0 when i % 3 == 0, r - 1 otherwise. */
static inline void test_edge_scalars(via_scalar *sc, size_t n) {
    for (size_t i = 0; i < n; i++) {
        memset(&sc[i], 0, sizeof(sc[i]));
        if (i % 3) {
            memcpy(sc[i].l, via_fr_mod.p, 32);
            sc[i].l[0] -= 1; /* r - 1 */
        }
    }
}
#endif
