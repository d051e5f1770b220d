// Interop check against @scure/btc-signer and @noble/curves (tests/npm/node_modules).
// Usage: node scure_xcheck.mjs <xcheck binary> [seed]
// 1. From a seed, derive keys; scure builds and signs a transaction spending a P2WPKH and a
//    P2TR key-path input to P2WPKH, P2TR and OP_RETURN outputs; it also computes addresses,
//    Schnorr signatures and a MuSig2 aggregate key and bridge address.
// 2. The C side (xcheck) parses all of it: same txid, wtxid, vsize, outputs, addresses, taproot
//    output key, MuSig2 aggregate; it verifies scure's signatures with its own sighashes.
// 3. The C side signs the same transaction itself; scure parses the result (same txid) and
//    noble verifies our signatures over scure's own sighashes; with equal aux randomness our
//    taproot signature equals scure's byte for byte.
import * as btc from '@scure/btc-signer';
import * as musig2 from '@scure/btc-signer/musig2.js';
import { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, hexToBytes as unhex } from '@noble/hashes/utils.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = process.argv[2];
const seed = process.argv[3] ?? String(Date.now());
console.log(`scure_xcheck seed: ${seed}`);
const key = (i) => sha256(new TextEncoder().encode(`${seed}/${i}`));
const REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef };
let failures = 0;
const check = (ok, what) => { if (!ok) { failures++; console.error(`MISMATCH: ${what}`); } };

const skW = key(1), skT = key(2), skOut = key(3);
const pubW = secp256k1.getPublicKey(skW, true);
const xT = schnorr.getPublicKey(skT);
const inW = btc.p2wpkh(pubW, REGTEST);
const inT = btc.p2tr(xT, undefined, REGTEST);
const outW = btc.p2wpkh(secp256k1.getPublicKey(skOut, true), REGTEST);
const outT = btc.p2tr(schnorr.getPublicKey(skOut), undefined, REGTEST);
const prev = [
  { txid: hex(key(10)), index: 1, script: inW.script, amount: 150000n },
  { txid: hex(key(11)), index: 0, script: inT.script, amount: 90000n, tapInternalKey: xT },
];
const tx = new btc.Transaction({ allowUnknownOutputs: true });
for (const p of prev) tx.addInput({ txid: p.txid, index: p.index, witnessUtxo: { script: p.script, amount: p.amount }, sequence: 0xfffffffd, ...(p.tapInternalKey ? { tapInternalKey: p.tapInternalKey } : {}) });
tx.addOutputAddress(outW.address, 100000n, REGTEST);
tx.addOutputAddress(outT.address, 120000n, REGTEST);
const receiver = key(20).slice(0, 20);
tx.addOutput({ script: btc.Script.encode(['RETURN', receiver]), amount: 0n });
tx.sign(skW);
tx.sign(skT, undefined, new Uint8Array(32));
tx.finalize();

const schnorrCases = [0, 1, 2].map((i) => {
  const msg = key(30 + i), sk = key(40 + i);
  return { msg: hex(msg), pub: hex(schnorr.getPublicKey(sk)), sig: hex(schnorr.sign(msg, sk, key(50 + i))) };
});
const verifierPubs = [0, 1, 2].map((i) => secp256k1.getPublicKey(key(60 + i), true));
const agg = musig2.keyAggExport(musig2.keyAggregate(verifierPubs));
const bridge = btc.p2tr(agg, undefined, REGTEST);

const input = {
  tx_hex: tx.hex, txid: tx.id, vsize: tx.vsize, weight: tx.weight,
  prevouts: prev.map((p) => ({ script: hex(p.script), amount: Number(p.amount) })),
  p2wpkh_pub: hex(pubW), p2tr_internal: hex(xT), p2tr_output_key: hex(inT.script.slice(2)),
  addresses: [inW, inT, outW, outT].map((p) => ({ script: hex(p.script), address: p.address })),
  seckeys: { wpkh: hex(skW), tr: hex(skT) },
  schnorr: schnorrCases,
  musig: { pubkeys: verifierPubs.map(hex), agg: hex(agg), bridge_address: bridge.address },
};
const dir = mkdtempSync(join(tmpdir(), 'via-xcheck-'));
const path = join(dir, 'in.json');
writeFileSync(path, JSON.stringify(input));
let out;
try {
  out = JSON.parse(execFileSync(bin, [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
} catch (e) {
  console.error(`xcheck failed: ${e.message}`);
  process.exit(1);
}

// Our transaction, parsed and verified by scure/noble.
const ours = btc.Transaction.fromRaw(unhex(out.tx_hex), { allowUnknownOutputs: true });
check(ours.id === tx.id, `txid of our signed tx ${ours.id} vs ${tx.id}`);
const code = btc.OutScript.encode({ type: 'pkh', hash: inW.hash });
const h0 = ours.preimageWitnessV0(0, code, btc.SigHash.ALL, prev[0].amount);
check(hex(h0) === out.sighash0, 'BIP-143 sighash of input 0');
const w0 = ours.inputs[0].finalScriptWitness;
check(secp256k1.verify(w0[0].slice(0, -1), h0, w0[1], { prehash: false, format: 'der' }), 'our ECDSA signature (input 0)');
const h1 = ours.preimageWitnessV1(1, prev.map((p) => p.script), btc.SigHash.DEFAULT, prev.map((p) => p.amount));
check(hex(h1) === out.sighash1, 'BIP-341 sighash of input 1');
const w1 = ours.inputs[1].finalScriptWitness;
check(schnorr.verify(w1[0], h1, inT.script.slice(2)), 'our Schnorr key-path signature (input 1)');
check(hex(w1[0]) === hex(tx.inputs[1].finalScriptWitness[0]), 'taproot signature bytes equal scure (zero aux)');
for (const s of out.schnorr) check(schnorr.verify(unhex(s.sig), unhex(s.msg), unhex(s.pub)), `our BIP-340 signature on ${s.msg}`);
check(out.ok === true, 'C side checks');
if (failures) { console.error(`${failures} mismatches`); process.exit(1); }
console.log('scure_xcheck: all checks passed');
