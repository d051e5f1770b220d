/*
 * Element-wise kernels of the Groth16 H computation (prover/src/groth16.c mul_worker and
 * h_worker), after field_hd.h in the same program source.
 *   via_h_mul:    c[i] = a[i] * b[i]
 *   via_h_finish: a[i] = ((a[i] * b[i] - c[i]) * r2) with Montgomery products, i.e. the
 *                 CPU's via_mont_mul(.., via_fr_mod.r2): a[i] then holds the canonical
 *                 scalar the H MSM reads. r2[0] is a one-element buffer from the host (via_fr_mod.r2).
 */

__kernel void via_h_mul(__global via_hd_fr *c, __global const via_hd_fr *a,
                        __global const via_hd_fr *b, uint count) {
    uint i = (uint)get_global_id(0);
    if (i >= count) return;
    c[i] = via_hd_fr_mul(a[i], b[i]);
}

__kernel void via_h_finish(__global via_hd_fr *a, __global const via_hd_fr *b,
                           __global const via_hd_fr *c, __global const via_hd_fr *r2, uint count) {
    uint i = (uint)get_global_id(0);
    if (i >= count) return;
    via_hd_fr t = via_hd_fr_sub(via_hd_fr_mul(a[i], b[i]), c[i]);
    a[i] = via_hd_fr_mul(t, r2[0]);
}
