/*
 * Radix-2 NTT over Fr for OpenCL. The host builds this file after field_hd.h (the build
 * embeds both into one program source), so it includes nothing itself.
 *
 * A transform of size n = 2^log2n is: one out-of-place bit-reversal permutation (optionally
 * multiplying each element by a constant or by a per-index table on the way, which is how
 * the 1/n of the inverse and the coset powers g^j are fused in), then log2n in-place
 * decimation-in-time stages, one launch each, with n/2 work-items per stage. Stage s uses
 * w_{2h}^j = w_n^(j n / 2h) for h = 2^s, read from a host-computed table of w_n^t, t < n/2.
 */

static inline uint via_bitrev32(uint x, uint bits) {
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
    x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
    x = (x >> 16) | (x << 16);
    return bits == 0 ? 0u : (x >> (32u - bits));
}

/* out[rev(i)] = in[i] * (mode 0: 1, mode 1: scale[0], mode 2: scale[i]) */
__kernel void via_ntt_bitrev_scale(__global via_hd_fr *out, __global const via_hd_fr *in,
                                   __global const via_hd_fr *scale, uint log2n, uint mode) {
    uint i = (uint)get_global_id(0);
    via_hd_fr v = in[i];
    if (mode == 1u) v = via_hd_fr_mul(v, scale[0]);
    else if (mode == 2u) v = via_hd_fr_mul(v, scale[i]);
    out[via_bitrev32(i, log2n)] = v;
}

/* One DIT stage with half-span h = 2^log2h on a bit-reversed vector of size 2^log2n. */
__kernel void via_ntt_stage(__global via_hd_fr *a, __global const via_hd_fr *tw, uint log2n,
                            uint log2h) {
    uint k = (uint)get_global_id(0);
    uint h = 1u << log2h;
    uint j = k & (h - 1u);
    uint i0 = ((k >> log2h) << (log2h + 1u)) + j;
    uint i1 = i0 + h;
    via_hd_fr w = tw[j << (log2n - 1u - log2h)];
    via_hd_fr u = a[i0];
    via_hd_fr v = via_hd_fr_mul(a[i1], w);
    a[i0] = via_hd_fr_add(u, v);
    a[i1] = via_hd_fr_sub(u, v);
}
