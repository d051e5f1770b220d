/* via-prover aggregate / verify-aggregate: SnarkPack over many Groth16 proofs of one key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "via/aggregate.h"
#include "via/file.h"
#include "via/host.h"
#include "via/jsonio.h"

static const char aggregate_help[] =
    "usage: via-prover aggregate --srs s.srs --vk verification_key.json\n"
    "                            --proof p1.json --public pub1.json [--proof p2.json\n"
    "                            --public pub2.json ...] --out batch.agg\n"
    "       via-prover aggregate --srs s.srs --vk verification_key.json --list proofs.txt\n"
    "                            --out batch.agg\n"
    "                            [--backend auto|cpu|cuda|opencl] [--gpus all|none|LIST]\n\n"
    "Aggregates n >= 1 Groth16 proofs made under one verification key (snarkjs proof.json and\n"
    "public.json files, the i-th --public belonging to the i-th --proof) into one SnarkPack\n"
    "proof whose size and verification time grow with log n (docs/aggregate.md). A list file\n"
    "holds one proof per line: `proof.json public.json` (relative paths are relative to the\n"
    "list file; blank lines and lines starting with # are skipped). The SRS (`via-prover\n"
    "srs`) must serve the padded count (the next power of two, at least 2). Every proof is\n"
    "checked first: one that does not verify is named and nothing is written.\n"
    "--backend and --gpus choose where the G1 and G2 MSMs run, as for prove; every backend\n"
    "computes the same bytes.\n";

static const char verify_aggregate_help[] =
    "usage: via-prover verify-aggregate --srs s.srs --vk verification_key.json\n"
    "                                   --public pub1.json [--public pub2.json ...] batch.agg\n"
    "       via-prover verify-aggregate --srs s.srs --vk verification_key.json\n"
    "                                   --list proofs.txt batch.agg\n\n"
    "Checks an aggregate against the public inputs of its proofs, in the order of the proofs\n"
    "(a list file line is `public.json`, or `proof.json public.json` as aggregate reads it).\n"
    "--srs takes the full SRS or the verifier's part (`via-prover srs --verifier`). Prints OK\n"
    "and exits 0 when it is valid, prints INVALID and exits 1 when it is not (including an\n"
    "aggregate file that is malformed: wrong size, a point off its curve, a GT element outside\n"
    "GT), and exits 2 with a message when another input is unusable.\n";

typedef struct {
    const char *srs, *vk, *list, *out, *backend, *gpus;
    const char **proofs, **publics;
    size_t nproofs, npublics;
    const char *agg; /* verify-aggregate's positional */
    char **owned;    /* paths read from the list file */
    size_t nowned;
} agg_args;

static void args_free(agg_args *a) {
    for (size_t i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->proofs);
    free(a->publics);
}

/* 0 to run, 1 after --help, 2 on a usage error (printed). */
static int parse(agg_args *a, int argc, char **argv, int verify, const char *help) {
    const char *cmd = verify ? "verify-aggregate" : "aggregate";
    memset(a, 0, sizeof *a);
    a->proofs = calloc((size_t)argc, sizeof *a->proofs);
    a->publics = calloc((size_t)argc, sizeof *a->publics);
    if (!a->proofs || !a->publics) {
        fprintf(stderr, "via-prover %s: out of memory\n", cmd);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(help, stdout);
            return 1;
        }
        const char **slot = NULL;
        if (!strcmp(s, "--srs"))
            slot = &a->srs;
        else if (!strcmp(s, "--vk"))
            slot = &a->vk;
        else if (!strcmp(s, "--list"))
            slot = &a->list;
        else if (!strcmp(s, "--public"))
            slot = &a->publics[a->npublics];
        else if (!verify && !strcmp(s, "--proof"))
            slot = &a->proofs[a->nproofs];
        else if (!verify && !strcmp(s, "--out"))
            slot = &a->out;
        else if (!verify && !strcmp(s, "--backend"))
            slot = &a->backend;
        else if (!verify && !strcmp(s, "--gpus"))
            slot = &a->gpus;
        else if (!strcmp(s, "--threads")) {
            unsigned t;
            if (i + 1 >= argc || via_cli_parse_uint(argv[i + 1], 1, 4096, &t)) {
                fprintf(stderr, "via-prover %s: --threads needs a number from 1 to 4096\n", cmd);
                return 2;
            }
            via_set_threads(t);
            i++;
            continue;
        } else if (s[0] == '-' && s[1] == '-') {
            fprintf(stderr, "via-prover %s: unknown option %s\n\n%s", cmd, s, help);
            return 2;
        } else if (verify && !a->agg) {
            a->agg = s;
            continue;
        } else {
            fprintf(stderr, "via-prover %s: unexpected argument '%s'\n\n%s", cmd, s, help);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "via-prover %s: %s needs a value\n", cmd, s);
            return 2;
        }
        if (*slot) {
            fprintf(stderr, "via-prover %s: %s is given twice\n", cmd, s);
            return 2;
        }
        *slot = argv[++i];
        if (slot == &a->publics[a->npublics]) a->npublics++;
        if (!verify && slot == &a->proofs[a->nproofs]) a->nproofs++;
    }
    if (!a->srs || !a->vk || (!verify && !a->out) || (verify && !a->agg)) {
        fprintf(stderr, "via-prover %s: --srs, --vk%s are required\n\n%s", cmd,
                verify ? " and the aggregate file" : " and --out", help);
        return 2;
    }
    if (a->list && (a->nproofs || a->npublics)) {
        fprintf(stderr,
                "via-prover %s: give the proofs either with --list or with --%s flags, "
                "not both\n",
                cmd, verify ? "public" : "proof/--public");
        return 2;
    }
    if (!a->list && !a->npublics) {
        fprintf(stderr, "via-prover %s: no proofs given (--%s or --list)\n\n%s", cmd,
                verify ? "public" : "proof and --public", help);
        return 2;
    }
    if (!verify && !a->list && a->nproofs != a->npublics) {
        fprintf(stderr,
                "via-prover aggregate: %zu --proof but %zu --public files; each proof needs "
                "its public inputs, in the same order\n",
                a->nproofs, a->npublics);
        return 2;
    }
    return 0;
}

/* Reads the list file into a->proofs / a->publics. */
static int read_list(agg_args *a, int verify, via_error *err) {
    char *text;
    size_t len;
    int rc = via_read_text_file(&text, &len, a->list, (size_t)256 << 20, err);
    if (rc) return rc;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    free(a->proofs);
    free(a->publics);
    a->proofs = calloc(lines, sizeof *a->proofs);
    a->publics = calloc(lines, sizeof *a->publics);
    a->owned = calloc(2 * lines, sizeof *a->owned);
    if (!a->proofs || !a->publics || !a->owned) {
        free(text);
        return via_fail(err, VIA_ENOMEM, "%s: %zu lines", a->list, lines);
    }
    const char *slash = strrchr(a->list, '/');
    size_t dirlen = slash ? (size_t)(slash - a->list) + 1 : 0;
    size_t lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *f[3] = {NULL, NULL, NULL};
        int nf = 0;
        char *s2 = NULL;
        for (char *tok = strtok_r(line, " \t\r", &s2); tok; tok = strtok_r(NULL, " \t\r", &s2)) {
            if (nf == 0 && tok[0] == '#') break;
            if (nf < 3) f[nf] = tok;
            nf++;
        }
        if (nf == 0) continue;
        if (nf > 2 || (!verify && nf != 2)) {
            free(text);
            return via_fail(err, VIA_EINVAL,
                            "%s line %zu: expected `proof.json public.json`%s, found %d fields",
                            a->list, lineno, verify ? " or `public.json`" : "", nf);
        }
        for (int k = 0; k < nf; k++) {
            size_t l = strlen(f[k]);
            int rel = f[k][0] != '/';
            char *p = malloc((rel ? dirlen : 0) + l + 1);
            if (!p) {
                free(text);
                return via_fail(err, VIA_ENOMEM, "%s", a->list);
            }
            memcpy(p, a->list, rel ? dirlen : 0);
            memcpy(p + (rel ? dirlen : 0), f[k], l + 1);
            a->owned[a->nowned++] = p;
            f[k] = p;
        }
        if (nf == 2) a->proofs[a->nproofs++] = f[0];
        a->publics[a->npublics++] = f[nf - 1];
    }
    free(text);
    if (!a->npublics) return via_fail(err, VIA_EINVAL, "%s lists no proofs", a->list);
    if (a->npublics > VIA_AGG_MAX_PROOFS)
        return via_fail(err, VIA_EINVAL, "%s lists %zu proofs; at most %u can be aggregated",
                        a->list, a->npublics, VIA_AGG_MAX_PROOFS);
    return VIA_OK;
}

/* The public inputs of every file; each must have the key's count. */
static int read_publics(via_scalar ***out, const agg_args *a, const via_groth16_vk *vk,
                        via_error *err) {
    via_scalar **p = calloc(a->npublics, sizeof *p);
    if (!p) return via_fail(err, VIA_ENOMEM, "%zu public files", a->npublics);
    for (size_t i = 0; i < a->npublics; i++) {
        size_t n;
        int rc = via_public_read_json(&p[i], &n, a->publics[i], err);
        if (!rc && n != vk->n_public)
            rc = via_fail(err, VIA_EINVAL, "%s has %zu public inputs, the key %s expects %u",
                          a->publics[i], n, a->vk, vk->n_public);
        if (rc) {
            for (size_t k = 0; k <= i; k++)
                via_free_big(p[k]);
            free(p);
            return rc;
        }
    }
    *out = p;
    return VIA_OK;
}

static void free_publics(via_scalar **p, size_t n) {
    if (!p) return;
    for (size_t i = 0; i < n; i++)
        via_free_big(p[i]);
    free(p);
}

int via_cli_cmd_aggregate(int argc, char **argv) {
    agg_args a;
    int prc = parse(&a, argc, argv, 0, aggregate_help);
    if (prc) {
        args_free(&a);
        return prc == 1 ? 0 : 2;
    }
    via_error err = {0};
    int rc = VIA_OK;
    via_srs srs = {0};
    via_groth16_vk vk = {0};
    int have_vk = 0, have_srs = 0;
    via_scalar **pubs = NULL;
    via_groth16_proof *proofs = NULL;
    via_host_pool *pool = NULL;
    if (a.list && (rc = read_list(&a, 0, &err))) goto fail;
    {
        const char *ins[3] = {a.srs, a.vk, a.list ? a.list : a.vk};
        if (via_cli_same_as_input("aggregate", a.out, ins, 3) ||
            via_cli_same_as_input("aggregate", a.out, a.proofs, a.nproofs) ||
            via_cli_same_as_input("aggregate", a.out, a.publics, a.npublics)) {
            args_free(&a);
            return 2;
        }
    }
    via_fq12 ab;
    int has_ab;
    if ((rc = via_vk_read_json(&vk, &ab, &has_ab, a.vk, &err))) goto fail;
    have_vk = 1;
    if ((rc = read_publics(&pubs, &a, &vk, &err))) goto fail;
    proofs = calloc(a.nproofs, sizeof *proofs);
    if (!proofs) {
        rc = via_fail(&err, VIA_ENOMEM, "%zu proofs", a.nproofs);
        goto fail;
    }
    for (size_t i = 0; i < a.nproofs; i++)
        if ((rc = via_proof_read_json(&proofs[i], a.proofs[i], &err))) goto fail;
    uint32_t m = via_aggregate_padded(a.nproofs);
    via_cli_progress(NULL, "reading SRS", 0.0);
    if ((rc = via_srs_read(&srs, a.srs, &err))) goto fail;
    have_srs = 1;
    if (srs.verifier_only) {
        rc = via_fail(&err, VIA_EINVAL,
                      "%s is the verifier's part of an SRS; aggregating needs the full SRS", a.srs);
        goto fail;
    }
    if (m > srs.n) {
        rc = via_fail(&err, VIA_EINVAL,
                      "%zu proofs pad to %u, but %s serves at most %u (make one with `via-prover "
                      "srs --max %u`)",
                      a.nproofs, m, a.srs, srs.n, m);
        goto fail;
    }
    /* every proof checked first: a bad one is named, not hidden inside an aggregate that
     * would only fail to verify */
    via_cli_progress(NULL, "checking proofs", 0.0);
    rc = via_groth16_verify_batch(&vk, (const via_scalar *const *)pubs, proofs, a.nproofs, &err);
    if (rc == VIA_EVERIFY) {
        int named = 0;
        for (size_t i = 0; i < a.nproofs; i++) {
            via_error e1 = {0};
            if (via_groth16_verify(&vk, pubs[i], vk.n_public, &proofs[i], &e1) != VIA_OK) {
                via_cli_progress_done();
                fprintf(stderr,
                        "via-prover aggregate: proof %zu (%s with %s) does not verify against "
                        "%s\n",
                        i + 1, a.proofs[i], a.publics[i], a.vk);
                named++;
            }
        }
        rc = via_fail(&err, VIA_EVERIFY, "%d of %zu proofs do not verify; nothing was written",
                      named, a.nproofs);
        goto fail;
    }
    if (rc) goto fail;
    via_groth16_backend be = {0};
    const char *used = "cpu";
    if ((rc = via_cli_msm_backend(a.backend, a.gpus, &pool, &be, &used, &err))) goto fail;
    via_aggregate_opts opts = {pool ? &be : NULL, 0, via_cli_progress, NULL};
    via_aggregate agg;
    double t0 = via_now_seconds();
    rc = via_aggregate_prove(&agg, &srs, &vk, proofs, (const via_scalar *const *)pubs, a.nproofs,
                             &opts, &err);
    double t1 = via_now_seconds();
    via_cli_progress_done();
    if (rc) goto fail;
    if ((rc = via_aggregate_write(&agg, a.out, &err))) goto fail;
    if (getenv("VIA_VERBOSE"))
        fprintf(stderr,
                "aggregate: %zu proofs (padded to %u, %u rounds), %zu bytes, %.3f s on %u "
                "threads, MSMs on %s\n",
                a.nproofs, agg.m, agg.rounds, via_aggregate_size(agg.n), t1 - t0, via_get_threads(),
                used);
fail:
    via_cli_progress_done();
    if (pool) via_host_pool_close(pool);
    free(proofs);
    if (pubs) free_publics(pubs, a.npublics);
    if (have_srs) via_srs_free(&srs);
    if (have_vk) via_groth16_vk_free(&vk);
    args_free(&a);
    return rc ? via_cli_fail("aggregate", &err, rc) : 0;
}

int via_cli_cmd_verify_aggregate(int argc, char **argv) {
    agg_args a;
    int prc = parse(&a, argc, argv, 1, verify_aggregate_help);
    if (prc) {
        args_free(&a);
        return prc == 1 ? 0 : 2;
    }
    via_error err = {0};
    int rc = VIA_OK, invalid = 0;
    via_srs srs = {0};
    via_groth16_vk vk = {0};
    int have_vk = 0, have_srs = 0;
    via_scalar **pubs = NULL;
    if (a.list && (rc = read_list(&a, 1, &err))) goto done;
    via_fq12 ab;
    int has_ab;
    if ((rc = via_vk_read_json(&vk, &ab, &has_ab, a.vk, &err))) goto done;
    have_vk = 1;
    if ((rc = read_publics(&pubs, &a, &vk, &err))) goto done;
    if ((rc = via_srs_read(&srs, a.srs, &err))) goto done;
    have_srs = 1;
    via_aggregate agg;
    uint8_t *bytes;
    size_t len;
    if ((rc = via_read_file(a.agg, via_aggregate_size(VIA_AGG_MAX_PROOFS), &bytes, &len, &err))) {
        if (rc == VIA_ETOOBIG) invalid = 1;
        goto done;
    }
    rc = via_aggregate_decode(&agg, a.agg, bytes, len, &err);
    free(bytes);
    if (rc) {
        invalid = 1; /* a malformed aggregate is an invalid proof */
        goto done;
    }
    rc = via_aggregate_verify(&srs, &vk, (const via_scalar *const *)pubs, a.npublics, &agg, &err);
    if (rc == VIA_EVERIFY) invalid = 1;
done:
    if (pubs) free_publics(pubs, a.npublics);
    if (have_srs) via_srs_free(&srs);
    if (have_vk) via_groth16_vk_free(&vk);
    args_free(&a);
    if (rc == VIA_OK) {
        printf("OK\n");
        return 0;
    }
    if (invalid) {
        printf("INVALID\n");
        fprintf(stderr, "via-prover verify-aggregate: %s\n", err.msg);
        return 1;
    }
    return via_cli_fail("verify-aggregate", &err, rc);
}
