/* jansson values for the rollup's JSON inputs and outputs (chunk inputs, wallet files):
 * an Fr element as its decimal string, an unsigned 64-bit integer as a decimal string (exact
 * in every JSON reader). NULL when out of memory. */
#ifndef VIA_ROLLUP_JSON_H
#define VIA_ROLLUP_JSON_H
#include <jansson.h>
#include <stdint.h>

#include "via/field.h"

json_t *via_json_fr(const via_fr *v);
json_t *via_json_u64(uint64_t v);
#endif
