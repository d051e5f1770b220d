/* Seeded test inputs for the kernel tests: splitmix64, random Fr/Fq values (already in
 * Montgomery form: any value below p is one), the seed taken from VIA_TEST_SEED or the clock
 * and printed so that a failure can be replayed. */
#ifndef VIA_TESTS_KERNELS_RNG_H
#define VIA_TESTS_KERNELS_RNG_H
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "field.h"

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
#endif
