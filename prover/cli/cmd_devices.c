/* via-prover devices, and where prove runs: the accelerator layer (host/: backend, --gpus, a
 * device set with the key resident and one thread per device; the CPU when no device is
 * selected or built). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "via/groth16.h"

#include "via/host.h"

/* The backend for name (--backend / VIA_BACKEND) and gpus (--gpus / VIA_GPUS). Without a
 * name: CUDA when a device exists, else the CPU, without probing OpenCL (loading every
 * OpenCL ICD costs start-up time and memory on every prove); a device list in --gpus then
 * means "auto", which also considers OpenCL GPUs. */
static int resolve(via_backend *b, unsigned *idx, size_t *nidx, const char *name, const char *gpus,
                   via_error *err) {
    int rc;
    *nidx = 0;
    *b = VIA_BACKEND_CPU;
    if (gpus && strcmp(gpus, "none") == 0) {
        if (name && strcmp(name, "cpu") != 0 && strcmp(name, "auto") != 0)
            return via_fail(err, VIA_EINVAL, "--gpus none runs on the CPU, but --backend is %s",
                            name);
        return VIA_OK;
    }
    if (!name && !gpus) {
        if (via_host_device_count(VIA_BACKEND_CUDA) > 0) *b = VIA_BACKEND_CUDA;
    } else if ((rc = via_host_backend_pick(b, name ? name : "auto", err))) {
        return rc;
    }
    if (*b == VIA_BACKEND_CPU && gpus && strcmp(gpus, "all") != 0 && !name)
        return via_fail(err, VIA_EUNSUPPORTED,
                        "--gpus %s: no GPU found (no CUDA device, no OpenCL GPU; --backend opencl "
                        "selects OpenCL CPU devices)",
                        gpus);
    return via_host_parse_gpus(idx, nidx, *b, gpus ? gpus : "all", err);
}

int via_cli_pool_open(const char *name, const char *gpus, via_host_pool **pool, const char **used,
                      via_error *err) {
    via_backend b;
    unsigned idx[VIA_HOST_MAX_DEVICES];
    size_t nidx;
    *used = "cpu";
    *pool = NULL;
    int rc = resolve(&b, idx, &nidx, name, gpus, err);
    if (rc) return rc;
    if ((rc = via_host_pool_open(pool, b, idx, nidx, stderr, err))) return rc;
    if (nidx) *used = via_host_backend_name(b);
    return VIA_OK;
}

int via_cli_prove_jobs(const char *name, const char *gpus, const via_groth16_pk *pk,
                       via_cli_job *jobs, size_t njobs, const char **used, via_error *err) {
    via_backend b;
    unsigned idx[VIA_HOST_MAX_DEVICES];
    size_t nidx;
    *used = "cpu";
    int rc = resolve(&b, idx, &nidx, name, gpus, err);
    if (rc) return rc;
    via_host_pool *pool;
    if ((rc = via_host_pool_open(&pool, b, idx, nidx, stderr, err))) return rc;
    if (nidx) *used = via_host_backend_name(b);
    via_host_job *hj = calloc(njobs, sizeof(*hj));
    if (!hj) {
        via_host_pool_close(pool);
        return via_fail(err, VIA_ENOMEM, "batch of %zu proofs", njobs);
    }
    for (size_t i = 0; i < njobs; i++) {
        hj[i].w = jobs[i].w;
        hj[i].nw = jobs[i].nw;
    }
    via_groth16_prove_opts base = {via_cli_progress, NULL, NULL, NULL};
    if (!(rc = via_host_pool_load_key(pool, pk, err))) {
        /* per-proof errors are reported per proof, from hj */
        via_error first = {0};
        int any_failed = via_host_pool_prove(pool, pk, hj, njobs, &base, &first);
        (void)any_failed;
        for (size_t i = 0; i < njobs; i++) {
            jobs[i].proof = hj[i].proof;
            jobs[i].rc = hj[i].rc;
            jobs[i].err = hj[i].err;
            jobs[i].device = hj[i].device < 0 ? -1 : (int)idx[hj[i].device];
        }
    }
    free(hj);
    via_host_pool_close(pool);
    return rc;
}

static int pool_msm_g1(void *ctx, via_g1 *out, const via_g1_affine *bases,
                       const via_scalar *scalars, size_t n, via_error *err) {
    return via_host_pool_msm_g1(ctx, 0, out, bases, scalars, n, err);
}
static int pool_msm_g2(void *ctx, via_g2 *out, const via_g2_affine *bases,
                       const via_scalar *scalars, size_t n, via_error *err) {
    return via_host_pool_msm_g2(ctx, 0, out, bases, scalars, n, err);
}

int via_cli_msm_backend(const char *name, const char *gpus, via_host_pool **pool,
                        via_groth16_backend *be, const char **used, via_error *err) {
    via_backend b;
    unsigned idx[VIA_HOST_MAX_DEVICES];
    size_t nidx;
    *pool = NULL;
    *used = "cpu";
    memset(be, 0, sizeof *be);
    if (!name) name = getenv("VIA_BACKEND");
    if (!gpus) gpus = getenv("VIA_GPUS");
    if (name && !*name) name = NULL;
    if (gpus && !*gpus) gpus = NULL;
    int rc = resolve(&b, idx, &nidx, name, gpus, err);
    if (rc || nidx == 0) return rc;
    /* the first selected device runs the MSMs (the pool falls back to the CPU if it fails) */
    if ((rc = via_host_pool_open(pool, b, idx, 1, stderr, err))) return rc;
    be->msm_g1 = pool_msm_g1;
    be->msm_g2 = pool_msm_g2;
    be->ctx = *pool;
    be->name = via_host_backend_name(b);
    *used = be->name;
    return VIA_OK;
}

static const char devices_help[] =
    "usage: via-prover devices [--backend auto|cpu|cuda|opencl] [--gpus all|none|LIST]\n\n"
    "Lists the compute devices: the CPU, CUDA devices (name, memory, compute capability, bus\n"
    "id, UUID) and OpenCL devices, each with its locality (NUMA node and local cores, from\n"
    "hwloc), and the backend `--backend auto` picks. Device indices are what --gpus takes.\n"
    "With --backend or --gpus, also opens the devices that prove would use and shows each\n"
    "one's memory budget (VIA_DEVICE_MEM_LIMIT applies), so a --gpus list can be checked.\n";

int via_cli_cmd_devices(int argc, char **argv) {
    const char *pos[1];
    size_t npos;
    via_cli_opt opts[] = {{"--backend", 1, NULL}, {"--gpus", 1, NULL}};
    int prc = via_cli_parse(argc, argv, opts, 2, pos, 0, 0, &npos, devices_help);
    if (prc) return prc == 1 ? 0 : 2;
    via_error err = {0};
    int rc = via_host_list_devices(stdout, &err);
    if (rc) return via_cli_fail("devices", &err, rc);
    if (!opts[0].value && !opts[1].value) return 0;
    via_backend b;
    unsigned idx[VIA_HOST_MAX_DEVICES];
    size_t nidx;
    if ((rc = resolve(&b, idx, &nidx, opts[0].value, opts[1].value, &err)))
        return via_cli_fail("devices", &err, rc);
    if (nidx == 0) {
        printf("selected: the CPU alone (%u threads)\n", via_get_threads());
        return 0;
    }
    via_host_pool *pool;
    if ((rc = via_host_pool_open(&pool, b, idx, nidx, stderr, &err)))
        return via_cli_fail("devices", &err, rc);
    for (size_t i = 0; i < nidx; i++) {
        via_host_device_stats st;
        via_host_pool_stats(pool, i, &st);
        printf("selected: %s %u (%s), budget %zu MiB, %s\n", via_host_backend_name(st.backend),
               st.index, st.name, st.budget >> 20, st.locality);
    }
    via_host_pool_close(pool);
    return 0;
}
