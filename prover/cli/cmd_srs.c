/* via-prover srs: the aggregation SRS from two powers-of-tau ceremonies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "via/ptau.h"
#include "via/srs.h"

static const char srs_help[] =
    "usage: via-prover srs --ptau first.ptau --ptau second.ptau --max N out.srs\n"
    "                      [--verifier out-verifier.srs]\n\n"
    "Writes the SnarkPack SRS for aggregates of at most N proofs (a power of two from 2 to\n"
    "2^20) from two independent powers-of-tau ceremonies (snarkjs .ptau files): the powers\n"
    "g^(a^i), g^(b^i) for i < 2N and h^(a^i), h^(b^i) for i < N. Both files must hold that\n"
    "many powers (power >= log2(N) + 1) and come from different ceremonies (the same tau twice\n"
    "is refused). --verifier also writes the verifier's part alone (g, g^a, g^b, h, h^a, h^b),\n"
    "which is all verify-aggregate needs. The format is docs/srs.md.\n";

int via_cli_cmd_srs(int argc, char **argv) {
    const char *ptau[2] = {NULL, NULL}, *max = NULL, *out = NULL, *vout = NULL;
    int nptau = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(srs_help, stdout);
            return 0;
        }
        const char **slot = NULL;
        if (!strcmp(a, "--ptau")) {
            if (nptau == 2) {
                fprintf(stderr, "via-prover srs: --ptau is given more than twice\n");
                return 2;
            }
            slot = &ptau[nptau++];
        } else if (!strcmp(a, "--max")) {
            slot = &max;
        } else if (!strcmp(a, "--verifier")) {
            slot = &vout;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "via-prover srs: unknown option %s\n\n%s", a, srs_help);
            return 2;
        } else if (!out) {
            out = a;
            continue;
        } else {
            fprintf(stderr, "via-prover srs: too many arguments (at '%s')\n\n%s", a, srs_help);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "via-prover srs: %s needs a value\n", a);
            return 2;
        }
        if (*slot && slot != &ptau[0] && slot != &ptau[1]) {
            fprintf(stderr, "via-prover srs: %s is given twice\n", a);
            return 2;
        }
        *slot = argv[++i];
    }
    if (nptau != 2 || !max || !out) {
        fprintf(stderr,
                "via-prover srs: two --ptau files, --max N and the output are required\n\n%s",
                srs_help);
        return 2;
    }
    unsigned n;
    if (via_cli_parse_uint(max, 2, 1u << 20, &n) || (n & (n - 1))) {
        fprintf(stderr, "via-prover srs: --max %s is not a power of two from 2 to %u\n", max,
                1u << 20);
        return 2;
    }
    const char *ins[2] = {ptau[0], ptau[1]};
    if (via_cli_same_as_input("srs", out, ins, 2) || via_cli_same_as_input("srs", vout, ins, 2))
        return 2;
    if (vout && (strcmp(out, vout) == 0)) {
        fprintf(stderr, "via-prover srs: --verifier names the same file as the output\n");
        return 2;
    }
    via_error err = {0};
    via_ptau pa, pb;
    int rc = via_ptau_read(&pa, ptau[0], VIA_PTAU_LOAD_POWERS, &err);
    if (rc) return via_cli_fail("srs", &err, rc);
    if ((rc = via_ptau_read(&pb, ptau[1], VIA_PTAU_LOAD_POWERS, &err))) {
        via_ptau_free(&pa);
        return via_cli_fail("srs", &err, rc);
    }
    via_srs s, v;
    rc = via_srs_from_ptau(&s, &pa, ptau[0], &pb, ptau[1], n, &err);
    via_ptau_free(&pa);
    via_ptau_free(&pb);
    if (rc) return via_cli_fail("srs", &err, rc);
    rc = via_srs_write(&s, out, &err);
    if (!rc && vout) {
        rc = via_srs_verifier_part(&v, &s, &err);
        if (!rc) {
            rc = via_srs_write(&v, vout, &err);
            via_srs_free(&v);
        }
    }
    via_srs_free(&s);
    if (rc) return via_cli_fail("srs", &err, rc);
    printf("srs: %u proofs at most; %s%s%s\n", n, out, vout ? ", verifier part " : "",
           vout ? vout : "");
    return 0;
}
