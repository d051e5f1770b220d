/* libFuzzer harness: public.json parser; accepted signals are < r and survive a rewrite. */
#include <string.h>

#include "fuzz_common.h"
#include "via/jsonio.h"
#include "via/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_scalar *v, *w;
    size_t n, m;
    via_error err;
    if (via_public_parse_json(&v, &n, "fuzz.json", (const char *)data, size, &err)) return 0;
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(via_limbs_lt(v[i].l, via_fr_mod.p));
    char *s = via_public_to_json(v, n);
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(via_public_parse_json(&w, &m, "rewritten", s, strlen(s), &err) == 0);
    FUZZ_CHECK(m == n && (n == 0 || memcmp(v, w, n * sizeof *v) == 0));
    free(s);
    via_free_big(v);
    via_free_big(w);
    return 0;
}
