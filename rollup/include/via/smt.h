/*
 * In-memory radix-16 sparse Merkle tree of the rollup state (docs/protocol.md).
 *
 * Shape. Depth D (1..VIA_SMT_MAX_DEPTH, default VIA_SMT_DEFAULT_DEPTH = 6) gives 16^D leaves;
 * the leaf index is the account id, 0 <= id < 16^D. Levels are numbered from the leaves:
 * level 0 holds the leaves, level D the root. The node at level k covering account id has
 * index id >> (4k) within its level; its 16 children are the level k-1 nodes with indexes
 * 16*(id >> 4k) + c, c = 0..15, in that order.
 *
 * Nibble order. Write id in base 16 as nibbles n_{D-1} ... n_1 n_0 (n_0 least significant,
 * n_i = (id >> 4i) & 15). Going down from the root, the root's child is selected by n_{D-1}
 * (the most significant nibble), the next level by n_{D-2}, ..., and the leaf's position
 * among its 15 siblings by n_0.
 *
 * Hashes.
 *   leaf value  = Poseidon(pubkey.x, pubkey.y, balance, nonce)   (t = 5; via_smt_account_leaf)
 *                 or 0 for an empty account
 *   node value  = Poseidon(child_0, ..., child_15)                (t = 17)
 *   empty[0] = 0, empty[k] = Poseidon(empty[k-1] x 16): the value of an all-empty subtree
 *
 * Proofs. A proof for id lists, for each level i = 0..D-1 from the leaf upward, the position
 * pos[i] = n_i of the path node among its 16 siblings and the 15 other children of its parent,
 * sib[i][0..14], in child order with position pos[i] skipped. Recomputing the parent from a
 * value v: children = sib[i][0..pos-1], v, sib[i][pos..14].
 *
 * Not thread-safe: one writer, or readers only. All values are Montgomery-form via_fr.
 */
#ifndef VIA_PROVER_SMT_H
#define VIA_PROVER_SMT_H

#include <stddef.h>
#include <stdint.h>

#include "via/status.h"
#include "via/field.h"

#define VIA_SMT_DEFAULT_DEPTH 6
#define VIA_SMT_MAX_DEPTH 15
#define VIA_SMT_ARITY 16

typedef struct via_smt via_smt;

typedef struct {
    unsigned depth;
    uint8_t pos[VIA_SMT_MAX_DEPTH];
    via_fr sib[VIA_SMT_MAX_DEPTH][VIA_SMT_ARITY - 1];
} via_smt_proof;

/* A new empty tree of the given depth (1..VIA_SMT_MAX_DEPTH); NULL if out of memory. */
via_smt *via_smt_new(unsigned depth);
void via_smt_free(via_smt *t);
unsigned via_smt_depth(const via_smt *t);
/* Number of leaves, 16^depth. */
uint64_t via_smt_capacity(const via_smt *t);

/* The hash of an empty subtree whose root is at the given level (0..VIA_SMT_MAX_DEPTH). */
const via_fr *via_smt_empty_hash(unsigned level);

/* Poseidon(x, y, balance, nonce): the leaf value of an account. */
void via_smt_account_leaf(via_fr *out, const via_fr *pk_x, const via_fr *pk_y, uint64_t balance,
                          uint64_t nonce);
/* out[i] = the leaf of account i for i < n, hashed together (eight at a time in vector lanes
 * where the CPU has them): get(ud, i, ...) gives account i's key, balance and nonce and returns
 * 1, or returns 0 for an empty account (leaf 0). VIA_ENOMEM when memory runs out. */
typedef int (*via_smt_account_get)(void *ud, size_t i, via_fr *pk_x, via_fr *pk_y,
                                   uint64_t *balance, uint64_t *nonce);
int via_smt_account_leaves(via_fr *out, size_t n, via_smt_account_get get, void *ud,
                           via_error *err) VIA_MUST_USE;

void via_smt_root(const via_smt *t, via_fr *root);

/* Leaf value at id (0 for an empty leaf). VIA_EINVAL if id >= capacity. */
int via_smt_get(const via_smt *t, uint64_t id, via_fr *leaf, via_error *err) VIA_MUST_USE;
/* Sets the leaf at id (0 empties it) and rehashes its path. VIA_EINVAL if id >= capacity,
 * VIA_ENOMEM if the node table cannot grow (the tree is then unchanged). */
int via_smt_set(via_smt *t, uint64_t id, const via_fr *leaf, via_error *err) VIA_MUST_USE;
/* Sets n leaves (ids[i] to leaves[i]; for a repeated id the last one wins) and rehashes every
 * node above them once, level by level, the nodes of a level in one batch: the same tree as n
 * calls of via_smt_set, with one hash per changed node instead of one per leaf and level.
 * VIA_EINVAL if an id >= capacity, VIA_ENOMEM if memory runs out; either way before any
 * change. */
int via_smt_set_many(via_smt *t, const uint64_t *ids, const via_fr *leaves, size_t n,
                     via_error *err) VIA_MUST_USE;
/* The value of the node at (level, index) (the empty subtree's where none was written);
 * level <= depth and index < 16^(depth - level) (asserted). */
void via_smt_node(const via_smt *t, unsigned level, uint64_t index, via_fr *out);

/* Inclusion proof of the leaf at id. VIA_EINVAL if id >= capacity. */
int via_smt_prove(const via_smt *t, uint64_t id, via_smt_proof *proof, via_error *err) VIA_MUST_USE;

/* The root of the tree that has the siblings of proof and leaf value at the proven position:
 * with the current leaf this is the current root (verification); with a new leaf it is the
 * root after the update (what the circuit computes). proof->depth must be 1..MAX and every
 * pos < 16 (asserted). */
void via_smt_root_from_proof(via_fr *root, const via_fr *leaf, const via_smt_proof *proof);

/* VIA_OK when proof shows leaf at id under root; VIA_EVERIFY with the reason otherwise
 * (positions that do not spell id, or a different root). */
int via_smt_verify_proof(const via_fr *root, uint64_t id, const via_fr *leaf,
                         const via_smt_proof *proof, via_error *err) VIA_MUST_USE;

#endif
