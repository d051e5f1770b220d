/* Transaction signing messages; the definitions are in via/l2tx.h. */
#include "via/l2tx.h"

#include <assert.h>

#include "via/poseidon.h"

void via_l2tx_transfer_msg(via_fr *msg, const via_l2tx_transfer *tx) {
    assert(msg && tx);
    via_fr in[6];
    via_fr_set_u64(&in[0], VIA_L2TX_TAG_TRANSFER);
    via_fr_set_u64(&in[1], tx->from);
    via_fr_set_u64(&in[2], tx->to);
    via_fr_set_u64(&in[3], tx->amount);
    via_fr_set_u64(&in[4], tx->fee);
    via_fr_set_u64(&in[5], tx->nonce);
    int rc = via_poseidon(msg, in, 6);
    assert(rc == 0);
    (void)rc;
}

void via_l2tx_script_chunks(via_fr chunks[2], const uint8_t *dest, size_t dest_len) {
    assert(dest_len <= VIA_L2TX_MAX_SCRIPT && (dest || dest_len == 0));
    uint8_t padded[VIA_L2TX_MAX_SCRIPT] = {0};
    memcpy(padded, dest, dest_len);
    for (int c = 0; c < 2; c++) {
        uint8_t le[32] = {0};
        for (int i = 0; i < VIA_L2TX_SCRIPT_CHUNK; i++)
            le[VIA_L2TX_SCRIPT_CHUNK - 1 - i] = padded[VIA_L2TX_SCRIPT_CHUNK * c + i];
        int rc = via_fr_from_bytes_le(&chunks[c], le); /* < 2^248 < r */
        assert(rc == 0);
        (void)rc;
    }
}

int via_l2tx_withdraw_msg(via_fr *msg, const via_l2tx_withdraw *tx, via_error *err) {
    assert(msg && tx);
    via_fr_set_zero(msg);
    if (tx->dest_len == 0 || tx->dest_len > VIA_L2TX_MAX_SCRIPT)
        return via_fail(err, VIA_EINVAL,
                        "withdraw destination scriptPubKey is %zu bytes; it must be 1..%d",
                        tx->dest_len, VIA_L2TX_MAX_SCRIPT);
    via_fr in[8];
    via_fr_set_u64(&in[0], VIA_L2TX_TAG_WITHDRAW);
    via_fr_set_u64(&in[1], tx->from);
    via_fr_set_u64(&in[2], tx->amount);
    via_fr_set_u64(&in[3], tx->fee);
    via_fr_set_u64(&in[4], tx->nonce);
    via_fr_set_u64(&in[5], (uint64_t)tx->dest_len);
    via_l2tx_script_chunks(in + 6, tx->dest, tx->dest_len);
    int rc = via_poseidon(msg, in, 8);
    assert(rc == 0);
    (void)rc;
    return VIA_OK;
}

static int check_ids_and_total(uint64_t from, const uint64_t *to, uint64_t amount, uint64_t fee,
                               via_error *err) {
    if (from > VIA_L2TX_MAX_ACCOUNT_ID)
        return via_fail(err, VIA_EINVAL,
                        "from: account id %llu is beyond the largest state tree (ids are below "
                        "2^32)",
                        (unsigned long long)from);
    if (to && *to > VIA_L2TX_MAX_ACCOUNT_ID)
        return via_fail(err, VIA_EINVAL,
                        "to: account id %llu is beyond the largest state tree (ids are below 2^32)",
                        (unsigned long long)*to);
    if (amount > UINT64_MAX - fee)
        return via_fail(err, VIA_EINVAL,
                        "amount %llu + fee %llu is above 2^64 - 1: no balance can pay it",
                        (unsigned long long)amount, (unsigned long long)fee);
    return VIA_OK;
}

int via_l2tx_transfer_check(const via_l2tx_transfer *tx, via_error *err) {
    return check_ids_and_total(tx->from, &tx->to, tx->amount, tx->fee, err);
}

int via_l2tx_withdraw_check(const via_l2tx_withdraw *tx, via_error *err) {
    if (tx->dest_len == 0 || tx->dest_len > VIA_L2TX_MAX_SCRIPT)
        return via_fail(err, VIA_EINVAL, "dest: %zu bytes, expected 1..%d", tx->dest_len,
                        VIA_L2TX_MAX_SCRIPT);
    return check_ids_and_total(tx->from, NULL, tx->amount, tx->fee, err);
}
