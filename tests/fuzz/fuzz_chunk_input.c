/* libFuzzer harness: the chunk witness JSON input (via_chunk_input_parse, docs/protocol.md).
 * Any bytes either parse into an input whose slots and depth are within the documented limits,
 * or fail with a message; never a crash or a leak. */
#include "via/chunk.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    via_chunk_input *in = (via_chunk_input *)1;
    via_error err;
    err.msg[0] = 0;
    if (via_chunk_input_parse(&in, "fuzz.json", (const char *)data, size, &err)) {
        FUZZ_CHECK(in == NULL);
        FUZZ_CHECK(err.msg[0] != 0);
        return 0;
    }
    FUZZ_CHECK(in != NULL);
    unsigned slots = via_chunk_input_slots(in), depth = via_chunk_input_depth(in);
    FUZZ_CHECK(slots >= 1 && slots <= VIA_CHUNK_MAX_SLOTS);
    FUZZ_CHECK(depth >= 1 && depth <= VIA_CHUNK_MAX_DEPTH);
    fprintf(fuzz_sink(), "%u %u\n", slots, depth);
    via_chunk_input_free(in);
    return 0;
}
