/* Start of every OpenCL kernel test: seeds the RNG (test_rng.h), initialises the field code and
 * opens the first OpenCL device. Exits 77 (SKIP) when there is no OpenCL device, 1 when the
 * device does not open; prints the device's name. */
#ifndef VIA_TESTS_KERNELS_CL_TEST_H
#define VIA_TESTS_KERNELS_CL_TEST_H
#include <stdio.h>
#include <stdlib.h>

#include "../lib/missing.h"
#include "via/kernels_cl.h"

#include "via/field.h"
#include "test_rng.h"

static inline via_cl *cl_test_open(const char *name) {
    test_seed_init(name);
    via_field_init();
    if (via_cl_count_devices(VIA_CL_ANY) == 0) {
        exit(via_test_missing("no OpenCL platform or device"));
    }
    via_error err = {0};
    via_cl *cl;
    if (via_cl_open(&cl, VIA_CL_ANY, &err)) {
        printf("FAIL: %s\n", err.msg);
        exit(1);
    }
    return cl;
}
#endif
