/* via-btc: operator tool for Via's Bitcoin side. A thin dispatcher: each command lives in
 * its own cmd_*.c file and is listed in the table below. */
#include "tool.h"
#include <stdio.h>
#include <string.h>

static const via_btc_command commands[] = {
    {"decode", "print the Via messages and deposits of a raw transaction as JSON", cmd_decode},
    {"bridge-address", "MuSig2-aggregate verifier keys into the taproot bridge address",
     cmd_bridge_address},
    {"inscribe", "build, sign and broadcast a Via commit/reveal inscription", cmd_inscribe},
    {"deposit", "build, sign and broadcast a deposit to the bridge (OP_RETURN payload)",
     cmd_deposit},
    {"bridge-spend", "spend bridge coins with local verifier keys via two-round MuSig2",
     cmd_bridge_spend},
};

int tool_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

static void usage(FILE *f) {
    fprintf(f, "usage: via-btc <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'via-btc <command> --help' describes a command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "via-btc: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
