#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "via/file.h"

int via_cli_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || s[0] == '-' || errno || v < lo || v > hi) return -1;
    *out = (unsigned)v;
    return 0;
}

int via_cli_parse(int argc, char **argv, via_cli_opt *opts, size_t nopts, const char **pos,
                  size_t max_pos, size_t min_pos, size_t *npos, const char *help) {
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(help, stdout);
            return 1;
        }
        if (strcmp(a, "--threads") == 0) {
            unsigned t;
            if (i + 1 >= argc || via_cli_parse_uint(argv[i + 1], 1, 4096, &t)) {
                fprintf(stderr, "via-prover %s: --threads needs a number from 1 to 4096\n",
                        argv[0]);
                return 2;
            }
            via_set_threads(t);
            i++;
            continue;
        }
        if (a[0] == '-' && a[1] == '-') {
            size_t k = 0;
            for (; k < nopts; k++)
                if (strcmp(opts[k].name, a) == 0) break;
            if (k == nopts) {
                fprintf(stderr, "via-prover %s: unknown option %s\n\n%s", argv[0], a, help);
                return 2;
            }
            if (opts[k].value) {
                fprintf(stderr, "via-prover %s: %s is given twice (once is allowed)\n", argv[0], a);
                return 2;
            }
            if (opts[k].has_value) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "via-prover %s: %s needs a value\n", argv[0], a);
                    return 2;
                }
                opts[k].value = argv[++i];
            } else {
                opts[k].value = "1";
            }
            continue;
        }
        if (*npos >= max_pos) {
            fprintf(stderr, "via-prover %s: too many arguments (at '%s')\n\n%s", argv[0], a, help);
            return 2;
        }
        pos[(*npos)++] = a;
    }
    if (*npos < min_pos) {
        fprintf(stderr, "via-prover %s: missing arguments: %zu given, %zu needed\n\n%s", argv[0],
                *npos, min_pos, help);
        return 2;
    }
    return 0;
}

int via_cli_same_as_input(const char *cmd, const char *out, const char *const *ins, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!out || !ins[i]) continue;
        if (strcmp(out, ins[i]) == 0 || via_same_file(out, ins[i])) {
            fprintf(
                stderr,
                "via-prover %s: the output %s is the input %s: refusing to overwrite an input\n",
                cmd, out, ins[i]);
            return 1;
        }
    }
    return 0;
}

static int progress_shown;
static double progress_start;

void via_cli_progress(void *ctx, const char *stage, double fraction) {
    (void)ctx;
    if (!isatty(STDERR_FILENO)) return;
    if (!progress_shown) progress_start = via_now_seconds();
    progress_shown = 1;
    fprintf(stderr, "\r\033[K  %-16s %3.0f%%  %6.1f s", stage, fraction * 100.0,
            via_now_seconds() - progress_start);
    fflush(stderr);
}

void via_cli_progress_done(void) {
    if (progress_shown) fprintf(stderr, "\r\033[K");
    progress_shown = 0;
}

int via_cli_fail(const char *cmd, const via_error *err, int code) {
    via_cli_progress_done();
    fprintf(stderr, "via-prover %s: %s\n", cmd, err->msg[0] ? err->msg : via_strerror(code));
    return 2;
}
