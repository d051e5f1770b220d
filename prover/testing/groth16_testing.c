#include "via/groth16_testing.h"

#include <stdlib.h>

#include "groth16_blinding.h"

via_groth16_test_blinding *via_groth16_test_blinding_new(const via_scalar *r, const via_scalar *s) {
    if (!via_limbs_lt(r->l, via_fr_mod.p) || !via_limbs_lt(s->l, via_fr_mod.p)) return NULL;
    via_groth16_test_blinding *b = malloc(sizeof *b);
    if (!b) return NULL;
    b->magic = VIA_GROTH16_TEST_BLINDING_MAGIC;
    b->r = *r;
    b->s = *s;
    return b;
}

void via_groth16_test_blinding_free(via_groth16_test_blinding *b) {
    if (!b) return;
    via_wipe(b, sizeof *b);
    free(b);
}
