/* A prerequisite a test needs (an OpenCL device, node and the npm oracles) is absent: outside
 * CI that is a skip (exit 77, which ctest reports as skipped); with CI=true it is a failure
 * (exit 1), so a CI machine that lost PoCL or the oracles goes red instead of quietly green.
 * GPU tests are the exception: CI machines have no GPU, so they skip with 77 directly. */
#ifndef VIA_TEST_MISSING_H
#define VIA_TEST_MISSING_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int via_test_ci(void) {
    const char *ci = getenv("CI");
    return ci && (!strcmp(ci, "true") || !strcmp(ci, "1"));
}

/* Exit status for a missing prerequisite: 77 (skip) outside CI, 1 (fail) in CI. */
static inline int via_test_missing(const char *what) {
    if (via_test_ci()) {
        printf("FAIL: %s (CI=true: a missing prerequisite is a failure)\n", what);
        return 1;
    }
    printf("SKIP: %s\n", what);
    return 77;
}
#endif
