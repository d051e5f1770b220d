/* Single-core timing of BN254 field, curve and pairing operations (not a test). Build without
 * CMake, e.g.
 *   cc -O3 -Icommon/include -Iprover/include bench/field_timing.c build-X/prover/libvia_prover.a
 * build-X/common/libvia_common.a -lpthread -ljansson -lm Prints ns per operation. "chain" runs each
 * multiplication on the previous result (latency); "4 chains" interleaves four independent chains
 * (what Karatsuba towers and MSM buckets see). The portable and MULX/ADX paths are timed by
 * toggling via_field_have_adx. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "via/curve.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* excludes time descheduled on a shared machine */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile uint64_t sink;

static double fq_mul_chain(long n) {
    via_fq a, b;
    via_fq_set_u64(&a, 1234567);
    via_fq_set_u64(&b, 7654321);
    double t0 = now();
    for (long i = 0; i < n; i++)
        via_fq_mul(&a, &a, &b);
    double t = now() - t0;
    sink = a.l[0];
    return t * 1e9 / (double)n;
}

static double fq_sqr_chain(long n) {
    via_fq a;
    via_fq_set_u64(&a, 1234567);
    double t0 = now();
    for (long i = 0; i < n; i++)
        via_fq_sqr(&a, &a);
    double t = now() - t0;
    sink = a.l[0];
    return t * 1e9 / (double)n;
}

static double fq_mul_4chains(long n) {
    via_fq a[4], b;
    for (int k = 0; k < 4; k++)
        via_fq_set_u64(&a[k], 1000 + (uint64_t)k);
    via_fq_set_u64(&b, 7654321);
    double t0 = now();
    for (long i = 0; i < n; i += 4) {
        via_fq_mul(&a[0], &a[0], &b);
        via_fq_mul(&a[1], &a[1], &b);
        via_fq_mul(&a[2], &a[2], &b);
        via_fq_mul(&a[3], &a[3], &b);
    }
    double t = now() - t0;
    sink = a[0].l[0] ^ a[1].l[0] ^ a[2].l[0] ^ a[3].l[0];
    return t * 1e9 / (double)n;
}

static double fq_sqr_4chains(long n) {
    via_fq a[4];
    for (int k = 0; k < 4; k++)
        via_fq_set_u64(&a[k], 1000 + (uint64_t)k);
    double t0 = now();
    for (long i = 0; i < n; i += 4) {
        via_fq_sqr(&a[0], &a[0]);
        via_fq_sqr(&a[1], &a[1]);
        via_fq_sqr(&a[2], &a[2]);
        via_fq_sqr(&a[3], &a[3]);
    }
    double t = now() - t0;
    sink = a[0].l[0] ^ a[1].l[0] ^ a[2].l[0] ^ a[3].l[0];
    return t * 1e9 / (double)n;
}

static double fr_mul_chain(long n) {
    via_fr a, b;
    via_fr_set_u64(&a, 1234567);
    via_fr_set_u64(&b, 7654321);
    double t0 = now();
    for (long i = 0; i < n; i++)
        via_fr_mul(&a, &a, &b);
    double t = now() - t0;
    sink = a.l[0];
    return t * 1e9 / (double)n;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    int have = via_field_have_adx;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && !have) break;
        via_field_have_adx = pass;
        const char *name = pass ? "mulx/adx" : "portable";
        printf("%-9s Fq mul chain    %6.2f ns\n", name, fq_mul_chain(n));
        printf("%-9s Fq mul 4 chains %6.2f ns\n", name, fq_mul_4chains(n));
        printf("%-9s Fq sqr chain    %6.2f ns\n", name, fq_sqr_chain(n));
        printf("%-9s Fq sqr 4 chains %6.2f ns\n", name, fq_sqr_4chains(n));
        printf("%-9s Fr mul chain    %6.2f ns\n", name, fr_mul_chain(n));
    }
    via_field_have_adx = have;

    via_fq2 x, y;
    via_fq2_set_one(&x);
    via_fq2_mul_xi(&x, &x);
    y = x;
    long m = n / 10;
    double t0 = now();
    for (long i = 0; i < m; i++)
        via_fq2_mul(&x, &x, &y);
    printf("Fq2 mul          %8.1f ns\n", (now() - t0) * 1e9 / (double)m);

    via_g1_affine g;
    via_g1 acc;
    via_g1_generator(&g);
    via_g1_from_affine(&acc, &g);
    via_g1_dbl(&acc, &acc);
    t0 = now();
    for (long i = 0; i < m; i++)
        via_g1_add_mixed(&acc, &acc, &g);
    printf("G1 add_mixed     %8.1f ns\n", (now() - t0) * 1e9 / (double)m);
    sink = acc.x.l[0];

    via_g2_affine h;
    via_g2_generator(&h);
    via_fq12 e;
    int reps = 200;
    t0 = now();
    for (int i = 0; i < reps; i++)
        via_pairing_multi(&e, &g, &h, 1);
    printf("pairing          %8.1f us\n", (now() - t0) * 1e6 / reps);
    sink = e.c0.c0.c0.l[0];
    return 0;
}
