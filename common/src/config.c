#include "via/config.h"

#include <stdlib.h>

const char *via_config_str(const char *flag_value, const char *env, const char *dflt) {
    if (flag_value) return flag_value;
    const char *e = env ? getenv(env) : NULL;
    if (e && *e) return e;
    return dflt;
}

int via_parse_u64(const char *s, uint64_t *out) {
    if (!s || !*s) return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int via_config_u64(uint64_t *out, const char *flag, const char *flag_value, const char *env,
                   uint64_t dflt, uint64_t min, uint64_t max, via_error *err) {
    const char *s = via_config_str(flag_value, env, NULL);
    if (!s) {
        *out = dflt;
        return VIA_OK;
    }
    const char *from = flag_value ? flag : env;
    uint64_t v;
    if (via_parse_u64(s, &v) != 0)
        return via_fail(err, VIA_EINVAL, "%s: '%.40s' is not an unsigned decimal number", from, s);
    if (v < min || v > max)
        return via_fail(err, VIA_EINVAL, "%s: %llu is out of range [%llu, %llu]", from,
                        (unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return VIA_OK;
}
