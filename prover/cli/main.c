/*
 * via-prover: the command-line front end of the proving library. Thin by design: parse flags,
 * call the library, print results. Exit codes: 0 success (and OK for verify), 1 INVALID from
 * verify, 2 unusable input or a failure, with a message naming what went wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const via_cli_command *find_command(const char *name);
static const via_cli_command *find_command(const char *name) {
    for (const via_cli_command *c = via_cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

static void usage(FILE *out) {
    fprintf(out, "usage: via-prover [--threads N] <command> [arguments]\n\n"
                 "Groth16 over BN254, compatible with snarkjs 0.7 and rapidsnark files.\n\n"
                 "commands:\n");
    for (const via_cli_command *c = via_cli_commands; c->name; c++)
        fprintf(out, "  %-17s %s\n", c->name, c->summary);
    fprintf(out, "\nglobal options:\n"
                 "  --threads N   worker threads (default: all cores; env VIA_THREADS)\n"
                 "  --help        this text; `via-prover <command> --help` for a command\n"
                 "  --version     print the version\n");
}

int main(int argc, char **argv) {
    const char *env_threads = getenv("VIA_THREADS");
    if (env_threads && *env_threads) {
        unsigned t;
        if (via_cli_parse_uint(env_threads, 1, 4096, &t)) {
            fprintf(stderr, "via-prover: VIA_THREADS=%s is not a thread count (1..4096)\n",
                    env_threads);
            return 2;
        }
        via_set_threads(t);
    }
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("via-prover %s\n", VIA_CLI_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--threads") == 0) {
            unsigned t;
            if (i + 1 >= argc || via_cli_parse_uint(argv[i + 1], 1, 4096, &t)) {
                fprintf(stderr, "via-prover: --threads needs a number from 1 to 4096\n");
                return 2;
            }
            via_set_threads(t);
            i++;
        } else {
#ifdef VIA_HAVE_GATEWAY
            /* options and no command: the farm node (`via-prover --gpus all`) */
            const via_cli_command *run = find_command("run");
            if (run) return run->run(argc - i + 1, argv + i - 1);
#endif
            fprintf(stderr, "via-prover: unknown option %s (see via-prover --help)\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    const via_cli_command *cmd = find_command(argv[i]);
    if (!cmd) {
        fprintf(stderr, "via-prover: unknown command '%s' (see via-prover --help)\n", argv[i]);
        return 2;
    }
    return cmd->run(argc - i, argv + i);
}
