/* via-prover circuit / witness: the rollup chunk circuit and its offline witness generation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "via/chunk.h"
#include "via/file.h"

static const char circuit_help[] =
    "usage: via-prover circuit --slots C [--depth D] --r1cs out.r1cs\n\n"
    "Writes the rollup chunk circuit with C transaction slots (1, 4, 16, ... 4096: a power of 4,\n"
    "as docs/protocol.md defines chunk sizes) over a state tree of\n"
    "depth D (default 6; 16^D accounts) as a snarkjs-compatible .r1cs, and prints its\n"
    "constraint and wire counts. The layout it proves is docs/protocol.md.\n";

int via_cli_cmd_circuit(int argc, char **argv) {
    const char *pos[1];
    size_t npos;
    via_cli_opt opts[] = {{"--slots", 1, NULL}, {"--depth", 1, NULL}, {"--r1cs", 1, NULL}};
    int prc = via_cli_parse(argc, argv, opts, 3, pos, 0, 0, &npos, circuit_help);
    if (prc) return prc == 1 ? 0 : 2;
    unsigned slots, depth = VIA_CHUNK_DEFAULT_DEPTH;
    if (!opts[0].value) {
        fprintf(stderr, "via-prover circuit: --slots C is required (C is %s)\n",
                VIA_CHUNK_SLOTS_LIST);
        return 2;
    }
    if (via_cli_parse_uint(opts[0].value, 1, VIA_CHUNK_MAX_SLOTS, &slots) ||
        !via_chunk_slots_valid(slots)) {
        fprintf(stderr, "via-prover circuit: --slots %s is not a protocol chunk size (%s)\n",
                opts[0].value, VIA_CHUNK_SLOTS_LIST);
        return 2;
    }
    if (opts[1].value && via_cli_parse_uint(opts[1].value, 1, VIA_CHUNK_MAX_DEPTH, &depth)) {
        fprintf(stderr, "via-prover circuit: --depth D must be from 1 to %u\n", VIA_CHUNK_MAX_DEPTH);
        return 2;
    }
    via_error err = {0};
    via_chunk_counts k;
    int rc = opts[2].value ? via_chunk_circuit_write_r1cs(slots, depth, opts[2].value, &k, &err)
                           : via_chunk_circuit_counts(slots, depth, &k, &err);
    if (rc) return via_cli_fail("circuit", &err, rc);
    printf("chunk circuit: %u slots, depth %u\n", k.slots, k.depth);
    printf("  constraints %llu (per slot %llu, fixed %llu)\n", (unsigned long long)k.constraints,
           (unsigned long long)k.per_slot, (unsigned long long)k.fixed);
    printf("  wires %u, public inputs %u\n", k.wires, k.public_inputs);
    if (opts[2].value) printf("  written to %s\n", opts[2].value);
    return 0;
}

static const char witness_help[] =
    "usage: via-prover witness --input chunk.json --wtns out.wtns [--public public.json]\n\n"
    "Generates the full witness of the chunk circuit from a chunk's compact JSON input\n"
    "(pre-state accounts with their Merkle paths, and the transactions), natively. An invalid\n"
    "transaction is reported with its slot and the rule it breaks, and nothing is written.\n"
    "The example docs/examples/chunk4.json is a chunk of 4 slots.\n";

int via_cli_cmd_witness(int argc, char **argv) {
    const char *pos[1];
    size_t npos;
    via_cli_opt opts[] = {{"--input", 1, NULL}, {"--wtns", 1, NULL}, {"--public", 1, NULL}};
    int prc = via_cli_parse(argc, argv, opts, 3, pos, 0, 0, &npos, witness_help);
    if (prc) return prc == 1 ? 0 : 2;
    if (!opts[0].value || !opts[1].value) {
        fprintf(stderr, "via-prover witness: --input and --wtns are required\n\n%s", witness_help);
        return 2;
    }
    const char *ins[2] = {opts[0].value, opts[1].value};
    if (via_cli_same_as_input("witness", opts[1].value, ins, 1) ||
        via_cli_same_as_input("witness", opts[2].value, ins, 2))
        return 2;
    via_error err = {0};
    int rc = via_chunk_witness_from_json(opts[0].value, opts[1].value, opts[2].value, &err);
    if (rc) return via_cli_fail("witness", &err, rc);
    return 0;
}

static const char sample_help[] =
    "usage: via-prover sample-chunk --slots C [--depth D] [--seed S] --out chunk.json\n\n"
    "Writes a valid chunk witness input (docs/protocol.md) of C signed transfers between fresh\n"
    "accounts, keys and amounts drawn from the seed (default 1): test and benchmark work for\n"
    "`via-prover witness` and the farm (`via-prover queue enqueue-chunk`).\n";

int via_cli_cmd_sample_chunk(int argc, char **argv) {
    const char *pos[1];
    size_t npos;
    via_cli_opt opts[] = {
        {"--slots", 1, NULL}, {"--depth", 1, NULL}, {"--seed", 1, NULL}, {"--out", 1, NULL}};
    int prc = via_cli_parse(argc, argv, opts, 4, pos, 0, 0, &npos, sample_help);
    if (prc) return prc == 1 ? 0 : 2;
    unsigned slots, depth = VIA_CHUNK_DEFAULT_DEPTH, seed = 1;
    if (!opts[0].value || !opts[3].value) {
        fprintf(stderr, "via-prover sample-chunk: --slots and --out are required\n\n%s",
                sample_help);
        return 2;
    }
    if (via_cli_parse_uint(opts[0].value, 1, VIA_CHUNK_MAX_SLOTS, &slots) ||
        (opts[1].value && via_cli_parse_uint(opts[1].value, 1, VIA_CHUNK_MAX_DEPTH, &depth)) ||
        (opts[2].value && via_cli_parse_uint(opts[2].value, 0, 4000000000u, &seed))) {
        fprintf(stderr, "via-prover sample-chunk: --slots 1..%u, --depth 1..%u, --seed a number\n",
                VIA_CHUNK_MAX_SLOTS, VIA_CHUNK_MAX_DEPTH);
        return 2;
    }
    via_error err = {0};
    char *json;
    int rc = via_chunk_sample_json(&json, slots, depth, seed, &err);
    if (!rc) {
        rc = via_write_atomic(opts[3].value, json, strlen(json), 0, &err);
        free(json);
    }
    if (rc) return via_cli_fail("sample-chunk", &err, rc);
    return 0;
}
