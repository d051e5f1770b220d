/*
 * The iden3 "binfile" container shared by .r1cs, .wtns, .zkey and .ptau
 * (docs/sources.md: binfile):
 *
 *   magic[4] | u32 version | u32 nSections | { u32 id | u64 size | payload[size] } ...
 *
 * All integers are little-endian. Sections may come in any order. A reader opens the file
 * once, builds the section table (checking that every section lies inside the file and that
 * the sections cover it exactly: no truncation, no trailing bytes), then reads each section it
 * wants straight into a buffer of exactly that section's size. No mmap: zkey sections start at
 * arbitrary (not 8-byte aligned) offsets, and a copy into an aligned buffer is what lets the
 * point arrays be used in place.
 *
 * The same reader works on a file (pread on a descriptor) or on a memory buffer (for fuzzing
 * and tests); `name` is used in every error message.
 */
#ifndef VIA_PROVER_BINFILE_H
#define VIA_PROVER_BINFILE_H
#include <stdint.h>
#include <stdio.h>

#include "via/status.h"

/* At most this many section headers are accepted in one file. */
#define VIA_BINFILE_MAX_SECTIONS 256

typedef struct {
    uint32_t id;
    uint64_t offset; /* of the payload, from the start of the file */
    uint64_t size;
} via_binfile_section;

typedef struct {
    const char *name;   /* path or label for messages; borrowed, must outlive the reader */
    int fd;             /* -1 when reading from memory */
    const uint8_t *mem; /* memory input (borrowed), or NULL */
    uint64_t file_size;
    uint32_t version;
    uint32_t n_sections;
    via_binfile_section sections[VIA_BINFILE_MAX_SECTIONS];
} via_binfile;

/* Opens `path`, checks the 4-byte magic and that 1 <= version <= max_version, and reads the
 * section table. On failure the reader is closed and err names the file and the problem. */
VIA_MUST_USE int via_binfile_open(via_binfile *bf, const char *path, const char magic[4],
                                  uint32_t max_version, via_error *err);
/* Same on a memory buffer; data must stay valid until via_binfile_close. */
VIA_MUST_USE int via_binfile_open_mem(via_binfile *bf, const char *name, const uint8_t *data,
                                      size_t len, const char magic[4], uint32_t max_version,
                                      via_error *err);
void via_binfile_close(via_binfile *bf);

/* Finds the single section with this id. Returns VIA_OK and sets *sec; VIA_EFORMAT when it
 * appears more than once ("duplicated"), or when it is missing and `required` is set (then
 * `what` names it in the message). *sec = NULL when missing and not required. */
VIA_MUST_USE int via_binfile_section_get(const via_binfile *bf, uint32_t id, const char *what,
                                         int required, const via_binfile_section **sec,
                                         via_error *err);

/* Copies len bytes at `offset` within section `sec` into dst; the range must lie inside the
 * section (checked; VIA_EFORMAT otherwise, VIA_EIO on a read error). */
VIA_MUST_USE int via_binfile_read(const via_binfile *bf, const via_binfile_section *sec,
                                  uint64_t offset, void *dst, uint64_t len, via_error *err);
/* Reads a whole section into a new 64-byte aligned buffer (via_malloc_big; the caller frees
 * it with via_free_big). */
VIA_MUST_USE int via_binfile_read_section(const via_binfile *bf, const via_binfile_section *sec,
                                          uint8_t **out, via_error *err);

/* ---- writing ---- */
/* Writes the 12-byte file header. */
VIA_MUST_USE int via_binfile_write_header(FILE *f, const char *name, const char magic[4],
                                          uint32_t version, uint32_t n_sections, via_error *err);
/* Writes a section header; the caller then writes exactly `size` payload bytes. */
VIA_MUST_USE int via_binfile_write_section_header(FILE *f, const char *name, uint32_t id,
                                                  uint64_t size, via_error *err);
/* fwrite with an error message naming the file. */
VIA_MUST_USE int via_binfile_write(FILE *f, const char *name, const void *data, size_t len,
                                   via_error *err);

/* Little-endian helpers for parsing buffers. */
static inline uint32_t via_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t via_le64(const uint8_t *p) {
    return (uint64_t)via_le32(p) | (uint64_t)via_le32(p + 4) << 32;
}
static inline void via_put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void via_put_le64(uint8_t *p, uint64_t v) {
    via_put_le32(p, (uint32_t)v);
    via_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Checked arithmetic for sizes: return 0 on overflow. */
static inline int via_mul_u64(uint64_t *r, uint64_t a, uint64_t b) {
    return !__builtin_mul_overflow(a, b, r);
}

/* The moduli as 32-byte little-endian integers (q for coordinates, r for scalars). */
extern const uint8_t via_bn254_q_le[32];
extern const uint8_t via_bn254_r_le[32];

/* 1 when the 32-byte LE integer at p is < the modulus with those limbs. */
int via_bytes_lt_mod(const uint8_t p[32], const uint64_t mod[4]);
/* via_check_coords, then every point on its curve (G1: y^2 = x^3 + 3; G2: the twist), checked
 * in parallel over the worker threads. On failure names file, section and the first bad
 * point's index. Subgroup membership is not checked here (see the readers). */
VIA_MUST_USE int via_check_points(const uint8_t *buf, uint64_t n_points, unsigned coords_per_point,
                                  const char *file, unsigned section_id, const char *what,
                                  via_error *err);
/* Checks that every coordinate of n_points points of coords_per_point 32-byte Fq elements
 * (2 for G1, 4 for G2) is < q. On failure names file, section and the point index. */
VIA_MUST_USE int via_check_coords(const uint8_t *buf, uint64_t n_points, unsigned coords_per_point,
                                  const char *file, unsigned section_id, const char *what,
                                  via_error *err);
#endif
