/* Wall-clock timing of the CPU MSM (not a test). Build without CMake, e.g.
 *   cc -O3 -Icommon/include -Iprover/include bench/msm_timing.c build-X/prover/libvia_prover.a
 * build-X/common/libvia_common.a -lpthread -ljansson -lm Usage: msm_timing [g1|g2] [log2n ...]
 * (default: G1 at 16 18 20, then G2 at 16); VIA_THREADS sets the worker count. Bases are P + i Q
 * (distinct points), scalars uniform below r, or 0/1-heavy (half 1, a third 0, the rest uniform)
 * when VIA_SCALARS=01. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "via/msm.h"
#include "via/runtime.h"

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t rnd64(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void make_scalars(via_scalar *s, size_t n) {
    const char *kind = getenv("VIA_SCALARS");
    int heavy = kind && strcmp(kind, "01") == 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd64() % 6;
        memset(&s[i], 0, sizeof s[i]);
        if (heavy && r < 3) {
            s[i].l[0] = 1;
        } else if (heavy && r < 5) {
        } else {
            do {
                for (int k = 0; k < 4; k++)
                    s[i].l[k] = rnd64();
                s[i].l[3] &= 0x3fffffffffffffffULL;
            } while (!via_limbs_lt(s[i].l, via_fr_mod.p));
        }
    }
}

static void time_g1(unsigned log2n) {
    size_t n = (size_t)1 << log2n;
    via_g1_affine *b = via_malloc_big(n * sizeof *b);
    via_g1 *j = via_malloc_big(n * sizeof *j);
    via_scalar *s = via_malloc_big(n * sizeof *s);
    if (!b || !j || !s) {
        fprintf(stderr, "msm_timing: cannot allocate 2^%u points\n", log2n);
        exit(1);
    }
    via_g1_affine g;
    via_g1 p, q;
    via_g1_generator(&g);
    via_g1_from_affine(&p, &g);
    uint64_t k[4] = {rnd64(), rnd64(), rnd64(), rnd64() >> 4};
    via_g1_mul_var(&q, &p, k);
    for (size_t i = 0; i < n; i++) {
        j[i] = p;
        via_g1_add(&p, &p, &q);
    }
    via_g1_batch_to_affine(b, j, n);
    make_scalars(s, n);
    via_g1 out;
    for (int rep = 0; rep < 2; rep++) {
        double c0 = cpu_seconds(), t0 = via_now_seconds();
        if (via_msm_g1(&out, b, s, n) != VIA_OK) {
            fprintf(stderr, "msm_timing: G1 MSM failed\n");
            exit(1);
        }
        printf("G1 2^%-2u %9.1f ms (cpu %9.1f ms)\n", log2n, (via_now_seconds() - t0) * 1e3,
               (cpu_seconds() - c0) * 1e3);
        fflush(stdout);
    }
    via_free_big(b);
    via_free_big(j);
    via_free_big(s);
}

static void time_g2(unsigned log2n) {
    size_t n = (size_t)1 << log2n;
    via_g2_affine *b = via_malloc_big(n * sizeof *b);
    via_g2 *j = via_malloc_big(n * sizeof *j);
    via_scalar *s = via_malloc_big(n * sizeof *s);
    if (!b || !j || !s) {
        fprintf(stderr, "msm_timing: cannot allocate 2^%u points\n", log2n);
        exit(1);
    }
    via_g2_affine g;
    via_g2 p, q;
    via_g2_generator(&g);
    via_g2_from_affine(&p, &g);
    uint64_t k[4] = {rnd64(), rnd64(), rnd64(), rnd64() >> 4};
    via_g2_mul_var(&q, &p, k);
    for (size_t i = 0; i < n; i++) {
        j[i] = p;
        via_g2_add(&p, &p, &q);
    }
    via_g2_batch_to_affine(b, j, n);
    make_scalars(s, n);
    via_g2 out;
    for (int rep = 0; rep < 2; rep++) {
        double c0 = cpu_seconds(), t0 = via_now_seconds();
        if (via_msm_g2(&out, b, s, n) != VIA_OK) {
            fprintf(stderr, "msm_timing: G2 MSM failed\n");
            exit(1);
        }
        printf("G2 2^%-2u %9.1f ms (cpu %9.1f ms)\n", log2n, (via_now_seconds() - t0) * 1e3,
               (cpu_seconds() - c0) * 1e3);
        fflush(stdout);
    }
    via_free_big(b);
    via_free_big(j);
    via_free_big(s);
}

int main(int argc, char **argv) {
    const char *th = getenv("VIA_THREADS");
    if (th) via_set_threads((unsigned)strtoul(th, NULL, 10));
    printf("threads %u\n", via_get_threads());
    if (argc < 2) {
        time_g1(16);
        time_g1(18);
        time_g1(20);
        time_g2(16);
        return 0;
    }
    int g2 = strcmp(argv[1], "g2") == 0;
    for (int i = 2; i < argc; i++) {
        unsigned log2n = (unsigned)strtoul(argv[i], NULL, 10);
        if (g2)
            time_g2(log2n);
        else
            time_g1(log2n);
    }
    return 0;
}
