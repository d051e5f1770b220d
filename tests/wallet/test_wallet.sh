#!/bin/sh
# via-wallet round trips: keygen -> pubkey -> sign -> verify OK; tampered fields -> INVALID
# (exit 1); malformed or unusable input -> exit 2 with a message. Usage: test_wallet.sh WALLET
set -u
W=$1
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
fails=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
    if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, expected $2"; fails=$((fails + 1)); else echo "ok: $1"; fi
}
expect_in() { # expect_in NAME FILE TEXT
    if grep -q -- "$3" "$2"; then echo "ok: $1"; else echo "FAIL: $1: '$3' not in output:"; cat "$2"; fails=$((fails + 1)); fi
}

"$W" keygen --out "$D/key.json"; check "keygen" 0 $?
perm=$(stat -c %a "$D/key.json"); check "key file mode 600" 600 "$perm"
"$W" keygen --out "$D/key.json" 2>"$D/err"; check "keygen refuses to overwrite" 2 $?
expect_in "overwrite message" "$D/err" "never overwritten"
"$W" pubkey --key "$D/key.json" >"$D/pub.json"; check "pubkey" 0 $?
cat "$D/key.json" | "$W" pubkey --key - >"$D/pub2.json"; check "pubkey, key piped on stdin" 0 $?
cmp -s "$D/pub.json" "$D/pub2.json"; check "the piped key gives the same public key" 0 $?
x=$(sed -n 's/.*"x": "\([0-9]*\)".*/\1/p' "$D/pub.json")
expect_in "keygen and pubkey agree" "$D/key.json" "$x"

"$W" sign-transfer --key "$D/key.json" --from 5 --to 7 --amount 100000 --fee 250 --nonce 3 >"$D/tx.json"
check "sign-transfer" 0 $?
"$W" verify "$D/tx.json" >"$D/out"; check "verify transfer" 0 $?
expect_in "verify prints OK" "$D/out" "^OK$"
"$W" verify - <"$D/tx.json" >"$D/out"; check "verify from stdin" 0 $?

sed 's/"100000"/"100001"/' "$D/tx.json" >"$D/bad.json"
"$W" verify "$D/bad.json" >"$D/out" 2>/dev/null; check "tampered amount" 1 $?
expect_in "tampered prints INVALID" "$D/out" "^INVALID$"
sed 's/"to": 7/"to": 8/' "$D/tx.json" >"$D/bad.json"
"$W" verify "$D/bad.json" >/dev/null 2>&1; check "tampered recipient" 1 $?
sed 's/"type": "transfer"/"type": "withdraw", "dest": "51"/' "$D/tx.json" | grep -v '"to"' >"$D/bad.json"
"$W" verify "$D/bad.json" >/dev/null 2>&1; check "transfer signature replayed as withdraw" 1 $?

"$W" sign-withdraw --key "$D/key.json" --from 5 --amount 5000 --fee 10 --nonce 4 \
    --dest 0014751e76e8199196d454941c45d1b3a323f1433bd6 >"$D/wd.json"
check "sign-withdraw" 0 $?
"$W" verify "$D/wd.json" >/dev/null; check "verify withdraw" 0 $?
sed 's/0014751e/0014751f/' "$D/wd.json" >"$D/bad.json"
"$W" verify "$D/bad.json" >/dev/null 2>&1; check "tampered destination" 1 $?

printf '{"type": "transfer", "from": 5,' >"$D/mal.json"
"$W" verify "$D/mal.json" >/dev/null 2>"$D/err"; check "malformed JSON" 2 $?
expect_in "malformed JSON message" "$D/err" "invalid JSON at line"
sed 's/"fee": "250"/"fee": "-250"/' "$D/tx.json" >"$D/bad.json"
"$W" verify "$D/bad.json" >/dev/null 2>"$D/err"; check "non-numeric fee" 2 $?
expect_in "non-numeric fee message" "$D/err" '"fee"'
sed 's/"amount": "100000"/"amount": "18446744073709551616"/' "$D/tx.json" >"$D/bad.json"
"$W" verify "$D/bad.json" >/dev/null 2>"$D/err"; check "amount over 64 bits" 2 $?
"$W" verify "$D/missing.json" >/dev/null 2>"$D/err"; check "missing file" 2 $?
echo '{"private_key": "zz"}' >"$D/badkey.json"
"$W" pubkey --key "$D/badkey.json" >/dev/null 2>"$D/err"; check "bad key file" 2 $?
expect_in "bad key message" "$D/err" "64 hex digits"
"$W" sign-transfer --key "$D/key.json" --from 5 --to 7 --amount 1x --fee 1 --nonce 1 >/dev/null 2>"$D/err"
check "bad --amount" 2 $?
"$W" sign-withdraw --key "$D/key.json" --from 5 --amount 1 --fee 1 --nonce 1 --dest 00zz >/dev/null 2>&1
check "bad --dest" 2 $?
# refused although they used to be signed or accepted
"$W" sign-transfer --key "$D/key.json" --from 5 --to 7 --to 8 --amount 1 --fee 1 --nonce 1 >/dev/null 2>"$D/err"
check "repeated flag" 2 $?
expect_in "repeated flag message" "$D/err" "option --to is given twice ('7' and '8')"
echo '{"private_key": "0000000000000000000000000000000000000000000000000000000000000000"}' >"$D/zero.json"
"$W" sign-transfer --key "$D/zero.json" --from 5 --to 7 --amount 1 --fee 1 --nonce 1 >/dev/null 2>"$D/err"
check "all-zero key" 2 $?
expect_in "all-zero key message" "$D/err" "all zeros"
"$W" sign-transfer --key "$D/key.json" --from 5 --to 4294967296 --amount 1 --fee 1 --nonce 1 >/dev/null 2>"$D/err"
check "account id beyond any tree" 2 $?
expect_in "account id message" "$D/err" "to: account id 4294967296 is beyond the largest state tree"
"$W" sign-withdraw --key "$D/key.json" --from 5 --amount 18446744073709551615 --fee 1 --nonce 1 --dest 00 >/dev/null 2>"$D/err"
check "amount + fee above 2^64" 2 $?
expect_in "amount + fee message" "$D/err" "amount 18446744073709551615 + fee 1 is above 2^64 - 1"
head -c 70000 /dev/zero | tr '\0' ' ' >"$D/big.json"
"$W" verify "$D/big.json" >/dev/null 2>"$D/err"; check "oversized file" 2 $?
expect_in "oversized file message" "$D/err" "70000 bytes, above the limit of 65536 bytes"
"$W" verify "$D" >/dev/null 2>"$D/err"; check "directory as input" 2 $?
expect_in "directory message" "$D/err" "is a directory"

for c in keygen pubkey sign-transfer sign-withdraw verify; do
    "$W" $c --help >"$D/out"; check "$c --help" 0 $?
    expect_in "$c --help text" "$D/out" "usage: via-wallet $c"
done
"$W" frobnicate >/dev/null 2>&1; check "unknown command" 2 $?

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all wallet checks passed"
