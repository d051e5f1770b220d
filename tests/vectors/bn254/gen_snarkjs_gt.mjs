// Writes snarkjs_gt.json: for fixed scalars a, b, P = a*G1, Q = b*G2 and the Gt value
// ffjavascript (the library snarkjs uses) computes as curve.pairing(P, Q), in the layout
// snarkjs writes for vk_alphabeta_12 (curve.Gt.toObject). Run from tests/npm:
//   node ../vectors/bn254/gen_snarkjs_gt.mjs > ../vectors/bn254/snarkjs_gt.json
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

// Resolve ffjavascript from the working directory (tests/npm), not from this file.
const require = createRequire(process.cwd() + "/");
const { buildBn128 } = await import(pathToFileURL(require.resolve("ffjavascript")).href);

const curve = await buildBn128(true);
const pairs = [
    [1n, 1n],
    [2n, 3n],
    [123456789n, 987654321n],
    [0x1234567890abcdef1234567890abcdef1234567890abcdefn, 0xfedcba0987654321fedcba0987654321n],
];
const str = (o) => JSON.parse(JSON.stringify(o, (k, v) => (typeof v === "bigint" ? v.toString() : v)));
const out = [];
for (const [a, b] of pairs) {
    const P = curve.G1.toAffine(curve.G1.timesScalar(curve.G1.g, a));
    const Q = curve.G2.toAffine(curve.G2.timesScalar(curve.G2.g, b));
    const gt = curve.pairing(P, Q);
    out.push({
        a: a.toString(),
        b: b.toString(),
        P: str(curve.G1.toObject(P)),
        Q: str(curve.G2.toObject(Q)),
        gt: str(curve.Gt.toObject(gt)),
    });
}
console.log(JSON.stringify({ source: "ffjavascript " + "0.2.63" + " curve.pairing via tests/vectors/bn254/gen_snarkjs_gt.mjs", cases: out }, null, 1));
await curve.terminate();
