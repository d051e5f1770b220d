/* SnarkPack commitments over an aggregation SRS; see via/ipp.h. */
#include "via/ipp.h"

#include <stdlib.h>

#include "via/runtime.h"

static int check(const via_srs *srs, size_t n, via_error *err) {
    if (srs->verifier_only)
        return via_fail(err, VIA_EINVAL, "commitment: the SRS is the verifier's part only");
    if (n == 0 || n > srs->n)
        return via_fail(err, VIA_EINVAL, "commitment: %zu elements, the SRS serves 1..%u", n,
                        srs->n);
    return VIA_OK;
}

int via_ipp_commit_pair(via_ipp_commitment *out, const via_srs *srs, const via_g1_affine *a,
                        const via_g2_affine *b, size_t n, via_error *err) {
    int rc = check(srs, n, err);
    if (rc) return rc;
    via_g1_affine *p = via_malloc_big(2 * n * sizeof *p);
    via_g2_affine *q = via_malloc_big(2 * n * sizeof *q);
    if (!p || !q) {
        via_free_big(p);
        via_free_big(q);
        return via_fail(err, VIA_ENOMEM, "commitment of %zu pairs: out of memory", n);
    }
    for (int k = 0; k < 2; k++) {
        const via_g2_affine *v = k ? srs->h_b : srs->h_a;
        const via_g1_affine *w = (k ? srs->g_b : srs->g_a) + srs->n; /* shifted by n */
        for (size_t i = 0; i < n; i++) {
            p[i] = a[i];
            q[i] = v[i];
            p[n + i] = w[i];
            q[n + i] = b[i];
        }
        via_gt_pairing(k ? &out->u : &out->t, p, q, 2 * n);
    }
    via_free_big(p);
    via_free_big(q);
    return VIA_OK;
}

int via_ipp_commit_single(via_ipp_commitment *out, const via_srs *srs, const via_g1_affine *c,
                          size_t n, via_error *err) {
    int rc = check(srs, n, err);
    if (rc) return rc;
    via_gt_pairing(&out->t, c, srs->h_a, n);
    via_gt_pairing(&out->u, c, srs->h_b, n);
    return VIA_OK;
}
