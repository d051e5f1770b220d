/* via-prover prove / verify / export-vk / setup / info / ptau-dev. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "via/groth16.h"
#include "via/describe.h"
#include "via/jsonio.h"
#include "via/ptau_dev.h"
#include "via/setup.h"
#include "via/wtns.h"
#include "via/zkey.h"
#include "via/file.h"

#include <jansson.h>

static const char prove_help[] =
    "usage: via-prover prove <circuit.zkey> <witness.wtns> <proof.json> <public.json>\n"
    "                        [<witness.wtns> <proof.json> <public.json> ...]\n"
    "                        [--threads N] [--backend auto|cpu|cuda|opencl]\n"
    "                        [--gpus all|none|LIST]\n\n"
    "Makes a Groth16 proof with a snarkjs .zkey and a circom/snarkjs .wtns (rapidsnark's\n"
    "argument order). Writes proof.json and public.json as snarkjs does. The blinding\n"
    "scalars r and s come from the OS random source and are wiped after use.\n"
    "More witness/proof/public triples after the first make a batch: the key is read once\n"
    "and uploaded once to each device, where it stays for every proof; with several devices\n"
    "the proofs go to different devices, one host thread each.\n\n"
    "--backend picks where the NTTs and the G1 and G2 MSMs run: auto (CUDA if a device\n"
    "exists, else an OpenCL GPU, else the CPU), cpu, cuda or opencl; env VIA_BACKEND. Without\n"
    "it: CUDA if a device exists, else the CPU (OpenCL is not probed). Every backend computes\n"
    "the same bytes.\n"
    "--gpus picks the devices of that backend, by the index `via-prover devices` shows:\n"
    "all (default; for OpenCL every GPU, or every device when there is no GPU), none (the\n"
    "CPU alone), or a list such as 0,2; env VIA_GPUS. An MSM that does not fit a device's\n"
    "memory is split into parts that do, spread over the selected devices\n"
    "(VIA_DEVICE_MEM_LIMIT=bytes caps what each device may use). A device that fails is\n"
    "reported and left out; its work goes to the other devices or the CPU.\n";

int via_cli_cmd_devices(int argc, char **argv);
int via_cli_cmd_srs(int argc, char **argv);
int via_cli_cmd_sample_chunk(int argc, char **argv);
int via_cli_cmd_aggregate(int argc, char **argv);
int via_cli_cmd_verify_aggregate(int argc, char **argv);
#ifdef VIA_HAVE_GATEWAY
int via_cli_cmd_run(int argc, char **argv);
int via_cli_cmd_queue(int argc, char **argv);
#endif

static int cmd_prove(int argc, char **argv) {
    const char **pos = calloc((size_t)argc + 1, sizeof(*pos));
    if (!pos) {
        fprintf(stderr, "via-prover prove: out of memory\n");
        return 2;
    }
    size_t npos;
    via_cli_opt popts[] = {{"--backend", 1, NULL}, {"--gpus", 1, NULL}};
    int prc = via_cli_parse(argc, argv, popts, 2, pos, (size_t)argc, 4, &npos, prove_help);
    if (prc) {
        free(pos);
        return prc == 1 ? 0 : 2;
    }
    if ((npos - 1) % 3 != 0) {
        fprintf(stderr,
                "via-prover prove: after the key come triples of witness, proof and public "
                "paths; got %zu path%s after %s\n\n%s",
                npos - 1, npos == 2 ? "" : "s", pos[0], prove_help);
        free(pos);
        return 2;
    }
    size_t njobs = (npos - 1) / 3;
    for (size_t j = 0; j < njobs; j++)
        for (int k = 2; k <= 3; k++)
            for (size_t i = 0; i < npos; i++)
                if ((i == 0 || (i - 1) % 3 == 0) &&
                    via_cli_same_as_input("prove", pos[k + 3 * j], &pos[i], 1)) {
                    free(pos);
                    return 2;
                }
    for (size_t i = 1; i < npos; i++)
        for (size_t k = i + 1; k < npos; k++)
            if ((i - 1) % 3 && (k - 1) % 3 && strcmp(pos[i], pos[k]) == 0) {
                fprintf(stderr, "via-prover prove: %s is written twice (arguments %zu and %zu)\n",
                        pos[i], i + 1, k + 1);
                free(pos);
                return 2;
            }
    via_error err = {0};
    const char *bname = popts[0].value ? popts[0].value : getenv("VIA_BACKEND");
    const char *gpus = popts[1].value ? popts[1].value : getenv("VIA_GPUS");
    if (gpus && !*gpus) gpus = NULL;
    via_zkey z;
    via_wtns *w = calloc(njobs, sizeof(*w));
    via_cli_job *jobs = calloc(njobs, sizeof(*jobs));
    int rc;
    if (!w || !jobs) {
        free(pos);
        free(w);
        free(jobs);
        fprintf(stderr, "via-prover prove: out of memory\n");
        return 2;
    }
    via_cli_progress(NULL, "reading key", 0.0);
    if ((rc = via_zkey_read(&z, pos[0], &err))) {
        free(pos);
        free(w);
        free(jobs);
        return via_cli_fail("prove", &err, rc);
    }
    size_t nread = 0;
    for (; nread < njobs; nread++) {
        const char *path = pos[1 + 3 * nread];
        if ((rc = via_wtns_read(&w[nread], path, &err))) break;
        if (w[nread].n != z.n_vars) {
            rc = via_fail(&err, VIA_EINVAL, "%s has %u witness values but %s expects %u", path,
                          w[nread].n, pos[0], z.n_vars);
            via_wtns_free(&w[nread]);
            break;
        }
        jobs[nread].w = w[nread].values;
        jobs[nread].nw = w[nread].n;
    }
    const char *used = "cpu";
    double t0 = via_now_seconds(), t1 = t0;
    if (!rc) {
        via_groth16_pk pk;
        via_groth16_pk_from_zkey(&pk, &z);
        rc = via_cli_prove_jobs(bname, gpus, &pk, jobs, njobs, &used, &err);
        t1 = via_now_seconds();
    }
    int failed = 0;
    /* Every proof is verified before it is written (a few milliseconds): a witness that does
     * not satisfy the circuit gives a proof that does not verify, which is refused here
     * rather than written for someone else to discover. */
    via_groth16_vk vk;
    int have_vk = 0;
    if (!rc) {
        if ((rc = via_groth16_vk_from_zkey(&vk, &z, &err)) == VIA_OK) have_vk = 1;
    }
    for (size_t j = 0; !rc && j < njobs; j++) {
        int jr = jobs[j].rc;
        const char *wpath = pos[1 + 3 * j];
        if (!jr) {
            via_error ve = {0};
            jr = via_groth16_verify(&vk, w[j].values + 1, z.n_public, &jobs[j].proof, &ve);
            if (jr == VIA_EVERIFY)
                via_fail(&jobs[j].err, jr,
                         "%s: the proof made with this witness does not verify against %s, so "
                         "nothing was written: the witness does not satisfy the circuit's "
                         "constraints (most likely it was computed for another circuit or "
                         "input, or the file was altered; `snarkjs wtns check` names the "
                         "failing constraint)",
                         wpath, pos[0]);
            else if (jr)
                via_fail(&jobs[j].err, jr, "%s: checking the proof: %s", wpath, ve.msg);
        }
        if (!jr) jr = via_proof_write_json(&jobs[j].proof, pos[2 + 3 * j], &jobs[j].err);
        if (!jr)
            jr = via_public_write_json(w[j].values + 1, z.n_public, pos[3 + 3 * j], &jobs[j].err);
        if (jr) {
            via_cli_progress_done();
            if (njobs == 1)
                fprintf(stderr, "via-prover prove: %s\n",
                        jobs[j].err.msg[0] ? jobs[j].err.msg : via_strerror(jr));
            else
                fprintf(stderr, "via-prover prove: proof %zu (%s): %s\n", j + 1, wpath,
                        jobs[j].err.msg[0] ? jobs[j].err.msg : via_strerror(jr));
            failed++;
        }
        memset(&jobs[j].proof, 0, sizeof(jobs[j].proof));
    }
    via_cli_progress_done();
    if (have_vk) via_groth16_vk_free(&vk);
    for (size_t j = 0; j < nread; j++) {
        /* the witness holds the prover's secret inputs */
        if (w[j].values) via_wipe(w[j].values, (size_t)w[j].n * sizeof *w[j].values);
        via_wtns_free(&w[j]);
    }
    via_zkey_free(&z);
    free(w);
    if (rc) {
        free(jobs);
        free(pos);
        return via_cli_fail("prove", &err, rc);
    }
    if (getenv("VIA_VERBOSE")) {
        fprintf(stderr, "prove: %zu proof%s in %.3f s on %u threads, backend %s\n", njobs,
                njobs == 1 ? "" : "s", t1 - t0, via_get_threads(), used);
        for (size_t j = 0; j < njobs && njobs > 1; j++)
            if (jobs[j].device >= 0)
                fprintf(stderr, "  proof %zu: %s device %d\n", j + 1, used, jobs[j].device);
            else
                fprintf(stderr, "  proof %zu: cpu\n", j + 1);
    }
    free(jobs);
    free(pos);
    return failed ? 2 : 0;
}

static const char verify_help[] =
    "usage: via-prover verify <verification_key.json> <public.json> <proof.json>\n\n"
    "Checks a Groth16 proof (snarkjs's argument order). Prints OK and exits 0 when it is\n"
    "valid, prints INVALID and exits 1 when it is not, and exits 2 with a message when an\n"
    "input is unusable. Every point is checked to be on its curve and every G2 point to be\n"
    "in the prime-order subgroup; public inputs must be below the field order.\n";

/* What a JSON file looks like: "a verification key", "a proof", "public signals", or NULL. */
static const char *json_kind(const char *path) {
    uint8_t *buf;
    size_t n;
    if (via_read_file(path, (size_t)64 << 20, &buf, &n, NULL)) return NULL;
    json_t *j = json_loadb((const char *)buf, n, 0, NULL);
    free(buf);
    const char *kind = NULL;
    if (json_is_array(j))
        kind = "public signals";
    else if (json_is_object(j) && json_object_get(j, "pi_a"))
        kind = "a proof";
    else if (json_is_object(j) && (json_object_get(j, "vk_alpha_1") || json_object_get(j, "IC")))
        kind = "a verification key";
    json_decref(j);
    return kind;
}

/* After a read failure: when the files are there but in another order, say so. */
static void verify_order_hint(const char *const pos[3]) {
    static const char *want[3] = {"a verification key", "public signals", "a proof"};
    const char *got[3];
    int misplaced = 0;
    for (int i = 0; i < 3; i++) {
        got[i] = json_kind(pos[i]);
        if (got[i] && strcmp(got[i], want[i]) != 0) misplaced = 1;
    }
    if (!misplaced) return;
    fprintf(stderr, "via-prover verify: the arguments seem to be in another order:");
    for (int i = 0; i < 3; i++)
        fprintf(stderr, " %s is %s%s", pos[i], got[i] ? got[i] : "unreadable", i < 2 ? "," : ";");
    fprintf(stderr, " the order is <verification_key.json> <public.json> <proof.json> "
                    "(snarkjs's)\n");
}

static int cmd_verify(int argc, char **argv) {
    const char *pos[3];
    size_t npos;
    int prc = via_cli_parse(argc, argv, NULL, 0, pos, 3, 3, &npos, verify_help);
    if (prc) return prc == 1 ? 0 : 2;
    via_error err = {0};
    via_groth16_vk vk;
    via_groth16_proof proof;
    via_scalar *pub = NULL;
    size_t npub = 0;
    via_fq12 alphabeta;
    int has_ab = 0;
    int rc = via_vk_read_json(&vk, &alphabeta, &has_ab, pos[0], &err);
    if (rc) {
        rc = via_cli_fail("verify", &err, rc);
        verify_order_hint(pos);
        return rc;
    }
    if ((rc = via_public_read_json(&pub, &npub, pos[1], &err)) ||
        (rc = via_proof_read_json(&proof, pos[2], &err))) {
        via_groth16_vk_free(&vk);
        via_free_big(pub);
        rc = via_cli_fail("verify", &err, rc);
        verify_order_hint(pos);
        return rc;
    }
    rc = via_groth16_verify(&vk, pub, npub, &proof, &err);
    via_groth16_vk_free(&vk);
    via_free_big(pub);
    if (rc == VIA_OK) {
        printf("OK\n");
        return 0;
    }
    if (rc == VIA_EVERIFY) {
        printf("INVALID\n");
        return 1;
    }
    /* Points off the curve or outside the subgroup make the proof invalid, not unusable,
     * when they are in the proof; a bad key or bad public inputs are unusable input. */
    if (strncmp(err.msg, "proof:", 6) == 0) {
        printf("INVALID\n");
        fprintf(stderr, "via-prover verify: %s\n", err.msg);
        return 1;
    }
    return via_cli_fail("verify", &err, rc);
}

static const char export_help[] =
    "usage: via-prover export-vk <circuit.zkey> <verification_key.json>\n\n"
    "Writes the verification key of a .zkey as snarkjs's verification_key.json (including\n"
    "vk_alphabeta_12 in snarkjs's convention).\n";

static int cmd_export_vk(int argc, char **argv) {
    const char *pos[2];
    size_t npos;
    int prc = via_cli_parse(argc, argv, NULL, 0, pos, 2, 2, &npos, export_help);
    if (prc) return prc == 1 ? 0 : 2;
    via_error err = {0};
    if (via_cli_same_as_input("export-vk", pos[1], pos, 1)) return 2;
    int rc = via_export_vk(pos[0], pos[1], &err);
    if (rc) return via_cli_fail("export-vk", &err, rc);
    return 0;
}

static const char setup_help[] =
    "usage: via-prover setup <circuit.r1cs> <prepared.ptau> <circuit.zkey> [--name TEXT]\n\n"
    "Builds a Groth16 .zkey from a circuit and a powers-of-tau file prepared for phase 2,\n"
    "equivalent to `snarkjs groth16 setup` followed by one `snarkjs zkey contribute` (the\n"
    "contribution's secret comes from the OS random source and is wiped). The result passes\n"
    "`snarkjs zkey verify`. A key from one contribution is a development key: production\n"
    "keys need a multi-party ceremony.\n";

static int cmd_setup(int argc, char **argv) {
    const char *pos[3];
    size_t npos;
    via_cli_opt opts[] = {{"--name", 1, NULL}};
    int prc = via_cli_parse(argc, argv, opts, 1, pos, 3, 3, &npos, setup_help);
    if (prc) return prc == 1 ? 0 : 2;
    via_error err = {0};
    via_setup_options so;
    memset(&so, 0, sizeof so);
    so.contribution_name = opts[0].value ? opts[0].value : "via-prover";
    so.progress = via_cli_progress;
    if (via_cli_same_as_input("setup", pos[2], pos, 2)) return 2;
    int rc = via_groth16_setup_ex(pos[0], pos[1], pos[2], &so, &err);
    via_cli_progress_done();
    if (rc) return via_cli_fail("setup", &err, rc);
    printf("circuit hash:\n");
    for (int i = 0; i < 64; i++)
        printf("%02x%s", so.cs_hash[i], i % 16 == 15 ? "\n" : "");
    printf("contribution hash:\n");
    for (int i = 0; i < 64; i++)
        printf("%02x%s", so.contribution_hash[i], i % 16 == 15 ? "\n" : "");
    return 0;
}

static const char info_help[] =
    "usage: via-prover info <file>\n\n"
    "Describes a .r1cs, .wtns, .zkey or .ptau file, or a proof.json, public.json or\n"
    "verification_key.json, after validating it.\n";

static int cmd_info(int argc, char **argv) {
    const char *pos[1];
    size_t npos;
    int prc = via_cli_parse(argc, argv, NULL, 0, pos, 1, 1, &npos, info_help);
    if (prc) return prc == 1 ? 0 : 2;
    via_error err = {0};
    int rc = via_file_describe(pos[0], stdout, &err);
    if (rc) return via_cli_fail("info", &err, rc);
    return 0;
}

static const char ptau_help[] =
    "usage: via-prover ptau-dev --power N <out.ptau>\n\n"
    "Writes a DEVELOPMENT powers-of-tau file of 2^N (1..27), already prepared for phase 2,\n"
    "from secrets drawn from the OS random source and wiped. It is a one-party ceremony made\n"
    "with variable-time code: for tests, benchmarks and devnets only.\n";

static int cmd_ptau_dev(int argc, char **argv) {
    const char *pos[1];
    size_t npos;
    via_cli_opt opts[] = {{"--power", 1, NULL}};
    int prc = via_cli_parse(argc, argv, opts, 1, pos, 1, 1, &npos, ptau_help);
    if (prc) return prc == 1 ? 0 : 2;
    unsigned power;
    if (!opts[0].value || via_cli_parse_uint(opts[0].value, 1, 27, &power)) {
        if (opts[0].value)
            fprintf(stderr, "via-prover ptau-dev: --power %s is not a number from 1 to 27\n",
                    opts[0].value);
        else
            fprintf(stderr, "via-prover ptau-dev: --power N is required, N from 1 to 27\n");
        return 2;
    }
    via_error err = {0};
    int rc = via_ptau_dev_write(pos[0], power, via_cli_progress, NULL, &err);
    via_cli_progress_done();
    if (rc) return via_cli_fail("ptau-dev", &err, rc);
    return 0;
}

int via_cli_cmd_circuit(int argc, char **argv);
int via_cli_cmd_witness(int argc, char **argv);

const via_cli_command via_cli_commands[] = {
    {"prove", "make a Groth16 proof from a .zkey and a .wtns", cmd_prove},
    {"verify", "check a proof against a verification key and public inputs", cmd_verify},
    {"setup", "build a .zkey from a .r1cs and a prepared .ptau", cmd_setup},
    {"export-vk", "write the verification key of a .zkey as JSON", cmd_export_vk},
    {"info", "describe any supported file", cmd_info},
    {"ptau-dev", "write a development powers-of-tau file (tests, benchmarks)", cmd_ptau_dev},
    {"devices", "list CPU, CUDA and OpenCL devices", via_cli_cmd_devices},
    {"circuit", "write the rollup chunk circuit as .r1cs and print its size", via_cli_cmd_circuit},
    {"witness", "generate a chunk witness from its JSON input", via_cli_cmd_witness},
    {"sample-chunk", "write a valid sample chunk input (tests, benchmarks)",
     via_cli_cmd_sample_chunk},
    {"srs", "build the proof-aggregation SRS from two powers-of-tau files", via_cli_cmd_srs},
    {"aggregate", "aggregate many proofs of one key into one SnarkPack proof",
     via_cli_cmd_aggregate},
    {"verify-aggregate", "check an aggregate against the public inputs of its proofs",
     via_cli_cmd_verify_aggregate},
#ifdef VIA_HAVE_GATEWAY
    {"run", "run a prover farm node on the PostgreSQL queue (also: options, no command)",
     via_cli_cmd_run},
    {"queue", "the farm queue by hand: status, nodes, enqueue, retry, cancel, wait, result",
     via_cli_cmd_queue},
#endif
    {NULL, NULL, NULL},
};
