/* Run-time detection of the AVX-512 IFMA path and the radix-2^52 modulus constants. */
#include "via/simd52.h"

#include <stdlib.h>
#include <string.h>

int via_simd52_have = 0;
via_s52_mod via_s52_fq, via_s52_fr;

static void to52(uint64_t out[5], const uint64_t a[4]) {
    const uint64_t m = 0xfffffffffffffULL;
    out[0] = a[0] & m;
    out[1] = ((a[0] >> 52) | (a[1] << 12)) & m;
    out[2] = ((a[1] >> 40) | (a[2] << 24)) & m;
    out[3] = ((a[2] >> 28) | (a[3] << 36)) & m;
    out[4] = a[3] >> 16;
}

static void fill(via_s52_mod *s, const via_modulus *m) {
    uint64_t k[4];
    to52(s->p, m->p);
    via_limbs_add(k, m->p, m->p); /* p < 2^254: 2p and 4p fit in 256 bits */
    to52(s->p2, k);
    via_limbs_add(k, k, k);
    to52(s->p4, k);
    /* 8p may reach 2^256: build it in radix 2^52 directly (top limb may exceed 52 bits) */
    for (int i = 0; i < 5; i++) s->p8[i] = s->p4[i] << 1;
    for (int i = 0; i < 4; i++) {
        s->p8[i + 1] += s->p8[i] >> 52;
        s->p8[i] &= 0xfffffffffffffULL;
    }
    /* -p^-1 mod 2^52 from -p^-1 mod 2^64 */
    s->pinv = m->inv & 0xfffffffffffffULL;
}

#if VIA_HAVE_SIMD52
#include <cpuid.h>

static int os_saves_zmm(void) {
    unsigned eax, ebx, ecx, edx;
    __cpuid(1, eax, ebx, ecx, edx);
    if (!((ecx >> 27) & 1)) return 0; /* OSXSAVE */
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 0xe6) == 0xe6; /* SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM */
}

void via_simd52_init(void) {
    fill(&via_s52_fq, &via_fq_mod);
    fill(&via_s52_fr, &via_fr_mod);
    via_simd52_have = 0;
    const char *off = getenv("VIA_NO_SIMD52");
    if (off && *off && strcmp(off, "0") != 0) return;
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid_max(0, NULL) < 7) return;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    int f = (ebx >> 16) & 1, ifma = (ebx >> 21) & 1;
    via_simd52_have = f && ifma && os_saves_zmm();
}
#else
void via_simd52_init(void) {
    fill(&via_s52_fq, &via_fq_mod);
    fill(&via_s52_fr, &via_fr_mod);
    via_simd52_have = 0;
}
#endif

__attribute__((constructor)) static void simd52_ctor(void) { via_simd52_init(); }
