# Sourced by the test scripts: via_missing WHAT exits 77 (ctest: skipped) when a prerequisite
# such as node or an OpenCL device is absent, or 1 (failed) when CI=true, so that a CI machine
# that lost one goes red instead of quietly skipping.
via_missing() {
    if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
        echo "FAIL: $* (CI=true: a missing prerequisite is a failure)"
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}
