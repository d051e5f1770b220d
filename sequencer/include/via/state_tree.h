/*
 * The rollup's state tree (the radix-16 Poseidon tree of via/smt.h, docs/protocol.md) kept in
 * PostgreSQL by version, so that the state after any retained batch can be read and proved:
 * every node that changes in version v (the state after batch v) is stored as (level, index,
 * v, hash); reading a node at version v takes its latest row at or before v, and a node with
 * no row is the empty subtree of its level. The top levels of the latest version are cached
 * in memory (they are on every path). A version is committed in one PostgreSQL transaction
 * (or inside the caller's), so after a crash the tree is at the last committed version.
 * Pruning drops the rows no retained version can see.
 */
#ifndef VIA_STATE_TREE_H
#define VIA_STATE_TREE_H
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "via/smt.h"
#include "via/status.h"

typedef struct via_state_tree via_state_tree;

/* Opens the tree on pg (not owned; one tree per connection, used by one thread), creating its
 * table when missing. depth as in via/smt.h; the depth is recorded at creation and a different
 * one later is refused (VIA_EINVAL). cache_levels of the top (1..depth) are kept in memory. */
VIA_MUST_USE int via_state_tree_open(via_state_tree **out, PGconn *pg, unsigned depth,
                                     unsigned cache_levels, via_error *err);
void via_state_tree_close(via_state_tree *t);
unsigned via_state_tree_depth(const via_state_tree *t);
/* The latest committed version (0: the empty tree before the first batch). */
int64_t via_state_tree_version(const via_state_tree *t);
/* The oldest version still readable (after pruning). */
int64_t via_state_tree_oldest(const via_state_tree *t);

/* Root, leaf and Merkle proof at a retained version (VIA_EINVAL naming the range otherwise). */
VIA_MUST_USE int via_state_tree_root(via_state_tree *t, int64_t version, via_fr *root,
                                     via_error *err);
VIA_MUST_USE int via_state_tree_leaf(via_state_tree *t, int64_t version, uint64_t id, via_fr *leaf,
                                     via_error *err);
VIA_MUST_USE int via_state_tree_prove(via_state_tree *t, int64_t version, uint64_t id,
                                      via_smt_proof *proof, via_error *err);

/* Writes version latest + 1: the leaves ids[i] set to leaves[i] (later entries for the same id
 * win), every changed node stored, the new root in *root. With in_tx = 0 it runs in its own
 * transaction; with in_tx = 1 the caller has begun one and commits it (then call
 * via_state_tree_committed after the COMMIT succeeded, or via_state_tree_rolled_back after a
 * ROLLBACK, so the cache follows the database). */
VIA_MUST_USE int via_state_tree_update(via_state_tree *t, const uint64_t *ids, const via_fr *leaves,
                                       size_t n, int in_tx, via_fr *root, via_error *err);
void via_state_tree_committed(via_state_tree *t);
void via_state_tree_rolled_back(via_state_tree *t);

/* Drops every row that no version >= keep_from needs; versions before keep_from are no longer
 * readable. *deleted rows removed. */
VIA_MUST_USE int via_state_tree_prune(via_state_tree *t, int64_t keep_from, int64_t *deleted,
                                      via_error *err);
#endif
