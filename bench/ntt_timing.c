/* Wall-clock timing of the CPU NTT (not a test). Build without CMake, e.g.
 *   cc -O3 -Icommon/include -Iprover/include bench/ntt_timing.c build-X/prover/libvia_prover.a
 * build-X/common/libvia_common.a -lpthread -ljansson -lm Usage: ntt_timing [log2n ...] (default 16
 * 20 22); VIA_THREADS sets the worker count. Prints the best of 3 runs of via_ntt, via_intt and
 * via_ntt_domain_to_coset. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "via/ntt.h"
#include "via/runtime.h"

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Best wall time of 3 runs; *cpu gets the process CPU time of that run (on a busy machine
 * wall time includes waiting for a core, CPU time does not). */
static double best_of(int (*fn)(via_fr *, unsigned), via_fr *a, unsigned log2n, double *cpu) {
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double c0 = cpu_seconds();
        double t0 = via_now_seconds();
        if (fn(a, log2n) != VIA_OK) {
            fprintf(stderr, "ntt_timing: transform of size 2^%u failed\n", log2n);
            exit(1);
        }
        double t = via_now_seconds() - t0;
        if (t < best) {
            best = t;
            *cpu = cpu_seconds() - c0;
        }
    }
    return best;
}

int main(int argc, char **argv) {
    unsigned sizes[32], nsizes = 0;
    for (int i = 1; i < argc && nsizes < 32; i++)
        sizes[nsizes++] = (unsigned)strtoul(argv[i], NULL, 10);
    if (!nsizes) {
        sizes[0] = 16, sizes[1] = 20, sizes[2] = 22;
        nsizes = 3;
    }
    const char *th = getenv("VIA_THREADS");
    if (th) via_set_threads((unsigned)strtoul(th, NULL, 10));
    printf("threads %u\n", via_get_threads());
    for (unsigned s = 0; s < nsizes; s++) {
        unsigned log2n = sizes[s];
        size_t n = (size_t)1 << log2n;
        via_fr *a = via_malloc_big(n * sizeof(via_fr));
        if (!a) {
            fprintf(stderr, "ntt_timing: cannot allocate 2^%u elements\n", log2n);
            return 1;
        }
        uint64_t x = 0x1234567;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            via_fr_set_u64(&a[i], x);
        }
        double cf, ci, cc;
        double tf = best_of(via_ntt, a, log2n, &cf);
        double ti = best_of(via_intt, a, log2n, &ci);
        double tc = best_of(via_ntt_domain_to_coset, a, log2n, &cc);
        printf("2^%-2u  ntt %8.2f ms (cpu %8.2f)  intt %8.2f ms (cpu %8.2f)  "
               "domain_to_coset %8.2f ms (cpu %8.2f)\n",
               log2n, tf * 1e3, cf * 1e3, ti * 1e3, ci * 1e3, tc * 1e3, cc * 1e3);
        via_free_big(a);
    }
    return 0;
}
