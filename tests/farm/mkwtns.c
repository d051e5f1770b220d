/* Test fixture helper: a witness of the multiplier fixture (c = a * b; wires 1, c, a, b) as a
 * .wtns file, so farm tests can enqueue many distinct small real jobs.
 *   mkwtns out.wtns a b [c]   (c defaults to a * b; another c makes an unsatisfying witness) */
#include <stdio.h>
#include <stdlib.h>

#include "via/wtns.h"

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: mkwtns out.wtns a b [c]\n");
        return 2;
    }
    unsigned long long a = strtoull(argv[2], NULL, 10), b = strtoull(argv[3], NULL, 10);
    unsigned long long c = argc == 5 ? strtoull(argv[4], NULL, 10) : a * b;
    via_scalar w[4] = {{{1, 0, 0, 0}}, {{c, 0, 0, 0}}, {{a, 0, 0, 0}}, {{b, 0, 0, 0}}};
    via_error err = {0};
    if (via_wtns_write(w, 4, argv[1], &err)) {
        fprintf(stderr, "mkwtns: %s\n", err.msg);
        return 1;
    }
    return 0;
}
