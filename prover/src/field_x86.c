/* x86-64 MULX/ADX Montgomery multiplication, selected at run time when the CPU has BMI2
 * and ADX. Written with the compiler's intrinsics under a target attribute so the rest of
 * the library stays portable; the result is bit-identical to via_mont_mul_portable. */
#include "field.h"

#if defined(__x86_64__) && !defined(VIA_NO_ASM)
#include <cpuid.h>
#include <immintrin.h>
#include <stdlib.h>

__attribute__((target("bmi2,adx"))) void via_mont_mul_adx(uint64_t r[4], const uint64_t a[4],
                                                           const uint64_t b[4],
                                                           const via_modulus *m) {
    unsigned long long t[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        unsigned long long hi, lo, c = 0;
        unsigned char cf = 0, of = 0;
        /* t += a[i] * b */
        unsigned long long carry_hi = 0;
        for (int j = 0; j < 4; j++) {
            lo = _mulx_u64(a[i], b[j], &hi);
            cf = _addcarryx_u64(cf, t[j], lo, &t[j]);
            of = _addcarryx_u64(of, t[j + 1], hi, &t[j + 1]);
        }
        _addcarryx_u64(cf, t[4], 0, &t[4]);
        (void)carry_hi;
        (void)of;
        /* q = t0 * inv; t += q * p; shift one limb */
        unsigned long long q = t[0] * m->inv;
        cf = 0;
        of = 0;
        for (int j = 0; j < 4; j++) {
            lo = _mulx_u64(q, m->p[j], &hi);
            cf = _addcarryx_u64(cf, t[j], lo, &t[j]);
            of = _addcarryx_u64(of, t[j + 1], hi, &t[j + 1]);
        }
        _addcarryx_u64(cf, t[4], 0, &t[4]);
        (void)c;
        t[0] = t[1];
        t[1] = t[2];
        t[2] = t[3];
        t[3] = t[4];
        t[4] = 0;
    }
    uint64_t res[4] = {t[0], t[1], t[2], t[3]};
    via_limbs_reduce_once(r, res, m->p);
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
#endif
