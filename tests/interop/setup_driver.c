/*
 * Test driver for tests/interop/setup_snarkjs.sh: runs the library's Groth16 setup and
 * verification-key export on files, the way a CLI would.
 *   via_setup_driver setup R1CS PTAU ZKEY [NAME] [--init]   (--init: no contribution)
 *   via_setup_driver contribute IN_ZKEY OUT_ZKEY NAME   (one more contribution on any zkey)
 *   via_setup_driver vk ZKEY VK_JSON
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "setup.h"
#include "zkey.h"

static void progress(void *ctx, const char *stage, double fraction) {
    (void)ctx;
    fprintf(stderr, "  [%5.1f%%] %s\n", 100.0 * fraction, stage);
}

int main(int argc, char **argv) {
    via_error err = {{0}};
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
