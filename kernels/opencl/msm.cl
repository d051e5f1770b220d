/*
 * Pippenger MSM in G1 for OpenCL, after field_hd.h, g1_hd.h and msm_kernels.cl in the same
 * program source: the two kernels of msm_kernels.cl on g1_hd.h points.
 */
VIA_MSM_KERNELS(via_hd_g1, via_msm_bucket_acc, via_msm_bucket_reduce)
