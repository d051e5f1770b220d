/* Shared declarations of the via-btc commands. Each command is `int cmd_x(int argc, char
 * **argv)` where argv[0] is the command name; it returns the process exit status
 * (0 ok, 1 operational failure, 2 bad usage or malformed input). */
#ifndef VIA_BTC_TOOL_H
#define VIA_BTC_TOOL_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} via_btc_command;

int cmd_decode(int argc, char **argv);
int cmd_bridge_address(int argc, char **argv);
int cmd_inscribe(int argc, char **argv);      /* cmd_inscribe.c (chain) */
int cmd_bridge_spend(int argc, char **argv);  /* cmd_bridge_spend.c (chain) */
int cmd_deposit(int argc, char **argv);       /* cmd_deposit.c (chain) */

/* True when argv holds -h or --help. */
int tool_wants_help(int argc, char **argv);
#endif
