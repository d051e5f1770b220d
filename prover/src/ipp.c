/* SnarkPack commitments over an aggregation SRS; see via/ipp.h. */
#include "via/ipp.h"

#include <stdlib.h>
#include <string.h>

#include "via/runtime.h"

static int check(const via_srs *srs, size_t n, via_error *err) {
    if (srs->verifier_only)
        return via_fail(err, VIA_EINVAL, "commitment: the SRS is the verifier's part only");
    if (n == 0 || n > srs->n)
        return via_fail(err, VIA_EINVAL, "commitment: %zu elements, the SRS serves 1..%u", n,
                        srs->n);
    return VIA_OK;
}

int via_ipp_pair_keys(via_ipp_commitment *out, const via_g2_affine *v1, const via_g2_affine *v2,
                      const via_g1_affine *w1, const via_g1_affine *w2, const via_g1_affine *a,
                      const via_g2_affine *b, size_t n, via_error *err) {
    via_g1_affine *p = via_malloc_big(2 * n * sizeof *p);
    via_g2_affine *q = via_malloc_big(2 * n * sizeof *q);
    if (!p || !q) {
        via_free_big(p);
        via_free_big(q);
        return via_fail(err, VIA_ENOMEM, "commitment of %zu pairs: out of memory", n);
    }
    for (int k = 0; k < 2; k++) {
        const via_g2_affine *v = k ? v2 : v1;
        const via_g1_affine *w = k ? w2 : w1;
        memcpy(p, a, n * sizeof *p);
        memcpy(q, v, n * sizeof *q);
        memcpy(p + n, w, n * sizeof *p);
        memcpy(q + n, b, n * sizeof *q);
        via_gt_pairing(k ? &out->u : &out->t, p, q, 2 * n);
    }
    via_free_big(p);
    via_free_big(q);
    return VIA_OK;
}

void via_ipp_single_keys(via_ipp_commitment *out, const via_g2_affine *v1, const via_g2_affine *v2,
                         const via_g1_affine *c, size_t n) {
    via_gt_pairing(&out->t, c, v1, n);
    via_gt_pairing(&out->u, c, v2, n);
}

int via_ipp_commit_pair(via_ipp_commitment *out, const via_srs *srs, const via_g1_affine *a,
                        const via_g2_affine *b, size_t n, via_error *err) {
    int rc = check(srs, n, err);
    if (rc) return rc;
    return via_ipp_pair_keys(out, srs->h_a, srs->h_b, srs->g_a + n, srs->g_b + n, a, b, n, err);
}

int via_ipp_commit_single(via_ipp_commitment *out, const via_srs *srs, const via_g1_affine *c,
                          size_t n, via_error *err) {
    int rc = check(srs, n, err);
    if (rc) return rc;
    via_ipp_single_keys(out, srs->h_a, srs->h_b, c, n);
    return VIA_OK;
}
