#include "via/rand.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "via/mem.h"

int via_os_random(void *out, size_t n, via_error *err) {
    uint8_t *p = out;
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            via_wipe(out, n);
            return via_fail(err, VIA_ERANDOM, "getrandom failed: %s", strerror(e));
        }
        got += (size_t)r;
    }
    return VIA_OK;
}
