/* Helpers for tests that talk to a regtest node started by with_node.sh: bitcoind -regtest or
 * the in-tree stand-in (VIA_TEST_NODE says which). */
#ifndef VIA_TEST_NODE_H
#define VIA_TEST_NODE_H
#include "via/chain.h"

via_rpc *node_rpc(void); /* from VIA_TEST_RPC_*; fails the test when unset */
int node_is_standin(void);
json_t *node_call(via_rpc *rpc, const char *method, json_t *params); /* asserts success */
void node_mine(via_rpc *rpc, int n); /* n blocks paying a throwaway key */
/* Gives `address` a confirmed spendable coin (exactly sats on the stand-in; a 50 BTC coinbase
 * matured by 100 blocks on bitcoind) and reports it. */
void node_fund(via_rpc *rpc, const char *address, uint64_t sats, via_btc_utxo *out);
/* Replaces the last depth blocks by depth+1 new ones; their transactions return to the mempool
 * and are mined again in the new branch (Bitcoin Core's behaviour). */
void node_reorg(via_rpc *rpc, int depth);
/* A deterministic test key: sha256("via-test-key-<n>"). */
void node_test_key(uint8_t seckey[32], int n);
void node_p2wpkh_address(char addr[VIA_BTC_ADDRESS_MAX], const uint8_t seckey[32]);
#endif
