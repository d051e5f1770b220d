// Produces circomlibjs (tests/npm, pinned by package-lock.json) outputs for seeded random inputs,
// as one JSON document on stdout, for check_circomlibjs.c to compare with our C code:
//   poseidon: circomlibjs buildPoseidon (wasm) for every width, with initState/nOut cases
//   eddsa:    prv2pub, signPoseidon, packPoint/packSignature for random keys and messages
//   blake512: npm blake-hash "blake512" (what circomlibjs eddsa.js uses) on random messages
//   txmsg:    Poseidon of the txmsg.h field lists, to pin the transaction message definition
// Usage: node circomlibjs_oracle.mjs SEED   (SEED: decimal; printed back in the output)
import { createRequire } from "module";
import path from "path";
import { fileURLToPath } from "url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../npm/package.json"));
const circomlibjs = await import(require.resolve("circomlibjs"));
const createBlakeHash = require("blake-hash");

const seed = BigInt(process.argv[2] || "1");
const MASK = (1n << 64n) - 1n;
let state = seed === 0n ? 1n : seed & MASK;
function rnd64() {
    state ^= (state << 13n) & MASK;
    state ^= state >> 7n;
    state ^= (state << 17n) & MASK;
    return state;
}
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
function rndField() {
    let v = 0n;
    for (let i = 0; i < 4; i++) v = (v << 64n) | rnd64();
    return v % P;
}
function rndBytes(n) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Number(rnd64() & 255n);
    return b;
}

const poseidon = await circomlibjs.buildPoseidon();
const F = poseidon.F;
const eddsa = await circomlibjs.buildEddsa();
const babyJub = await circomlibjs.buildBabyjub();
const dec = (x) => F.toObject(x).toString();

const out = { seed: seed.toString(), poseidon: [], eddsa: [], blake512: [], txmsg: [] };

for (let n = 1; n <= 16; n++) {
    for (let k = 0; k < 3; k++) {
        const inputs = [];
        for (let i = 0; i < n; i++) inputs.push(k === 0 && i === 0 ? 0n : rndField());
        const rec = { inputs: inputs.map(String) };
        if (k === 2) {
            const init = rndField();
            const nOut = 1 + Number(rnd64() % BigInt(n + 1));
            const r = poseidon(inputs, init, nOut);
            rec.init = init.toString();
            rec.out = (nOut === 1 ? [r] : r).map(dec);
        } else {
            rec.out = [dec(poseidon(inputs))];
        }
        out.poseidon.push(rec);
    }
}

for (let k = 0; k < 6; k++) {
    const sk = rndBytes(32);
    const msg = rndField();
    const A = eddsa.prv2pub(sk);
    const sig = eddsa.signPoseidon(sk, F.e(msg));
    if (!eddsa.verifyPoseidon(F.e(msg), sig, A)) throw new Error("circomlibjs rejected its own signature");
    out.eddsa.push({
        sk: sk.toString("hex"),
        msg: msg.toString(),
        ax: dec(A[0]), ay: dec(A[1]),
        packed_pub: Buffer.from(babyJub.packPoint(A)).toString("hex"),
        r8x: dec(sig.R8[0]), r8y: dec(sig.R8[1]), s: sig.S.toString(),
        packed_sig: Buffer.from(eddsa.packSignature(sig)).toString("hex"),
    });
}

for (const len of [0, 1, 31, 32, 64, 111, 112, 128, 200, 257]) {
    const m = rndBytes(len);
    out.blake512.push({ msg: m.toString("hex"), digest: createBlakeHash("blake512").update(m).digest("hex") });
}

for (let k = 0; k < 3; k++) {
    const u64 = () => rnd64();
    const tr = { from: u64() & 0xffffffn, to: u64() & 0xffffffn, amount: u64(), fee: u64() & 0xffffn, nonce: u64() & 0xffffn };
    out.txmsg.push({ type: "transfer", from: tr.from.toString(), to: tr.to.toString(), amount: tr.amount.toString(),
        fee: tr.fee.toString(), nonce: tr.nonce.toString(),
        msg: dec(poseidon([1n, tr.from, tr.to, tr.amount, tr.fee, tr.nonce])) });
    const dest = rndBytes(1 + Number(u64() % 62n));
    const padded = Buffer.concat([dest, Buffer.alloc(62 - dest.length)]);
    const d0 = BigInt("0x" + padded.subarray(0, 31).toString("hex"));
    const d1 = BigInt("0x" + padded.subarray(31, 62).toString("hex"));
    const wd = { from: u64() & 0xffffffn, amount: u64(), fee: u64() & 0xffffn, nonce: u64() & 0xffffn };
    out.txmsg.push({ type: "withdraw", from: wd.from.toString(), amount: wd.amount.toString(), fee: wd.fee.toString(),
        nonce: wd.nonce.toString(), dest: dest.toString("hex"),
        msg: dec(poseidon([2n, wd.from, wd.amount, wd.fee, wd.nonce, BigInt(dest.length), d0, d1])) });
}

process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0);
