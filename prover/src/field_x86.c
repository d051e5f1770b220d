/* Run-time selection of the x86-64 MULX/ADX Montgomery multiplication (the inline assembly
 * itself lives in field.h so that it inlines into callers), plus an out-of-line copy for
 * tests that compare it with via_mont_mul_portable. */
#include "via/field.h"

#if defined(__x86_64__) && !defined(VIA_NO_ASM)
#include <cpuid.h>
#include <stdlib.h>

/* Out-of-line entry points for tests. On a CPU without BMI2/ADX they fall back to the
 * portable code instead of faulting, so callers that compare the two must check
 * via_field_have_adx to know whether the comparison means anything. */
void via_mont_mul_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                      const via_modulus *m) {
    if (via_field_have_adx)
        via_mont_mul_adx_inline(r, a, b, m);
    else
        via_mont_mul_portable(r, a, b, m);
}

void via_mont_sqr_adx(uint64_t r[4], const uint64_t a[4], const via_modulus *m) {
    if (via_field_have_adx)
        via_mont_sqr_adx_inline(r, a, m);
    else
        via_mont_mul_portable(r, a, a, m);
}

void via_field_init(void) {
    if (getenv("VIA_NO_ADX")) {
        via_field_have_adx = 0;
        return;
    }
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid_max(0, NULL) < 7) return;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    int bmi2 = (ebx >> 8) & 1, adx = (ebx >> 19) & 1;
    via_field_have_adx = bmi2 && adx;
}
#else
void via_field_init(void) {}
void via_mont_mul_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                      const via_modulus *m) {
    via_mont_mul_portable(r, a, b, m);
}
void via_mont_sqr_adx(uint64_t r[4], const uint64_t a[4], const via_modulus *m) {
    via_mont_mul_portable(r, a, a, m);
}
#endif
