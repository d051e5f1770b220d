pragma circom 2.0.0;

// Benchmark circuit: N multiplication constraints in a dependent chain,
// s[i] = s[i-1]^2 + x, with one public input. N is set by bench/run.sh.
template Chain(N) {
    signal input x;
    signal input y;
    signal output out;
    signal s[N];
    s[0] <== x * y;
    for (var i = 1; i < N; i++) {
        s[i] <== s[i-1] * s[i-1] + x;
    }
    out <== s[N-1];
}

component main {public [x]} = Chain(__N__);
