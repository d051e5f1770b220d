/* Constant-time checking, the way libsecp256k1's ctime tests do it: tests/ctime runs the
 * secret-handling functions under valgrind memcheck with their secrets marked undefined, so
 * any branch or memory index that depends on a secret is reported. A value that is derived
 * from secrets but public by design (a signature's R, whether a key was valid) is declassified
 * with VIA_DECLASSIFY where it becomes public. In normal builds the macro is empty; the
 * ctime build (-DVIA_CTIME=ON, which needs valgrind's headers) defines VIA_CTIME_CHECKS. */
#ifndef VIA_CTIME_H
#define VIA_CTIME_H
#ifdef VIA_CTIME_CHECKS
#include <valgrind/memcheck.h>
#define VIA_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define VIA_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif
#endif
