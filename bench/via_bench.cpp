// Google Benchmark driver: every measured call goes through the C shim (shim.h).
// Sizes are arguments; bench/run.sh picks them and collects the JSON.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "shim.h"

static void BM_FqMul(benchmark::State &st) {
    const size_t iters = 1 << 16;
    for (auto _ : st) via_bench_fq_mul(iters);
    st.SetItemsProcessed(int64_t(iters) * st.iterations()); // run.sh reports ns per item
}
static void BM_FqMulX8(benchmark::State &st) {
    const size_t iters = 1 << 13;
    for (auto _ : st)
        if (!via_bench_fq_mul_x8(iters)) {
            st.SkipWithError("no AVX-512 IFMA on this CPU");
            return;
        }
    st.SetItemsProcessed(int64_t(16 * iters) * st.iterations()); // ns per product
}
static void BM_FrMul(benchmark::State &st) {
    const size_t iters = 1 << 16;
    for (auto _ : st) via_bench_fr_mul(iters);
    st.SetItemsProcessed(int64_t(iters) * st.iterations()); // run.sh reports ns per item
}
static void BM_G1Add(benchmark::State &st) {
    const size_t iters = 1 << 14;
    for (auto _ : st) via_bench_g1_add(iters);
    st.SetItemsProcessed(int64_t(iters) * st.iterations()); // run.sh reports ns per item
}

static void BM_MsmG1(benchmark::State &st) {
    if (via_bench_msm_setup(unsigned(st.range(0)))) {
        st.SkipWithError("setup failed");
        return;
    }
    for (auto _ : st)
        if (via_bench_msm_run()) st.SkipWithError("msm failed");
    via_bench_release();
}
static void BM_MsmG2(benchmark::State &st) {
    if (via_bench_msm_g2_setup(unsigned(st.range(0)))) {
        st.SkipWithError("setup failed");
        return;
    }
    for (auto _ : st)
        if (via_bench_msm_g2_run()) st.SkipWithError("msm failed");
    via_bench_release();
}
static void BM_Ntt(benchmark::State &st) {
    if (via_bench_ntt_setup(unsigned(st.range(0)))) {
        st.SkipWithError("setup failed");
        return;
    }
    for (auto _ : st)
        if (via_bench_ntt_run()) st.SkipWithError("ntt failed");
    via_bench_release();
}

// Witness generation of a sample chunk of N transfer slots, one thread, CPU time: run.sh
// reports slots per second per core.
static void BM_ChunkWitness(benchmark::State &st) {
    if (via_bench_chunk_witness_setup(unsigned(st.range(0)))) {
        st.SkipWithError("setup failed");
        return;
    }
    for (auto _ : st)
        if (via_bench_chunk_witness_run()) st.SkipWithError("witness failed");
    st.SetItemsProcessed(st.range(0) * st.iterations());
    via_bench_release();
}

// Backend variants (opencl, cuda) through via_host; registered only when the backend opens.
static void BM_MsmG1Backend(benchmark::State &st, int backend) {
    if (via_bench_msm_setup(unsigned(st.range(0)))) {
        st.SkipWithError("setup failed");
        return;
    }
    for (auto _ : st)
        if (via_bench_msm_backend_run(backend)) st.SkipWithError("msm failed");
    via_bench_release();
}
static void BM_NttBackend(benchmark::State &st, int backend) {
    if (via_bench_ntt_setup(unsigned(st.range(0)))) {
        st.SkipWithError("setup failed");
        return;
    }
    for (auto _ : st)
        if (via_bench_ntt_backend_run(backend)) st.SkipWithError("ntt failed");
    via_bench_release();
}

static void BM_Groth16Prove(benchmark::State &st, std::string zkey, std::string wtns) {
    if (via_bench_prove_setup(zkey.c_str(), wtns.c_str())) {
        st.SkipWithError("cannot load the key or witness");
        return;
    }
    st.counters["constraints"] = via_bench_prove_constraints();
    for (auto _ : st)
        if (via_bench_prove_run()) st.SkipWithError("prove failed");
    via_bench_release();
}

static std::string agg_zkey() {
    const char *z = getenv("VIA_BENCH_AGG_ZKEY");
    return z ? z : "tests/fixtures/multiplier/circuit.zkey";
}
static void BM_Aggregate(benchmark::State &st, int which) {
    if (via_bench_agg_setup(unsigned(st.range(0)), agg_zkey().c_str())) {
        st.SkipWithError("aggregation setup failed");
        return;
    }
    st.counters["proof_bytes"] = double(via_bench_agg_bytes());
    for (auto _ : st) {
        int rc = which == 0   ? via_bench_agg_prove_run()
                 : which == 1 ? via_bench_agg_verify_run()
                              : via_bench_agg_verify_each_run();
        if (rc) st.SkipWithError("aggregation run failed");
    }
}

static void add_range(benchmark::internal::Benchmark *b, const char *env, int lo, int hi) {
    const char *s = getenv(env);
    if (s) sscanf(s, "%d:%d", &lo, &hi);
    for (int k = lo; k <= hi; k += 2) b->Arg(k);
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

int main(int argc, char **argv) {
    if (const char *t = getenv("VIA_THREADS")) via_bench_set_threads(unsigned(atoi(t)));
    benchmark::AddCustomContext("threads", std::to_string(via_bench_threads()));
    benchmark::AddCustomContext("field_mulx_adx", via_bench_field_adx() ? "yes" : "no");
    benchmark::AddCustomContext("field_ifma", via_bench_field_ifma() ? "yes" : "no");
    benchmark::RegisterBenchmark("fq_mul", BM_FqMul)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("fq_mul_x8", BM_FqMulX8)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("fr_mul", BM_FrMul)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("g1_add", BM_G1Add)->Unit(benchmark::kMicrosecond);
    add_range(benchmark::RegisterBenchmark("msm_g1/cpu", BM_MsmG1), "VIA_BENCH_MSM", 10, 20);
    add_range(benchmark::RegisterBenchmark("msm_g2/cpu", BM_MsmG2), "VIA_BENCH_MSM_G2", 10, 16);
    add_range(benchmark::RegisterBenchmark("ntt/cpu", BM_Ntt), "VIA_BENCH_NTT", 10, 22);
    {
        // VIA_BENCH_CHUNK="1,4,16" (slots per chunk)
        std::string sizes = getenv("VIA_BENCH_CHUNK") ? getenv("VIA_BENCH_CHUNK") : "1,4,16,64";
        auto *b = benchmark::RegisterBenchmark("chunk_witness", BM_ChunkWitness);
        for (size_t pos = 0; pos < sizes.size();) {
            size_t end = sizes.find(',', pos);
            if (end == std::string::npos) end = sizes.size();
            b->Arg(atoi(sizes.substr(pos, end - pos).c_str()));
            pos = end + 1;
        }
        b->Unit(benchmark::kMillisecond);
    }
    if (char *dev = via_bench_devices()) {
        benchmark::AddCustomContext("devices", dev);
        free(dev);
    }
    // VIA_BENCH_BACKENDS="opencl cuda" (default); VIA_BENCH_MSM_DEV / VIA_BENCH_NTT_DEV ranges
    std::string backends = getenv("VIA_BENCH_BACKENDS") ? getenv("VIA_BENCH_BACKENDS") : "opencl cuda";
    for (const char *name : {"opencl", "cuda"}) {
        if (backends.find(name) == std::string::npos) continue;
        int b;
        if (via_bench_backend_open(name, &b)) continue;
        add_range(benchmark::RegisterBenchmark((std::string("msm_g1/") + name).c_str(),
                                               BM_MsmG1Backend, b),
                  "VIA_BENCH_MSM_DEV", 10, 20);
        add_range(benchmark::RegisterBenchmark((std::string("ntt/") + name).c_str(), BM_NttBackend, b),
                  "VIA_BENCH_NTT_DEV", 10, 22);
    }
    // VIA_BENCH_AGG="64,256,1024": SnarkPack aggregate / verify / one-by-one verify
    {
        std::string sizes = getenv("VIA_BENCH_AGG") ? getenv("VIA_BENCH_AGG") : "64,256,1024";
        // n-major order, so the three rows of one n share its setup (SRS, proofs)
        size_t pos = 0;
        while (pos < sizes.size()) {
            size_t end = sizes.find(',', pos);
            if (end == std::string::npos) end = sizes.size();
            int n = atoi(sizes.substr(pos, end - pos).c_str());
            pos = end + 1;
            if (n <= 0) continue;
            const char *names[3] = {"aggregate/cpu", "verify_aggregate/cpu", "verify_each/cpu"};
            for (int k = 0; k < 3; k++)
                benchmark::RegisterBenchmark(names[k], BM_Aggregate, k)
                    ->Arg(n)
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime();
        }
    }
    // VIA_BENCH_PROVE="label:zkey:wtns;label:zkey:wtns"
    if (const char *p = getenv("VIA_BENCH_PROVE")) {
        std::string all(p);
        size_t pos = 0;
        while (pos < all.size()) {
            size_t end = all.find(';', pos);
            if (end == std::string::npos) end = all.size();
            std::string item = all.substr(pos, end - pos);
            size_t c1 = item.find(':'), c2 = item.find(':', c1 + 1);
            if (c1 != std::string::npos && c2 != std::string::npos)
                benchmark::RegisterBenchmark(("groth16_prove/cpu/" + item.substr(0, c1)).c_str(),
                                             BM_Groth16Prove, item.substr(c1 + 1, c2 - c1 - 1),
                                             item.substr(c2 + 1))
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime()
                    ->Iterations(3);
            pos = end + 1;
        }
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
