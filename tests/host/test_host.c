/* Backend selection and dispatch: names resolve or fail with clear errors, the device list
 * prints, and every backend that selects on this machine computes the CPU's bytes for an NTT
 * and an MSM (seeded inputs). Backends without a device are reported, not failed. */
#include <string.h>

#include "via/host.h"

#include "../kernels/test_rng.h"
#include "util.h"

static int failures;

static void fail(const char *what, const char *msg) {
    printf("FAIL: %s%s%s\n", what, msg ? ": " : "", msg ? msg : "");
    failures++;
}

static void check_backend(via_backend b) {
    via_error err = {{0}};
    const unsigned lg = 6;
    const size_t n = (size_t)1 << lg;
    via_fr ref[64], got[64];
    for (size_t i = 0; i < n; i++)
        test_rand_below(ref[i].l, via_fr_mod.p);
    for (int op = 0; op < 3; op++) {
        memcpy(got, ref, sizeof(ref));
        via_fr cpu[64];
        memcpy(cpu, ref, sizeof(ref));
        if (via_host_ntt(VIA_BACKEND_CPU, cpu, lg, (via_host_ntt_op)op, &err) ||
            via_host_ntt(b, got, lg, (via_host_ntt_op)op, &err))
            fail("via_host_ntt", err.msg);
        else if (memcmp(cpu, got, sizeof(cpu)) != 0)
            fail("NTT differs from the CPU on backend", via_host_backend_name(b));
    }
    via_g1_affine gen, bases[8];
    via_g1_generator(&gen);
    via_scalar sc[8];
    for (int i = 0; i < 8; i++) {
        bases[i] = gen; /* repeated bases */
        test_rand_below(sc[i].l, via_fr_mod.p);
    }
    via_g1 a, c;
    via_g1_affine aa, ca;
    if (via_host_msm_g1(VIA_BACKEND_CPU, &a, bases, sc, 8, &err) ||
        via_host_msm_g1(b, &c, bases, sc, 8, &err)) {
        fail("via_host_msm_g1", err.msg);
        return;
    }
    via_g1_to_affine(&aa, &a);
    via_g1_to_affine(&ca, &c);
    if (memcmp(&aa, &ca, sizeof(aa)) != 0)
        fail("MSM differs from the CPU on backend", via_host_backend_name(b));
    else
        printf("backend %s: NTT and MSM match the CPU\n", via_host_backend_name(b));
}

int main(void) {
    test_seed_init("test_host");
    via_field_init();
    via_error err = {{0}};
    if (via_host_list_devices(stdout, &err)) fail("via_host_list_devices", err.msg);

    via_backend b;
    if (via_host_backend_select(&b, "cpu", &err) || b != VIA_BACKEND_CPU)
        fail("select cpu", err.msg);
    if (via_host_backend_select(&b, "gpu-please", &err) != VIA_EINVAL ||
        !strstr(err.msg, "gpu-please"))
        fail("unknown backend name not refused with its name", err.msg);
    if (via_host_backend_select(&b, "auto", &err))
        fail("select auto", err.msg);
    else
        printf("auto -> %s\n", via_host_backend_name(b));

    const char *names[] = {"cpu", "opencl", "cuda"};
    for (int i = 0; i < 3; i++) {
        int rc = via_host_backend_select(&b, names[i], &err);
        if (rc == VIA_EUNSUPPORTED) {
            printf("backend %s unavailable here: %s\n", names[i], err.msg);
            continue;
        }
        if (rc) {
            fail(names[i], err.msg);
            continue;
        }
        check_backend(b);
    }
    if (failures) return 1;
    printf("ok\n");
    return 0;
}
