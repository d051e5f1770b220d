/* Device sets (host/src/pool.c): --gpus parsing, MSMs split under a device-memory limit
 * (VIA_DEVICE_MEM_LIMIT) against the CPU MSM, a batch of proofs with the key resident
 * (identical to single CPU proofs with fixed r and s, and verified), a device failure
 * injected with VIA_DEVICE_FAIL (left out, results unchanged), and the locality fallback
 * line. OpenCL runs on whatever platform is installed (PoCL in CI; ctest exposes two PoCL
 * devices with POCL_DEVICES); CUDA parts run only where a CUDA device exists and say so
 * otherwise. Seeded: the seed is printed. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_* */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "via/groth16_testing.h"
#include "../lib/missing.h"
#include "via/host.h"

#include "via/host_pin.h"
#include "via/msm_plan.h"
#include "../kernels/test_rng.h"
#include "via/runtime.h"
#include "via/wtns.h"
#include "via/zkey.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL (%s:%d): ", __FILE__, __LINE__);                                          \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void test_parse(void) {
    unsigned idx[VIA_HOST_MAX_DEVICES];
    size_t n;
    via_error err = {0};
    CHECK(via_host_parse_gpus(idx, &n, VIA_BACKEND_CPU, "none", &err) == VIA_OK && n == 0, "none");
    CHECK(via_host_parse_gpus(idx, &n, VIA_BACKEND_CPU, "all", &err) == VIA_OK && n == 0,
          "all on cpu");
    CHECK(via_host_parse_gpus(idx, &n, VIA_BACKEND_CPU, "0", &err) == VIA_EINVAL &&
              strstr(err.msg, "cpu backend has no devices"),
          "a list on cpu: %s", err.msg);
    size_t ndev = via_host_device_count(VIA_BACKEND_OPENCL);
    char spec[64];
    snprintf(spec, sizeof spec, "%zu", ndev);
    CHECK(via_host_parse_gpus(idx, &n, VIA_BACKEND_OPENCL, spec, &err) == VIA_EINVAL &&
              strstr(err.msg, "out of range"),
          "index %s out of range: %s", spec, err.msg);
    const char *garbage[] = {"x", "0,", ",0", "-1", "0;1", "1.5", "", "0,,1", "9999999"};
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        int rc = via_host_parse_gpus(idx, &n, VIA_BACKEND_OPENCL, garbage[i], &err);
        CHECK(rc == VIA_EINVAL && strstr(err.msg, "--gpus"), "'%s' accepted or unclear: %s",
              garbage[i], err.msg);
    }
    if (ndev >= 1) {
        CHECK(via_host_parse_gpus(idx, &n, VIA_BACKEND_OPENCL, "0,0", &err) == VIA_EINVAL &&
                  strstr(err.msg, "listed twice"),
              "duplicate: %s", err.msg);
        CHECK(via_host_parse_gpus(idx, &n, VIA_BACKEND_OPENCL, "0", &err) == VIA_OK && n == 1 &&
                  idx[0] == 0,
              "0: %s", err.msg);
        CHECK(via_host_parse_gpus(idx, &n, VIA_BACKEND_OPENCL, "all", &err) == VIA_OK && n >= 1,
              "all: %s", err.msg);
    }
    if (ndev >= 2)
        CHECK(via_host_parse_gpus(idx, &n, VIA_BACKEND_OPENCL, "1,0", &err) == VIA_OK && n == 2 &&
                  idx[0] == 1 && idx[1] == 0,
              "1,0: %s", err.msg);
    printf("--gpus parsing: ok (%zu OpenCL device%s)\n", ndev, ndev == 1 ? "" : "s");
}

static void test_locality(void) {
    via_host_locality loc;
    via_host_locality_of(&loc, NULL);
    CHECK(!loc.known && strstr(loc.why, "no PCI bus id"), "no bus: %s", loc.why);
    via_host_locality_of(&loc, "ffff:ff:1f.7");
    CHECK(!loc.known && loc.why[0], "a bus id hwloc cannot know");
    char line[240];
    via_host_locality_line(line, sizeof line, &loc);
    CHECK(strstr(line, "not pinned") && !strchr(line, '\n'), "fallback line: %s", line);
    /* no known locality: the CPU side is not re-pinned, and says so */
    char cores[64];
    CHECK(via_host_pin_thread_outside(&loc, 1, cores, sizeof cores) == -1 && cores[0] == 0,
          "pinning outside unknown localities");
    printf("locality fallback: %s\n", line);

    /* pinning itself, on a made-up locality: core 0 for a device, the rest for the CPU
     * work, then the original binding back */
    if (!via_host_have_hwloc()) {
        printf("pinning: this build has no hwloc; only the fallback is tested\n");
        return;
    }
    cpu_set_t before, now;
    if (sched_getaffinity(0, sizeof before, &before) != 0 || !CPU_ISSET(0, &before)) {
        printf("pinning: core 0 is not available to this process; not tested\n");
        return;
    }
    via_host_binding saved;
    CHECK(via_host_binding_save(&saved) == 0, "saving the binding");
    via_host_locality dev = {1, -1, "0", ""};
    CHECK(via_host_pin_thread(&dev) == 0, "pinning to core 0");
    CHECK(sched_getaffinity(0, sizeof now, &now) == 0 && CPU_COUNT(&now) == 1 && CPU_ISSET(0, &now),
          "after pinning to core 0 the thread may run on %d cores", CPU_COUNT(&now));
    int rc = via_host_pin_thread_outside(&dev, 1, cores, sizeof cores);
    if (CPU_COUNT(&before) > 1) {
        CHECK(rc == 0 && sched_getaffinity(0, sizeof now, &now) == 0 && !CPU_ISSET(0, &now) &&
                  CPU_COUNT(&now) == CPU_COUNT(&before) - 1,
              "pinning outside core 0: rc %d, cores %s", rc, cores);
        printf("pinning: device thread on core 0, CPU work on cores %s\n", cores);
    }
    via_host_binding_restore(&saved);
    CHECK(sched_getaffinity(0, sizeof now, &now) == 0 && CPU_EQUAL(&now, &before),
          "the original binding was not restored");
}

/* Random scalars with edge cases (zero, r - 1), random multiples of G as bases with
 * repeats and points at infinity. */
static void make_msm(via_g1_affine *b1, via_g2_affine *b2, via_scalar *sc, size_t n) {
    via_g1_affine g1;
    via_g2_affine g2;
    via_g1_generator(&g1);
    via_g2_generator(&g2);
    for (size_t i = 0; i < n; i++) {
        test_rand_below(sc[i].l, via_fr_mod.p);
        via_scalar k;
        test_rand_below(k.l, via_fr_mod.p);
        if (b1) {
            via_g1 p;
            via_g1_from_affine(&p, &g1);
            via_g1_mul_var(&p, &p, k.l);
            via_g1_to_affine(&b1[i], &p);
        }
        if (b2) {
            via_g2 p;
            via_g2_from_affine(&p, &g2);
            via_g2_mul_var(&p, &p, k.l);
            via_g2_to_affine(&b2[i], &p);
        }
    }
    memset(&sc[1], 0, sizeof sc[1]);
    sc[2] = (via_scalar){{via_fr_mod.p[0] - 1, via_fr_mod.p[1], via_fr_mod.p[2], via_fr_mod.p[3]}};
    if (b1) {
        b1[4] = b1[3];
        memset(&b1[5], 0, sizeof b1[5]); /* (0, 0): the affine encoding of infinity */
    }
    if (b2) {
        b2[4] = b2[3];
        memset(&b2[5], 0, sizeof b2[5]);
    }
}

static FILE *open_log(void) {
    FILE *f = tmpfile();
    if (!f) {
        printf("FAIL: tmpfile\n");
        exit(1);
    }
    return f;
}

static void read_log(FILE *f, char *buf, size_t len) {
    fflush(f);
    rewind(f);
    size_t got = fread(buf, 1, len - 1, f);
    buf[got] = 0;
}

static int open_pool(via_host_pool **f, via_backend b, FILE *log) {
    unsigned idx[VIA_HOST_MAX_DEVICES];
    size_t n;
    via_error err = {0};
    if (via_host_parse_gpus(idx, &n, b, "all", &err) ||
        via_host_pool_open(f, b, idx, n, log, &err)) {
        printf("FAIL: opening the %s devices: %s\n", via_host_backend_name(b), err.msg);
        failures++;
        return -1;
    }
    return 0;
}

static void test_split(via_backend b) {
    const size_t n = 300, n2 = 120;
    via_g1_affine *b1 = via_xmalloc(n * sizeof(*b1));
    via_g2_affine *b2 = via_xmalloc(n2 * sizeof(*b2));
    via_scalar *sc = via_xmalloc(n * sizeof(*sc));
    make_msm(b1, NULL, sc, n);
    make_msm(NULL, b2, sc, n2);
    make_msm(b1, NULL, sc, n);
    via_g1 ref, got;
    via_g2 ref2, got2;
    via_g1_affine ra, ga;
    via_g2_affine ra2, ga2;
    via_error err = {0};
    if (via_msm_g1(&ref, b1, sc, n) || via_msm_g2(&ref2, b2, sc, n2)) {
        printf("FAIL: CPU MSM\n");
        failures++;
        goto out;
    }
    via_g1_to_affine(&ra, &ref);
    via_g2_to_affine(&ra2, &ref2);

    /* a limit under the whole MSMs' need but above that of a third of each: both split */
    size_t l1 = via_msm_plan_device_bytes(n / 3, sizeof(via_g1_affine), sizeof(via_g1), 0, NULL);
    size_t l2 = via_msm_plan_device_bytes(n2 / 3, sizeof(via_g2_affine), sizeof(via_g2), 0, NULL);
    size_t limit = l1 > l2 ? l1 : l2;
    CHECK(via_msm_plan_device_bytes(n, sizeof(via_g1_affine), sizeof(via_g1), 0, NULL) > limit &&
              via_msm_plan_device_bytes(n2, sizeof(via_g2_affine), sizeof(via_g2), 0, NULL) > limit,
          "test sizes: the whole MSMs would fit under %zu bytes", limit);
    char lim[32];
    snprintf(lim, sizeof lim, "%zu", limit);
    setenv("VIA_DEVICE_MEM_LIMIT", lim, 1);
    via_host_pool *f;
    FILE *log = open_log();
    if (open_pool(&f, b, log) == 0) {
        int r1 = via_host_pool_msm_g1(f, 0, &got, b1, sc, n, &err);
        CHECK(r1 == VIA_OK, "split G1 MSM: %s", err.msg);
        int r2 = via_host_pool_msm_g2(f, 0, &got2, b2, sc, n2, &err);
        CHECK(r2 == VIA_OK, "split G2 MSM: %s", err.msg);
        if (!r1 && !r2) {
            via_g1_to_affine(&ga, &got);
            via_g2_to_affine(&ga2, &got2);
            CHECK(memcmp(&ra, &ga, sizeof ra) == 0, "split G1 MSM differs from the CPU");
            CHECK(memcmp(&ra2, &ga2, sizeof ra2) == 0, "split G2 MSM differs from the CPU");
        }
        size_t parts = 0, whole = 0;
        for (size_t i = 0; i < via_host_pool_size(f); i++) {
            via_host_device_stats st;
            via_host_pool_stats(f, i, &st);
            parts += st.msm_parts;
            whole += st.msm_whole;
            printf("  %s %u: %zu MSM parts, budget %zu\n", via_host_backend_name(b), st.index,
                   st.msm_parts, st.budget);
            /* with several devices, one large MSM is spread over all of them */
            CHECK(st.msm_parts > 0, "device %u took no part of the split MSMs", st.index);
        }
        CHECK(parts >= 4 && whole == 0, "expected split MSMs, got %zu parts, %zu whole", parts,
              whole);
        via_host_pool_close(f);
    }
    fclose(log);

    /* a limit under the smallest part: a clear error naming the device and the numbers */
    setenv("VIA_DEVICE_MEM_LIMIT", "4096", 1);
    log = open_log();
    if (open_pool(&f, b, log) == 0) {
        int rc = via_host_pool_msm_g1(f, 0, &got, b1, sc, n, &err);
        char name[32];
        snprintf(name, sizeof name, "%s ", via_host_backend_name(b));
        CHECK(rc == VIA_ENOMEM && strstr(err.msg, name) &&
                  strstr(err.msg, "4096 bytes are available") &&
                  strstr(err.msg, "VIA_DEVICE_MEM_LIMIT"),
              "limit below one part: rc %d, %s", rc, err.msg);
        printf("  too small: %s\n", err.msg);
        via_host_pool_close(f);
    }
    fclose(log);
    setenv("VIA_DEVICE_MEM_LIMIT", "12x", 1);
    unsigned zero = 0;
    via_host_pool *g = NULL;
    CHECK(via_host_pool_open(&g, b, &zero, 1, NULL, &err) == VIA_EINVAL &&
              strstr(err.msg, "VIA_DEVICE_MEM_LIMIT=12x"),
          "bad limit: %s", err.msg);
    unsetenv("VIA_DEVICE_MEM_LIMIT");
    printf("%s: MSMs split under VIA_DEVICE_MEM_LIMIT equal the CPU's\n", via_host_backend_name(b));
out:
    free(b1);
    free(b2);
    free(sc);
}

typedef struct {
    const char *name;
    via_zkey z;
    via_wtns w;
    via_groth16_pk pk;
    via_groth16_vk vk;
    via_groth16_proof cpu; /* the single CPU proof with the fixed r, s */
} circuit;

static const via_scalar fixed_r = {{0x1111, 0x2222, 0x3333, 0x0444}};
static const via_scalar fixed_s = {{7, 0, 0, 0x0123}};

static const via_groth16_test_blinding *fixed_blinding(void) {
    static via_groth16_test_blinding *b;
    if (!b) b = via_groth16_test_blinding_new(&fixed_r, &fixed_s);
    return b;
}

static int load_circuit(circuit *c, const char *name) {
    char path[256];
    via_error err = {0};
    c->name = name;
    snprintf(path, sizeof path, "fixtures/%s/circuit.zkey", name);
    if (via_zkey_read(&c->z, path, &err)) goto fail;
    snprintf(path, sizeof path, "fixtures/%s/circuit.wtns", name);
    if (via_wtns_read(&c->w, path, &err)) goto fail;
    via_groth16_pk_from_zkey(&c->pk, &c->z);
    if (via_groth16_vk_from_zkey(&c->vk, &c->z, &err)) goto fail;
    via_groth16_prove_opts o = {NULL, NULL, fixed_blinding(), NULL};
    if (via_groth16_prove(&c->cpu, &c->pk, c->w.values, c->w.n, &o, &err)) goto fail;
    return 0;
fail:
    printf("FAIL: %s: %s\n", name, err.msg);
    failures++;
    return -1;
}

/* njobs proofs of c on pool f: each identical to the single CPU proof (when the pool has
 * devices: a pool without devices runs via_groth16_prove itself, so comparing its bytes with
 * the CPU proof would compare the CPU with itself), every job done by a device thread or the
 * CPU as the pool says, and every proof verified. */
static void batch(via_host_pool *f, circuit *c, size_t njobs, int load, const char *what) {
    int devices = via_host_pool_size(f) > 0;
    via_error err = {0};
    if (load && via_host_pool_load_key(f, &c->pk, &err)) {
        printf("FAIL: %s: loading the key: %s\n", what, err.msg);
        failures++;
        return;
    }
    via_host_job jobs[4];
    memset(jobs, 0, sizeof jobs);
    for (size_t j = 0; j < njobs; j++) {
        jobs[j].w = c->w.values;
        jobs[j].nw = c->w.n;
    }
    via_groth16_prove_opts base = {NULL, NULL, fixed_blinding(), NULL};
    int rc = via_host_pool_prove(f, &c->pk, jobs, njobs, &base, &err);
    CHECK(rc == VIA_OK, "%s: %s", what, err.msg);
    for (size_t j = 0; j < njobs && !rc; j++) {
        if (devices)
            CHECK(memcmp(&jobs[j].proof, &c->cpu, sizeof c->cpu) == 0,
                  "%s: proof %zu differs from the single CPU proof", what, j + 1);
        else
            CHECK(jobs[j].device == -1, "%s: proof %zu claims device %d in a pool without devices",
                  what, j + 1, jobs[j].device);
        CHECK(via_groth16_verify(&c->vk, c->w.values + 1, c->vk.n_public, &jobs[j].proof, &err) ==
                  VIA_OK,
              "%s: proof %zu does not verify: %s", what, j + 1, err.msg);
    }
    printf("%s: %zu proofs %s, verified (devices:", what, njobs,
           devices ? "identical to the CPU's" : "made on the CPU");
    for (size_t j = 0; j < njobs; j++)
        printf(" %d", jobs[j].device);
    printf(")\n");
}

static void test_batches(via_backend b, circuit *cs, size_t ncs) {
    char what[160];
    for (size_t k = 0; k < ncs; k++) {
        via_host_pool *f;
        FILE *log = open_log();
        if (open_pool(&f, b, log)) {
            fclose(log);
            continue;
        }
        snprintf(what, sizeof what, "%s batch (%s)", via_host_backend_name(b), cs[k].name);
        batch(f, &cs[k], 3, 1, what);
        size_t resident = 0, jobs = 0;
        for (size_t i = 0; i < via_host_pool_size(f); i++) {
            via_host_device_stats st;
            via_host_pool_stats(f, i, &st);
            resident += st.resident;
            jobs += st.jobs;
            CHECK(st.resident > 0 && !st.failed, "device %u: resident %zu, failed %d", st.index,
                  st.resident, st.failed);
        }
        CHECK(jobs == 3, "the device threads took %zu of 3 proofs", jobs);
        /* a second batch on the same pool reuses the resident key */
        snprintf(what, sizeof what, "%s second batch, single proof (%s)", via_host_backend_name(b),
                 cs[k].name);
        batch(f, &cs[k], 1, 1, what);
        via_host_pool_close(f);
        fclose(log);
    }

    /* memory-limited (G2 needs ~230 KB for its smallest part, 1.1 MB for the whole MSM
     * here): the key stays on the host and the MSMs split */
    setenv("VIA_DEVICE_MEM_LIMIT", "400k", 1);
    via_host_pool *f;
    FILE *log = open_log();
    if (open_pool(&f, b, log) == 0) {
        snprintf(what, sizeof what, "%s batch under a 400k limit (%s)", via_host_backend_name(b),
                 cs[ncs - 1].name);
        batch(f, &cs[ncs - 1], 2, 1, what);
        size_t parts = 0;
        for (size_t i = 0; i < via_host_pool_size(f); i++) {
            via_host_device_stats st;
            via_host_pool_stats(f, i, &st);
            parts += st.msm_parts;
        }
        CHECK(parts > 0, "no MSM was split under the limit");
        via_host_pool_close(f);
    }
    fclose(log);
    unsetenv("VIA_DEVICE_MEM_LIMIT");

    /* a failing device: left out, reported once, the proofs unchanged; it fails while the
     * key is uploaded (load = 1) or in the middle of a proof (no upload: the first
     * operation is an H computation or MSM) */
    size_t ndev = via_host_device_count(b);
    char failing[16];
    snprintf(failing, sizeof failing, "%zu", ndev - 1);
    setenv("VIA_DEVICE_FAIL", failing, 1);
    for (int load = 0; load < 2; load++) {
        log = open_log();
        if (open_pool(&f, b, log) == 0) {
            snprintf(what, sizeof what, "%s batch with device %s failing %s (%s)",
                     via_host_backend_name(b), failing, load ? "at upload" : "in a proof",
                     cs[ncs - 1].name);
            batch(f, &cs[ncs - 1], 3, load, what);
            size_t nfailed = 0;
            for (size_t i = 0; i < via_host_pool_size(f); i++) {
                via_host_device_stats st;
                via_host_pool_stats(f, i, &st);
                nfailed += st.failed;
                CHECK(st.failed == (st.index == ndev - 1), "device %u failed = %d", st.index,
                      st.failed);
            }
            CHECK(nfailed == 1, "%zu devices marked failed", nfailed);
            char text[4096];
            read_log(log, text, sizeof text);
            char *hit = strstr(text, "failed: injected failure (VIA_DEVICE_FAIL); left out");
            CHECK(hit && !strstr(hit + 1, "failed: injected"), "failure report once: %s", text);
            via_host_pool_close(f);
        }
        fclose(log);
    }
    unsetenv("VIA_DEVICE_FAIL");
}

static void test_locality_lines(via_backend b) {
    via_host_pool *f;
    FILE *log = open_log();
    if (open_pool(&f, b, log) == 0) {
        char text[4096];
        read_log(log, text, sizeof text);
        for (size_t i = 0; i < via_host_pool_size(f); i++) {
            via_host_device_stats st;
            via_host_pool_stats(f, i, &st);
            printf("  %s %u: %s\n", via_host_backend_name(b), st.index, st.locality);
            /* a device without locality gets exactly one line in the log */
            if (strstr(st.locality, "no locality"))
                CHECK(strstr(text, st.locality), "line missing");
        }
        via_host_pool_close(f);
    }
    fclose(log);
}

/* argv[1]: "cuda" runs the CUDA device tests alone (a ctest entry of its own that reports
 * itself skipped without a CUDA device); without it, the CPU and OpenCL tests run and a
 * missing OpenCL device is a skip, or a failure with CI=true (via_test_missing). */
int main(int argc, char **argv) {
    int cuda_only = argc > 1 && !strcmp(argv[1], "cuda");
    test_seed_init("test_pool");
    via_field_init();
    test_parse();
    test_locality();

    circuit cs[2];
    const char *names[] = {"multiplier", "poseidon"};
    for (int i = 0; i < 2; i++)
        if (load_circuit(&cs[i], names[i])) return 1;

    /* no devices: the CPU alone, the calling thread's binding left as it was */
    via_host_pool *cpu;
    via_error err = {0};
    if (via_host_pool_open(&cpu, VIA_BACKEND_CPU, NULL, 0, stderr, &err)) {
        printf("FAIL: cpu pool: %s\n", err.msg);
        return 1;
    }
    batch(cpu, &cs[1], 2, 1, "cpu batch (--gpus none)");
    via_host_pool_close(cpu);

    via_backend b = cuda_only ? VIA_BACKEND_CUDA : VIA_BACKEND_OPENCL;
    int missing = via_host_device_count(b) == 0;
    if (!missing) {
        test_locality_lines(b);
        test_split(b);
        test_batches(b, cs, 2);
    }
    for (int i = 0; i < 2; i++) {
        via_groth16_vk_free(&cs[i].vk);
        via_wtns_free(&cs[i].w);
        via_zkey_free(&cs[i].z);
    }
    if (failures) {
        printf("%d failure%s\n", failures, failures == 1 ? "" : "s");
        return 1;
    }
    if (missing) {
        if (cuda_only) {
            printf("SKIP: no CUDA device here (or the backend is not built)\n");
            return 77;
        }
        return via_test_missing("no OpenCL device here (or the backend is not built)");
    }
    printf("ok\n");
    return 0;
}
