/* Test runner conventions shared by the cmocka unit tests.
 *
 *  - VIA_SKIP(...) says why a test cannot run here, counts it and skips it. via_test_run then
 *    exits 77 when a test was skipped, which ctest reports as skipped (SKIP_RETURN_CODE 77),
 *    never as passed; failures still exit 1.
 *  - VIA_TEST_ONLY / VIA_TEST_EXCLUDE (comma-separated test names) pick tests, so one file can
 *    be registered twice: its tests that always run, and separately the ones that compare a
 *    CPU-specific path and may be skipped on another machine.
 *  - via_test_missing(what): a prerequisite the test needs (an OpenCL device, node, ...) is
 *    absent. Outside CI that is a skip (77); with CI=true it is a failure (1), so a CI machine
 *    that lost PoCL or the npm oracles goes red instead of quietly green. GPUs are the
 *    exception: tests that need one use VIA_SKIP, since CI machines have none.
 * Include after <cmocka.h>. */
#ifndef VIA_TEST_H
#define VIA_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missing.h"

static int via_test_skipped;

#define VIA_SKIP(...)                                                                              \
    do {                                                                                           \
        fprintf(stderr, "SKIP: " __VA_ARGS__);                                                     \
        fputc('\n', stderr);                                                                       \
        via_test_skipped++;                                                                        \
        skip();                                                                                    \
    } while (0)

static inline int via_test_in_list(const char *list, const char *name) {
    if (!list) return 0;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, name, n)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static inline int via_test_run_named(const char *group, const struct CMUnitTest *tests, size_t n) {
    const char *only = getenv("VIA_TEST_ONLY"), *excl = getenv("VIA_TEST_EXCLUDE");
    struct CMUnitTest *pick = malloc((n ? n : 1) * sizeof *pick);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (only && !via_test_in_list(only, tests[i].name)) continue;
        if (via_test_in_list(excl, tests[i].name)) continue;
        pick[k++] = tests[i];
    }
    if (k == 0) {
        printf("FAIL: no test matches VIA_TEST_ONLY=%s VIA_TEST_EXCLUDE=%s\n", only ? only : "",
               excl ? excl : "");
        free(pick);
        return 1;
    }
    int failed = _cmocka_run_group_tests(group, pick, k, NULL, NULL);
    free(pick);
    if (failed) return 1;
    return via_test_skipped ? 77 : 0;
}
#define via_test_run(tests) via_test_run_named(#tests, tests, sizeof(tests) / sizeof((tests)[0]))
#endif
