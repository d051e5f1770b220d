/* Shared pieces of the via-prover commands: the command table, a small option parser and the
 * terminal progress line. */
#ifndef VIA_CLI_H
#define VIA_CLI_H
#include <stddef.h>
#include <stdio.h>

#include "via/status.h"
#include "via/runtime.h"

#define VIA_CLI_VERSION "0.1.0"

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} via_cli_command;

extern const via_cli_command via_cli_commands[];

/* Options a command accepts: "--name" with or without a value. */
typedef struct {
    const char *name;
    int has_value;
    const char *value; /* filled by the parser; "1" for a flag that is present */
} via_cli_opt;

/* Parses argv[1..) into positionals and the given options (which may appear anywhere);
 * --threads N and --help are always accepted. Returns 0 when parsing succeeded and the
 * command should run, 1 when --help was printed, 2 on a usage error (message printed).
 * `help` is the command's full help text. */
int via_cli_parse(int argc, char **argv, via_cli_opt *opts, size_t nopts, const char **pos,
                  size_t max_pos, size_t min_pos, size_t *npos, const char *help);

/* Parses a decimal unsigned in [lo, hi]; 0 on success. */
int via_cli_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out);

/* Progress on stderr when it is a terminal (a no-op otherwise); matches via_progress_fn. */
void via_cli_progress(void *ctx, const char *stage, double fraction);
void via_cli_progress_done(void);

/* One proof of a prove run (cmd_devices.c runs them where --backend / --gpus say). */
#include "via/groth16.h"
typedef struct {
    const via_scalar *w;
    size_t nw;
    via_groth16_proof proof;
    int rc;
    via_error err;
    int device; /* index of the device as listed by `devices`, -1: the CPU */
} via_cli_job;
/* Proves every job with pk on the backend named (NULL: the default) and the devices gpus
 * selects (NULL: all). Returns a selection or setup error; per-job results are in jobs.
 * *used is the backend's name. */
int via_cli_prove_jobs(const char *backend, const char *gpus, const via_groth16_pk *pk,
                       via_cli_job *jobs, size_t njobs, const char **used, via_error *err);

/* For work whose only device part is G1/G2 MSMs (aggregation): opens the first device that
 * --backend / --gpus (NULL: VIA_BACKEND / VIA_GPUS, then the default) select and fills be
 * with MSMs on it; *pool stays NULL (and be empty) when the CPU is selected. Close *pool
 * with via_host_pool_close. */
typedef struct via_host_pool via_host_pool;
int via_cli_msm_backend(const char *backend, const char *gpus, via_host_pool **pool,
                        via_groth16_backend *be, const char **used, via_error *err);

/* Opens the device pool --backend / --gpus select (a pool without devices proves on the CPU);
 * *used names the backend. */
int via_cli_pool_open(const char *backend, const char *gpus, via_host_pool **pool,
                      const char **used, via_error *err);

/* 1, after saying so on stderr, when out names the same file as one of ins[0 .. n) (the same
 * path, or the same existing file under another name); 0 otherwise. */
int via_cli_same_as_input(const char *cmd, const char *out, const char *const *ins, size_t n);

/* Prints "via-prover <cmd>: <message>" and returns 2. */
int via_cli_fail(const char *cmd, const via_error *err, int code);
#endif
