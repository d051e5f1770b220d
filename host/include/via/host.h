/*
 * The accelerator runtime: which backends are built (CPU always; OpenCL and CUDA when their
 * toolchains were found at configure time), their devices, --backend and --gpus, and device
 * pools: the selected devices, each with its own context, memory budget, resident key and
 * host thread, through which the prover runs its NTTs, MSMs and H computation. Backends that
 * were not built report VIA_EUNSUPPORTED when asked for. There is no global device handle:
 * every device operation goes through the pool that opened it.
 *
 * Selection by name: "cpu", "opencl", "cuda", or "auto" = cuda if a CUDA device exists,
 * else opencl if a GPU-type OpenCL device exists, else cpu. (An OpenCL CPU device such as
 * PoCL is usable when asked for by name, but auto does not prefer it to the CPU code.)
 */
#ifndef VIA_HOST_H
#define VIA_HOST_H

#include <stddef.h>
#include <stdio.h>

/* prover/include, on the include path of every via_host user */
#include "via/curve.h"
#include "via/status.h"
#include "via/groth16.h"
#include "via/msm.h"

typedef enum {
    VIA_BACKEND_CPU = 0,
    VIA_BACKEND_OPENCL = 1,
    VIA_BACKEND_CUDA = 2,
} via_backend;

typedef enum {
    VIA_HOST_NTT_FORWARD = 0, /* via_ntt */
    VIA_HOST_NTT_INVERSE = 1, /* via_intt */
    VIA_HOST_NTT_COSET = 2,   /* via_ntt_domain_to_coset */
} via_host_ntt_op;

/* "cpu", "opencl" or "cuda". */
const char *via_host_backend_name(via_backend b);

/* Prints every device the built backends can see, one per line (backend, index, name,
 * memory, bus id and UUID where the driver reports them), then which backend "auto" would
 * pick. Returns VIA_OK (no devices is not an error) or VIA_EIO when writing fails. */
VIA_MUST_USE int via_host_list_devices(FILE *out, via_error *err);

/* Resolves name (see above; NULL means "auto") to a backend that is built and has a device,
 * without opening anything. VIA_EINVAL: unknown name (named in the message);
 * VIA_EUNSUPPORTED: that backend is not built or has no device. */
VIA_MUST_USE int via_host_backend_pick(via_backend *out, const char *name, via_error *err);

/* ---- Device pools: --gpus, resident keys, batches of proofs ----
 *
 * A pool is a set of devices of one backend, numbered as `via-prover devices` lists them
 * ("cuda 0", "opencl 1"). Each device has its own context, a budget of device memory, the
 * proving key's point sections resident once uploaded, and in a batch its own host thread
 * pinned to the cores local to the device (hwloc, when built in). Every device operation
 * checks its memory need first and splits an MSM that does not fit into parts that do
 * (summed on the host, spread over the pool's devices); a device that fails (VIA_EDEVICE) is
 * reported on the pool's log, left out, and the operation reruns on the CPU, so results do
 * not depend on which device failed.
 *
 * Environment, read by via_host_pool_open:
 *   VIA_DEVICE_MEM_LIMIT  bytes (suffix k, M or G: powers of 1024) each device may use, when
 *                         lower than what the device reports (total memory for OpenCL, free
 *                         memory for CUDA);
 *   VIA_DEVICE_FAIL       comma-separated device indices whose first operation fails as a
 *                         device failure would (to exercise the leave-out path). */

#define VIA_HOST_MAX_DEVICES 64

/* Number of devices of backend b as `via-prover devices` numbers them: CUDA devices, or
 * OpenCL devices of every type. 0 for cpu and for backends not built. */
size_t via_host_device_count(via_backend b);

/* Parses a --gpus value for backend b: "all" (every CUDA device; for OpenCL every GPU-type
 * device, or every device when there is no GPU), "none" (no device: the CPU alone), or a
 * comma-separated list of distinct device indices. Writes *nout indices to out (up to
 * VIA_HOST_MAX_DEVICES). VIA_EINVAL with a message naming the entry for garbage, an index out
 * of range or a duplicate; VIA_EUNSUPPORTED when "all" finds no device. */
VIA_MUST_USE int via_host_parse_gpus(unsigned *out, size_t *nout, via_backend b, const char *spec,
                                     via_error *err);

typedef struct via_host_pool via_host_pool;

/* Opens devices idx[0 .. n) of backend b (n = 0 or b = cpu: a pool without devices, which
 * proves on the CPU). log (may be NULL) receives one-line reports: device failures, locality
 * fallbacks, MSM splits when VIA_VERBOSE is set. A device that fails to start (VIA_EDEVICE)
 * is reported and left out like one that fails later; an index with no device is VIA_EINVAL
 * naming it, as are bad VIA_DEVICE_MEM_LIMIT / VIA_DEVICE_FAIL values. */
VIA_MUST_USE int via_host_pool_open(via_host_pool **out, via_backend b, const unsigned *idx,
                                    size_t n, FILE *log, via_error *err);
void via_host_pool_close(via_host_pool *f);

/* Makes pk's point sections (H, A, B1, C, B2: the larger first) resident on every device
 * where they fit next to the working memory one proof needs; what does not fit stays on the
 * host and is copied per MSM. pk's arrays must outlive the pool's use of them (they are
 * matched by address). A device that fails here is left out. */
VIA_MUST_USE int via_host_pool_load_key(via_host_pool *f, const via_groth16_pk *pk, via_error *err);

/* One proof of a batch. */
typedef struct {
    const via_scalar *w; /* in: the witness */
    size_t nw;
    via_groth16_proof proof; /* out */
    int rc;                  /* out: VIA_OK or the proof's error, in err */
    via_error err;
    int device; /* out: index into the pool's devices of the thread that proved it, -1: CPU */
} via_host_job;

/* Proves every job with pk: one host thread per healthy device takes jobs in turn (so
 * independent proofs go to different devices); jobs left when every device has failed run
 * on the CPU in the calling thread, which is pinned meanwhile to the cores no device claims.
 * base supplies the test-mode fixed r and s and the progress callback (used only for a single
 * job); its backend is ignored. Returns VIA_OK when every job succeeded, else the first
 * failing job's code with err naming the job. */
VIA_MUST_USE int via_host_pool_prove(via_host_pool *f, const via_groth16_pk *pk, via_host_job *jobs,
                                     size_t njobs, const via_groth16_prove_opts *base,
                                     via_error *err);

/* MSMs on the pool as the prover runs them (memory check, splitting, failure handling), on
 * device `dev` of the pool; for tests and benchmarks. */
VIA_MUST_USE int via_host_pool_msm_g1(via_host_pool *f, size_t dev, via_g1 *out,
                                      const via_g1_affine *bases, const via_scalar *scalars,
                                      size_t n, via_error *err);
VIA_MUST_USE int via_host_pool_msm_g2(via_host_pool *f, size_t dev, via_g2 *out,
                                      const via_g2_affine *bases, const via_scalar *scalars,
                                      size_t n, via_error *err);

/* What a pool device has done, for logs and tests. */
typedef struct {
    via_backend backend;
    unsigned index;     /* as listed by `via-prover devices` */
    const char *name;   /* owned by the pool */
    int failed;         /* left out after a failure */
    size_t budget;      /* bytes it may use */
    size_t resident;    /* bytes of key resident on it */
    size_t msm_whole;   /* MSMs run in one piece */
    size_t msm_parts;   /* MSM parts run on it after a split */
    size_t jobs;        /* proofs its thread took */
    char locality[200]; /* "NUMA node N, local cores L" or the fallback line */
} via_host_device_stats;
size_t via_host_pool_size(const via_host_pool *f);
void via_host_pool_stats(const via_host_pool *f, size_t dev, via_host_device_stats *out);
/* Pins the calling thread to the cores local to device dev (hwloc), for threads that feed it
 * (a farm node's witness workers). 0 when pinned; -1 when the locality is unknown, hwloc is
 * not built in or dev is out of range (the thread is left as it was). */
int via_host_pool_pin_near(const via_host_pool *f, size_t dev);

/* The transform op in place on a[0 .. 2^log2n) (host memory) on device dev of the pool, with
 * the pool's rules: the budget is checked first (VIA_ENOMEM naming the device, the need and
 * what is available), and a device failure reruns the transform on the CPU. */
VIA_MUST_USE int via_host_pool_ntt(via_host_pool *f, size_t dev, via_fr *a, unsigned log2n,
                                   via_host_ntt_op op, via_error *err);

/* The Groth16 H computation of via_groth16_prove on device dev (as the prover runs it
 * there): from the domain evaluations a, b (2^log2n each, host memory), h written over a as
 * canonical scalars; b is left unchanged. Vectors stay resident on the device when they fit
 * its budget, else the three coset transforms run there one at a time. */
VIA_MUST_USE int via_host_pool_groth16_h(via_host_pool *f, size_t dev, via_fr *a, const via_fr *b,
                                         unsigned log2n, via_error *err);
#endif
