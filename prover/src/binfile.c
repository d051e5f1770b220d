#include "via/binfile.h"
#include "via/curve.h"

#include <stdatomic.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "via/field.h"
#include "via/runtime.h"

const uint8_t via_bn254_q_le[32] = {
    0x47, 0xfd, 0x7c, 0xd8, 0x16, 0x8c, 0x20, 0x3c, 0x8d, 0xca, 0x71, 0x68, 0x91, 0x6a, 0x81, 0x97,
    0x5d, 0x58, 0x81, 0x81, 0xb6, 0x45, 0x50, 0xb8, 0x29, 0xa0, 0x31, 0xe1, 0x72, 0x4e, 0x64, 0x30};
const uint8_t via_bn254_r_le[32] = {
    0x01, 0x00, 0x00, 0xf0, 0x93, 0xf5, 0xe1, 0x43, 0x91, 0x70, 0xb9, 0x79, 0x48, 0xe8, 0x33, 0x28,
    0x5d, 0x58, 0x81, 0x81, 0xb6, 0x45, 0x50, 0xb8, 0x29, 0xa0, 0x31, 0xe1, 0x72, 0x4e, 0x64, 0x30};

static int raw_read(const via_binfile *bf, uint64_t off, void *dst, uint64_t len, via_error *err) {
    if (off > bf->file_size || len > bf->file_size - off)
        return via_fail(err, VIA_EFORMAT,
                        "%s: truncated: %llu bytes needed at offset %llu, file has %llu", bf->name,
                        (unsigned long long)len, (unsigned long long)off,
                        (unsigned long long)bf->file_size);
    if (bf->mem) {
        if (len) memcpy(dst, bf->mem + off, (size_t)len);
        return VIA_OK;
    }
    uint8_t *d = dst;
    while (len) {
        size_t chunk = len > ((size_t)1 << 30) ? ((size_t)1 << 30) : (size_t)len;
        ssize_t got = pread(bf->fd, d, chunk, (off_t)off);
        if (got < 0) {
            if (errno == EINTR) continue;
            return via_fail(err, VIA_EIO, "%s: read at offset %llu failed: %s", bf->name,
                            (unsigned long long)off, strerror(errno));
        }
        if (got == 0)
            return via_fail(err, VIA_EIO, "%s: file shrank while reading (offset %llu)", bf->name,
                            (unsigned long long)off);
        d += got;
        off += (uint64_t)got;
        len -= (uint64_t)got;
    }
    return VIA_OK;
}

static int parse_table(via_binfile *bf, const char magic[4], uint32_t max_version, via_error *err) {
    uint8_t hdr[12];
    if (bf->file_size < 12)
        return via_fail(err, VIA_EFORMAT,
                        "%s: truncated: %llu bytes, a %.4s file needs at least 12", bf->name,
                        (unsigned long long)bf->file_size, magic);
    int rc = raw_read(bf, 0, hdr, 12, err);
    if (rc) return rc;
    if (memcmp(hdr, magic, 4) != 0) {
        char got[5];
        for (int i = 0; i < 4; i++)
            got[i] = (hdr[i] >= 0x20 && hdr[i] < 0x7f) ? (char)hdr[i] : '?';
        got[4] = 0;
        static const char *const known[] = {"r1cs", "wtns", "zkey", "ptau"};
        for (int k = 0; k < 4; k++)
            if (!memcmp(hdr, known[k], 4))
                return via_fail(err, VIA_EFORMAT,
                                "%s: bad magic \"%s\", expected \"%.4s\": this is a .%s file where "
                                "a .%.4s file is expected (arguments in another order?)",
                                bf->name, got, magic, known[k], magic);
        return via_fail(err, VIA_EFORMAT, "%s: bad magic \"%s\", expected \"%.4s\"", bf->name, got,
                        magic);
    }
    bf->version = via_le32(hdr + 4);
    if (bf->version < 1 || bf->version > max_version)
        return via_fail(err, VIA_EFORMAT, "%s: unsupported %.4s version %u (supported: 1..%u)",
                        bf->name, magic, bf->version, max_version);
    uint32_t n = via_le32(hdr + 8);
    if (n > VIA_BINFILE_MAX_SECTIONS)
        return via_fail(err, VIA_EFORMAT, "%s: %u sections, at most %d supported", bf->name, n,
                        VIA_BINFILE_MAX_SECTIONS);
    uint64_t pos = 12;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t sh[12];
        if (bf->file_size - pos < 12)
            return via_fail(err, VIA_EFORMAT,
                            "%s: truncated: header of section %u of %u missing at offset %llu",
                            bf->name, i + 1, n, (unsigned long long)pos);
        rc = raw_read(bf, pos, sh, 12, err);
        if (rc) return rc;
        uint32_t id = via_le32(sh);
        uint64_t size = via_le64(sh + 4);
        pos += 12;
        if (size > bf->file_size - pos)
            return via_fail(err, VIA_EFORMAT,
                            "%s: section %u: truncated: size %llu bytes at offset %llu, but only "
                            "%llu bytes remain in the file",
                            bf->name, id, (unsigned long long)size, (unsigned long long)pos,
                            (unsigned long long)(bf->file_size - pos));
        bf->sections[i].id = id;
        bf->sections[i].offset = pos;
        bf->sections[i].size = size;
        pos += size;
    }
    bf->n_sections = n;
    if (pos != bf->file_size)
        return via_fail(err, VIA_EFORMAT, "%s: %llu trailing bytes after the last of %u sections",
                        bf->name, (unsigned long long)(bf->file_size - pos), n);
    return VIA_OK;
}

int via_binfile_open(via_binfile *bf, const char *path, const char magic[4], uint32_t max_version,
                     via_error *err) {
    memset(bf, 0, sizeof *bf);
    bf->name = path;
    bf->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (bf->fd < 0) return via_fail(err, VIA_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(bf->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        via_binfile_close(bf);
        return via_fail(err, VIA_EIO, "%s: not a readable regular file%s%s", path, e ? ": " : "",
                        e ? strerror(e) : "");
    }
    bf->file_size = (uint64_t)st.st_size;
    int rc = parse_table(bf, magic, max_version, err);
    if (rc) via_binfile_close(bf);
    return rc;
}

int via_binfile_open_mem(via_binfile *bf, const char *name, const uint8_t *data, size_t len,
                         const char magic[4], uint32_t max_version, via_error *err) {
    memset(bf, 0, sizeof *bf);
    bf->name = name;
    bf->fd = -1;
    static const uint8_t empty[1];
    bf->mem = data ? data : empty;
    bf->file_size = data ? len : 0;
    int rc = parse_table(bf, magic, max_version, err);
    if (rc) via_binfile_close(bf);
    return rc;
}

void via_binfile_close(via_binfile *bf) {
    if (bf->fd >= 0 && !bf->mem) close(bf->fd);
    bf->fd = -1;
    bf->mem = NULL;
    bf->n_sections = 0;
}

int via_binfile_section_get(const via_binfile *bf, uint32_t id, const char *what, int required,
                            const via_binfile_section **sec, via_error *err) {
    *sec = NULL;
    for (uint32_t i = 0; i < bf->n_sections; i++) {
        if (bf->sections[i].id != id) continue;
        if (*sec) {
            *sec = NULL;
            return via_fail(err, VIA_EFORMAT, "%s: section %u (%s): duplicated", bf->name, id,
                            what);
        }
        *sec = &bf->sections[i];
    }
    if (!*sec && required)
        return via_fail(err, VIA_EFORMAT, "%s: section %u (%s): missing", bf->name, id, what);
    return VIA_OK;
}

int via_binfile_read(const via_binfile *bf, const via_binfile_section *sec, uint64_t offset,
                     void *dst, uint64_t len, via_error *err) {
    if (offset > sec->size || len > sec->size - offset)
        return via_fail(err, VIA_EFORMAT,
                        "%s: section %u: %llu bytes needed at offset %llu, section has %llu",
                        bf->name, sec->id, (unsigned long long)len, (unsigned long long)offset,
                        (unsigned long long)sec->size);
    return raw_read(bf, sec->offset + offset, dst, len, err);
}

int via_binfile_read_section(const via_binfile *bf, const via_binfile_section *sec, uint8_t **out,
                             via_error *err) {
    *out = NULL;
    if (sec->size > SIZE_MAX)
        return via_fail(err, VIA_ENOMEM, "%s: section %u: %llu bytes do not fit in memory",
                        bf->name, sec->id, (unsigned long long)sec->size);
    uint8_t *buf = via_malloc_big((size_t)sec->size);
    if (!buf)
        return via_fail(err, VIA_ENOMEM, "%s: section %u: cannot allocate %llu bytes", bf->name,
                        sec->id, (unsigned long long)sec->size);
    int rc = raw_read(bf, sec->offset, buf, sec->size, err);
    if (rc) {
        via_free_big(buf);
        return rc;
    }
    *out = buf;
    return VIA_OK;
}

int via_binfile_write(FILE *f, const char *name, const void *data, size_t len, via_error *err) {
    if (len && fwrite(data, 1, len, f) != len)
        return via_fail(err, VIA_EIO, "%s: write failed: %s", name, strerror(errno));
    return VIA_OK;
}

int via_binfile_write_header(FILE *f, const char *name, const char magic[4], uint32_t version,
                             uint32_t n_sections, via_error *err) {
    uint8_t h[12];
    memcpy(h, magic, 4);
    via_put_le32(h + 4, version);
    via_put_le32(h + 8, n_sections);
    return via_binfile_write(f, name, h, sizeof h, err);
}

int via_binfile_write_section_header(FILE *f, const char *name, uint32_t id, uint64_t size,
                                     via_error *err) {
    uint8_t h[12];
    via_put_le32(h, id);
    via_put_le64(h + 4, size);
    return via_binfile_write(f, name, h, sizeof h, err);
}

int via_bytes_lt_mod(const uint8_t p[32], const uint64_t mod[4]) {
    uint64_t l[4];
    via_limbs_from_bytes_le(l, p);
    return via_limbs_lt(l, mod);
}

typedef struct {
    const uint8_t *buf;
    int g2;
    _Atomic uint64_t first_bad; /* UINT64_MAX: none */
} curve_check;

static void curve_check_range(void *arg, size_t begin, size_t end, unsigned worker) {
    (void)worker;
    curve_check *c = arg;
    for (size_t i = begin; i < end; i++) {
        int ok;
        if (c->g2) {
            via_g2_affine p;
            memcpy(&p, c->buf + i * sizeof p, sizeof p);
            ok = via_g2_affine_on_curve(&p);
        } else {
            via_g1_affine p;
            memcpy(&p, c->buf + i * sizeof p, sizeof p);
            ok = via_g1_affine_on_curve(&p);
        }
        if (!ok) {
            uint64_t cur = atomic_load(&c->first_bad);
            while (i < cur && !atomic_compare_exchange_weak(&c->first_bad, &cur, i)) {
            }
            return;
        }
    }
}

int via_check_points(const uint8_t *buf, uint64_t n_points, unsigned coords_per_point,
                     const char *file, unsigned section_id, const char *what, via_error *err) {
    int rc = via_check_coords(buf, n_points, coords_per_point, file, section_id, what, err);
    if (rc || n_points == 0) return rc;
    curve_check c = {buf, coords_per_point == 4, UINT64_MAX};
    via_parallel_for((size_t)n_points, 4096, curve_check_range, &c);
    uint64_t bad = atomic_load(&c.first_bad);
    if (bad != UINT64_MAX)
        return via_fail(err, VIA_EFORMAT, "%s: section %u (%s): point %llu is not on the %s curve",
                        file, section_id, what, (unsigned long long)bad,
                        c.g2 ? "BN254 G2 (twist)" : "BN254 G1");
    return VIA_OK;
}

int via_check_coords(const uint8_t *buf, uint64_t n_points, unsigned coords_per_point,
                     const char *file, unsigned section_id, const char *what, via_error *err) {
    for (uint64_t i = 0; i < n_points; i++) {
        for (unsigned c = 0; c < coords_per_point; c++) {
            const uint8_t *x = buf + (i * coords_per_point + c) * 32;
            if (!via_bytes_lt_mod(x, via_fq_mod.p)) {
                static const char *names2[2] = {"x", "y"};
                static const char *names4[4] = {"x.c0", "x.c1", "y.c0", "y.c1"};
                return via_fail(err, VIA_EFORMAT,
                                "%s: section %u (%s): point %llu: coordinate %s is not below the "
                                "field modulus q",
                                file, section_id, what, (unsigned long long)i,
                                coords_per_point == 2 ? names2[c] : names4[c & 3]);
            }
        }
    }
    return VIA_OK;
}
