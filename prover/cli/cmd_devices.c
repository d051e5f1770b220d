/* via-prover devices, and the --backend choice of prove: the accelerator layer (host/) when
 * it is built in, otherwise the CPU alone. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "groth16.h"

#ifdef VIA_HAVE_HOST
#include "via/host.h"

static via_backend chosen;

static int host_coset(void *ctx, via_fr *a, unsigned log2n, via_error *err) {
    return via_host_ntt(*(via_backend *)ctx, a, log2n, VIA_HOST_NTT_COSET, err);
}

static int host_msm(void *ctx, via_g1 *out, const via_g1_affine *bases, const via_scalar *scalars,
                    size_t n, via_error *err) {
    return via_host_msm_g1(*(via_backend *)ctx, out, bases, scalars, n, err);
}

/* name NULL (no --backend, no VIA_BACKEND): CUDA when a device exists, else the CPU, without
 * probing OpenCL: loading every OpenCL ICD (PoCL brings LLVM and preallocates tens of MB)
 * would cost start-up time and memory on every prove. --backend auto also considers OpenCL
 * GPUs. */
static int host_msm_g2(void *ctx, via_g2 *out, const via_g2_affine *bases,
                       const via_scalar *scalars, size_t n, via_error *err) {
    return via_host_msm_g2(*(via_backend *)ctx, out, bases, scalars, n, err);
}

static int host_h(void *ctx, via_fr *a, const via_fr *b, unsigned log2n, via_error *err) {
    return via_host_groth16_h(*(via_backend *)ctx, a, b, log2n, err);
}

int via_cli_backend(const char *name, const via_groth16_backend **out, via_error *err) {
    static via_groth16_backend be;
    *out = NULL;
    int rc;
    if (!name) {
        via_error ignored = {{0}};
        if (via_host_backend_select(&chosen, "cuda", &ignored) != VIA_OK) return VIA_OK;
    } else if ((rc = via_host_backend_select(&chosen, name, err)) != VIA_OK) {
        return rc;
    }
    if (chosen == VIA_BACKEND_CPU) return VIA_OK;
    be.coset = host_coset;
    be.msm_g1 = host_msm;
    be.msm_g2 = host_msm_g2;
    be.h = host_h;
    be.ctx = &chosen;
    be.name = chosen == VIA_BACKEND_CUDA ? "cuda" : "opencl";
    *out = &be;
    return VIA_OK;
}

static const char devices_help[] =
    "usage: via-prover devices\n\n"
    "Lists the compute devices: the CPU, CUDA devices (name, memory, compute capability, bus\n"
    "id, UUID) and OpenCL devices, and the backend `--backend auto` picks.\n";

int via_cli_cmd_devices(int argc, char **argv) {
    const char *pos[1];
    size_t npos;
    int prc = via_cli_parse(argc, argv, NULL, 0, pos, 0, 0, &npos, devices_help);
    if (prc) return prc == 1 ? 0 : 2;
    via_error err = {{0}};
    int rc = via_host_list_devices(stdout, &err);
    if (rc) return via_cli_fail("devices", &err, rc);
    return 0;
}
#else
int via_cli_backend(const char *name, const via_groth16_backend **out, via_error *err) {
    *out = NULL;
    if (!name || strcmp(name, "auto") == 0 || strcmp(name, "cpu") == 0) return VIA_OK;
    return via_fail(err, VIA_EUNSUPPORTED,
                    "backend '%s' is not available: this via-prover was built without the "
                    "accelerator layer (host/)",
                    name);
}

int via_cli_cmd_devices(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("cpu: %u threads\n(built without the accelerator layer: no GPU backends)\n",
           via_get_threads());
    return 0;
}
#endif
