/*
 * Pippenger MSM in G2 for OpenCL: the two kernels of msm_kernels.cl on g2_hd.h points. Built
 * as a second program (field_hd.h, g2_hd.h, msm_kernels.cl, this file) on first use, because
 * the Fq2 formulas make it several times the size of the G1 program and most callers never
 * need it.
 */
VIA_MSM_KERNELS(via_hd_g2, via_msm_g2_bucket_acc, via_msm_g2_bucket_reduce)
