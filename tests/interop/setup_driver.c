/*
 * Test driver for tests/interop/setup_snarkjs.sh: runs the library's Groth16 setup and
 * verification-key export on files, the way a CLI would.
 *   via_setup_driver setup R1CS PTAU ZKEY [NAME] [--init]   (--init: no contribution)
 *   via_setup_driver contribute IN_ZKEY OUT_ZKEY NAME   (one more contribution on any zkey)
 *   via_setup_driver vk ZKEY VK_JSON
 *   via_setup_driver ptau OUT POWER          (development ptau, see ptau_dev.h)
 *   via_setup_driver synth OUT M SEED        (an r1cs of M random constraints, circom-like
 *                                             coefficient mix: +-1, 16-bit, full-size)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "via/ptau_dev.h"
#include "via/r1cs.h"
#include "via/setup.h"
#include "via/runtime.h"
#include "via/zkey.h"

static void progress(void *ctx, const char *stage, double fraction) {
    (void)ctx;
    fprintf(stderr, "  [%5.1f%%] %s\n", 100.0 * fraction, stage);
}

static uint64_t rng_state;
static uint64_t next_rand(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void random_coef(via_fr *c) {
    uint64_t r = next_rand() % 10;
    if (r < 5) {
        via_fr_set_one(c);
    } else if (r < 7) {
        via_fr_set_one(c);
        via_fr_neg(c, c);
    } else if (r < 9) {
        via_fr_set_u64(c, next_rand() & 0xffff);
    } else {
        uint64_t k[4] = {next_rand(), next_rand(), next_rand(), next_rand() >> 3};
        if (via_fr_from_canon(c, k) != 0) via_fr_set_one(c);
    }
}

/* Constraint c: A and B over earlier wires, C = output wire c + 3 (+ often the constant). */
static int synth_r1cs(const char *path, uint32_t m, via_error *err) {
    via_r1cs r;
    memset(&r, 0, sizeof r);
    r.n_wires = m + 3;
    r.n_pub_out = 1;
    r.n_pub_in = 1;
    r.n_prv_in = 1;
    r.n_labels = r.n_wires;
    r.n_constraints = m;
    size_t cap = (size_t)m * 7;
    r.lc_start = via_malloc_big((3 * (size_t)m + 1) * sizeof *r.lc_start);
    r.wires = via_malloc_big(cap * sizeof *r.wires);
    r.coefs = via_malloc_big(cap * sizeof *r.coefs);
    if (!r.lc_start || !r.wires || !r.coefs) {
        via_r1cs_free(&r);
        return via_fail(err, VIA_ENOMEM, "synth: out of memory");
    }
    uint64_t t = 0;
    for (uint32_t c = 0; c < m; c++) {
        unsigned counts[3] = {1 + (unsigned)(next_rand() % 3), 1 + (unsigned)(next_rand() % 2),
                              1 + (unsigned)(next_rand() % 2)};
        for (unsigned k = 0; k < 3; k++) {
            r.lc_start[3 * (size_t)c + k] = t;
            for (unsigned i = 0; i < counts[k]; i++) {
                uint32_t w = (uint32_t)(next_rand() % ((uint64_t)c + 3));
                if (k == 2 && i == 0) w = c + 3;
                if (k == 2 && i == 1) w = 0;
                r.wires[t] = w;
                random_coef(&r.coefs[t]);
                t++;
            }
        }
    }
    r.lc_start[3 * (size_t)m] = t;
    r.n_terms = t;
    int rc = via_r1cs_write(&r, path, err);
    via_r1cs_free(&r);
    return rc;
}

int main(int argc, char **argv) {
    via_error err = {0};
    if (argc >= 5 && strcmp(argv[1], "setup") == 0) {
        via_setup_options opt;
        memset(&opt, 0, sizeof opt);
        for (int i = 5; i < argc; i++) {
            if (strcmp(argv[i], "--init") == 0)
                opt.skip_contribution = 1;
            else
                opt.contribution_name = argv[i];
        }
        opt.progress = progress;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = via_groth16_setup_ex(argv[2], argv[3], argv[4], &opt, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (rc) {
            fprintf(stderr, "setup failed (%s): %s\n", via_strerror(rc), err.msg);
            return 1;
        }
        printf("circuit hash ");
        for (int i = 0; i < 64; i++)
            printf("%02x", opt.cs_hash[i]);
        printf("\ncontribution hash ");
        for (int i = 0; i < 64; i++)
            printf("%02x", opt.contribution_hash[i]);
        printf("\nsetup took %.3f s\n",
               (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "contribute") == 0) {
        via_zkey z;
        uint8_t hash[64];
        int rc = via_zkey_read(&z, argv[2], &err);
        if (!rc) rc = via_setup_contribute(&z, argv[4], hash, progress, NULL, &err);
        if (!rc) rc = via_zkey_write(&z, argv[3], &err);
        via_zkey_free(&z);
        if (rc) {
            fprintf(stderr, "contribute failed (%s): %s\n", via_strerror(rc), err.msg);
            return 1;
        }
        printf("contribution hash ");
        for (int i = 0; i < 64; i++)
            printf("%02x", hash[i]);
        printf("\n");
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "ptau") == 0) {
        int rc =
            via_ptau_dev_write(argv[2], (unsigned)strtoul(argv[3], NULL, 10), NULL, NULL, &err);
        if (rc) fprintf(stderr, "ptau failed (%s): %s\n", via_strerror(rc), err.msg);
        return rc ? 1 : 0;
    }
    if (argc == 5 && strcmp(argv[1], "synth") == 0) {
        rng_state = strtoull(argv[4], NULL, 10) | 1;
        int rc = synth_r1cs(argv[2], (uint32_t)strtoul(argv[3], NULL, 10), &err);
        if (rc) fprintf(stderr, "synth failed (%s): %s\n", via_strerror(rc), err.msg);
        return rc ? 1 : 0;
    }
    if (argc == 4 && strcmp(argv[1], "vk") == 0) {
        int rc = via_export_vk(argv[2], argv[3], &err);
        if (rc) {
            fprintf(stderr, "vk export failed (%s): %s\n", via_strerror(rc), err.msg);
            return 1;
        }
        return 0;
    }
    fprintf(stderr,
            "usage: %s setup R1CS PTAU ZKEY [NAME] [--init]\n"
            "       %s vk ZKEY VK_JSON\n",
            argv[0], argv[0]);
    return 2;
}
