// Error against exact Shapley vs evaluations, per method and sampler (issue 16).
#include <benchmark/benchmark.h>
BENCHMARK_MAIN();
